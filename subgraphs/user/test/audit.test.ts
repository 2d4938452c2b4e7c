import type { Viewer } from '@organoise/core';
import { codesOf } from '@organoise/core/testing';
import { eq, sql } from 'drizzle-orm';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { auditEvents } from '../src/db/schema.js';
import { ManualClock, MemoryMailer } from '../src/index.js';
import { REFRESH_REUSE_GRACE_SECONDS } from '../src/domains/accounts/sessions.js';
import { useUserSubgraph, viewerOf } from './support/subgraph.js';

// The audit log: what is recorded, who may read it, and that no secret ever lands in it.
const clock = new ManualClock(new Date('2032-06-01T08:00:00Z'));
const mailer = new MemoryMailer();
/** Every password and token this file hands out or types; none may be found in the database. */
const secrets = new Set<string>();

const IP = '192.0.2.44';
const subgraph = useUserSubgraph({
  throttle: { accountMaxFailures: 2, ipMaxFailures: 100, windowSeconds: 600, lockoutSeconds: 600 },
  mail: { mailer },
  clock,
}, { ip: IP });
const { call } = subgraph;

let counter = 0;
const uniqueEmail = (prefix: string) => `${prefix}-${Date.now()}-${counter++}@example.com`;
type Signed = Viewer & { email: string; password: string; refreshToken: string };

function remember<T extends Record<string, unknown>>(payload: T): T {
  for (const key of ['accessToken', 'refreshToken', 'token']) if (typeof payload[key] === 'string') secrets.add(payload[key] as string);
  return payload;
}

async function signUp(name = 'Ann'): Promise<Signed> {
  const email = uniqueEmail('audit');
  const password = `pw-${Math.random().toString(36).slice(2)}-long-enough`;
  secrets.add(password);
  const res = await call(`mutation($i: SignUpInput!) { signUp(input: $i) { accessToken refreshToken } }`, { i: { email, password, name } });
  expect(res.errors).toBeUndefined();
  const payload = remember(res.data!.signUp);
  return { ...viewerOf(payload.accessToken), email, password, refreshToken: payload.refreshToken };
}

async function signIn(email: string, password: string) {
  secrets.add(password);
  const res = await call(`mutation($i: SignInInput!) { signIn(input: $i) { accessToken refreshToken } }`, { i: { email, password } });
  if (res.data?.signIn) remember(res.data.signIn);
  return res;
}

const EVENTS = `query($f: AuditLogFilter, $after: String, $first: Int) { viewer { securityEvents(filter: $f, after: $after, first: $first) {
  totalCount pageInfo { hasNextPage endCursor } nodes { type actorId userId ipAddress occurredAt details organization { id } } } } }`;
const AUDIT = `query($id: ID!, $f: AuditLogFilter, $after: String, $first: Int) { organization(id: $id) { auditLog(filter: $f, after: $after, first: $first) {
  totalCount pageInfo { hasNextPage endCursor } nodes { type actorId actor { id name } userId ipAddress occurredAt details organization { id } } } } }`;

async function createOrg(owner: Viewer) {
  const res = await call(`mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id } }`, { i: { name: 'Audited', slug: `audited-${counter++}` } }, owner);
  expect(res.errors).toBeUndefined();
  return res.data!.createOrganization.id as string;
}

async function addMember(owner: Viewer, orgId: string, invitee: Signed, role: string) {
  const invite = await call(`mutation($i: InviteMemberInput!) { inviteMember(input: $i) { token invitation { id } } }`, { i: { organizationId: orgId, email: invitee.email, role } }, owner);
  remember(invite.data!.inviteMember);
  const accepted = await call(`mutation($t: String!) { acceptInvitation(token: $t) { id } }`, { t: invite.data!.inviteMember.token }, invitee);
  expect(accepted.errors).toBeUndefined();
}

