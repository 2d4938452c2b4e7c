import type { Viewer } from '@organoise/core';
import { codesOf, testLog } from '@organoise/core/testing';
import { eq, sql } from 'drizzle-orm';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { totpAt, verifyTotp } from '../src/crypto/totp.js';
import { totpFactors } from '../src/db/schema.js';
import { ManualClock, SecretBox } from '../src/index.js';
import { useUserSubgraph, viewerOf } from './support/subgraph.js';

// TOTP second factor, recovery codes, step-up and assurance levels, on a clock the tests move.
const clock = new ManualClock(new Date('2034-02-01T10:00:00Z'));
const KEY_A = Buffer.alloc(32, 7).toString('base64');
const STEP_UP = 300;
/** TOTP secrets and recovery codes handed out; none may be stored in clear. */
const stored: string[] = [];
const THROTTLE = { accountMaxFailures: 4, ipMaxFailures: 100, windowSeconds: 600, lockoutSeconds: 600 };

const subgraph = useUserSubgraph({
  throttle: THROTTLE,
  encryptionKeys: `k1:${KEY_A}`,
  stepUpMaxAgeSeconds: STEP_UP,
  clock,
}, { ip: '198.51.100.20' });
const { call } = subgraph;

const PASSWORD = 'correct horse battery';
let counter = 0;
type Signed = Viewer & { email: string };
const signedOf = (accessToken: string, email: string): Signed => {
  return { ...viewerOf(accessToken), email };
};

async function signUp(): Promise<Signed> {
  const email = `tfa-${Date.now()}-${counter++}@example.com`;
  const res = await call(`mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }`, { i: { email, password: PASSWORD, name: 'Tia' } });
  expect(res.errors).toBeUndefined();
  return signedOf(res.data!.signUp.accessToken, email);
}

const SIGN_IN = `mutation($i: SignInInput!) { signIn(input: $i) { accessToken } }`;
const signIn = (email: string, extra: Record<string, string> = {}) => call(SIGN_IN, { i: { email, password: PASSWORD, ...extra } });

/** Signs up and turns TOTP on; returns the user, the secret and the recovery codes. */
async function withTotp() {
  const user = await signUp();
  const enrol = await call(`mutation { enrollTotp { secret otpauthUri } }`, {}, user);
  expect(enrol.errors).toBeUndefined();
  const secret = enrol.data!.enrollTotp.secret as string;
  const confirm = await call(`mutation($c: String!) { confirmTotp(code: $c) { recoveryCodes accessToken } }`, { c: await totpAt(secret, clock.now()) }, user);
  expect(confirm.errors).toBeUndefined();
  stored.push(secret, ...(confirm.data!.confirmTotp.recoveryCodes as string[]));
  // A new step, so the confirming code is not the one used next.
  clock.advance(30);
  return { user, secret, recoveryCodes: confirm.data!.confirmTotp.recoveryCodes as string[], enrolment: enrol.data!.enrollTotp, confirm: confirm.data!.confirmTotp };
}

