import { JWKS_PATH, type Viewer } from '@organoise/core';
import { codesOf } from '@organoise/core/testing';
import { count, eq } from 'drizzle-orm';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeys, auditEvents, oidcIdentities, oidcLogins, recoveryCodes, sessions, totpFactors, users } from '../src/db/schema.js';
import { totpAt } from '../src/crypto/totp.js';
import { oidcProvidersFromText } from '../src/domains/oidc/config.js';
import { ManualClock } from '../src/index.js';
import { authorizeInBrowser, startTestOidcProvider, type TestOidcProvider } from './support/oidc-provider.js';
import { useUserSubgraph } from './support/subgraph.js';

// Sign-in with OpenID Connect against a real provider (node-oidc-provider) on a free port. The
// browser part (login and consent pages, redirects) is driven with plain fetch.
const REDIRECT = 'http://localhost:4000/auth/callback/test';
const PUBLIC_REDIRECT = 'http://localhost:4000/auth/callback/public';
const CLIENT_SECRET = 'client-secret-of-organoise-0123456789';
const KEY = Buffer.alloc(32, 9).toString('base64');

let idp: TestOidcProvider;
// Real time (the provider's ID tokens are checked against it); tests move it forward past expiries.
const clock = new ManualClock(new Date());

beforeAll(async () => {
  idp = await startTestOidcProvider([
    { clientId: 'organoise', clientSecret: CLIENT_SECRET, redirectUri: REDIRECT },
    { clientId: 'organoise-public', redirectUri: PUBLIC_REDIRECT },
  ]);
});

// Settings known once the provider runs (the hook above).
const subgraph = useUserSubgraph(() => ({
  tokens: { issuer: 'organoise-test', ttlSeconds: 3600 },
  encryptionKeys: `k1:${KEY}`,
  clock,
  oidcProviders: [
    { id: 'test', name: 'Test IdP', issuer: idp.issuer, clientId: 'organoise', clientSecret: CLIENT_SECRET, redirectUri: REDIRECT, allowInsecureHttp: true },
    { id: 'public', issuer: idp.issuer, clientId: 'organoise-public', redirectUri: PUBLIC_REDIRECT, allowInsecureHttp: true },
  ],
}), { ip: '198.51.100.30' });
const { call } = subgraph;

afterAll(async () => {
  await idp?.close();
});

let counter = 0;
/** A provider account with a fresh login and email. */
function account(claims: { email_verified?: boolean; email?: string | null; name?: string } = {}) {
  const login = `person-${Date.now()}-${counter++}`;
  const email = claims.email === undefined ? `${login}@example.com` : claims.email;
  idp.accounts.set(login, { ...(email ? { email } : {}), email_verified: claims.email_verified ?? true, name: claims.name ?? `Person ${counter}` });
  return { login, email };
}

const BEGIN = `mutation($p: ID!, $r: String!) { beginOidcSignIn(provider: $p, redirectUri: $r) { authorizationUrl state binding expiresAt } }`;
const COMPLETE = `mutation($i: CompleteOidcSignInInput!) { completeOidcSignIn(input: $i) { accessToken refreshToken expiresAt user { id email emailVerified } } }`;

async function begin(provider = 'test', redirectUri = REDIRECT) {
  const res = await call(BEGIN, { p: provider, r: redirectUri });
  expect(res.errors).toBeUndefined();
  return res.data!.beginOidcSignIn as { authorizationUrl: string; state: string; binding: string; expiresAt: string };
}

/** Begins, logs in at the provider as `login`, and returns the callback's parameters. */
async function authorize(login: string, provider = 'test', redirectUri = REDIRECT) {
  const started = await begin(provider, redirectUri);
  const callback = await authorizeInBrowser(started.authorizationUrl, redirectUri, login);
  const param = (name: string) => callback.searchParams.get(name) ?? undefined;
  return { started, input: { state: param('state')!, code: param('code')!, iss: param('iss'), redirectUri, binding: started.binding } };
}

const complete = (input: Record<string, unknown>) => call(COMPLETE, { i: input });

