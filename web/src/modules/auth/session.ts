import type { TypedDocumentNode } from '@apollo/client';
import { print } from 'graphql';
import { persistedQuery, SEND_TEXT } from '../../app/persisted';
import type { AuthFieldsFragment } from '../../gql/graphql';
import { RefreshSessionDocument, SignInDocument, SignOutDocument, SignUpDocument } from './documents';

/**
 * Where the credentials live (docs/decisions/0009-web-tokens.md): the access token only in this
 * object's memory; the single-use refresh token in sessionStorage, so a reload of this tab stays
 * signed in and closing it forgets the session; the device token (not a credential: a sign-in
 * budget of its own) in localStorage.
 */
const REFRESH_KEY = 'organoise.refreshToken';
const DEVICE_KEY = 'organoise.deviceToken';
/** Refresh this long before the access token expires, so no request goes out with a dying token. */
const REFRESH_MARGIN_MS = 60_000;

export interface SessionUser {
  id: string;
  name: string;
  email?: string | null | undefined;
}

export type SessionState = { status: 'restoring' } | { status: 'signed-out'; reason?: string } | { status: 'signed-in'; user: SessionUser };

/** A GraphQL error answer, with the code clients switch on (docs/errors.md). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** Auth calls bypass Apollo: the Apollo link asks this store for tokens, so it cannot depend on it. */
async function post<TData, TVariables>(document: TypedDocumentNode<TData, TVariables>, variables: TVariables, token?: string): Promise<TData> {
  const response = await fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    // As the Apollo link does (app/persisted.ts): the hash alone, text only from the dev server.
    body: JSON.stringify(SEND_TEXT ? { query: print(document), variables } : { variables, extensions: persistedQuery(document) }),
  });
  const body = (await response.json().catch(() => null)) as { data?: TData; errors?: { message: string; extensions?: Record<string, unknown> }[] } | null;
  const error = body?.errors?.[0];
  if (error) throw new ApiError(error.message, String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR'), error.extensions);
  if (!body?.data) throw new ApiError(`HTTP ${response.status}`, response.status === 429 ? 'RATE_LIMITED' : 'NETWORK_ERROR');
  return body.data;
}

/** exp - iat of a JWT, read (not verified: the gateway does that) from its payload. */
function tokenLifetimeMs(token: string): number | null {
  try {
    const payload = JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: unknown; iat?: unknown };
    return typeof payload.exp === 'number' && typeof payload.iat === 'number' && payload.exp > payload.iat ? (payload.exp - payload.iat) * 1000 : null;
  } catch {
    return null;
  }
}

export class SessionStore {
  private state: SessionState = { status: 'restoring' };
  private accessToken: string | null = null;
  private expiresAt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private refreshing: Promise<string | null> | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> = sessionStorage) {}

  subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getState = () => this.state;

  /** On page load: a refresh token from this tab's earlier page trades for a fresh access token. */
  async restore(): Promise<void> {
    if (!this.storage.getItem(REFRESH_KEY)) return this.set({ status: 'signed-out' });
    await this.refresh();
  }

  /** SECOND_FACTOR_REQUIRED comes back as an ApiError: the caller asks for a code and calls again with it. */
  async signIn(input: { email: string; password: string; totpCode?: string; recoveryCode?: string }): Promise<void> {
    const deviceToken = localStorage.getItem(DEVICE_KEY) ?? undefined;
    const data = await post(SignInDocument, { input: { ...input, ...(deviceToken ? { deviceToken } : {}) } });
    this.accept(data.signIn);
  }

  /** With SIGN_UP_VERIFICATION on the answer is null: the account exists only once the mailed link comes back. */
  async signUp(input: { email: string; password: string; name: string }): Promise<'signed-in' | 'check-mail'> {
    const data = await post(SignUpDocument, { input });
    if (!data.signUp) return 'check-mail';
    this.accept(data.signUp);
    return 'signed-in';
  }

  async signOut(): Promise<void> {
    const token = this.accessToken;
    this.forget();
    // The session ends server-side too; failing that (offline), the tokens are gone from here anyway.
    if (token) await post(SignOutDocument, {}, token).catch(() => {});
  }

  /** A valid access token, refreshed first when it is about to expire; null when signed out. */
  async getAccessToken(): Promise<string | null> {
    if (this.refreshing) return this.refreshing;
    if (this.accessToken && Date.now() < this.expiresAt - REFRESH_MARGIN_MS / 2) return this.accessToken;
    if (!this.storage.getItem(REFRESH_KEY)) return null;
    return this.refresh();
  }

  /** The gateway refused the token (revoked session): nothing left to do here but sign in again. */
  expire(reason: string): void {
    if (this.state.status === 'signed-in') this.forget(reason);
  }

  /** Refresh tokens are single-use, so concurrent callers share one refresh. */
  private refresh(): Promise<string | null> {
    this.refreshing ??= (async () => {
      const refreshToken = this.storage.getItem(REFRESH_KEY);
      if (!refreshToken) return null;
      try {
        const data = await post(RefreshSessionDocument, { refreshToken });
        this.accept(data.refreshSession);
        return this.accessToken;
      } catch (error) {
        // Offline or a failing gateway: keep the refresh token and try again later; a refusal ends it.
        if (error instanceof ApiError && error.code !== 'NETWORK_ERROR' && error.code !== 'RATE_LIMITED') {
          this.forget(error.code);
          return null;
        }
        if (this.state.status === 'restoring') this.set({ status: 'signed-out', reason: 'NETWORK_ERROR' });
        else this.schedule(10_000);
        return this.accessToken && Date.now() < this.expiresAt ? this.accessToken : null;
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  private accept(auth: AuthFieldsFragment): void {
    this.accessToken = auth.accessToken;
    // Timed by this machine's clock from the token's own lifetime, not by the server's expiresAt:
    // a computer whose clock is off by an hour would otherwise refresh in a loop, or never.
    this.expiresAt = Date.now() + (tokenLifetimeMs(auth.accessToken) ?? Date.parse(auth.expiresAt) - Date.now());
    this.storage.setItem(REFRESH_KEY, auth.refreshToken);
    if (auth.deviceToken) localStorage.setItem(DEVICE_KEY, auth.deviceToken);
    // A minute before expiry; a token living under two minutes at half its life instead.
    const lifetime = this.expiresAt - Date.now();
    this.schedule(Math.max(1000, lifetime >= 2 * REFRESH_MARGIN_MS ? lifetime - REFRESH_MARGIN_MS : lifetime / 2));
    const user = { id: auth.user.id, name: auth.user.name, email: auth.user.email };
    const current = this.state;
    if (current.status !== 'signed-in' || current.user.id !== user.id || current.user.name !== user.name) this.set({ status: 'signed-in', user });
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), ms);
  }

  private forget(reason?: string): void {
    clearTimeout(this.timer);
    this.accessToken = null;
    this.expiresAt = 0;
    this.storage.removeItem(REFRESH_KEY);
    this.set(reason ? { status: 'signed-out', reason } : { status: 'signed-out' });
  }

  private set(state: SessionState): void {
    this.state = state;
    for (const listener of this.listeners) listener();
  }
}
