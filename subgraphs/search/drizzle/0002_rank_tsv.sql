-- btree_gin: a GIN index on (organization_id, tsv), so a word's matches in one organization come
-- from the index alone (no bitmap AND with the primary key, no recheck of each row's tsvector).
-- In the database's default schema, as pg_trgm and fuzzystrmatch (0000); PGlite loads it from
-- @electric-sql/pglite/contrib (src/engine/extensions.ts).
CREATE EXTENSION IF NOT EXISTS btree_gin;
--> statement-breakpoint
DROP INDEX "search"."documents_tsv_idx";--> statement-breakpoint
ALTER TABLE "search"."documents" ADD COLUMN "rank_tsv" "tsvector" DEFAULT ''::tsvector NOT NULL;--> statement-breakpoint
-- rank_tsv: the title (A) and the body's first 1,000 characters (B), what the score ranks on
-- (src/engine/postgres.ts). Small enough to stay in the row, so ranking thousands of matches does
-- not read each long body's tsv out of TOAST; matching still uses tsv (the whole body).
CREATE OR REPLACE FUNCTION "search"."documents_tsv"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.tsv := setweight(to_tsvector(NEW.language::regconfig, "search"."words"(NEW.title)), 'A')
    || setweight(to_tsvector(NEW.language::regconfig, "search"."words"(NEW.body)), 'B');
  NEW.rank_tsv := setweight(to_tsvector(NEW.language::regconfig, "search"."words"(NEW.title)), 'A')
    || setweight(to_tsvector(NEW.language::regconfig, "search"."words"(left(NEW.body, 1000))), 'B');
  RETURN NEW;
END
$$;
--> statement-breakpoint
-- Every indexed row parsed again (the trigger fires on an update of language), before the index is built.
UPDATE "search"."documents" SET "language" = "language";
--> statement-breakpoint
CREATE INDEX "documents_org_tsv_idx" ON "search"."documents" USING gin ("organization_id","tsv");
