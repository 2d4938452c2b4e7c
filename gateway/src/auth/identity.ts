import { createHash } from 'node:crypto';
import {
  ACCESS_TOKEN_ALGORITHMS,
  API_KEY_PATH,
  API_KEY_SECRET_HEADER,
  ipAllowed,
  type ApiKeyPrincipal,
  type ErrorCode,
  ACCESS_TOKEN_AUDIENCE,
  appError,
  INTERNAL_TOKEN_HEADER,
  isApiKeyViewer,
  isAppError,
  JWKS_PATH,
  PRINCIPALS_PATH,
  signInternalToken,
  type Logger,
  type Principal,
  type Viewer,
} from '@organoise/core';
import { GraphQLError } from 'graphql';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify } from 'jose';

export interface IdentityOptions {
  /** Base URL of the user subgraph (its JWKS and principal routes hang off it). */
  userSubgraphUrl: string;
  issuer: string;
  internalTokenSecret: string;
  /** How long a session's principal (live? which roles?) is reused before asking again. */
  principalCacheMs: number;
  timeoutMs: number;
  log: Logger;
}

const refusal = (code: ErrorCode, message: string, status: number) => {
  const error = appError(code, message);
  // Apollo Server answers a context failure with this status instead of 500.
  return new GraphQLError(error.message, { extensions: { ...error.extensions, http: { status } } });
};
const unauthenticated = (message: string) => refusal('UNAUTHENTICATED', message, 401);
/**
 * The user subgraph, which vouches for every credential, could not be asked. Nothing says the
 * credentials are bad: UNAUTHENTICATED would make a client drop its tokens and sign its person
 * out, so the answer is "retry later" (graphql-ws closes with 1013 for it).
 */
const identityUnavailable = (cause: unknown) => {
  const error = refusal('SUBGRAPH_UNAVAILABLE', 'Credentials cannot be checked now (the user service is out of reach); retry later', 503);
  (error as { cause?: unknown }).cause = cause;
  return error;
};
/** Whether an error of the signing-key fetch is the token's fault (no key of its kind) rather than the fetch's. */
const tokenFault = (error: unknown) =>
  error instanceof joseErrors.JWKSNoMatchingKey || error instanceof joseErrors.JWKSMultipleMatchingKeys || error instanceof joseErrors.JOSENotSupported;

/** A look-up on the user subgraph's internal routes; failing to reach it is identityUnavailable. */
async function lookUp(url: URL, init: RequestInit): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    throw identityUnavailable(error);
  }
  if (response.status >= 500) throw identityUnavailable(new Error(`HTTP ${response.status}`));
  return response;
}

/**
 * The body of a look-up the user subgraph answered. A 4xx other than the ones a caller reads as an
 * answer, or a body that is not JSON, says the two services are out of step (internal secrets
 * mid-rotation, a proxy in between), not that the credentials are bad: retry later, as for an outage.
 */
async function readLookUp(response: Response): Promise<unknown> {
  try {
    return await response.json();
  } catch (error) {
    throw identityUnavailable(error);
  }
}

/**
 * `Authorization: ApiKey <secret>`: how programs authenticate (README "API keys"). Schemes are
 * case-insensitive (RFC 9110 section 11.1): `apikey`, `bearer` work as well.
 */
const API_KEY_SCHEME = /^ApiKey +(\S+)$/i;
const BEARER_SCHEME = /^Bearer +([A-Za-z0-9_\-.]+)$/i;
/** The API key an Authorization header carries, if it uses the ApiKey scheme. */
export const apiKeyOf = (authorization: string | undefined): string | null => (authorization ? (API_KEY_SCHEME.exec(authorization.trim())?.[1] ?? null) : null);

const API_KEY_REFUSALS: Record<string, { message: string; status: number }> = {
  API_KEY_INVALID: { message: 'The API key is not valid', status: 401 },
  API_KEY_REVOKED: { message: 'The API key was revoked', status: 401 },
  API_KEY_EXPIRED: { message: 'The API key has expired', status: 401 },
  IP_NOT_ALLOWED: { message: "Your address is not in this API key's IP allow-list", status: 403 },
};

type ApiKeyLookup = { ok: true; principal: ApiKeyPrincipal } | { ok: false; code: ErrorCode };

/**
 * The viewer as the client's address lets them be: organizations whose IP allow-list excludes it
 * leave `memberships` and are named in `deniedOrgs`, so that subgraphs answer IP_NOT_ALLOWED.
 */
