-- Custom migration (drizzle-kit generate --custom): the trigger of 0003 also keeps the actors per
-- day whatever the type (0004), then those of the events already stored are filled in. The lock
-- keeps concurrent inserts out until this migration commits (they would still run the function
-- as it was before), so no actor is missed.
LOCK TABLE "analytics"."events" IN SHARE ROW EXCLUSIVE MODE;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "analytics"."events_rollup"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "analytics"."event_counts_hourly" AS c ("organization_id", "bucket_start", "type", "count")
    SELECT "organization_id", date_trunc('hour', "occurred_at", 'UTC'), "type", count(*)
    FROM stored GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT ("organization_id", "bucket_start", "type") DO UPDATE SET "count" = c."count" + excluded."count";
  INSERT INTO "analytics"."event_counts_daily" AS c ("organization_id", "bucket_start", "type", "count")
    SELECT "organization_id", date_trunc('day', "occurred_at", 'UTC'), "type", count(*)
    FROM stored GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT ("organization_id", "bucket_start", "type") DO UPDATE SET "count" = c."count" + excluded."count";
  INSERT INTO "analytics"."event_actors_daily" ("organization_id", "bucket_start", "type", "actor_id")
    SELECT DISTINCT "organization_id", date_trunc('day', "occurred_at", 'UTC'), "type", "actor_id"
    FROM stored WHERE "actor_id" IS NOT NULL ORDER BY 1, 2, 3, 4
    ON CONFLICT DO NOTHING;
  INSERT INTO "analytics"."event_actors_daily_any_type" ("organization_id", "bucket_start", "actor_id")
    SELECT DISTINCT "organization_id", date_trunc('day', "occurred_at", 'UTC'), "actor_id"
    FROM stored WHERE "actor_id" IS NOT NULL ORDER BY 1, 2, 3
    ON CONFLICT DO NOTHING;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
INSERT INTO "analytics"."event_actors_daily_any_type" ("organization_id", "bucket_start", "actor_id")
  SELECT DISTINCT "organization_id", date_trunc('day', "occurred_at", 'UTC'), "actor_id" FROM "analytics"."events" WHERE "actor_id" IS NOT NULL;
