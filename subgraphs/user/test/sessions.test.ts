import { INTERNAL_TOKEN_HEADER, PRINCIPAL_PATH, PRINCIPALS_PATH, signInternalToken, type Viewer } from '@organoise/core';
import { codesOf, TEST_INTERNAL_SECRET } from '@organoise/core/testing';
import { describe, expect, it } from 'vitest';
import { PasswordHasher } from '../src/domains/accounts/passwords.js';
import { ManualClock, SUBGRAPH_NAME } from '../src/index.js';
import { REFRESH_REUSE_GRACE_SECONDS } from '../src/domains/accounts/sessions.js';
import { useUserSubgraph, viewerOf } from './support/subgraph.js';

// Sessions, refresh tokens and brute-force protection, on a clock the tests move.
const IDLE = 1800;
const TTL = 86_400;
const THROTTLE = { accountMaxFailures: 3, ipMaxFailures: 6, windowSeconds: 600, lockoutSeconds: 300 };
const clock = new ManualClock(new Date('2030-01-01T00:00:00Z'));

const subgraph = useUserSubgraph({
  sessionTtlSeconds: TTL,
  sessionIdleSeconds: IDLE,
  throttle: THROTTLE,
  clock,
});
const { call } = subgraph;

const PASSWORD = 'correct horse battery';
let counter = 0;
const uniqueEmail = (prefix: string) => `${prefix}-${Date.now()}-${counter++}@example.com`;
let ipCounter = 1;
const freshIp = () => `203.0.113.${ipCounter++}`;

interface Signed extends Viewer {
  email: string;
  accessToken: string;
  refreshToken: string;
}

const signedOf = (payload: { accessToken: string; refreshToken: string }, email: string): Signed => {
  return { ...viewerOf(payload.accessToken), email, accessToken: payload.accessToken, refreshToken: payload.refreshToken };
};

const SIGN_UP = `mutation($i: SignUpInput!) { signUp(input: $i) { accessToken refreshToken expiresAt user { id } } }`;
const SIGN_IN = `mutation($i: SignInInput!) { signIn(input: $i) { accessToken refreshToken expiresAt user { id } } }`;
const REFRESH = `mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken refreshToken expiresAt user { id } } }`;
const SESSIONS = `{ viewer { sessions { totalCount nodes { id current ipAddress createdAt lastSeenAt expiresAt idleExpiresAt } } } }`;

async function signUp(email = uniqueEmail('user'), ip: string | null = null): Promise<Signed> {
  const res = await call(SIGN_UP, { i: { email, password: PASSWORD, name: 'Sam' } }, null, ip);
  expect(res.errors).toBeUndefined();
  return signedOf(res.data!.signUp, email);
}

async function signIn(email: string, password = PASSWORD, ip: string | null = null) {
  return call(SIGN_IN, { i: { email, password } }, null, ip);
}

async function principalStatus(viewer: Viewer) {
  const url = new URL(PRINCIPAL_PATH, subgraph.server.url);
  url.searchParams.set('sessionId', viewer.sessionId);
  url.searchParams.set('userId', viewer.userId);
  const res = await fetch(url, { headers: { [INTERNAL_TOKEN_HEADER]: await signInternalToken(TEST_INTERNAL_SECRET, SUBGRAPH_NAME, null) } });
  return res.status;
}

