CREATE SCHEMA "files";
--> statement-breakpoint
CREATE TABLE "files"."file_versions" (
	"file_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"content_type" text NOT NULL,
	"size" integer NOT NULL,
	"sha256" text NOT NULL,
	"storage_key" text NOT NULL,
	"created_by" uuid NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "file_versions_pkey" PRIMARY KEY("file_id","version"),
	CONSTRAINT "file_versions_version_check" CHECK (version >= 1),
	CONSTRAINT "file_versions_size_check" CHECK (size >= 0)
);
--> statement-breakpoint
CREATE TABLE "files"."files" (
	"id" uuid PRIMARY KEY NOT NULL,
	"organization_id" uuid NOT NULL,
	"name" text NOT NULL,
	"content_type" text NOT NULL,
	"size" integer NOT NULL,
	"sha256" text NOT NULL,
	"storage_key" text NOT NULL,
	"current_version" integer NOT NULL,
	"owner_id" uuid NOT NULL,
	"workflow_run_id" uuid,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "files_size_check" CHECK (size >= 0),
	CONSTRAINT "files_current_version_check" CHECK (current_version >= 1)
);
--> statement-breakpoint
ALTER TABLE "files"."file_versions" ADD CONSTRAINT "file_versions_file_id_files_id_fk" FOREIGN KEY ("file_id") REFERENCES "files"."files"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "files_org_created_idx" ON "files"."files" USING btree ("organization_id","created_at","id");--> statement-breakpoint
CREATE INDEX "files_org_name_idx" ON "files"."files" USING btree ("organization_id","name","id");--> statement-breakpoint
CREATE INDEX "files_org_size_idx" ON "files"."files" USING btree ("organization_id","size","id");--> statement-breakpoint
CREATE INDEX "files_org_content_type_idx" ON "files"."files" USING btree ("organization_id","content_type");--> statement-breakpoint
CREATE INDEX "files_run_idx" ON "files"."files" USING btree ("workflow_run_id","organization_id","created_at","id");