import { describe, expect, it } from 'vitest';
import { INTERNAL_TOKEN_HEADER, ROLES, signInternalToken, type Viewer } from '../identity.js';
import {
  SEARCH_CHANGES_PATH,
  SEARCH_DOCUMENTS_PATH,
  SEARCH_HEADS_PATH,
  SEARCH_NAMED_CHANGES_PATH,
  SEARCH_TYPES,
  type SearchChangesResponse,
  type SearchDocument,
  type SearchDocumentRef,
  type SearchDocumentsResponse,
  type SearchHeadsResponse,
} from '../search/protocol.js';
import { searchKey } from '../search/source.js';

/** A subgraph serving a search source, as the contract suite drives it (its own test file starts it). */
export interface SearchSourceUnderTest {
  /** The subgraph's name: the audience of the tokens the routes take. */
  name: string;
  secret: string;
  /** The running subgraph's GraphQL URL (`.../graphql`): the routes are beside it. */
  url(): string;
  /**
   * Through the API: a fresh organization with at least two searchable entities, written by at
   * least three events of followed streams. `viewer` is a person of that organization.
   */
  seed(): Promise<SeededOrganization>;
  /**
   * Through the API: makes `ref` (one of `seeded.refs`) unsearchable: deleted, or gone from its
   * organization. A source whose entities are never removed says why instead (`removeGap`).
   */
  remove?(seeded: SeededOrganization, ref: SearchDocumentRef): Promise<void>;
  removeGap?: string;
  /** Deletes every event of the subgraph's log (the heads stay), as the trim does to old ones. */
  trimLog(): Promise<void>;
}

const ALL_PATHS = [SEARCH_CHANGES_PATH, SEARCH_DOCUMENTS_PATH, SEARCH_HEADS_PATH, SEARCH_NAMED_CHANGES_PATH];

export interface SeededOrganization {
  organizationId: string;
  refs: SearchDocumentRef[];
  viewer: Viewer;
}

/**
 * The contract every search source passes (protocol.ts, docs/protocols/search.md#sources), over
 * real HTTP against the running subgraph: the refusals, changes after a cursor, idempotent
 * answers, deletes, `more` paging, the resync of a trimmed log, and documents paging that covers
 * every document once. The trim is the last case (the log is gone after it).
 */
/**
 * A running search source's routes as the platform calls them (an internal token addressed to it,
 * no viewer), each answer expected 200: what the contract suite and each source's own tests ask with.
 * `post` sends any body with any token (or none) and expects nothing.
 */
