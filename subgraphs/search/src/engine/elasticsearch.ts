import { Client, type estypes } from '@elastic/elasticsearch';
import { appError, SEARCH_TYPES, type Role, type SearchDocument, type SearchDocumentRef, type SearchResyncScope, type SearchType } from '@organoise/core';
import template from '../../elasticsearch/index-template.json' with { type: 'json' };
import type { SearchHighlight, SearchHit, SearchIndex, SearchMatch, SearchPage, SearchQuery } from './search-index.js';

/**
 * The Elasticsearch SearchIndex (issue 15), used when ELASTICSEARCH_URL is set. One index holds every
 * organization's documents, one per (organizationId, type, id) under a deterministic `_id`, so every
 * write is idempotent. The index template (elasticsearch/index-template.json, committed) is put on
 * start and the index created if missing.
 *
 * Matching, as the contract suite (test/engine/contract.ts) asks and as the Postgres index does:
 * the text is cut into words here, on the same boundaries as the index's `words` tokenizer (anything
 * that is not a letter, digit or mark), and each word is required: a prefix of a word of the title
 * or the body, or a word of the title within the edit distance AUTO gives (typos). Each clause is
 * analyzed by Elasticsearch (lowercase, ASCII folding) and scored as a constant (title prefix 3,
 * title typo 2, body prefix 1; per word the best of them, summed over the words), so equal matches
 * tie exactly and fall to the newer, then to the key: the order is total, which search_after needs.
 * No query syntax is parsed anywhere (no query_string), so no text can fail as a query.
 *
 * Tenant isolation is in the query itself: every search (and every delete_by_query of retainOnly)
 * carries a `term` filter on organizationId and, for searches, a range on minRoleRank up to the
 * viewer's role. Facets are a terms aggregation on `type` over the query; the requested types are a
 * post_filter, so facets count every type while hits and total count the requested ones.
 *
 * Visibility: upserts and removes are bulk requests with refresh=wait_for, and retainOnly and clear
 * are delete_by_query with refresh=true: once a call returns, searches see its effect.
 */
export interface ElasticsearchSearchIndexOptions {
  /** ELASTICSEARCH_URL (may carry credentials: https://user:password@host:9200). */
  node?: string;
  /** A client of the caller's (tests pass one on @elastic/elasticsearch-mock's connection). Not closed by close(). */
  client?: Client;
  /** ELASTICSEARCH_INDEX_PREFIX: the index (and its template) is `${indexPrefix}documents`. */
  indexPrefix?: string;
}

export const DEFAULT_INDEX_PREFIX = 'organoise-search-';

const ROLE_RANK: Record<Role, number> = { VIEWER: 1, MEMBER: 2, ADMIN: 3, OWNER: 4 };
/** Wrapped around each highlighted span by Elasticsearch; replaced in indexed text, so a marker in a fragment is always ours. */
export const HIGHLIGHT_PRE = '\uE000';
export const HIGHLIGHT_POST = '\uE001';
const MARKERS = /[\uE000\uE001]/g;
/** The index's `words` tokenizer splits on the complement of these (elasticsearch/index-template.json). */
const WORD = /[\p{L}\p{N}\p{M}]+/gu;
/** At most this many words of a query are used, each cut to this many characters (a bound on the query's size). */
const MAX_WORDS = 16;
const MAX_WORD_LENGTH = 64;
const BODY_FRAGMENT = 160;
/** Bulk requests are cut at this many operations. */
const BULK_OPERATIONS = 500;
/** A terms query holds at most 65,536 values (index.max_terms_count): retainOnly's keep list is cut into such terms. */
const MAX_TERMS = 65_536;
const CURSOR_TAG = 'es1';

export class ElasticsearchSearchIndex implements SearchIndex {
  readonly index: string;
  readonly #client: Client;
  readonly #ownsClient: boolean;

  private constructor(client: Client, ownsClient: boolean, indexPrefix: string) {
    this.#client = client;
    this.#ownsClient = ownsClient;
    this.index = `${indexPrefix}documents`;
  }

  /** Connects, puts the index template and creates the index if it is missing. */
  static async open(options: ElasticsearchSearchIndexOptions): Promise<ElasticsearchSearchIndex> {
    if (!options.client && !options.node) throw new Error('ElasticsearchSearchIndex needs a node URL or a client');
    const client = options.client ?? new Client({ node: options.node! });
    const index = new ElasticsearchSearchIndex(client, !options.client, options.indexPrefix ?? DEFAULT_INDEX_PREFIX);
    try {
      await index.#prepare();
    } catch (error) {
      if (!options.client) await client.close();
      throw error;
    }
    return index;
  }

