import type { Role, SearchDocument, SearchDocumentRef, SearchResyncScope, SearchType } from '@organoise/core';

/**
 * Where documents are kept and matched: one interface, two implementations passing one contract
 * suite (test/engine/contract.ts): Postgres full-text search (the default, and what CI runs) and
 * Elasticsearch (when ELASTICSEARCH_URL is set). The indexer writes through it; the `search` field
 * reads through it. Cursors are not kept here: the search subgraph's own database stores them once
 * a write has succeeded, so a write is applied at least once and every write is idempotent.
 */
export interface SearchIndex {
  /** Adds or replaces documents by (organizationId, type, id). */
  upsert(documents: readonly SearchDocument[]): Promise<void>;
  /** Removes documents; a ref that is not indexed is ignored. */
  remove(refs: readonly SearchDocumentRef[]): Promise<void>;
  /** Removes every document of the scope's organization and types whose id is not in `keep`. */
  retainOnly(scope: SearchResyncScope, keep: readonly string[]): Promise<void>;
  /** Removes every document (a reindex starts here). */
  clear(): Promise<void>;
  search(query: SearchQuery): Promise<SearchPage>;
  close(): Promise<void>;
}

export interface SearchQuery {
  /** Only this organization's documents are matched: tenant isolation lives in the query itself. */
  organizationId: string;
  /** The viewer's role there: documents whose minRole is above it are not matched. */
  viewerRole: Role;
  /** What the person typed. Names match by typo-tolerant prefix; other text word by word. */
  text: string;
  /** Only these types (null: all). Facets ignore this filter, so a client can show every type's count. */
  types: readonly SearchType[] | null;
  first: number;
  /**
   * The `cursor` of the last hit of the previous page; null for the first page. A cursor this
   * index did not make is refused with core's appError('BAD_USER_INPUT') (issues path `after`).
   * Text with no word in it (empty, only punctuation) matches nothing: an empty page, never an error.
   */
  after: string | null;
}

/** A span of `text` that matched the query. */
export interface SearchMatch {
  start: number;
  length: number;
}

export interface SearchHighlight {
  field: 'title' | 'body';
  /** A fragment of the field around the matches (the whole title), plain text. */
  text: string;
  matches: SearchMatch[];
}

export interface SearchHit {
  type: SearchType;
  id: string;
  organizationId: string;
  score: number;
  highlights: SearchHighlight[];
  keywords: Record<string, string>;
  /** Opaque: pass as `after` for the page after this hit. */
  cursor: string;
}

export interface SearchPage {
  hits: SearchHit[];
  /** Documents matched, of the requested types. */
  total: number;
  /** Per type, documents matched before the type filter (types with none are left out). */
  facets: { type: SearchType; count: number }[];
  hasNextPage: boolean;
}