export function searchSourceCaller(url: () => string, name: string, secret: string) {
  const base = () => url().replace(/\/graphql$/, '');
  const post = async (path: string, body: string, token: string | null) => {
    const response = await fetch(`${base()}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token === null ? {} : { [INTERNAL_TOKEN_HEADER]: token }) },
      body,
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const platform = () => signInternalToken(secret, name, null);
  const ask = async <T>(path: string, request: unknown): Promise<T> => {
    const answer = await post(path, JSON.stringify(request), await platform());
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer.body as unknown as T;
  };
  return {
    post,
    platform,
    /** Version 1: the changes after `cursors` over every followed stream. */
    changes: (cursors: Record<string, number>, limit?: number) => ask<SearchChangesResponse>(SEARCH_CHANGES_PATH, { cursors, ...(limit ? { limit } : {}) }),
    /** Version 2: the changes of the named streams only. */
    namedChanges: (cursors: Record<string, number>, limit?: number) => ask<SearchChangesResponse>(SEARCH_NAMED_CHANGES_PATH, { cursors, ...(limit ? { limit } : {}) }),
    /** Version 2: the heads written since a token (every head for null). */
    heads: (since: string | null) => ask<SearchHeadsResponse>(SEARCH_HEADS_PATH, { since }),
    documentsPage: (after: string | null, limit?: number) => ask<SearchDocumentsResponse>(SEARCH_DOCUMENTS_PATH, { after, ...(limit ? { limit } : {}) }),
  };
}

export function searchSourceContract(label: string, under: SearchSourceUnderTest): void {
  const { post, platform, changes, namedChanges, heads, documentsPage } = searchSourceCaller(() => under.url(), under.name, under.secret);
  const keys = (docs: Array<SearchDocument | SearchDocumentRef>) => docs.map(searchKey);
  /** Changes until `more` is false, each call's answer applied in turn. */
  const drain = async (cursors: Record<string, number>, limit?: number) => {
    const index = new Map<string, SearchDocument>();
    let at = cursors;
    let calls = 0;
    for (;;) {
      const answer = await changes(at, limit);
      calls += 1;
      for (const doc of answer.upserts) index.set(searchKey(doc), doc);
      for (const ref of answer.deletes) index.delete(searchKey(ref));
      for (const [stream, seq] of Object.entries(at)) expect(answer.cursors[stream] ?? seq, `cursor of ${stream} went back`).toBeGreaterThanOrEqual(seq);
      at = { ...at, ...answer.cursors };
      if (!answer.more) return { index, cursors: at, calls };
      expect(calls, 'more never ends').toBeLessThan(10_000);
    }
  };
  const expectWellFormed = (doc: SearchDocument) => {
    expect(SEARCH_TYPES).toContain(doc.type);
    expect(ROLES).toContain(doc.minRole);
    expect(typeof doc.id).toBe('string');
    expect(typeof doc.organizationId).toBe('string');
    expect(doc.title.length).toBeGreaterThan(0);
    expect(typeof doc.body).toBe('string');
    for (const value of Object.values(doc.keywords)) expect(typeof value).toBe('string');
    expect(new Date(doc.updatedAt).toISOString()).toBe(doc.updatedAt);
  };

  describe(`search source contract: ${label}`, () => {
    it('refuses a call with no internal token, or one addressed to another subgraph (401 INTERNAL_TOKEN_INVALID)', async () => {
      const other = await signInternalToken(under.secret, `${under.name}-other`, null);
      for (const path of ALL_PATHS) {
        for (const token of [null, 'not-a-token', other]) {
          const answer = await post(path, '{}', token);
          expect(answer.status).toBe(401);
          expect(answer.body.error).toBe('INTERNAL_TOKEN_INVALID');
        }
      }
    });

    it("refuses a person's token (403 PLATFORM_ONLY): the answers hold every organization's documents", async () => {
      const seeded = await under.seed();
      const token = await signInternalToken(under.secret, under.name, seeded.viewer);
      for (const path of ALL_PATHS) {
        const answer = await post(path, '{}', token);
        expect(answer.status).toBe(403);
        expect(answer.body.error).toBe('PLATFORM_ONLY');
        expect(JSON.stringify(answer.body)).not.toContain(seeded.organizationId);
      }
    });

    it('answers a malformed body with 400 BAD_USER_INPUT, never a 5xx', async () => {
      const token = await platform();
      const bad: Array<[string, string]> = [
        [SEARCH_CHANGES_PATH, 'not json'],
        [SEARCH_CHANGES_PATH, '[]'],
        [SEARCH_CHANGES_PATH, 'null'],
        [SEARCH_CHANGES_PATH, '{"cursors":[]}'],
        [SEARCH_CHANGES_PATH, '{"cursors":{"a":-1}}'],
        [SEARCH_CHANGES_PATH, '{"cursors":{"a":1.5}}'],
        [SEARCH_CHANGES_PATH, '{"cursors":{"a":"1"}}'],
        [SEARCH_CHANGES_PATH, '{"cursors":{},"limit":0}'],
        [SEARCH_CHANGES_PATH, '{"cursors":{},"limit":"5"}'],
        [SEARCH_CHANGES_PATH, '{"cursors":{"a":1e400}}'],
        [SEARCH_DOCUMENTS_PATH, 'not json'],
        [SEARCH_DOCUMENTS_PATH, '"x"'],
        [SEARCH_DOCUMENTS_PATH, '{"after":5}'],
        [SEARCH_DOCUMENTS_PATH, '{"after":""}'],
        [SEARCH_DOCUMENTS_PATH, '{"after":"not-a-cursor-it-gave"}'],
        [SEARCH_DOCUMENTS_PATH, '{"after":"OTk5Ong"}'],
        [SEARCH_DOCUMENTS_PATH, '{"after":null,"limit":-3}'],
        [SEARCH_HEADS_PATH, 'not json'],
        [SEARCH_HEADS_PATH, '[]'],
        [SEARCH_HEADS_PATH, '{"since":5}'],
        [SEARCH_HEADS_PATH, '{"since":"not-a-token"}'],
        [SEARCH_HEADS_PATH, '{"since":"v2:-1"}'],
        [SEARCH_NAMED_CHANGES_PATH, '{"cursors":[]}'],
        [SEARCH_NAMED_CHANGES_PATH, '{"cursors":{"a":-1}}'],
      ];
      for (const [path, body] of bad) {
        const answer = await post(path, body, token);
        expect(answer.status, `${path} ${body}`).toBe(400);
        expect(answer.body.error).toBe('BAD_USER_INPUT');
      }
    });

    it('answers the current documents of what changed after the cursors, then nothing more; the same cursors give the same answer', async () => {
      const before = (await drain({})).cursors;
      const seeded = await under.seed();
      const first = await changes(before);
      expect(first.more).toBe(false);
      expect(first.resync).toEqual([]);
      for (const doc of first.upserts) expectWellFormed(doc);
      expect(keys(first.upserts)).toEqual(expect.arrayContaining(keys(seeded.refs)));
      expect(first.upserts.every((doc) => doc.organizationId === seeded.organizationId)).toBe(true);
      expect(Object.keys(first.cursors).length).toBeGreaterThan(Object.keys(before).length);
      // The same question again: the same answer (applying it twice is harmless).
      expect(await changes(before)).toEqual(first);
      // After the answer's cursors: nothing.
      const after = await changes(first.cursors);
      expect(after).toEqual({ upserts: [], deletes: [], resync: [], cursors: first.cursors, more: false });
    });

    it.skipIf(!under.remove)(`answers a removed entity as a delete, not an upsert${under.removeGap ? ` (skipped: ${under.removeGap})` : ''}`, async () => {
      const seeded = await under.seed();
      const { cursors } = await drain({});
      const gone = seeded.refs[0]!;
      await under.remove!(seeded, gone);
      const answer = await changes(cursors);
      expect(keys(answer.deletes)).toContain(searchKey(gone));
      expect(keys(answer.upserts)).not.toContain(searchKey(gone));
      // From no cursor at all (the log still whole), the entity ends deleted too.
      const { index } = await drain({});
      expect([...index.keys()]).not.toContain(searchKey(gone));
      expect([...index.keys()]).toEqual(expect.arrayContaining(keys(seeded.refs.slice(1))));
    });

    it('reads at most `limit` events per call and says `more`; paging arrives where one call does', async () => {
      await under.seed();
      const whole = await drain({});
      const paged = await drain({}, 1);
      expect(paged.calls).toBeGreaterThan(2);
      expect(paged.cursors).toEqual(whole.cursors);
      expect([...paged.index.keys()].sort()).toEqual([...whole.index.keys()].sort());
      const one = await changes({}, 1);
      expect(one.more).toBe(true);
    });

    it('pages every current document once; the first page carries the heads, read before any document', async () => {
      const seeded = await under.seed();
      const { cursors: heads } = await drain({});
      const seen: string[] = [];
      let after: string | null = null;
      let pages = 0;
      do {
        const page: SearchDocumentsResponse = await documentsPage(after, 2);
        if (after === null) expect(page.cursors).toEqual(heads);
        else expect(page.cursors).toBeUndefined();
        expect(page.documents.length).toBeLessThanOrEqual(2);
        for (const doc of page.documents) expectWellFormed(doc);
        seen.push(...keys(page.documents));
        after = page.next;
        pages += 1;
        expect(pages).toBeLessThan(10_000);
      } while (after !== null);
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toEqual(expect.arrayContaining(keys(seeded.refs)));
      // What the changes from no cursor index is what the pages hold.
      expect(seen.sort()).toEqual([...(await drain({})).index.keys()].sort());
      const whole = await documentsPage(null, 1000);
      expect(keys(whole.documents).sort()).toEqual(seen);
      expect(whole.next).toBeNull();
    });

    it('version 2: names every head first, then only the streams written since its token; an idle token names none', async () => {
      const all = await heads(null);
      const { cursors } = await drain({});
      expect(all.heads).toEqual(cursors);
      // Nothing written since: nothing named (the idle poll), and the token may be asked with again.
      const idle = await heads(all.token);
      expect(idle.heads).toEqual({});
      expect((await heads(idle.token)).heads).toEqual({});
      const seeded = await under.seed();
      const moved = await heads(idle.token);
      const written = Object.keys(moved.heads);
      expect(written.length).toBeGreaterThan(0);
      const after = await drain(cursors);
      // Every stream the changes moved is named, at the head they reached (another test's writes may add some).
      for (const [stream, seq] of Object.entries(after.cursors)) if (seq !== cursors[stream]) expect(moved.heads[stream], stream).toBe(seq);
      // The named changes of those streams alone answer what the changes of every stream did.
      const named = await namedChanges(Object.fromEntries(written.map((stream) => [stream, cursors[stream] ?? 0])));
      expect(Object.keys(named.cursors).sort()).toEqual(written.sort());
      expect(keys(named.upserts)).toEqual(expect.arrayContaining(keys(seeded.refs)));
      expect(named.more).toBe(false);
      expect((await namedChanges({})).cursors).toEqual({});
      expect((await heads(moved.token)).heads).toEqual({});
    });

    it("answers a stream whose events after the cursor were trimmed, or whose cursor is past its head, with a resync of its scope", async () => {
      const { cursors: before } = await drain({});
      const seeded = await under.seed();
      await under.trimLog();
      const answer = await changes(before);
      expect(answer.resync.map((s) => s.organizationId)).toEqual([seeded.organizationId]);
      const scope = answer.resync[0]!;
      expect(scope.types).toEqual(expect.arrayContaining([...new Set(seeded.refs.map((r) => r.type))]));
      expect(keys(answer.upserts)).toEqual(expect.arrayContaining(keys(seeded.refs)));
      expect(answer.upserts.every((doc) => doc.organizationId === seeded.organizationId && scope.types.includes(doc.type))).toBe(true);
      // A resync counts against the limit: drained, every trimmed stream is resynced and the cursors reach the heads.
      const drained = await drain({});
      expect([...drained.index.keys()]).toEqual(expect.arrayContaining(keys(seeded.refs)));
      const heads = (await documentsPage(null, 1)).cursors!;
      expect(drained.cursors).toEqual(heads);
      // A cursor past its head (a log reset under the caller): resynced, and put back at the head.
      const [stream, head] = Object.entries(heads)[0]!;
      const ahead = await changes({ ...heads, [stream]: head + 5 });
      expect(ahead.resync.length).toBe(1);
      expect(ahead.cursors[stream]).toBe(head);
      // Streams at their heads: nothing, even with the log gone.
      expect(await changes(heads)).toEqual({ upserts: [], deletes: [], resync: [], cursors: heads, more: false });
    });
  });
}
