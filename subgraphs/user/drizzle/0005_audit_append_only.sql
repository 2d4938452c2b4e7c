-- Custom migration (drizzle-kit generate --custom): the audit log is append-only, enforced by the
-- database so that no code path, bug or compromised query builder can rewrite history.
CREATE FUNCTION "users"."audit_events_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'users.audit_events is append-only';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER "audit_events_append_only" BEFORE UPDATE OR DELETE ON "users"."audit_events"
  FOR EACH ROW EXECUTE FUNCTION "users"."audit_events_append_only"();
--> statement-breakpoint
CREATE TRIGGER "audit_events_no_truncate" BEFORE TRUNCATE ON "users"."audit_events"
  FOR EACH STATEMENT EXECUTE FUNCTION "users"."audit_events_append_only"();
