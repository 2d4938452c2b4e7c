import { randomUUID } from 'node:crypto';
import { codesOf } from '@organoise/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  approvalGraph,
  createDefinition,
  ok,
  snapshot,
  START_RUN,
  startHarness,
  startRun,
  TRANSITION,
  viewerWith,
  type Harness,
} from './helpers.js';

let h: Harness;
const orgId = randomUUID();
const admin = viewerWith({ [orgId]: 'ADMIN' });
const member = viewerWith({ [orgId]: 'MEMBER' });
const otherMember = viewerWith({ [orgId]: 'MEMBER' });
const viewerRole = viewerWith({ [orgId]: 'VIEWER' });
let definitionId: string;

const fire = (runId: string, transition: string, viewer = admin, extra: Record<string, unknown> = {}) =>
  h.call(TRANSITION, { input: { runId, transition, ...extra } }, viewer);

beforeAll(async () => {
  h = await startHarness();
  definitionId = (await createDefinition(h.call, admin, { organizationId: orgId, key: 'approval', name: 'Approval', ...approvalGraph() })).id;
});
afterAll(async () => {
  await h?.close();
});

describe('starting a run', () => {
  it('puts the run in the initial state, pins the latest version and opens the initial task for the starter', async () => {
    const run = await startRun(h.call, member, definitionId, { amount: 120, currency: 'EUR' });
    expect(run).toMatchObject({ state: 'draft', status: 'ACTIVE', definitionVersion: 1, data: { amount: 120, currency: 'EUR' } });
    expect(run.openTask).toMatchObject({ title: 'Submit the request', state: 'draft', status: 'OPEN' });
    const task = ok(await h.call(`query ($id: ID!) { humanTask(id: $id) { assignee { id } assigneeRole viewerIsAssignee run { id } } }`, { id: run.openTask!.id }, member));
    expect(task.humanTask).toEqual({ assignee: { id: member.userId }, assigneeRole: null, viewerIsAssignee: true, run: { id: run.id } });
  });

  it('is refused to viewers with FORBIDDEN and creates no run', async () => {
    const response = await h.call(START_RUN, { input: { definitionId } }, viewerRole);
    expect(codesOf(response)).toEqual(['FORBIDDEN']);
    const runs = ok(await h.call(`query ($id: ID!) { workflowDefinition(id: $id) { runs(filter: { startedById: "${viewerRole.userId}" }) { totalCount } } }`, { id: definitionId }, admin));
    expect(runs.workflowDefinition.runs.totalCount).toBe(0);
  });

  it.each([
    ['an array as data', { data: [1, 2] }],
    ['a string as data', { data: 'text' }],
    ['data over 64 KB', { data: { blob: 'x'.repeat(65 * 1024) } }],
    ['a malformed definition id', { definitionId: 'abc' }],
  ])('refuses %s with BAD_USER_INPUT', async (_label, overrides) => {
    const response = await h.call(START_RUN, { input: { definitionId, ...overrides } }, member);
    expect(codesOf(response)).toEqual(['BAD_USER_INPUT']);
  });

  it('refuses an unknown definition with NOT_FOUND', async () => {
    expect(codesOf(await h.call(START_RUN, { input: { definitionId: randomUUID() } }, member))).toEqual(['NOT_FOUND']);
  });
});