describe('account events', () => {
  it("records the account's sign-ins, failures, lockout, refresh-token reuse, password change and sessions, and shows them to the user newest first", async () => {
    const user = await signUp();
    clock.advance(1);
    await signIn(user.email, 'a wrong password 1');
    clock.advance(1);
    await signIn(user.email, 'a wrong password 2');
    clock.advance(1);
    const laptop = await signIn(user.email, user.password);
    expect(codesOf(laptop)).toEqual(['TOO_MANY_ATTEMPTS']);
    clock.advance(600);
    const ok = await signIn(user.email, user.password);
    expect(ok.errors).toBeUndefined();
    clock.advance(1);
    const rotated = await call(`mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken refreshToken } }`, { t: user.refreshToken });
    remember(rotated.data!.refreshSession);
    clock.advance(REFRESH_REUSE_GRACE_SECONDS + 1);
    await call(`mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken } }`, { t: user.refreshToken });
    const second = decodeJwt(ok.data!.signIn.accessToken);
    const current: Viewer = { userId: user.userId, sessionId: second.sid as string, memberships: {} };
    clock.advance(1);
    const newPassword = 'another long password';
    secrets.add(newPassword);
    expect((await call(`mutation($i: ChangePasswordInput!) { changePassword(input: $i) }`, { i: { currentPassword: user.password, newPassword } }, current)).errors).toBeUndefined();
    clock.advance(1);
    await call(`mutation { requestEmailVerification }`, {}, current);
    const link = /token=([A-Za-z0-9_-]+)/.exec(mailer.sent.at(-1)!.text)![1]!;
    secrets.add(link);
    await call(`mutation($t: String!) { verifyEmail(token: $t) }`, { t: link }, current);
    await call(`mutation($e: String!) { requestPasswordReset(email: $e) }`, { e: user.email });
    // The reset mail goes out after the answer.
    await subgraph.server.services.background.idle();
    secrets.add(/token=([A-Za-z0-9_-]+)/.exec(mailer.sent.at(-1)!.text)![1]!);
    clock.advance(1);
    await call(`mutation { signOutEverywhere }`, {}, current);

    const res = await call(EVENTS, { first: 50 }, current);
    expect(res.errors).toBeUndefined();
    const events = res.data!.viewer.securityEvents.nodes as { type: string; actorId: string | null; ipAddress: string; details: Record<string, unknown> }[];
    expect(events.map((e) => e.type)).toEqual([
      'SIGNED_OUT_EVERYWHERE',
      'PASSWORD_RESET_REQUESTED',
      'EMAIL_VERIFIED',
      'PASSWORD_CHANGED',
      'REFRESH_TOKEN_REUSED',
      'SIGN_IN',
      'LOCKOUT',
      'SIGN_IN_FAILED',
      'SIGN_IN_FAILED',
      'SIGN_UP',
    ]);
    expect(events.every((e) => e.ipAddress === IP)).toBe(true);
    expect(events.find((e) => e.type === 'SIGN_IN_FAILED')).toMatchObject({ actorId: null, details: { during: 'sign_in', reason: 'wrong_password' } });
    expect(events.find((e) => e.type === 'LOCKOUT')!.details).toEqual({ scope: 'account', seconds: 2 });
    expect(events.find((e) => e.type === 'PASSWORD_CHANGED')).toMatchObject({ actorId: user.userId, details: { otherSessionsEnded: 0 } }); // the first session already ended with the reuse
    expect(events.find((e) => e.type === 'REFRESH_TOKEN_REUSED')!.details).toEqual({ sessionId: user.sessionId, sessionEnded: true });
  });

  it("shows nobody else's security events, not even to an admin of a shared organization", async () => {
    const owner = await signUp();
    const member = await signUp();
    const orgId = await createOrg(owner);
    await addMember(owner, orgId, member, 'MEMBER');
    const res = await call(`query($r: [_Any!]!) { _entities(representations: $r) { ... on User { securityEvents { totalCount } } } }`, { r: [{ __typename: 'User', id: member.userId }] }, owner);
    expect(res.data!._entities).toEqual([{ securityEvents: { totalCount: 0 } }]);
  });
});

