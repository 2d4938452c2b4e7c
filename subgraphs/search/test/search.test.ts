import { randomUUID } from 'node:crypto';
import type { Viewer } from '@organoise/core';
import { codesOf, createTestDatabase, subgraphClient, TEST_INTERNAL_SECRET, testLog, testSearchDocument, type TestDatabase } from '@organoise/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSearchSubgraph, SUBGRAPH_NAME, type SearchSubgraph } from '../src/index.js';

// The `search` field on the search subgraph alone (no sources: documents are upserted into its index directly).
const orgA = randomUUID();
const orgB = randomUUID();
const viewerIn = (memberships: Record<string, 'OWNER' | 'ADMIN' | 'MEMBER' | 'VIEWER'>, extra: Partial<Viewer> = {}): Viewer => ({ userId: randomUUID(), sessionId: randomUUID(), memberships, ...extra });
const ownerA = viewerIn({ [orgA]: 'OWNER' });
const viewerA = viewerIn({ [orgA]: 'VIEWER' });
const memberB = viewerIn({ [orgB]: 'MEMBER' });

let testDb: TestDatabase;
let server: SearchSubgraph;
let call: ReturnType<typeof subgraphClient>;

const doc = testSearchDocument;

const SEARCH = /* GraphQL */ `
  query S($org: ID!, $q: String!, $types: [SearchType!], $first: Int, $after: String) {
    search(organizationId: $org, query: $q, types: $types, first: $first, after: $after) {
      totalCount
      facets { type count }
      pageInfo { hasNextPage endCursor }
      edges {
        cursor
        score
        highlights { field text matches { start length } }
        node { __typename ... on User { id } ... on WorkflowDefinition { id } ... on WorkflowRun { id } ... on HumanTask { id } ... on File { id } }
      }
      nodes { __typename }
    }
  }
`;

beforeAll(async () => {
  testDb = await createTestDatabase();
  server = await startSearchSubgraph({ database: { url: testDb.url, dataDir: testDb.dataDir }, internalTokenSecret: TEST_INTERNAL_SECRET, log: testLog });
  call = subgraphClient(server.url, SUBGRAPH_NAME, TEST_INTERNAL_SECRET);
  await server.services.index.upsert([
    doc(orgA, 'WorkflowDefinition', 'def1', 'Invoice approval', { body: 'Every invoice above the limit' }),
    doc(orgA, 'WorkflowRun', 'run1', 'Invoice approval #12'),
    doc(orgA, 'HumanTask', 'task1', 'Review the invoice', { minRole: 'ADMIN' }),
    doc(orgA, 'File', 'file1', 'invoice-march.pdf'),
    doc(orgA, 'User', 'user1', 'Ivo Andric'),
    doc(orgB, 'File', 'fileB', 'Invoice of the other tenant'),
  ]);
});

afterAll(async () => {
  await server?.close();
  await testDb?.drop();
});

