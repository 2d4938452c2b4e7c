import { codesOf, postGraphQL } from '@organoise/core/testing';
import { DEMO_ORGANIZATION, DEMO_USERS, seedDemo } from '@organoise/platform';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestPlatform, type TestPlatform } from './harness.js';

// API keys and IP allow-lists through the running platform: real HTTP and graphql-ws to the
// gateway, which resolves keys at the user subgraph and enforces allow-lists for every subgraph.
// The harness connects from 127.0.0.1; the gateway trusts X-Forwarded-For from loopback only,
// so a request with that header is seen as coming from the address it names.
const KEY_BUDGET = 6;
let platform: TestPlatform;
let ownerToken: string;
let orgId: string;

beforeAll(async () => {
  platform = await startTestPlatform({
    // Long, to show that revocation and expiry do not wait for the cache to lapse.
    principalCacheMs: 5000,
    gateway: { trustProxy: 'loopback', protection: { rateLimits: { apiKey: { points: KEY_BUDGET, durationSeconds: 60 } } } },
  });
  await seedDemo(platform.gateway.url);
  const owner = DEMO_USERS.find((u) => u.role === 'OWNER')!;
  ownerToken = await platform.tokenOf(owner.email);
  const orgs = await platform.gql(`{ organizations { nodes { id slug } } }`, {}, ownerToken);
  orgId = orgs.data!.organizations.nodes.find((o: { slug: string }) => o.slug === DEMO_ORGANIZATION.slug).id;
});

