ALTER TABLE "files"."files" ADD COLUMN "deleted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "files"."files" ADD COLUMN "deleted_by" uuid;--> statement-breakpoint
ALTER TABLE "files"."files" ADD COLUMN "purge_claimed_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "files_org_deleted_idx" ON "files"."files" USING btree ("organization_id","deleted_at","id") WHERE deleted_at is not null;--> statement-breakpoint
CREATE INDEX "files_deleted_idx" ON "files"."files" USING btree ("deleted_at") WHERE deleted_at is not null;