describe('transitioning a run', () => {
  it('moves the run, records the history and closes and opens tasks', async () => {
    const run = await startRun(h.call, member, definitionId);
    ok(await fire(run.id, 'submit', member, { comment: 'please', expectedState: 'draft' }));
    let snap = await snapshot(h.call, admin, run.id);
    expect(snap.state).toBe('review');
    expect(snap.history.nodes).toEqual([{ sequence: 1, transition: 'submit', from: 'draft', to: 'review', comment: 'please', actor: { id: member.userId } }]);
    expect(snap.tasks.nodes.map((t: { state: string; status: string; completedBy: unknown }) => [t.state, t.status, t.completedBy])).toEqual([
      ['draft', 'DONE', { id: member.userId }],
      ['review', 'OPEN', null],
    ]);

    const moved = ok(await fire(run.id, 'approve', admin)).transitionWorkflowRun;
    expect(moved.state).toBe('approved');
    expect(moved.status).toBe('COMPLETED');
    expect(moved.finishedAt).not.toBeNull();
    snap = await snapshot(h.call, admin, run.id);
    expect(snap.history.totalCount).toBe(2);
    expect(snap.tasks.nodes.every((t: { status: string }) => t.status === 'DONE')).toBe(true);
  });

  it('loops back through a state, opening a fresh task each time it is entered', async () => {
    const run = await startRun(h.call, member, definitionId);
    ok(await fire(run.id, 'submit', member));
    ok(await fire(run.id, 'revise', admin));
    ok(await fire(run.id, 'submit', member));
    const snap = await snapshot(h.call, admin, run.id);
    expect(snap.history.nodes.map((e: { sequence: number; transition: string }) => `${e.sequence}:${e.transition}`)).toEqual(['1:submit', '2:revise', '3:submit']);
    expect(snap.tasks.nodes.map((t: { state: string; status: string }) => `${t.state}:${t.status}`)).toEqual([
      'draft:DONE',
      'review:DONE',
      'draft:DONE',
      'review:OPEN',
    ]);
  });

  it('lists only the transitions the viewer may fire now', async () => {
    const run = await startRun(h.call, member, definitionId);
    ok(await fire(run.id, 'submit', member));
    const Q = `query ($id: ID!) { workflowRun(id: $id) { availableTransitions { name to } } }`;
    expect(ok(await h.call(Q, { id: run.id }, admin)).workflowRun.availableTransitions.map((t: { name: string }) => t.name)).toEqual(['approve', 'reject', 'revise']);
    expect(ok(await h.call(Q, { id: run.id }, member)).workflowRun.availableTransitions).toEqual([]);
    ok(await fire(run.id, 'reject', admin));
    expect(ok(await h.call(Q, { id: run.id }, admin)).workflowRun.availableTransitions).toEqual([]);
  });

  describe('refusals change nothing', () => {
    let runId: string;
    let before: unknown;
    beforeAll(async () => {
      runId = (await startRun(h.call, member, definitionId)).id;
      ok(await fire(runId, 'submit', member));
      before = await snapshot(h.call, admin, runId);
    });
    const cases: [string, string, () => Promise<Awaited<ReturnType<typeof fire>>>][] = [
      ['a transition that does not leave the current state', 'INVALID_TRANSITION', () => fire(runId, 'submit', admin)],
      ['a transition that exists nowhere', 'INVALID_TRANSITION', () => fire(runId, 'teleport', admin)],
      ["a role that is not in the transition's allowedRoles", 'TRANSITION_NOT_ALLOWED', () => fire(runId, 'approve', member)],
      ['a viewer, whose role the transition does not list', 'TRANSITION_NOT_ALLOWED', () => fire(runId, 'approve', viewerRole)],
      ['an expectedState that is no longer current', 'STALE_STATE', () => fire(runId, 'approve', admin, { expectedState: 'draft' })],
      ['a malformed transition name', 'BAD_USER_INPUT', () => fire(runId, 'ap prove', admin)],
      ['an overlong comment', 'BAD_USER_INPUT', () => fire(runId, 'approve', admin, { comment: 'x'.repeat(2001) })],
      ['a malformed run id', 'BAD_USER_INPUT', () => fire('not-a-uuid', 'approve', admin)],
      ['an unknown run', 'NOT_FOUND', () => fire(randomUUID(), 'approve', admin)],
    ];
    it.each(cases)('refuses %s with %s', async (_label, code, attempt) => {
      const response = await attempt();
      expect(codesOf(response)).toEqual([code]);
      expect(response.data).toBeNull();
      expect(await snapshot(h.call, admin, runId)).toEqual(before);
    });

    it('tells a stale caller the current state', async () => {
      const response = await fire(runId, 'approve', admin, { expectedState: 'draft' });
      expect(response.errors![0]!.extensions).toMatchObject({ code: 'STALE_STATE', currentState: 'review' });
    });
  });

  it('refuses any transition on a finished run with RUN_FINISHED and changes nothing', async () => {
    const run = await startRun(h.call, member, definitionId);
    ok(await fire(run.id, 'submit', member));
    ok(await fire(run.id, 'reject', admin));
    const before = await snapshot(h.call, admin, run.id);
    expect(codesOf(await fire(run.id, 'approve', admin))).toEqual(['RUN_FINISHED']);
    expect(codesOf(await fire(run.id, 'revise', admin, { expectedState: 'review' }))).toEqual(['RUN_FINISHED']);
    expect(await snapshot(h.call, admin, run.id)).toEqual(before);
  });

  it('lets exactly one of two concurrent identical transitions through', async () => {
    const run = await startRun(h.call, member, definitionId);
    ok(await fire(run.id, 'submit', member));
    const results = await Promise.all([fire(run.id, 'revise', admin), fire(run.id, 'revise', admin)]);
    const codes = results.map((r) => codesOf(r)[0] ?? 'OK').sort();
    expect(codes).toEqual(['INVALID_TRANSITION', 'OK']);
    const snap = await snapshot(h.call, admin, run.id);
    expect(snap.history.totalCount).toBe(2);
    expect(snap.tasks.nodes.filter((t: { status: string }) => t.status === 'OPEN')).toHaveLength(1);
  });
});

