-- pg_trgm and fuzzystrmatch (typo-tolerant name matching: trigram candidates, then an edit
-- distance): in the database's default schema, as contrib modules are; PGlite loads them from
-- @electric-sql/pglite/contrib (src/engine/extensions.ts). IF NOT EXISTS: another service, or an
-- earlier start, may have created them.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
--> statement-breakpoint
CREATE EXTENSION IF NOT EXISTS fuzzystrmatch;
--> statement-breakpoint
CREATE SCHEMA "search";
--> statement-breakpoint
CREATE TABLE "search"."cursors" (
	"source" text NOT NULL,
	"stream" text NOT NULL,
	"seq" bigint NOT NULL,
	CONSTRAINT "cursors_pkey" PRIMARY KEY("source","stream")
);
--> statement-breakpoint
CREATE TABLE "search"."documents" (
	"organization_id" text NOT NULL,
	"type" text NOT NULL,
	"id" text NOT NULL,
	"min_role" smallint NOT NULL,
	"title" text NOT NULL,
	"body" text NOT NULL,
	"keywords" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"language" text NOT NULL,
	"tsv" "tsvector" NOT NULL,
	CONSTRAINT "documents_pkey" PRIMARY KEY("organization_id","type","id"),
	CONSTRAINT "documents_min_role_check" CHECK (min_role between 1 and 4)
);
--> statement-breakpoint
CREATE TABLE "search"."event_streams" (
	"stream" text PRIMARY KEY NOT NULL,
	"seq" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "search"."events" (
	"stream" text NOT NULL,
	"seq" bigint NOT NULL,
	"type" text NOT NULL,
	"organization_id" uuid,
	"payload" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "events_stream_seq_pk" PRIMARY KEY("stream","seq")
);
--> statement-breakpoint
CREATE TABLE "search"."indexer_lease" (
	"id" smallint PRIMARY KEY NOT NULL,
	"holder" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "documents_tsv_idx" ON "search"."documents" USING gin ("tsv");--> statement-breakpoint
CREATE INDEX "documents_title_trgm_idx" ON "search"."documents" USING gin ("title" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "events_created_idx" ON "search"."events" USING btree ("created_at");--> statement-breakpoint
-- tsv follows title (weight A) and body (weight B) in the row's own text search configuration.
CREATE FUNCTION "search"."documents_tsv"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.tsv := setweight(to_tsvector(NEW.language::regconfig, NEW.title), 'A') || setweight(to_tsvector(NEW.language::regconfig, NEW.body), 'B');
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "documents_tsv" BEFORE INSERT OR UPDATE OF "title", "body", "language" ON "search"."documents" FOR EACH ROW EXECUTE FUNCTION "search"."documents_tsv"();
