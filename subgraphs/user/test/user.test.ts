import { INTERNAL_TOKEN_HEADER, PRINCIPAL_PATH, signInternalToken, type Viewer } from '@organoise/core';
import { codesOf, postGraphQL, TEST_INTERNAL_SECRET } from '@organoise/core/testing';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { SUBGRAPH_NAME } from '../src/index.js';
import { useUserSubgraph } from './support/subgraph.js';

const subgraph = useUserSubgraph({ sessionTtlSeconds: 3600 });
const { call } = subgraph;

const SIGN_UP = `mutation($input: SignUpInput!) { signUp(input: $input) { accessToken expiresAt user { id name email } } }`;
let counter = 0;
const uniqueEmail = (prefix: string) => `${prefix}-${Date.now()}-${counter++}@example.com`;

/** Signs a user up and returns the Viewer the gateway would build for them. */
async function signUp(name = 'Ada Lovelace', email = uniqueEmail('user')): Promise<Viewer & { email: string; token: string }> {
  const res = await call(SIGN_UP, { input: { email, password: 'correct horse battery', name } });
  expect(res.errors).toBeUndefined();
  const token = res.data!.signUp.accessToken as string;
  const claims = decodeJwt(token);
  return { userId: claims.sub!, sessionId: claims.sid as string, memberships: {}, email, token };
}

async function createOrg(viewer: Viewer, slug = `org-${counter++}-${Date.now()}`) {
  const res = await call(`mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { id slug viewerRole } }`, { input: { name: 'Acme', slug } }, viewer);
  expect(res.errors).toBeUndefined();
  return res.data!.createOrganization as { id: string; slug: string; viewerRole: string };
}

async function principal(viewer: Viewer) {
  const token = await signInternalToken(TEST_INTERNAL_SECRET, SUBGRAPH_NAME, null);
  const url = new URL(PRINCIPAL_PATH, subgraph.server.url);
  url.searchParams.set('sessionId', viewer.sessionId);
  url.searchParams.set('userId', viewer.userId);
  return fetch(url, { headers: { [INTERNAL_TOKEN_HEADER]: token } });
}

/** Invites `email` into `orgId` as `role` and accepts as `invitee`. */
async function addMember(owner: Viewer, orgId: string, invitee: Viewer & { email: string }, role: string) {
  const invite = await call(`mutation($input: InviteMemberInput!) { inviteMember(input: $input) { token invitation { id status } } }`, { input: { organizationId: orgId, email: invitee.email, role } }, owner);
  expect(invite.errors).toBeUndefined();
  const accept = await call(`mutation($t: String!) { acceptInvitation(token: $t) { role } }`, { t: invite.data!.inviteMember.token }, invitee);
  expect(accept.errors).toBeUndefined();
  return accept.data!.acceptInvitation;
}

describe('internal token', () => {
  it('refuses a request without the internal token with 401 INTERNAL_TOKEN_INVALID', async () => {
    const res = await postGraphQL(subgraph.server.url, '{ viewer { id } }');
    expect(res.status).toBe(401);
    expect(codesOf(res)).toEqual(['INTERNAL_TOKEN_INVALID']);
  });

  it('refuses a token addressed to another subgraph', async () => {
    const token = await signInternalToken(TEST_INTERNAL_SECRET, 'workflow', null);
    const res = await postGraphQL(subgraph.server.url, '{ viewer { id } }', {}, { [INTERNAL_TOKEN_HEADER]: token });
    expect(res.status).toBe(401);
  });

  it('refuses a token signed with another secret', async () => {
    const token = await signInternalToken('another-secret-that-is-long-enough-0000', SUBGRAPH_NAME, null);
    const res = await postGraphQL(subgraph.server.url, '{ viewer { id } }', {}, { [INTERNAL_TOKEN_HEADER]: token });
    expect(res.status).toBe(401);
  });
});

