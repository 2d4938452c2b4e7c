import { buildSubgraphSchema } from '@apollo/subgraph';
import type { Viewer } from '@organoise/core';
import { codesOf, subgraphSocket, waitFor, watchSubscription } from '@organoise/core/testing';
import type { Client } from 'graphql-ws';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryMailer, permissions, resolvers, SUBGRAPH_NAME, typeDefs } from '../src/index.js';
import { fieldsWithoutRules } from '@organoise/core';
import { useUserSubgraph } from './support/subgraph.js';

// The cross-tenant matrix (docs/decisions/0005-graphql-shield.md) for the user subgraph's types
// (User, Organization, Membership, Invitation, Session, AuditEvent), and the masking of personal
// fields (email, IP addresses). Roles here come from the database, whatever the token claims.

const sockets: Client[] = [];
const IP_OWNER_A = '198.51.100.1';
const IP_MEMBER_A = '198.51.100.2';
const IP_B = '203.0.113.9';

const subgraph = useUserSubgraph({ sessionTtlSeconds: 3600, mail: { mailer: new MemoryMailer() } }, { ip: IP_OWNER_A });
const { call } = subgraph;
function ok(response: Awaited<ReturnType<typeof call>>) {
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  return response.data!;
}

let counter = 0;
type Person = Viewer & { email: string };
async function signUp(name: string, ip: string): Promise<Person> {
  const email = `authz-${Date.now()}-${counter++}@example.com`;
  const data = ok(await call(`mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }`, { i: { email, password: 'correct horse battery', name } }, null, ip));
  const claims = decodeJwt(data.signUp.accessToken);
  return { userId: claims.sub!, sessionId: claims.sid as string, memberships: {}, email };
}
async function createOrg(owner: Person, name: string, ip: string) {
  const slug = `authz-${counter++}-${Date.now()}`;
  const data = ok(await call(`mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id slug } }`, { i: { name, slug } }, owner, ip));
  return data.createOrganization as { id: string; slug: string };
}
async function invite(owner: Person, organizationId: string, email: string, ip: string) {
  const data = ok(await call(`mutation($i: InviteMemberInput!) { inviteMember(input: $i) { token invitation { id } } }`, { i: { organizationId, email, role: 'MEMBER' } }, owner, ip));
  return data.inviteMember as { token: string; invitation: { id: string } };
}
async function join(owner: Person, organizationId: string, invitee: Person, ownerIp: string, inviteeIp: string) {
  const { token } = await invite(owner, organizationId, invitee.email, ownerIp);
  ok(await call(`mutation($t: String!) { acceptInvitation(token: $t) { id } }`, { t: token }, invitee, inviteeIp));
}

let ownerA: Person;
let memberA: Person;
let ownerB: Person;
let memberB: Person;
/** In both organizations: whom A's owner may see, and whose B side must stay hidden from them. */
let bridge: Person;
let orgA: { id: string; slug: string };
let orgB: { id: string; slug: string };
let invitationB: string;

beforeAll(async () => {
  [ownerA, memberA, ownerB, memberB, bridge] = await Promise.all([
    signUp('Owner A', IP_OWNER_A),
    signUp('Member A', IP_MEMBER_A),
    signUp('Owner B', IP_B),
    signUp('Member B', IP_B),
    signUp('Bridge', IP_B),
  ]);
  orgA = await createOrg(ownerA, 'Org A', IP_OWNER_A);
  orgB = await createOrg(ownerB, 'Org B secret', IP_B);
  await join(ownerA, orgA.id, memberA, IP_OWNER_A, IP_MEMBER_A);
  await join(ownerA, orgA.id, bridge, IP_OWNER_A, IP_B);
  await join(ownerB, orgB.id, memberB, IP_B, IP_B);
  await join(ownerB, orgB.id, bridge, IP_B, IP_B);
  invitationB = (await invite(ownerB, orgB.id, 'pending-b@example.com', IP_B)).invitation.id;
  // An event about member A, made by owner A from the owner's address.
  ok(await call(`mutation($i: ChangeMemberRoleInput!) { changeMemberRole(input: $i) { role } }`, { i: { organizationId: orgA.id, userId: memberA.userId, role: 'VIEWER' } }, ownerA, IP_OWNER_A));
});
afterAll(async () => {
  await Promise.all(sockets.map((s) => s.dispose()));
});

const B_SNAPSHOT = `query($id: ID!) { organization(id: $id) {
  name ipAllowList
  members(first: 50) { totalCount nodes { role user { id } } }
  invitations(first: 50) { totalCount nodes { id status } }
} viewer { sessions { totalCount nodes { id revokedAt } } } }`;
const snapshotB = async () => ok(await call(B_SNAPSHOT, { id: orgB.id }, ownerB, IP_B));

describe('permissions', () => {
  it('give every root field and every object type of the schema an explicit rule', () => {
    const schema = buildSubgraphSchema([{ typeDefs, resolvers: resolvers as never }]);
    expect(fieldsWithoutRules(schema, permissions)).toEqual([]);
  });
});