describe('refresh tokens', () => {
  it('rotates the refresh token on every use: each use returns a new access token and a new refresh token for the same session', async () => {
    const user = await signUp();
    expect(user.refreshToken).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    clock.advance(5);
    const first = await call(REFRESH, { t: user.refreshToken });
    expect(first.errors).toBeUndefined();
    const next = signedOf(first.data!.refreshSession, user.email);
    expect(next.refreshToken).not.toBe(user.refreshToken);
    expect(next.accessToken).not.toBe(user.accessToken);
    expect(next.sessionId).toBe(user.sessionId);
    expect(first.data!.refreshSession.user.id).toBe(user.userId);
    const second = await call(REFRESH, { t: next.refreshToken });
    expect(second.errors).toBeUndefined();
    expect(await principalStatus(user)).toBe(200);
  });

  it('treats a refresh token presented twice as stolen: REFRESH_TOKEN_REUSED, and the whole session ends, newest refresh token included', async () => {
    const user = await signUp();
    const rotated = await call(REFRESH, { t: user.refreshToken });
    const newest = rotated.data!.refreshSession.refreshToken as string;
    clock.advance(REFRESH_REUSE_GRACE_SECONDS + 1);
    const replay = await call(REFRESH, { t: user.refreshToken });
    expect(codesOf(replay)).toEqual(['REFRESH_TOKEN_REUSED']);
    expect(replay.data).toBeNull();
    expect(await principalStatus(user)).toBe(404);
    const afterwards = await call(REFRESH, { t: newest });
    expect(codesOf(afterwards)).toEqual(['REFRESH_TOKEN_INVALID']);
  });

  it('lets two tabs refresh with the same token at the same moment, once: a third use ends the session', async () => {
    const user = await signUp();
    const [a, b] = await Promise.all([call(REFRESH, { t: user.refreshToken }), call(REFRESH, { t: user.refreshToken })]);
    expect([a.errors, b.errors]).toEqual([undefined, undefined]);
    expect(a.data!.refreshSession.refreshToken).not.toBe(b.data!.refreshSession.refreshToken);
    // Each tab carries on with its own token.
    expect((await call(REFRESH, { t: a.data!.refreshSession.refreshToken })).errors).toBeUndefined();
    expect((await call(REFRESH, { t: b.data!.refreshSession.refreshToken })).errors).toBeUndefined();
    expect(codesOf(await call(REFRESH, { t: user.refreshToken }))).toEqual(['REFRESH_TOKEN_REUSED']);
    expect(await principalStatus(user)).toBe(404);
  });

  it('refuses an unknown refresh token with REFRESH_TOKEN_INVALID and a malformed one with BAD_USER_INPUT', async () => {
    const unknown = await call(REFRESH, { t: 'x'.repeat(43) });
    expect(codesOf(unknown)).toEqual(['REFRESH_TOKEN_INVALID']);
    const malformed = await call(REFRESH, { t: 'short' });
    expect(codesOf(malformed)).toEqual(['BAD_USER_INPUT']);
  });

  it('refuses the refresh token of a signed-out session', async () => {
    const user = await signUp();
    await call(`mutation { signOut }`, {}, user);
    expect(codesOf(await call(REFRESH, { t: user.refreshToken }))).toEqual(['REFRESH_TOKEN_INVALID']);
  });
});

describe('session timeouts', () => {
  it('ends a session left unused for the idle timeout: the principal lookup stops finding it and refresh answers SESSION_EXPIRED', async () => {
    const user = await signUp();
    clock.advance(IDLE - 10);
    expect(await principalStatus(user)).toBe(200);
    const other = await signUp();
    clock.advance(IDLE + 1);
    expect(await principalStatus(other)).toBe(404);
    expect(codesOf(await call(REFRESH, { t: other.refreshToken }))).toEqual(['SESSION_EXPIRED']);
  });

  it('keeps a session in use alive past the idle timeout, writing last-seen at most once a minute', async () => {
    const user = await signUp();
    const lastSeen = async () => ((await call(SESSIONS, {}, user)).data!.viewer.sessions.nodes[0].lastSeenAt as string);
    const start = await lastSeen();
    clock.advance(30);
    expect(await principalStatus(user)).toBe(200);
    expect(await lastSeen()).toBe(start);
    for (let i = 0; i < 3; i++) {
      clock.advance(IDLE - 60);
      expect(await principalStatus(user)).toBe(200);
    }
    expect(new Date(await lastSeen()).getTime()).toBe(clock.now().getTime());
    const refreshed = await call(REFRESH, { t: user.refreshToken });
    expect(refreshed.errors).toBeUndefined();
  });

  it('ends a session at its absolute timeout however busy it is', async () => {
    const user = await signUp();
    let refreshToken = user.refreshToken;
    for (let elapsed = 0; elapsed < TTL - IDLE; elapsed += IDLE - 100) {
      clock.advance(IDLE - 100);
      const res = await call(REFRESH, { t: refreshToken });
      expect(res.errors).toBeUndefined();
      refreshToken = res.data!.refreshSession.refreshToken;
    }
    clock.advance(IDLE - 100);
    expect(await principalStatus(user)).toBe(404);
    expect(codesOf(await call(REFRESH, { t: refreshToken }))).toEqual(['SESSION_EXPIRED']);
  });
});

