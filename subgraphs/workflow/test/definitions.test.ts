import { randomUUID } from 'node:crypto';
import { codesOf } from '@organoise/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalGraph, asRole, CREATE_DEFINITION, createDefinition, ok, startHarness, startRun, viewerWith, type Harness } from './helpers.js';

let h: Harness;
const orgId = randomUUID();
const admin = viewerWith({ [orgId]: 'ADMIN' });
const member = viewerWith({ [orgId]: 'MEMBER' });

const UPDATE = /* GraphQL */ `
  mutation ($input: UpdateWorkflowDefinitionInput!) {
    updateWorkflowDefinition(input: $input) {
      id name description version updatedAt
      latestVersion { version states { name } transitions { name from to allowedRoles } createdBy { id } }
      versions { totalCount nodes { version } }
    }
  }
`;

const DEFINITION = /* GraphQL */ `
  query ($id: ID!) {
    workflowDefinition(id: $id) {
      id name description version
      versions(first: 10) { totalCount nodes { version initialState states { name } } }
    }
  }
`;

const LIST = /* GraphQL */ `
  query ($orgId: ID!, $first: Int, $after: String, $filter: WorkflowDefinitionFilter, $orderBy: WorkflowDefinitionOrder) {
    _entities(representations: [{ __typename: "Organization", id: $orgId }]) {
      ... on Organization {
        workflows(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
          totalCount
          pageInfo { hasNextPage hasPreviousPage endCursor }
          edges { cursor node { key name } }
        }
      }
    }
  }
`;

const definitionInput = (overrides: Record<string, unknown> = {}) => ({
  organizationId: orgId,
  key: `flow-${randomUUID().slice(0, 8)}`,
  name: 'Expense approval',
  description: 'Expenses over 100 EUR',
  ...approvalGraph(),
  ...overrides,
});

async function countDefinitions() {
  const data = ok(await h.call(LIST, { orgId, first: 0 }, admin));
  return data._entities[0].workflows.totalCount as number;
}

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

