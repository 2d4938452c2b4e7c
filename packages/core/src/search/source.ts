import express from 'express';
import { and, asc, eq, gt, like, lte, or, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db.js';
import type { StoredEvent } from '../events/log.js';
import type { EventLogTables } from '../events/tables.js';
import { INTERNAL_TOKEN_HEADER, verifyInternalToken } from '../identity.js';
import type { Logger } from '../log.js';
import {
  SEARCH_CHANGES_PATH,
  SEARCH_DOCUMENTS_PATH,
  SEARCH_HEADS_PATH,
  SEARCH_NAMED_CHANGES_PATH,
  SEARCH_TYPES,
  type SearchChangesResponse,
  type SearchHeadsResponse,
  type SearchDocument,
  type SearchDocumentRef,
  type SearchDocumentsResponse,
  type SearchResyncScope,
  type SearchType,
} from './protocol.js';

/**
 * The source side of the search protocol (protocol.ts, docs/protocols/search.md#sources): what a
 * subgraph that owns searchable entities declares, and the two internal routes core serves for it
 * over the subgraph's own event log. A subgraph gives `search` to defineSubgraph; nothing else.
 */

/** A family of followed streams: every stream whose name starts with `prefix` (and ends with `suffix`). */
export interface SearchStreamPattern {
  prefix: string;
  suffix?: string;
}

/** A ref as a source's refsOf gives it: `dependents` when the change also changes other documents. */
export type SearchSourceRef = SearchDocumentRef & { dependents?: boolean };

export interface SearchSource {
  /** The event-log streams whose events change searchable entities (e.g. `{ prefix: 'file.org:' }`). */
  streams: SearchStreamPattern[];
  /** The entities an event of a followed stream touched (ids only: the documents are read afresh). */
  refsOf(event: StoredEvent): SearchSourceRef[];
  /**
   * The current documents of `refs`; a ref with no document (deleted, no longer in that
   * organization) becomes a delete. For a ref marked `dependents`, it adds the documents that
   * depend on it (a renamed definition's runs, whose titles carry its name).
   */
  documents(db: Database, refs: SearchSourceRef[]): Promise<SearchDocument[]>;
  /** The scope a followed stream's events cover: resynced whole when the log no longer covers the caller's cursor. */
  scopeOf(stream: string): SearchResyncScope | null;
  /** One page of every current document, in a stable order; `after` is the `next` of the page before (core's pagedDocuments builds both). */
  allDocuments(db: Database, after: string | null, limit: number): Promise<{ documents: SearchDocument[]; next: string | null }>;
  /** Every current document of a scope (a resync). */
  scopeDocuments(db: Database, scope: SearchResyncScope): Promise<SearchDocument[]>;
}

/** Thrown by allDocuments for an `after` it did not make: the route answers 400. */
export class SearchCursorInvalid extends Error {
  constructor() {
    super('after is not a cursor this source gave');
  }
}

/** Events read per changes call when the caller names no limit, and at most. */
export const SEARCH_CHANGES_DEFAULT_LIMIT = 500;
export const SEARCH_CHANGES_MAX_LIMIT = 2000;
/** Documents per page of SEARCH_DOCUMENTS_PATH when the caller names no limit, and at most. */
export const SEARCH_DOCUMENTS_DEFAULT_LIMIT = 200;
export const SEARCH_DOCUMENTS_MAX_LIMIT = 1000;
/** Streams a changes request may name (cursors); more is a malformed request. */
export const SEARCH_CURSORS_MAX = 100_000;

/** The key of a document or ref: one entity in one organization. */
export const searchKey = (ref: Pick<SearchDocumentRef, 'type' | 'id' | 'organizationId'>) => `${ref.type}:${ref.id}:${ref.organizationId}`;

/** Whether `stream` is one of `patterns`. */
export const followsStream = (patterns: SearchStreamPattern[], stream: string) =>
  patterns.some((p) => stream.startsWith(p.prefix) && (p.suffix === undefined || (stream.endsWith(p.suffix) && stream.length >= p.prefix.length + p.suffix.length)));

const likeEscape = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

const streamsOf = (tables: EventLogTables, patterns: SearchStreamPattern[]): SQL =>
  or(...patterns.map((p) => like(tables.eventStreams.stream, `${likeEscape(p.prefix)}%${p.suffix === undefined ? '' : likeEscape(p.suffix)}`)))!;

/** The heads (newest seq) of every followed stream that has one; of the `named` ones only when given. */
export async function searchStreamHeads(db: Database, tables: EventLogTables, patterns: SearchStreamPattern[], named?: string[]): Promise<Record<string, number>> {
  if (patterns.length === 0 || named?.length === 0) return {};
  const { eventStreams } = tables;
  const rows = await db
    .select({ stream: eventStreams.stream, seq: eventStreams.seq })
    .from(eventStreams)
    // The names as one JSON parameter: a caller may name tens of thousands (no limit on parameters).
    .where(named ? sql`${eventStreams.stream} in (select jsonb_array_elements_text(${JSON.stringify(named)}::jsonb))` : streamsOf(tables, patterns))
    .orderBy(asc(eventStreams.stream));
  const heads: Record<string, number> = {};
  for (const row of rows) if (followsStream(patterns, row.stream)) heads[row.stream] = Number(row.seq);
  return heads;
}

const rowsOf = <T>(result: unknown): T[] => (Array.isArray(result) ? result : (result as { rows: T[] }).rows);
/** `v2:` and a pg_snapshot's text: xmin, xmax and the ids running then (bounded by the server's connections). */
const TOKEN = /^v2:((\d{1,19}):(\d{1,19}):((?:\d{1,19})(?:,\d{1,19})*)?)$/;
const SEARCH_TOKEN_MAX_LENGTH = 100_000;

/** The snapshot a token holds, when it is one a source of this version gives (SEARCH_HEADS_PATH). */
function tokenSnapshot(token: string): { snapshot: string; xmin: bigint } | null {
  if (token.length > SEARCH_TOKEN_MAX_LENGTH) return null;
  const match = TOKEN.exec(token);
  if (!match) return null;
  const [xmin, xmax] = [BigInt(match[2]!), BigInt(match[3]!)];
  const running = match[4] ? match[4].split(',').map(BigInt) : [];
  if (xmin < 1n || xmax < xmin || running.some((x) => x < xmin || x >= xmax)) return null;
  return { snapshot: match[1]!, xmin };
}

export const isSearchHeadsToken = (token: string) => tokenSnapshot(token) !== null;

/**
 * The heads of the followed streams written since `since` (SEARCH_HEADS_PATH; all of them when
 * null), and the token to ask with next: the snapshot this read used. Each log's trigger stores in
 * a stream's row the id of the transaction that last wrote it; a write this read did not see is by
 * a transaction its snapshot does not see (running, or not started), which the next read, given
 * the token, names by that id. Streams whose last writer the token's snapshot saw are not named,
 * so an idle poll answers no head at all; a long transaction elsewhere costs nothing but its own id
 * in the token. The argument is in docs/protocols/search.md#tokens. A token whose xmin is past the
 * current snapshot's xmax (the log's database was restored or replaced under the caller) is
 * answered as if null.
 */
export async function searchHeadsSince(db: Database, tables: EventLogTables, patterns: SearchStreamPattern[], since: string | null): Promise<SearchHeadsResponse> {
  const { eventStreams } = tables;
  const token = since === null ? null : tokenSnapshot(since);
  if (token === null && since !== null) throw new Error('not a heads token');
  const followed = patterns.length === 0 ? sql`false` : sql`(${sql.join(patterns.map((p) => sql`e.stream like ${`${likeEscape(p.prefix)}%${p.suffix === undefined ? '' : likeEscape(p.suffix)}`}`), sql` or `)})`;
  // The xmin bound lets the index on changed_xid find the candidates; the snapshot decides. A range
  // with both ends, not `>=` alone: without statistics (PGlite never analyzes; a generic plan) the
  // planner takes a two-sided range as narrow and uses that index, where a one-sided one made it
  // scan every followed stream by name (48 ms instead of 0.7 at 30,000 streams, measured).
  const written =
    token === null ? sql`` : sql` and e.changed_xid between ${String(token.xmin)}::bigint and 9223372036854775807 and not pg_visible_in_snapshot(e.changed_xid::text::xid8, ${token.snapshot}::pg_snapshot)`;
  // One statement: the snapshot given as the next token is the one the rows are read in.
  const rows = rowsOf<{ snapshot: string; xmax: string; stream: string | null; seq: string | number | null }>(
    await db.execute(sql`
      select s.snapshot, s.xmax, e.stream, e.seq
      from (select c::text as snapshot, pg_snapshot_xmax(c)::text as xmax from pg_current_snapshot() as c) as s
      left join ${eventStreams} as e on ${followed}${written}
      order by e.stream`),
  );
  const first = rows[0]!;
  if (token !== null && token.xmin > BigInt(first.xmax)) return searchHeadsSince(db, tables, patterns, null);
  const heads: Record<string, number> = {};
  for (const row of rows) if (row.stream !== null && followsStream(patterns, row.stream)) heads[row.stream] = Number(row.seq);
  return { token: `v2:${first.snapshot}`, heads };
}

/** Merges scopes of one organization into one (their types together). */
function mergeScopes(scopes: SearchResyncScope[]): SearchResyncScope[] {
  const byOrg = new Map<string, Set<SearchType>>();
  for (const scope of scopes) {
    const types = byOrg.get(scope.organizationId) ?? new Set<SearchType>();
    for (const type of scope.types) types.add(type);
    byOrg.set(scope.organizationId, types);
  }
  return [...byOrg].map(([organizationId, types]) => ({ organizationId, types: SEARCH_TYPES.filter((t) => types.has(t)) }));
}

/**
 * The changes after `cursors` (SEARCH_CHANGES_PATH). The heads are read first and nothing past
 * them is read, so the cursors answered are exactly what the documents reflect at least. A stream
 * whose next event is gone (trimmed), or whose cursor is past its head, is answered as a resync of
 * its scope. At most `limit` events are read (a resync counts its documents, and is never cut);
 * `more` when cut. `named`: only the streams `cursors` names (version 2), else every followed one.
 */
export async function searchChanges(
  db: Database,
  tables: EventLogTables,
  source: SearchSource,
  request: { cursors: Record<string, number>; limit: number; named?: boolean },
): Promise<SearchChangesResponse> {
  // `named` (SEARCH_NAMED_CHANGES_PATH): only the streams the caller names are read.
  const heads = await searchStreamHeads(db, tables, source.streams, request.named ? Object.keys(request.cursors) : undefined);
  const cursors: Record<string, number> = {};
  // The caller's cursors stand for streams this call does not reach (only followed ones).
  for (const [stream, seq] of Object.entries(request.cursors)) if (followsStream(source.streams, stream)) cursors[stream] = seq;
  const refs = new Map<string, SearchSourceRef>();
  const scopes: SearchResyncScope[] = [];
  const upserts = new Map<string, SearchDocument>();
  let budget = request.limit;
  let more = false;
  for (const [stream, head] of Object.entries(heads)) {
    const after = request.cursors[stream] ?? 0;
    if (after === head) {
      cursors[stream] = head;
      continue;
    }
    if (budget <= 0) {
      more = true;
      break;
    }
    const events = after > head ? [] : await readEvents(db, tables, stream, after, head, budget);
    if (after > head || events[0]?.seq !== after + 1) {
      // The log no longer covers the cursor (or was reset under it): the whole scope, as it is now.
      const scope = source.scopeOf(stream);
      if (!scope) {
        cursors[stream] = head;
        continue;
      }
      scopes.push(scope);
      cursors[stream] = head;
      // Read now, so that a resync counts its documents against the limit (at least one).
      const documents = await source.scopeDocuments(db, scope);
      for (const doc of documents) upserts.set(searchKey(doc), doc);
      budget -= Math.max(1, documents.length);
      continue;
    }
    for (const event of events) {
      for (const ref of source.refsOf(event)) {
        const key = searchKey(ref);
        refs.set(key, refs.get(key)?.dependents ? { ...ref, dependents: true } : ref);
      }
    }
    const last = events[events.length - 1]!.seq;
    cursors[stream] = last;
    budget -= events.length;
    if (last < head) {
      more = true;
      break;
    }
  }
  const resync = mergeScopes(scopes);
  const wanted = [...refs.values()];
  if (wanted.length > 0) for (const doc of await source.documents(db, wanted)) upserts.set(searchKey(doc), doc);
  const deletes: SearchDocumentRef[] = wanted.filter((ref) => !upserts.has(searchKey(ref))).map(({ type, id, organizationId }) => ({ type, id, organizationId }));
  // A stream not yet reached keeps the caller's cursor; one cut short says `more`.
  if (!more) more = Object.entries(heads).some(([stream, head]) => (cursors[stream] ?? 0) < head);
  return { upserts: [...upserts.values()], deletes, resync, cursors, more };
}

async function readEvents(db: Database, tables: EventLogTables, stream: string, after: number, upTo: number, limit: number): Promise<StoredEvent[]> {
  const { events } = tables;
  const rows = await db
    .select()
    .from(events)
    .where(and(eq(events.stream, stream), gt(events.seq, after), lte(events.seq, upTo)))
    .orderBy(asc(events.seq))
    .limit(limit);
  return rows.map((r) => ({ stream: r.stream, seq: Number(r.seq), type: r.type, organizationId: r.organizationId, payload: r.payload as Record<string, unknown>, createdAt: r.createdAt }));
}

/** The keyPattern of a pager keyed by uuid. */
export const UUID_KEY = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * One kind of document a source pages through for allDocuments: its rows in a stable order of a
 * unique text key (an id), after `afterKey`.
 */
export interface SearchDocumentPager {
  /** What a key looks like: a cursor whose key does not match is refused (400) before any query. */
  keyPattern: RegExp;
  page(db: Database, afterKey: string | null, limit: number): Promise<Array<{ key: string; document: SearchDocument }>>;
}

/**
 * allDocuments over several pagers, one after another: `next` is the pager's index and the last
 * key read (opaque to the caller); a page ends early only where a pager ends.
 */
export async function pagedDocuments(db: Database, pagers: SearchDocumentPager[], after: string | null, limit: number): Promise<{ documents: SearchDocument[]; next: string | null }> {
  let index = 0;
  let afterKey: string | null = null;
  if (after !== null) {
    const match = /^(\d{1,3}):(.{1,200})$/.exec(Buffer.from(after, 'base64url').toString('utf8'));
    if (!match || Number(match[1]) >= pagers.length || !pagers[Number(match[1])]!.keyPattern.test(match[2]!)) throw new SearchCursorInvalid();
    index = Number(match[1]);
    afterKey = match[2]!;
  }
  const documents: SearchDocument[] = [];
  while (index < pagers.length && documents.length < limit) {
    const rows = await pagers[index]!.page(db, afterKey, limit - documents.length);
    documents.push(...rows.map((r) => r.document));
    if (documents.length >= limit && rows.length > 0) {
      return { documents, next: Buffer.from(`${index}:${rows[rows.length - 1]!.key}`).toString('base64url') };
    }
    index += 1;
    afterKey = null;
  }
  return { documents, next: null };
}

type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

function parseLimit(value: unknown, fallback: number, max: number): Parsed<number> {
  if (value === undefined || value === null) return { ok: true, value: fallback };
  if (!isCount(value) || value < 1) return { ok: false, message: 'limit must be a positive integer' };
  return { ok: true, value: Math.min(value, max) };
}

export function parseChangesRequest(body: unknown): Parsed<{ cursors: Record<string, number>; limit: number }> {
  if (!isRecord(body)) return { ok: false, message: 'the body must be a JSON object' };
  const cursors = body.cursors ?? {};
  if (!isRecord(cursors)) return { ok: false, message: 'cursors must be an object of stream names to seqs' };
  const entries = Object.entries(cursors);
  if (entries.length > SEARCH_CURSORS_MAX) return { ok: false, message: `at most ${SEARCH_CURSORS_MAX} cursors` };
  for (const [stream, seq] of entries) {
    if (stream.length === 0 || stream.length > 500) return { ok: false, message: 'a stream name must have 1 to 500 characters' };
    if (!isCount(seq)) return { ok: false, message: `cursors["${stream.slice(0, 100)}"] must be a non-negative integer` };
  }
  const limit = parseLimit(body.limit, SEARCH_CHANGES_DEFAULT_LIMIT, SEARCH_CHANGES_MAX_LIMIT);
  if (!limit.ok) return limit;
  return { ok: true, value: { cursors: Object.fromEntries(entries) as Record<string, number>, limit: limit.value } };
}

export function parseDocumentsRequest(body: unknown): Parsed<{ after: string | null; limit: number }> {
  if (!isRecord(body)) return { ok: false, message: 'the body must be a JSON object' };
  const after = body.after ?? null;
  if (after !== null && (typeof after !== 'string' || after.length === 0 || after.length > 1000)) return { ok: false, message: 'after must be null or the next of the page before' };
  const limit = parseLimit(body.limit, SEARCH_DOCUMENTS_DEFAULT_LIMIT, SEARCH_DOCUMENTS_MAX_LIMIT);
  if (!limit.ok) return limit;
  return { ok: true, value: { after, limit: limit.value } };
}

export function parseHeadsRequest(body: unknown): Parsed<{ since: string | null }> {
  if (!isRecord(body)) return { ok: false, message: 'the body must be a JSON object' };
  const since = body.since ?? null;
  if (since !== null && (typeof since !== 'string' || !isSearchHeadsToken(since))) return { ok: false, message: 'since must be null or the token of an earlier answer' };
  return { ok: true, value: { since } };
}

export interface SearchSourceRoutes {
  /** The subgraph's name: the audience its internal tokens must carry. */
  name: string;
  internalTokenSecret: string;
  db: Database;
  tables: EventLogTables;
  source: SearchSource;
  log: Logger;
}

/** Largest body of a search source request (a changes request names a cursor per followed stream). */
export const SEARCH_SOURCE_MAX_BODY_BYTES = 4 * 1024 * 1024;

/**
 * Mounts POST SEARCH_CHANGES_PATH and SEARCH_DOCUMENTS_PATH (version 1), SEARCH_HEADS_PATH and
 * SEARCH_NAMED_CHANGES_PATH (version 2). Only the platform may call them: an
 * internal token addressed to this subgraph (else 401 INTERNAL_TOKEN_INVALID) with no viewer
 * (else 403 PLATFORM_ONLY): the answers hold every organization's documents. A malformed body is
 * 400 BAD_USER_INPUT (413 PAYLOAD_TOO_LARGE past the bound); refusals are `{ error, message }`.
 */
export function mountSearchSource(app: express.Express, options: SearchSourceRoutes): void {
  const { db, tables, source, log } = options;
  const refuse = (res: express.Response, status: number, error: string, message: string) => void res.status(status).json({ error, message });
  const fromPlatform: express.RequestHandler = (req, res, next) => {
    const header = req.headers[INTERNAL_TOKEN_HEADER];
    verifyInternalToken(options.internalTokenSecret, options.name, Array.isArray(header) ? header[0] : header).then(
      (auth) => {
        if (!auth.ok) return refuse(res, 401, 'INTERNAL_TOKEN_INVALID', `Search sources only answer the platform (${auth.reason})`);
        if (auth.viewer !== null) return refuse(res, 403, 'PLATFORM_ONLY', 'Search sources answer the platform itself, never a person');
        next();
      },
      next,
    );
  };
  const json = express.json({ limit: SEARCH_SOURCE_MAX_BODY_BYTES, type: () => true });
  const body: express.RequestHandler = (req, res, next) =>
    json(req, res, (error?: unknown) => {
      if (!error) return next();
      const status = (error as { status?: number }).status;
      if (status === 413) return refuse(res, 413, 'PAYLOAD_TOO_LARGE', `The body is over ${SEARCH_SOURCE_MAX_BODY_BYTES} bytes`);
      refuse(res, 400, 'BAD_USER_INPUT', 'The body must be JSON');
    });
  // Every route: the caller checked, the body parsed (400 with the parser's message), the work's
  // answer as JSON, and a failure of the work answered 503 (or 400 for a cursor the source refused).
  const route = <Q, A>(path: string, parse: (body: unknown) => Parsed<Q>, work: (request: Q) => Promise<A>) =>
    app.post(path, fromPlatform, body, (req, res) => {
      const parsed = parse(req.body);
      if (!parsed.ok) return refuse(res, 400, 'BAD_USER_INPUT', parsed.message);
      work(parsed.value).then(
        (answer) => void res.json(answer),
        (error: unknown) => {
          if (error instanceof SearchCursorInvalid) return refuse(res, 400, 'BAD_USER_INPUT', error.message);
          log.error('search source failed', { error, path: req.path });
          // Never a 5xx for what the caller sent: this is the source's own failure (its database), retried by the caller.
          refuse(res, 503, 'SUBGRAPH_UNAVAILABLE', 'The search source could not answer; retry later');
        },
      );
    });
  route(SEARCH_CHANGES_PATH, parseChangesRequest, (request): Promise<SearchChangesResponse> => searchChanges(db, tables, source, request));
  route(SEARCH_HEADS_PATH, parseHeadsRequest, (request) => searchHeadsSince(db, tables, source.streams, request.since));
  route(SEARCH_NAMED_CHANGES_PATH, parseChangesRequest, (request) => searchChanges(db, tables, source, { ...request, named: true }));
  route(SEARCH_DOCUMENTS_PATH, parseDocumentsRequest, async ({ after, limit }): Promise<SearchDocumentsResponse> => {
    // The first page's heads are read before any document: changes made during the rebuild are after them.
    const cursors = after === null ? await searchStreamHeads(db, tables, source.streams) : undefined;
    const page = await source.allDocuments(db, after, limit);
    return { documents: page.documents, next: page.next, ...(cursors ? { cursors } : {}) };
  });
}
