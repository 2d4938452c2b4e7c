import { randomUUID } from 'node:crypto';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { buildSecuredSubgraphSchema, fieldsWithoutRules, type Role, type Viewer } from '@organoise/core';
import { codesOf, createTestDatabase, subgraphClient, subgraphSocket, TEST_INTERNAL_SECRET, testLog, waitFor, watchSubscription, type TestDatabase } from '@organoise/core/testing';
import { graphql } from 'graphql';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { permissions, resolvers, startAnalyticsSubgraph, SUBGRAPH_NAME, typeDefs, type AnalyticsSubgraph } from '../src/index.js';

// The cross-tenant matrix (docs/decisions/0005-graphql-shield.md) for this subgraph's entity
// types (Organization with its AnalyticsEvents and activity, WorkflowDefinition with its stats):
// this subgraph has no root query; its read path is `_entities`, as the gateway sends it.

let db: TestDatabase;
let server: AnalyticsSubgraph;
let call: ReturnType<typeof subgraphClient>;
const sockets: Client[] = [];
const orgA = randomUUID();
const orgB = randomUUID();
const person = (memberships: Record<string, Role>): Viewer => ({ userId: randomUUID(), sessionId: randomUUID(), memberships });
const adminA = person({ [orgA]: 'ADMIN' });
const ownerB = person({ [orgB]: 'OWNER' });
const defA = randomUUID();
const defB = randomUUID();

const INGEST = `mutation ($input: IngestEventsInput!) { ingestEvents(input: $input) { accepted duplicates } }`;
const ENTITIES = `query ($reps: [_Any!]!) { _entities(representations: $reps) {
  __typename
  ... on Organization { id events { totalCount nodes { id type properties organization { id } } } activity { eventCount } }
  ... on WorkflowDefinition { id stats { runsStarted } }
} }`;
const ingest = (viewer: Viewer | null, organizationId: string, events: Record<string, unknown>[]) => call(INGEST, { input: { organizationId, events } }, viewer);
const eventCountOfB = async () => (await call(ENTITIES, { reps: [{ __typename: 'Organization', id: orgB }] }, ownerB)).data!._entities[0].events.totalCount as number;

beforeAll(async () => {
  db = await createTestDatabase();
  server = await startAnalyticsSubgraph({ database: { url: db.url, dataDir: db.dataDir }, internalTokenSecret: TEST_INTERNAL_SECRET, log: testLog });
  call = subgraphClient(server.url, SUBGRAPH_NAME, TEST_INTERNAL_SECRET);
  expect((await ingest(ownerB, orgB, [{ id: 'b1', type: 'workflow.run.started', subjectId: defB, properties: { note: 'B-secret' } }])).errors).toBeUndefined();
  expect((await ingest(adminA, orgA, [{ id: 'a1', type: 'workflow.run.started', subjectId: defA }])).errors).toBeUndefined();
});
afterAll(async () => {
  await Promise.all(sockets.map((s) => s.dispose()));
  await server?.close();
  await db?.drop();
});

describe('permissions', () => {
  it('give every root field and every object type of the schema an explicit rule', () => {
    const schema = buildSubgraphSchema([{ typeDefs, resolvers: resolvers as never }]);
    expect(fieldsWithoutRules(schema, permissions)).toEqual([]);
  });

  it("refuse another organization on the `_entities` path by the Organization type's own rule, even were the data layer to hand it out", async () => {
    const leaky = { ...resolvers, Organization: { ...resolvers.Organization, __resolveReference: (ref: { id: string }) => ({ id: ref.id }) } };
    const schema = buildSecuredSubgraphSchema({ typeDefs, resolvers: leaky, permissions });
    const result = await graphql({
      schema,
      source: `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Organization { id } } }`,
      variableValues: { reps: [{ __typename: 'Organization', id: orgB }] },
      contextValue: { viewer: adminA },
    });
    expect(result.errors?.map((e) => e.extensions.code)).toEqual(['NOT_FOUND']);
    expect(result.data?._entities).toEqual([null]);
  });
});

describe('a member of another organization', () => {
  it('gets null for their Organization (its events, activity) through _entities', async () => {
    const response = await call(ENTITIES, { reps: [{ __typename: 'Organization', id: orgB }] }, adminA);
    expect(response.errors).toBeUndefined();
    expect(response.data!._entities).toEqual([null]);
  });

  it('sees none of their events in the stats of their WorkflowDefinition through _entities', async () => {
    const response = await call(ENTITIES, { reps: [{ __typename: 'WorkflowDefinition', id: defB }] }, adminA);
    expect(response.errors).toBeUndefined();
    expect(response.data!._entities).toEqual([{ __typename: 'WorkflowDefinition', id: defB, stats: { runsStarted: 0 } }]);
  });

  it('cannot ingest events into their organization (NOT_FOUND) and nothing is stored', async () => {
    const before = await eventCountOfB();
    const response = await ingest(adminA, orgB, [{ id: 'planted', type: 'page.viewed' }]);
    expect(codesOf(response)).toEqual(['NOT_FOUND']);
    expect(await eventCountOfB()).toBe(before);
  });

  it('cannot subscribe to their liveMetrics (NOT_FOUND) and receives none of their updates', async () => {
    const socket = subgraphSocket(server.url, SUBGRAPH_NAME, adminA);
    sockets.push(socket);
    const w = watchSubscription(socket, `subscription ($id: ID!) { liveMetrics(organizationId: $id) { total counts { type count } } }`, { id: orgB });
    await waitFor(() => w.ended.complete === true || w.ended.error !== undefined || w.results.length > 0, 'the refusal');
    expect(w.results.flatMap((r) => (r.errors ?? []).map((e) => e.extensions?.code))).toEqual(['NOT_FOUND']);
    await ingest(ownerB, orgB, [{ id: randomUUID(), type: 'page.viewed' }]);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(w.events()).toEqual([]);
  });
});

describe('a member of the organization', () => {
  it('still resolves every entity type through _entities: __resolveReference runs under the shield', async () => {
    const reps = [{ __typename: 'Organization', id: orgA }, { __typename: 'WorkflowDefinition', id: defA, organization: { id: orgA } }];
    const response = await call(ENTITIES, { reps }, adminA);
    expect(response.errors).toBeUndefined();
    expect(response.data!._entities).toEqual([
      { __typename: 'Organization', id: orgA, events: { totalCount: 1, nodes: [{ id: 'a1', type: 'workflow.run.started', properties: {}, organization: { id: orgA } }] }, activity: { eventCount: expect.any(Number) } },
      { __typename: 'WorkflowDefinition', id: defA, stats: { runsStarted: 1 } },
    ]);
  });

  it('without a viewer gets UNAUTHENTICATED from ingestEvents and null for the organization', async () => {
    expect(codesOf(await ingest(null, orgA, [{ id: 'anon', type: 'page.viewed' }]))).toEqual(['UNAUTHENTICATED']);
    expect((await call(ENTITIES, { reps: [{ __typename: 'Organization', id: orgA }] }, null)).data!._entities).toEqual([null]);
  });
});
