import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INTERNAL_TOKEN_HEADER, PRINCIPAL_PATH, signInternalToken, type Viewer } from '@organoise/core';
import { codesOf, TEST_INTERNAL_SECRET, testLog } from '@organoise/core/testing';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { ManualClock, MemoryMailer, OutboxMailer, SUBGRAPH_NAME } from '../src/index.js';
import { useUserSubgraph, viewerOf } from './support/subgraph.js';

// Email verification and password reset, with mail caught by an in-memory mailer.
const clock = new ManualClock(new Date('2031-03-01T09:00:00Z'));
const mailer = new MemoryMailer();
const THROTTLE = { accountMaxFailures: 3, ipMaxFailures: 100, windowSeconds: 600, lockoutSeconds: 600 };

const subgraph = useUserSubgraph({
  throttle: THROTTLE,
  mail: { mailer },
  appUrl: 'https://app.example.test',
  emailVerificationTtlSeconds: 7200,
  passwordResetTtlSeconds: 1800,
  clock,
}, { ip: '198.51.100.7' });
const { call } = subgraph;

const PASSWORD = 'correct horse battery';
let counter = 0;
const uniqueEmail = (prefix: string) => `${prefix}-${Date.now()}-${counter++}@example.com`;

async function signUp(email = uniqueEmail('mail')): Promise<Viewer & { email: string }> {
  const res = await call(`mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }`, { i: { email, password: PASSWORD, name: 'Mo' } });
  expect(res.errors).toBeUndefined();
  return { ...viewerOf(res.data!.signUp.accessToken), email };
}

const signIn = (email: string, password = PASSWORD) => call(`mutation($i: SignInInput!) { signIn(input: $i) { accessToken } }`, { i: { email, password } });
/** Mail goes out after the answer (accounts/recovery.ts says why): wait for it, then look. */
async function mailsTo(email: string) {
  await subgraph.server.services.background.idle();
  return mailer.sent.filter((m) => m.to === email);
}
function tokenIn(text: string, path: string): string {
  const match = new RegExp(`https://app\\.example\\.test${path}\\?token=([A-Za-z0-9_-]+)`).exec(text);
  expect(match).not.toBeNull();
  return match![1]!;
}
async function principalStatus(viewer: Viewer) {
  const url = new URL(PRINCIPAL_PATH, subgraph.server.url);
  url.searchParams.set('sessionId', viewer.sessionId);
  url.searchParams.set('userId', viewer.userId);
  return (await fetch(url, { headers: { [INTERNAL_TOKEN_HEADER]: await signInternalToken(TEST_INTERNAL_SECRET, SUBGRAPH_NAME, null) } })).status;
}

const REQUEST_VERIFICATION = `mutation { requestEmailVerification }`;
const VERIFY = `mutation($t: String!) { verifyEmail(token: $t) }`;
const REQUEST_RESET = `mutation($e: String!) { requestPasswordReset(email: $e) }`;
const RESET = `mutation($i: ResetPasswordInput!) { resetPassword(input: $i) }`;
const VERIFIED = `{ viewer { emailVerified } }`;

