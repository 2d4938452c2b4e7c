import { waitFor } from '@organoise/core/testing';
import { DEMO_ORGANIZATION, seedDemo } from '@organoise/platform';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestPlatform, type TestPlatform } from './harness.js';

// Live subscriptions end when their credentials do, told by the user subgraph's credential events
// through Redis (docs/protocols/subscriptions.md, "Credential events"), not by polling. The
// gateway's periodic sweep here is ten minutes: every close below within a test's time can only
// come from an event. The whole platform, real Redis (the machine's; its channels are shared with
// other suites, whose events name other people), real graphql-ws clients.

const SWEEP_MS = 600_000;
/** Generous: on a loaded machine the publish, the look-up and the close each wait for a core. */
const WAIT_MS = 30_000;
let platform: TestPlatform;
let orgId: string;
let definitionId: string;
let ownerToken: string;
let counter = 0;

const RUN_UPDATES = `subscription($runId: ID!) { workflowRunUpdated(runId: $runId) { type run { state } } }`;

beforeAll(async () => {
  platform = await startTestPlatform({ redis: true, subscriptions: { authRecheckMs: 200, authSweepMs: SWEEP_MS } });
  await seedDemo(platform.gateway.url);
  ownerToken = (await platform.demoTokens()).OWNER;
  const res = await platform.gql(`{ organizations { nodes { id slug workflows { nodes { id key } } } } }`, {}, ownerToken);
  const org = res.data!.organizations.nodes.find((o: { slug: string }) => o.slug === DEMO_ORGANIZATION.slug);
  orgId = org.id;
  definitionId = org.workflows.nodes.find((w: { key: string }) => w.key === 'expense-approval').id;
  // Polled at 200 ms until the feed is confirmed, one more round, then only the sweep.
  await waitFor(() => platform.gateway.credentialStats().periodMs === SWEEP_MS, 'the gateway to follow the credential events');
}, 180_000);

afterAll(async () => {
  await platform?.stop();
});

/** A new person, a VIEWER of the demo organization, signed in. */
async function member(): Promise<{ token: string; userId: string; email: string }> {
  const email = `credential-events-${Date.now()}-${counter++}@example.com`;
  const up = await platform.gql(`mutation($i: SignUpInput!) { signUp(input: $i) { accessToken user { id } } }`, { i: { email, password: 'credential events password', name: 'Watched' } });
  const token = up.data!.signUp.accessToken as string;
  const invite = await platform.gql(`mutation($i: InviteMemberInput!) { inviteMember(input: $i) { token } }`, { i: { organizationId: orgId, email, role: 'VIEWER' } }, ownerToken);
  expect((await platform.gql(`mutation($t: String!) { acceptInvitation(token: $t) { id } }`, { t: invite.data!.inviteMember.token }, token)).errors).toBeUndefined();
  return { token, userId: up.data!.signUp.user.id as string, email };
}

async function startRun(): Promise<string> {
  const res = await platform.gql(`mutation($i: StartWorkflowRunInput!) { startWorkflowRun(input: $i) { id } }`, { i: { definitionId, data: { amount: 5 } } }, ownerToken);
  expect(res.errors).toBeUndefined();
  return res.data!.startWorkflowRun.id as string;
}

/** A graphql-ws client with one run subscription, accepted (live) before it returns. */
async function watch(authorization: string) {
  const closed: { code: number; reason: string }[] = [];
  const client = createClient({
    url: platform.gateway.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams: { authorization },
    on: { closed: (event) => void closed.push({ code: (event as { code: number }).code, reason: (event as { reason: string }).reason }) },
  });
  const events: unknown[] = [];
  const listeners = platform.gateway.subscriptions.stats().listeners;
  const runId = await startRun();
  client.subscribe({ query: RUN_UPDATES, variables: { runId } }, { next: (v) => void events.push(v), error: () => {}, complete: () => {} });
  await waitFor(() => platform.gateway.subscriptions.stats().listeners > listeners || closed.length > 0, 'the subscription to be live', WAIT_MS);
  expect(closed).toEqual([]);
  return { closed, events, runId, dispose: () => client.dispose() };
}

