CREATE TABLE "model_aliases" (
	"alias" text PRIMARY KEY NOT NULL,
	"model_id" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "models" (
	"id" text PRIMARY KEY NOT NULL,
	"display_name" text NOT NULL,
	"context_window" integer NOT NULL,
	"max_output" integer NOT NULL,
	"input_price" numeric(12, 6) NOT NULL,
	"output_price" numeric(12, 6) NOT NULL,
	"cache_write_price" numeric(12, 6) NOT NULL,
	"cache_read_price" numeric(12, 6) NOT NULL,
	"fallbacks" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"released_at" timestamp with time zone,
	"removed" boolean DEFAULT false NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "usage" ADD COLUMN "requested_model" text;