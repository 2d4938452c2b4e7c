import { randomUUID } from 'node:crypto';
import type { Viewer } from '@organoise/core';
import { codesOf } from '@organoise/core/testing';
import { count, eq } from 'drizzle-orm';
import { print } from 'graphql';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { totpAt } from '../src/crypto/totp.js';
import { apiKeys, auditEvents, invitations, memberships, organizations, sessions, totpFactors, users } from '../src/db/schema.js';
import { STEP_UP_OPERATIONS } from '../src/domains/accounts/step-up.js';
import { ManualClock, typeDefs } from '../src/index.js';
import { useUserSubgraph, viewerOf } from './support/subgraph.js';

// The step-up rule as a table: every sensitive operation (domains/accounts/step-up.ts) refuses a
// session of a two-factor account whose second factor is not recent, changing nothing, and runs
// once the factor is verified again. Accounts without a second factor are not asked.
const clock = new ManualClock(new Date('2035-05-01T08:00:00Z'));
const STEP_UP = 300;
const PASSWORD = 'correct horse battery';
const KEY = Buffer.alloc(32, 3).toString('base64');

const subgraph = useUserSubgraph({
  tokens: { issuer: 'organoise-test', ttlSeconds: 3600 },
  encryptionKeys: `k1:${KEY}`,
  stepUpMaxAgeSeconds: STEP_UP,
  clock,
}, { ip: '198.51.100.77' });
const { call } = subgraph;

let counter = 0;
async function signUp(): Promise<Viewer & { email: string }> {
  const email = `step-${Date.now()}-${counter++}@example.com`;
  const res = await call(`mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }`, { i: { email, password: PASSWORD, name: 'Sam' } });
  expect(res.errors).toBeUndefined();
  return { ...viewerOf(res.data!.signUp.accessToken), email };
}

interface Setup {
  organizationId: string;
  memberId: string;
}

/** Each sensitive operation, called with arguments that would make it act. */
const TABLE: Record<(typeof STEP_UP_OPERATIONS)[number], (s: Setup) => [string, Record<string, unknown>?]> = {
  changePassword: () => [`mutation($i: ChangePasswordInput!) { changePassword(input: $i) }`, { i: { currentPassword: PASSWORD, newPassword: 'another long password' } }],
  regenerateRecoveryCodes: () => [`mutation { regenerateRecoveryCodes }`],
  beginOidcLink: () => [`mutation { beginOidcLink(provider: "none", redirectUri: "http://localhost/cb") { state } }`],
  completeOidcLink: () => [`mutation($i: CompleteOidcSignInInput!) { completeOidcLink(input: $i) { id } }`, { i: { state: 'state', code: 'code', redirectUri: 'http://localhost/cb', binding: 'binding' } }],
  unlinkOidcIdentity: () => [`mutation($id: ID!) { unlinkOidcIdentity(id: $id) }`, { id: randomUUID() }],
  createApiKey: (s) => [`mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret } }`, { i: { organizationId: s.organizationId, name: 'ci', role: 'ADMIN' } }],
  inviteMember: (s) => [`mutation($i: InviteMemberInput!) { inviteMember(input: $i) { token } }`, { i: { organizationId: s.organizationId, email: `late-${counter++}@example.com`, role: 'ADMIN' } }],
  changeMemberRole: (s) => [`mutation($i: ChangeMemberRoleInput!) { changeMemberRole(input: $i) { role } }`, { i: { organizationId: s.organizationId, userId: s.memberId, role: 'ADMIN' } }],
  setOrganizationIpAllowList: (s) => [`mutation($i: SetOrganizationIpAllowListInput!) { setOrganizationIpAllowList(input: $i) { id } }`, { i: { organizationId: s.organizationId, cidrs: ['198.51.100.0/24'] } }],
  removeMember: (s) => [`mutation($i: RemoveMemberInput!) { removeMember(input: $i) { removedUserId } }`, { i: { organizationId: s.organizationId, userId: s.memberId } }],
  // Last: it turns the second factor off.
  disableTotp: () => [`mutation { disableTotp }`],
};

/** What any of the operations could change. */
async function snapshot() {
  const d = subgraph.server.services.db;
  const n = async (table: typeof users | typeof sessions | typeof apiKeys | typeof invitations | typeof memberships | typeof auditEvents | typeof totpFactors) => (await d.select({ n: count() }).from(table))[0]!.n;
  const roles = await d.select({ role: memberships.role }).from(memberships).orderBy(memberships.id);
  const lists = await d.select({ list: organizations.ipAllowList }).from(organizations).orderBy(organizations.id);
  const passwords = await d.select({ hash: users.passwordHash }).from(users).orderBy(users.id);
  return { keys: await n(apiKeys), invitations: await n(invitations), memberships: await n(memberships), factors: await n(totpFactors), audit: await n(auditEvents), roles, lists, passwords };
}

