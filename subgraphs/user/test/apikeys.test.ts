import { API_KEY_PATH, API_KEY_SECRET_HEADER, INTERNAL_TOKEN_HEADER, PRINCIPAL_PATH, signInternalToken, type Role, type Viewer } from '@organoise/core';
import { codesOf, subgraphSocket, TEST_INTERNAL_SECRET, waitFor, watchSubscription } from '@organoise/core/testing';
import { eq, sql } from 'drizzle-orm';
import type { Client } from 'graphql-ws';
import { afterAll, describe, expect, it } from 'vitest';
import { apiKeys, auditEvents, invitations, organizations } from '../src/db/schema.js';
import { ManualClock, MemoryMailer, SUBGRAPH_NAME } from '../src/index.js';
import { useUserSubgraph, viewerOf } from './support/subgraph.js';

// API keys (a principal for programs, one organization, one role) and organization IP allow-lists,
// as the user subgraph serves them: the GraphQL fields and the gateway's internal lookup routes.
const clock = new ManualClock(new Date('2033-03-01T08:00:00Z'));

const IP = '198.51.100.7';
const subgraph = useUserSubgraph({
  mail: { mailer: new MemoryMailer() },
  clock,
}, { ip: IP });
const { call } = subgraph;

let counter = 0;
type Signed = Viewer & { email: string };
async function signUp(name = 'Ann'): Promise<Signed> {
  const email = `keys-${Date.now()}-${counter++}@example.com`;
  const res = await call(`mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }`, { i: { email, password: `pw-${counter}-long-enough-secret`, name } });
  expect(res.errors).toBeUndefined();
  return { ...viewerOf(res.data!.signUp.accessToken), email };
}

async function createOrg(owner: Viewer) {
  const res = await call(`mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id } }`, { i: { name: 'Keyed', slug: `keyed-${Date.now()}-${counter++}` } }, owner);
  expect(res.errors).toBeUndefined();
  return res.data!.createOrganization.id as string;
}

async function addMember(owner: Viewer, orgId: string, role: Role): Promise<Signed> {
  const member = await signUp('Member');
  const invite = await call(`mutation($i: InviteMemberInput!) { inviteMember(input: $i) { token } }`, { i: { organizationId: orgId, email: member.email, role } }, owner);
  expect(invite.errors).toBeUndefined();
  const accepted = await call(`mutation($t: String!) { acceptInvitation(token: $t) { id } }`, { t: invite.data!.inviteMember.token }, member);
  expect(accepted.errors).toBeUndefined();
  return member;
}

const CREATE = `mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret apiKey { id name role prefix ipAllowList expiresAt lastUsedAt revokedAt createdBy { id } organization { id } } } }`;
const REVOKE = `mutation($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }`;
const LIST = `query($id: ID!) { organization(id: $id) { apiKeys { totalCount nodes { id name role prefix lastUsedAt revokedAt createdBy { id } } } } }`;

async function createKey(viewer: Viewer, orgId: string, extra: Record<string, unknown> = {}) {
  const res = await call(CREATE, { i: { organizationId: orgId, name: 'CI deploys', role: 'MEMBER', ...extra } }, viewer);
  expect(res.errors).toBeUndefined();
  return res.data!.createApiKey as { secret: string; apiKey: { id: string; prefix: string; role: Role } };
}

