import { randomUUID } from 'node:crypto';
import type { SearchDocument } from '@organoise/core';
import { TEST_INTERNAL_SECRET } from '@organoise/core/testing';
import { searchSourceCaller, searchSourceContract } from '@organoise/core/testing/search-source';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { events, runs } from '../src/db/schema.js';
import { organizationDefinitionsStream } from '../src/domains/definitions/events.js';
import { SUBGRAPH_NAME } from '../src/index.js';
import { approvalGraph, createDefinition, ok, startHarness, startRun, TRANSITION, viewerWith, type Harness } from './helpers.js';

// The workflow subgraph as a search source (domains/search/source.ts): definitions, runs and
// human tasks, over real HTTP, on each database (vitest projects pglite and postgres).

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const UPDATE_DEFINITION = `mutation($input: UpdateWorkflowDefinitionInput!) { updateWorkflowDefinition(input: $input) { id name version } }`;
const CREATE_WITH_KEY = `mutation($input: CreateWorkflowDefinitionInput!) { createWorkflowDefinition(input: $input) { id } }`;

/** A fresh organization, its admin, an Approval definition and a run of it with data (its draft task open). */
async function seedOrganization() {
  const organizationId = randomUUID();
  const admin = viewerWith({ [organizationId]: 'ADMIN' });
  const definition = await createDefinition(h.call, admin, {
    organizationId,
    key: 'expense-approval',
    name: 'Expense approval',
    description: 'Reimbursements over the petty cash limit',
    ...approvalGraph(),
  });
  const run = await startRun(h.call, admin, definition.id, { vendor: 'Zebracorp', lines: [{ item: 'Quokka plush', amount: 42 }] });
  return { organizationId, admin, definition, run };
}

const { changes } = searchSourceCaller(() => h.server.url, SUBGRAPH_NAME, TEST_INTERNAL_SECRET);
const heads = async () => (await changes({})).cursors;
const find = (docs: SearchDocument[], type: string, id: string) => docs.find((d) => d.type === type && d.id === id);

