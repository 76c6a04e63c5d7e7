CREATE TABLE "usage_daily" (
	"bucket_start" timestamp with time zone NOT NULL,
	"api_key_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"account_id" uuid NOT NULL,
	"model" text NOT NULL,
	"status" integer NOT NULL,
	"requests" bigint NOT NULL,
	"input_tokens" bigint NOT NULL,
	"output_tokens" bigint NOT NULL,
	"cache_creation_input_tokens" bigint NOT NULL,
	"cache_read_input_tokens" bigint NOT NULL,
	"cost_usd" numeric(18, 6) NOT NULL,
	"latency_ms_sum" bigint NOT NULL,
	"latency_ms_max" integer NOT NULL,
	"ttft_count" bigint NOT NULL,
	"ttft_ms_sum" bigint NOT NULL,
	"ttft_ms_max" integer NOT NULL,
	"latency_histogram" integer[] NOT NULL,
	"ttft_histogram" integer[] NOT NULL,
	CONSTRAINT "usage_daily_pkey" PRIMARY KEY("bucket_start","api_key_id","user_id","account_id","model","status")
);
--> statement-breakpoint
CREATE TABLE "usage_hourly" (
	"bucket_start" timestamp with time zone NOT NULL,
	"api_key_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"account_id" uuid NOT NULL,
	"model" text NOT NULL,
	"status" integer NOT NULL,
	"requests" bigint NOT NULL,
	"input_tokens" bigint NOT NULL,
	"output_tokens" bigint NOT NULL,
	"cache_creation_input_tokens" bigint NOT NULL,
	"cache_read_input_tokens" bigint NOT NULL,
	"cost_usd" numeric(18, 6) NOT NULL,
	"latency_ms_sum" bigint NOT NULL,
	"latency_ms_max" integer NOT NULL,
	"ttft_count" bigint NOT NULL,
	"ttft_ms_sum" bigint NOT NULL,
	"ttft_ms_max" integer NOT NULL,
	"latency_histogram" integer[] NOT NULL,
	"ttft_histogram" integer[] NOT NULL,
	CONSTRAINT "usage_hourly_pkey" PRIMARY KEY("bucket_start","api_key_id","user_id","account_id","model","status")
);
--> statement-breakpoint
CREATE TABLE "usage_watermarks" (
	"name" text PRIMARY KEY NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "usage_daily_api_key_id_idx" ON "usage_daily" USING btree ("api_key_id","bucket_start");--> statement-breakpoint
CREATE INDEX "usage_daily_user_id_idx" ON "usage_daily" USING btree ("user_id","bucket_start");--> statement-breakpoint
CREATE INDEX "usage_hourly_api_key_id_idx" ON "usage_hourly" USING btree ("api_key_id","bucket_start");--> statement-breakpoint
CREATE INDEX "usage_hourly_user_id_idx" ON "usage_hourly" USING btree ("user_id","bucket_start");