describe('sign-up and sign-in', () => {
  it('signs up, returns an ES256 access token with a kid, and the new user sees their own email', async () => {
    const email = uniqueEmail('ada');
    const res = await call(SIGN_UP, { input: { email: email.toUpperCase(), password: 'correct horse battery', name: 'Ada' } });
    expect(res.errors).toBeUndefined();
    expect(res.data!.signUp.user.email).toBe(email);
    const header = JSON.parse(Buffer.from(res.data!.signUp.accessToken.split('.')[0], 'base64url').toString());
    expect(header.alg).toBe('ES256');
    expect(header.kid).toBeTruthy();
    const jwks = (await (await fetch(new URL('/.well-known/jwks.json', subgraph.server.url))).json()) as { keys: { kid: string }[] };
    expect(jwks.keys.map((k: { kid: string }) => k.kid)).toContain(header.kid);
    expect(JSON.stringify(jwks)).not.toContain('"d"');
  });

  it('refuses a second account with the same email with CONFLICT', async () => {
    const email = uniqueEmail('dup');
    await signUp('First', email);
    const res = await call(SIGN_UP, { input: { email, password: 'another password!', name: 'Second' } });
    expect(codesOf(res)).toEqual(['CONFLICT']);
    const signIn = await call(`mutation($i: SignInInput!) { signIn(input: $i) { user { name } } }`, { i: { email, password: 'correct horse battery' } });
    expect(signIn.data!.signIn.user.name).toBe('First');
  });

  it('refuses invalid sign-up input with BAD_USER_INPUT listing each problem, and creates nobody', async () => {
    const email = uniqueEmail('bad');
    const res = await call(SIGN_UP, { input: { email: 'not-an-email', password: 'short', name: '   ' } });
    expect(codesOf(res)).toEqual(['BAD_USER_INPUT']);
    const paths = (res.errors![0]!.extensions!.issues as { path: string }[]).map((i) => i.path).sort();
    expect(paths).toEqual(['email', 'name', 'password']);
    const again = await call(SIGN_UP, { input: { email, password: 'short', name: 'x' } });
    expect(codesOf(again)).toEqual(['BAD_USER_INPUT']);
    const signIn = await call(`mutation($i: SignInInput!) { signIn(input: $i) { accessToken } }`, { i: { email, password: 'short' } });
    expect(codesOf(signIn)).toEqual(['INVALID_CREDENTIALS']);
  });

  it('answers an unknown email and a wrong password with the same error', async () => {
    const user = await signUp();
    const SIGN_IN = `mutation($i: SignInInput!) { signIn(input: $i) { accessToken } }`;
    const wrongPassword = await call(SIGN_IN, { i: { email: user.email, password: 'wrong password!!' } });
    const unknownEmail = await call(SIGN_IN, { i: { email: uniqueEmail('nobody'), password: 'wrong password!!' } });
    expect(codesOf(wrongPassword)).toEqual(['INVALID_CREDENTIALS']);
    expect(wrongPassword.errors![0]!.message).toBe(unknownEmail.errors![0]!.message);
    expect(codesOf(unknownEmail)).toEqual(['INVALID_CREDENTIALS']);
    const ok = await call(SIGN_IN, { i: { email: user.email, password: 'correct horse battery' } });
    expect(ok.data!.signIn.accessToken).toBeTruthy();
  });

  it('signing out revokes the session: the principal lookup stops finding it', async () => {
    const user = await signUp();
    expect((await principal(user)).status).toBe(200);
    const res = await call(`mutation { signOut }`, {}, user);
    expect(res.data!.signOut).toBe(true);
    expect((await principal(user)).status).toBe(404);
  });

  it('refuses the principal lookup without an internal token', async () => {
    const user = await signUp();
    const url = new URL(PRINCIPAL_PATH, subgraph.server.url);
    url.searchParams.set('sessionId', user.sessionId);
    url.searchParams.set('userId', user.userId);
    expect((await fetch(url)).status).toBe(401);
  });
});