afterAll(async () => {
  await platform?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function createKey(input: Record<string, unknown> = {}, token = ownerToken, organizationId = orgId) {
  const res = await platform.gql(`mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret apiKey { id } } }`, { i: { organizationId, name: 'e2e', role: 'VIEWER', ...input } }, token);
  expect(res.errors).toBeUndefined();
  return res.data!.createApiKey as { secret: string; apiKey: { id: string } };
}

const withKey = (query: string, variables: Record<string, unknown>, secret: string, headers: Record<string, string> = {}) =>
  postGraphQL(platform.gateway.url, query, variables, { authorization: `ApiKey ${secret}`, ...headers });

const DEFINITION = `query($org: ID!) { workflowDefinitionByKey(organizationId: $org, key: "expense-approval") { id key } }`;

describe('API keys at the gateway', () => {
  it('reads another subgraph (workflow) with a key, within its one organization only', async () => {
    const { secret } = await createKey();
    const res = await withKey(DEFINITION, { org: orgId }, secret);
    expect(res.errors).toBeUndefined();
    expect(res.data!.workflowDefinitionByKey.key).toBe('expense-approval');
    // Another organization's data is not the key's: the same answer as for an id that does not exist.
    const other = await platform.gql(`mutation { signUp(input: { email: "keyless-${Date.now()}@example.com", password: "another-long-password-1", name: "Other" }) { accessToken } }`);
    const otherToken = other.data!.signUp.accessToken;
    const otherOrg = await platform.gql(`mutation { createOrganization(input: { name: "Other", slug: "other-${Date.now()}" }) { id } }`, {}, otherToken);
    const refused = await withKey(DEFINITION, { org: otherOrg.data!.createOrganization.id }, secret);
    expect(codesOf(refused)).toEqual(['NOT_FOUND']);
  });

  it('limits a key to its role: a VIEWER key cannot start a run, and nothing starts', async () => {
    const { secret } = await createKey({ role: 'VIEWER' });
    const definition = (await withKey(DEFINITION, { org: orgId }, secret)).data!.workflowDefinitionByKey.id;
    const runsBefore = await platform.gql(`query($id: ID!) { workflowDefinition(id: $id) { runs { totalCount } } }`, { id: definition }, ownerToken);
    const res = await withKey(`mutation($i: StartWorkflowRunInput!) { startWorkflowRun(input: $i) { id } }`, { i: { definitionId: definition, data: { amount: 5 } } }, secret);
    expect(codesOf(res)).toEqual(['FORBIDDEN']);
    const runsAfter = await platform.gql(`query($id: ID!) { workflowDefinition(id: $id) { runs { totalCount } } }`, { id: definition }, ownerToken);
    expect(runsAfter.data).toEqual(runsBefore.data);
  });

  it("acts with at most its creator's current role, and stops when the creator leaves the organization", async () => {
    // A new admin makes an ADMIN key, then is demoted to MEMBER, then removed.
    const email = `keyadmin-${Date.now()}@example.com`;
    const signUp = await platform.gql(`mutation($i: SignUpInput!) { signUp(input: $i) { accessToken user { id } } }`, { i: { email, password: 'key admin password 1', name: 'Key Admin' } });
    const adminToken = signUp.data!.signUp.accessToken as string;
    const adminId = signUp.data!.signUp.user.id as string;
    const invite = await platform.gql(`mutation($i: InviteMemberInput!) { inviteMember(input: $i) { token } }`, { i: { organizationId: orgId, email, role: 'ADMIN' } }, ownerToken);
    expect((await platform.gql(`mutation($t: String!) { acceptInvitation(token: $t) { id } }`, { t: invite.data!.inviteMember.token }, adminToken)).errors).toBeUndefined();
    await sleep(5100); // the new membership reaches the gateway's principal cache (5 s here)
    const { secret } = await createKey({ role: 'ADMIN' }, adminToken);
    const rename = (name: string) => withKey(`mutation($i: UpdateOrganizationInput!) { updateOrganization(input: $i) { name } }`, { i: { id: orgId, name } }, secret);
    const original = (await platform.gql(`query($id: ID!) { organization(id: $id) { name } }`, { id: orgId }, ownerToken)).data!.organization.name as string;
    expect((await rename(original)).errors).toBeUndefined(); // ADMIN while its creator is

    const demoted = await platform.gql(`mutation($i: ChangeMemberRoleInput!) { changeMemberRole(input: $i) { role } }`, { i: { organizationId: orgId, userId: adminId, role: 'MEMBER' } }, ownerToken);
    expect(demoted.errors).toBeUndefined();
    await sleep(5100);
    expect(codesOf(await rename('Renamed by a demoted key'))).toEqual(['FORBIDDEN']);
    expect((await withKey(DEFINITION, { org: orgId }, secret)).errors).toBeUndefined(); // still a MEMBER's reads

    const removed = await platform.gql(`mutation($i: RemoveMemberInput!) { removeMember(input: $i) { removedUserId } }`, { i: { organizationId: orgId, userId: adminId } }, ownerToken);
    expect(removed.errors).toBeUndefined();
    await sleep(5100);
    const after = await withKey(DEFINITION, { org: orgId }, secret);
    expect(after.status).toBe(401);
    expect(codesOf(after)).toEqual(['API_KEY_REVOKED']);
    expect((await platform.gql(`query($id: ID!) { organization(id: $id) { name } }`, { id: orgId }, ownerToken)).data!.organization.name).toBe(original);
  });

  it('refuses a revoked key on the next request, an expired key, and an unknown one', async () => {
    const { secret, apiKey } = await createKey();
    expect((await withKey(DEFINITION, { org: orgId }, secret)).errors).toBeUndefined();
    expect((await withKey(DEFINITION, { org: orgId }, secret)).errors).toBeUndefined(); // served from the cache
    const revoked = await platform.gql(`mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }`, { id: apiKey.id }, ownerToken);
    expect(revoked.errors).toBeUndefined();
    // At once: the revoking admin's mutation dropped the organization's cached key lookups.
    const refused = await withKey(DEFINITION, { org: orgId }, secret);
    expect(refused.status).toBe(401);
    expect(codesOf(refused)).toEqual(['API_KEY_REVOKED']);

    const expiring = await createKey({ expiresAt: new Date(Date.now() + 1500).toISOString() });
    expect((await withKey(DEFINITION, { org: orgId }, expiring.secret)).errors).toBeUndefined();
    await sleep(1700);
    expect(codesOf(await withKey(DEFINITION, { org: orgId }, expiring.secret))).toEqual(['API_KEY_EXPIRED']);
    expect(codesOf(await withKey(DEFINITION, { org: orgId }, `${secret.slice(0, -3)}xyz`))).toEqual(['API_KEY_INVALID']);
  });

  it("checks the key's IP allow-list against the client address (X-Forwarded-For from a trusted proxy)", async () => {
    const outside = await createKey({ ipAllowList: ['10.0.0.0/8'] });
    const refused = await withKey(DEFINITION, { org: orgId }, outside.secret);
    expect(refused.status).toBe(403);
    expect(codesOf(refused)).toEqual(['IP_NOT_ALLOWED']);
    expect((await withKey(DEFINITION, { org: orgId }, outside.secret, { 'x-forwarded-for': '10.2.3.4' })).errors).toBeUndefined();
    const local = await createKey({ ipAllowList: ['127.0.0.1/32'] });
    expect((await withKey(DEFINITION, { org: orgId }, local.secret)).errors).toBeUndefined();
    expect(codesOf(await withKey(DEFINITION, { org: orgId }, local.secret, { 'x-forwarded-for': '203.0.113.9' }))).toEqual(['IP_NOT_ALLOWED']);
  });

  it('may not mint keys, sign out or change a password', async () => {
    const { secret } = await createKey({ role: 'ADMIN' });
    const mint = await withKey(`mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret } }`, { i: { organizationId: orgId, name: 'minted', role: 'VIEWER' } }, secret);
    expect(codesOf(mint)).toEqual(['API_KEY_NOT_ALLOWED']);
    expect(codesOf(await withKey(`mutation { signOut }`, {}, secret))).toEqual(['API_KEY_NOT_ALLOWED']);
  });

  it('gives each key its own budget: 429 with Retry-After once it is spent, other keys unaffected', async () => {
    const { secret } = await createKey();
    const send = () =>
      fetch(platform.gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `ApiKey ${secret}` }, body: JSON.stringify({ query: '{ __typename }' }) });
    for (let i = 0; i < KEY_BUDGET; i++) expect((await send()).status).toBe(200);
    const limited = await send();
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await limited.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('RATE_LIMITED');
    const fresh = await createKey();
    expect((await withKey(DEFINITION, { org: orgId }, fresh.secret)).errors).toBeUndefined();
    // The owner's own budget (per user) is untouched by the key's.
    expect((await platform.gql(`{ __typename }`, {}, ownerToken)).status).toBe(200);
  });

  it('subscribes over graphql-ws with a key, and a refused key closes the socket with 4401', async () => {
    const { secret } = await createKey({ role: 'MEMBER' });
    const events: unknown[] = [];
    const closeCodes: number[] = [];
    const client = createClient({
      url: platform.gateway.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: `ApiKey ${secret}` },
      on: { closed: (event) => void closeCodes.push((event as { code: number }).code) },
    });
    const definition = (await withKey(DEFINITION, { org: orgId }, secret)).data!.workflowDefinitionByKey.id;
    const started = await withKey(`mutation($i: StartWorkflowRunInput!) { startWorkflowRun(input: $i) { id } }`, { i: { definitionId: definition, data: { amount: 7 } } }, secret);
    expect(started.errors).toBeUndefined();
    const runId = started.data!.startWorkflowRun.id;
    const errors: unknown[] = [];
    const stop = client.subscribe(
      { query: `subscription($runId: ID!) { workflowRunUpdated(runId: $runId) { type run { state } } }`, variables: { runId } },
      { next: (value) => void events.push(value), error: (error) => void errors.push(error), complete: () => {} },
    );
    await sleep(400);
    const submitted = await platform.gql(`mutation($i: TransitionWorkflowRunInput!) { transitionWorkflowRun(input: $i) { state } }`, { i: { runId, transition: 'submit' } }, ownerToken);
    expect(submitted.errors).toBeUndefined();
    for (let i = 0; i < 40 && events.length === 0; i++) await sleep(100);
    expect(errors).toEqual([]);
    expect(events).toContainEqual({ data: { workflowRunUpdated: expect.objectContaining({ run: { state: 'submitted' } }) } });
    stop();
    await client.dispose();

    const refusedCodes: number[] = [];
    const refusedClient = createClient({
      url: platform.gateway.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: `ApiKey onk_00000000-0000-0000-0000-000000000000_${'A'.repeat(43)}` },
      on: { closed: (event) => void refusedCodes.push((event as { code: number }).code) },
    });
    const failed = new Promise<unknown>((resolve) => refusedClient.subscribe({ query: `subscription($runId: ID!) { workflowRunUpdated(runId: $runId) { type } }`, variables: { runId } }, { next: () => {}, error: resolve, complete: () => resolve(null) }));
    await failed;
    expect(refusedCodes).toEqual([4401]);
    await refusedClient.dispose();
  });
});

