import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EventLog,
  followsStream,
  openDatabase,
  pagedDocuments,
  parseChangesRequest,
  SearchCursorInvalid,
  searchChanges,
  searchHeadsSince,
  type OpenDatabase,
  type SearchDocument,
  type SearchSource,
} from '../src/index.js';
import { createTestDatabase, testEnv, testSearchDocument, type TestDatabase } from '../src/testing/index.js';
import { events, eventStreams } from './fixtures/event-schema.js';

// The generic half of a search source (src/search/source.ts) over a real event log, on each
// database (vitest projects pglite and postgres), with a toy source whose documents live in a
// Map: gaps in the middle of the log, several streams under one limit, unfollowed streams. The
// routes themselves (and their refusals) are covered by the contract suite over each subgraph.
const MIGRATIONS = fileURLToPath(new URL('./fixtures/event-migrations', import.meta.url));

let testDb: TestDatabase;
let database: OpenDatabase;
let log: EventLog;
const tables = { events, eventStreams };

beforeAll(async () => {
  testDb = await createTestDatabase();
  database = await openDatabase({ url: testDb.url, dataDir: testDb.dataDir, schema: 'events_test', migrationsFolder: MIGRATIONS });
  log = new EventLog(database.db, tables);
});
afterAll(async () => {
  await database?.close();
  await testDb?.drop();
});

/** Toy documents: a File per id, in the organization its stream names (`toy.org:<org>:things`). */
const docs = new Map<string, SearchDocument>();
const doc = (organizationId: string, id: string, title: string): SearchDocument => testSearchDocument(organizationId, 'File', id, title);
const toy: SearchSource = {
  streams: [{ prefix: 'toy.org:', suffix: ':things' }],
  refsOf: (event) => [{ type: 'File', id: String(event.payload.id), organizationId: event.organizationId! }],
  documents: async (_db, refs) => refs.flatMap((r) => (docs.has(r.id) && docs.get(r.id)!.organizationId === r.organizationId ? [docs.get(r.id)!] : [])),
  scopeOf: (stream) => ({ organizationId: stream.split(':')[1]!, types: ['File'] }),
  scopeDocuments: async (_db, scope) => [...docs.values()].filter((d) => d.organizationId === scope.organizationId),
  allDocuments: () => Promise.resolve({ documents: [...docs.values()], next: null }),
};
const stream = (org: string) => `toy.org:${org}:things`;

async function write(org: string, id: string, title: string | null, streamName = stream(org)) {
  if (title === null) docs.delete(id);
  else docs.set(id, doc(org, id, title));
  await database.db.transaction(async (tx) => {
    await log.append(tx as never, { stream: streamName, type: 'thing.changed', organizationId: org, payload: { id } });
  });
}

describe('searchChanges over a real event log', () => {
  it('follows only the declared streams: another stream of the log, or a cursor the caller names for it, is ignored', async () => {
    const org = randomUUID();
    await write(org, 'a1', 'Alpha');
    await write(org, 'x1', 'Hidden', `toy.org:${org}:secrets`);
    const answer = await searchChanges(database.db, tables, toy, { cursors: { [`toy.org:${org}:secrets`]: 0, unrelated: 3 }, limit: 100 });
    expect(Object.keys(answer.cursors).filter((s) => s.includes(org))).toEqual([stream(org)]);
    expect(answer.cursors.unrelated).toBeUndefined();
    expect(answer.upserts.map((d) => d.id)).not.toContain('x1');
    expect(followsStream(toy.streams, 'toy.org::things')).toBe(true);
    expect(followsStream(toy.streams, 'toy.org:things')).toBe(false);
  });

  it('cuts at the limit across streams, in stream order, and resumes where it stopped', async () => {
    const [a, b] = [randomUUID(), randomUUID()].sort();
    const base = (await searchChanges(database.db, tables, toy, { cursors: {}, limit: 10_000 })).cursors;
    for (let i = 0; i < 3; i++) await write(a!, `a-${a}-${i}`, `A${i}`);
    for (let i = 0; i < 2; i++) await write(b!, `b-${b}-${i}`, `B${i}`);
    const first = await searchChanges(database.db, tables, toy, { cursors: base, limit: 2 });
    expect(first.more).toBe(true);
    expect(first.upserts.map((d) => d.title)).toEqual(['A0', 'A1']);
    const second = await searchChanges(database.db, tables, toy, { cursors: first.cursors, limit: 2 });
    expect(second.upserts.map((d) => d.title)).toEqual(['A2', 'B0']);
    const third = await searchChanges(database.db, tables, toy, { cursors: second.cursors, limit: 2 });
    expect(third.upserts.map((d) => d.title)).toEqual(['B1']);
    expect(third.more).toBe(false);
  });

  it('answers one entity changed many times once, as it is now; a stream whose next event is gone is a resync', async () => {
    const org = randomUUID();
    await write(org, `t-${org}`, 'first');
    const start = (await searchChanges(database.db, tables, toy, { cursors: {}, limit: 10_000 })).cursors;
    await write(org, `t-${org}`, 'second');
    await write(org, `t-${org}`, 'third');
    await write(org, `u-${org}`, 'other');
    const answer = await searchChanges(database.db, tables, toy, { cursors: start, limit: 100 });
    expect(answer.upserts.filter((d) => d.id === `t-${org}`).map((d) => d.title)).toEqual(['third']);
    // The event right after the cursor is gone (seq 2 of this stream): not replayable.
    await database.db.delete(events).where(and(eq(events.stream, stream(org)), eq(events.seq, 2)));
    const gap = await searchChanges(database.db, tables, toy, { cursors: start, limit: 100 });
    expect(gap.resync).toEqual([{ organizationId: org, types: ['File'] }]);
    expect(gap.upserts.map((d) => d.title).sort()).toEqual(['other', 'third']);
    expect(gap.cursors[stream(org)]).toBe(4);
  });

  it('reads no event past the heads it read first', async () => {
    const org = randomUUID();
    await write(org, `h-${org}`, 'one');
    const answer = await searchChanges(database.db, tables, toy, { cursors: {}, limit: 10_000 });
    // Whatever is appended later is after the answered cursor: the next call answers it.
    await write(org, `h-${org}`, 'two');
    const next = await searchChanges(database.db, tables, toy, { cursors: answer.cursors, limit: 10_000 });
    expect(next.upserts.map((d) => d.title)).toEqual(['two']);
  });
});

