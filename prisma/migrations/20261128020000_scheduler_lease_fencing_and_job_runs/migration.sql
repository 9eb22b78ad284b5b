-- AlterTable
ALTER TABLE "LiteLLM_CronJob" ADD COLUMN     "generation" BIGINT NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "ControlPlane_JobRun" (
    "id" TEXT NOT NULL,
    "job_name" TEXT NOT NULL,
    "window_start" TIMESTAMP(3) NOT NULL,
    "status" TEXT NOT NULL,
    "pod_id" TEXT NOT NULL,
    "generation" BIGINT NOT NULL,
    "started_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMP(3),
    "rows_affected" INTEGER NOT NULL DEFAULT 0,
    "details" JSONB,
    "error" TEXT,

    CONSTRAINT "ControlPlane_JobRun_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ControlPlane_JobRun_job_name_finished_at_idx" ON "ControlPlane_JobRun"("job_name", "finished_at");

-- CreateIndex
CREATE UNIQUE INDEX "ControlPlane_JobRun_job_name_window_start_key" ON "ControlPlane_JobRun"("job_name", "window_start");

