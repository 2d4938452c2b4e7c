import type { TypedDocumentNode } from '@apollo/client';
import { getOperationAST, print } from 'graphql';
// From the generated module, not ./documents: each document there is a plain constant a bundler
// keeps only when used, while ./documents goes through graphql(), whose lookup table holds every
// operation of the app (about 10 KB brotli on the web app's first paint).
import { BeginOidcSignInDocument, CompleteOidcSignInDocument, OidcProvidersDocument, RefreshSessionDocument, SignInDocument, SignOutDocument, SignOutEverywhereDocument, SignUpDocument } from './gql/graphql';
import type { CompleteOidcSignInInput } from './gql/graphql';
import { ApiError } from './errors';
import type { AuthFieldsFragment, RefreshSessionMutation } from './gql/graphql';
import { persistedQuery } from './persisted';

/**
 * Where the refresh and device tokens are kept between launches: expo-secure-store (Keychain,
 * Keystore) on a phone; in a browser, where no such store exists, sessionStorage. Asynchronous,
 * because the phone's stores are.
 */
export interface TokenStore {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
}

/** A store that forgets on exit (tests, and a phone whose secure store is unavailable). */
export function memoryTokenStore(): TokenStore & { values: Map<string, string> } {
  const values = new Map<string, string>();
  return {
    values,
    get: async (key) => values.get(key) ?? null,
    set: async (key, value) => void values.set(key, value),
    delete: async (key) => void values.delete(key),
  };
}

export const REFRESH_KEY = 'organoise.refreshToken';
export const DEVICE_KEY = 'organoise.deviceToken';
/** Refresh this long before the access token expires, so no request goes out with a dying token. */
export const REFRESH_MARGIN_MS = 60_000;
/** After a failed refresh (offline, gateway down): try again this much later. */
export const REFRESH_RETRY_MS = 10_000;

export interface SessionUser {
  id: string;
  name: string;
  email?: string | null | undefined;
}

export type SessionState = { status: 'restoring' } | { status: 'signed-out'; reason?: string } | { status: 'signed-in'; user: SessionUser };

export interface SessionOptions {
  /** The gateway's GraphQL endpoint (absolute on a phone). */
  url: string;
  store: TokenStore;
  /** Injected by tests; the platform's fetch otherwise. */
  fetch?: typeof fetch;
  /** Send each operation's text instead of its hash: only a development server (ApiOptions.sendText). */
  sendText?: boolean;
}

/** exp - iat of a JWT, read (not verified: the gateway does that) from its payload. */
export function tokenLifetimeMs(token: string): number | null {
  try {
    const payload = JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: unknown; iat?: unknown };
    return typeof payload.exp === 'number' && typeof payload.iat === 'number' && payload.exp > payload.iat ? (payload.exp - payload.iat) * 1000 : null;
  } catch {
    return null;
  }
}

/** When to refresh a token living `lifetimeMs`: a minute before expiry, or at half the life of a token living under two minutes. */
export const refreshDelayMs = (lifetimeMs: number) => Math.max(1000, lifetimeMs >= 2 * REFRESH_MARGIN_MS ? lifetimeMs - REFRESH_MARGIN_MS : lifetimeMs / 2);

/**
 * The signed-in person's tokens (web and phone alike, each with its own
 * asynchronous store: docs/decisions/0009): the access token only in memory, refreshed before it expires; the
 * single-use refresh token in the store, so the app stays signed in across launches. Concurrent
 * callers share one refresh, since a refresh token used twice ends the session.
 */
export class Session {
  private state: SessionState = { status: 'restoring' };
  private accessToken: string | null = null;
  private expiresAt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private refreshing: Promise<string | null> | null = null;
  private readonly listeners = new Set<() => void>();
  private readonly fetch: typeof fetch;

  constructor(private readonly options: SessionOptions) {
    this.fetch = options.fetch ?? ((...args) => fetch(...args));
  }

  subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  };

  getState = () => this.state;

  /**
   * At launch: a stored refresh token trades for a fresh access token. `sent` is that trade when
   * the page started it before the app loaded (the web app's boot script, web/index.html): its
   * answer is taken as this session's own refresh, since the token it spent works once.
   */
  async restore(sent?: Promise<SentRequest>): Promise<void> {
    if (!(await this.options.store.get(REFRESH_KEY))) return this.set({ status: 'signed-out' });
    await this.refresh(sent);
  }

  /** SECOND_FACTOR_REQUIRED comes back as an ApiError: the caller asks for a code and calls again with it. */
  async signIn(input: { email: string; password: string; totpCode?: string; recoveryCode?: string }): Promise<void> {
    const deviceToken = (await this.options.store.get(DEVICE_KEY)) ?? undefined;
    const data = await this.post(SignInDocument, { input: { ...input, ...(deviceToken ? { deviceToken } : {}) } });
    await this.accept(data.signIn);
  }

  /** With SIGN_UP_VERIFICATION on the answer is null: the account exists only once the mailed link comes back. */
  async signUp(input: { email: string; password: string; name: string }): Promise<'signed-in' | 'check-mail'> {
    const data = await this.post(SignUpDocument, { input });
    if (!data.signUp) return 'check-mail';
    await this.accept(data.signUp);
    return 'signed-in';
  }

  /** The OpenID Connect providers this platform is configured with (OIDC_PROVIDERS), for sign-in buttons. */
  async oidcProviders(): Promise<{ id: string; name: string }[]> {
    return (await this.post(OidcProvidersDocument, {})).oidcProviders;
  }

  /**
   * The provider's authorization URL to open, and the binding the caller keeps on this device only
   * and passes back to completeOidcSignIn (a callback opened elsewhere cannot complete: login CSRF).
   */
  async beginOidcSignIn(provider: string, redirectUri: string): Promise<{ authorizationUrl: string; binding: string }> {
    return (await this.post(BeginOidcSignInDocument, { provider, redirectUri })).beginOidcSignIn;
  }

  /** The provider's callback (code, state, iss) traded for a session; SECOND_FACTOR_REQUIRED as for signIn. */
  async completeOidcSignIn(input: CompleteOidcSignInInput): Promise<void> {
    const data = await this.post(CompleteOidcSignInDocument, { input });
    await this.accept(data.completeOidcSignIn);
  }

  /** Ends this session, or every session of the person (a lost phone), on the server too. */
  async signOut(options: { everywhere?: boolean } = {}): Promise<void> {
    const token = this.accessToken;
    await this.forget();
    // Failing that (offline), the tokens are gone from this device anyway.
    if (token) await (options.everywhere ? this.post(SignOutEverywhereDocument, {}, token) : this.post(SignOutDocument, {}, token)).catch(() => {});
  }

  /** A valid access token, refreshed first when it is about to expire; null when signed out. */
  async getAccessToken(): Promise<string | null> {
    if (this.refreshing) return this.refreshing;
    if (this.accessToken && Date.now() < this.expiresAt - REFRESH_MARGIN_MS / 2) return this.accessToken;
    if (!(await this.options.store.get(REFRESH_KEY))) return null;
    return this.refresh();
  }

  /** The gateway refused the token (revoked session): nothing left to do but sign in again. */
  expire(reason: string): void {
    if (this.state.status === 'signed-in') void this.forget(reason);
  }

  /** Stops the refresh timer (the app is closing, or a test ends). */
  dispose(): void {
    clearTimeout(this.timer);
  }

  private refresh(sent?: Promise<SentRequest>): Promise<string | null> {
    this.refreshing ??= (async () => {
      const refreshToken = await this.options.store.get(REFRESH_KEY);
      if (!refreshToken) return null;
      try {
        const data = sent ? readAnswer<RefreshSessionMutation>(await sent.catch(() => null)) : await this.post(RefreshSessionDocument, { refreshToken });
        await this.accept(data.refreshSession);
        return this.accessToken;
      } catch (error) {
        // Offline or a failing gateway: keep the refresh token and try again later; a refusal ends it.
        if (error instanceof ApiError && error.code !== 'NETWORK_ERROR' && error.code !== 'RATE_LIMITED') {
          await this.forget(error.code);
          return null;
        }
        if (this.state.status === 'restoring') this.set({ status: 'signed-out', reason: 'NETWORK_ERROR' });
        else this.schedule(REFRESH_RETRY_MS);
        return this.accessToken && Date.now() < this.expiresAt ? this.accessToken : null;
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  private async accept(auth: AuthFieldsFragment): Promise<void> {
    // Timed by this device's clock from the token's own lifetime, not by the server's expiresAt:
    // a phone whose clock is off would otherwise refresh in a loop, or never.
    const lifetime = tokenLifetimeMs(auth.accessToken) ?? Date.parse(auth.expiresAt) - Date.now();
    this.accessToken = auth.accessToken;
    this.expiresAt = Date.now() + lifetime;
    await this.options.store.set(REFRESH_KEY, auth.refreshToken);
    if (auth.deviceToken) await this.options.store.set(DEVICE_KEY, auth.deviceToken);
    this.schedule(refreshDelayMs(lifetime));
    const user = { id: auth.user.id, name: auth.user.name, email: auth.user.email };
    const current = this.state;
    if (current.status !== 'signed-in' || current.user.id !== user.id || current.user.name !== user.name) this.set({ status: 'signed-in', user });
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), ms);
  }

  private async forget(reason?: string): Promise<void> {
    clearTimeout(this.timer);
    this.accessToken = null;
    this.expiresAt = 0;
    this.set(reason ? { status: 'signed-out', reason } : { status: 'signed-out' });
    await this.options.store.delete(REFRESH_KEY);
  }

  private set(state: SessionState): void {
    this.state = state;
    for (const listener of this.listeners) listener();
  }

  /** Auth calls bypass Apollo: the Apollo link asks this session for tokens, so it cannot depend on it. */
  private async post<TData, TVariables>(document: TypedDocumentNode<TData, TVariables>, variables: TVariables, token?: string): Promise<TData> {
    let response: Response;
    try {
      response = await this.fetch(this.options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        // The hash alone, as the Apollo link sends it (src/persisted.ts); the name for logs and tests.
        body: JSON.stringify({ operationName: getOperationAST(document)?.name?.value, variables, ...(this.options.sendText ? { query: print(document) } : { extensions: persistedQuery(document) }) }),
      });
    } catch {
      throw new ApiError('network error', 'NETWORK_ERROR');
    }
    return readAnswer<TData>({ status: response.status, body: await response.json().catch(() => null) });
  }
}

/** A request already answered: its HTTP status and its JSON body (null when it was not JSON). A rejected one is a network failure. */
export interface SentRequest {
  status: number;
  body: unknown;
}

/** The data of a GraphQL answer, or the ApiError of its first error (NETWORK_ERROR when there was no answer). */
function readAnswer<TData>(answer: SentRequest | null): TData {
  if (!answer) throw new ApiError('network error', 'NETWORK_ERROR');
  const body = answer.body as { data?: TData; errors?: { message: string; extensions?: Record<string, unknown> }[] } | null;
  const error = body?.errors?.[0];
  if (error) throw new ApiError(error.message, String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR'), error.extensions);
  if (!body?.data) throw new ApiError(`HTTP ${answer.status}`, answer.status === 429 ? 'RATE_LIMITED' : 'NETWORK_ERROR');
  return body.data;
}