// Before the contract suite, whose last case trims the log.
describe('the workflow search source', () => {
  it('indexes a definition (name; description, key, states and task titles), a run (definition name and label; data values) and its task, each readable by any member', async () => {
    const { organizationId, definition, run } = await seedOrganization();
    const { upserts } = await changes({});
    expect(find(upserts, 'WorkflowDefinition', definition.id)).toMatchObject({
      organizationId,
      minRole: 'VIEWER',
      title: 'Expense approval',
      keywords: { key: 'expense-approval', version: '1' },
    });
    const definitionBody = find(upserts, 'WorkflowDefinition', definition.id)!.body;
    for (const word of ['petty cash', 'expense-approval', 'draft', 'review', 'Submit the request', 'Review the request']) expect(definitionBody).toContain(word);
    const runDoc = find(upserts, 'WorkflowRun', run.id)!;
    expect(runDoc).toMatchObject({ minRole: 'VIEWER', title: `Expense approval #${run.id.slice(0, 8)}`, keywords: { state: 'draft', status: 'ACTIVE', definitionKey: 'expense-approval' } });
    for (const word of ['Zebracorp', 'Quokka plush', '42']) expect(runDoc.body).toContain(word);
    expect(runDoc.body).not.toContain('vendor');
    expect(find(upserts, 'HumanTask', run.openTask!.id)).toMatchObject({ minRole: 'VIEWER', title: 'Submit the request', body: '', keywords: { status: 'OPEN' } });
  });

  it("a transition updates the run's state and closes its task with the transition's comment; the next task comes with its assignee role", async () => {
    const { admin, run } = await seedOrganization();
    const before = await heads();
    ok(await h.call(TRANSITION, { input: { runId: run.id, transition: 'submit', comment: 'Receipts attached for the offsite' } }, admin));
    const { upserts, deletes } = await changes(before);
    expect(deletes).toEqual([]);
    expect(find(upserts, 'WorkflowRun', run.id)!.keywords.state).toBe('review');
    expect(find(upserts, 'HumanTask', run.openTask!.id)).toMatchObject({ body: 'Receipts attached for the offsite', keywords: { status: 'DONE' } });
    const review = upserts.find((d) => d.type === 'HumanTask' && d.id !== run.openTask!.id)!;
    expect(review).toMatchObject({ title: 'Review the request', keywords: { status: 'OPEN', assigneeRole: 'ADMIN' } });
  });

  it("writes the definition's events in its transaction: renaming it re-titles it and its runs; a new graph is a new version (its runs are not re-read); an idempotent retry adds no event", async () => {
    const { organizationId, admin, definition, run } = await seedOrganization();
    const stream = organizationDefinitionsStream(organizationId);
    const before = await heads();
    expect(before[stream]).toBe(1);
    ok(await h.call(UPDATE_DEFINITION, { input: { id: definition.id, name: 'Travel approval' } }, admin));
    const renamed = await changes(before);
    expect(renamed.cursors[stream]).toBe(2);
    expect(find(renamed.upserts, 'WorkflowDefinition', definition.id)!.title).toBe('Travel approval');
    expect(find(renamed.upserts, 'WorkflowRun', run.id)!.title).toBe(`Travel approval #${run.id.slice(0, 8)}`);
    // The same name again changes nothing, and says nothing.
    ok(await h.call(UPDATE_DEFINITION, { input: { id: definition.id, name: 'Travel approval' } }, admin));
    expect((await changes(renamed.cursors)).upserts).toEqual([]);
    const graph = approvalGraph();
    ok(await h.call(UPDATE_DEFINITION, { input: { id: definition.id, ...graph, states: [...graph.states, { name: 'escalated', final: true }] } }, admin));
    const versioned = await changes(renamed.cursors);
    expect(find(versioned.upserts, 'WorkflowDefinition', definition.id)!.keywords.version).toBe('2');
    expect(find(versioned.upserts, 'WorkflowDefinition', definition.id)!.body).toContain('escalated');
    // Only a rename re-reads the runs: a new graph leaves their titles as they are.
    expect(find(versioned.upserts, 'WorkflowRun', run.id)).toBeUndefined();
    const logged = await h.server.services.db.select().from(events).where(eq(events.stream, stream));
    expect(logged.map((e) => [e.type, (e.payload as { versioned: boolean }).versioned, (e.payload as { renamed: boolean }).renamed])).toEqual([
      ['workflow.definition.created', true, true],
      ['workflow.definition.updated', false, true],
      ['workflow.definition.updated', true, false],
    ]);
    // A retried creation (same idempotency key) answers the first and appends nothing.
    const input = { organizationId, key: 'retried', name: 'Retried', idempotencyKey: randomUUID(), ...approvalGraph() };
    const first = ok(await h.call(CREATE_WITH_KEY, { input }, admin));
    const retried = ok(await h.call(CREATE_WITH_KEY, { input }, admin));
    expect(retried).toEqual(first);
    expect((await heads())[stream]).toBe(4);
  });

  it('a refused definition write appends no event', async () => {
    const { organizationId, definition } = await seedOrganization();
    const member = viewerWith({ [organizationId]: 'MEMBER' });
    const before = await heads();
    const refused = await h.call(UPDATE_DEFINITION, { input: { id: definition.id, name: 'Hijacked' } }, member);
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await heads())[organizationDefinitionsStream(organizationId)]).toBe(before[organizationDefinitionsStream(organizationId)]);
  });

  it('answers an entity that is gone as a delete (the run removed by SQL: no mutation deletes workflow entities)', async () => {
    const { admin, run } = await seedOrganization();
    const before = await heads();
    ok(await h.call(TRANSITION, { input: { runId: run.id, transition: 'submit' } }, admin));
    await h.server.services.db.delete(runs).where(eq(runs.id, run.id));
    const answer = await changes(before);
    expect(answer.deletes).toEqual(expect.arrayContaining([{ type: 'WorkflowRun', id: run.id, organizationId: expect.any(String) }]));
    expect(find(answer.upserts, 'WorkflowRun', run.id)).toBeUndefined();
    // Its tasks went with it (cascade).
    expect(answer.deletes.filter((d) => d.type === 'HumanTask').length).toBe(2);
  });
});

searchSourceContract('workflow', {
  name: SUBGRAPH_NAME,
  secret: TEST_INTERNAL_SECRET,
  url: () => h.server.url,
  seed: async () => {
    const { organizationId, admin, definition, run } = await seedOrganization();
    return {
      organizationId,
      viewer: admin,
      refs: [
        { type: 'WorkflowDefinition', id: definition.id, organizationId },
        { type: 'WorkflowRun', id: run.id, organizationId },
        { type: 'HumanTask', id: run.openTask!.id, organizationId },
      ],
    };
  },
  removeGap: 'no mutation deletes a workflow definition, run or task (a delete is covered above, by SQL)',
  trimLog: () => h.server.services.bus.log.trim(new Date(Date.now() + 60_000)),
});
