import { randomUUID } from 'node:crypto';
import { SEARCH_CHANGES_PATH, SEARCH_HEADS_PATH, SEARCH_NAMED_CHANGES_PATH, type SearchDocument, type SearchType, type Viewer } from '@organoise/core';
import { capturingLogger, createTestDatabase, subgraphClient, TEST_INTERNAL_SECRET, type TestDatabase } from '@organoise/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reindex, startIndexer, storedCursors } from '../src/domains/indexing/indexer.js';
import { startSearchSubgraph, SUBGRAPH_NAME, type SearchSubgraph } from '../src/index.js';
import { FakeSource } from './fake-source.js';

/*
 * The indexer against search sources over real HTTP. The sources here are a small server that
 * implements the protocol (test/fake-source.ts), not the real subgraphs: it can go down, lose its
 * log, and change without an event on demand. The real subgraphs are followed in test/platform.test.ts.
 */
const org = randomUUID();
const viewer: Viewer = { userId: randomUUID(), sessionId: randomUUID(), memberships: { [org]: 'OWNER' } };
const doc = (type: SearchType, id: string, title: string, extra: Partial<SearchDocument> = {}): SearchDocument => ({
  type,
  id,
  organizationId: org,
  minRole: 'VIEWER',
  title,
  body: '',
  keywords: {},
  updatedAt: new Date().toISOString(),
  ...extra,
});

let testDb: TestDatabase;
let server: SearchSubgraph;
let call: ReturnType<typeof subgraphClient>;
const users = new FakeSource('user', TEST_INTERNAL_SECRET, ['User']);
const workflows = new FakeSource('workflow', TEST_INTERNAL_SECRET, ['WorkflowDefinition', 'WorkflowRun', 'HumanTask']);
const log = capturingLogger();
/** Every statement the search subgraph sends its database. */
const statements: string[] = [];

const SEARCH = 'query S($org: ID!, $q: String!) { search(organizationId: $org, query: $q, first: 50) { totalCount nodes { __typename ... on User { id } ... on WorkflowDefinition { id } ... on File { id } } } }';
const found = async (q: string) => {
  const response = await call<{ search: { totalCount: number; nodes: { __typename: string; id: string }[] } }>(SEARCH, { org, q }, viewer);
  expect(response.errors).toBeUndefined();
  return response.data!.search.nodes.map((n) => `${n.__typename}:${n.id}`).sort();
};
/** Passes until `check` holds: the indexer's own passes, never a timer. */
const afterPasses = async (check: () => Promise<boolean>, passes = 40) => {
  for (let i = 0; i < passes; i++) {
    await server.services.indexer!.nextPass();
    if (await check()) return;
  }
  throw new Error('the index did not catch up');
};

beforeAll(async () => {
  testDb = await createTestDatabase();
  await users.start();
  await workflows.start();
  // Before the first start: the rebuild from documents pages (two per page) brings them in.
  users.put(doc('User', 'u1', 'Ada Lovelace'));
  users.put(doc('User', 'u2', 'Grace Hopper'));
  users.put(doc('User', 'u3', 'Alan Turing'));
  workflows.put(doc('WorkflowDefinition', 'w1', 'Invoice approval'));
  server = await startSearchSubgraph({
    database: { url: testDb.url, dataDir: testDb.dataDir, onQuery: (q) => statements.push(q) },
    internalTokenSecret: TEST_INTERNAL_SECRET,
    log,
    pollIntervalMs: 20,
    sources: { user: users.url, workflow: workflows.url },
  });
  call = subgraphClient(server.url, SUBGRAPH_NAME, TEST_INTERNAL_SECRET);
});

afterAll(async () => {
  await server?.close();
  await users.stop();
  await workflows.stop();
  await testDb?.drop();
});