describe('cancelling a run', () => {
  const CANCEL = `mutation ($input: CancelWorkflowRunInput!) { cancelWorkflowRun(input: $input) { status state cancelReason cancelledBy { id } finishedAt openTask { id } } }`;

  it('lets the starter cancel their run, cancelling its open task', async () => {
    const run = await startRun(h.call, member, definitionId);
    const data = ok(await h.call(CANCEL, { input: { runId: run.id, reason: 'duplicate' } }, member));
    expect(data.cancelWorkflowRun).toMatchObject({ status: 'CANCELLED', state: 'draft', cancelReason: 'duplicate', cancelledBy: { id: member.userId }, openTask: null });
    const snap = await snapshot(h.call, admin, run.id);
    expect(snap.tasks.nodes.map((t: { status: string }) => t.status)).toEqual(['CANCELLED']);
    expect(codesOf(await fire(run.id, 'submit', member))).toEqual(['RUN_FINISHED']);
    expect(codesOf(await h.call(CANCEL, { input: { runId: run.id } }, admin))).toEqual(['RUN_FINISHED']);
  });

  it("refuses another member with FORBIDDEN and leaves the run active", async () => {
    const run = await startRun(h.call, member, definitionId);
    expect(codesOf(await h.call(CANCEL, { input: { runId: run.id } }, otherMember))).toEqual(['FORBIDDEN']);
    expect((await snapshot(h.call, admin, run.id)).status).toBe('ACTIVE');
    expect(ok(await h.call(CANCEL, { input: { runId: run.id } }, admin)).cancelWorkflowRun.status).toBe('CANCELLED');
  });
});