describe('email verification (memory mailer)', () => {
  it('mails a link whose token verifies the address once; a second use is EMAIL_TOKEN_INVALID', async () => {
    const user = await signUp();
    expect((await call(VERIFIED, {}, user)).data!.viewer.emailVerified).toBe(false);
    expect((await call(REQUEST_VERIFICATION, {}, user)).data!.requestEmailVerification).toBe(true);
    const [mail] = await mailsTo(user.email);
    expect(mail!.subject).toMatch(/confirm/i);
    const token = tokenIn(mail!.text, '/verify-email');
    expect((await call(VERIFY, { t: token }, user)).data!.verifyEmail).toBe(true);
    expect((await call(VERIFIED, {}, user)).data!.viewer.emailVerified).toBe(true);
    expect(codesOf(await call(VERIFY, { t: token }, user))).toEqual(['EMAIL_TOKEN_INVALID']);
    // Already verified: nothing more is sent.
    expect((await call(REQUEST_VERIFICATION, {}, user)).data!.requestEmailVerification).toBe(true);
    expect((await mailsTo(user.email))).toHaveLength(1);
  });

  it('sends at most one verification mail a minute, and a newer link voids the older one', async () => {
    const user = await signUp();
    await call(REQUEST_VERIFICATION, {}, user);
    const soon = await call(REQUEST_VERIFICATION, {}, user);
    expect(codesOf(soon)).toEqual(['TOO_MANY_ATTEMPTS']);
    expect(soon.errors![0]!.extensions!.retryAfterSeconds).toBe(60);
    clock.advance(60);
    expect((await call(REQUEST_VERIFICATION, {}, user)).errors).toBeUndefined();
    const [older, newer] = (await mailsTo(user.email)).map((m) => tokenIn(m.text, '/verify-email'));
    expect(codesOf(await call(VERIFY, { t: older }, user))).toEqual(['EMAIL_TOKEN_INVALID']);
    expect((await call(VERIFIED, {}, user)).data!.viewer.emailVerified).toBe(false);
    expect((await call(VERIFY, { t: newer }, user)).data!.verifyEmail).toBe(true);
  });

  it('verifies only in a session of the account the link was mailed for: clicked elsewhere it proves the inbox, not who set the password', async () => {
    // Someone registered this address and asked for the link; its owner, who never signed up, clicks it.
    const squatter = await signUp();
    await call(REQUEST_VERIFICATION, {}, squatter);
    const token = tokenIn((await mailsTo(squatter.email))[0]!.text, '/verify-email');
    expect(codesOf(await call(VERIFY, { t: token }))).toEqual(['UNAUTHENTICATED']);
    const other = await signUp();
    expect(codesOf(await call(VERIFY, { t: token }, other))).toEqual(['EMAIL_TOKEN_INVALID']);
    expect((await call(VERIFIED, {}, squatter)).data!.viewer.emailVerified).toBe(false);
    expect((await call(VERIFIED, {}, other)).data!.viewer.emailVerified).toBe(false);
    // The mail tells the owner what to do instead.
    expect((await mailsTo(squatter.email))[0]!.text).toMatch(/did not create an account.*password reset/s);
  });

  it('refuses an expired verification token and leaves the address unverified', async () => {
    const user = await signUp();
    await call(REQUEST_VERIFICATION, {}, user);
    const token = tokenIn((await mailsTo(user.email))[0]!.text, '/verify-email');
    clock.advance(7200);
    expect(codesOf(await call(VERIFY, { t: token }, user))).toEqual(['EMAIL_TOKEN_INVALID']);
    expect((await call(VERIFIED, {}, user)).data!.viewer.emailVerified).toBe(false);
    expect(codesOf(await call(VERIFY, { t: 'short' }, user))).toEqual(['BAD_USER_INPUT']);
    expect(codesOf(await call(REQUEST_VERIFICATION))).toEqual(['UNAUTHENTICATED']);
  });
});