describe('a member of another organization', () => {
  // Owner A, the most a member of A can be; and owner A with a token claiming B as well.
  const attackers: [string, () => Viewer][] = [
    ['its owner', () => ownerA],
    ['its owner with a token claiming OWNER of B', () => ({ ...ownerA, memberships: { [orgB.id]: 'OWNER' } })],
  ];

  describe.each(attackers)('(%s)', (_who, attacker) => {
    it.each([
      ['User', `query($id: ID!) { user(id: $id) { id name email } }`, () => ({ id: ownerB.userId })],
      ['Organization', `query($id: ID!) { organization(id: $id) { id name } }`, () => ({ id: orgB.id })],
      ['Organization by slug', `query($slug: String!) { organizationBySlug(slug: $slug) { id name } }`, () => ({ slug: orgB.slug })],
      ['Membership (the members of theirs)', `query($id: ID!) { organization(id: $id) { members { nodes { role user { id } } } } }`, () => ({ id: orgB.id })],
      ['Invitation (the invitations of theirs)', `query($id: ID!) { organization(id: $id) { invitations { nodes { id email } } } }`, () => ({ id: orgB.id })],
      ['AuditEvent (the audit log of theirs)', `query($id: ID!) { organization(id: $id) { auditLog { nodes { type ipAddress } } } }`, () => ({ id: orgB.id })],
    ])('cannot read a %s by root query: NOT_FOUND, no data', async (_type, query, variables) => {
      const response = await call(query, variables(), attacker());
      expect(codesOf(response)).toEqual(['NOT_FOUND']);
      expect(JSON.stringify(response.data)).not.toMatch(/Org B secret|pending-b|Owner B/);
    });

    it.each([
      ['User', () => ({ __typename: 'User', id: ownerB.userId })],
      ['Organization', () => ({ __typename: 'Organization', id: orgB.id })],
    ])('gets null for a %s of theirs through _entities, with the internal token the gateway signs', async (_type, rep) => {
      const response = await call(`query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id email sessions { totalCount } } ... on Organization { id name members { totalCount } } } }`, { r: [rep()] }, attacker());
      expect(response.errors).toBeUndefined();
      expect(response.data!._entities).toEqual([null]);
    });

    it("sees none of B's Memberships, Sessions or AuditEvents of a user both organizations share", async () => {
      const data = ok(await call(`query($id: ID!) { user(id: $id) {
        memberships { nodes { organization { id } } }
        sessions { totalCount nodes { ipAddress } }
        securityEvents { totalCount nodes { ipAddress } }
      } }`, { id: bridge.userId }, attacker()));
      expect(JSON.stringify(data)).not.toContain(orgB.id);
      expect(data.user).toEqual({ memberships: { nodes: [] }, sessions: { totalCount: 0, nodes: [] }, securityEvents: { totalCount: 0, nodes: [] } });
    });

    it.each([
      ['updateOrganization', `mutation($i: UpdateOrganizationInput!) { updateOrganization(input: $i) { id } }`, () => ({ i: { id: orgB.id, name: 'Pwned' } })],
      ['inviteMember', `mutation($i: InviteMemberInput!) { inviteMember(input: $i) { token } }`, () => ({ i: { organizationId: orgB.id, email: 'spy@example.com', role: 'ADMIN' } })],
      ['changeMemberRole', `mutation($i: ChangeMemberRoleInput!) { changeMemberRole(input: $i) { role } }`, () => ({ i: { organizationId: orgB.id, userId: memberB.userId, role: 'OWNER' } })],
      ['removeMember', `mutation($i: RemoveMemberInput!) { removeMember(input: $i) { removedUserId } }`, () => ({ i: { organizationId: orgB.id, userId: memberB.userId } })],
      ['revokeInvitation', `mutation($id: ID!) { revokeInvitation(id: $id) { id } }`, () => ({ id: invitationB })],
      ['setOrganizationIpAllowList', `mutation($i: SetOrganizationIpAllowListInput!) { setOrganizationIpAllowList(input: $i) { id } }`, () => ({ i: { organizationId: orgB.id, cidrs: ['198.51.100.0/24'] } })],
      ['revokeSession (a session of theirs)', `mutation($id: ID!) { revokeSession(id: $id) { id } }`, () => ({ id: ownerB.sessionId })],
    ])('cannot change theirs with %s (NOT_FOUND) and nothing changes', async (_name, mutation, variables) => {
      const before = await snapshotB();
      const response = await call(mutation, variables(), attacker());
      expect(codesOf(response)).toEqual(['NOT_FOUND']);
      expect(await snapshotB()).toEqual(before);
    });

    it('cannot subscribe to their membershipChanged (NOT_FOUND) and receives none of their events', async () => {
      const socket = subgraphSocket(subgraph.server.url, SUBGRAPH_NAME, attacker());
      sockets.push(socket);
      const w = watchSubscription(socket, `subscription($id: ID!) { membershipChanged(organizationId: $id) { type userId organization { name } } }`, { id: orgB.id });
      await waitFor(() => w.ended.complete === true || w.ended.error !== undefined || w.results.length > 0, 'the refusal');
      expect(w.results.flatMap((r) => (r.errors ?? []).map((e) => e.extensions?.code))).toEqual(['NOT_FOUND']);
      expect(w.events()).toEqual([]);
    });
  });

  it('without a viewer gets UNAUTHENTICATED from the root queries and mutations that need one, and nothing through _entities', async () => {
    for (const [query, variables] of [
      [`query($id: ID!) { user(id: $id) { id } }`, { id: ownerB.userId }],
      [`query($id: ID!) { organization(id: $id) { id } }`, { id: orgB.id }],
      [`{ organizations { totalCount } }`, {}],
      [`mutation($i: UpdateOrganizationInput!) { updateOrganization(input: $i) { id } }`, { i: { id: orgB.id, name: 'Pwned' } }],
      [`mutation { signOutEverywhere }`, {}],
    ] as const) {
      expect(codesOf(await call(query, variables, null))).toEqual(['UNAUTHENTICATED']);
    }
    const entities = await call(`query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id } ... on Organization { id } } }`, { r: [{ __typename: 'User', id: ownerB.userId }, { __typename: 'Organization', id: orgB.id }] }, null);
    expect(entities.data!._entities).toEqual([null, null]);
  });
});

