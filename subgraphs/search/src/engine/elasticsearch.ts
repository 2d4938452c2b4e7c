import { Client, type estypes } from '@elastic/elasticsearch';
import { SEARCH_TYPES, type Role, type SearchDocument, type SearchDocumentRef, type SearchResyncScope, type SearchType } from '@organoise/core';
import template from '../../elasticsearch/index-template.json' with { type: 'json' };
import type { SearchHighlight, SearchHit, SearchIndex, SearchPage, SearchQuery } from './search-index.js';
import { cleanText, decodeSearchCursor, encodeSearchCursor, MARK_END, MARK_START, MIN_TYPO_WORD_LENGTH, parseMarked, querySignature, rankOf, typoHighlight, wordsOf } from './text.js';

/**
 * The Elasticsearch SearchIndex (issue 15), used when ELASTICSEARCH_URL is set. One index holds every
 * organization's documents, one per (organizationId, type, id) under a deterministic `_id`, so every
 * write is idempotent. The index template (elasticsearch/index-template.json, committed) is put on
 * start and the index created if missing.
 *
 * Matching, as the contract suite (test/engine/contract.ts) asks and as the Postgres index does
 * (the words, the typo distances, the cursor and the highlight ranges come from text.ts, shared with
 * it): the text is cut into words (wordsOf), on the same boundaries as the index's `words` tokenizer
 * (anything that is not a letter, digit or mark), and each word is required: a prefix of a word of
 * the title or the body or, for a word of MIN_TYPO_WORD_LENGTH or more, the beginning of a title
 * word within typoEdits (fuzziness AUTO:4,6 on title.beginnings, the words' edge n-grams). Each
 * clause is analyzed by Elasticsearch (lowercase, ASCII folding) and scored as a constant (title
 * prefix 3, title typo 2, body prefix 1; per word the best of them, summed over the words), so equal
 * matches tie exactly and fall to the newer, then to the key: the order is total, which search_after
 * needs. No query syntax is parsed anywhere (no query_string), so no text can fail as a query. A
 * fuzzy clause expands to at most 50 terms (Elasticsearch's max_expansions), the closest first.
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

/** Wrapped around each highlighted span by Elasticsearch (pre/post tags); removed from indexed text, so a marker in a fragment is always ours. */
export const HIGHLIGHT_PRE = MARK_START;
export const HIGHLIGHT_POST = MARK_END;
const BODY_FRAGMENT = 160;
/** Bulk requests are cut at this many operations. */
const BULK_OPERATIONS = 500;
/** A terms query holds at most 65,536 values (index.max_terms_count): retainOnly's keep list is cut into such terms. */
const MAX_TERMS = 65_536;

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
    const words = wordsOf(query.text);
    const signature = querySignature(words, query.types);
    const after = query.after === null ? null : sortValuesOf(query.organizationId, decodeSearchCursor(signature, query.after));
    if (words.length === 0) return { hits: [], total: 0, facets: [], hasNextPage: false };
    const response = await this.#client.search<IndexedDocument>(searchRequest(this.index, query, words, after));
    return searchPage(response, query.first, words, signature);
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
    minRoleRank: rankOf(doc.minRole),
    title: cleanText(doc.title),
    body: cleanText(doc.body),
    keywords: Object.fromEntries(Object.entries(doc.keywords).map(([k, v]) => [cleanText(k), cleanText(String(v))])),
    updatedAt: doc.updatedAt,
  };
}

/** The search request for a query's words (wordsOf: at least one). */
export function searchRequest(index: string, query: SearchQuery, words: readonly string[], after: SortValues | null): estypes.SearchRequest {
  const constant = (filter: estypes.QueryDslQueryContainer, boost: number): estypes.QueryDslQueryContainer => ({ constant_score: { filter, boost } });
  const titlePrefix = (word: string): estypes.QueryDslQueryContainer => ({ match_bool_prefix: { title: { query: word } } });
  // AUTO:4,6 is typoEdits: no typo under 4 characters, one up to 5, two from 6.
  const titleTypo = (word: string): estypes.QueryDslQueryContainer => ({ match: { 'title.beginnings': { query: word, fuzziness: 'AUTO:4,6' } } });
  const bodyPrefix = (word: string): estypes.QueryDslQueryContainer => ({ match_bool_prefix: { body: { query: word } } });
  const clauses = (word: string) => [constant(titlePrefix(word), 3), ...([...word].length >= MIN_TYPO_WORD_LENGTH ? [constant(titleTypo(word), 2)] : []), constant(bodyPrefix(word), 1)];
  return {
    index,
    size: query.first + 1,
    track_total_hits: true,
    _source: ['type', 'id', 'organizationId', 'title', 'keywords'],
    query: {
      bool: {
        // Tenant isolation: always both, whatever the text.
        filter: [{ term: { organizationId: query.organizationId } }, { range: { minRoleRank: { lte: rankOf(query.viewerRole) } } }],
        must: words.map((word) => ({ dis_max: { queries: clauses(word) } })),
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
        // Prefixes only: a title found despite a typo is highlighted here, as the Postgres index does (typoHighlight).
        title: { type: 'unified', number_of_fragments: 0, highlight_query: { bool: { should: words.map(titlePrefix) } } },
        body: { type: 'unified', number_of_fragments: 1, fragment_size: BODY_FRAGMENT, highlight_query: { bool: { should: words.map(bodyPrefix) } } },
      },
    },
  };
}

/** search_after's values: the score, updatedAt in epoch milliseconds, the key. */
type SortValues = [number, number, string];

/**
 * A cursor (text.ts's, as the Postgres index makes them: bound to the query's words and types) as
 * sort values. The key is rebuilt with the query's organization, so a cursor cannot point into
 * another tenant's order (nor would it matter: the filter still holds).
 */
function sortValuesOf(organizationId: string, cursor: ReturnType<typeof decodeSearchCursor>): SortValues {
  return [Number(cursor.score), Date.parse(cursor.updatedAt), key({ organizationId, type: cursor.type, id: cursor.id })];
}

export function searchPage(response: estypes.SearchResponse<IndexedDocument>, first: number, words: readonly string[], signature: string): SearchPage {
  const rows = response.hits.hits;
  const hits: SearchHit[] = rows.slice(0, first).map((row) => {
    const doc = row._source!;
    const [score, updatedAt] = row.sort as SortValues;
    const highlights: SearchHighlight[] = [];
    const title = (row.highlight?.title ?? []).map((fragment) => parseMarked('title', fragment)).filter((h) => h.matches.length > 0);
    if (title.length > 0) highlights.push(...title);
    else {
      // Found by a typo in a name (or by the body only): the title's words close to a typed one.
      const typo = typoHighlight(doc.title, words);
      if (typo.matches.length > 0) highlights.push(typo);
    }
    for (const fragment of row.highlight?.body ?? []) {
      const highlight = parseMarked('body', fragment);
      if (highlight.matches.length > 0) highlights.push(highlight);
    }
    return {
      type: doc.type,
      id: doc.id,
      organizationId: doc.organizationId,
      score: row._score ?? score,
      highlights,
      keywords: doc.keywords ?? {},
      cursor: encodeSearchCursor(signature, { score: String(score), updatedAt: new Date(updatedAt).toISOString(), type: doc.type, id: doc.id }),
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