export function applyAllowLists(principal: Principal, clientIp: string | null): Viewer {
  const memberships: Record<string, Principal['memberships'][string]> = {};
  const deniedOrgs: string[] = [];
  for (const [org, role] of Object.entries(principal.memberships)) {
    if (ipAllowed(principal.allowLists?.[org], clientIp)) memberships[org] = role;
    else deniedOrgs.push(org);
  }
  const viewer: Viewer = { userId: principal.userId, sessionId: principal.sessionId, memberships };
  if (deniedOrgs.length > 0) viewer.deniedOrgs = deniedOrgs;
  return viewer;
}

/** An API key look-up's name in the cache: a digest, so that secrets are not kept as map keys in the heap longer than needed. */
const apiKeyCacheKey = (secret: string, clientIp: string | null) => `${createHash('sha256').update(secret).digest('base64url')}|${clientIp ?? ''}`;

const VERIFIED_TOKEN_REUSE_MS = 60_000;
/** How long a principal look-up waits for others to share its call (and the most in one call; the user subgraph takes 1,000). */
const PRINCIPAL_BATCH_WINDOW_MS = 5;
const MAX_PRINCIPALS_PER_BATCH = 500;
const MAX_VERIFIED_TOKENS = 50_000;

/**
 * Turns an `Authorization: Bearer` access token into a Viewer: the signature is checked against
 * the user subgraph's JWKS (cached by jose, refetched on an unknown kid), then the session is
 * looked up so that sign-out and membership changes take effect within `principalCacheMs`.
 */
export class IdentityVerifier {
  private readonly jwks;
  /**
   * Access tokens whose signature, issuer and audience were checked, by the Authorization header
   * that carried them (the same text, the same token; API keys never go in). An ES256
   * verification per request (and per socket re-check) was about 30% of the gateway's CPU on the
   * platform benchmark; the same bytes verify the same way, so a success is reused for
   * VERIFIED_TOKEN_REUSE_MS (a key withdrawn from the JWKS stops being honoured within that
   * window). Expiry is still checked on every use, and the session on every principal lookup.
   */
  private readonly verifiedTokens = new Map<string, { at: number; subject: string; sessionId: string; expiresAt: Date | null }>();
  private readonly principals = new Map<string, { at: number; value: Promise<Principal | null> }>();
  /** API key lookups by digest of the secret and client address (the key's allow-list depends on it); refusals too. */
  private readonly apiKeys = new Map<string, { at: number; value: Promise<ApiKeyLookup> }>();

  constructor(private readonly options: IdentityOptions) {
    const remote = createRemoteJWKSet(new URL(JWKS_PATH, options.userSubgraphUrl), {
      cacheMaxAge: 10 * 60_000,
      cooldownDuration: 30_000,
      timeoutDuration: options.timeoutMs,
    });
    // jose reports a key set it could not fetch (refused, timed out, not 200, not JSON) with the
    // same JOSEError family as a bad token: told apart here, where the fetch happens.
    this.jwks = async (...args: Parameters<typeof remote>) => {
      try {
        return await remote(...args);
      } catch (error) {
        throw tokenFault(error) ? error : identityUnavailable(error);
      }
    };
  }

  async viewerFrom(authorization: string | undefined, clientIp: string | null = null): Promise<Viewer | null> {
    return (await this.authenticate(authorization, clientIp)).viewer;
  }