describe('credential events end live subscriptions at once', { timeout: 4 * WAIT_MS }, () => {
  it('a member removed from the organization: 4403, from the membership.removed event', async () => {
    const leaver = await member();
    const sub = await watch(`Bearer ${leaver.token}`);
    const before = platform.gateway.credentialStats().eventRechecks;
    const removed = await platform.gql(`mutation($i: RemoveMemberInput!) { removeMember(input: $i) { removedUserId } }`, { i: { organizationId: orgId, userId: leaver.userId } }, ownerToken);
    expect(removed.errors).toBeUndefined();
    await waitFor(() => sub.closed.length > 0, 'the socket to close', WAIT_MS);
    expect(sub.closed).toEqual([{ code: 4403, reason: 'Authorization changed' }]);
    expect(platform.gateway.credentialStats().eventRechecks).toBeGreaterThan(before);
    await sub.dispose();
  });

  it('a session signed out, and every session of a person signed out everywhere from another: 4401', async () => {
    const person = await member();
    const first = await watch(`Bearer ${person.token}`);
    await platform.gql(`mutation { signOut }`, {}, person.token);
    await waitFor(() => first.closed.length > 0, 'the signed-out session to close', WAIT_MS);
    expect(first.closed).toEqual([{ code: 4401, reason: 'Session ended' }]);

    const laptop = await platform.tokenOf(person.email, 'credential events password');
    const phone = await platform.tokenOf(person.email, 'credential events password');
    const second = await watch(`Bearer ${laptop}`);
    expect((await platform.gql(`mutation { signOutEverywhere }`, {}, phone)).data?.signOutEverywhere).toBe(2);
    await waitFor(() => second.closed.length > 0, 'the other session to close', WAIT_MS);
    expect(second.closed).toEqual([{ code: 4401, reason: 'Session ended' }]);
    await Promise.all([first.dispose(), second.dispose()]);
  });

  it('an API key revoked: 4401 API_KEY_REVOKED, from the api_key.revoked event', async () => {
    const created = await platform.gql(`mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret apiKey { id } } }`, { i: { organizationId: orgId, name: `watched ${counter++}`, role: 'MEMBER' } }, ownerToken);
    expect(created.errors).toBeUndefined();
    const sub = await watch(`ApiKey ${created.data!.createApiKey.secret}`);
    await platform.gql(`mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, { id: created.data!.createApiKey.apiKey.id }, ownerToken);
    await waitFor(() => sub.closed.length > 0, 'the key socket to close', WAIT_MS);
    expect(sub.closed).toEqual([{ code: 4401, reason: 'API_KEY_REVOKED' }]);
    await sub.dispose();
  });

  it("leaves a socket open when an event names someone else or changes no one's rights: another member's role change, a rename", async () => {
    const stays = await member();
    const other = await member();
    const sub = await watch(`Bearer ${stays.token}`);
    expect((await platform.gql(`mutation($i: ChangeMemberRoleInput!) { changeMemberRole(input: $i) { role } }`, { i: { organizationId: orgId, userId: other.userId, role: 'MEMBER' } }, ownerToken)).errors).toBeUndefined();
    expect((await platform.gql(`mutation($i: UpdateOrganizationInput!) { updateOrganization(input: $i) { name } }`, { i: { id: orgId, name: `${DEMO_ORGANIZATION.name} ${counter++}` } }, ownerToken)).errors).toBeUndefined();
    // Events are published after their commits, in order per subgraph: a later write's event
    // through the same gateway arrives after them, and the socket is still there for it.
    const fired = await platform.gql(`mutation($i: TransitionWorkflowRunInput!) { transitionWorkflowRun(input: $i) { state } }`, { i: { runId: sub.runId, transition: 'submit' } }, ownerToken);
    expect(fired.errors).toBeUndefined();
    await waitFor(() => sub.events.length === 1, 'the run event', WAIT_MS);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(sub.closed).toEqual([]);
    await sub.dispose();
  });
});