  async #prepare(): Promise<void> {
    await this.#client.indices.putIndexTemplate({ name: this.index, index_patterns: [this.index], ...(template as Omit<estypes.IndicesPutIndexTemplateRequest, 'name'>) });
    if (await this.#client.indices.exists({ index: this.index })) return;
    try {
      await this.#client.indices.create({ index: this.index });
    } catch (error) {
      // Another replica created it between the two calls.
      if (errorType(error) !== 'resource_already_exists_exception') throw error;
    }
  }

  async upsert(documents: readonly SearchDocument[]): Promise<void> {
    const operations: unknown[] = [];
    for (const doc of documents) operations.push({ index: { _id: key(doc) } }, source(doc));
    await this.#bulk(operations, 2);
  }

  async remove(refs: readonly SearchDocumentRef[]): Promise<void> {
    await this.#bulk(
      refs.map((ref) => ({ delete: { _id: key(ref) } })),
      1,
    );
  }

  async #bulk(operations: unknown[], linesPerOperation: number): Promise<void> {
    const step = BULK_OPERATIONS * linesPerOperation;
    for (let i = 0; i < operations.length; i += step) {
      const response = await this.#client.bulk({ index: this.index, refresh: 'wait_for', operations: operations.slice(i, i + step) });
      if (!response.errors) continue;
      // A delete of a document that is not there answers 404 without an error: not a failure.
      const failed = response.items.flatMap((item) => Object.values(item)).filter((result) => result?.error);
      if (failed.length > 0) {
        const first = failed[0]!;
        throw new Error(`Elasticsearch bulk: ${failed.length} of ${response.items.length} failed, first ${first._id}: ${first.error?.type}: ${first.error?.reason}`);
      }
    }
  }

  async retainOnly(scope: SearchResyncScope, keep: readonly string[]): Promise<void> {
    if (scope.types.length === 0) return;
    const mustNot: estypes.QueryDslQueryContainer[] = [];
    for (let i = 0; i < keep.length; i += MAX_TERMS) mustNot.push({ terms: { id: keep.slice(i, i + MAX_TERMS) } });
    await this.#client.deleteByQuery({
      index: this.index,
      refresh: true,
      conflicts: 'proceed',
      query: {
        bool: {
          filter: [{ term: { organizationId: scope.organizationId } }, { terms: { type: [...scope.types] } }],
          ...(mustNot.length > 0 ? { must_not: mustNot } : {}),
        },
      },
    });
  }

  async clear(): Promise<void> {
    await this.#client.deleteByQuery({ index: this.index, refresh: true, conflicts: 'proceed', query: { match_all: {} } });
  }

  async search(query: SearchQuery): Promise<SearchPage> {
    const after = query.after === null ? null : parseCursor(query.after);
    const body = searchRequest(this.index, query, after);
    if (!body) return { hits: [], total: 0, facets: [], hasNextPage: false };
    const response = await this.#client.search<IndexedDocument>(body);
    return searchPage(response, query.first);
  }

  async close(): Promise<void> {
    if (this.#ownsClient) await this.#client.close();
  }
}

/** What is stored per document (the mapping in elasticsearch/index-template.json is strict). */
export interface IndexedDocument {
  key: string;
  organizationId: string;
  type: SearchType;
  id: string;
  minRole: Role;
  minRoleRank: number;
  title: string;
  body: string;
  keywords: Record<string, string>;
  updatedAt: string;
}

/** The document's `_id`: its identity, so an upsert replaces and a remove needs no lookup. */
export const key = (ref: SearchDocumentRef) => `${ref.organizationId}:${ref.type}:${ref.id}`;

export function source(doc: SearchDocument): IndexedDocument {
  return {
    key: key(doc),
    organizationId: doc.organizationId,
    type: doc.type,
    id: doc.id,
    minRole: doc.minRole,
    minRoleRank: ROLE_RANK[doc.minRole],
    title: doc.title.replace(MARKERS, '\uFFFD'),
    body: doc.body.replace(MARKERS, '\uFFFD'),
    keywords: doc.keywords,
    updatedAt: doc.updatedAt,
  };
}

/** The words of a query as the index cuts them; none for text with no letter or digit. */
export function queryWords(text: string): string[] {
  const words = [...text.matchAll(WORD)].map((m) => m[0].slice(0, MAX_WORD_LENGTH));
  return [...new Set(words.map((w) => w.toLowerCase()))].slice(0, MAX_WORDS);
}

