import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { appError, isUniqueViolation, parseInput, requireViewer, transactionWithEvents, z, type Database, type Emit, type ErrorCode, type Logger } from '@organoise/core';
import { and, count, eq, gt, isNull, lt } from 'drizzle-orm';
import * as client from 'openid-client';
import { secondsFrom } from '../../clock.js';
import { oidcIdentities, oidcLogins, users } from '../../db/schema.js';
import type { Deps } from '../../services.js';
import { audit } from '../audit/audit.js';
import { claimAccount } from '../accounts/claim.js';
import { rememberDevice } from '../accounts/devices.js';
import { issueSession, openSession, type IssuedSession } from '../accounts/sessions.js';
import { assertNotLocked, recordFailure } from '../accounts/throttle.js';
import { checkSecondFactor, SecondFactorInput, twoFactorEnabled } from '../accounts/two-factor.js';
import type { OidcProviderConfig } from './config.js';

/** A sign-in must complete within this long of its beginning. */
export const OIDC_LOGIN_TTL_SECONDS = 600;
const DISCOVERY_TIMEOUT_SECONDS = 10;

export type OidcIdentityRow = typeof oidcIdentities.$inferSelect;
type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
const sameHash = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
/** Ciphertexts are bound to their row and use: one copied elsewhere does not decrypt. */
const loginContext = (loginId: string, what: 'nonce' | 'verifier') => `oidc-login:${loginId}:${what}`;
const refreshContext = (identityId: string) => `oidc-refresh:${identityId}`;

/**
 * The configured providers and their discovered metadata. Discovery happens on first use (the
 * subgraph starts even while a provider is down) and is retried after a failure.
 */
export class OidcProviders {
  private readonly byId: Map<string, OidcProviderConfig>;
  private readonly configurations = new Map<string, Promise<client.Configuration>>();

  constructor(providers: OidcProviderConfig[], log?: Logger) {
    this.byId = new Map(providers.map((p) => [p.id, p]));
    for (const p of providers) {
      if (p.allowInsecureHttp) log?.warn('OIDC provider allows plain http: for local development only', { provider: p.id });
    }
  }

  list(): { id: string; name: string }[] {
    return [...this.byId.values()].map((p) => ({ id: p.id, name: p.name ?? p.id }));
  }

  get(id: string): OidcProviderConfig | undefined {
    return this.byId.get(id);
  }

  configuration(provider: OidcProviderConfig): Promise<client.Configuration> {
    let pending = this.configurations.get(provider.id);
    if (!pending) {
      const auth = provider.clientSecret
        ? provider.tokenEndpointAuthMethod === 'client_secret_post'
          ? client.ClientSecretPost(provider.clientSecret)
          : client.ClientSecretBasic(provider.clientSecret)
        : client.None();
      pending = client.discovery(new URL(provider.issuer), provider.clientId, undefined, auth, {
        timeout: DISCOVERY_TIMEOUT_SECONDS,
        execute: provider.allowInsecureHttp ? [client.allowInsecureRequests] : [],
      });
      this.configurations.set(provider.id, pending);
      pending.catch(() => this.configurations.delete(provider.id));
    }
    return pending;
  }
}

function providerOf(deps: Deps, id: string): OidcProviderConfig {
  const provider = deps.oidc.get(id);
  if (!provider) throw appError('OIDC_PROVIDER_UNKNOWN', `No sign-in provider "${id}" is configured`);
  return provider;
}

async function discovered(deps: Deps, provider: OidcProviderConfig): Promise<client.Configuration> {
  try {
    return await deps.oidc.configuration(provider);
  } catch (error) {
    deps.log.warn('OIDC discovery failed', { provider: provider.id, error: describe(error) });
    throw appError('OIDC_FAILED', 'The sign-in provider cannot be reached; try again later');
  }
}

/** Library errors name the failed check; they carry no token (responses are not echoed). */
function describe(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const { code, error: oauthError } = error as Error & { code?: string; error?: string };
  return { name: error.name, code, oauthError, message: error.message };
}

const BeginInput = z.object({ provider: z.string().min(1).max(64), redirectUri: z.string().min(1).max(2000) });

/**
 * Starts an authorization-code sign-in with PKCE (S256), state and nonce. The server keeps the
 * state (hashed), the nonce and the verifier (encrypted); the client gets only the URL to open.
 */
export function beginOidcSignIn(deps: Deps, rawProvider: unknown, rawRedirectUri: unknown) {
  return begin(deps, rawProvider, rawRedirectUri, null);
}