describe('human tasks', () => {
  const COMPLETE = `mutation ($input: CompleteTaskInput!) { completeTask(input: $input) { id status completedBy { id } completedAt run { state openTask { state assigneeRole } } } }`;
  const MY_TASKS = `query ($first: Int, $after: String, $filter: MyTasksFilter) { myTasks(first: $first, after: $after, filter: $filter) { totalCount pageInfo { hasNextPage endCursor } nodes { id title state status run { id } } } }`;

  it('lets the assignee complete a task by firing a transition from its state', async () => {
    const run = await startRun(h.call, member, definitionId);
    const data = ok(await h.call(COMPLETE, { input: { taskId: run.openTask!.id, transition: 'submit', comment: 'done' } }, member));
    expect(data.completeTask).toMatchObject({ status: 'DONE', completedBy: { id: member.userId }, run: { state: 'review', openTask: { state: 'review', assigneeRole: 'ADMIN' } } });
    const snap = await snapshot(h.call, admin, run.id);
    expect(snap.history.nodes[0]).toMatchObject({ transition: 'submit', comment: 'done' });
  });

  it('lets any holder of the assignee role complete a role task', async () => {
    const run = await startRun(h.call, member, definitionId);
    ok(await fire(run.id, 'submit', member));
    const taskId = (await snapshot(h.call, admin, run.id)).tasks.nodes[1].id;
    const otherAdmin = viewerWith({ [orgId]: 'ADMIN' });
    expect(ok(await h.call(COMPLETE, { input: { taskId, transition: 'approve' } }, otherAdmin)).completeTask.run.state).toBe('approved');
  });

  it('refuses anyone the task is not assigned to with FORBIDDEN, changing nothing', async () => {
    const run = await startRun(h.call, member, definitionId);
    const before = await snapshot(h.call, admin, run.id);
    expect(codesOf(await h.call(COMPLETE, { input: { taskId: run.openTask!.id, transition: 'submit' } }, otherMember))).toEqual(['FORBIDDEN']);
    expect(await snapshot(h.call, admin, run.id)).toEqual(before);
    // An OWNER does not hold the ADMIN role, so is not the assignee of an ADMIN task either.
    ok(await fire(run.id, 'submit', member));
    const reviewTask = (await snapshot(h.call, admin, run.id)).tasks.nodes[1].id;
    const owner = viewerWith({ [orgId]: 'OWNER' });
    const submitted = await snapshot(h.call, admin, run.id);
    expect(codesOf(await h.call(COMPLETE, { input: { taskId: reviewTask, transition: 'approve' } }, owner))).toEqual(['FORBIDDEN']);
    expect(await snapshot(h.call, admin, run.id)).toEqual(submitted);
  });

  it('refuses a transition that does not leave the task state, a closed task and bad input, changing nothing', async () => {
    const run = await startRun(h.call, member, definitionId);
    const draftTask = run.openTask!.id;
    expect(codesOf(await h.call(COMPLETE, { input: { taskId: draftTask, transition: 'approve' } }, member))).toEqual(['INVALID_TRANSITION']);
    expect(codesOf(await h.call(COMPLETE, { input: { taskId: draftTask, transition: '' } }, member))).toEqual(['BAD_USER_INPUT']);
    expect(codesOf(await h.call(COMPLETE, { input: { taskId: 'x', transition: 'submit' } }, member))).toEqual(['BAD_USER_INPUT']);
    expect(codesOf(await h.call(COMPLETE, { input: { taskId: randomUUID(), transition: 'submit' } }, member))).toEqual(['NOT_FOUND']);
    expect((await snapshot(h.call, admin, run.id)).history.totalCount).toBe(0);
    ok(await fire(run.id, 'submit', member));
    const before = await snapshot(h.call, admin, run.id);
    const stale = await h.call(COMPLETE, { input: { taskId: draftTask, transition: 'submit' } }, member);
    expect(codesOf(stale)).toEqual(['STALE_STATE']);
    expect(await snapshot(h.call, admin, run.id)).toEqual(before);
  });

  it("collects the viewer's tasks, by name and by role, newest first with cursor pages", async () => {
    const inboxOrg = randomUUID();
    const boss = viewerWith({ [inboxOrg]: 'ADMIN' });
    const worker = viewerWith({ [inboxOrg]: 'MEMBER' });
    const def = await createDefinition(h.call, boss, { organizationId: inboxOrg, key: 'inbox', name: 'Inbox', ...approvalGraph() });
    const mine = [];
    for (let i = 0; i < 3; i++) mine.push(await startRun(h.call, worker, def.id));
    // Another member's run: its draft task is theirs alone.
    await startRun(h.call, viewerWith({ [inboxOrg]: 'MEMBER' }), def.id);

    const workerInbox = ok(await h.call(MY_TASKS, { first: 2 }, worker)).myTasks;
    expect(workerInbox.totalCount).toBe(3);
    expect(workerInbox.nodes.map((t: { run: { id: string } }) => t.run.id)).toEqual([mine[2]!.id, mine[1]!.id]);
    const page2 = ok(await h.call(MY_TASKS, { first: 2, after: workerInbox.pageInfo.endCursor }, worker)).myTasks;
    expect(page2.nodes.map((t: { run: { id: string } }) => t.run.id)).toEqual([mine[0]!.id]);
    expect(page2.pageInfo.hasNextPage).toBe(false);

    expect(ok(await h.call(MY_TASKS, {}, boss)).myTasks.totalCount).toBe(0);
    ok(await fire(mine[0]!.id, 'submit', worker));
    const bossInbox = ok(await h.call(MY_TASKS, {}, boss)).myTasks;
    expect(bossInbox.nodes.map((t: { state: string; run: { id: string } }) => [t.state, t.run.id])).toEqual([['review', mine[0]!.id]]);
    expect(ok(await h.call(MY_TASKS, {}, worker)).myTasks.totalCount).toBe(2);
    expect(ok(await h.call(MY_TASKS, { filter: { status: 'DONE' } }, worker)).myTasks.totalCount).toBe(1);
    expect(ok(await h.call(MY_TASKS, { filter: { organizationId: orgId } }, worker)).myTasks.totalCount).toBe(0);
    expect(codesOf(await h.call(MY_TASKS, { filter: { organizationId: 'nope' } }, worker))).toEqual(['BAD_USER_INPUT']);

    // Leaving the organization empties the inbox (roles come from the token).
    expect(ok(await h.call(MY_TASKS, {}, { ...worker, memberships: {} })).myTasks.totalCount).toBe(0);
  });
});