describe('creating a workflow definition', () => {
  it('stores the graph as version 1 with defaults filled in', async () => {
    const data = ok(await h.call(CREATE_DEFINITION, { input: definitionInput({ key: 'expense-approval' }) }, admin));
    const def = data.createWorkflowDefinition;
    expect(def).toMatchObject({ key: 'expense-approval', name: 'Expense approval', version: 1, organization: { id: orgId } });
    expect(def.latestVersion.version).toBe(1);
    expect(def.latestVersion.initialState).toBe('draft');
    expect(def.latestVersion.states[0]).toEqual({ name: 'draft', final: false, task: { title: 'Submit the request', assigneeRole: null, assignToStarter: true } });
    expect(def.latestVersion.states[2]).toEqual({ name: 'approved', final: true, task: null });
    expect(def.latestVersion.transitions[0]).toEqual({ name: 'submit', from: 'draft', to: 'review', allowedRoles: ['OWNER', 'ADMIN', 'MEMBER'] });
  });

  it('can be found by its key within the organization', async () => {
    const data = ok(
      await h.call(`query ($o: ID!) { workflowDefinitionByKey(organizationId: $o, key: "expense-approval") { key version } }`, { o: orgId }, member),
    );
    expect(data.workflowDefinitionByKey).toEqual({ key: 'expense-approval', version: 1 });
  });

  it('refuses a key already used in the organization with CONFLICT', async () => {
    const before = await countDefinitions();
    const response = await h.call(CREATE_DEFINITION, { input: definitionInput({ key: 'expense-approval' }) }, admin);
    expect(codesOf(response)).toEqual(['CONFLICT']);
    expect(await countDefinitions()).toBe(before);
  });

  it('allows the same key in another organization', async () => {
    const otherOrg = randomUUID();
    const response = await h.call(CREATE_DEFINITION, { input: definitionInput({ organizationId: otherOrg, key: 'expense-approval' }) }, viewerWith({ [otherOrg]: 'OWNER' }));
    expect(ok(response).createWorkflowDefinition.key).toBe('expense-approval');
  });

  it('is refused to members and viewers with FORBIDDEN', async () => {
    const before = await countDefinitions();
    for (const role of ['MEMBER', 'VIEWER'] as const) {
      const response = await h.call(CREATE_DEFINITION, { input: definitionInput() }, asRole(member, orgId, role));
      expect(codesOf(response)).toEqual(['FORBIDDEN']);
    }
    expect(await countDefinitions()).toBe(before);
  });

  it('is refused in an organization the caller does not belong to with NOT_FOUND', async () => {
    const response = await h.call(CREATE_DEFINITION, { input: definitionInput({ organizationId: randomUUID() }) }, admin);
    expect(codesOf(response)).toEqual(['NOT_FOUND']);
  });

  const graph = approvalGraph();
  const badGraphs: [string, Record<string, unknown>, string][] = [
    ['a duplicate state name', { states: [...graph.states, { name: 'draft', final: true }] }, 'states.4.name'],
    ['an initial state that does not exist', { initialState: 'nowhere' }, 'initialState'],
    ['a final initial state', { initialState: 'approved' }, 'initialState'],
    ['no final state', { states: graph.states.map((s) => ({ ...s, final: false })), transitions: [...graph.transitions, { name: 'x', from: 'approved', to: 'draft', allowedRoles: ['ADMIN'] }, { name: 'x', from: 'rejected', to: 'draft', allowedRoles: ['ADMIN'] }] }, 'states'],
    ['a transition from an unknown state', { transitions: [...graph.transitions, { name: 'skip', from: 'limbo', to: 'review', allowedRoles: ['ADMIN'] }] }, 'transitions.4.from'],
    ['a transition to an unknown state', { transitions: [...graph.transitions, { name: 'skip', from: 'draft', to: 'limbo', allowedRoles: ['ADMIN'] }] }, 'transitions.4.to'],
    ['two transitions with one name from the same state', { transitions: [...graph.transitions, { name: 'approve', from: 'review', to: 'rejected', allowedRoles: ['ADMIN'] }] }, 'transitions.4.name'],
    ['a transition out of a final state', { transitions: [...graph.transitions, { name: 'reopen', from: 'approved', to: 'review', allowedRoles: ['ADMIN'] }] }, 'transitions.4.from'],
    ['a non-final state without a way out', { states: [...graph.states, { name: 'limbo' }] }, 'states.4'],
    ['a task on a final state', { states: [...graph.states.slice(0, 3), { name: 'rejected', final: true, task: { title: 'x', assigneeRole: 'ADMIN' } }] }, 'states.3.task'],
    ['a task with nobody to do it', { states: [{ name: 'draft', task: { title: 'Who?' } }, ...graph.states.slice(1)] }, 'states.0.task.assigneeRole'],
    ['a transition no role may fire', { transitions: [{ ...graph.transitions[0], allowedRoles: [] }, ...graph.transitions.slice(1)] }, 'transitions.0.allowedRoles'],
    ['a state name with spaces', { states: [{ name: 'in review' }, ...graph.states] }, 'states.0.name'],
    ['too many states', { states: Array.from({ length: 51 }, (_, i) => ({ name: `s${i}`, final: true })) }, 'states'],
    ['a malformed key', { key: 'Not A Slug' }, 'key'],
    ['a blank name', { name: '   ' }, 'name'],
    ['an overlong description', { description: 'x'.repeat(2001) }, 'description'],
    ['a malformed organization id', { organizationId: 'org-1' }, 'organizationId'],
  ];
  it.each(badGraphs)('refuses %s with BAD_USER_INPUT and stores nothing', async (_label, overrides, path) => {
    const before = await countDefinitions();
    const response = await h.call(CREATE_DEFINITION, { input: definitionInput(overrides) }, admin);
    expect(codesOf(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0]!.extensions!.issues.map((i: { path: string }) => i.path)).toContain(path);
    expect(await countDefinitions()).toBe(before);
  });
});

