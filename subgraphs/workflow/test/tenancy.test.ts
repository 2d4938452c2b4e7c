import { randomUUID } from 'node:crypto';
import { signInternalToken, INTERNAL_TOKEN_HEADER } from '@organoise/core';
import { codesOf, postGraphQL, TEST_INTERNAL_SECRET } from '@organoise/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalGraph, createDefinition, ok, snapshot, startHarness, startRun, TRANSITION, viewerWith, type Harness } from './helpers.js';

let h: Harness;
const orgA = randomUUID();
const orgB = randomUUID();
const adminA = viewerWith({ [orgA]: 'ADMIN' });
const memberA = viewerWith({ [orgA]: 'MEMBER' });
// Owner of org B, and ADMIN-level everywhere they belong: still a stranger to org A.
const ownerB = viewerWith({ [orgB]: 'OWNER' });
let definitionId: string;
let runId: string;
let taskId: string;

beforeAll(async () => {
  h = await startHarness();
  definitionId = (await createDefinition(h.call, adminA, { organizationId: orgA, key: 'secret-flow', name: 'Secret', ...approvalGraph() })).id;
  const run = await startRun(h.call, memberA, definitionId, { salary: 100_000 });
  runId = run.id;
  taskId = run.openTask!.id;
  await createDefinition(h.call, ownerB, { organizationId: orgB, key: 'b-flow', name: 'B', ...approvalGraph() });
});
afterAll(async () => {
  await h?.close();
});

describe('a member whose address the organization refuses (IP allow-list)', () => {
  // The gateway withholds the organization from the viewer's roles and names it in deniedOrgs.
  // Every subgraph then answers IP_NOT_ALLOWED: here the authorization rule and the data layer
  // both use core's requireRole (the data layer once had a helper of its own that skipped it).
  const refused = { userId: randomUUID(), sessionId: randomUUID(), memberships: {}, deniedOrgs: [orgA] };
  it('gets IP_NOT_ALLOWED for the organization\'s definition by key, and nothing of it', async () => {
    const response = await h.call(`query ($org: ID!) { workflowDefinitionByKey(organizationId: $org, key: "secret-flow") { id name } }`, { org: orgA }, refused);
    expect(codesOf(response)).toEqual(['IP_NOT_ALLOWED']);
    expect(JSON.stringify(response.data)).not.toContain('Secret');
  });

  // By id, the row is looked up among the viewer's organizations, where a withheld one is not:
  // the rule looks again among the withheld ones only, to name the refusal rightly.
  it.each([
    ['workflowDefinition', `query ($id: ID!) { workflowDefinition(id: $id) { id name } }`, () => ({ id: definitionId })],
    ['workflowRun', `query ($id: ID!) { workflowRun(id: $id) { id data } }`, () => ({ id: runId })],
    ['humanTask', `query ($id: ID!) { humanTask(id: $id) { id title } }`, () => ({ id: taskId })],
    ['transitionWorkflowRun', TRANSITION, () => ({ input: { runId, transition: 'approve' } })],
  ])('gets IP_NOT_ALLOWED from %s by id, and nothing of it', async (_name, query, variables) => {
    const response = await h.call(query, variables(), refused);
    expect(codesOf(response)).toEqual(['IP_NOT_ALLOWED']);
    expect(JSON.stringify(response.data ?? null)).not.toContain('Secret');
    expect(JSON.stringify(response.data ?? null)).not.toContain('100000');
  });

  it("still gets NOT_FOUND for another tenant's row, whatever organizations its own address is refused by", async () => {
    const elsewhere = { userId: randomUUID(), sessionId: randomUUID(), memberships: {}, deniedOrgs: [orgB] };
    for (const [query, variables] of [
      [`query ($id: ID!) { workflowRun(id: $id) { id } }`, { id: runId }],
      [`query ($id: ID!) { workflowDefinition(id: $id) { id } }`, { id: definitionId }],
      [`query ($id: ID!) { humanTask(id: $id) { id } }`, { id: taskId }],
    ] as const) {
      expect(codesOf(await h.call(query, variables, elsewhere))).toEqual(['NOT_FOUND']);
    }
  });
});

