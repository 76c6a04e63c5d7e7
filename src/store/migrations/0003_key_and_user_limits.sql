ALTER TABLE "api_keys" ADD COLUMN "limits" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "allowed_models" jsonb;--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "model_fallback" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "limits" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "allowed_models" jsonb;--> statement-breakpoint
CREATE INDEX "usage_api_key_id_created_at_idx" ON "usage" USING btree ("api_key_id","created_at");--> statement-breakpoint
CREATE INDEX "usage_user_id_created_at_idx" ON "usage" USING btree ("user_id","created_at");