describe('session management', () => {
  it("lists the viewer's live sessions, newest first, marking the current one and showing the sign-in address", async () => {
    const ip = freshIp();
    const user = await signUp(uniqueEmail('list'), ip);
    clock.advance(1);
    const second = signedOf((await signIn(user.email, PASSWORD, freshIp())).data!.signIn, user.email);
    const ended = signedOf((await signIn(user.email)).data!.signIn, user.email);
    await call(`mutation { signOut }`, {}, ended);
    const res = await call(SESSIONS, {}, user);
    const { totalCount, nodes } = res.data!.viewer.sessions;
    expect(totalCount).toBe(2);
    expect(nodes.map((n: { id: string }) => n.id)).toEqual([second.sessionId, user.sessionId]);
    expect(nodes.map((n: { current: boolean }) => n.current)).toEqual([false, true]);
    expect(nodes[1].ipAddress).toBe(ip);
    expect(new Date(nodes[1].expiresAt).getTime() - new Date(nodes[1].createdAt).getTime()).toBe(TTL * 1000);
  });

  it("shows nobody else's sessions, not even to someone sharing an organization", async () => {
    const owner = await signUp();
    const member = await signUp();
    const org = await call(`mutation { createOrganization(input: { name: "S", slug: "sessions-${counter++}" }) { id } }`, {}, owner);
    const invite = await call(`mutation($i: InviteMemberInput!) { inviteMember(input: $i) { token } }`, { i: { organizationId: org.data!.createOrganization.id, email: member.email } }, owner);
    await call(`mutation($t: String!) { acceptInvitation(token: $t) { id } }`, { t: invite.data!.inviteMember.token }, member);
    const res = await call(`query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id sessions { totalCount nodes { id } } } } }`, { r: [{ __typename: 'User', id: member.userId }] }, owner);
    expect(res.data!._entities).toEqual([{ id: member.userId, sessions: { totalCount: 0, nodes: [] } }]);
  });

  it("revokes one of the viewer's sessions at once; another user's session is NOT_FOUND and stays live", async () => {
    const user = await signUp();
    const phone = signedOf((await signIn(user.email)).data!.signIn, user.email);
    const mallory = await signUp();
    const REVOKE = `mutation($id: ID!) { revokeSession(id: $id) { id revokedAt current } }`;
    const foreign = await call(REVOKE, { id: phone.sessionId }, mallory);
    expect(codesOf(foreign)).toEqual(['NOT_FOUND']);
    expect(await principalStatus(phone)).toBe(200);
    const res = await call(REVOKE, { id: phone.sessionId }, user);
    expect(res.data!.revokeSession).toMatchObject({ id: phone.sessionId, current: false });
    expect(res.data!.revokeSession.revokedAt).toBe(clock.now().toISOString());
    expect(await principalStatus(phone)).toBe(404);
    expect(codesOf(await call(REFRESH, { t: phone.refreshToken }))).toEqual(['REFRESH_TOKEN_INVALID']);
    expect(await principalStatus(user)).toBe(200);
    expect(codesOf(await call(REVOKE, { id: 'nope' }, user))).toEqual(['BAD_USER_INPUT']);
    expect(codesOf(await call(REVOKE, { id: phone.sessionId }))).toEqual(['UNAUTHENTICATED']);
  });

  it('signs out everywhere: every session of the caller ends, and no one else is affected', async () => {
    const user = await signUp();
    const laptop = signedOf((await signIn(user.email)).data!.signIn, user.email);
    const bystander = await signUp();
    const res = await call(`mutation { signOutEverywhere }`, {}, user);
    expect(res.data!.signOutEverywhere).toBe(2);
    expect(await principalStatus(user)).toBe(404);
    expect(await principalStatus(laptop)).toBe(404);
    expect(await principalStatus(bystander)).toBe(200);
  });

  it('answers the batched principal look-up with the live sessions only, each with its own roles, and refuses a call without the internal token', async () => {
    const user = await signUp();
    const laptop = signedOf((await signIn(user.email)).data!.signIn, user.email);
    const other = await signUp();
    const ended = await signUp();
    await call(`mutation { signOut }`, {}, ended);
    const ask = async (sessions: unknown, token?: string) =>
      fetch(new URL(PRINCIPALS_PATH, subgraph.server.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { [INTERNAL_TOKEN_HEADER]: token } : {}) },
        body: JSON.stringify({ sessions }),
      });
    const token = await signInternalToken(TEST_INTERNAL_SECRET, SUBGRAPH_NAME, null);
    const res = await ask(
      [user, laptop, other, ended, { sessionId: other.sessionId, userId: user.userId }, { sessionId: 'not-a-uuid', userId: 'x' }].map((v) => ({ sessionId: v.sessionId, userId: v.userId })),
      token,
    );
    expect(res.status).toBe(200);
    const { principals } = (await res.json()) as { principals: Record<string, { userId: string; memberships: object }> };
    // The ended session, and a session named with someone else's user id, are absent.
    expect(Object.keys(principals).sort()).toEqual([user.sessionId, laptop.sessionId, other.sessionId].sort());
    expect(principals[laptop.sessionId]!.userId).toBe(user.userId);
    expect(principals[other.sessionId]!.userId).toBe(other.userId);
    expect((await ask([{ sessionId: user.sessionId, userId: user.userId }])).status).toBe(401);
    expect((await ask('everyone', token)).status).toBe(400);
    expect((await ask(Array.from({ length: 1001 }, () => ({ sessionId: user.sessionId, userId: user.userId })), token)).status).toBe(400);
  });

  it('changes the password given the current one, ending every other session but the current one', async () => {
    const user = await signUp();
    const laptop = signedOf((await signIn(user.email)).data!.signIn, user.email);
    const CHANGE = `mutation($i: ChangePasswordInput!) { changePassword(input: $i) }`;
    const res = await call(CHANGE, { i: { currentPassword: PASSWORD, newPassword: 'a brand new passphrase' } }, user);
    expect(res.data!.changePassword).toBe(true);
    expect(await principalStatus(user)).toBe(200);
    expect(await principalStatus(laptop)).toBe(404);
    expect(codesOf(await signIn(user.email))).toEqual(['INVALID_CREDENTIALS']);
    expect((await signIn(user.email, 'a brand new passphrase')).errors).toBeUndefined();
  });

  it('refuses a password change with a wrong current password or a too-short new one, changing nothing', async () => {
    const user = await signUp();
    const laptop = signedOf((await signIn(user.email)).data!.signIn, user.email);
    const CHANGE = `mutation($i: ChangePasswordInput!) { changePassword(input: $i) }`;
    const wrong = await call(CHANGE, { i: { currentPassword: 'not my password', newPassword: 'a brand new passphrase' } }, user);
    expect(codesOf(wrong)).toEqual(['INVALID_CREDENTIALS']);
    const short = await call(CHANGE, { i: { currentPassword: PASSWORD, newPassword: 'short' } }, user);
    expect(codesOf(short)).toEqual(['BAD_USER_INPUT']);
    const anonymous = await call(CHANGE, { i: { currentPassword: PASSWORD, newPassword: 'a brand new passphrase' } });
    expect(codesOf(anonymous)).toEqual(['UNAUTHENTICATED']);
    expect(await principalStatus(laptop)).toBe(200);
    expect((await signIn(user.email)).errors).toBeUndefined();
  });
});