/**
 * Starts linking a provider account to the signed-in caller (completeOidcLink). Linking adds a way
 * into the account, so it needs a verified address (else whoever registered someone else's
 * address could keep a way in after the owner claims it) and, with two factors, a recent second
 * factor (the step-up rule, domains/accounts/step-up.ts).
 */
export async function beginOidcLink(deps: Deps, rawProvider: unknown, rawRedirectUri: unknown) {
  const v = requireViewer(deps.viewer);
  await requireVerifiedEmail(deps, v.userId);
  return begin(deps, rawProvider, rawRedirectUri, v.userId);
}

async function requireVerifiedEmail(deps: Deps, userId: string): Promise<void> {
  const [me] = await deps.db.select({ verifiedAt: users.emailVerifiedAt }).from(users).where(eq(users.id, userId));
  if (!me?.verifiedAt) throw appError('EMAIL_NOT_VERIFIED', 'Verify your email address before linking a sign-in provider');
}

async function begin(deps: Deps, rawProvider: unknown, rawRedirectUri: unknown, linkUserId: string | null) {
  const input = parseInput(BeginInput, { provider: rawProvider, redirectUri: rawRedirectUri });
  const provider = providerOf(deps, input.provider);
  // Exact string comparison, as the provider does: no prefix, case or trailing-slash leeway.
  if (input.redirectUri !== provider.redirectUri) {
    throw appError('OIDC_REDIRECT_MISMATCH', 'This redirect URI is not the one registered for the provider', { issues: [{ path: 'redirectUri', message: 'is not registered' }] });
  }
  const config = await discovered(deps, provider);
  const state = client.randomState();
  const nonce = client.randomNonce();
  const verifier = client.randomPKCECodeVerifier();
  const authorizationUrl = client.buildAuthorizationUrl(config, {
    redirect_uri: provider.redirectUri,
    scope: provider.scopes.join(' '),
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });
  const id = randomUUID();
  const now = deps.clock.now();
  const expiresAt = secondsFrom(deps.clock, OIDC_LOGIN_TTL_SECONDS);
  // The state travels through the provider and the browser's address bar; the binding stays with
  // the client that began (the web app keeps it in session storage). A callback opened in another
  // browser (login CSRF: an attacker's own code and state) cannot complete without it.
  const binding = randomBytes(32).toString('base64url');
  await deps.db.insert(oidcLogins).values({
    id,
    stateHash: sha256(state),
    bindingHash: sha256(binding),
    provider: provider.id,
    redirectUri: provider.redirectUri,
    nonceEncrypted: deps.secrets.encrypt(nonce, loginContext(id, 'nonce')),
    verifierEncrypted: deps.secrets.encrypt(verifier, loginContext(id, 'verifier')),
    linkUserId,
    createdAt: now,
    expiresAt,
  });
  // Abandoned sign-ins are swept now and then, not by a timer.
  if (Math.random() < 0.05) await deps.db.delete(oidcLogins).where(lt(oidcLogins.expiresAt, now));
  return { authorizationUrl: authorizationUrl.href, state, binding, expiresAt };
}

const CompleteInput = z
  .object({
    state: z.string().min(1).max(512),
    code: z.string().min(1).max(4096),
    redirectUri: z.string().min(1).max(2000),
    /** The `binding` beginOidcSignIn / beginOidcLink returned to the client that began. */
    binding: z.string().min(1).max(512),
    /** RFC 9207: the provider's `iss` callback parameter, passed through when it sent one. */
    iss: z.string().max(2000).nullish(),
    totpCode: z.string().trim().max(10).nullish(),
    recoveryCode: z.string().trim().max(40).nullish(),
  })
  .refine((v) => !(v.totpCode && v.recoveryCode), { message: 'give either totpCode or recoveryCode', path: ['totpCode'] });

interface ProviderAccount {
  subject: string;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
  refreshToken: string | null;
}

/**
 * Completes a sign-in from the provider's callback: the state must be one this server issued, not
 * expired nor used, for exactly the same redirect URI; the library then exchanges the code with
 * the PKCE verifier and checks the ID token (signature, issuer, audience, expiry, nonce).
 */
export async function completeOidcSignIn(deps: Deps, rawInput: unknown): Promise<IssuedSession> {
  const input = parseInput(CompleteInput, rawInput);
  const { provider, account } = await redeem(deps, input, null);
  return signInAs(deps, provider, account, input);
}

