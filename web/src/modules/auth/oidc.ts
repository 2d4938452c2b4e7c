/**
 * Signing in (or linking an account) through an OpenID Connect provider, browser side. The app's
 * callback address is `<origin>/auth/callback/<provider id>`: that is the `redirectUri` to set in
 * OIDC_PROVIDERS and to register at the provider. The binding the API returns stays in this tab's
 * sessionStorage, so a callback opened in another browser cannot complete (login CSRF).
 */
const PENDING_KEY = 'organoise.oidcPending';

export interface PendingOidc {
  mode: 'sign-in' | 'link';
  provider: string;
  binding: string;
  redirectUri: string;
}

export const CALLBACK_PATTERN = '/auth/callback/:provider';
export const redirectUriFor = (provider: string) => new URL(`/auth/callback/${encodeURIComponent(provider)}`, window.location.href).href;

/** Keeps what the callback needs, then leaves for the provider. */
export function goToProvider(pending: PendingOidc, authorizationUrl: string): void {
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  window.location.assign(authorizationUrl);
}

/** The pending sign-in or link of this tab, if the callback is for it; taken once (a reload cannot replay it). */
export function takePending(mode: PendingOidc['mode']): PendingOidc | null {
  const raw = sessionStorage.getItem(PENDING_KEY);
  if (!raw) return null;
  const pending = JSON.parse(raw) as PendingOidc;
  if (pending.mode !== mode) return null;
  sessionStorage.removeItem(PENDING_KEY);
  return pending;
}

export const pendingMode = (): PendingOidc['mode'] | null => {
  const raw = sessionStorage.getItem(PENDING_KEY);
  return raw ? (JSON.parse(raw) as PendingOidc).mode : null;
};

/** The callback's parameters, for completeOidcSignIn / completeOidcLink. */
export function callbackInput(pending: PendingOidc): { state: string; code: string; iss?: string; redirectUri: string; binding: string } | { error: string } {
  const params = new URLSearchParams(window.location.search);
  const state = params.get('state');
  const code = params.get('code');
  if (params.get('error') || !state || !code) return { error: params.get('error') ?? 'OIDC_FAILED' };
  const iss = params.get('iss');
  return { state, code, ...(iss ? { iss } : {}), redirectUri: pending.redirectUri, binding: pending.binding };
}