describe('listing runs', () => {
  const listOrg = randomUUID();
  const owner = viewerWith({ [listOrg]: 'OWNER' });
  const starter = viewerWith({ [listOrg]: 'MEMBER' });
  let defA: string;
  let defB: string;
  const runsA: string[] = [];

  beforeAll(async () => {
    defA = (await createDefinition(h.call, owner, { organizationId: listOrg, key: 'flow-a', name: 'A', ...approvalGraph() })).id;
    defB = (await createDefinition(h.call, owner, { organizationId: listOrg, key: 'flow-b', name: 'B', ...approvalGraph() })).id;
    for (let i = 0; i < 5; i++) runsA.push((await startRun(h.call, i % 2 ? starter : owner, defA)).id);
    await startRun(h.call, owner, defB);
    ok(await fire(runsA[1]!, 'submit', starter));
    ok(await fire(runsA[3]!, 'submit', starter));
    ok(await fire(runsA[3]!, 'approve', owner));
  });

  const DEF_RUNS = `query ($id: ID!, $first: Int, $after: String, $filter: WorkflowRunFilter, $orderBy: WorkflowRunOrder) {
    workflowDefinition(id: $id) { runs(first: $first, after: $after, filter: $filter, orderBy: $orderBy) { totalCount pageInfo { hasNextPage endCursor } nodes { id state status } } } }`;
  const ORG_RUNS = `query ($org: ID!, $filter: OrganizationWorkflowRunFilter, $orderBy: WorkflowRunOrder) {
    _entities(representations: [{ __typename: "Organization", id: $org }]) { ... on Organization { workflowRuns(first: 50, filter: $filter, orderBy: $orderBy) { totalCount nodes { id } } } } }`;

  it('pages the runs of a definition newest first', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const conn: any = ok(await h.call(DEF_RUNS, { id: defA, first: 2, after }, owner)).workflowDefinition.runs;
      expect(conn.totalCount).toBe(5);
      seen.push(...conn.nodes.map((n: { id: string }) => n.id));
      after = conn.pageInfo.hasNextPage ? conn.pageInfo.endCursor : null;
    } while (after);
    expect(seen).toEqual([...runsA].reverse());
  });

  it('filters by state, status and starter, and orders by last update', async () => {
    const q = async (variables: Record<string, unknown>) =>
      ok(await h.call(DEF_RUNS, { id: defA, first: 10, ...variables }, owner)).workflowDefinition.runs.nodes.map((n: { id: string }) => n.id);
    expect(await q({ filter: { state: 'review' } })).toEqual([runsA[1]]);
    expect(await q({ filter: { status: 'COMPLETED' } })).toEqual([runsA[3]]);
    expect(await q({ filter: { status: 'ACTIVE', startedById: starter.userId } })).toEqual([runsA[1]]);
    expect((await q({ orderBy: { field: 'UPDATED_AT', direction: 'DESC' } })).slice(0, 2)).toEqual([runsA[3], runsA[1]]);
    expect(codesOf(await h.call(DEF_RUNS, { id: defA, filter: { state: 'not a state' } }, owner))).toEqual(['BAD_USER_INPUT']);
    expect(codesOf(await h.call(DEF_RUNS, { id: defA, filter: { startedById: 'me' } }, owner))).toEqual(['BAD_USER_INPUT']);
  });

  it('lists all runs of the organization, filterable by definition', async () => {
    const all = ok(await h.call(ORG_RUNS, { org: listOrg }, starter))._entities[0].workflowRuns;
    expect(all.totalCount).toBe(6);
    const onlyB = ok(await h.call(ORG_RUNS, { org: listOrg, filter: { definitionId: defB } }, starter))._entities[0].workflowRuns;
    expect(onlyB.totalCount).toBe(1);
    const asc = ok(await h.call(ORG_RUNS, { org: listOrg, filter: { definitionId: defA }, orderBy: { field: 'STARTED_AT', direction: 'ASC' } }, owner))._entities[0].workflowRuns;
    expect(asc.nodes.map((n: { id: string }) => n.id)).toEqual(runsA);
  });

  it('gives every definition its own first page when many are listed at once', async () => {
    const Q = `query ($org: ID!) { _entities(representations: [{ __typename: "Organization", id: $org }]) { ... on Organization {
      workflows(orderBy: { field: NAME }) { nodes { key runs(first: 2) { totalCount pageInfo { hasNextPage } nodes { id definition { key } history { totalCount nodes { transition } } tasks(status: OPEN) { totalCount } } } } } } } }`;
    const nodes = ok(await h.call(Q, { org: listOrg }, owner))._entities[0].workflows.nodes;
    expect(nodes.map((n: { key: string; runs: { totalCount: number; nodes: unknown[] } }) => [n.key, n.runs.totalCount, n.runs.nodes.length])).toEqual([
      ['flow-a', 5, 2],
      ['flow-b', 1, 1],
    ]);
    expect(nodes[0].runs.pageInfo.hasNextPage).toBe(true);
    expect(nodes[1].runs.pageInfo.hasNextPage).toBe(false);
    for (const def of nodes) for (const run of def.runs.nodes) expect(run.definition.key).toBe(def.key);
    const runA4 = nodes[0].runs.nodes[0];
    expect(runA4.id).toBe(runsA[4]);
    expect(runA4.history.totalCount).toBe(0);
    expect(runA4.tasks.totalCount).toBe(1);
  });

  it('pages the history of a run in either direction', async () => {
    const Q = `query ($id: ID!, $after: String, $direction: SortDirection) { workflowRun(id: $id) { history(first: 1, after: $after, direction: $direction) { totalCount pageInfo { hasNextPage endCursor } nodes { transition } } } }`;
    const p1 = ok(await h.call(Q, { id: runsA[3] }, owner)).workflowRun.history;
    expect(p1.nodes).toEqual([{ transition: 'submit' }]);
    const p2 = ok(await h.call(Q, { id: runsA[3], after: p1.pageInfo.endCursor }, owner)).workflowRun.history;
    expect(p2).toMatchObject({ totalCount: 2, nodes: [{ transition: 'approve' }], pageInfo: { hasNextPage: false } });
    const desc = ok(await h.call(Q, { id: runsA[3], direction: 'DESC' }, owner)).workflowRun.history;
    expect(desc.nodes).toEqual([{ transition: 'approve' }]);
    expect(codesOf(await h.call(Q, { id: runsA[3], after: p1.pageInfo.endCursor, direction: 'DESC' }, owner))).toEqual(['BAD_USER_INPUT']);
  });
});