async function signInWith(login: string, provider = 'test', redirectUri = REDIRECT) {
  const { input } = await authorize(login, provider, redirectUri);
  const res = await complete(input);
  expect(res.errors).toBeUndefined();
  return res.data!.completeOidcSignIn as { accessToken: string; refreshToken: string; user: { id: string; email: string; emailVerified: boolean } };
}

/** The access token checked as the gateway does (our JWKS), turned into the viewer it stands for. */
async function viewerFrom(accessToken: string): Promise<Viewer> {
  const { payload } = await jwtVerify(accessToken, createRemoteJWKSet(new URL(JWKS_PATH, subgraph.server.url)), { issuer: 'organoise-test', currentDate: clock.now() });
  return { userId: payload.sub!, sessionId: payload.sid as string, memberships: {} };
}

/** Rows a refusal must leave alone. */
async function snapshot() {
  const d = subgraph.server.services.db;
  const n = async (table: typeof users | typeof sessions | typeof oidcIdentities | typeof oidcLogins) => (await d.select({ n: count() }).from(table))[0]!.n;
  return { users: await n(users), sessions: await n(sessions), identities: await n(oidcIdentities), logins: await n(oidcLogins) };
}

const failures = async () => (await subgraph.server.services.db.select({ n: count() }).from(auditEvents).where(eq(auditEvents.type, 'OIDC_SIGN_IN_FAILED')))[0]!.n;

