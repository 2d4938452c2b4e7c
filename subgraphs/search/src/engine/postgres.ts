import { type Database, type SearchDocument, type SearchDocumentRef, type SearchResyncScope, type SearchType } from '@organoise/core';
import { sql, type SQL } from 'drizzle-orm';
import type { SearchHighlight, SearchHit, SearchIndex, SearchPage, SearchQuery } from './search-index.js';
import {
  cleanText,
  decodeSearchCursor,
  encodeSearchCursor,
  FRAGMENT_SEPARATOR,
  MARK_END,
  MARK_START,
  MIN_TYPO_WORD_LENGTH,
  parseMarked,
  querySignature,
  rankOf,
  typoEdits,
  typoHighlight,
  wordsOf,
} from './text.js';

/**
 * Titles and bodies are parsed as words (the search.words SQL function, migration 0001): ASCII
 * punctuation is a space, so a file named 'taxi-ride-receipt.txt' is found by 'receipt'.
 *
 * Typo tolerance is two steps: a title is a candidate when a typed word is this close to one of its
 * words by pg_trgm's word_similarity (`<%`, the trigram index answers it; 'invioce' is 0.375 from
 * 'Invoice', so pg_trgm's default 0.6 is far too strict), then it matches when the edit distance
 * says so (typoMatches in text.ts; fuzzystrmatch's levenshtein here). The threshold is set per
 * query (SET LOCAL), so nothing else's changes.
 */
export const TYPO_CANDIDATE_THRESHOLD = 0.3;

/**
 * work_mem of a search's transaction (SET LOCAL): the bitmap of a word in most of a large
 * organization's documents stays exact, and nothing spills to disk (Postgres' default is 4MB).
 */
const SEARCH_WORK_MEM = '32MB';

/** Of a body, at most this much is read to build its highlight (ts_headline reparses the text). */
const HEADLINE_MAX_CHARS = 100_000;
const TITLE_HEADLINE = `HighlightAll=true, StartSel="${MARK_START}", StopSel="${MARK_END}"`;
const BODY_HEADLINE = `MaxFragments=2, MaxWords=24, MinWords=8, ShortWord=2, StartSel="${MARK_START}", StopSel="${MARK_END}", FragmentDelimiter="${FRAGMENT_SEPARATOR}"`;

const rowsOf = <T>(result: unknown): T[] => (Array.isArray(result) ? (result as T[]) : (result as { rows: T[] }).rows);

/**
 * Refuses a SEARCH_LANGUAGE that is not a text search configuration of the database, naming those it has.
 * Run at start: a typo in the setting fails the start, not every later write.
 */
export async function requireTextSearchConfig(db: Database, language: string): Promise<void> {
  const configs = rowsOf<{ name: string }>(await db.execute(sql`select cfgname as name from pg_catalog.pg_ts_config order by cfgname`)).map((r) => r.name);
  if (!configs.includes(language)) {
    throw new Error(`SEARCH_LANGUAGE '${language}' is not a text search configuration of this database; it has: ${configs.join(', ')}`);
  }
}

export interface PostgresSearchIndexOptions {
  /** The text search configuration (SEARCH_LANGUAGE), validated by openPostgresSearchIndex. */
  language: string;
  /** Called by close() (the index opened its own database); the subgraph's database is closed by the subgraph. */
  onClose?: () => Promise<void>;
}

/**
 * Postgres full-text search over search.documents (db/schema.ts): words match by prefix in the
 * tsvector (title A, body B), names also by trigram similarity despite a typo; the organization and
 * the viewer's role are conditions of the query itself.
 */
export class PostgresSearchIndex implements SearchIndex {
  constructor(
    private readonly db: Database,
    private readonly options: PostgresSearchIndexOptions,
  ) {}

