import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { waitFor } from '@organoise/core/testing';
import { DELIVERY_CHANNEL, type DeliveryTrace } from '@organoise/gateway';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestPlatform, type TestPlatform } from './harness.js';

// Shared subscriptions (docs/protocols/subscriptions.md, section 4, "Sharing"): people with the
// same memberships share one upstream subscription and one hydration per event when every field
// they select depends on memberships only; nobody ever receives an answer computed for other rights.
let platform: TestPlatform;
let owner: Person;
let orgA: string;
let orgB: string;
let definitionA: string;

interface Person {
  id: string;
  token: string;
  name: string;
}

const RUNS = `subscription Runs($org: ID!) { workflowRunsChanged(organizationId: $org) { type run { id state startedBy { id name } } } }`;
// User.email is visible to oneself (and admins): not role-scoped, so never shared between people.
const RUNS_WITH_EMAIL = `subscription Runs($org: ID!) { workflowRunsChanged(organizationId: $org) { type run { id startedBy { id email } } } }`;

const DEFINITION = {
  key: 'sharing',
  name: 'Sharing',
  initialState: 'open',
  states: [{ name: 'open' }, { name: 'closed', final: true }],
  transitions: [{ name: 'close', from: 'open', to: 'closed', allowedRoles: ['OWNER', 'ADMIN'] }],
};

async function signUp(name: string): Promise<Person> {
  const email = `${name.toLowerCase()}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;
  const res = await platform.gql(`mutation($i: SignUpInput!) { signUp(input: $i) { accessToken user { id } } }`, { i: { email, password: `${name} password 123`, name } });
  expect(res.errors).toBeUndefined();
  return { id: res.data!.signUp.user.id, token: res.data!.signUp.accessToken, name };
}

async function createOrganization(name: string) {
  const res = await platform.gql(`mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id } }`, { i: { name, slug: `${name.toLowerCase()}-${Date.now()}` } }, owner.token);
  expect(res.errors).toBeUndefined();
  return res.data!.createOrganization.id as string;
}

async function startRun() {
  const res = await platform.gql(`mutation($i: StartWorkflowRunInput!) { startWorkflowRun(input: $i) { id } }`, { i: { definitionId: definitionA } }, owner.token);
  expect(res.errors).toBeUndefined();
  return res.data!.startWorkflowRun.id as string;
}

interface Watcher {
  events: any[];
  errors: unknown[];
  closeCodes: number[];
  client: Client;
}

function watch(person: Person, organizationId: string, query = RUNS): Watcher {
  const closeCodes: number[] = [];
  const client = createClient({
    url: platform.gateway.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams: { authorization: `Bearer ${person.token}` },
    on: { closed: (event) => void closeCodes.push((event as { code: number }).code) },
  });
  const watcher: Watcher = { events: [], errors: [], closeCodes, client };
  opened.push(watcher);
  client.subscribe({ query, variables: { org: organizationId } }, { next: (value) => void watcher.events.push(value), error: (error) => void watcher.errors.push(error), complete: () => {} });
  return watcher;
}

// Every client a test opened, closed after it whatever its outcome: a failed test must not leave
// shared topics open for the next one.
const opened: Watcher[] = [];
afterEach(async () => {
  await Promise.allSettled(opened.splice(0).map((w) => w.client.dispose()));
  await waitFor(() => platform.gateway.subscriptions.stats().topics === 0, 'every topic to close after the test');
});

const runIds = (w: Watcher) => w.events.map((e) => e.data?.workflowRunsChanged?.run?.id);

beforeAll(async () => {
  platform = await startTestPlatform({ subscriptions: { authRecheckMs: 100 } });
  owner = await signUp('Owner');
  orgA = await createOrganization('Alpha');
  orgB = await createOrganization('Beta');
  const created = await platform.gql(`mutation($i: CreateWorkflowDefinitionInput!) { createWorkflowDefinition(input: $i) { id } }`, { i: { organizationId: orgA, ...DEFINITION } }, owner.token);
  expect(created.errors).toBeUndefined();
  definitionA = created.data!.createWorkflowDefinition.id;
}, 180_000);

afterAll(async () => {
  await platform?.stop();
});

async function invite(person: Person, organizationId: string, role: string, email: string) {
  const res = await platform.gql(`mutation($i: InviteMemberInput!) { inviteMember(input: $i) { token } }`, { i: { organizationId, email, role } }, owner.token);
  expect(res.errors).toBeUndefined();
  const accepted = await platform.gql(`mutation($t: String!) { acceptInvitation(token: $t) { id } }`, { t: res.data!.inviteMember.token }, person.token);
  expect(accepted.errors).toBeUndefined();
}

/** A new person who is a member of the given organizations, with a fresh token. */
async function member(name: string, roles: Record<string, string>): Promise<Person & { email: string }> {
  const email = `${name.toLowerCase()}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;
  const res = await platform.gql(`mutation($i: SignUpInput!) { signUp(input: $i) { accessToken user { id } } }`, { i: { email, password: `${name} password 123`, name } });
  expect(res.errors).toBeUndefined();
  const person = { id: res.data!.signUp.user.id as string, token: res.data!.signUp.accessToken as string, name, email };
  for (const [org, role] of Object.entries(roles)) await invite(person, org, role, email);
  return person;
}

