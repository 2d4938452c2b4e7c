-- Words are what the query side calls words (src/engine/text.ts, wordsOf): runs of letters and
-- digits. The default text search parser keeps 'taxi-ride-receipt.txt' or 'invoice_march.pdf'
-- whole (a host or file token), so 'receipt' found nothing; ASCII punctuation becomes a space
-- first, one character for one, so positions in the text are unchanged (highlights rely on it).
CREATE FUNCTION "search"."words"(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT regexp_replace($1, '[[:space:]!-/:-@[-`{-~]', ' ', 'g')
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "search"."documents_tsv"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.tsv := setweight(to_tsvector(NEW.language::regconfig, "search"."words"(NEW.title)), 'A')
    || setweight(to_tsvector(NEW.language::regconfig, "search"."words"(NEW.body)), 'B');
  RETURN NEW;
END
$$;
--> statement-breakpoint
-- Every indexed row parsed again (the trigger fires on an update of language).
UPDATE "search"."documents" SET "language" = "language";