/** Links the provider account of a link begun by the caller (beginOidcLink) to the caller. */
export async function completeOidcLink(deps: Deps, rawInput: unknown): Promise<OidcIdentityRow> {
  const v = requireViewer(deps.viewer);
  const input = parseInput(CompleteInput, rawInput);
  await requireVerifiedEmail(deps, v.userId);
  const { provider, account } = await redeem(deps, input, v.userId);
  const now = deps.clock.now();
  const [existing] = await deps.db
    .select()
    .from(oidcIdentities)
    .where(and(eq(oidcIdentities.provider, provider.id), eq(oidcIdentities.subject, account.subject)));
  if (existing && existing.userId !== v.userId) {
    const ipKeys = deps.clientIp ? [`ip:${deps.clientIp}`] : [];
    return refuse(deps, ipKeys, provider.id, 'CONFLICT', 'This provider account is already linked to another user', 'linked_elsewhere', v.userId);
  }
  if (existing) return existing;
  const id = randomUUID();
  try {
    return await deps.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(oidcIdentities)
        .values({ id, userId: v.userId, provider: provider.id, subject: account.subject, email: account.email, refreshTokenEncrypted: account.refreshToken ? deps.secrets.encrypt(account.refreshToken, refreshContext(id)) : null, createdAt: now, lastSignInAt: now })
        .returning();
      await audit(deps, { type: 'OIDC_LINKED', userId: v.userId, details: { provider: provider.id, identityId: id, newAccount: false } }, tx as unknown as Database);
      return row!;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw appError('CONFLICT', 'This provider account was just linked to a user');
    throw error;
  }
}

/**
 * Redeems a callback: the state must be one this server issued for this purpose (a sign-in, or
 * a link by this user), not expired nor used, for exactly the same redirect URI; the library then
 * exchanges the code with the PKCE verifier and checks the ID token (signature, issuer, audience,
 * expiry, nonce). Every failure counts against the client's address.
 */
async function redeem(deps: Deps, input: z.output<typeof CompleteInput>, linkUserId: string | null): Promise<{ provider: OidcProviderConfig; account: ProviderAccount }> {
  const ipKeys = deps.clientIp ? [`ip:${deps.clientIp}`] : [];
  await assertNotLocked(deps, ipKeys);
  const now = deps.clock.now();
  const [login] = await deps.db
    .select()
    .from(oidcLogins)
    .where(and(eq(oidcLogins.stateHash, sha256(input.state)), gt(oidcLogins.expiresAt, now), linkUserId ? eq(oidcLogins.linkUserId, linkUserId) : isNull(oidcLogins.linkUserId)));
  if (!login) return refuse(deps, ipKeys, null, 'OIDC_STATE_INVALID', 'This sign-in is unknown, expired or already used; begin again', 'state_invalid', linkUserId);
  // Checked before the state is spent: a wrong URI changes nothing, the right one still completes.
  if (input.redirectUri !== login.redirectUri) {
    return refuse(deps, ipKeys, login.provider, 'OIDC_REDIRECT_MISMATCH', 'The redirect URI differs from the one the sign-in began with', 'redirect_mismatch', linkUserId);
  }
  if (!login.bindingHash || !sameHash(login.bindingHash, sha256(input.binding))) {
    return refuse(deps, ipKeys, login.provider, 'OIDC_STATE_INVALID', 'This sign-in was begun by another client; begin again here', 'binding_mismatch', linkUserId);
  }
  const provider = providerOf(deps, login.provider);
  // Spending the state is the single-use guarantee: of two concurrent completions one deletes the row.
  const spent = await deps.db.delete(oidcLogins).where(eq(oidcLogins.id, login.id)).returning({ id: oidcLogins.id });
  if (spent.length === 0) return refuse(deps, ipKeys, login.provider, 'OIDC_STATE_INVALID', 'This sign-in was already used; begin again', 'state_reused', linkUserId);
  const config = await discovered(deps, provider);
  const callback = new URL(login.redirectUri);
  callback.searchParams.set('code', input.code);
  callback.searchParams.set('state', input.state);
  if (input.iss) callback.searchParams.set('iss', input.iss);
  try {
    const tokens = await client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: deps.secrets.decrypt(login.verifierEncrypted, loginContext(login.id, 'verifier')),
      expectedState: input.state,
      expectedNonce: deps.secrets.decrypt(login.nonceEncrypted, loginContext(login.id, 'nonce')),
      idTokenExpected: true,
    });
    const claims = tokens.claims()!;
    let profile: Record<string, unknown> = claims;
    // Many providers put email only in the UserInfo answer when an access token is issued.
    if (typeof claims.email !== 'string' && config.serverMetadata().userinfo_endpoint) {
      profile = { ...(await client.fetchUserInfo(config, tokens.access_token, claims.sub)), ...claims };
    }
    const account: ProviderAccount = {
      subject: claims.sub,
      email: typeof profile.email === 'string' ? profile.email.trim().toLowerCase() : null,
      // Only an explicit true counts (some providers send the string "true").
      emailVerified: profile.email_verified === true || profile.email_verified === 'true',
      name: typeof profile.name === 'string' && profile.name.trim() ? profile.name.trim().slice(0, 100) : null,
      refreshToken: tokens.refresh_token ?? null,
    };
    return { provider, account };
  } catch (error) {
    deps.log.warn('OIDC code exchange failed', { provider: provider.id, error: describe(error) });
    return refuse(deps, ipKeys, provider.id, 'OIDC_FAILED', 'The provider refused the sign-in or its answer failed a check; begin again', 'exchange_failed', linkUserId);
  }
}

