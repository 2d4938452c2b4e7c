CREATE TABLE "analytics"."event_actors_daily" (
	"organization_id" uuid NOT NULL,
	"bucket_start" timestamp with time zone NOT NULL,
	"type" text NOT NULL,
	"actor_id" uuid NOT NULL,
	CONSTRAINT "event_actors_daily_pkey" PRIMARY KEY("organization_id","bucket_start","type","actor_id")
);
--> statement-breakpoint
CREATE TABLE "analytics"."event_counts_daily" (
	"organization_id" uuid NOT NULL,
	"bucket_start" timestamp with time zone NOT NULL,
	"type" text NOT NULL,
	"count" integer NOT NULL,
	CONSTRAINT "event_counts_daily_pkey" PRIMARY KEY("organization_id","bucket_start","type")
);
--> statement-breakpoint
CREATE TABLE "analytics"."event_counts_hourly" (
	"organization_id" uuid NOT NULL,
	"bucket_start" timestamp with time zone NOT NULL,
	"type" text NOT NULL,
	"count" integer NOT NULL,
	CONSTRAINT "event_counts_hourly_pkey" PRIMARY KEY("organization_id","bucket_start","type")
);