describe('indexer (sources: a protocol server in the test, over real HTTP)', () => {
  it('on a first start with no cursors, rebuilds from every source’s documents pages', async () => {
    await afterPasses(async () => (await found('a')).length > 0);
    expect(await found('ada')).toEqual(['User:u1']);
    expect(await found('hopper')).toEqual(['User:u2']);
    expect(await found('invoice')).toEqual(['WorkflowDefinition:w1']);
    expect(users.calls.documents).toBe(2);
    expect(users.calls.refused).toBe(0);
  });

  it('follows changes after the stored cursors: upserts, replacements and deletes', async () => {
    users.put(doc('User', 'u4', 'Katherine Johnson'));
    workflows.put(doc('WorkflowDefinition', 'w1', 'Expense approval'));
    users.delete({ type: 'User', id: 'u3', organizationId: org });
    await afterPasses(async () => (await found('katherine')).length === 1 && (await found('turing')).length === 0);
    expect(await found('expense')).toEqual(['WorkflowDefinition:w1']);
    expect(await found('invoice')).toEqual([]);
    // Nothing was rebuilt again: the changes came from the log.
    expect(users.calls.documents).toBe(2);
  });

  it('an idle pass asks each source one request of constant size (the heads since its token) and reads no stored cursor', async () => {
    for (let i = 0; i < 3; i++) await server.services.indexer!.nextPass();
    users.requests = [];
    statements.length = 0;
    for (let i = 0; i < 5; i++) await server.services.indexer!.nextPass();
    expect(users.requests.length).toBeGreaterThanOrEqual(5);
    // The same body every time, naming no stream: its size does not grow with the streams.
    expect([...new Set(users.requests.map((r) => `${r.path} ${r.body}`))]).toEqual([`${SEARCH_HEADS_PATH} ${JSON.stringify({ since: 'v2:5' })}`]);
    expect(statements.filter((q) => q.includes('cursors'))).toEqual([]);
    // A change: the heads, then the changes of the stream that moved (named alone), one cursor written; idle again after.
    users.put(doc('User', 'u9', 'Mary Jackson'));
    await afterPasses(async () => (await found('jackson')).length === 1);
    const named = users.requests.filter((r) => r.path === SEARCH_NAMED_CHANGES_PATH);
    expect(named.map((r) => JSON.parse(r.body) as unknown)).toEqual([{ cursors: { [users.stream]: 5 }, limit: 500 }]);
    expect(users.requests.some((r) => r.path === SEARCH_CHANGES_PATH)).toBe(false);
    expect(statements.filter((q) => /^select/i.test(q) && q.includes('"cursors"'))).toEqual([]);
  });

  it('rolling deploy: a source of version 1 (its heads route 404) is asked with version 1 and followed; a version 1 indexer is served by a version 2 source (the contract suite asks its version 1 routes)', async () => {
    workflows.version = 1;
    workflows.requests = [];
    workflows.put(doc('WorkflowDefinition', 'w3', 'Procurement policy'));
    await afterPasses(async () => (await found('procurement')).length === 1);
    expect(workflows.requests.length).toBeGreaterThan(0);
    expect(workflows.requests.every((r) => r.path === SEARCH_CHANGES_PATH)).toBe(true);
    expect(log.lines.some((l) => l.includes('answers version 1 only') && l.includes('"source":"workflow"'))).toBe(true);
    expect(log.lines.some((l) => l.includes('source failed') && l.includes('"source":"workflow"'))).toBe(false);
    workflows.version = 2;
    workflows.delete({ type: 'WorkflowDefinition', id: 'w3', organizationId: org });
    await afterPasses(async () => (await found('procurement')).length === 0);
  });

  it('loops while the source says more', async () => {
    for (let i = 0; i < 1200; i++) users.put(doc('User', `bulk${i}`, `Bulk person ${i}`));
    await afterPasses(async () => (await call<{ search: { totalCount: number } }>('query($org: ID!) { search(organizationId: $org, query: "bulk") { totalCount } }', { org }, viewer)).data?.search.totalCount === 1200);
  });

  it('a source whose log no longer covers the cursor answers a resync: its scope keeps only current documents', async () => {
    users.deleteSilently({ type: 'User', id: 'u1', organizationId: org });
    users.putSilently(doc('User', 'u2', 'Grace Brewster Hopper'));
    users.trim();
    users.put(doc('User', 'u5', 'Edsger Dijkstra'));
    users.trim();
    await afterPasses(async () => (await found('ada')).length === 0);
    expect(await found('brewster')).toEqual(['User:u2']);
    expect(await found('dijkstra')).toEqual(['User:u5']);
    // The other source's documents are not in the scope.
    expect(await found('expense')).toEqual(['WorkflowDefinition:w1']);
  });

  it('a source that is down is retried with backoff; the others go on; nothing crashes', async () => {
    users.down = true;
    users.put(doc('User', 'u6', 'Barbara Liskov'));
    workflows.put(doc('WorkflowDefinition', 'w2', 'Onboarding'));
    await afterPasses(async () => (await found('onboarding')).length === 1);
    expect(await found('liskov')).toEqual([]);
    expect(log.lines.some((l) => l.includes('source failed; backing off') && l.includes('"source":"user"'))).toBe(true);
    users.down = false;
    await afterPasses(async () => (await found('liskov')).length === 1, 400);
    expect(log.lines.some((l) => l.includes('source answers again'))).toBe(true);
  });

  it('only one replica indexes: another stands by until the holder stops, then takes over', async () => {
    const standby = startIndexer({
      db: server.services.db,
      index: server.services.index,
      sources: [{ name: 'user', url: users.url }],
      internalTokenSecret: TEST_INTERNAL_SECRET,
      log,
      pollIntervalMs: 20,
    });
    try {
      await standby.nextPass();
      expect(server.services.indexer!.active).toBe(true);
      expect(standby.active).toBe(false);
      await server.services.indexer!.stop();
      users.put(doc('User', 'u7', 'Frances Allen'));
      for (let i = 0; i < 400 && !standby.active; i++) await standby.nextPass();
      expect(standby.active).toBe(true);
      for (let i = 0; i < 400 && (await found('frances')).length === 0; i++) await standby.nextPass();
      expect(await found('frances')).toEqual(['User:u7']);
    } finally {
      await standby.stop();
    }
  });

  it('reindex (npm run reindex) clears the index and rebuilds it from the documents pages, storing the first pages’ heads', async () => {
    users.putSilently(doc('User', 'u8', 'Hedy Lamarr'));
    workflows.deleteSilently({ type: 'WorkflowDefinition', id: 'w2', organizationId: org });
    expect(await found('hedy')).toEqual([]);
    const before = users.calls.documents;
    const counts = await reindex({
      db: server.services.db,
      index: server.services.index,
      sources: [
        { name: 'user', url: users.url },
        { name: 'workflow', url: workflows.url },
      ],
      internalTokenSecret: TEST_INTERNAL_SECRET,
      log,
    });
    expect(counts.workflow).toBe(1);
    expect(users.calls.documents).toBeGreaterThan(before);
    expect(await found('hedy')).toEqual(['User:u8']);
    expect(await found('onboarding')).toEqual([]);
    expect(await found('expense')).toEqual(['WorkflowDefinition:w1']);
    expect(await storedCursors(server.services.db, 'user')).toEqual({ [users.stream]: expect.any(Number) });
  });

  it('a replica whose lease was taken (a reindex) reads the stored cursors again instead of the ones it kept', async () => {
    const replica = startIndexer({ db: server.services.db, index: server.services.index, sources: [{ name: 'user', url: users.url }], internalTokenSecret: TEST_INTERNAL_SECRET, log, pollIntervalMs: 20 });
    const cursorReads = () => statements.filter((q) => /^select/i.test(q) && q.includes('"cursors"')).length;
    try {
      for (let i = 0; i < 400 && !replica.active; i++) await replica.nextPass();
      await replica.nextPass();
      statements.length = 0;
      await replica.nextPass();
      expect(cursorReads()).toBe(0);
      await reindex({ db: server.services.db, index: server.services.index, sources: [{ name: 'user', url: users.url }], internalTokenSecret: TEST_INTERNAL_SECRET, log });
      users.put(doc('User', 'u10', 'Dorothy Vaughan'));
      for (let i = 0; i < 400 && (await found('vaughan')).length === 0; i++) await replica.nextPass();
      expect(await found('vaughan')).toEqual(['User:u10']);
      expect(cursorReads()).toBeGreaterThan(0);
    } finally {
      await replica.stop();
    }
  });
});