describe('a member of the organization', () => {
  it('still resolves User and Organization through _entities: __resolveReference runs under the shield', async () => {
    const response = await call(`query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id name } ... on Organization { id name viewerRole } } }`, { r: [{ __typename: 'User', id: memberA.userId }, { __typename: 'Organization', id: orgA.id }] }, ownerA);
    expect(ok(response)._entities).toEqual([
      { id: memberA.userId, name: 'Member A' },
      { id: orgA.id, name: 'Org A', viewerRole: 'OWNER' },
    ]);
  });
});

describe('personal data masking', () => {
  const MEMBERS = `query($id: ID!) { organization(id: $id) { members(first: 50) { nodes { user { id email emailVerified } } } } }`;
  const emailsSeenBy = async (viewer: Viewer) =>
    Object.fromEntries((ok(await call(MEMBERS, { id: orgA.id }, viewer)).organization.members.nodes as { user: { id: string; email: string | null } }[]).map((m) => [m.user.id, m.user.email]));

  it("shows a member's email to the owner, but only their own to a plain member", async () => {
    expect(await emailsSeenBy(ownerA)).toMatchObject({ [memberA.userId]: memberA.email, [bridge.userId]: bridge.email, [ownerA.userId]: ownerA.email });
    expect(await emailsSeenBy(memberA)).toEqual({ [memberA.userId]: memberA.email, [bridge.userId]: null, [ownerA.userId]: null });
  });

  it('shows the IP address of their own sessions to the user themself', async () => {
    const data = ok(await call(`{ viewer { sessions { nodes { ipAddress current } } } }`, {}, memberA, IP_MEMBER_A));
    expect(data.viewer.sessions.nodes).toEqual([{ ipAddress: IP_MEMBER_A, current: true }]);
  });

  it("masks another person's IP address in one's own security events (null), and shows one's own", async () => {
    const data = ok(await call(`{ viewer { securityEvents(first: 50) { nodes { type actorId ipAddress } } } }`, {}, memberA, IP_MEMBER_A));
    const events = data.viewer.securityEvents.nodes as { type: string; actorId: string | null; ipAddress: string | null }[];
    const roleChange = events.find((e) => e.type === 'ROLE_CHANGED');
    expect(roleChange).toEqual({ type: 'ROLE_CHANGED', actorId: ownerA.userId, ipAddress: null });
    expect(events.find((e) => e.type === 'SIGN_UP')).toEqual({ type: 'SIGN_UP', actorId: memberA.userId, ipAddress: IP_MEMBER_A });
    expect(JSON.stringify(events)).not.toContain(IP_OWNER_A);
  });

  it("shows every IP address of the organization's audit log to its owner, for audit", async () => {
    const data = ok(await call(`query($id: ID!) { organization(id: $id) { auditLog(first: 50) { nodes { type actorId ipAddress } } } }`, { id: orgA.id }, ownerA));
    const log = data.organization.auditLog.nodes as { type: string; actorId: string; ipAddress: string | null }[];
    expect(log.find((e) => e.type === 'ROLE_CHANGED')?.ipAddress).toBe(IP_OWNER_A);
    expect(log.find((e) => e.type === 'INVITATION_ACCEPTED' && e.actorId === memberA.userId)?.ipAddress).toBe(IP_MEMBER_A);
  });

  it('refuses the audit log to a plain member (FORBIDDEN), addresses included', async () => {
    const response = await call(`query($id: ID!) { organization(id: $id) { auditLog { nodes { ipAddress } } } }`, { id: orgA.id }, memberA, IP_MEMBER_A);
    expect(codesOf(response)).toEqual(['FORBIDDEN']);
    expect(JSON.stringify(response.data)).not.toMatch(/198\.51\.100/);
  });
});
