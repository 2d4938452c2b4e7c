-- Custom migration (drizzle-kit generate --custom): the rollups of 0002 are kept by the database
-- in the transaction of every insert into analytics.events, then filled from the events already
-- stored. A statement-level trigger sees only the rows the insert stored (its transition table
-- leaves out those skipped by ON CONFLICT DO NOTHING), so a retried batch counts once; counters
-- are incremented with INSERT ... ON CONFLICT DO UPDATE (no read-modify-write), so concurrent
-- ingests on many replicas add up exactly. Rows are upserted in key order, table by table, so two
-- concurrent batches lock shared counters in the same order and cannot deadlock on them.
-- Events are never updated or deleted (nothing in the subgraph does either): the rollups follow
-- inserts only.
CREATE FUNCTION "analytics"."events_rollup"() RETURNS trigger LANGUAGE plpgsql AS $$
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
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER "events_rollup" AFTER INSERT ON "analytics"."events"
  REFERENCING NEW TABLE AS stored FOR EACH STATEMENT EXECUTE FUNCTION "analytics"."events_rollup"();
--> statement-breakpoint
-- The backfill: the trigger above already holds a lock on analytics.events that keeps out
-- concurrent inserts until this migration commits, so no event is counted twice or missed.
INSERT INTO "analytics"."event_counts_hourly" ("organization_id", "bucket_start", "type", "count")
  SELECT "organization_id", date_trunc('hour', "occurred_at", 'UTC'), "type", count(*) FROM "analytics"."events" GROUP BY 1, 2, 3;
--> statement-breakpoint
INSERT INTO "analytics"."event_counts_daily" ("organization_id", "bucket_start", "type", "count")
  SELECT "organization_id", date_trunc('day', "occurred_at", 'UTC'), "type", count(*) FROM "analytics"."events" GROUP BY 1, 2, 3;
--> statement-breakpoint
INSERT INTO "analytics"."event_actors_daily" ("organization_id", "bucket_start", "type", "actor_id")
  SELECT DISTINCT "organization_id", date_trunc('day', "occurred_at", 'UTC'), "type", "actor_id" FROM "analytics"."events" WHERE "actor_id" IS NOT NULL;
