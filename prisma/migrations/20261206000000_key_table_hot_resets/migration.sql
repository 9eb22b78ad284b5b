-- A budget reset of a key moves `budget_reset_at`, so with LiteLLM's (budget_reset_at, expires) index it
-- is never HOT and writes an entry in each of the table's indexes. Without that index, and with room left
-- on each page (which spend updates need too), most reset and spend updates of keys are HOT (no index
-- entries at all): the midnight reset takes about half as long (README, Performance). The reset job
-- finds due keys without the index.
-- DropIndex
DROP INDEX IF EXISTS "LiteLLM_VerificationToken_budget_reset_at_expires_idx";

-- Prisma's schema cannot express storage parameters: fillfactor is set here only. Pages filled before
-- this migration get their room back as their rows are updated and vacuumed.
ALTER TABLE "LiteLLM_VerificationToken" SET (fillfactor = 70);
