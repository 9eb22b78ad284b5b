-- The spend ledger's outbox: ids of spend logs not yet counted in the entity and Daily tables. Written in
-- the same statement as the spend log, deleted in the transaction that counts it (domains/spend/ledger).
-- CreateTable
CREATE TABLE "ControlPlane_SpendLogPending" (
    "request_id" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ControlPlane_SpendLogPending_pkey" PRIMARY KEY ("request_id")
);
