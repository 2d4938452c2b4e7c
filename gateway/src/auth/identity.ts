import {
  ACCESS_TOKEN_ALGORITHMS,
  ACCESS_TOKEN_AUDIENCE,
  appError,
  INTERNAL_TOKEN_HEADER,
  JWKS_PATH,
  PRINCIPAL_PATH,
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

const unauthenticated = (message: string) => {
  const error = appError('UNAUTHENTICATED', message);
  // Apollo Server answers a context failure with this status instead of 500.
  return new GraphQLError(error.message, { extensions: { ...error.extensions, http: { status: 401 } } });
};

/**
 * Turns an `Authorization: Bearer` access token into a Viewer: the signature is checked against
 * the user subgraph's JWKS (cached by jose, refetched on an unknown kid), then the session is
 * looked up so that sign-out and membership changes take effect within `principalCacheMs`.
 */
export class IdentityVerifier {
  private readonly jwks;
  private readonly principals = new Map<string, { at: number; value: Promise<Principal | null> }>();

  constructor(private readonly options: IdentityOptions) {
    this.jwks = createRemoteJWKSet(new URL(JWKS_PATH, options.userSubgraphUrl), {
      cacheMaxAge: 10 * 60_000,
      cooldownDuration: 30_000,
      timeoutDuration: options.timeoutMs,
    });
  }

  async viewerFrom(authorization: string | undefined): Promise<Viewer | null> {
    return (await this.authenticate(authorization)).viewer;
  }

  /** The viewer and when their access token expires (long-lived sockets close then). */
  async authenticate(authorization: string | undefined): Promise<{ viewer: Viewer | null; expiresAt: Date | null }> {
    if (!authorization) return { viewer: null, expiresAt: null };
    const match = /^Bearer ([A-Za-z0-9_\-.]+)$/.exec(authorization.trim());
    if (!match) throw unauthenticated('The Authorization header must be "Bearer <access token>"');
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
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw unauthenticated('The access token has expired');
      if (error instanceof joseErrors.JOSEError || error instanceof Error) {
        this.options.log.debug('access token refused', { reason: (error as { code?: string }).code ?? error.message });
      }
      throw unauthenticated('The access token is not valid');
    }
    const principal = await this.principal(sessionId, subject);
    if (!principal) throw unauthenticated('The session has ended; sign in again');
    return { viewer: { userId: principal.userId, sessionId: principal.sessionId, memberships: principal.memberships }, expiresAt };
  }

  /** Forget a session's cached principal (after a mutation that may have changed its roles). */
  forget(sessionId: string): void {
    this.principals.delete(sessionId);
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
    for (const [key, entry] of this.principals) {
      if (now - entry.at >= this.options.principalCacheMs) this.principals.delete(key);
    }
  }

  private async fetchPrincipal(sessionId: string, userId: string): Promise<Principal | null> {
    const url = new URL(PRINCIPAL_PATH, this.options.userSubgraphUrl);
    url.searchParams.set('sessionId', sessionId);
    url.searchParams.set('userId', userId);
    const token = await signInternalToken(this.options.internalTokenSecret, 'user', null);
    const response = await fetch(url, { headers: { [INTERNAL_TOKEN_HEADER]: token }, signal: AbortSignal.timeout(this.options.timeoutMs) });
    if (response.status === 404) return null;
    if (!response.ok) throw new Error(`principal lookup failed with HTTP ${response.status}`);
    return (await response.json()) as Principal;
  }
}