describe('organization audit log', () => {
  it('records organization, invitation, role and member events with actor, target, address and details', async () => {
    const owner = await signUp('Olga Owner');
    const admin = await signUp('Adam Admin');
    const member = await signUp('Mia Member');
    const orgId = await createOrg(owner);
    clock.advance(1);
    await addMember(owner, orgId, admin, 'ADMIN');
    clock.advance(1);
    await addMember(owner, orgId, member, 'MEMBER');
    clock.advance(1);
    const revoked = await call(`mutation($i: InviteMemberInput!) { inviteMember(input: $i) { token invitation { id } } }`, { i: { organizationId: orgId, email: 'nobody@example.com' } }, admin);
    remember(revoked.data!.inviteMember);
    await call(`mutation($id: ID!) { revokeInvitation(id: $id) { id } }`, { id: revoked.data!.inviteMember.invitation.id }, admin);
    clock.advance(1);
    await call(`mutation($i: ChangeMemberRoleInput!) { changeMemberRole(input: $i) { role } }`, { i: { organizationId: orgId, userId: member.userId, role: 'VIEWER' } }, admin);
    clock.advance(1);
    await call(`mutation($i: RemoveMemberInput!) { removeMember(input: $i) { removedUserId } }`, { i: { organizationId: orgId, userId: member.userId } }, owner);

    const res = await call(AUDIT, { id: orgId }, owner);
    expect(res.errors).toBeUndefined();
    const log = res.data!.organization.auditLog;
    expect(log.nodes.map((e: { type: string }) => e.type)).toEqual([
      'MEMBER_REMOVED',
      'ROLE_CHANGED',
      'INVITATION_REVOKED',
      'INVITATION_CREATED',
      'INVITATION_ACCEPTED',
      'INVITATION_CREATED',
      'INVITATION_ACCEPTED',
      'INVITATION_CREATED',
      'ORGANIZATION_CREATED',
    ]);
    expect(log.nodes[1]).toMatchObject({ actorId: admin.userId, actor: { id: admin.userId, name: 'Adam Admin' }, userId: member.userId, ipAddress: IP, details: { from: 'MEMBER', to: 'VIEWER' }, organization: { id: orgId } });
    // The removed member no longer shares the organization, so only their id remains visible.
    expect(log.nodes[0]).toMatchObject({ actorId: owner.userId, userId: member.userId, details: { role: 'VIEWER', left: false } });
    expect(log.nodes[3].details).toMatchObject({ email: 'nobody@example.com', role: 'MEMBER' });
    expect(log.totalCount).toBe(9);
  });

  it('filters the audit log by type, actor and time, and pages it with cursors', async () => {
    const owner = await signUp();
    const orgId = await createOrg(owner);
    const start = clock.now();
    for (let i = 0; i < 5; i++) {
      clock.advance(60);
      const invite = await call(`mutation($i: InviteMemberInput!) { inviteMember(input: $i) { token } }`, { i: { organizationId: orgId, email: `guest${i}@example.com` } }, owner);
      remember(invite.data!.inviteMember);
    }
    const byType = await call(AUDIT, { id: orgId, f: { type: 'INVITATION_CREATED' }, first: 2 }, owner);
    const page1 = byType.data!.organization.auditLog;
    expect(page1.totalCount).toBe(5);
    expect(page1.nodes.map((n: { details: { email: string } }) => n.details.email)).toEqual(['guest4@example.com', 'guest3@example.com']);
    const page2 = (await call(AUDIT, { id: orgId, f: { type: 'INVITATION_CREATED' }, first: 2, after: page1.pageInfo.endCursor }, owner)).data!.organization.auditLog;
    expect(page2.nodes.map((n: { details: { email: string } }) => n.details.email)).toEqual(['guest2@example.com', 'guest1@example.com']);
    const from = new Date(start.getTime() + 90_000).toISOString();
    const to = new Date(start.getTime() + 210_000).toISOString();
    const window = (await call(AUDIT, { id: orgId, f: { from, to } }, owner)).data!.organization.auditLog;
    expect(window.nodes.map((n: { details: { email: string } }) => n.details.email)).toEqual(['guest2@example.com', 'guest1@example.com']);
    const byStranger = (await call(AUDIT, { id: orgId, f: { actorId: '00000000-0000-4000-8000-000000000000' } }, owner)).data!.organization.auditLog;
    expect(byStranger.totalCount).toBe(0);
    const bad = await call(AUDIT, { id: orgId, f: { from: to, to: from } }, owner);
    expect(codesOf(bad)).toEqual(['BAD_USER_INPUT']);
    const badActor = await call(AUDIT, { id: orgId, f: { actorId: 'nope' } }, owner);
    expect(codesOf(badActor)).toEqual(['BAD_USER_INPUT']);
  });

  it('shows the audit log to owners and admins only: a member gets FORBIDDEN, an outsider NOT_FOUND, also through _entities', async () => {
    const owner = await signUp();
    const member = await signUp();
    const outsider = await signUp();
    const orgId = await createOrg(owner);
    await addMember(owner, orgId, member, 'MEMBER');
    expect(codesOf(await call(AUDIT, { id: orgId }, member))).toEqual(['FORBIDDEN']);
    expect(codesOf(await call(AUDIT, { id: orgId }, outsider))).toEqual(['NOT_FOUND']);
    const ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Organization { auditLog { totalCount } } } }`;
    const viaEntities = await call(ENTITIES, { r: [{ __typename: 'Organization', id: orgId }] }, outsider);
    expect(viaEntities.data!._entities).toEqual([null]);
    const memberEntities = await call(ENTITIES, { r: [{ __typename: 'Organization', id: orgId }] }, member);
    expect(codesOf(memberEntities)).toEqual(['FORBIDDEN']);
  });
});

describe('audit storage', () => {
  it('refuses to change or delete a recorded event: the table is append-only', async () => {
    const [row] = await subgraph.server.services.db.select().from(auditEvents).limit(1);
    await expect(subgraph.server.services.db.update(auditEvents).set({ type: 'SIGN_IN' }).where(eq(auditEvents.id, row!.id))).rejects.toThrow();
    await expect(subgraph.server.services.db.delete(auditEvents).where(eq(auditEvents.id, row!.id))).rejects.toThrow();
    const [still] = await subgraph.server.services.db.select().from(auditEvents).where(eq(auditEvents.id, row!.id));
    expect(still).toEqual(row);
  });

  it('never stores a password or token: no table holds any of those this file used', async () => {
    expect(secrets.size).toBeGreaterThan(20);
    const rows = await subgraph.server.services.db.select().from(auditEvents);
    const auditText = JSON.stringify(rows);
    for (const secret of secrets) expect(auditText).not.toContain(secret);
    const tables = ['users', 'sessions', 'refresh_tokens', 'email_tokens', 'invitations', 'auth_throttles', 'audit_events', 'memberships', 'organizations'];
    for (const table of tables) {
      const dump = JSON.stringify(await subgraph.server.services.db.execute(sql.raw(`select * from users.${table}`)));
      for (const secret of secrets) expect(dump, `${table} holds a secret`).not.toContain(secret);
    }
  });
});