describe('OpenID Connect providers', () => {
  it('lists the configured providers to anyone, by id and display name only', async () => {
    const res = await call(`{ oidcProviders { id name } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data!.oidcProviders).toEqual([{ id: 'test', name: 'Test IdP' }, { id: 'public', name: 'public' }]);
  });

  it('begins with an authorization URL for the code flow with PKCE S256, a state and a nonce, keeping none of them in clear', async () => {
    const started = await begin();
    const url = new URL(started.authorizationUrl);
    expect(url.origin).toBe(idp.issuer);
    const params = Object.fromEntries(url.searchParams);
    expect(params).toMatchObject({ response_type: 'code', client_id: 'organoise', redirect_uri: REDIRECT, code_challenge_method: 'S256', state: started.state, scope: 'openid email profile' });
    expect(params.code_challenge).toMatch(/^[\w-]{43}$/);
    expect(params.nonce).toMatch(/^[\w-]{20,}$/);
    expect(new Date(started.expiresAt).getTime() - clock.now().getTime()).toBe(600_000);
    const rows = await subgraph.server.services.db.select().from(oidcLogins);
    const stored = JSON.stringify(rows);
    expect(stored).not.toContain(started.state);
    expect(stored).not.toContain(params.nonce);
  });
});

describe('signing in with a provider', () => {
  it('creates an account on the first sign-in, whose access token works and whose refresh token renews it', async () => {
    const person = account({ name: 'Ada Lovelace' });
    const before = await snapshot();
    const signed = await signInWith(person.login);
    expect(signed.user).toMatchObject({ email: person.email, emailVerified: true });
    expect(await snapshot()).toMatchObject({ users: before.users + 1, sessions: before.sessions + 1, identities: before.identities + 1 });

    const viewer = await viewerFrom(signed.accessToken);
    expect(viewer.userId).toBe(signed.user.id);
    const me = await call(`{ viewer { id name email linkedIdentities { provider email } securityEvents { nodes { type details } } } }`, {}, viewer);
    expect(me.errors).toBeUndefined();
    expect(me.data!.viewer).toMatchObject({ id: signed.user.id, name: 'Ada Lovelace', email: person.email, linkedIdentities: [{ provider: 'test', email: person.email }] });
    const types = (me.data!.viewer.securityEvents.nodes as { type: string }[]).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['SIGN_UP', 'OIDC_LINKED', 'OIDC_SIGN_IN']));

    const refreshed = await call(`mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken } }`, { t: signed.refreshToken });
    expect(refreshed.errors).toBeUndefined();
    // The account has no password: password sign-in is refused like any wrong password.
    const password = await call(`mutation($i: SignInInput!) { signIn(input: $i) { accessToken } }`, { i: { email: person.email, password: 'anything-at-all' } });
    expect(codesOf(password)).toEqual(['INVALID_CREDENTIALS']);
  });

  it('signs the same provider account into the same user the next time', async () => {
    const person = account();
    const first = await signInWith(person.login);
    const before = await snapshot();
    const second = await signInWith(person.login);
    expect(second.user.id).toBe(first.user.id);
    expect(await snapshot()).toMatchObject({ users: before.users, identities: before.identities, sessions: before.sessions + 1 });
  });

  it('works for a public client that has PKCE and no secret', async () => {
    const person = account();
    const signed = await signInWith(person.login, 'public', PUBLIC_REDIRECT);
    expect(signed.user.email).toBe(person.email);
  });

  it('links to an account with the same email when the provider says the email is verified, and the claim removes every credential set up before', async () => {
    // Someone registers the address before its owner (pre-account takeover) and sets up every way
    // back in they can: a session, a known device, an organization with an ADMIN API key, TOTP.
    const person = account();
    const signUp = await call(`mutation($i: SignUpInput!) { signUp(input: $i) { accessToken deviceToken user { id } } }`, { i: { email: person.email, password: 'a long password here', name: 'Pre' } });
    expect(signUp.errors).toBeUndefined();
    const existingId = signUp.data!.signUp.user.id as string;
    const squatter = await viewerFrom(signUp.data!.signUp.accessToken);
    const org = await call(`mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id } }`, { i: { name: 'Squat', slug: `squat-${counter++}-${Date.now()}` } }, squatter);
    const key = await call(`mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret apiKey { id } } }`, { i: { organizationId: org.data!.createOrganization.id, name: 'backdoor', role: 'ADMIN' } }, squatter);
    expect(key.errors).toBeUndefined();
    const enrol = await call(`mutation { enrollTotp { secret } }`, {}, squatter);
    const confirmed = await call(`mutation($c: String!) { confirmTotp(code: $c) { recoveryCodes } }`, { c: await totpAt(enrol.data!.enrollTotp.secret, clock.now()) }, squatter);
    expect(confirmed.errors).toBeUndefined();

    const signed = await signInWith(person.login);
    expect(signed.user).toMatchObject({ id: existingId, emailVerified: true });
    const d = subgraph.server.services.db;
    const live = await d.select().from(sessions).where(eq(sessions.userId, existingId));
    expect(live.filter((s) => s.revokedAt === null)).toHaveLength(1);
    expect((await d.select().from(oidcIdentities).where(eq(oidcIdentities.userId, existingId))).map((i) => i.provider)).toEqual(['test']);
    expect(await d.select().from(totpFactors).where(eq(totpFactors.userId, existingId))).toEqual([]);
    expect(await d.select().from(recoveryCodes).where(eq(recoveryCodes.userId, existingId))).toEqual([]);
    const [apiKey] = await d.select().from(apiKeys).where(eq(apiKeys.id, key.data!.createApiKey.apiKey.id));
    expect(apiKey!.revokedAt).not.toBeNull();
    // Neither the password nor the squatter's device gets back in; the claim is on the record.
    for (const extra of [{}, { deviceToken: signUp.data!.signUp.deviceToken }]) {
      const password = await call(`mutation($i: SignInInput!) { signIn(input: $i) { accessToken } }`, { i: { email: person.email, password: 'a long password here', ...extra } });
      expect(codesOf(password)).toEqual(['INVALID_CREDENTIALS']);
    }
    const claimed = await d.select().from(auditEvents).where(eq(auditEvents.type, 'ACCOUNT_CLAIMED'));
    expect(claimed.find((e) => e.userId === existingId)?.details).toMatchObject({ proof: 'oidc_verified_email', secondFactorRemoved: true, apiAccessRevoked: 1 });
  });

  it('links a second provider account with the same verified email to the same user, and unlinks one but not the last', async () => {
    const person = account();
    const first = await signInWith(person.login);
    clock.advance(1);
    const second = await signInWith(person.login, 'public', PUBLIC_REDIRECT);
    expect(second.user.id).toBe(first.user.id);
    const viewer = await viewerFrom(second.accessToken);
    const list = await call(`{ viewer { linkedIdentities { id provider } } }`, {}, viewer);
    const identities = list.data!.viewer.linkedIdentities as { id: string; provider: string }[];
    expect(identities.map((i) => i.provider)).toEqual(['test', 'public']);

    const UNLINK = `mutation($id: ID!) { unlinkOidcIdentity(id: $id) }`;
    // Someone else, or nobody, cannot unlink it.
    const stranger = await signInWith(account().login);
    const before = await snapshot();
    expect(codesOf(await call(UNLINK, { id: identities[0]!.id }, await viewerFrom(stranger.accessToken)))).toEqual(['NOT_FOUND']);
    expect(codesOf(await call(UNLINK, { id: identities[0]!.id }))).toEqual(['UNAUTHENTICATED']);
    expect(await snapshot()).toEqual(before);

    expect((await call(UNLINK, { id: identities[0]!.id }, viewer)).data).toEqual({ unlinkOidcIdentity: true });
    const last = await call(UNLINK, { id: identities[1]!.id }, viewer);
    expect(codesOf(last)).toEqual(['OIDC_LAST_SIGN_IN_METHOD']);
    const after = await call(`{ viewer { linkedIdentities { id } securityEvents(filter: { type: OIDC_UNLINKED }) { totalCount } } }`, {}, viewer);
    expect(after.data!.viewer).toEqual({ linkedIdentities: [{ id: identities[1]!.id }], securityEvents: { totalCount: 1 } });
  });

  it("shows nobody another user's linked identities", async () => {
    const a = await signInWith(account().login);
    const b = await signInWith(account().login);
    const res = await call(`query($r: [_Any!]!) { _entities(representations: $r) { ... on User { linkedIdentities { id } } } }`, { r: [{ __typename: 'User', id: a.user.id }] }, await viewerFrom(b.accessToken));
    expect(res.errors).toBeUndefined();
    expect(res.data!._entities).toEqual([null]);
  });
});

describe('refused sign-ins change nothing', () => {
  async function expectRefused(input: Record<string, unknown>, code: string) {
    const before = await snapshot();
    const failed = await failures();
    const res = await complete(input);
    expect(codesOf(res)).toEqual([code]);
    expect(res.data).toBeNull();
    return { before, failed };
  }

  it('refuses a callback completed without the binding of the client that began it (login CSRF), and that client still completes', async () => {
    // The attacker's own code and state, opened in the victim's browser, which holds another binding (or none).
    const { input } = await authorize(account().login);
    const other = await begin();
    const { before, failed } = await expectRefused({ ...input, binding: other.binding }, 'OIDC_STATE_INVALID');
    expect(await snapshot()).toEqual(before);
    expect(await failures()).toBe(failed + 1);
    expect((await complete(input)).errors).toBeUndefined();
  });

  it('refuses an unknown provider', async () => {
    const before = await snapshot();
    const res = await call(BEGIN, { p: 'nope', r: REDIRECT });
    expect(codesOf(res)).toEqual(['OIDC_PROVIDER_UNKNOWN']);
    expect(await snapshot()).toEqual(before);
  });

  it('refuses to begin with a redirect URI that is not exactly the registered one', async () => {
    const before = await snapshot();
    for (const r of [`${REDIRECT}/`, REDIRECT.toUpperCase(), `${REDIRECT}?next=/admin`, 'https://evil.example/auth/callback/test', PUBLIC_REDIRECT]) {
      expect(codesOf(await call(BEGIN, { p: 'test', r })), r).toEqual(['OIDC_REDIRECT_MISMATCH']);
    }
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a state it never issued', async () => {
    const { input } = await authorize(account().login);
    const { before, failed } = await expectRefused({ ...input, state: 'forged-state-value' }, 'OIDC_STATE_INVALID');
    expect(await snapshot()).toEqual(before);
    expect(await failures()).toBe(failed + 1);
  });

  it('refuses a completion whose redirect URI differs, and the right one still completes', async () => {
    const person = account();
    const { input } = await authorize(person.login);
    const { before } = await expectRefused({ ...input, redirectUri: `${REDIRECT}/` }, 'OIDC_REDIRECT_MISMATCH');
    expect(await snapshot()).toEqual(before);
    const res = await complete(input);
    expect(res.errors).toBeUndefined();
    expect(res.data!.completeOidcSignIn.user.email).toBe(person.email);
  });

  it('refuses a state, or a code, used a second time', async () => {
    const person = account();
    const { input } = await authorize(person.login);
    expect((await complete(input)).errors).toBeUndefined();
    const { before } = await expectRefused(input, 'OIDC_STATE_INVALID');
    expect(await snapshot()).toEqual(before);
    // The spent code injected into a fresh sign-in of the same browser: the provider refuses it.
    const fresh = await authorize(person.login);
    const replay = await expectRefused({ ...fresh.input, code: input.code }, 'OIDC_FAILED');
    expect(await snapshot()).toEqual({ ...replay.before, logins: replay.before.logins - 1 });
  });

  it("refuses a code from another sign-in (its PKCE verifier and nonce are not this one's)", async () => {
    const attacker = await authorize(account().login);
    const victim = await authorize(account().login);
    const { before } = await expectRefused({ ...victim.input, code: attacker.input.code }, 'OIDC_FAILED');
    expect(await snapshot()).toEqual({ ...before, logins: before.logins - 1 });
  });

  it('refuses an ID token whose nonce is not the one the sign-in began with', async () => {
    const { input } = await authorize(account().login);
    // Every pending sign-in's nonce is replaced, as if the ID token had been minted for another sign-in.
    for (const r of await subgraph.server.services.db.select().from(oidcLogins)) {
      const nonceEncrypted = subgraph.server.services.secrets.encrypt('another-nonce-entirely', `oidc-login:${r.id}:nonce`);
      await subgraph.server.services.db.update(oidcLogins).set({ nonceEncrypted }).where(eq(oidcLogins.id, r.id));
    }
    const { before } = await expectRefused(input, 'OIDC_FAILED');
    expect(await snapshot()).toEqual({ ...before, logins: before.logins - 1 });
  });

  it('refuses a sign-in completed after 10 minutes', async () => {
    const { input } = await authorize(account().login);
    clock.advance(601);
    const { before } = await expectRefused(input, 'OIDC_STATE_INVALID');
    expect(await snapshot()).toEqual(before);
  });

  it('does not link an unverified provider email to the account that has it', async () => {
    const person = account({ email_verified: false });
    const signUp = await call(`mutation($i: SignUpInput!) { signUp(input: $i) { user { id } } }`, { i: { email: person.email, password: 'a long password here', name: 'Owner' } });
    expect(signUp.errors).toBeUndefined();
    const { input } = await authorize(person.login);
    const { before } = await expectRefused(input, 'OIDC_EMAIL_UNVERIFIED');
    expect(await snapshot()).toEqual({ ...before, logins: before.logins - 1 });
    // The owner's password still works.
    const password = await call(`mutation($i: SignInInput!) { signIn(input: $i) { user { id } } }`, { i: { email: person.email, password: 'a long password here' } });
    expect(password.data!.signIn.user.id).toBe(signUp.data!.signUp.user.id);
  });

  it('creates an account with an unverified email when no account has it, without marking it verified', async () => {
    const person = account({ email_verified: false });
    const signed = await signInWith(person.login);
    expect(signed.user).toMatchObject({ email: person.email, emailVerified: false });
  });

  it('refuses a first sign-in without an email', async () => {
    const { input } = await authorize(account({ email: null }).login);
    const { before } = await expectRefused(input, 'OIDC_EMAIL_REQUIRED');
    expect(await snapshot()).toEqual({ ...before, logins: before.logins - 1 });
  });

  it('refuses bad input with BAD_USER_INPUT', async () => {
    const before = await snapshot();
    expect(codesOf(await complete({ state: '', code: 'x', redirectUri: REDIRECT, binding: 'b' }))).toEqual(['BAD_USER_INPUT']);
    expect(codesOf(await complete({ state: 's'.repeat(600), code: 'x', redirectUri: REDIRECT, binding: 'b' }))).toEqual(['BAD_USER_INPUT']);
    expect(await snapshot()).toEqual(before);
  });
});

describe('sign-in protections', () => {
  it('asks an account with two factors for its code, and signs in at assurance level 2 with it', async () => {
    const person = account();
    const viewer = await viewerFrom((await signInWith(person.login)).accessToken);
    const enrol = await call(`mutation { enrollTotp { secret } }`, {}, viewer);
    const secret = enrol.data!.enrollTotp.secret as string;
    expect((await call(`mutation($c: String!) { confirmTotp(code: $c) { accessToken } }`, { c: await totpAt(secret, clock.now()) }, viewer)).errors).toBeUndefined();
    clock.advance(30);

    const { input } = await authorize(person.login);
    const before = await snapshot();
    expect(codesOf(await complete(input))).toEqual(['SECOND_FACTOR_REQUIRED']);
    expect(await snapshot()).toEqual({ ...before, logins: before.logins - 1 });

    const again = await authorize(person.login);
    expect(codesOf(await complete({ ...again.input, totpCode: '000000' }))).toEqual(['INVALID_CREDENTIALS']);
    const third = await authorize(person.login);
    const res = await complete({ ...third.input, totpCode: await totpAt(secret, clock.now()) });
    expect(res.errors).toBeUndefined();
    expect(decodeJwt(res.data!.completeOidcSignIn.accessToken).aal).toBe(2);
  });

  it('locks an address out after repeated failed completions, even for a valid one', async () => {
    const ip = '203.0.113.77';
    const { input } = await authorize(account().login);
    for (let i = 0; i < 50; i++) {
      expect(codesOf(await call(COMPLETE, { i: { ...input, state: `forged-${i}` } }, null, ip))).toEqual(['OIDC_STATE_INVALID']);
    }
    const before = await snapshot();
    const locked = await call(COMPLETE, { i: input }, null, ip);
    expect(codesOf(locked)).toEqual(['TOO_MANY_ATTEMPTS']);
    expect(locked.errors![0]!.extensions!.retryAfterSeconds).toBeGreaterThan(0);
    expect(await snapshot()).toEqual(before);
    // Another address is not locked by it.
    expect((await complete(input)).errors).toBeUndefined();
  });
});

describe('linking a provider account while signed in', () => {
  const BEGIN_LINK = `mutation($p: ID!, $r: String!) { beginOidcLink(provider: $p, redirectUri: $r) { authorizationUrl binding } }`;
  const COMPLETE_LINK = `mutation($i: CompleteOidcSignInInput!) { completeOidcLink(input: $i) { id provider email } }`;

  /** A password account; verified unless asked (the mailed-link flow itself is email.test.ts's). */
  async function passwordUser({ verified = true } = {}) {
    const email = `pw-${Date.now()}-${counter++}@example.com`;
    const res = await call(`mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }`, { i: { email, password: 'a long password here', name: 'Pat' } });
    const viewer = await viewerFrom(res.data!.signUp.accessToken as string);
    if (verified) await subgraph.server.services.db.update(users).set({ emailVerifiedAt: clock.now() }).where(eq(users.id, viewer.userId));
    return viewer;
  }

  it('refuses to begin or complete a link for an account whose address nobody has proved, changing nothing', async () => {
    // Else whoever registers someone else's address links their own provider account, and keeps
    // it after the owner claims the address (a pre-account takeover).
    const viewer = await passwordUser({ verified: false });
    const before = await snapshot();
    expect(codesOf(await call(BEGIN_LINK, { p: 'test', r: REDIRECT }, viewer))).toEqual(['EMAIL_NOT_VERIFIED']);
    const verified = await passwordUser();
    const input = await linkCallback(verified, account().login);
    // A link begun while verified cannot be completed by another, unverified, account either.
    expect(codesOf(await call(COMPLETE_LINK, { i: input }, viewer))).toEqual(['EMAIL_NOT_VERIFIED']);
    const { logins: _swept, ...after } = await snapshot();
    expect(after).toEqual({ users: before.users + 1, sessions: before.sessions + 1, identities: before.identities });
  });

  async function linkCallback(viewer: Viewer, login: string) {
    const begun = await call(BEGIN_LINK, { p: 'test', r: REDIRECT }, viewer);
    expect(begun.errors).toBeUndefined();
    const url = await authorizeInBrowser(begun.data!.beginOidcLink.authorizationUrl, REDIRECT, login);
    return { state: url.searchParams.get('state')!, code: url.searchParams.get('code')!, iss: url.searchParams.get('iss'), redirectUri: REDIRECT, binding: begun.data!.beginOidcLink.binding as string };
  }

  it('links a provider account with an unverified email to the caller, who then signs in with it', async () => {
    const viewer = await passwordUser();
    const person = account({ email_verified: false });
    const input = await linkCallback(viewer, person.login);
    // Nobody else completes it, and a sign-in cannot use a link's state: both change nothing.
    const other = await passwordUser();
    const before = await snapshot();
    expect(codesOf(await call(COMPLETE_LINK, { i: input }, other))).toEqual(['OIDC_STATE_INVALID']);
    expect(codesOf(await complete(input))).toEqual(['OIDC_STATE_INVALID']);
    expect(codesOf(await call(COMPLETE_LINK, { i: input }))).toEqual(['UNAUTHENTICATED']);
    expect(await snapshot()).toEqual(before);

    const linked = await call(COMPLETE_LINK, { i: input }, viewer);
    expect(linked.errors).toBeUndefined();
    expect(linked.data!.completeOidcLink).toMatchObject({ provider: 'test', email: person.email });
    const signed = await signInWith(person.login);
    expect(signed.user.id).toBe(viewer.userId);
  });

  it('refuses to link a provider account that is linked to another user', async () => {
    const person = account();
    await signInWith(person.login);
    const viewer = await passwordUser();
    const input = await linkCallback(viewer, person.login);
    const before = await snapshot();
    expect(codesOf(await call(COMPLETE_LINK, { i: input }, viewer))).toEqual(['CONFLICT']);
    expect(await snapshot()).toEqual({ ...before, logins: before.logins - 1 });
  });

  it('refuses to begin a link without a session', async () => {
    expect(codesOf(await call(BEGIN_LINK, { p: 'test', r: REDIRECT }))).toEqual(['UNAUTHENTICATED']);
  });
});

describe('the OIDC_PROVIDERS setting', () => {
  const valid = { id: 'corp', issuer: 'https://login.example.com', clientId: 'app', clientSecret: 'super-secret-value', redirectUri: 'https://app.example.com/cb' };
  const parse = (text: string | undefined) => oidcProvidersFromText().safeParse(text);

  it('means no provider when unset or empty, and fills in the defaults', () => {
    expect(parse(undefined).data).toEqual([]);
    expect(parse('').data).toEqual([]);
    expect(parse(JSON.stringify([valid])).data).toEqual([{ ...valid, scopes: ['openid', 'email', 'profile'], tokenEndpointAuthMethod: 'client_secret_basic', allowInsecureHttp: false }]);
  });

  it('refuses bad JSON, plain http issuers, scopes without openid, duplicate ids and unknown keys, without repeating secrets', () => {
    const bad = [
      '{not json super-secret-value',
      JSON.stringify([{ ...valid, issuer: 'http://login.example.com' }]),
      JSON.stringify([{ ...valid, scopes: ['email'] }]),
      JSON.stringify([valid, valid]),
      JSON.stringify([{ ...valid, id: 'Has Spaces' }]),
      JSON.stringify([{ ...valid, redirectUris: ['x'] }]),
    ];
    for (const text of bad) {
      const result = parse(text);
      expect(result.success, text).toBe(false);
      expect(JSON.stringify(result.error!.issues.map((i) => i.message))).not.toContain('super-secret-value');
    }
  });
});

