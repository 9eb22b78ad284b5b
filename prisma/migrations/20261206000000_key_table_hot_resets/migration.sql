-- Budget resets and spend updates of keys change `spend` and `budget_reset_at`. With LiteLLM's
-- (budget_reset_at, expires) index every such update writes a new entry in each of the table's indexes;
-- without it, and with room left on each page, most of them are HOT (no index entries at all): the
-- midnight reset takes about half as long (README, Performance). The reset job finds due keys without it.
-- DropIndex
DROP INDEX IF EXISTS "LiteLLM_VerificationToken_budget_reset_at_expires_idx";

-- Prisma's schema cannot express storage parameters: fillfactor is set here only. Pages filled before
-- this migration get their room back as their rows are updated and vacuumed.
ALTER TABLE "LiteLLM_VerificationToken" SET (fillfactor = 70);