describe('TOTP and secret encryption primitives', () => {
  // RFC 6238 appendix B (SHA-1): the key is the ASCII "12345678901234567890", base32 below;
  // the six-digit codes are the last six digits of the published eight-digit ones.
  const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
  const RFC_VECTORS: [number, string][] = [[59, '94287082'], [1111111109, '07081804'], [1111111111, '14050471'], [1234567890, '89005924'], [2000000000, '69279037']];
  const atSecond = (seconds: number) => new Date(seconds * 1000);

  it('computes the RFC 6238 SHA-1 test vectors', async () => {
    for (const [seconds, code] of RFC_VECTORS) expect(await totpAt(RFC_SECRET, atSecond(seconds))).toBe(code.slice(-6));
  });

  it('accepts an RFC 6238 test-vector code once and refuses the same code the second time', async () => {
    for (const [seconds, code] of RFC_VECTORS) {
      const step = await verifyTotp(RFC_SECRET, code.slice(-6), atSecond(seconds), null);
      expect(step).toBe(Math.floor(seconds / 30));
      // The caller stores the step and passes it back: the same code is now refused.
      expect(await verifyTotp(RFC_SECRET, code.slice(-6), atSecond(seconds), step)).toBeNull();
      expect(await verifyTotp(RFC_SECRET, code.slice(-6), atSecond(seconds + 10), step)).toBeNull();
    }
  });

  it('allows one time step of clock drift either way but not two, and refuses malformed codes', async () => {
    const now = atSecond(1234567890);
    const step = Math.floor(1234567890 / 30);
    for (const drift of [-1, 1]) {
      const code = await totpAt(RFC_SECRET, atSecond(1234567890 + drift * 30));
      expect(await verifyTotp(RFC_SECRET, code, now, null)).toBe(step + drift);
    }
    for (const drift of [-2, 2]) expect(await verifyTotp(RFC_SECRET, await totpAt(RFC_SECRET, atSecond(1234567890 + drift * 30)), now, null)).toBeNull();
    for (const bad of ['', '12345', '1234567', 'abcdef', '12 456']) expect(await verifyTotp(RFC_SECRET, bad, now, null)).toBeNull();
    // A last-used step ahead of the clock (the clock went back) leaves nothing to accept.
    expect(await verifyTotp(RFC_SECRET, await totpAt(RFC_SECRET, now), now, step + 5)).toBeNull();
  });

  it('encrypts with the first key, decrypts with any listed key, and refuses another owner or an unknown key', () => {
    const old = new SecretBox([['k1', Buffer.alloc(32, 1)]]);
    const sealed = old.encrypt('JBSWY3DPEHPK3PXP', 'totp:alice');
    expect(sealed.startsWith('v1.k1.')).toBe(true);
    expect(sealed).not.toContain('JBSWY3DPEHPK3PXP');
    const rotated = new SecretBox([['k2', Buffer.alloc(32, 2)], ['k1', Buffer.alloc(32, 1)]]);
    expect(rotated.decrypt(sealed, 'totp:alice')).toBe('JBSWY3DPEHPK3PXP');
    expect(rotated.isStale(sealed)).toBe(true);
    expect(rotated.encrypt('x', 'c').startsWith('v1.k2.')).toBe(true);
    expect(() => rotated.decrypt(sealed, 'totp:mallory')).toThrow();
    // A tag cut to 4 bytes (which GCM accepts unless the length is pinned) is refused.
    const parts = sealed.split('.');
    const truncated = [...parts.slice(0, 3), Buffer.from(parts[3]!, 'base64url').subarray(0, 4).toString('base64url'), parts[4]].join('.');
    expect(() => rotated.decrypt(truncated, 'totp:alice')).toThrow();
    expect(() => new SecretBox([['k3', Buffer.alloc(32, 3)]]).decrypt(sealed, 'totp:alice')).toThrow(/key id/);
    expect(() => SecretBox.fromSetting('k1:c2hvcnQ=', testLog)).toThrow(/32 bytes/);
  });
});