describe('updating a workflow definition', () => {
  it('edits name and description in place without a new version', async () => {
    const def = await createDefinition(h.call, admin, definitionInput());
    const data = ok(await h.call(UPDATE, { input: { id: def.id, name: 'Renamed', description: null } }, admin));
    expect(data.updateWorkflowDefinition).toMatchObject({ name: 'Renamed', description: null, version: 1, versions: { totalCount: 1 } });
  });

  it('makes a new version when the graph changes, and keeps the old one', async () => {
    const def = await createDefinition(h.call, admin, definitionInput());
    const graph = approvalGraph();
    graph.transitions.push({ name: 'withdraw', from: 'draft', to: 'rejected', allowedRoles: ['MEMBER'] });
    const data = ok(await h.call(UPDATE, { input: { id: def.id, ...graph } }, asRole(admin, orgId, 'OWNER')));
    const updated = data.updateWorkflowDefinition;
    expect(updated.version).toBe(2);
    expect(updated.latestVersion.transitions.map((t: { name: string }) => t.name)).toContain('withdraw');
    expect(updated.latestVersion.createdBy).toEqual({ id: admin.userId });
    expect(updated.versions.nodes.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    const read = ok(await h.call(`query ($id: ID!) { workflowDefinition(id: $id) { versionByNumber(version: 1) { version transitions { name } } none: versionByNumber(version: 3) { version } } }`, { id: def.id }, member));
    expect(read.workflowDefinition.versionByNumber.transitions.map((t: { name: string }) => t.name)).not.toContain('withdraw');
    expect(read.workflowDefinition.none).toBeNull();
  });

  it('does not make a version when the graph is resubmitted unchanged (roles in another order)', async () => {
    const def = await createDefinition(h.call, admin, definitionInput());
    const graph = approvalGraph();
    graph.transitions[0]!.allowedRoles = ['OWNER', 'MEMBER', 'ADMIN', 'MEMBER'];
    const data = ok(await h.call(UPDATE, { input: { id: def.id, ...graph } }, admin));
    expect(data.updateWorkflowDefinition.version).toBe(1);
  });

  it('lets a running run keep its version after an edit, while new runs take the latest', async () => {
    const def = await createDefinition(h.call, admin, definitionInput());
    const oldRun = await startRun(h.call, member, def.id);
    const graph = approvalGraph();
    // Version 2 drops the review step: submit goes straight to approved.
    graph.states = graph.states.filter((s) => s.name !== 'review');
    graph.transitions = [{ name: 'submit', from: 'draft', to: 'approved', allowedRoles: ['MEMBER'] }];
    ok(await h.call(UPDATE, { input: { id: def.id, ...graph } }, admin));
    const newRun = await startRun(h.call, member, def.id);
    expect(oldRun.definitionVersion).toBe(1);
    expect(newRun.definitionVersion).toBe(2);

    const TRANSITION = `mutation ($input: TransitionWorkflowRunInput!) { transitionWorkflowRun(input: $input) { state definitionVersion definitionSpec { version } } }`;
    const oldMoved = ok(await h.call(TRANSITION, { input: { runId: oldRun.id, transition: 'submit' } }, member));
    expect(oldMoved.transitionWorkflowRun).toEqual({ state: 'review', definitionVersion: 1, definitionSpec: { version: 1 } });
    const newMoved = ok(await h.call(TRANSITION, { input: { runId: newRun.id, transition: 'submit' } }, member));
    expect(newMoved.transitionWorkflowRun).toEqual({ state: 'approved', definitionVersion: 2, definitionSpec: { version: 2 } });
  });

  it('is refused to members with FORBIDDEN and to other tenants with NOT_FOUND, changing nothing', async () => {
    const def = await createDefinition(h.call, admin, definitionInput());
    const outsiderOrg = randomUUID();
    const outsider = viewerWith({ [outsiderOrg]: 'OWNER' });
    expect(codesOf(await h.call(UPDATE, { input: { id: def.id, name: 'Hijacked' } }, member))).toEqual(['FORBIDDEN']);
    expect(codesOf(await h.call(UPDATE, { input: { id: def.id, name: 'Hijacked', ...approvalGraph() } }, outsider))).toEqual(['NOT_FOUND']);
    expect(codesOf(await h.call(UPDATE, { input: { id: randomUUID(), name: 'Ghost' } }, admin))).toEqual(['NOT_FOUND']);
    const read = ok(await h.call(DEFINITION, { id: def.id }, admin));
    expect(read.workflowDefinition).toMatchObject({ name: 'Expense approval', version: 1 });
  });

  it('refuses a partial or invalid graph with BAD_USER_INPUT and keeps the latest version', async () => {
    const def = await createDefinition(h.call, admin, definitionInput());
    const partial = await h.call(UPDATE, { input: { id: def.id, states: approvalGraph().states } }, admin);
    expect(codesOf(partial)).toEqual(['BAD_USER_INPUT']);
    expect(partial.errors![0]!.extensions!.issues.map((i: { path: string }) => i.path).sort()).toEqual(['initialState', 'transitions']);
    const invalid = await h.call(UPDATE, { input: { id: def.id, name: 'Changed', ...approvalGraph(), initialState: 'nowhere' } }, admin);
    expect(codesOf(invalid)).toEqual(['BAD_USER_INPUT']);
    const blank = await h.call(UPDATE, { input: { id: def.id, name: '' } }, admin);
    expect(codesOf(blank)).toEqual(['BAD_USER_INPUT']);
    const read = ok(await h.call(DEFINITION, { id: def.id }, admin));
    expect(read.workflowDefinition).toMatchObject({ name: 'Expense approval', version: 1, versions: { totalCount: 1 } });
  });
});

describe('listing workflow definitions', () => {
  const listOrg = randomUUID();
  const owner = viewerWith({ [listOrg]: 'OWNER' });
  const names = ['Delta', 'alpha', 'Charlie', 'bravo', 'Echo'];

  beforeAll(async () => {
    for (const [i, name] of names.entries()) {
      await createDefinition(h.call, owner, { ...definitionInput(), organizationId: listOrg, key: `list-${i}`, name });
    }
  });

  async function collect(variables: Record<string, unknown>, viewer = owner) {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const data: Record<string, any> = ok(await h.call(LIST, { orgId: listOrg, first: 2, after, ...variables }, viewer));
      const conn: any = data._entities[0].workflows;
      expect(conn.totalCount).toBe(names.length);
      seen.push(...conn.edges.map((e: { node: { name: string } }) => e.node.name));
      expect(conn.pageInfo.hasPreviousPage).toBe(after !== null);
      after = conn.pageInfo.hasNextPage ? conn.pageInfo.endCursor : null;
      pages++;
    } while (after && pages < 10);
    return seen;
  }

  it('pages by name by default and follows the cursor to the end', async () => {
    const seen = await collect({});
    expect(seen.map((n) => n.toLowerCase())).toEqual(['alpha', 'bravo', 'charlie', 'delta', 'echo']);
  });

  it('orders by creation time in either direction', async () => {
    expect(await collect({ orderBy: { field: 'CREATED_AT', direction: 'ASC' } })).toEqual(names);
    expect(await collect({ orderBy: { field: 'CREATED_AT', direction: 'DESC' } })).toEqual([...names].reverse());
  });

  it('orders by last update, so an edited definition comes first', async () => {
    const data = ok(await h.call(`query ($o: ID!) { workflowDefinitionByKey(organizationId: $o, key: "list-0") { id } }`, { o: listOrg }, owner));
    ok(await h.call(UPDATE, { input: { id: data.workflowDefinitionByKey.id, description: 'touched' } }, owner));
    const seen = await collect({ orderBy: { field: 'UPDATED_AT', direction: 'DESC' } });
    expect(seen[0]).toBe('Delta');
  });

  it('filters by a case-insensitive search on name and key, wildcards taken literally', async () => {
    const byName = ok(await h.call(LIST, { orgId: listOrg, filter: { search: 'CHAR' } }, owner))._entities[0].workflows;
    expect(byName.edges.map((e: { node: { name: string } }) => e.node.name)).toEqual(['Charlie']);
    expect(byName.totalCount).toBe(1);
    const byKey = ok(await h.call(LIST, { orgId: listOrg, filter: { search: 'list-4' } }, owner))._entities[0].workflows;
    expect(byKey.edges.map((e: { node: { name: string } }) => e.node.name)).toEqual(['Echo']);
    const wildcard = ok(await h.call(LIST, { orgId: listOrg, filter: { search: '%' } }, owner))._entities[0].workflows;
    expect(wildcard.totalCount).toBe(0);
  });

  it('refuses a cursor made for another order, an oversized page and an overlong search with BAD_USER_INPUT', async () => {
    const first = ok(await h.call(LIST, { orgId: listOrg, first: 1 }, owner))._entities[0].workflows;
    const wrongOrder = await h.call(LIST, { orgId: listOrg, first: 1, after: first.pageInfo.endCursor, orderBy: { field: 'CREATED_AT' } }, owner);
    expect(codesOf(wrongOrder)).toEqual(['BAD_USER_INPUT']);
    expect(codesOf(await h.call(LIST, { orgId: listOrg, first: 101 }, owner))).toEqual(['BAD_USER_INPUT']);
    expect(codesOf(await h.call(LIST, { orgId: listOrg, filter: { search: 'x'.repeat(101) } }, owner))).toEqual(['BAD_USER_INPUT']);
  });
});