/** The search request for a query, or null when the text has no word (nothing matches). */
export function searchRequest(index: string, query: SearchQuery, after: SortValues | null): estypes.SearchRequest | null {
  const words = queryWords(query.text);
  if (words.length === 0) return null;
  const constant = (filter: estypes.QueryDslQueryContainer, boost: number): estypes.QueryDslQueryContainer => ({ constant_score: { filter, boost } });
  const titlePrefix = (word: string): estypes.QueryDslQueryContainer => ({ match_bool_prefix: { title: { query: word } } });
  const titleTypo = (word: string): estypes.QueryDslQueryContainer => ({ match: { title: { query: word, fuzziness: 'AUTO' } } });
  const bodyPrefix = (word: string): estypes.QueryDslQueryContainer => ({ match_bool_prefix: { body: { query: word } } });
  return {
    index,
    size: query.first + 1,
    track_total_hits: true,
    _source: ['type', 'id', 'organizationId', 'keywords'],
    query: {
      bool: {
        // Tenant isolation: always both, whatever the text.
        filter: [{ term: { organizationId: query.organizationId } }, { range: { minRoleRank: { lte: ROLE_RANK[query.viewerRole] } } }],
        must: words.map((word) => ({ dis_max: { queries: [constant(titlePrefix(word), 3), constant(titleTypo(word), 2), constant(bodyPrefix(word), 1)] } })),
      },
    },
    aggs: { types: { terms: { field: 'type', size: SEARCH_TYPES.length } } },
    ...(query.types === null ? {} : { post_filter: { terms: { type: [...query.types] } } }),
    sort: [{ _score: { order: 'desc' } }, { updatedAt: { order: 'desc' } }, { key: { order: 'asc' } }],
    ...(after ? { search_after: after } : {}),
    highlight: {
      pre_tags: [HIGHLIGHT_PRE],
      post_tags: [HIGHLIGHT_POST],
      encoder: 'default',
      require_field_match: true,
      fields: {
        title: { type: 'unified', number_of_fragments: 0, highlight_query: { bool: { should: words.flatMap((w) => [titlePrefix(w), titleTypo(w)]) } } },
        body: { type: 'unified', number_of_fragments: 1, fragment_size: BODY_FRAGMENT, highlight_query: { bool: { should: words.map(bodyPrefix) } } },
      },
    },
  };
}

type SortValues = [number, number, string];

/** A hit's cursor: its sort values (score, updatedAt in ms, key), tagged, as base64url JSON. */
export const cursorOf = (sort: SortValues): string => Buffer.from(JSON.stringify([CURSOR_TAG, ...sort])).toString('base64url');

export function parseCursor(cursor: string): SortValues {
  const bad = () => appError('BAD_USER_INPUT', 'after is not a valid cursor for this search', { issues: [{ path: 'after', message: 'invalid cursor' }] });
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!Array.isArray(value) || value.length !== 4 || value[0] !== CURSOR_TAG) throw bad();
  const [, score, updatedAt, docKey] = value as unknown[];
  if (typeof score !== 'number' || !Number.isFinite(score) || !Number.isSafeInteger(updatedAt) || typeof docKey !== 'string') throw bad();
  return [score, updatedAt as number, docKey];
}

/** A fragment with our markers as plain text and the spans they wrapped. */
export function parseHighlight(field: SearchHighlight['field'], fragment: string): SearchHighlight {
  const matches: SearchMatch[] = [];
  let text = '';
  let open = -1;
  for (const char of fragment) {
    if (char === HIGHLIGHT_PRE) open = text.length;
    else if (char === HIGHLIGHT_POST) {
      if (open >= 0 && text.length > open) {
        const last = matches.at(-1);
        // Elasticsearch may mark adjacent terms apart ("<a><b>"): one span.
        if (last && last.start + last.length === open) last.length += text.length - open;
        else matches.push({ start: open, length: text.length - open });
      }
      open = -1;
    } else text += char;
  }
  return { field, text, matches };
}

export function searchPage(response: estypes.SearchResponse<IndexedDocument>, first: number): SearchPage {
  const rows = response.hits.hits;
  const hits: SearchHit[] = rows.slice(0, first).map((row) => {
    const doc = row._source!;
    const highlights: SearchHighlight[] = [];
    for (const field of ['title', 'body'] as const) {
      for (const fragment of row.highlight?.[field] ?? []) {
        const highlight = parseHighlight(field, fragment);
        if (highlight.matches.length > 0) highlights.push(highlight);
      }
    }
    return {
      type: doc.type,
      id: doc.id,
      organizationId: doc.organizationId,
      score: row._score ?? 0,
      highlights,
      keywords: doc.keywords ?? {},
      cursor: cursorOf(row.sort as SortValues),
    };
  });
  const total = response.hits.total;
  const buckets = (response.aggregations?.types as estypes.AggregationsStringTermsAggregate | undefined)?.buckets;
  const facets = (Array.isArray(buckets) ? buckets : [])
    .filter((b) => b.doc_count > 0 && (SEARCH_TYPES as readonly unknown[]).includes(b.key))
    .map((b) => ({ type: b.key as SearchType, count: b.doc_count }));
  return { hits, total: typeof total === 'number' ? total : (total?.value ?? 0), facets, hasNextPage: rows.length > first };
}

function errorType(error: unknown): string | undefined {
  const body = (error as { meta?: { body?: { error?: { type?: string } } } })?.meta?.body;
  return body?.error?.type;
}
