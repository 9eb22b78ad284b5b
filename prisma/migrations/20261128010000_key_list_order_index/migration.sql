-- CreateIndex
CREATE INDEX IF NOT EXISTS "LiteLLM_VerificationToken_created_at_token_idx" ON "LiteLLM_VerificationToken"("created_at" DESC, "token" DESC);