  /**
   * Runs `work` in one transaction with an index bound to it: the indexer stores its cursors with
   * the documents they cover, so both are written or neither.
   */
  transaction<T>(work: (index: PostgresSearchIndex, tx: Database) => Promise<T>): Promise<T> {
    return this.db.transaction(async (tx) => work(new PostgresSearchIndex(tx as unknown as Database, { language: this.options.language }), tx as unknown as Database));
  }

  async upsert(documents: readonly SearchDocument[]): Promise<void> {
    if (documents.length === 0) return;
    // The last of one key wins: ON CONFLICT may not touch one row twice in a statement.
    const byKey = new Map<string, SearchDocument>();
    for (const d of documents) byKey.set(JSON.stringify([d.organizationId, d.type, d.id]), d);
    const rows = [...byKey.values()].map((d) => ({
      organization_id: d.organizationId,
      type: d.type,
      id: d.id,
      min_role: rankOf(d.minRole),
      title: cleanText(d.title),
      body: cleanText(d.body),
      keywords: Object.fromEntries(Object.entries(d.keywords).map(([k, v]) => [cleanText(k), cleanText(String(v))])),
      updated_at: d.updatedAt,
    }));
    await this.db.execute(sql`
      insert into search.documents (organization_id, type, id, min_role, title, body, keywords, updated_at, language)
      select x.organization_id, x.type, x.id, x.min_role, x.title, x.body, x.keywords, date_trunc('milliseconds', x.updated_at), ${this.options.language}
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        as x(organization_id text, type text, id text, min_role smallint, title text, body text, keywords jsonb, updated_at timestamptz)
      on conflict (organization_id, type, id) do update set
        min_role = excluded.min_role, title = excluded.title, body = excluded.body, keywords = excluded.keywords,
        updated_at = excluded.updated_at, language = excluded.language`);
  }

  async remove(refs: readonly SearchDocumentRef[]): Promise<void> {
    if (refs.length === 0) return;
    const keys = refs.map((r) => ({ organization_id: r.organizationId, type: r.type, id: r.id }));
    await this.db.execute(sql`
      delete from search.documents d
      using jsonb_to_recordset(${JSON.stringify(keys)}::jsonb) as x(organization_id text, type text, id text)
      where d.organization_id = x.organization_id and d.type = x.type and d.id = x.id`);
  }

  async retainOnly(scope: SearchResyncScope, keep: readonly string[]): Promise<void> {
    if (scope.types.length === 0) return;
    await this.db.execute(sql`
      delete from search.documents
      where organization_id = ${scope.organizationId}
        and type in (select jsonb_array_elements_text(${JSON.stringify(scope.types)}::jsonb))
        and id not in (select jsonb_array_elements_text(${JSON.stringify(keep)}::jsonb))`);
  }

  async clear(): Promise<void> {
    await this.db.execute(sql`delete from search.documents`);
  }

