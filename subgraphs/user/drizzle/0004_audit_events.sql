CREATE TABLE "users"."audit_events" (
	"id" uuid PRIMARY KEY NOT NULL,
	"seq" bigserial NOT NULL,
	"type" text NOT NULL,
	"actor_id" uuid,
	"user_id" uuid,
	"organization_id" uuid,
	"ip_address" text,
	"details" jsonb NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "audit_events_org_idx" ON "users"."audit_events" USING btree ("organization_id","occurred_at","seq");--> statement-breakpoint
CREATE INDEX "audit_events_org_type_idx" ON "users"."audit_events" USING btree ("organization_id","type","occurred_at","seq");--> statement-breakpoint
CREATE INDEX "audit_events_user_idx" ON "users"."audit_events" USING btree ("user_id","occurred_at","seq");