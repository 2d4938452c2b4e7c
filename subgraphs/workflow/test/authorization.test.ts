import { randomUUID } from 'node:crypto';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { buildSecuredSubgraphSchema, fieldsWithoutRules, type Viewer } from '@organoise/core';
import { codesOf, subgraphSocket, waitFor, watchSubscription } from '@organoise/core/testing';
import { graphql, parse, subscribe } from 'graphql';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { permissions, resolvers, SUBGRAPH_NAME, typeDefs } from '../src/index.js';
import { approvalGraph, createDefinition, ok, snapshot, startHarness, startRun, viewerWith, type Harness } from './helpers.js';

// The cross-tenant matrix (docs/decisions/0005-graphql-shield.md): for every entity type of this
// subgraph, a member of organization A gets nothing of organization B's, by root query, through
// `_entities` as the gateway would send it, by mutation, and by subscription.

let h: Harness;
const orgA = randomUUID();
const orgB = randomUUID();
const adminA = viewerWith({ [orgA]: 'ADMIN' });
const ownerB = viewerWith({ [orgB]: 'OWNER' });
const b = { definitionId: '', runId: '', taskId: '' };
const a = { definitionId: '', runId: '', taskId: '' };
const sockets: Client[] = [];

beforeAll(async () => {
  h = await startHarness();
  b.definitionId = (await createDefinition(h.call, ownerB, { organizationId: orgB, key: 'payroll', name: 'Payroll B', ...approvalGraph() })).id;
  const runB = await startRun(h.call, ownerB, b.definitionId, { salary: 'B-secret' });
  b.runId = runB.id;
  b.taskId = runB.openTask!.id;
  a.definitionId = (await createDefinition(h.call, adminA, { organizationId: orgA, key: 'payroll', name: 'Payroll A', ...approvalGraph() })).id;
  const runA = await startRun(h.call, adminA, a.definitionId);
  a.runId = runA.id;
  a.taskId = runA.openTask!.id;
});
afterAll(async () => {
  await Promise.all(sockets.map((s) => s.dispose()));
  await h?.close();
});

const ENTITIES = `query ($reps: [_Any!]!) { _entities(representations: $reps) {
  __typename
  ... on WorkflowDefinition { id name organization { id } }
  ... on WorkflowRun { id data state }
  ... on HumanTask { id title }
  ... on Organization { id workflows { totalCount } workflowRuns { totalCount } }
} }`;

/** Entity type -> its root query, and the ids of B's and A's instance. */
const ENTITY_TYPES: [string, string, () => string, () => string][] = [
  ['WorkflowDefinition', `query ($id: ID!) { workflowDefinition(id: $id) { id name } }`, () => b.definitionId, () => a.definitionId],
  ['WorkflowRun', `query ($id: ID!) { workflowRun(id: $id) { id data } }`, () => b.runId, () => a.runId],
  ['HumanTask', `query ($id: ID!) { humanTask(id: $id) { id title } }`, () => b.taskId, () => a.taskId],
  // The user subgraph owns organizations; here the read path is `_entities` only (no root query).
  ['Organization', '', () => orgB, () => orgA],
];