  async search(query: SearchQuery): Promise<SearchPage> {
    const words = wordsOf(query.text);
    const signature = querySignature(words, query.types);
    const after = query.after === null ? null : decodeSearchCursor(signature, query.after);
    const empty: SearchPage = { hits: [], total: 0, facets: [], hasNextPage: false };
    if (words.length === 0) return empty;

    const config = sql`${this.options.language}::regconfig`;
    // Only letters, marks and digits reach a tsquery (wordsOf): each word is a quoted prefix term.
    const term = (w: string) => `'${w}':*`;
    const typoWords = words.filter((w) => [...w].length >= MIN_TYPO_WORD_LENGTH);
    const allWords = sql`to_tsquery(${config}, ${words.map(term).join(' & ')})`;
    // Every word in the title (weight A, the same lexemes in rank_tsv as in tsv): such a row is in
    // the first part already, and this test reads no TOAST, so the typo part skips it first.
    const allInTitle = sql`to_tsquery(${config}, ${words.map((w) => `${term(w)}A`).join(' & ')})`;
    const anyWord = sql`to_tsquery(${config}, ${words.map(term).join(' | ')})`;
    // Several words, one of which a typo may match: one scan, each word in tsv or (a long word) a
    // title despite a typo. Measured faster for them than two parts (bench:search, 'two words').
    const oneScan = words.length > 1 && typoWords.length > 0;
    const everyWord = words.map((w) =>
      [...w].length >= MIN_TYPO_WORD_LENGTH ? sql`(d.tsv @@ to_tsquery(${config}, ${term(w)}) or ${typoInTitle(w)})` : sql`d.tsv @@ to_tsquery(${config}, ${term(w)})`,
    );
    // Ranked on rank_tsv (the title and the body's beginning, migration 0002): it is in the row, tsv often is not.
    const score = sql`round((ts_rank(d.rank_tsv, ${anyWord}) + word_similarity(${words.join(' ')}, d.title))::numeric, 6) as score`;
    const typeFilter = query.types === null ? sql`true` : sql`m.type in (select jsonb_array_elements_text(${JSON.stringify(query.types)}::jsonb))`;
    const keyset: SQL = after
      ? sql`(m.score < ${after.score}::numeric or (m.score = ${after.score}::numeric and (m.updated_at < ${after.updatedAt}::timestamptz
          or (m.updated_at = ${after.updatedAt}::timestamptz and (m.type > ${after.type} or (m.type = ${after.type} and m.id > ${after.id}))))))`
      : sql`true`;

    type Row = { facets: { type: SearchType; count: number }[] | string; hits: RawHit[] | string };
    const result = await this.db.transaction(async (tx) => {
      await tx.execute(sql`select set_config('pg_trgm.word_similarity_threshold', ${String(TYPO_CANDIDATE_THRESHOLD)}, true)`);
      // Room for a common word's bitmap of matches to stay exact (a lossy one rechecks every row of its pages).
      await tx.execute(sql`select set_config('work_mem', ${SEARCH_WORK_MEM}, true)`);
      return rowsOf<Row>(
        await tx.execute(sql`
          with matched as materialized (
            -- Only what ranks, counts and pages (the page's own rows are read again below); one
            -- word in two parts: the word in the tsvector, which its (organization_id, tsv) index answers
            -- whole; and the names a typo finds (a trigram candidate). Not one condition
            -- 'tsv @@ q or typo': an OR the index cannot answer whole is rechecked on each row,
            -- which reads every match's whole tsvector out of TOAST.
            select d.type, d.id, d.updated_at, ${score}
            from search.documents d
            where d.organization_id = ${query.organizationId} and d.min_role <= ${rankOf(query.viewerRole)}
              and ${oneScan ? sql.join(everyWord, sql` and `) : sql`d.tsv @@ ${allWords}`}
            ${
              oneScan || typoWords.length === 0
                ? sql``
                : sql`union
            select d.type, d.id, d.updated_at, ${score}
            from search.documents d
            where d.organization_id = ${query.organizationId} and d.min_role <= ${rankOf(query.viewerRole)}
              and not d.rank_tsv @@ ${allInTitle}
              and ${typoInTitle(words[0]!)}`
            }
          ),
          facets as (select type, count(*)::int as count from matched group by type),
          page as (
            select m.score, d.type, d.id, d.organization_id, d.title, d.body, d.keywords, d.updated_at, d.tsv
            from (
              select * from matched m
              where ${typeFilter} and ${keyset}
              order by m.score desc, m.updated_at desc, m.type asc, m.id asc
              limit ${query.first + 1}
            ) m
            join search.documents d on d.organization_id = ${query.organizationId} and d.type = m.type and d.id = m.id
          )
          select
            (select coalesce(json_agg(json_build_object('type', type, 'count', count) order by type), '[]'::json) from facets) as facets,
            (select coalesce(json_agg(json_build_object(
                'type', p.type, 'id', p.id, 'organizationId', p.organization_id, 'score', p.score::text,
                'updatedAt', to_char(p.updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                'keywords', p.keywords,
                'title', case when p.tsv @@ ${anyWord} then ts_headline(${config}, search.words(p.title), ${anyWord}, ${TITLE_HEADLINE}) end,
                'body', case when p.tsv @@ ${anyWord} and p.body <> '' then ts_headline(${config}, left(p.body, ${HEADLINE_MAX_CHARS}), ${anyWord}, ${BODY_HEADLINE}) end,
                'plainTitle', p.title
              ) order by p.score desc, p.updated_at desc, p.type asc, p.id asc), '[]'::json) from page p) as hits`),
      );
    });
    const row = result[0]!;
    const facets = (typeof row.facets === 'string' ? JSON.parse(row.facets) : row.facets) as { type: SearchType; count: number }[];
    const raw = (typeof row.hits === 'string' ? JSON.parse(row.hits) : row.hits) as RawHit[];
    const hasNextPage = raw.length > query.first;
    const hits: SearchHit[] = raw.slice(0, query.first).map((h) => ({
      type: h.type,
      id: h.id,
      organizationId: h.organizationId,
      score: Number(h.score),
      keywords: h.keywords ?? {},
      highlights: highlightsOf(h, words),
      cursor: encodeSearchCursor(signature, { score: h.score, updatedAt: h.updatedAt, type: h.type, id: h.id }),
    }));
    const total = facets.filter((f) => query.types === null || query.types.includes(f.type)).reduce((sum, f) => sum + f.count, 0);
    return { hits, total, facets, hasNextPage };
  }