describe('another tenant', () => {
  it.each([
    ['workflowDefinition', `query ($id: ID!) { workflowDefinition(id: $id) { id name } }`, () => ({ id: definitionId })],
    ['workflowDefinitionByKey', `query ($org: ID!) { workflowDefinitionByKey(organizationId: $org, key: "secret-flow") { id } }`, () => ({ org: orgA })],
    ['workflowRun', `query ($id: ID!) { workflowRun(id: $id) { id data } }`, () => ({ id: runId })],
    ['humanTask', `query ($id: ID!) { humanTask(id: $id) { id title } }`, () => ({ id: taskId })],
  ])('gets NOT_FOUND from %s', async (_name, query, variables) => {
    const response = await h.call(query, variables(), ownerB);
    expect(codesOf(response)).toEqual(['NOT_FOUND']);
    expect(JSON.stringify(response.data)).not.toContain('Secret');
  });

  it.each([
    ['WorkflowDefinition', () => definitionId, '... on WorkflowDefinition { id name runs { totalCount } }'],
    ['WorkflowRun', () => runId, '... on WorkflowRun { id data organization { id } }'],
    ['HumanTask', () => taskId, '... on HumanTask { id title }'],
    ['Organization', () => orgA, '... on Organization { id workflows { totalCount } workflowRuns { totalCount } }'],
  ])('gets null for a %s through _entities', async (typename, idOf, selection) => {
    const response = await h.call(`query ($reps: [_Any!]!) { _entities(representations: $reps) { ${selection} } }`, {
      reps: [{ __typename: typename, id: idOf() }],
    }, ownerB);
    expect(response.errors).toBeUndefined();
    expect(response.data!._entities).toEqual([null]);
  });

  it('gets null rather than an error for ids that are not uuids, such as "constructor"', async () => {
    const reps = ['WorkflowDefinition', 'WorkflowRun', 'HumanTask', 'Organization'].flatMap((t) => [
      { __typename: t, id: 'constructor' },
      { __typename: t, id: '__proto__' },
    ]);
    const response = await h.call(`query ($reps: [_Any!]!) { _entities(representations: $reps) { __typename } }`, { reps }, ownerB);
    expect(response.errors).toBeUndefined();
    expect(response.data!._entities.every((e: unknown) => e === null)).toBe(true);
  });

  it.each([
    ['transitionWorkflowRun', TRANSITION, () => ({ input: { runId, transition: 'submit' } })],
    ['completeTask', `mutation ($input: CompleteTaskInput!) { completeTask(input: $input) { id } }`, () => ({ input: { taskId, transition: 'submit' } })],
    ['cancelWorkflowRun', `mutation ($input: CancelWorkflowRunInput!) { cancelWorkflowRun(input: $input) { id } }`, () => ({ input: { runId } })],
    ['startWorkflowRun', `mutation ($input: StartWorkflowRunInput!) { startWorkflowRun(input: $input) { id } }`, () => ({ input: { definitionId } })],
    [
      'updateWorkflowDefinition',
      `mutation ($input: UpdateWorkflowDefinitionInput!) { updateWorkflowDefinition(input: $input) { id } }`,
      () => ({ input: { id: definitionId, name: 'Pwned', ...approvalGraph() } }),
    ],
    [
      'createWorkflowDefinition',
      `mutation ($input: CreateWorkflowDefinitionInput!) { createWorkflowDefinition(input: $input) { id } }`,
      () => ({ input: { organizationId: orgA, key: 'planted', name: 'Planted', ...approvalGraph() } }),
    ],
  ])('gets NOT_FOUND from %s and changes nothing', async (_name, mutation, variables) => {
    const before = await snapshot(h.call, adminA, runId);
    const response = await h.call(mutation, variables(), ownerB);
    expect(codesOf(response)).toEqual(['NOT_FOUND']);
    expect(await snapshot(h.call, adminA, runId)).toEqual(before);
    const org = ok(
      await h.call(`query ($org: ID!) { _entities(representations: [{ __typename: "Organization", id: $org }]) { ... on Organization { workflows { totalCount nodes { name version } } workflowRuns { totalCount } } } }`, { org: orgA }, adminA),
    );
    expect(org._entities[0]).toEqual({ workflows: { totalCount: 1, nodes: [{ name: 'Secret', version: 1 }] }, workflowRuns: { totalCount: 1 } });
  });

  it("never sees the organization's tasks in their inbox, even holding the same role elsewhere", async () => {
    const adminB = viewerWith({ [orgB]: 'ADMIN' }, adminA.userId);
    ok(await h.call(TRANSITION, { input: { runId: (await startRun(h.call, memberA, definitionId)).id, transition: 'submit' } }, memberA));
    const inA = ok(await h.call(`{ myTasks { totalCount } }`, {}, adminA)).myTasks.totalCount;
    expect(inA).toBe(1);
    expect(ok(await h.call(`{ myTasks { totalCount } }`, {}, adminB)).myTasks.totalCount).toBe(0);
  });
});

