CREATE SCHEMA "workflow";
--> statement-breakpoint
CREATE TABLE "workflow"."definition_versions" (
	"definition_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"spec" jsonb NOT NULL,
	"created_by" uuid NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "definition_versions_pkey" PRIMARY KEY("definition_id","version"),
	CONSTRAINT "definition_versions_version_check" CHECK (version >= 1)
);
--> statement-breakpoint
CREATE TABLE "workflow"."definitions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"organization_id" uuid NOT NULL,
	"key" text NOT NULL,
	"name" text NOT NULL,
	"sort_name" text NOT NULL,
	"description" text,
	"latest_version" integer NOT NULL,
	"created_by" uuid NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "workflow"."run_transitions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"run_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"transition" text NOT NULL,
	"from_state" text NOT NULL,
	"to_state" text NOT NULL,
	"actor_id" uuid NOT NULL,
	"comment" text,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "workflow"."runs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"organization_id" uuid NOT NULL,
	"definition_id" uuid NOT NULL,
	"definition_version" integer NOT NULL,
	"state" text NOT NULL,
	"status" text NOT NULL,
	"started_by" uuid NOT NULL,
	"data" jsonb,
	"transition_count" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone,
	"cancelled_by" uuid,
	"cancel_reason" text,
	CONSTRAINT "runs_status_check" CHECK (status in ('ACTIVE','COMPLETED','CANCELLED'))
);
--> statement-breakpoint
CREATE TABLE "workflow"."tasks" (
	"id" uuid PRIMARY KEY NOT NULL,
	"organization_id" uuid NOT NULL,
	"run_id" uuid NOT NULL,
	"state" text NOT NULL,
	"title" text NOT NULL,
	"assignee_id" uuid,
	"assignee_role" text,
	"status" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"completed_at" timestamp with time zone,
	"completed_by" uuid,
	CONSTRAINT "tasks_status_check" CHECK (status in ('OPEN','DONE','CANCELLED')),
	CONSTRAINT "tasks_assignee_role_check" CHECK (assignee_role is null or assignee_role in ('OWNER','ADMIN','MEMBER','VIEWER')),
	CONSTRAINT "tasks_assigned_check" CHECK (assignee_id is not null or assignee_role is not null)
);
--> statement-breakpoint
ALTER TABLE "workflow"."definition_versions" ADD CONSTRAINT "definition_versions_definition_id_definitions_id_fk" FOREIGN KEY ("definition_id") REFERENCES "workflow"."definitions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workflow"."run_transitions" ADD CONSTRAINT "run_transitions_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "workflow"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workflow"."runs" ADD CONSTRAINT "runs_definition_version_fkey" FOREIGN KEY ("definition_id","definition_version") REFERENCES "workflow"."definition_versions"("definition_id","version") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workflow"."tasks" ADD CONSTRAINT "tasks_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "workflow"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "definitions_org_key_key" ON "workflow"."definitions" USING btree ("organization_id","key");--> statement-breakpoint
CREATE INDEX "definitions_org_name_idx" ON "workflow"."definitions" USING btree ("organization_id","sort_name","id");--> statement-breakpoint
CREATE INDEX "definitions_org_created_idx" ON "workflow"."definitions" USING btree ("organization_id","created_at","id");--> statement-breakpoint
CREATE INDEX "definitions_org_updated_idx" ON "workflow"."definitions" USING btree ("organization_id","updated_at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "run_transitions_run_seq_key" ON "workflow"."run_transitions" USING btree ("run_id","seq");--> statement-breakpoint
CREATE INDEX "runs_definition_created_idx" ON "workflow"."runs" USING btree ("definition_id","created_at","id");--> statement-breakpoint
CREATE INDEX "runs_definition_updated_idx" ON "workflow"."runs" USING btree ("definition_id","updated_at","id");--> statement-breakpoint
CREATE INDEX "runs_definition_status_idx" ON "workflow"."runs" USING btree ("definition_id","status","created_at","id");--> statement-breakpoint
CREATE INDEX "runs_definition_state_idx" ON "workflow"."runs" USING btree ("definition_id","state","created_at","id");--> statement-breakpoint
CREATE INDEX "runs_org_created_idx" ON "workflow"."runs" USING btree ("organization_id","created_at","id");--> statement-breakpoint
CREATE INDEX "runs_org_updated_idx" ON "workflow"."runs" USING btree ("organization_id","updated_at","id");--> statement-breakpoint
CREATE INDEX "runs_org_status_idx" ON "workflow"."runs" USING btree ("organization_id","status","created_at","id");--> statement-breakpoint
CREATE INDEX "runs_org_starter_idx" ON "workflow"."runs" USING btree ("organization_id","started_by","created_at","id");--> statement-breakpoint
CREATE INDEX "tasks_run_created_idx" ON "workflow"."tasks" USING btree ("run_id","created_at","id");--> statement-breakpoint
CREATE INDEX "tasks_assignee_idx" ON "workflow"."tasks" USING btree ("assignee_id","status","created_at","id");--> statement-breakpoint
CREATE INDEX "tasks_org_role_idx" ON "workflow"."tasks" USING btree ("organization_id","assignee_role","status","created_at","id");