  async close(): Promise<void> {
    await this.options.onClose?.();
  }
}

/**
 * A typed word (4 characters or more) matches a title despite a typo: a trigram candidate (the
 * index), then one of the title's words begins within typoEdits of it (see typoMatches). Title
 * words come from the 'simple' configuration (lowercase, unstemmed), and are cut to 255 characters
 * (levenshtein's limit).
 */
function typoInTitle(word: string): SQL {
  const length = [...word].length;
  const k = typoEdits(word);
  const near = (n: number) => sql`levenshtein_less_equal(${word}, left(t.word, ${n}), ${k}) <= ${k}`;
  return sql`(${word} <% d.title and exists (
    select 1 from unnest(tsvector_to_array(to_tsvector('simple'::regconfig, search.words(d.title)))) as t(word)
    where ${near(length - 1)} or ${near(length)} or ${near(length + 1)}))`;
}

interface RawHit {
  type: SearchType;
  id: string;
  organizationId: string;
  score: string;
  updatedAt: string;
  keywords: Record<string, string> | null;
  title: string | null;
  body: string | null;
  plainTitle: string;
}

/** Title (whole) and body fragments whose words matched; a title found only despite a typo gets its close words marked. */
function highlightsOf(hit: RawHit, words: readonly string[]): SearchHighlight[] {
  const highlights: SearchHighlight[] = [];
  // Marked on the title's words (search.words: punctuation as spaces, one for one), so the ranges hold for the title itself.
  const title = hit.title === null ? null : { ...parseMarked('title', hit.title), text: hit.plainTitle };
  if (title && title.matches.length > 0) highlights.push(title);
  else {
    const typo = typoHighlight(hit.plainTitle, words);
    if (typo.matches.length > 0) highlights.push(typo);
  }
  if (hit.body !== null) {
    for (const fragment of hit.body.split(FRAGMENT_SEPARATOR)) {
      const parsed = parseMarked('body', fragment);
      if (parsed.matches.length > 0) highlights.push(parsed);
    }
  }
  return highlights;
}

/** Opens the index on the search subgraph's database: checks SEARCH_LANGUAGE, and rewrites rows indexed under another one. */
export async function openPostgresSearchIndex(db: Database, options: PostgresSearchIndexOptions): Promise<PostgresSearchIndex> {
  await requireTextSearchConfig(db, options.language);
  // The trigger recomputes tsv for each rewritten row (a no-op when the setting did not change).
  await db.execute(sql`update search.documents set language = ${options.language} where language <> ${options.language}`);
  return new PostgresSearchIndex(db, options);
}