describe('organization IP allow-lists at the gateway', () => {
  it('withholds the organization from a member outside the list, with IP_NOT_ALLOWED in every subgraph', async () => {
    const signUp = await platform.gql(`mutation { signUp(input: { email: "fenced-${Date.now()}@example.com", password: "fenced-long-password-1", name: "Fence" }) { accessToken } }`);
    const token = signUp.data!.signUp.accessToken;
    const org = await platform.gql(`mutation { createOrganization(input: { name: "Fenced", slug: "fenced-${Date.now()}" }) { id } }`, {}, token);
    const fencedId = org.data!.createOrganization.id;
    // Refused when it would lock the admin out (the harness is 127.0.0.1).
    const lockout = await platform.gql(`mutation($i: SetOrganizationIpAllowListInput!) { setOrganizationIpAllowList(input: $i) { id } }`, { i: { organizationId: fencedId, cidrs: ['10.0.0.0/8'] } }, token);
    expect(codesOf(lockout)).toEqual(['ALLOW_LIST_LOCKOUT']);
    const set = await platform.gql(`mutation($i: SetOrganizationIpAllowListInput!) { setOrganizationIpAllowList(input: $i) { ipAllowList } }`, { i: { organizationId: fencedId, cidrs: ['127.0.0.1/32'] } }, token);
    expect(set.errors).toBeUndefined();
    expect(set.data!.setOrganizationIpAllowList.ipAllowList).toEqual(['127.0.0.1/32']);
    const key = await createKey({}, token, fencedId);
    const asToken = (query: string, variables: Record<string, unknown>, xff?: string) =>
      postGraphQL(platform.gateway.url, query, variables, { authorization: `Bearer ${token}`, ...(xff ? { 'x-forwarded-for': xff } : {}) });
    expect((await asToken(`query($id: ID!) { organization(id: $id) { id } }`, { id: fencedId })).errors).toBeUndefined();
    // From outside: the user subgraph and the workflow subgraph both answer IP_NOT_ALLOWED.
    expect(codesOf(await asToken(`query($id: ID!) { organization(id: $id) { id } }`, { id: fencedId }, '203.0.113.5'))).toEqual(['IP_NOT_ALLOWED']);
    expect(codesOf(await asToken(`query($org: ID!) { workflowDefinitionByKey(organizationId: $org, key: "x") { id } }`, { org: fencedId }, '203.0.113.5'))).toEqual(['IP_NOT_ALLOWED']);
    // An API key of the organization is held to the organization's list too.
    expect(codesOf(await withKey(`query($id: ID!) { organization(id: $id) { id } }`, { id: fencedId }, key.secret, { 'x-forwarded-for': '203.0.113.5' }))).toEqual(['IP_NOT_ALLOWED']);
    expect((await withKey(`query($id: ID!) { organization(id: $id) { id } }`, { id: fencedId }, key.secret)).errors).toBeUndefined();

    // Subscriptions too: the socket's address is read the same way (X-Forwarded-For from loopback).
    const subscribeFrom = async (xff: string | null) => {
      class FromWebSocket extends WebSocket {
        constructor(url: string, protocols?: string | string[]) {
          super(url, protocols, xff ? { headers: { 'x-forwarded-for': xff } } : {});
        }
      }
      const client = createClient({ url: platform.gateway.url.replace(/^http/, 'ws'), webSocketImpl: FromWebSocket, retryAttempts: 0, connectionParams: { authorization: `Bearer ${token}` } });
      const outcome = await new Promise<unknown>((resolve) => {
        const stop = client.subscribe(
          { query: `subscription($org: ID!) { liveMetrics(organizationId: $org) { __typename } }`, variables: { org: fencedId } },
          { next: (value) => (stop(), resolve(value)), error: resolve, complete: () => resolve('complete') },
        );
        setTimeout(() => (stop(), resolve('open')), 1500);
      });
      await client.dispose();
      return outcome;
    };
    const outside = (await subscribeFrom('203.0.113.5')) as { errors?: { extensions?: { code?: string } }[] } | { extensions?: { code?: string } }[];
    const outsideErrors = Array.isArray(outside) ? outside : (outside.errors ?? []);
    expect(outsideErrors.map((e) => e.extensions?.code)).toEqual(['IP_NOT_ALLOWED']);
    const inside = await subscribeFrom(null);
    expect(JSON.stringify(inside)).not.toContain('IP_NOT_ALLOWED');
  });
});