/** Counts the failure against the client's address, records it, and throws the refusal. */
async function refuse(deps: Deps, ipKeys: string[], provider: string | null, code: ErrorCode, message: string, reason: string, userId: string | null = null): Promise<never> {
  await recordFailure(deps, ipKeys);
  await audit(deps, { type: 'OIDC_SIGN_IN_FAILED', actorId: null, userId, details: { provider, reason } });
  throw appError(code, message);
}

type Target =
  | { kind: 'linked'; userId: string; email: string; identityId: string }
  | { kind: 'link'; userId: string; email: string; emailVerifiedAt: Date | null }
  | { kind: 'create' };

async function signInAs(deps: Deps, provider: OidcProviderConfig, account: ProviderAccount, factor: { totpCode?: string | null; recoveryCode?: string | null }): Promise<IssuedSession> {
  const ipKeys = deps.clientIp ? [`ip:${deps.clientIp}`] : [];
  const target = await findTarget(deps, provider.id, account);
  if (target.kind === 'create' && !account.email) {
    return refuse(deps, ipKeys, provider.id, 'OIDC_EMAIL_REQUIRED', 'The provider gave no email for this account; allow the email scope', 'email_missing');
  }
  if (target.kind === 'link' && !account.emailVerified) {
    // Linking on an unverified address would let anyone who types a victim's email at a lax provider into their account.
    return refuse(deps, ipKeys, provider.id, 'OIDC_EMAIL_UNVERIFIED', 'An account uses this email and the provider does not say it is verified', 'email_unverified', target.userId);
  }
  // The provider vouches for the first factor only: an account with TOTP still needs its code.
  // Not an account nobody had proved: the claim removes the factor whoever set it up enrolled.
  const claims = target.kind === 'link' && !target.emailVerifiedAt;
  let aal: 1 | 2 = 1;
  if (target.kind !== 'create' && !claims && (await twoFactorEnabled(deps.db, target.userId))) {
    if (!factor.totpCode && !factor.recoveryCode) {
      await audit(deps, { type: 'OIDC_SIGN_IN_FAILED', actorId: null, userId: target.userId, details: { provider: provider.id, reason: 'second_factor_required' } });
      throw appError('SECOND_FACTOR_REQUIRED', 'Begin the sign-in again and complete it with totpCode or recoveryCode');
    }
    const checked = parseInput(SecondFactorInput, { totpCode: factor.totpCode, recoveryCode: factor.recoveryCode });
    if (!(await checkSecondFactor(deps, { id: target.userId, email: target.email }, checked))) {
      throw appError('INVALID_CREDENTIALS', 'The code is wrong or was already used');
    }
    aal = 2;
  }
  try {
    const opened = await transactionWithEvents(deps.db, deps.bus, async (tx, emit) => {
      const userId = await applyTarget(deps, tx, emit, provider, account, target);
      const session = await openSession(deps, userId, tx, aal);
      const deviceToken = await rememberDevice(deps, userId, null, tx);
      await audit(deps, { type: 'OIDC_SIGN_IN', actorId: userId, userId, details: { provider: provider.id, sessionId: session.sessionId } }, tx as unknown as Database);
      return { ...session, deviceToken };
    });
    return { ...(await issueSession(deps, opened)), deviceToken: opened.deviceToken };
  } catch (error) {
    // Two first sign-ins of one account at the same moment: the loser starts again.
    if (isUniqueViolation(error)) return refuse(deps, ipKeys, provider.id, 'OIDC_FAILED', 'The account changed during sign-in; begin again', 'concurrent_sign_in');
    throw error;
  }
}