describe('two-factor sign-in', () => {
  it('stays off until a code confirms enrolment, then asks for a second factor at sign-in and marks the session with aal 2', async () => {
    const user = await signUp();
    const enrol = await call(`mutation { enrollTotp { secret otpauthUri } }`, {}, user);
    const secret = enrol.data!.enrollTotp.secret;
    expect(enrol.data!.enrollTotp.otpauthUri).toContain(`secret=${secret}`);
    // otplib's key-URI format: issuer and account joined by a literal colon, issuer repeated as a parameter.
    expect(enrol.data!.enrollTotp.otpauthUri).toBe(`otpauth://totp/OrgaNoise:${encodeURIComponent(user.email)}?secret=${secret}&issuer=OrgaNoise`);
    // Pending: sign-in still needs the password only.
    expect((await signIn(user.email)).errors).toBeUndefined();
    expect(codesOf(await call(`mutation($c: String!) { confirmTotp(code: $c) { accessToken } }`, { c: '12' }, user))).toEqual(['BAD_USER_INPUT']);
    const wrong = await call(`mutation($c: String!) { confirmTotp(code: $c) { accessToken } }`, { c: await totpAt(secret, new Date(clock.now().getTime() + 600_000)) }, user);
    expect(codesOf(wrong)).toEqual(['INVALID_CREDENTIALS']);
    const confirm = await call(`mutation($c: String!) { confirmTotp(code: $c) { recoveryCodes accessToken } }`, { c: await totpAt(secret, clock.now()) }, user);
    expect(confirm.data!.confirmTotp.recoveryCodes).toHaveLength(10);
    expect(decodeJwt(confirm.data!.confirmTotp.accessToken).aal).toBe(2);
    expect((await call(`{ viewer { twoFactorEnabled } }`, {}, user)).data!.viewer.twoFactorEnabled).toBe(true);
    expect(codesOf(await call(`mutation { enrollTotp { secret } }`, {}, user))).toEqual(['CONFLICT']);

    clock.advance(30);
    expect(codesOf(await signIn(user.email))).toEqual(['SECOND_FACTOR_REQUIRED']);
    expect(codesOf(await signIn(user.email, { totpCode: '000000' === await totpAt(secret, clock.now()) ? '111111' : '000000' }))).toEqual(['INVALID_CREDENTIALS']);
    const ok = await signIn(user.email, { totpCode: await totpAt(secret, clock.now()) });
    expect(ok.errors).toBeUndefined();
    expect(decodeJwt(ok.data!.signIn.accessToken).aal).toBe(2);
    const session = signedOf(ok.data!.signIn.accessToken, user.email);
    const sessions = await call(`{ viewer { sessions { nodes { current assuranceLevel } } } }`, {}, session);
    expect(sessions.data!.viewer.sessions.nodes.find((s: { current: boolean }) => s.current).assuranceLevel).toBe(2);
  });

  it('refuses a TOTP code that was already used, even inside its time window', async () => {
    const { user, secret } = await withTotp();
    const code = await totpAt(secret, clock.now());
    expect((await signIn(user.email, { totpCode: code })).errors).toBeUndefined();
    clock.advance(5);
    expect(codesOf(await signIn(user.email, { totpCode: code }))).toEqual(['INVALID_CREDENTIALS']);
    clock.advance(30);
    expect((await signIn(user.email, { totpCode: await totpAt(secret, clock.now()) })).errors).toBeUndefined();
  });

  it('accepts each recovery code once, and regenerating voids the whole old set', async () => {
    const { user, recoveryCodes } = await withTotp();
    const first = await signIn(user.email, { recoveryCode: recoveryCodes[0]!.toUpperCase() });
    expect(first.errors).toBeUndefined();
    expect(codesOf(await signIn(user.email, { recoveryCode: recoveryCodes[0]! }))).toEqual(['INVALID_CREDENTIALS']);
    const session = signedOf(first.data!.signIn.accessToken, user.email);
    const regenerated = await call(`mutation { regenerateRecoveryCodes }`, {}, session);
    expect(regenerated.errors).toBeUndefined();
    const fresh = regenerated.data!.regenerateRecoveryCodes as string[];
    expect(fresh).toHaveLength(10);
    expect(fresh).not.toContain(recoveryCodes[1]);
    expect(codesOf(await signIn(user.email, { recoveryCode: recoveryCodes[1]! }))).toEqual(['INVALID_CREDENTIALS']);
    expect((await signIn(user.email, { recoveryCode: fresh[1]! })).errors).toBeUndefined();
  });

  it("counts wrong codes against the account's second factor, so codes cannot be guessed with a known password", async () => {
    const { user, secret } = await withTotp();
    const wrong = await totpAt(secret, new Date(clock.now().getTime() + 3_600_000));
    for (let i = 0; i < THROTTLE.accountMaxFailures; i++) {
      expect(codesOf(await signIn(user.email, { totpCode: wrong }))).toEqual(['INVALID_CREDENTIALS']);
      // A right password without a code must not reset the count.
      expect(codesOf(await signIn(user.email))).toEqual(['SECOND_FACTOR_REQUIRED']);
    }
    expect(codesOf(await signIn(user.email, { totpCode: await totpAt(secret, clock.now()) }))).toEqual(['TOO_MANY_ATTEMPTS']);
  });

  it('lets the owner in with the password and a second factor while strangers keep the email waiting; anything less is TOO_MANY_ATTEMPTS', async () => {
    const { user, secret, recoveryCodes } = await withTotp();
    const signedIn = await signIn(user.email, { totpCode: await totpAt(secret, clock.now()) });
    const session = signedOf(signedIn.data!.signIn.accessToken, user.email);
    clock.advance(30);
    for (let i = 0; i < THROTTLE.accountMaxFailures + 2; i++) await signIn(user.email, { password: `stranger guess ${i}` });
    const right = await totpAt(secret, clock.now());
    const wrong = await totpAt(secret, new Date(clock.now().getTime() + 3_600_000));
    // Nothing short of everything tells anything: a right password alone, or with a wrong code, and a wrong password with the right code.
    for (const attempt of [{}, { totpCode: wrong }, { password: 'stranger guess', totpCode: right }] as Record<string, string>[]) {
      expect(codesOf(await signIn(user.email, attempt))).toEqual(['TOO_MANY_ATTEMPTS']);
    }
    const owner = await signIn(user.email, { totpCode: right });
    expect(owner.errors).toBeUndefined();
    expect(decodeJwt(owner.data!.signIn.accessToken).aal).toBe(2);
    // Step-up in a session is not the email's to throttle either: a recovery code still works.
    const VERIFY = `mutation($i: SecondFactorInput!) { verifySecondFactor(input: $i) { accessToken } }`;
    expect((await call(VERIFY, { i: { recoveryCode: recoveryCodes[0] } }, session)).errors).toBeUndefined();
  });
});