/** The gateway's lookup: status and body of the internal route for `secret` used from `ip`. */
async function lookup(secret: string, ip: string | null = IP, internalToken?: string) {
  const url = new URL(API_KEY_PATH, subgraph.server.url);
  if (ip) url.searchParams.set('ip', ip);
  const token = internalToken ?? (await signInternalToken(TEST_INTERNAL_SECRET, SUBGRAPH_NAME, null));
  const res = await fetch(url, { headers: { [INTERNAL_TOKEN_HEADER]: token, [API_KEY_SECRET_HEADER]: secret } });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

const keyViewer = (keyId: string, orgId: string, role: Role, extra: Partial<Viewer> = {}): Viewer => ({ userId: keyId, sessionId: `apikey:${keyId}`, memberships: { [orgId]: role }, ...extra });
const keyCount = async (orgId: string) => (await subgraph.server.services.db.select({ n: sql<number>`count(*)::int` }).from(apiKeys).where(eq(apiKeys.organizationId, orgId)))[0]!.n;
const auditTypes = async (orgId: string) => (await subgraph.server.services.db.select({ type: auditEvents.type, details: auditEvents.details }).from(auditEvents).where(eq(auditEvents.organizationId, orgId))).map((r) => r);

describe('creating an API key', () => {
  it('shows the secret once, stores only its hash, and lists the key without it', async () => {
    const owner = await signUp();
    const orgId = await createOrg(owner);
    const { secret, apiKey } = await createKey(owner, orgId, { ipAllowList: ['10.1.2.3/8', '2001:db8::1/32'] });
    expect(secret).toMatch(/^onk_[0-9a-f-]{36}_[A-Za-z0-9_-]{43}$/);
    expect(secret.startsWith(apiKey.prefix)).toBe(true);
    expect(apiKey).toMatchObject({ role: 'MEMBER', ipAllowList: ['10.0.0.0/8', '2001:db8::/32'], createdBy: { id: owner.userId }, organization: { id: orgId }, revokedAt: null });
    const [row] = await subgraph.server.services.db.select().from(apiKeys).where(eq(apiKeys.id, apiKey.id));
    expect(JSON.stringify(row)).not.toContain(secret.slice(41));
    const list = await call(LIST, { id: orgId }, owner);
    expect(list.errors).toBeUndefined();
    expect(list.data!.organization.apiKeys.nodes).toEqual([expect.objectContaining({ id: apiKey.id, prefix: apiKey.prefix, createdBy: { id: owner.userId } })]);
    expect(JSON.stringify(list.data)).not.toContain(secret);
    expect((await auditTypes(orgId)).map((e) => e.type)).toContain('API_KEY_CREATED');
  });

  it('creates one key for a retried request with the same idempotency key, whose new secret works and whose lost one does not', async () => {
    const owner = await signUp();
    const orgId = await createOrg(owner);
    const first = await createKey(owner, orgId, { idempotencyKey: 'key-retry-0001' });
    // The answer was lost on the way; the client retries with the same key.
    const retry = await createKey(owner, orgId, { idempotencyKey: 'key-retry-0001' });
    expect(retry.apiKey.id).toBe(first.apiKey.id);
    expect(retry.secret).not.toBe(first.secret);
    expect(await keyCount(orgId)).toBe(1);
    expect((await lookup(retry.secret)).status).toBe(200);
    expect((await lookup(first.secret)).status).not.toBe(200);
    expect(codesOf(await call(CREATE, { i: { organizationId: orgId, name: 'another', role: 'MEMBER', idempotencyKey: 'key-retry-0001' } }, owner))).toEqual(['IDEMPOTENCY_KEY_REUSED']);
    // A key revoked since: the retry does not bring it back.
    await call(REVOKE, { id: first.apiKey.id }, owner);
    expect(codesOf(await call(CREATE, { i: { organizationId: orgId, name: 'CI deploys', role: 'MEMBER', idempotencyKey: 'key-retry-0001' } }, owner))).toEqual(['CONFLICT']);
    expect(await keyCount(orgId)).toBe(1);
  });

  it('refuses a role above the creator\'s, OWNER, non-admins, strangers, bad CIDRs and past expiries, creating nothing', async () => {
    const owner = await signUp();
    const orgId = await createOrg(owner);
    const admin = await addMember(owner, orgId, 'ADMIN');
    const member = await addMember(owner, orgId, 'MEMBER');
    const stranger = await signUp('Stranger');
    const base = { organizationId: orgId, name: 'k' };
    expect(codesOf(await call(CREATE, { i: { ...base, role: 'OWNER' } }, owner))).toEqual(['ROLE_TOO_HIGH']);
    expect(codesOf(await call(CREATE, { i: { ...base, role: 'ADMIN' } }, member))).toEqual(['FORBIDDEN']);
    expect(codesOf(await call(CREATE, { i: { ...base, role: 'VIEWER' } }, stranger))).toEqual(['NOT_FOUND']);
    expect(codesOf(await call(CREATE, { i: { ...base, ipAllowList: ['10.0.0.0/33'] } }, owner))).toEqual(['BAD_USER_INPUT']);
    expect(codesOf(await call(CREATE, { i: { ...base, ipAllowList: ['not-an-ip'] } }, owner))).toEqual(['BAD_USER_INPUT']);
    expect(codesOf(await call(CREATE, { i: { ...base, expiresAt: new Date(clock.now().getTime() - 1000).toISOString() } }, owner))).toEqual(['BAD_USER_INPUT']);
    expect(await keyCount(orgId)).toBe(0);
    // An admin may give a key their own role, not more.
    expect((await createKey(admin, orgId, { role: 'ADMIN' })).apiKey.role).toBe('ADMIN');
    expect(codesOf(await call(LIST, { id: orgId }, member))).toEqual(['FORBIDDEN']);
  });
});

describe('the gateway lookup', () => {
  it('turns a key into a principal of its one organization and role, and marks it used', async () => {
    const owner = await signUp();
    const orgId = await createOrg(owner);
    const { secret, apiKey } = await createKey(owner, orgId, { role: 'VIEWER' });
    const found = await lookup(secret);
    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({ userId: apiKey.id, sessionId: `apikey:${apiKey.id}`, memberships: { [orgId]: 'VIEWER' }, keyAllowList: [] });
    const list = await call(LIST, { id: orgId }, owner);
    expect(list.data!.organization.apiKeys.nodes[0].lastUsedAt).toBe(clock.now().toISOString());
  });

  it('refuses malformed and wrong secrets, and answers only the gateway', async () => {
    const owner = await signUp();
    const orgId = await createOrg(owner);
    const { secret } = await createKey(owner, orgId);
    expect((await lookup('onk_nonsense')).body.error).toBe('API_KEY_INVALID');
    const wrong = `${secret.slice(0, -4)}${secret.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    expect(await lookup(wrong)).toEqual({ status: 404, body: { error: 'API_KEY_INVALID' } });
    expect((await lookup(secret, IP, 'forged')).status).toBe(401);
    const refused = (await auditTypes(orgId)).filter((e) => e.type === 'API_KEY_REFUSED');
    expect(refused.map((e) => e.details.reason)).toEqual(['WRONG_SECRET']);
  });

  it('refuses a revoked key from then on, and audits the revocation and the refusal', async () => {
    const owner = await signUp();
    const orgId = await createOrg(owner);
    const otherOwner = await signUp('Other');
    await createOrg(otherOwner);
    const { secret, apiKey } = await createKey(owner, orgId);
    // Another tenant cannot learn of the key, nor revoke it.
    expect(codesOf(await call(REVOKE, { id: apiKey.id }, otherOwner))).toEqual(['NOT_FOUND']);
    expect((await lookup(secret)).status).toBe(200);
    const revoked = await call(REVOKE, { id: apiKey.id }, owner);
    expect(revoked.errors).toBeUndefined();
    expect(revoked.data!.revokeApiKey.revokedAt).toBe(clock.now().toISOString());
    expect(await lookup(secret)).toEqual({ status: 404, body: { error: 'API_KEY_REVOKED' } });
    const types = (await auditTypes(orgId)).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['API_KEY_CREATED', 'API_KEY_REVOKED', 'API_KEY_REFUSED']));
  });

  it('refuses a key past its expiry', async () => {
    const owner = await signUp();
    const orgId = await createOrg(owner);
    const { secret } = await createKey(owner, orgId, { expiresAt: new Date(clock.now().getTime() + 3600_000).toISOString() });
    expect((await lookup(secret)).status).toBe(200);
    clock.advance(3601);
    expect(await lookup(secret)).toEqual({ status: 404, body: { error: 'API_KEY_EXPIRED' } });
  });

  it("checks the key's own IP allow-list, IPv4 and IPv6, and refuses when the address is unknown", async () => {
    const owner = await signUp();
    const orgId = await createOrg(owner);
    const { secret } = await createKey(owner, orgId, { ipAllowList: ['127.0.0.1/32', '2001:db8::/32'] });
    expect((await lookup(secret, '127.0.0.1')).status).toBe(200);
    expect((await lookup(secret, '::ffff:127.0.0.1')).status).toBe(200);
    expect((await lookup(secret, '2001:db8:1::9')).status).toBe(200);
    expect(await lookup(secret, '10.0.0.1')).toEqual({ status: 403, body: { error: 'IP_NOT_ALLOWED' } });
    expect((await lookup(secret, null)).body.error).toBe('IP_NOT_ALLOWED');
  });
});

describe('what an API key may do here', () => {
  it('reads its own organization, not another, and may not act as a person', async () => {
    const owner = await signUp();
    const orgId = await createOrg(owner);
    const otherId = await createOrg(await signUp('Other'));
    const { apiKey } = await createKey(owner, orgId, { role: 'ADMIN' });
    const key = keyViewer(apiKey.id, orgId, 'ADMIN');
    const read = await call(`query($id: ID!) { organization(id: $id) { id name viewerRole } }`, { id: orgId }, key);
    expect(read.errors).toBeUndefined();
    expect(read.data!.organization).toMatchObject({ id: orgId, viewerRole: 'ADMIN' });
    expect(codesOf(await call(`query($id: ID!) { organization(id: $id) { id } }`, { id: otherId }, key))).toEqual(['NOT_FOUND']);
    const refusedEverywhere = [
      [`mutation { signOut }`, {}],
      [`mutation($i: ChangePasswordInput!) { changePassword(input: $i) }`, { i: { currentPassword: 'x-long-enough-1', newPassword: 'y-long-enough-2' } }],
      [`mutation { enrollTotp { __typename } }`, {}],
      [CREATE, { i: { organizationId: orgId, name: 'minted', role: 'VIEWER' } }],
      [`mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id } }`, { i: { name: 'By key', slug: `by-key-${counter++}` } }],
      // Letting people in is a person's act (and an invitation names a person as its inviter).
      [`mutation($i: InviteMemberInput!) { inviteMember(input: $i) { token } }`, { i: { organizationId: orgId, email: `invited-${counter++}@example.com`, role: 'MEMBER' } }],
    ] as const;
    for (const [query, variables] of refusedEverywhere) {
      const res = await call(query, variables as Record<string, unknown>, key);
      expect(codesOf(res), query).toContain('API_KEY_NOT_ALLOWED');
    }
    expect(await keyCount(orgId)).toBe(1);
    expect(await subgraph.server.services.db.select().from(invitations).where(eq(invitations.organizationId, orgId))).toEqual([]);
  });
});

// The user subgraph reads a person's role from its tables and an API key's from its token (core's
// RoleSource, UserServices.roles). Two places used to read the tables for anyone, so a key, which
// has no membership row, was no one there: an admin key saw every address in the audit log as
// null, and a key's membershipChanged subscription ended at its first event.
describe("an API key's role, wherever this subgraph reads roles", () => {
  const clients: Client[] = [];
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
  });

  it('shows an admin key the addresses in its audit log, as a person admin sees them', async () => {
    const owner = await signUp();
    const orgId = await createOrg(owner);
    await addMember(owner, orgId, 'MEMBER');
    const { apiKey } = await createKey(owner, orgId, { role: 'ADMIN' });
    const AUDIT = `query($id: ID!) { organization(id: $id) { auditLog { nodes { type ipAddress } } } }`;
    const asOwner = await call(AUDIT, { id: orgId }, owner);
    const asKey = await call(AUDIT, { id: orgId }, keyViewer(apiKey.id, orgId, 'ADMIN'));
    expect(asKey.errors).toBeUndefined();
    expect(asKey.data!.organization.auditLog.nodes.length).toBeGreaterThan(0);
    expect(asKey.data!.organization.auditLog.nodes.every((e: { ipAddress: string | null }) => e.ipAddress === IP)).toBe(true);
    expect(asKey.data).toEqual(asOwner.data);
    // A MEMBER key may not read the log at all, like a member.
    expect(codesOf(await call(AUDIT, { id: orgId }, keyViewer(apiKey.id, orgId, 'MEMBER')))).toEqual(['FORBIDDEN']);
  });

  it("follows its organization's membership changes past the first one", async () => {
    const owner = await signUp();
    const orgId = await createOrg(owner);
    const { apiKey } = await createKey(owner, orgId, { role: 'VIEWER' });
    const client = subgraphSocket(subgraph.server.url, SUBGRAPH_NAME, keyViewer(apiKey.id, orgId, 'VIEWER'));
    clients.push(client);
    const w = watchSubscription(client, `subscription($o: ID!, $a: String) { membershipChanged(organizationId: $o, after: $a) { cursor type role } }`, { o: orgId, a: '0' });
    await waitFor(() => w.events().length === 1, 'the creation');
    const member = await addMember(owner, orgId, 'MEMBER');
    await waitFor(() => w.events().length === 2, 'the accepted invitation');
    await call(`mutation($i: ChangeMemberRoleInput!) { changeMemberRole(input: $i) { role } }`, { i: { organizationId: orgId, userId: member.userId, role: 'VIEWER' } }, owner);
    await waitFor(() => w.events().length === 3, 'the role change');
    expect(w.events().map((e) => `${e.cursor}:${e.type}:${e.role}`)).toEqual(['1:membership.added:OWNER', '2:membership.added:MEMBER', '3:membership.role_changed:VIEWER']);
    expect(w.ended).toEqual({});
    expect(w.results.flatMap((r) => r.errors ?? [])).toEqual([]);
    w.stop();
  });
});

describe('organization IP allow-lists', () => {
  const SET = `mutation($i: SetOrganizationIpAllowListInput!) { setOrganizationIpAllowList(input: $i) { id ipAllowList } }`;

  it('lets an admin set a list that includes their own address, and hands it to the gateway', async () => {
    const owner = await signUp();
    const orgId = await createOrg(owner);
    const set = await call(SET, { i: { organizationId: orgId, cidrs: ['198.51.100.0/24', '2001:db8::/48', '198.51.100.9'] } }, owner);
    expect(set.errors).toBeUndefined();
    expect(set.data!.setOrganizationIpAllowList.ipAllowList).toEqual(['198.51.100.0/24', '2001:db8::/48', '198.51.100.9/32']);
    const url = new URL(PRINCIPAL_PATH, subgraph.server.url);
    url.searchParams.set('sessionId', owner.sessionId);
    url.searchParams.set('userId', owner.userId);
    const principal = (await (await fetch(url, { headers: { [INTERNAL_TOKEN_HEADER]: await signInternalToken(TEST_INTERNAL_SECRET, SUBGRAPH_NAME, null) } })).json()) as { allowLists?: Record<string, string[]> };
    expect(principal.allowLists).toEqual({ [orgId]: ['198.51.100.0/24', '2001:db8::/48', '198.51.100.9/32'] });
    expect((await auditTypes(orgId)).map((e) => e.type)).toContain('ORGANIZATION_ALLOW_LIST_CHANGED');
  });

  it("refuses a list that would lock out the caller's own address, bad entries and non-admins, changing nothing", async () => {
    const owner = await signUp();
    const orgId = await createOrg(owner);
    const member = await addMember(owner, orgId, 'MEMBER');
    expect(codesOf(await call(SET, { i: { organizationId: orgId, cidrs: ['10.0.0.0/8'] } }, owner))).toEqual(['ALLOW_LIST_LOCKOUT']);
    expect(codesOf(await call(SET, { i: { organizationId: orgId, cidrs: ['10.0.0.0/8'] } }, owner, null))).toEqual(['ALLOW_LIST_LOCKOUT']);
    expect(codesOf(await call(SET, { i: { organizationId: orgId, cidrs: ['10.0.0.0/99'] } }, owner))).toEqual(['BAD_USER_INPUT']);
    expect(codesOf(await call(SET, { i: { organizationId: orgId, cidrs: [] } }, member))).toEqual(['FORBIDDEN']);
    expect(codesOf(await call(`query($id: ID!) { organization(id: $id) { ipAllowList } }`, { id: orgId }, member))).toEqual(['FORBIDDEN']);
    const [row] = await subgraph.server.services.db.select({ list: organizations.ipAllowList }).from(organizations).where(eq(organizations.id, orgId));
    expect(row!.list).toEqual([]);
  });

  it('answers IP_NOT_ALLOWED, not NOT_FOUND, for an organization the gateway withheld', async () => {
    const owner = await signUp();
    const orgId = await createOrg(owner);
    const withheld: Viewer = { ...owner, memberships: {}, deniedOrgs: [orgId] };
    const res = await call(`query($id: ID!) { organization(id: $id) { id } }`, { id: orgId }, withheld);
    expect(codesOf(res)).toEqual(['IP_NOT_ALLOWED']);
    const list = await call(`{ organizations { totalCount } }`, {}, withheld);
    expect(list.data!.organizations.totalCount).toBe(0);
  });
});
