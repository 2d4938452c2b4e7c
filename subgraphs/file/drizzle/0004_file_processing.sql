CREATE TABLE "files"."file_processing" (
	"file_id" uuid PRIMARY KEY NOT NULL,
	"organization_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"job_id" uuid,
	"state" text NOT NULL,
	"attempts" integer NOT NULL,
	"max_attempts" integer NOT NULL,
	"last_error" text,
	"detected_content_type" text,
	"text" text,
	"text_length" integer,
	"thumbnail_key" text,
	"queued_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone,
	CONSTRAINT "file_processing_state_check" CHECK (state in ('QUEUED', 'RUNNING', 'RETRYING', 'DONE', 'FAILED'))
);
--> statement-breakpoint
ALTER TABLE "files"."file_processing" ADD CONSTRAINT "file_processing_file_id_files_id_fk" FOREIGN KEY ("file_id") REFERENCES "files"."files"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "file_processing_org_state_idx" ON "files"."file_processing" USING btree ("organization_id","state");