describe('permissions', () => {
  it('give every root field and every object type of the schema an explicit rule', () => {
    const schema = buildSubgraphSchema([{ typeDefs, resolvers: resolvers as never }]);
    expect(fieldsWithoutRules(schema, permissions)).toEqual([]);
  });

  it('deny a field left out of them: UNAUTHENTICATED when signed out, FORBIDDEN when signed in, and its resolver never runs', async () => {
    let calls = 0;
    const { workflowRun: _left, ...query } = (permissions as Record<string, Record<string, unknown>>).Query!;
    const spied = { ...resolvers, Query: { ...resolvers.Query, workflowRun: () => void calls++ } };
    const schema = buildSecuredSubgraphSchema({ typeDefs, resolvers: spied, permissions: { ...permissions, Query: query } as never });
    const run = (viewer: Viewer | null) => graphql({ schema, source: `{ workflowRun(id: "${a.runId}") { id } }`, contextValue: { viewer } });
    expect((await run(null)).errors?.map((e) => e.extensions.code)).toEqual(['UNAUTHENTICATED']);
    expect((await run(adminA)).errors?.map((e) => e.extensions.code)).toEqual(['FORBIDDEN']);
    expect(calls).toBe(0);
  });

  // The next two take the data layer's guard away (a resolver that would leak, executed in
  // process) to show that the shield alone still refuses.
  it("refuse another organization's row on the `_entities` path by the entity type's own rule", async () => {
    const leaky = { ...resolvers, WorkflowRun: { ...resolvers.WorkflowRun, __resolveReference: () => ({ id: b.runId, organizationId: orgB, state: 'draft', data: { salary: 'B-secret' } }) } };
    const schema = buildSecuredSubgraphSchema({ typeDefs, resolvers: leaky, permissions });
    const result = await graphql({
      schema,
      source: `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on WorkflowRun { id state data } } }`,
      variableValues: { reps: [{ __typename: 'WorkflowRun', id: b.runId }] },
      contextValue: { viewer: adminA },
    });
    expect(new Set(result.errors?.map((e) => e.extensions.code))).toEqual(new Set(['NOT_FOUND']));
    expect(result.data?._entities).toEqual([null]);
    expect(JSON.stringify(result)).not.toContain('B-secret');
  });

  it('evaluate a subscription field\'s rule before its `subscribe` runs (which graphql-shield alone does not)', async () => {
    let subscribed = 0;
    const subscription = resolvers.Subscription as Record<string, { resolve: unknown }>;
    const spied = { ...resolvers, Subscription: { ...subscription, workflowRunsChanged: { ...subscription.workflowRunsChanged, subscribe: () => void subscribed++ } } };
    const schema = buildSecuredSubgraphSchema({ typeDefs, resolvers: spied, permissions });
    const document = parse(`subscription ($id: ID!) { workflowRunsChanged(organizationId: $id) { type } }`);
    for (const [viewer, code] of [[adminA, 'NOT_FOUND'], [null, 'UNAUTHENTICATED']] as const) {
      const result = await subscribe({ schema, document, variableValues: { id: orgB }, contextValue: { viewer } });
      expect('errors' in result ? result.errors?.map((e) => e.extensions.code) : 'a stream').toEqual([code]);
    }
    expect(subscribed).toBe(0);
  });
});