describe('Query.search', () => {
  it('finds the organization’s entities as stubs of their own types, with scores, highlights, facets and a total', async () => {
    const res = await call(SEARCH, { org: orgA, q: 'invoice' }, ownerA);
    expect(res.errors).toBeUndefined();
    const s = res.data!.search;
    expect(s.totalCount).toBe(4);
    expect(s.edges.map((e: { node: { __typename: string; id: string } }) => `${e.node.__typename}:${e.node.id}`).sort()).toEqual(['File:file1', 'HumanTask:task1', 'WorkflowDefinition:def1', 'WorkflowRun:run1']);
    expect(s.facets).toEqual(expect.arrayContaining([{ type: 'WORKFLOW_DEFINITION', count: 1 }, { type: 'FILE', count: 1 }, { type: 'HUMAN_TASK', count: 1 }, { type: 'WORKFLOW_RUN', count: 1 }]));
    const def = s.edges.find((e: { node: { id: string } }) => e.node.id === 'def1');
    const title = def.highlights.find((h: { field: string }) => h.field === 'TITLE');
    expect(title.text.slice(title.matches[0].start, title.matches[0].start + title.matches[0].length)).toBe('Invoice');
    expect(def.highlights.some((h: { field: string }) => h.field === 'BODY')).toBe(true);
    expect(def.score).toBeGreaterThan(0);
  });

  it('filters by type (facets still count every type) and pages with the cursor', async () => {
    const files = await call(SEARCH, { org: orgA, q: 'invoice', types: ['FILE', 'WORKFLOW_RUN'], first: 1 }, ownerA);
    expect(files.errors).toBeUndefined();
    expect(files.data!.search.totalCount).toBe(2);
    expect(files.data!.search.facets).toHaveLength(4);
    expect(files.data!.search.pageInfo.hasNextPage).toBe(true);
    const next = await call(SEARCH, { org: orgA, q: 'invoice', types: ['FILE', 'WORKFLOW_RUN'], first: 1, after: files.data!.search.pageInfo.endCursor }, ownerA);
    expect(next.data!.search.pageInfo.hasNextPage).toBe(false);
    expect(next.data!.search.edges[0].node.id).not.toBe(files.data!.search.edges[0].node.id);
  });

  it('shows only what the viewer’s role may open, and only their organization', async () => {
    const asViewer = await call(SEARCH, { org: orgA, q: 'invoice' }, viewerA);
    expect(asViewer.data!.search.totalCount).toBe(3);
    expect(asViewer.data!.search.edges.some((e: { node: { id: string } }) => e.node.id === 'task1')).toBe(false);
    const asB = await call(SEARCH, { org: orgB, q: 'invoice' }, memberB);
    expect(asB.data!.search.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual(['fileB']);
  });

  it('refuses with stable codes: non-members NOT_FOUND, no viewer UNAUTHENTICATED, an allow-listed-out organization IP_NOT_ALLOWED', async () => {
    expect(codesOf(await call(SEARCH, { org: orgA, q: 'invoice' }, memberB))).toEqual(['NOT_FOUND']);
    expect(codesOf(await call(SEARCH, { org: randomUUID(), q: 'invoice' }, ownerA))).toEqual(['NOT_FOUND']);
    expect(codesOf(await call(SEARCH, { org: orgA, q: 'invoice' }, null))).toEqual(['UNAUTHENTICATED']);
    const denied = viewerIn({}, { deniedOrgs: [orgA] });
    expect(codesOf(await call(SEARCH, { org: orgA, q: 'invoice' }, denied))).toEqual(['IP_NOT_ALLOWED']);
  });

  it('refuses bad input with BAD_USER_INPUT: a malformed organization id, a query over 256 characters, first out of bounds, a foreign cursor', async () => {
    expect(codesOf(await call(SEARCH, { org: 'not-an-id', q: 'x' }, ownerA))).toEqual(['BAD_USER_INPUT']);
    const long = await call(SEARCH, { org: orgA, q: 'a'.repeat(257) }, ownerA);
    expect(codesOf(long)).toEqual(['BAD_USER_INPUT']);
    expect(long.errors![0]!.extensions!.issues[0].path).toBe('query');
    expect(codesOf(await call(SEARCH, { org: orgA, q: 'x', first: 101 }, ownerA))).toEqual(['BAD_USER_INPUT']);
    expect(codesOf(await call(SEARCH, { org: orgA, q: 'x', first: -1 }, ownerA))).toEqual(['BAD_USER_INPUT']);
    expect(codesOf(await call(SEARCH, { org: orgA, q: 'invoice', after: 'nope' }, ownerA))).toEqual(['BAD_USER_INPUT']);
    expect(codesOf(await call(SEARCH, { org: orgA, q: 'invoice', after: '' }, ownerA))).toEqual(['BAD_USER_INPUT']);
    const other = await call(SEARCH, { org: orgA, q: 'invoice', first: 1 }, ownerA);
    expect(codesOf(await call(SEARCH, { org: orgA, q: 'approval', after: other.data!.search.pageInfo.endCursor }, ownerA))).toEqual(['BAD_USER_INPUT']);
  });

  it('answers any typed text: punctuation and tsquery syntax are only separators; no word finds nothing', async () => {
    for (const q of ['', '  ', "&|!():*'\\", 'invoice & (', 'a'.repeat(256), '<script>']) {
      const res = await call(SEARCH, { org: orgA, q }, ownerA);
      expect(res.errors, q).toBeUndefined();
    }
    expect((await call(SEARCH, { org: orgA, q: '!!' }, ownerA)).data!.search).toMatchObject({ totalCount: 0, edges: [], facets: [] });
    expect((await call(SEARCH, { org: orgA, q: 'invoice & (' }, ownerA)).data!.search.totalCount).toBe(4);
    // A name despite a typo.
    expect((await call(SEARCH, { org: orgA, q: 'invioce', types: ['WORKFLOW_DEFINITION'] }, ownerA)).data!.search.totalCount).toBe(1);
  });
});