describe('organizations and memberships', () => {
  it('makes the creator OWNER, and the principal lists the new role', async () => {
    const owner = await signUp();
    const org = await createOrg(owner);
    expect(org.viewerRole).toBe('OWNER');
    const p = (await (await principal(owner)).json()) as { memberships: Record<string, string> };
    expect(p.memberships).toEqual({ [org.id]: 'OWNER' });
  });

  it('refuses a taken slug with CONFLICT and an invalid slug with BAD_USER_INPUT', async () => {
    const owner = await signUp();
    const org = await createOrg(owner);
    const taken = await call(`mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { id } }`, { input: { name: 'Other', slug: org.slug } }, owner);
    expect(codesOf(taken)).toEqual(['CONFLICT']);
    const bad = await call(`mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { id } }`, { input: { name: 'Other', slug: 'Not A Slug' } }, owner);
    expect(codesOf(bad)).toEqual(['BAD_USER_INPUT']);
    const list = await call(`{ organizations { totalCount } }`, {}, owner);
    expect(list.data!.organizations.totalCount).toBe(1);
  });

  it('requires sign-in to create an organization', async () => {
    const res = await call(`mutation { createOrganization(input: { name: "X", slug: "xyz-anon" }) { id } }`);
    expect(codesOf(res)).toEqual(['UNAUTHENTICATED']);
  });

  it("hides another tenant's organization as NOT_FOUND, by query and through _entities", async () => {
    const alice = await signUp();
    const mallory = await signUp();
    const org = await createOrg(alice);
    const byId = await call(`query($id: ID!) { organization(id: $id) { name } }`, { id: org.id }, mallory);
    expect(codesOf(byId)).toEqual(['NOT_FOUND']);
    const bySlug = await call(`query($s: String!) { organizationBySlug(slug: $s) { name } }`, { s: org.slug }, mallory);
    expect(codesOf(bySlug)).toEqual(['NOT_FOUND']);
    const entities = await call(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Organization { id name } } }`,
      { r: [{ __typename: 'Organization', id: org.id }] },
      mallory,
    );
    expect(entities.data!._entities).toEqual([null]);
    const unknown = await call(`query($id: ID!) { organization(id: $id) { name } }`, { id: 'not-a-uuid' }, alice);
    expect(codesOf(unknown)).toEqual(['BAD_USER_INPUT']);
  });

  it('invites, accepts, and refuses an invitation used by someone else or twice', async () => {
    const owner = await signUp();
    const org = await createOrg(owner);
    const invitee = await signUp('Bob');
    const stranger = await signUp('Eve');
    const invite = await call(`mutation($input: InviteMemberInput!) { inviteMember(input: $input) { token } }`, { input: { organizationId: org.id, email: invitee.email, role: 'MEMBER' } }, owner);
    const token = invite.data!.inviteMember.token;
    const stolen = await call(`mutation($t: String!) { acceptInvitation(token: $t) { role } }`, { t: token }, stranger);
    expect(codesOf(stolen)).toEqual(['INVITATION_INVALID']);
    const accepted = await call(`mutation($t: String!) { acceptInvitation(token: $t) { role organization { id } } }`, { t: token }, invitee);
    expect(accepted.data!.acceptInvitation).toEqual({ role: 'MEMBER', organization: { id: org.id } });
    const twice = await call(`mutation($t: String!) { acceptInvitation(token: $t) { role } }`, { t: token }, invitee);
    expect(codesOf(twice)).toEqual(['INVITATION_INVALID']);
    const invites = await call(`query($id: ID!) { organization(id: $id) { invitations { nodes { email status invitedBy { id } } } } }`, { id: org.id }, owner);
    expect(invites.data!.organization.invitations.nodes).toEqual([{ email: invitee.email, status: 'ACCEPTED', invitedBy: { id: owner.userId } }]);
  });

  it('lets only owners grant admin, and keeps the last owner', async () => {
    const owner = await signUp();
    const org = await createOrg(owner);
    const admin = await signUp('Admin');
    const member = await signUp('Member');
    await addMember(owner, org.id, admin, 'ADMIN');
    await addMember(owner, org.id, member, 'MEMBER');
    const CHANGE = `mutation($input: ChangeMemberRoleInput!) { changeMemberRole(input: $input) { role } }`;
    const promote = await call(CHANGE, { input: { organizationId: org.id, userId: member.userId, role: 'ADMIN' } }, admin);
    expect(codesOf(promote)).toEqual(['FORBIDDEN']);
    const demoteSelf = await call(CHANGE, { input: { organizationId: org.id, userId: owner.userId, role: 'MEMBER' } }, owner);
    expect(codesOf(demoteSelf)).toEqual(['LAST_OWNER']);
    const leave = await call(`mutation($input: RemoveMemberInput!) { removeMember(input: $input) { removedUserId } }`, { input: { organizationId: org.id, userId: owner.userId } }, owner);
    expect(codesOf(leave)).toEqual(['LAST_OWNER']);
    const byMember = await call(CHANGE, { input: { organizationId: org.id, userId: admin.userId, role: 'VIEWER' } }, member);
    expect(codesOf(byMember)).toEqual(['FORBIDDEN']);
    const roles = await call(`query($id: ID!) { organization(id: $id) { members(orderBy: { field: NAME, direction: ASC }) { nodes { role user { name } } } } }`, { id: org.id }, owner);
    expect(roles.data!.organization.members.nodes.map((m: { role: string }) => m.role).sort()).toEqual(['ADMIN', 'MEMBER', 'OWNER']);
    const viewerNow = await call(CHANGE, { input: { organizationId: org.id, userId: member.userId, role: 'VIEWER' } }, admin);
    expect(viewerNow.data!.changeMemberRole.role).toBe('VIEWER');
  });

  it('removes a member, after which they can no longer see the organization', async () => {
    const owner = await signUp();
    const org = await createOrg(owner);
    const member = await signUp('Leaving');
    await addMember(owner, org.id, member, 'MEMBER');
    const res = await call(`mutation($input: RemoveMemberInput!) { removeMember(input: $input) { removedUserId organization { id } } }`, { input: { organizationId: org.id, userId: member.userId } }, owner);
    expect(res.data!.removeMember).toEqual({ removedUserId: member.userId, organization: { id: org.id } });
    const after = await call(`query($id: ID!) { organization(id: $id) { name } }`, { id: org.id }, member);
    expect(codesOf(after)).toEqual(['NOT_FOUND']);
  });

  it('answers a member who leaves with their removal and no organization, not an error for a change that was made', async () => {
    const owner = await signUp();
    const org = await createOrg(owner);
    const member = await signUp('Leaver');
    await addMember(owner, org.id, member, 'MEMBER');
    const res = await call(`mutation($input: RemoveMemberInput!) { removeMember(input: $input) { removedUserId organization { id name } } }`, { input: { organizationId: org.id, userId: member.userId } }, member);
    expect(res.errors).toBeUndefined();
    expect(res.data!.removeMember).toEqual({ removedUserId: member.userId, organization: null });
    expect(codesOf(await call(`query($id: ID!) { organization(id: $id) { name } }`, { id: org.id }, member))).toEqual(['NOT_FOUND']);
  });

  it('pages members with cursors, filters by role and search, and orders by name', async () => {
    const owner = await signUp('Zed Owner');
    const org = await createOrg(owner);
    for (const name of ['Carol', 'alice', 'Bob', 'Dave']) {
      await addMember(owner, org.id, await signUp(name), name === 'Dave' ? 'VIEWER' : 'MEMBER');
    }
    const Q = `query($id: ID!, $after: String, $filter: MemberFilter, $order: MemberOrder) {
      organization(id: $id) { members(first: 2, after: $after, filter: $filter, orderBy: $order) {
        totalCount pageInfo { hasNextPage endCursor } nodes { role user { name } } } } }`;
    const order = { field: 'NAME', direction: 'ASC' };
    const names: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 5; page++) {
      const res = await call(Q, { id: org.id, after, order }, owner);
      expect(res.errors).toBeUndefined();
      const members: { totalCount: number; nodes: { user: { name: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } = res.data!.organization.members;
      expect(members.totalCount).toBe(5);
      names.push(...members.nodes.map((n: { user: { name: string } }) => n.user.name));
      if (!members.pageInfo.hasNextPage) break;
      after = members.pageInfo.endCursor;
    }
    expect(names).toEqual(['Bob', 'Carol', 'Dave', 'Zed Owner', 'alice']);
    const viewers = await call(Q, { id: org.id, filter: { role: 'VIEWER' } }, owner);
    expect(viewers.data!.organization.members.nodes).toEqual([{ role: 'VIEWER', user: { name: 'Dave' } }]);
    const search = await call(Q, { id: org.id, filter: { search: 'AL' } }, owner);
    expect(search.data!.organization.members.nodes.map((n: { user: { name: string } }) => n.user.name)).toEqual(['alice']);
    const badCursor = await call(Q, { id: org.id, after: 'garbage' }, owner);
    expect(codesOf(badCursor)).toEqual(['BAD_USER_INPUT']);
    const tooMany = await call(`query($id: ID!) { organization(id: $id) { members(first: 1000) { totalCount } } }`, { id: org.id }, owner);
    expect(codesOf(tooMany)).toEqual(['BAD_USER_INPUT']);
  });

  it('finds members by a part of their name, or of their email for owners and admins only, within the one organization', async () => {
    const owner = await signUp('Olga Owner');
    const org = await createOrg(owner);
    const member = await signUp('Mia Member');
    const viewer = await signUp('Vic Viewer');
    const target = await signUp('Quentin Quill', uniqueEmail('qq-mailbox'));
    await addMember(owner, org.id, member, 'MEMBER');
    await addMember(owner, org.id, viewer, 'VIEWER');
    await addMember(owner, org.id, target, 'MEMBER');
    // Another organization with a namesake: never in this one's answers.
    const other = await signUp('Other Owner');
    const otherOrg = await createOrg(other);
    await addMember(other, otherOrg.id, await signUp('Quentin Elsewhere'), 'MEMBER');
    const Q = `query($id: ID!, $search: String) { organization(id: $id) { members(filter: { search: $search }) { totalCount nodes { user { name } } } } }`;
    const names = async (search: string, as: Viewer) => {
      const res = await call(Q, { id: org.id, search }, as);
      expect(res.errors).toBeUndefined();
      const members: { totalCount: number; nodes: { user: { name: string } }[] } = res.data!.organization.members;
      expect(members.totalCount).toBe(members.nodes.length);
      return members.nodes.map((n) => n.user.name);
    };
    expect(await names('quent', owner)).toEqual(['Quentin Quill']);
    expect(await names('quent', viewer)).toEqual(['Quentin Quill']);
    // By email: an admin's or owner's search matches it; a member's does not (they do not see emails).
    expect(await names('QQ-MAILBOX', owner)).toEqual(['Quentin Quill']);
    expect(await names('qq-mailbox', member)).toEqual([]);
    // LIKE's wildcards are plain characters.
    expect(await names('%', owner)).toEqual([]);
    expect(await names('_', owner)).toEqual([]);
    expect(codesOf(await call(Q, { id: org.id, search: 'x'.repeat(101) }, owner))).toEqual(['BAD_USER_INPUT']);
    expect(await names('x'.repeat(100), owner)).toEqual([]);
    // Someone outside the organization learns nothing, not even that it exists.
    expect(codesOf(await call(Q, { id: org.id, search: 'quent' }, other))).toEqual(['NOT_FOUND']);
  });

  it('shows users only to people who share an organization, and email only to admins and the user', async () => {
    const owner = await signUp();
    const org = await createOrg(owner);
    const member = await signUp('Member');
    const viewer = await signUp('Viewer');
    const outsider = await signUp('Outsider');
    await addMember(owner, org.id, member, 'MEMBER');
    await addMember(owner, org.id, viewer, 'VIEWER');
    const Q = `query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id name email } } }`;
    const reps = { r: [{ __typename: 'User', id: member.userId }] };
    expect((await call(Q, reps, owner)).data!._entities).toEqual([{ id: member.userId, name: 'Member', email: member.email }]);
    expect((await call(Q, reps, viewer)).data!._entities).toEqual([{ id: member.userId, name: 'Member', email: null }]);
    expect((await call(Q, reps, outsider)).data!._entities).toEqual([null]);
    const direct = await call(`query($id: ID!) { user(id: $id) { name } }`, { id: member.userId }, outsider);
    expect(codesOf(direct)).toEqual(['NOT_FOUND']);
  });
});
