CREATE TABLE "analytics"."event_actors_daily_any_type" (
	"organization_id" uuid NOT NULL,
	"bucket_start" timestamp with time zone NOT NULL,
	"actor_id" uuid NOT NULL,
	CONSTRAINT "event_actors_daily_any_type_pkey" PRIMARY KEY("organization_id","bucket_start","actor_id")
);
