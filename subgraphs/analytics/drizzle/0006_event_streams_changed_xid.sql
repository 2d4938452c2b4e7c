ALTER TABLE "analytics"."event_log_streams" ADD COLUMN "changed_xid" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "event_log_streams_changed_xid_idx" ON "analytics"."event_log_streams" USING btree ("changed_xid");--> statement-breakpoint
-- The transaction that last wrote each stream's row, set here and not by the code that appends,
-- so that a replica of any version (an old one during a rolling deploy) sets it: the search
-- protocol's heads-since-a-token read relies on it (docs/protocols/search.md#tokens).
CREATE FUNCTION "analytics"."event_log_streams_changed_xid"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.changed_xid := pg_current_xact_id()::text::bigint;
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "event_log_streams_changed_xid" BEFORE INSERT OR UPDATE ON "analytics"."event_log_streams" FOR EACH ROW EXECUTE FUNCTION "analytics"."event_log_streams_changed_xid"();
