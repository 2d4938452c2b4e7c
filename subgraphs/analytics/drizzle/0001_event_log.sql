CREATE TABLE "analytics"."event_log_streams" (
	"stream" text PRIMARY KEY NOT NULL,
	"seq" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "analytics"."event_log" (
	"stream" text NOT NULL,
	"seq" bigint NOT NULL,
	"type" text NOT NULL,
	"organization_id" uuid,
	"payload" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "event_log_stream_seq_pk" PRIMARY KEY("stream","seq")
);
--> statement-breakpoint
CREATE INDEX "event_log_created_idx" ON "analytics"."event_log" USING btree ("created_at");