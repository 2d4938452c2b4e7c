import type { Role } from '../identity.js';

/**
 * How the search subgraph learns what to index (issue 15, docs/protocols/search.md). Each subgraph
 * that owns searchable entities is a search *source*: it serves two internal routes, called by the
 * search subgraph only, with an internal token whose audience is the source's name and whose viewer
 * is null (the platform itself, not a person).
 *
 * The index follows the sources' domain event logs: the search subgraph keeps, per source, the seq
 * it has indexed of each followed stream (its stored cursor) and asks for the changes after it. A
 * source answers with the *current* documents of the entities those events touched, never with the
 * events' payloads (which carry ids only): applying an answer twice, or late, is harmless.
 */

/** The entity types search indexes; each is completed through federation by the subgraph that owns it. */
export const SEARCH_TYPES = ['User', 'WorkflowDefinition', 'WorkflowRun', 'HumanTask', 'File'] as const;
export type SearchType = (typeof SEARCH_TYPES)[number];

/** One searchable entity as a source describes it, within one organization. */
export interface SearchDocument {
  type: SearchType;
  /** The entity's id (its federation key). A User appears once per organization it belongs to. */
  id: string;
  organizationId: string;
  /**
   * The least role in the organization that may read this entity by id: the search query filters
   * on it, so a hit is never an entity its viewer could not open.
   */
  minRole: Role;
  /** What the entity is called: matched with typo-tolerant prefix matching, weighted highest. */
  title: string;
  /** The rest of its text, matched word by word (a description, a run's data values, a file's extracted text). */
  body: string;
  /** Exact values shown and filterable per type (a run's state, a file's content type); small. */
  keywords: Record<string, string>;
  /** When the entity last changed (ISO 8601): ties in ranking go to the newer. */
  updatedAt: string;
}

/** An entity to remove from the index (deleted, or no longer in that organization). */
export interface SearchDocumentRef {
  type: SearchType;
  id: string;
  organizationId: string;
}

/** A source's scope that its log no longer covers (trimmed past the cursor, or never followed). */
export interface SearchResyncScope {
  organizationId: string;
  types: SearchType[];
}

export const SEARCH_CHANGES_PATH = '/internal/search/changes';
export const SEARCH_DOCUMENTS_PATH = '/internal/search/documents';

/**
 * Version 2 of the protocol adds two routes under its own prefix (docs/protocols/search.md#version-2),
 * so that a source that does not serve them answers 404 and its caller falls back to version 1: an idle
 * pass is one SEARCH_HEADS_PATH call of constant size instead of a changes call naming every cursor.
 * Sources of version 2 still serve the version 1 routes, for callers that predate it.
 */
export const SEARCH_PROTOCOL_VERSION = 2;
export const SEARCH_HEADS_PATH = '/internal/search/v2/heads';
export const SEARCH_NAMED_CHANGES_PATH = '/internal/search/v2/changes';

/** POST SEARCH_HEADS_PATH: the heads of the followed streams written since `since`. */
export interface SearchHeadsRequest {
  /** The `token` of an earlier answer; null for every followed stream's head. */
  since: string | null;
}

export interface SearchHeadsResponse {
  /**
   * Opaque: asked with it, the source names every stream written since this answer's read (and
   * maybe some written a little before). The caller keeps it once it has applied the changes up to
   * every head named here.
   */
  token: string;
  /** The heads of the followed streams written since `since` (every followed stream's when null). */
  heads: Record<string, number>;
}

/**
 * POST SEARCH_CHANGES_PATH: the changes after the caller's cursors, over every followed stream (a
 * stream the caller does not name is read from its start). POST SEARCH_NAMED_CHANGES_PATH takes the
 * same body and answers the same shape over the named streams only.
 */
export interface SearchChangesRequest {
  /** Per followed stream, the last seq the caller has indexed (absent: none). */
  cursors: Record<string, number>;
  /** At most this many events are read per call (the source may cap it). */
  limit?: number;
}

export interface SearchChangesResponse {
  upserts: SearchDocument[];
  deletes: SearchDocumentRef[];
  /**
   * Scopes whose events after the cursor are gone: `upserts` then holds every current document of
   * that organization and those types, and the caller removes the scope's other documents.
   */
  resync: SearchResyncScope[];
  /** Where each stream stands once these changes are applied; stored with them. */
  cursors: Record<string, number>;
  /** More events wait beyond `limit`: ask again at once. */
  more: boolean;
}

/** POST SEARCH_DOCUMENTS_PATH: every current document, page by page (`npm run reindex`). */
export interface SearchDocumentsRequest {
  /** The `next` of the previous page; null for the first. */
  after: string | null;
  limit?: number;
}

export interface SearchDocumentsResponse {
  documents: SearchDocument[];
  next: string | null;
  /**
   * On the first page only: the heads of the followed streams, read before any document. The caller
   * stores them as its cursors once every page is indexed, so changes made during the rebuild are
   * applied after it (again, harmlessly, where a page already showed them).
   */
  cursors?: Record<string, number>;
}
