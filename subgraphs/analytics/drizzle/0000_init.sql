CREATE SCHEMA "analytics";
--> statement-breakpoint
CREATE TABLE "analytics"."events" (
	"organization_id" uuid NOT NULL,
	"client_id" text NOT NULL,
	"type" text NOT NULL,
	"actor_id" uuid,
	"subject_id" text,
	"properties" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "events_pkey" PRIMARY KEY("organization_id","client_id"),
	CONSTRAINT "events_client_id_check" CHECK (char_length(client_id) between 1 and 128),
	CONSTRAINT "events_type_check" CHECK (char_length(type) between 1 and 100)
);
--> statement-breakpoint
CREATE INDEX "events_org_occurred_idx" ON "analytics"."events" USING btree ("organization_id","occurred_at","client_id");--> statement-breakpoint
CREATE INDEX "events_org_type_occurred_idx" ON "analytics"."events" USING btree ("organization_id","type","occurred_at");--> statement-breakpoint
CREATE INDEX "events_org_actor_occurred_idx" ON "analytics"."events" USING btree ("organization_id","actor_id","occurred_at");--> statement-breakpoint
CREATE INDEX "events_subject_type_occurred_idx" ON "analytics"."events" USING btree ("subject_id","type","occurred_at") WHERE subject_id is not null;