describe('members of the organization', () => {
  it('resolve the organization of a run through _entities, as the file subgraph requires', async () => {
    const response = await h.call(`query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on WorkflowRun { id organization { id } } } }`, {
      reps: [{ __typename: 'WorkflowRun', id: runId }, { __typename: 'WorkflowRun', id: randomUUID() }],
    }, memberA);
    expect(ok(response)._entities).toEqual([{ id: runId, organization: { id: orgA } }, null]);
  });

  it('resolve definitions, tasks and their organization through _entities', async () => {
    const response = await h.call(`query ($reps: [_Any!]!) { _entities(representations: $reps) {
      ... on WorkflowDefinition { key } ... on HumanTask { title run { id } } ... on Organization { workflows { nodes { key } } } } }`, {
      reps: [
        { __typename: 'WorkflowDefinition', id: definitionId },
        { __typename: 'HumanTask', id: taskId },
        { __typename: 'Organization', id: orgA },
      ],
    }, memberA);
    expect(ok(response)._entities).toEqual([
      { key: 'secret-flow' },
      { title: 'Submit the request', run: { id: runId } },
      { workflows: { nodes: [{ key: 'secret-flow' }] } },
    ]);
  });
});

describe('the gateway boundary', () => {
  it('refuses a request without an internal token with HTTP 401 INTERNAL_TOKEN_INVALID', async () => {
    const response = await postGraphQL(h.server.url, `{ myTasks { totalCount } }`);
    expect(response.status).toBe(401);
    expect(codesOf(response)).toEqual(['INTERNAL_TOKEN_INVALID']);
  });

  it('refuses a token addressed to another subgraph with HTTP 401', async () => {
    const token = await signInternalToken(TEST_INTERNAL_SECRET, 'user', adminA);
    const response = await postGraphQL(h.server.url, `{ myTasks { totalCount } }`, {}, { [INTERNAL_TOKEN_HEADER]: token });
    expect(response.status).toBe(401);
    expect(codesOf(response)).toEqual(['INTERNAL_TOKEN_INVALID']);
  });

  it('answers an anonymous caller with UNAUTHENTICATED', async () => {
    expect(codesOf(await h.call(`{ myTasks { totalCount } }`, {}, null))).toEqual(['UNAUTHENTICATED']);
    expect(codesOf(await h.call(TRANSITION, { input: { runId, transition: 'submit' } }, null))).toEqual(['UNAUTHENTICATED']);
    const entities = await h.call(`query ($reps: [_Any!]!) { _entities(representations: $reps) { __typename } }`, { reps: [{ __typename: 'WorkflowRun', id: runId }] }, null);
    expect(entities.data!._entities).toEqual([null]);
  });
});
