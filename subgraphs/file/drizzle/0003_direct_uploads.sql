CREATE TABLE "files"."upload_settings" (
	"organization_id" uuid PRIMARY KEY NOT NULL,
	"max_bytes" bigint NOT NULL,
	"allowed_content_types" text[],
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "files"."uploads" (
	"id" uuid PRIMARY KEY NOT NULL,
	"organization_id" uuid NOT NULL,
	"name" text NOT NULL,
	"content_type" text NOT NULL,
	"size" bigint NOT NULL,
	"sha256" text NOT NULL,
	"workflow_run_id" uuid,
	"created_by" uuid NOT NULL,
	"storage_key" text NOT NULL,
	"multipart_id" text,
	"part_size" integer,
	"file_id" uuid NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"completed_at" timestamp with time zone,
	CONSTRAINT "uploads_size_check" CHECK (size >= 0)
);
--> statement-breakpoint
CREATE INDEX "uploads_expires_idx" ON "files"."uploads" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "uploads_org_idx" ON "files"."uploads" USING btree ("organization_id","created_at");