/** An owner of an organization with a member, with TOTP on; returns the owner's session, stepped up now. */
async function ownerWithTwoFactors() {
  const owner = await signUp();
  const member = await signUp();
  const org = await call(`mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id } }`, { i: { name: 'Steps', slug: `steps-${counter++}-${Date.now()}` } }, owner);
  const organizationId = org.data!.createOrganization.id as string;
  const enrol = await call(`mutation { enrollTotp { secret } }`, {}, owner);
  const secret = enrol.data!.enrollTotp.secret as string;
  expect((await call(`mutation($c: String!) { confirmTotp(code: $c) { accessToken } }`, { c: await totpAt(secret, clock.now()) }, owner)).errors).toBeUndefined();
  const invite = await call(TABLE.inviteMember({ organizationId, memberId: '' })[0], { i: { organizationId, email: member.email, role: 'MEMBER' } }, owner);
  expect(invite.errors).toBeUndefined();
  expect((await call(`mutation($t: String!) { acceptInvitation(token: $t) { id } }`, { t: invite.data!.inviteMember.token }, member)).errors).toBeUndefined();
  return { owner, secret, setup: { organizationId, memberId: member.userId } };
}

describe('step-up for sensitive operations', () => {
  it('has exactly one table entry per operation in the list, each a mutation of the schema', () => {
    expect(Object.keys(TABLE).sort()).toEqual([...STEP_UP_OPERATIONS].sort());
    const sdl = print(typeDefs);
    for (const name of STEP_UP_OPERATIONS) expect(sdl).toMatch(new RegExp(`\\n\\s+${name}(\\(|:)`));
  });

  it('refuses every one, changing nothing, in a session whose second factor is not recent; each runs once it is verified again', async () => {
    const { owner, secret, setup } = await ownerWithTwoFactors();
    clock.advance(STEP_UP + 1);
    const before = await snapshot();
    for (const [name, build] of Object.entries(TABLE)) {
      const [query, variables] = build(setup);
      const res = await call(query, variables, owner);
      expect({ name, codes: codesOf(res) }).toEqual({ name, codes: ['STEP_UP_REQUIRED'] });
      expect(res.errors![0]!.extensions!.maxAgeSeconds).toBe(STEP_UP);
    }
    expect(await snapshot()).toEqual(before);

    const stepped = await call(`mutation($i: SecondFactorInput!) { verifySecondFactor(input: $i) { accessToken } }`, { i: { totpCode: await totpAt(secret, clock.now()) } }, owner);
    expect(stepped.errors).toBeUndefined();
    for (const [name, build] of Object.entries(TABLE)) {
      const [query, variables] = build(setup);
      const codes = codesOf(await call(query, variables, owner));
      // The OIDC ones go on to their own refusals (no provider is configured here, no such identity).
      expect({ name, codes }).toEqual({ name, codes: { beginOidcLink: ['EMAIL_NOT_VERIFIED'], completeOidcLink: ['EMAIL_NOT_VERIFIED'], unlinkOidcIdentity: ['NOT_FOUND'] }[name as string] ?? [] });
    }
  });

  it('asks nothing of an account without a second factor', async () => {
    const owner = await signUp();
    const org = await call(`mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id } }`, { i: { name: 'Plain', slug: `plain-${counter++}-${Date.now()}` } }, owner);
    clock.advance(STEP_UP + 1);
    const res = await call(TABLE.createApiKey({ organizationId: org.data!.createOrganization.id, memberId: '' })[0], TABLE.createApiKey({ organizationId: org.data!.createOrganization.id, memberId: '' })[1], owner);
    expect(res.errors).toBeUndefined();
  });

  it('ends the other sessions, signed in with one factor, when two factors are turned on', async () => {
    const user = await signUp();
    const other = await call(`mutation($i: SignInInput!) { signIn(input: $i) { accessToken } }`, { i: { email: user.email, password: PASSWORD } });
    const otherSession = decodeJwt(other.data!.signIn.accessToken).sid as string;
    const enrol = await call(`mutation { enrollTotp { secret } }`, {}, user);
    expect((await call(`mutation($c: String!) { confirmTotp(code: $c) { accessToken } }`, { c: await totpAt(enrol.data!.enrollTotp.secret, clock.now()) }, user)).errors).toBeUndefined();
    const rows = await subgraph.server.services.db.select({ id: sessions.id, revokedAt: sessions.revokedAt, reason: sessions.revokedReason }).from(sessions).where(eq(sessions.userId, user.userId));
    expect(rows.find((r) => r.id === otherSession)).toMatchObject({ reason: 'two_factor_enabled' });
    expect(rows.find((r) => r.id === user.sessionId)!.revokedAt).toBeNull();
  });
});