describe('a member of another organization', () => {
  it.each(ENTITY_TYPES.filter(([, query]) => query))('cannot read a %s by its root query (NOT_FOUND, no data)', async (_type, query, idOfB) => {
    const response = await h.call(query, { id: idOfB() }, adminA);
    expect(codesOf(response)).toEqual(['NOT_FOUND']);
    expect(JSON.stringify(response.data)).not.toMatch(/B-secret|Payroll B/);
  });

  it.each(ENTITY_TYPES)('gets null for a %s of theirs through _entities, with the internal token the gateway signs', async (typename, _query, idOfB) => {
    const response = await h.call(ENTITIES, { reps: [{ __typename: typename, id: idOfB() }] }, adminA);
    expect(response.errors).toBeUndefined();
    expect(response.data!._entities).toEqual([null]);
  });

  it.each([
    ['updateWorkflowDefinition', `mutation ($input: UpdateWorkflowDefinitionInput!) { updateWorkflowDefinition(input: $input) { id } }`, () => ({ input: { id: b.definitionId, name: 'Pwned' } })],
    ['startWorkflowRun', `mutation ($input: StartWorkflowRunInput!) { startWorkflowRun(input: $input) { id } }`, () => ({ input: { definitionId: b.definitionId } })],
    ['transitionWorkflowRun', `mutation ($input: TransitionWorkflowRunInput!) { transitionWorkflowRun(input: $input) { id } }`, () => ({ input: { runId: b.runId, transition: 'submit' } })],
    ['cancelWorkflowRun', `mutation ($input: CancelWorkflowRunInput!) { cancelWorkflowRun(input: $input) { id } }`, () => ({ input: { runId: b.runId } })],
    ['completeTask', `mutation ($input: CompleteTaskInput!) { completeTask(input: $input) { id } }`, () => ({ input: { taskId: b.taskId, transition: 'submit' } })],
    [
      'createWorkflowDefinition',
      `mutation ($input: CreateWorkflowDefinitionInput!) { createWorkflowDefinition(input: $input) { id } }`,
      () => ({ input: { organizationId: orgB, key: 'planted', name: 'Planted', ...approvalGraph() } }),
    ],
  ])('cannot change theirs with %s (NOT_FOUND) and nothing changes', async (_name, mutation, variables) => {
    const before = await snapshot(h.call, ownerB, b.runId);
    const definitionsBefore = ok(await h.call(ENTITIES, { reps: [{ __typename: 'Organization', id: orgB }] }, ownerB));
    const response = await h.call(mutation, variables(), adminA);
    expect(codesOf(response)).toEqual(['NOT_FOUND']);
    expect(await snapshot(h.call, ownerB, b.runId)).toEqual(before);
    expect(ok(await h.call(ENTITIES, { reps: [{ __typename: 'Organization', id: orgB }] }, ownerB))).toEqual(definitionsBefore);
    const definition = ok(await h.call(`query ($id: ID!) { workflowDefinition(id: $id) { name } }`, { id: b.definitionId }, ownerB));
    expect(definition.workflowDefinition.name).toBe('Payroll B');
  });

  it.each([
    ['workflowRunUpdated', `subscription ($id: ID!) { workflowRunUpdated(runId: $id) { type run { id data } } }`, () => ({ id: b.runId })],
    ['workflowRunsChanged', `subscription ($id: ID!) { workflowRunsChanged(organizationId: $id) { type run { id data } } }`, () => ({ id: orgB })],
    ['myTasksChanged', `subscription ($id: ID!) { myTasksChanged(organizationId: $id) { type task { id title } } }`, () => ({ id: orgB })],
  ])('cannot subscribe to %s of theirs (NOT_FOUND) and receives none of their events', async (_name, subscription, variables) => {
    const socket = subgraphSocket(h.server.url, SUBGRAPH_NAME, adminA);
    sockets.push(socket);
    const w = watchSubscription(socket, subscription, variables());
    await waitFor(() => w.ended.complete === true || w.ended.error !== undefined || w.results.length > 0, 'the refusal');
    expect(w.results.flatMap((r) => (r.errors ?? []).map((e) => e.extensions?.code))).toEqual(['NOT_FOUND']);
    // Something happens in B meanwhile: nothing of it reaches A.
    await startRun(h.call, ownerB, b.definitionId, { salary: 'B-secret' });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(w.events()).toEqual([]);
  });

  it('is refused by every entity type rule on the `_entities` path, even with a token naming the organization but no role in the data', async () => {
    // A forged representation shape does not help: rows come from viewer-scoped loaders and each field passes its type's rule.
    const reps = ENTITY_TYPES.map(([typename, , idOfB]) => ({ __typename: typename, id: idOfB(), organizationId: orgA, organization: { id: orgA } }));
    const response = await h.call(ENTITIES, { reps }, adminA);
    expect(response.errors).toBeUndefined();
    expect(response.data!._entities).toEqual(reps.map(() => null));
  });
});

describe('a member of the organization', () => {
  it('still resolves every entity type through _entities: __resolveReference runs under the shield', async () => {
    const reps = ENTITY_TYPES.map(([typename, , , idOfA]) => ({ __typename: typename, id: idOfA() }));
    const entities = ok(await h.call(ENTITIES, { reps }, adminA))._entities as Record<string, unknown>[];
    expect(entities.map((e) => e?.__typename)).toEqual(ENTITY_TYPES.map(([typename]) => typename));
    expect(entities[0]).toMatchObject({ id: a.definitionId, name: 'Payroll A', organization: { id: orgA } });
    expect(entities[3]).toMatchObject({ id: orgA, workflows: { totalCount: 1 }, workflowRuns: { totalCount: 1 } });
  });

  it('without a viewer gets UNAUTHENTICATED from each root query and mutation, and null entities', async () => {
    for (const [, query, , idOfA] of ENTITY_TYPES.filter(([, q]) => q)) {
      expect(codesOf(await h.call(query, { id: idOfA() }, null))).toEqual(['UNAUTHENTICATED']);
    }
    const start = await h.call(`mutation ($input: StartWorkflowRunInput!) { startWorkflowRun(input: $input) { id } }`, { input: { definitionId: a.definitionId } }, null);
    expect(codesOf(start)).toEqual(['UNAUTHENTICATED']);
    const entities = await h.call(ENTITIES, { reps: ENTITY_TYPES.map(([typename, , , idOfA]) => ({ __typename: typename, id: idOfA() })) }, null);
    expect(entities.data!._entities).toEqual(ENTITY_TYPES.map(() => null));
  });
});