  /**
   * The viewer and when their access token expires (long-lived sockets close then). `clientIp`
   * (express `req.ip`, which honours TRUST_PROXY) is checked against IP allow-lists: an API key's
   * own list refuses the request; an organization's withholds that organization.
   */
  async authenticate(authorization: string | undefined, clientIp: string | null = null): Promise<{ viewer: Viewer | null; expiresAt: Date | null }> {
    if (!authorization) return { viewer: null, expiresAt: null };
    const now = Date.now();
    // Looked up by the header as sent, before any parsing: a live socket's re-check passes the
    // same string every time (its hash is kept with it), so a re-check costs a map look-up.
    const seen = this.verifiedTokens.get(authorization);
    if (seen && now - seen.at < VERIFIED_TOKEN_REUSE_MS) {
      if (seen.expiresAt && seen.expiresAt.getTime() <= now) throw unauthenticated('The access token has expired');
      const principal = await this.principal(seen.sessionId, seen.subject);
      if (!principal) throw unauthenticated('The session has ended; sign in again');
      return { viewer: applyAllowLists(principal, clientIp), expiresAt: seen.expiresAt };
    }
    const apiKey = apiKeyOf(authorization);
    if (apiKey) {
      const found = await this.apiKey(apiKey, clientIp);
      if (!found.ok) {
        const known = API_KEY_REFUSALS[found.code] ?? API_KEY_REFUSALS.API_KEY_INVALID!;
        throw refusal(found.code, known.message, known.status);
      }
      const expiresAt = found.principal.expiresAt ? new Date(found.principal.expiresAt) : null;
      // A cached lookup may outlive the key: its expiry is checked on every request.
      if (expiresAt && expiresAt.getTime() <= Date.now()) throw refusal('API_KEY_EXPIRED', API_KEY_REFUSALS.API_KEY_EXPIRED!.message, 401);
      // expiresAt also closes a socket opened with the key when the key expires.
      return { viewer: applyAllowLists(found.principal, clientIp), expiresAt };
    }
    const match = BEARER_SCHEME.exec(authorization.trim());
    if (!match) throw unauthenticated('The Authorization header must be "Bearer <access token>" or "ApiKey <key>"');
    let subject: string;
    let sessionId: string;
    let expiresAt: Date | null = null;
    try {
      const { payload } = await jwtVerify(match[1]!, this.jwks, {
        issuer: this.options.issuer,
        audience: ACCESS_TOKEN_AUDIENCE,
        algorithms: [...ACCESS_TOKEN_ALGORITHMS],
      });
      if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string') throw new Error('token lacks sub or sid');
      subject = payload.sub;
      sessionId = payload.sid;
      if (typeof payload.exp === 'number') expiresAt = new Date(payload.exp * 1000);
      if (this.verifiedTokens.size >= MAX_VERIFIED_TOKENS) this.verifiedTokens.clear();
      this.verifiedTokens.set(authorization, { at: now, subject, sessionId, expiresAt });
    } catch (error) {
      if (isAppError(error) && error.extensions.code === 'SUBGRAPH_UNAVAILABLE') throw error;
      if (error instanceof joseErrors.JWTExpired) throw unauthenticated('The access token has expired');
      if (error instanceof joseErrors.JOSEError || error instanceof Error) {
        this.options.log.debug('access token refused', { reason: (error as { code?: string }).code ?? error.message });
      }
      throw unauthenticated('The access token is not valid');
    }
    const principal = await this.principal(sessionId, subject);
    if (!principal) throw unauthenticated('The session has ended; sign in again');
    return { viewer: applyAllowLists(principal, clientIp), expiresAt };
  }

  /**
   * Forget a session's cached principal (after a mutation that may have changed its roles). When
   * the session administers organizations, their API keys' cached lookups go too: a key it just
   * revoked (or an allow-list it just changed) is refused from the next request through this
   * gateway, not a cache window later. The promises are settled by then, so the deletions run as
   * microtasks, before the next request is read.
   */
  forget(sessionId: string): void {
    const cached = this.principals.get(sessionId);
    this.principals.delete(sessionId);
    if (!cached || this.apiKeys.size === 0) return;
    void cached.value
      .then((principal) => {
        const administered = new Set(Object.entries(principal?.memberships ?? {}).filter(([, role]) => role === 'OWNER' || role === 'ADMIN').map(([org]) => org));
        if (administered.size === 0) return;
        for (const [key, entry] of this.apiKeys) {
          void entry.value.then((lookup) => {
            const orgs = lookup.ok ? Object.keys(lookup.principal.memberships) : [];
            if (orgs.some((org) => administered.has(org)) && this.apiKeys.get(key) === entry) this.apiKeys.delete(key);
          }, () => {});
        }
      })
      .catch(() => {});
  }

  /**
   * Forget the look-up that `viewer`'s credentials would reuse (a credential event named them):
   * their session's principal, or their API key's look-up from this address. The next authenticate
   * asks the user subgraph; a look-up already in flight may predate the change, so it is not
   * joined either.
   */
  forgetCredentials(authorization: string | undefined, clientIp: string | null, viewer: Viewer): void {
    if (!isApiKeyViewer(viewer)) {
      this.principals.delete(viewer.sessionId);
      return;
    }
    const apiKey = authorization ? apiKeyOf(authorization) : null;
    if (apiKey) this.apiKeys.delete(apiKeyCacheKey(apiKey, clientIp));
  }

  private principal(sessionId: string, userId: string): Promise<Principal | null> {
    const now = Date.now();
    const cached = this.principals.get(sessionId);
    if (cached && now - cached.at < this.options.principalCacheMs) return cached.value;
    const value = this.fetchPrincipal(sessionId, userId);
    this.principals.set(sessionId, { at: now, value });
    value.catch(() => this.principals.delete(sessionId));
    if (this.principals.size > 100_000) this.evictOld(now);
    return value;
  }