describe('brute-force protection', () => {
  it('makes an email wait after repeated failures, twice as long after each further one, for a known and an unknown email alike', async () => {
    const known = await signUp();
    const unknown = uniqueEmail('ghost');
    for (const email of [known.email, unknown]) {
      for (let i = 0; i < THROTTLE.accountMaxFailures; i++) {
        expect(codesOf(await signIn(email, 'wrong password', freshIp()))).toEqual(['INVALID_CREDENTIALS']);
      }
    }
    const waitingKnown = await signIn(known.email, 'wrong password', freshIp());
    const waitingUnknown = await signIn(unknown, 'wrong password', freshIp());
    expect(codesOf(waitingKnown)).toEqual(['TOO_MANY_ATTEMPTS']);
    expect(waitingKnown.errors![0]).toEqual(waitingUnknown.errors![0]);
    expect(waitingKnown.errors![0]!.extensions!.retryAfterSeconds).toBe(2);
    // While it waits even the right password is refused (from a device it does not know), so guessing on cannot find it.
    expect(codesOf(await signIn(known.email, PASSWORD, freshIp()))).toEqual(['TOO_MANY_ATTEMPTS']);
    // Each further failure doubles the wait, up to LOGIN_LOCKOUT_SECONDS.
    const waits: number[] = [];
    for (let i = 0; i < 10; i++) {
      const retry = (await signIn(known.email, PASSWORD, freshIp())).errors![0]!.extensions!.retryAfterSeconds as number;
      clock.advance(retry);
      expect(codesOf(await signIn(known.email, 'wrong password', freshIp()))).toEqual(['INVALID_CREDENTIALS']);
      waits.push(((await signIn(known.email, 'wrong password', freshIp())).errors![0]!.extensions!.retryAfterSeconds as number));
    }
    expect(waits).toEqual([4, 8, 16, 32, 64, 128, 256, 300, 300, 300]);
    clock.advance(300);
    expect((await signIn(known.email, PASSWORD, freshIp())).errors).toBeUndefined();
  });

  it('lets the owner in from a known device while strangers keep the email waiting, and counts that device on its own', async () => {
    const owner = await signUp();
    const first = await call(`mutation($i: SignInInput!) { signIn(input: $i) { deviceToken } }`, { i: { email: owner.email, password: PASSWORD } }, null, freshIp());
    const deviceToken = first.data!.signIn.deviceToken as string;
    expect(deviceToken).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    for (let i = 0; i < THROTTLE.accountMaxFailures + 3; i++) await signIn(owner.email, 'stranger guess', freshIp());
    expect(codesOf(await signIn(owner.email, PASSWORD, freshIp()))).toEqual(['TOO_MANY_ATTEMPTS']);
    const known = (password: string, token = deviceToken) => call(`mutation($i: SignInInput!) { signIn(input: $i) { deviceToken } }`, { i: { email: owner.email, password, deviceToken: token } }, null, freshIp());
    const back = await known(PASSWORD);
    expect(back.errors).toBeUndefined();
    // Each sign-in replaces the device's token; the old one is an unknown device from now on.
    const renewed = back.data!.signIn.deviceToken as string;
    expect(renewed).not.toBe(deviceToken);
    expect(codesOf(await known(PASSWORD))).toEqual(['TOO_MANY_ATTEMPTS']);
    // A device token is no master key: its own wrong passwords make it wait, and a token of another account counts for nothing.
    for (let i = 0; i < THROTTLE.accountMaxFailures; i++) expect(codesOf(await known('device guess', renewed))).toEqual(['INVALID_CREDENTIALS']);
    expect(codesOf(await known(PASSWORD, renewed))).toEqual(['TOO_MANY_ATTEMPTS']);
    const other = await signUp();
    const otherDevice = (await call(`mutation($i: SignInInput!) { signIn(input: $i) { deviceToken } }`, { i: { email: other.email, password: PASSWORD } }, null, freshIp())).data!.signIn.deviceToken as string;
    expect(codesOf(await known(PASSWORD, otherDevice))).toEqual(['TOO_MANY_ATTEMPTS']);
  });

  it('locks a client address that tries many emails, while the same accounts still sign in from elsewhere', async () => {
    const attacker = freshIp();
    const victims = await Promise.all([signUp(), signUp(), signUp()]);
    let n = 0;
    for (let i = 0; i < THROTTLE.ipMaxFailures; i++) {
      expect(codesOf(await signIn(victims[n++ % victims.length]!.email, 'guess', attacker))).toEqual(['INVALID_CREDENTIALS']);
    }
    const locked = await signIn(victims[0]!.email, PASSWORD, attacker);
    expect(codesOf(locked)).toEqual(['TOO_MANY_ATTEMPTS']);
    expect(codesOf(await signIn(uniqueEmail('other'), 'guess', attacker))).toEqual(['TOO_MANY_ATTEMPTS']);
    for (const victim of victims) expect((await signIn(victim.email, PASSWORD, freshIp())).errors).toBeUndefined();
  });

  it('forgets failures older than the window, and a correct password clears the count', async () => {
    const user = await signUp();
    for (let i = 0; i < THROTTLE.accountMaxFailures - 1; i++) await signIn(user.email, 'wrong password');
    clock.advance(THROTTLE.windowSeconds + 1);
    for (let i = 0; i < THROTTLE.accountMaxFailures - 1; i++) await signIn(user.email, 'wrong password');
    expect((await signIn(user.email)).errors).toBeUndefined();
    for (let i = 0; i < THROTTLE.accountMaxFailures - 1; i++) await signIn(user.email, 'wrong password');
    expect((await signIn(user.email)).errors).toBeUndefined();
  });

  it("counts wrong current passwords in changePassword on the user's own budget: strangers' failures do not block it, nor it sign-in", async () => {
    const user = await signUp();
    const CHANGE = `mutation($i: ChangePasswordInput!) { changePassword(input: $i) }`;
    for (let i = 0; i < THROTTLE.accountMaxFailures + 2; i++) await signIn(user.email, 'stranger guess', freshIp());
    for (let i = 0; i < THROTTLE.accountMaxFailures; i++) {
      expect(codesOf(await call(CHANGE, { i: { currentPassword: `guess ${i}`, newPassword: 'a brand new passphrase' } }, user))).toEqual(['INVALID_CREDENTIALS']);
    }
    const locked = await call(CHANGE, { i: { currentPassword: PASSWORD, newPassword: 'a brand new passphrase' } }, user);
    expect(codesOf(locked)).toEqual(['TOO_MANY_ATTEMPTS']);
    clock.advance(THROTTLE.lockoutSeconds);
    expect((await signIn(user.email)).errors).toBeUndefined();
    expect((await call(CHANGE, { i: { currentPassword: PASSWORD, newPassword: 'a brand new passphrase' } }, user)).errors).toBeUndefined();
  });

  it('never runs more password hashes at once than its concurrency setting', async () => {
    const hasher = new PasswordHasher(2);
    let most = 0;
    const sampler = setInterval(() => (most = Math.max(most, hasher.stats.active)), 1);
    const hashes = await Promise.all(Array.from({ length: 6 }, (_, i) => hasher.hash(`password number ${i}`)));
    clearInterval(sampler);
    expect(most).toBe(2);
    expect(await hasher.verify(hashes[3]!, 'password number 3')).toBe(true);
    expect(await hasher.verify(null, 'password number 3')).toBe(false);
  });
});