describe('heads since a token (version 2) over a real event log', () => {
  const since = (token: string | null) => searchHeadsSince(database.db, tables, toy.streams, token);

  it('names every followed head for no token, then only the streams written since; an idle token names none', async () => {
    const org = randomUUID();
    await write(org, `s-${org}`, 'one');
    const all = await since(null);
    expect(all.heads[stream(org)]).toBe(1);
    expect((await since(all.token)).heads).toEqual({});
    const other = randomUUID();
    await write(other, `s-${other}`, 'two');
    await write(other, `x-${other}`, 'hidden', `toy.org:${other}:secrets`);
    const moved = await since(all.token);
    expect(moved.heads).toEqual({ [stream(other)]: 1 });
    expect((await since(moved.token)).heads).toEqual({});
    // A token from the future (the log's database replaced under the caller): every head again.
    const future = await since('v2:9000000000000:9000000000000:');
    expect(Object.keys(future.heads)).toEqual(expect.arrayContaining([stream(org), stream(other)]));
    await expect(since('v2:5:3:')).rejects.toThrow();
  });

  // PGlite has one connection: a transaction left open would hold the read behind it.
  it.skipIf(testEnv.TEST_DATABASE !== 'postgres')('never loses a write committed after a read that did not see it, even by a transaction older than that read', async () => {
    const [early, late] = [randomUUID(), randomUUID()];
    const base = (await since(null)).token;
    // `early` starts, takes its id and appends; a later transaction (`late`) appends and commits first.
    let commitEarly!: () => void;
    const released = new Promise<void>((resolve) => (commitEarly = resolve));
    let appended!: () => void;
    const started = new Promise<void>((resolve) => (appended = resolve));
    const earlyTx = database.db.transaction(async (tx) => {
      await log.append(tx as never, { stream: stream(early), type: 'thing.changed', organizationId: early, payload: { id: `e-${early}` } });
      appended();
      await released;
    });
    await started;
    await write(late, `l-${late}`, 'late');
    // This read sees `late` and not `early` (still open); its token must bring `early` once committed.
    const seen = await since(base);
    expect(seen.heads[stream(late)]).toBe(1);
    expect(seen.heads[stream(early)]).toBeUndefined();
    commitEarly();
    await earlyTx;
    const next = await since(seen.token);
    expect(next.heads[stream(early)]).toBe(1);
    expect(next.heads[stream(late)]).toBeUndefined();
  });
});

describe('search source input', () => {
  it('parses a changes request strictly', () => {
    expect(parseChangesRequest({ cursors: { s: 3 }, limit: 99_999 })).toEqual({ ok: true, value: { cursors: { s: 3 }, limit: 2000 } });
    expect(parseChangesRequest({})).toEqual({ ok: true, value: { cursors: {}, limit: 500 } });
    for (const bad of [null, [], 'x', { cursors: 'x' }, { cursors: { s: -1 } }, { cursors: { s: Number.MAX_VALUE } }, { cursors: { '': 1 } }, { limit: 0 }, { limit: 1.5 }]) {
      expect(parseChangesRequest(bad).ok, JSON.stringify(bad)).toBe(false);
    }
  });

  it('pages over several pagers and refuses a cursor it did not make', async () => {
    const rows = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ({ key: `${prefix}${i}`, document: doc('o', `${prefix}${i}`, `${prefix}${i}`) }));
    const pager = (all: ReturnType<typeof rows>) => ({
      keyPattern: /^[a-z]\d+$/,
      page: async (_db: unknown, after: string | null, limit: number) => all.filter((r) => after === null || r.key > after).slice(0, limit),
    });
    const pagers = [pager(rows('a', 3)), pager([]), pager(rows('c', 2))];
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const page: { documents: SearchDocument[]; next: string | null } = await pagedDocuments(database.db, pagers, after, 2);
      seen.push(...page.documents.map((d) => d.id));
      after = page.next;
    } while (after !== null);
    expect(seen).toEqual(['a0', 'a1', 'a2', 'c0', 'c1']);
    for (const forged of ['', 'bm90aGluZw', Buffer.from('7:a1').toString('base64url'), Buffer.from("0:a1' or 1=1").toString('base64url')]) {
      await expect(pagedDocuments(database.db, pagers, forged, 2)).rejects.toBeInstanceOf(SearchCursorInvalid);
    }
  });
});