  private evictOld(now: number) {
    for (const cache of [this.principals, this.apiKeys] as Map<string, { at: number }>[]) {
      for (const [key, entry] of cache) {
        if (now - entry.at >= this.options.principalCacheMs) cache.delete(key);
      }
    }
  }

  /** A key's lookup, reused for principalCacheMs: revocation and expiry take effect once it lapses. */
  private apiKey(secret: string, clientIp: string | null): Promise<ApiKeyLookup> {
    const now = Date.now();
    const cacheKey = apiKeyCacheKey(secret, clientIp);
    const cached = this.apiKeys.get(cacheKey);
    if (cached && now - cached.at < this.options.principalCacheMs) return cached.value;
    const value = this.fetchApiKey(secret, clientIp);
    this.apiKeys.set(cacheKey, { at: now, value });
    value.catch(() => this.apiKeys.delete(cacheKey));
    if (this.apiKeys.size > 100_000) this.evictOld(now);
    return value;
  }

  private async fetchApiKey(secret: string, clientIp: string | null): Promise<ApiKeyLookup> {
    const url = new URL(API_KEY_PATH, this.options.userSubgraphUrl);
    if (clientIp) url.searchParams.set('ip', clientIp);
    const token = await signInternalToken(this.options.internalTokenSecret, 'user', null);
    const response = await lookUp(url, {
      headers: { [INTERNAL_TOKEN_HEADER]: token, [API_KEY_SECRET_HEADER]: secret },
      signal: AbortSignal.timeout(this.options.timeoutMs),
    });
    if (response.status === 404 || response.status === 403) {
      const body = (await response.json().catch(() => ({}))) as { error?: string };
      const code = body.error && body.error in API_KEY_REFUSALS ? (body.error as ErrorCode) : 'API_KEY_INVALID';
      return { ok: false, code };
    }
    if (!response.ok) throw identityUnavailable(new Error(`API key look-up refused with HTTP ${response.status}`));
    return { ok: true, principal: (await readLookUp(response)) as ApiKeyPrincipal };
  }

  /**
   * Look-ups wait here for at most PRINCIPAL_BATCH_WINDOW_MS and go to the user subgraph together
   * (one POST, three statements there): with thousands of open subscriptions each re-checking
   * its session, one call per session was thousands of calls a second.
   */
  private pending = new Map<string, { userId: string; settle: { resolve: (p: Principal | null) => void; reject: (e: unknown) => void }[] }>();
  private flushTimer: NodeJS.Timeout | null = null;

  private fetchPrincipal(sessionId: string, userId: string): Promise<Principal | null> {
    return new Promise((resolve, reject) => {
      const entry = this.pending.get(sessionId);
      // Two look-ups of one session naming different users: the second waits for its own batch.
      if (entry && entry.userId !== userId) {
        setTimeout(() => this.fetchPrincipal(sessionId, userId).then(resolve, reject), PRINCIPAL_BATCH_WINDOW_MS);
        return;
      }
      if (entry) entry.settle.push({ resolve, reject });
      else this.pending.set(sessionId, { userId, settle: [{ resolve, reject }] });
      if (this.pending.size >= MAX_PRINCIPALS_PER_BATCH) this.flush();
      else this.flushTimer ??= setTimeout(() => this.flush(), PRINCIPAL_BATCH_WINDOW_MS);
    });
  }

  private flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    const batch = this.pending;
    this.pending = new Map();
    if (batch.size === 0) return;
    void this.fetchPrincipals([...batch].map(([sessionId, { userId }]) => ({ sessionId, userId }))).then(
      (found) => {
        for (const [sessionId, { userId, settle }] of batch) {
          const principal = found[sessionId];
          // Only the user the access token names may be answered for its session.
          for (const s of settle) s.resolve(principal && principal.userId === userId ? principal : null);
        }
      },
      (error: unknown) => {
        for (const { settle } of batch.values()) for (const s of settle) s.reject(error);
      },
    );
  }

  private async fetchPrincipals(sessions: { sessionId: string; userId: string }[]): Promise<Record<string, Principal>> {
    const token = await signInternalToken(this.options.internalTokenSecret, 'user', null);
    const response = await lookUp(new URL(PRINCIPALS_PATH, this.options.userSubgraphUrl), {
      method: 'POST',
      headers: { [INTERNAL_TOKEN_HEADER]: token, 'content-type': 'application/json' },
      body: JSON.stringify({ sessions }),
      signal: AbortSignal.timeout(this.options.timeoutMs),
    });
    if (!response.ok) throw identityUnavailable(new Error(`principal look-up refused with HTTP ${response.status}`));
    const body = (await readLookUp(response)) as { principals?: Record<string, Principal> };
    return body.principals ?? {};
  }
}