async function findTarget(deps: Deps, provider: string, account: ProviderAccount): Promise<Target> {
  const [linked] = await deps.db
    .select({ identityId: oidcIdentities.id, userId: users.id, email: users.email })
    .from(oidcIdentities)
    .innerJoin(users, eq(users.id, oidcIdentities.userId))
    .where(and(eq(oidcIdentities.provider, provider), eq(oidcIdentities.subject, account.subject)));
  if (linked) return { kind: 'linked', ...linked };
  if (!account.email) return { kind: 'create' };
  const [existing] = await deps.db.select({ userId: users.id, email: users.email, emailVerifiedAt: users.emailVerifiedAt }).from(users).where(eq(users.email, account.email));
  return existing ? { kind: 'link', ...existing } : { kind: 'create' };
}

async function applyTarget(deps: Deps, tx: Database, emit: Emit, provider: OidcProviderConfig, account: ProviderAccount, target: Target): Promise<string> {
  const now = deps.clock.now();
  const sealRefresh = (identityId: string) => (account.refreshToken ? deps.secrets.encrypt(account.refreshToken, refreshContext(identityId)) : null);
  if (target.kind === 'linked') {
    await tx
      .update(oidcIdentities)
      .set({ lastSignInAt: now, email: account.email, ...(account.refreshToken ? { refreshTokenEncrypted: sealRefresh(target.identityId) } : {}) })
      .where(eq(oidcIdentities.id, target.identityId));
    return target.userId;
  }
  let userId: string;
  if (target.kind === 'link') {
    userId = target.userId;
    // Nobody proved they own this address until now: whoever registered it (perhaps someone
    // else, in advance) loses every credential they set up (pre-account takeover).
    if (!target.emailVerifiedAt) await claimAccount(deps, tx, emit, userId, 'oidc_verified_email');
  } else {
    userId = randomUUID();
    const email = account.email!;
    await tx.insert(users).values({ id: userId, email, name: account.name ?? email.split('@')[0]!, passwordHash: null, emailVerifiedAt: account.emailVerified ? now : null, createdAt: now, updatedAt: now });
    await audit(deps, { type: 'SIGN_UP', actorId: userId, userId, details: { provider: provider.id } }, tx as unknown as Database);
  }
  const identityId = randomUUID();
  await tx.insert(oidcIdentities).values({ id: identityId, userId, provider: provider.id, subject: account.subject, email: account.email, refreshTokenEncrypted: sealRefresh(identityId), createdAt: now, lastSignInAt: now });
  await audit(deps, { type: 'OIDC_LINKED', actorId: userId, userId, details: { provider: provider.id, identityId, newAccount: target.kind === 'create' } }, tx as unknown as Database);
  return userId;
}

/** The caller's linked identities, oldest first; nobody sees another person's. */
export async function listIdentities(deps: Pick<Deps, 'db' | 'viewer'>, userId: string): Promise<OidcIdentityRow[]> {
  if (deps.viewer?.userId !== userId) return [];
  return deps.db.select().from(oidcIdentities).where(eq(oidcIdentities.userId, userId)).orderBy(oidcIdentities.createdAt, oidcIdentities.id);
}

/** Unlinks one of the caller's identities, unless it is the account's last way to sign in. */
export async function unlinkIdentity(deps: Deps, rawId: unknown): Promise<boolean> {
  const v = requireViewer(deps.viewer);
  const id = parseInput(z.string().uuid(), rawId);
  const outcome = await deps.db.transaction(async (tx) => {
    // The user row is locked so that two unlinks at once cannot both see "another way left".
    const [me] = await tx.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, v.userId)).for('update');
    const [identity] = await tx.select().from(oidcIdentities).where(and(eq(oidcIdentities.id, id), eq(oidcIdentities.userId, v.userId)));
    if (!me || !identity) return 'not_found' as const;
    const [others] = await tx.select({ n: count() }).from(oidcIdentities).where(eq(oidcIdentities.userId, v.userId));
    if (me.passwordHash === null && (others?.n ?? 0) <= 1) return 'last' as const;
    await tx.delete(oidcIdentities).where(eq(oidcIdentities.id, id));
    await audit(deps, { type: 'OIDC_UNLINKED', userId: v.userId, details: { provider: identity.provider, identityId: id } }, tx as unknown as Database);
    return 'ok' as const;
  });
  if (outcome === 'not_found') throw appError('NOT_FOUND', 'Linked identity not found');
  if (outcome === 'last') throw appError('OIDC_LAST_SIGN_IN_METHOD', 'This is the only way this account can sign in; set a password first');
  return true;
}