describe('password reset (memory mailer)', () => {
  it('answers an unknown email exactly like a known one, and mails only the known one', async () => {
    const user = await signUp();
    const ghost = uniqueEmail('ghost');
    const known = await call(REQUEST_RESET, { e: user.email });
    const unknown = await call(REQUEST_RESET, { e: ghost });
    expect(known).toEqual(unknown);
    expect((await mailsTo(user.email))).toHaveLength(1);
    expect((await mailsTo(ghost))).toHaveLength(0);
    expect(codesOf(await call(REQUEST_RESET, { e: 'not an email' }))).toEqual(['BAD_USER_INPUT']);
  });

  it('resets the password once with the mailed token and ends every session of the account', async () => {
    const user = await signUp();
    const laptop = decodeJwt((await signIn(user.email)).data!.signIn.accessToken);
    await call(REQUEST_RESET, { e: user.email.toUpperCase() });
    const token = tokenIn((await mailsTo(user.email))[0]!.text, '/reset-password');
    expect((await call(RESET, { i: { token, newPassword: 'a fresh passphrase' } })).data!.resetPassword).toBe(true);
    expect(await principalStatus(user)).toBe(404);
    expect(await principalStatus({ userId: user.userId, sessionId: laptop.sid as string, memberships: {} })).toBe(404);
    expect(codesOf(await signIn(user.email))).toEqual(['INVALID_CREDENTIALS']);
    expect((await signIn(user.email, 'a fresh passphrase')).errors).toBeUndefined();
    const again = await call(RESET, { i: { token, newPassword: 'yet another passphrase' } });
    expect(codesOf(again)).toEqual(['EMAIL_TOKEN_INVALID']);
    expect((await signIn(user.email, 'a fresh passphrase')).errors).toBeUndefined();
  });

  it('refuses an expired or unknown reset token and a too-short password, changing nothing', async () => {
    const user = await signUp();
    await call(REQUEST_RESET, { e: user.email });
    const token = tokenIn((await mailsTo(user.email))[0]!.text, '/reset-password');
    const short = await call(RESET, { i: { token, newPassword: 'short' } });
    expect(codesOf(short)).toEqual(['BAD_USER_INPUT']);
    expect(codesOf(await call(RESET, { i: { token: 'x'.repeat(43), newPassword: 'a fresh passphrase' } }))).toEqual(['EMAIL_TOKEN_INVALID']);
    clock.advance(1800);
    expect(codesOf(await call(RESET, { i: { token, newPassword: 'a fresh passphrase' } }))).toEqual(['EMAIL_TOKEN_INVALID']);
    expect(await principalStatus(user)).toBe(200);
    expect((await signIn(user.email)).errors).toBeUndefined();
  });

  it('sends at most one reset mail a minute per account, still answering true', async () => {
    const user = await signUp();
    for (let i = 0; i < 3; i++) expect((await call(REQUEST_RESET, { e: user.email })).data!.requestPasswordReset).toBe(true);
    expect((await mailsTo(user.email))).toHaveLength(1);
    clock.advance(60);
    await call(REQUEST_RESET, { e: user.email });
    expect((await mailsTo(user.email))).toHaveLength(2);
  });

  it('lifts a sign-in lockout and marks the address verified, since the link reached the inbox', async () => {
    const user = await signUp();
    for (let i = 0; i < THROTTLE.accountMaxFailures; i++) await signIn(user.email, 'wrong guess');
    expect(codesOf(await signIn(user.email))).toEqual(['TOO_MANY_ATTEMPTS']);
    await call(REQUEST_RESET, { e: user.email });
    const token = tokenIn((await mailsTo(user.email))[0]!.text, '/reset-password');
    await call(RESET, { i: { token, newPassword: 'a fresh passphrase' } });
    const res = await signIn(user.email, 'a fresh passphrase');
    expect(res.errors).toBeUndefined();
    const viewer = decodeJwt(res.data!.signIn.accessToken);
    expect((await call(VERIFIED, {}, { userId: viewer.sub!, sessionId: viewer.sid as string, memberships: {} })).data!.viewer.emailVerified).toBe(true);
  });
});

describe('dev outbox', () => {
  it('writes each message as a readable JSON file in the outbox folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'organoise-outbox-'));
    try {
      const outbox = new OutboxMailer(join(dir, 'outbox'), 'OrgaNoise <no-reply@example.test>', testLog);
      await outbox.send({ to: 'ada@example.com', subject: 'Hello', text: 'Body text' });
      const files = readdirSync(join(dir, 'outbox'));
      expect(files).toHaveLength(1);
      expect(JSON.parse(readFileSync(join(dir, 'outbox', files[0]!), 'utf8'))).toMatchObject({
        from: 'OrgaNoise <no-reply@example.test>',
        to: 'ada@example.com',
        subject: 'Hello',
        text: 'Body text',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