describe('step-up for sensitive changes', () => {
  it('asks for a recent second factor before a password change, and accepts one verified within the window', async () => {
    const { user, secret } = await withTotp();
    const signedIn = await signIn(user.email, { totpCode: await totpAt(secret, clock.now()) });
    const session = signedOf(signedIn.data!.signIn.accessToken, user.email);
    clock.advance(STEP_UP + 1);
    const CHANGE = `mutation($i: ChangePasswordInput!) { changePassword(input: $i) }`;
    const refused = await call(CHANGE, { i: { currentPassword: PASSWORD, newPassword: 'a brand new passphrase' } }, session);
    expect(codesOf(refused)).toEqual(['STEP_UP_REQUIRED']);
    expect(refused.errors![0]!.extensions!.maxAgeSeconds).toBe(STEP_UP);
    expect((await signIn(user.email, { totpCode: await totpAt(secret, clock.now()) })).errors).toBeUndefined();
    clock.advance(30);
    const VERIFY = `mutation($i: SecondFactorInput!) { verifySecondFactor(input: $i) { accessToken } }`;
    expect(codesOf(await call(VERIFY, { i: {} }, session))).toEqual(['BAD_USER_INPUT']);
    expect(codesOf(await call(VERIFY, { i: { totpCode: '123456', recoveryCode: 'abcd-efgh-ijkl' } }, session))).toEqual(['BAD_USER_INPUT']);
    const stepped = await call(VERIFY, { i: { totpCode: await totpAt(secret, clock.now()) } }, session);
    expect(decodeJwt(stepped.data!.verifySecondFactor.accessToken).aal).toBe(2);
    expect((await call(CHANGE, { i: { currentPassword: PASSWORD, newPassword: 'a brand new passphrase' } }, session)).data!.changePassword).toBe(true);
  });

  it('asks for a recent second factor before turning two factors off, after which sign-in needs the password only', async () => {
    const { user, secret } = await withTotp();
    const signedIn = await signIn(user.email, { totpCode: await totpAt(secret, clock.now()) });
    const session = signedOf(signedIn.data!.signIn.accessToken, user.email);
    clock.advance(STEP_UP + 1);
    expect(codesOf(await call(`mutation { disableTotp }`, {}, session))).toEqual(['STEP_UP_REQUIRED']);
    expect(codesOf(await call(`mutation { regenerateRecoveryCodes }`, {}, session))).toEqual(['STEP_UP_REQUIRED']);
    expect(codesOf(await signIn(user.email))).toEqual(['SECOND_FACTOR_REQUIRED']);
    await call(`mutation($i: SecondFactorInput!) { verifySecondFactor(input: $i) { accessToken } }`, { i: { totpCode: await totpAt(secret, clock.now()) } }, session);
    expect((await call(`mutation { disableTotp }`, {}, session)).data!.disableTotp).toBe(true);
    expect((await signIn(user.email)).errors).toBeUndefined();
    expect((await call(`{ viewer { twoFactorEnabled } }`, {}, session)).data!.viewer.twoFactorEnabled).toBe(false);
  });

  it('stores the TOTP secret only encrypted, under the configured key id', async () => {
    const { user, secret } = await withTotp();
    const [row] = await subgraph.server.services.db.select().from(totpFactors).where(eq(totpFactors.userId, user.userId));
    expect(row!.secretEncrypted.startsWith('v1.k1.')).toBe(true);
    expect(row!.secretEncrypted).not.toContain(secret);
    expect(subgraph.server.services.secrets.decrypt(row!.secretEncrypted, `totp:${user.userId}`)).toBe(secret);
  });

  it('keeps no TOTP secret or recovery code in clear in any table', async () => {
    expect(stored.length).toBeGreaterThan(40);
    for (const table of ['totp_factors', 'recovery_codes', 'audit_events', 'sessions', 'users']) {
      const dump = JSON.stringify(await subgraph.server.services.db.execute(sql.raw(`select * from users.${table}`))).toLowerCase();
      for (const value of stored) expect(dump, `${table} holds a secret`).not.toContain(value.toLowerCase());
    }
  });
});