describe('shared subscriptions', () => {
  it('serves people with the same memberships from one upstream subscription, each getting every event hydrated', async () => {
    const [ann, bob, cid] = await Promise.all([member('Ann', { [orgA]: 'VIEWER' }), member('Bob', { [orgA]: 'VIEWER' }), member('Cid', { [orgA]: 'VIEWER' })]);
    await new Promise((resolve) => setTimeout(resolve, 1100)); // the memberships reach the principal cache
    const watchers = [watch(ann, orgA), watch(bob, orgA), watch(cid, orgA)];
    await waitFor(() => platform.gateway.subscriptions.stats().listeners === 3, 'three subscriptions');
    expect(platform.gateway.subscriptions.stats()).toMatchObject({ topics: 1, connections: 1 });
    const runId = await startRun();
    await waitFor(() => watchers.every((w) => w.events.length === 1), 'the event on every socket');
    for (const w of watchers) {
      expect(w.errors).toEqual([]);
      expect(w.events[0].data.workflowRunsChanged).toEqual({ type: 'workflow.run.started', run: { id: runId, state: 'open', startedBy: { id: owner.id, name: 'Owner' } } });
    }
    await Promise.all(watchers.map((w) => w.client.dispose()));
    await waitFor(() => platform.gateway.subscriptions.stats().topics === 0 && platform.gateway.subscriptions.stats().connections === 0, 'the upstream to close');
  });

  it('writes a shared event to every socket as the same JSON, whatever id the client gave its subscription, and traces the delivery once', async () => {
    const [ann, bob] = await Promise.all([member('Ann', { [orgA]: 'VIEWER' }), member('Bob', { [orgA]: 'VIEWER' })]);
    await new Promise((resolve) => setTimeout(resolve, 1100)); // the memberships reach the principal cache
    const traces: DeliveryTrace[] = [];
    const onTrace = (message: unknown) => void traces.push(message as DeliveryTrace);
    subscribe(DELIVERY_CHANNEL, onTrace);
    try {
      // The gateway writes each event's JSON, made once, in place of a marker at the end of the
      // message; an id holding the marker's very characters must not be mistaken for it.
      const marker = '\u0000organoise:serialized-payload\u0000';
      const ids: string[] = [];
      const plain = watch(ann, orgA);
      const marked: Watcher = { events: [], errors: [], closeCodes: [], client: createClient({ url: platform.gateway.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, generateID: () => marker, connectionParams: { authorization: `Bearer ${bob.token}` }, on: { message: (m) => void (m.type === 'next' && ids.push(m.id)) } }) };
      opened.push(marked);
      marked.client.subscribe({ query: RUNS, variables: { org: orgA } }, { next: (value) => void marked.events.push(value), error: (error) => void marked.errors.push(error), complete: () => {} });
      await waitFor(() => platform.gateway.subscriptions.stats().listeners === 2, 'two subscriptions');
      expect(platform.gateway.subscriptions.stats()).toMatchObject({ topics: 1 });
      const runId = await startRun();
      await waitFor(() => plain.events.length === 1 && marked.events.length === 1, 'the event on both sockets');
      expect([plain.errors, marked.errors, marked.closeCodes]).toEqual([[], [], []]);
      expect(ids).toEqual([marker]);
      const expected = { data: { workflowRunsChanged: { type: 'workflow.run.started', run: { id: runId, state: 'open', startedBy: { id: owner.id, name: 'Owner' } } } } };
      expect(plain.events[0]).toEqual(expected);
      expect(marked.events[0]).toEqual(expected);
      // One trace for the topic's event (not one per socket), its stages in order.
      expect(traces).toHaveLength(1);
      const [trace] = traces;
      expect(trace!.listeners).toBe(2);
      expect(JSON.parse(JSON.stringify(trace!.payload))).toEqual(expected);
      expect(trace!.receivedAt).toBeGreaterThan(0);
      expect(trace!.hydratingAt).toBeGreaterThanOrEqual(trace!.receivedAt);
      expect(trace!.hydratedAt).toBeGreaterThanOrEqual(trace!.hydratingAt);
      expect(trace!.pushedAt).toBeGreaterThanOrEqual(trace!.hydratedAt);
    } finally {
      unsubscribe(DELIVERY_CHANNEL, onTrace);
    }
  });

  it('keeps people with other roles or other organizations on their own topics', async () => {
    const [viewer, admin, twoOrgs] = await Promise.all([
      member('Vic', { [orgA]: 'VIEWER' }),
      member('Ada', { [orgA]: 'ADMIN' }),
      member('Tom', { [orgA]: 'VIEWER', [orgB]: 'VIEWER' }),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const watchers = [watch(viewer, orgA), watch(admin, orgA), watch(twoOrgs, orgA)];
    await waitFor(() => platform.gateway.subscriptions.stats().listeners === 3, 'three subscriptions');
    expect(platform.gateway.subscriptions.stats().topics).toBe(3);
    const runId = await startRun();
    await waitFor(() => watchers.every((w) => w.events.length === 1), 'the event on every socket');
    for (const w of watchers) expect(runIds(w)).toEqual([runId]);
    await Promise.all(watchers.map((w) => w.client.dispose()));
    await waitFor(() => platform.gateway.subscriptions.stats().topics === 0, 'the upstreams to close');
  });

  it('never shares a subscription that selects a field visible to oneself only (User.email)', async () => {
    const [eve, fay] = await Promise.all([member('Eve', { [orgA]: 'VIEWER' }), member('Fay', { [orgA]: 'VIEWER' })]);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const watchers = [watch(eve, orgA, RUNS_WITH_EMAIL), watch(fay, orgA, RUNS_WITH_EMAIL)];
    await waitFor(() => platform.gateway.subscriptions.stats().listeners === 2, 'two subscriptions');
    expect(platform.gateway.subscriptions.stats().topics).toBe(2);
    await Promise.all(watchers.map((w) => w.client.dispose()));
    await waitFor(() => platform.gateway.subscriptions.stats().topics === 0, 'the upstreams to close');
  });

  it('cuts off a removed member of a shared topic with 4403 while the others keep receiving, hydrated as someone still there', async () => {
    // The leaver subscribes first: the shared upstream and its first hydrations run as them.
    const leaver = await member('Lea', { [orgA]: 'VIEWER' });
    const stayer = await member('Sam', { [orgA]: 'VIEWER' });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const leaving = watch(leaver, orgA);
    await waitFor(() => platform.gateway.subscriptions.stats().listeners === 1, 'the first subscription');
    const staying = watch(stayer, orgA);
    await waitFor(() => platform.gateway.subscriptions.stats().listeners === 2, 'the second subscription');
    expect(platform.gateway.subscriptions.stats().topics).toBe(1);
    const first = await startRun();
    await waitFor(() => leaving.events.length === 1 && staying.events.length === 1, 'the first event on both');
    const removed = await platform.gql(`mutation($i: RemoveMemberInput!) { removeMember(input: $i) { removedUserId } }`, { i: { organizationId: orgA, userId: leaver.id } }, owner.token);
    expect(removed.errors).toBeUndefined();
    await waitFor(() => leaving.closeCodes.length === 1, 'the leaver to be cut off');
    expect(leaving.closeCodes).toEqual([4403]);
    const second = await startRun();
    await waitFor(() => staying.events.length === 2, 'the second event for the one who stays');
    expect(runIds(staying)).toEqual([first, second]);
    expect(staying.events[1].data.workflowRunsChanged.run.startedBy).toEqual({ id: owner.id, name: 'Owner' });
    expect(runIds(leaving)).toEqual([first]);
    await staying.client.dispose();
    await waitFor(() => platform.gateway.subscriptions.stats().topics === 0, 'the upstream to close');
  });

  it("refuses another organization's runs with NOT_FOUND even while a member's shared topic for it is open", async () => {
    const [insider, outsider] = await Promise.all([member('Ina', { [orgA]: 'VIEWER' }), member('Oli', { [orgB]: 'VIEWER' })]);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const inside = watch(insider, orgA);
    await waitFor(() => platform.gateway.subscriptions.stats().listeners === 1, 'the member subscription');
    const outside = watch(outsider, orgA);
    await waitFor(() => outside.events.length > 0 || outside.errors.length > 0, 'the refusal');
    const errors = (outside.events[0]?.errors ?? outside.errors[0]) as { extensions?: { code?: string } }[];
    expect(errors.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']);
    const received = outside.events.length;
    await startRun();
    await waitFor(() => inside.events.length === 1, 'the event for the member');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(outside.events).toHaveLength(received);
    expect(outside.events.some((e) => e.data)).toBe(false);
    await Promise.all([inside.client.dispose(), outside.client.dispose()]);
  });
});
