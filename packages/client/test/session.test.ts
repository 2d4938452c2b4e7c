import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEVICE_KEY, memoryTokenStore, REFRESH_KEY, Session } from '../src/session';

// No gateway runs in a unit test: a stand-in fetch answers the session's calls the way the
// gateway does (e2e/mobile.e2e.ts covers the real one), and counts them.
const jwt = (lifetimeSeconds: number, n: number) => {
  const iat = Math.floor(Date.now() / 1000);
  const payload = Buffer.from(JSON.stringify({ iat, exp: iat + lifetimeSeconds, n })).toString('base64url');
  return `e30.${payload}.sig`;
};

function standInGateway(lifetimeSeconds = 3600) {
  let issued = 0;
  const calls: { operation: string; variables: Record<string, unknown>; authorization?: string }[] = [];
  let fail: { code?: string; network?: boolean } | null = null;
  const auth = () => {
    issued += 1;
    return { accessToken: jwt(lifetimeSeconds, issued), expiresAt: new Date(Date.now() + lifetimeSeconds * 1000).toISOString(), refreshToken: `refresh-${issued}`, deviceToken: 'device-1', user: { id: 'u1', name: 'Ada', email: 'ada@example.com' } };
  };
  const fetch = vi.fn(async (_url: string | URL | Request, init?: RequestInit) => {
    // The session sends the operation's persisted hash and name, never its text.
    const body = JSON.parse(String(init?.body)) as { query?: string; operationName: string; variables: Record<string, unknown>; extensions: { persistedQuery: { sha256Hash: string } } };
    expect(body.query).toBeUndefined();
    expect(body.extensions.persistedQuery.sha256Hash).toMatch(/^[0-9a-f]{64}$/);
    const operation = body.operationName;
    calls.push({ operation, variables: body.variables, authorization: (init?.headers as Record<string, string>).authorization });
    if (fail?.network) throw new TypeError('fetch failed');
    const json = (value: unknown) => new Response(JSON.stringify(value), { headers: { 'content-type': 'application/json' } });
    if (fail?.code) return json({ errors: [{ message: 'refused', extensions: { code: fail.code } }] });
    if (operation === 'SignIn') {
      const input = body.variables.input as { totpCode?: string };
      if (!input.totpCode) return json({ errors: [{ message: 'code needed', extensions: { code: 'SECOND_FACTOR_REQUIRED' } }] });
      return json({ data: { signIn: auth() } });
    }
    if (operation === 'RefreshSession') return json({ data: { refreshSession: auth() } });
    // With SIGN_UP_VERIFICATION on, the gateway answers null until the mailed link comes back.
    if (operation === 'SignUp') return json({ data: { signUp: (body.variables.input as { email: string }).email.startsWith('verify') ? null : auth() } });
    return json({ data: { signOut: true, signOutEverywhere: 2 } });
  });
  return { fetch, calls, fail: (f: typeof fail) => (fail = f) };
}

describe('Session (stand-in gateway)', () => {
  beforeEach(() => vi.useFakeTimers({ now: new Date('2026-12-05T12:00:00Z') }));
  afterEach(() => vi.useRealTimers());

  it('should ask for the second factor, then keep the refresh and device tokens in the store', async () => {
    const gateway = standInGateway();
    const store = memoryTokenStore();
    const session = new Session({ url: 'http://gateway/graphql', store, fetch: gateway.fetch });
    await expect(session.signIn({ email: 'ada@example.com', password: 'pw' })).rejects.toMatchObject({ code: 'SECOND_FACTOR_REQUIRED' });
    expect(session.getState().status).not.toBe('signed-in');
    await session.signIn({ email: 'ada@example.com', password: 'pw', totpCode: '123456' });
    expect(session.getState()).toEqual({ status: 'signed-in', user: { id: 'u1', name: 'Ada', email: 'ada@example.com' } });
    expect(store.values.get(REFRESH_KEY)).toBe('refresh-1');
    expect(store.values.get(DEVICE_KEY)).toBe('device-1');
    session.dispose();
  });

  it('should sign up into a session, or say to check the mail when the account waits for its link', async () => {
    const gateway = standInGateway();
    const store = memoryTokenStore();
    const session = new Session({ url: 'http://gateway/graphql', store, fetch: gateway.fetch });
    await expect(session.signUp({ email: 'verify@example.com', password: 'a long password', name: 'Ada' })).resolves.toBe('check-mail');
    expect(session.getState().status).not.toBe('signed-in');
    expect(store.values.get(REFRESH_KEY)).toBeUndefined();
    await expect(session.signUp({ email: 'ada@example.com', password: 'a long password', name: 'Ada' })).resolves.toBe('signed-in');
    expect(session.getState()).toMatchObject({ status: 'signed-in', user: { id: 'u1' } });
    expect(store.values.get(REFRESH_KEY)).toBe('refresh-1');
    session.dispose();
  });

  it('should refresh the access token a minute before it expires, with the single-use refresh token once', async () => {
    const gateway = standInGateway(3600);
    const session = new Session({ url: 'http://gateway/graphql', store: memoryTokenStore(), fetch: gateway.fetch });
    await session.signIn({ email: 'a', password: 'p', totpCode: '000000' });
    const first = await session.getAccessToken();
    await vi.advanceTimersByTimeAsync(58 * 60_000);
    expect(gateway.calls.filter((c) => c.operation === 'RefreshSession')).toHaveLength(0);
    expect(await session.getAccessToken()).toBe(first);
    await vi.advanceTimersByTimeAsync(60_000);
    const refreshes = gateway.calls.filter((c) => c.operation === 'RefreshSession');
    expect(refreshes).toEqual([{ operation: 'RefreshSession', variables: { refreshToken: 'refresh-1' }, authorization: undefined }]);
    expect(await session.getAccessToken()).not.toBe(first);
    session.dispose();
  });

  it('should share one refresh among concurrent callers when the token is about to expire', async () => {
    const gateway = standInGateway(3600);
    const store = memoryTokenStore();
    const session = new Session({ url: 'http://gateway/graphql', store, fetch: gateway.fetch });
    await session.signIn({ email: 'a', password: 'p', totpCode: '000000' });
    session.dispose(); // no timer: the callers find the token dying themselves (a phone woken from sleep)
    vi.setSystemTime(Date.now() + 3590_000);
    const tokens = await Promise.all([session.getAccessToken(), session.getAccessToken(), session.getAccessToken()]);
    expect(new Set(tokens).size).toBe(1);
    expect(gateway.calls.filter((c) => c.operation === 'RefreshSession')).toHaveLength(1);
    expect(store.values.get(REFRESH_KEY)).toBe('refresh-2');
    session.dispose();
  });

  it('should keep the session through a failed refresh while offline and retry, but end it on a refusal', async () => {
    const gateway = standInGateway(3600);
    const store = memoryTokenStore();
    const session = new Session({ url: 'http://gateway/graphql', store, fetch: gateway.fetch });
    await session.signIn({ email: 'a', password: 'p', totpCode: '000000' });
    gateway.fail({ network: true });
    await vi.advanceTimersByTimeAsync(59 * 60_000);
    expect(session.getState().status).toBe('signed-in');
    expect(store.values.get(REFRESH_KEY)).toBe('refresh-1');
    gateway.fail({ code: 'REFRESH_TOKEN_REUSED' });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(session.getState()).toEqual({ status: 'signed-out', reason: 'REFRESH_TOKEN_REUSED' });
    expect(store.values.has(REFRESH_KEY)).toBe(false);
    expect(await session.getAccessToken()).toBeNull();
    session.dispose();
  });

  it('should take a refresh the page sent before the app loaded as its own: no second refresh, its refusal ends the session, no answer keeps the token', async () => {
    const gateway = standInGateway();
    const store = memoryTokenStore();
    await store.set(REFRESH_KEY, 'refresh-0');
    const session = new Session({ url: 'http://gateway/graphql', store, fetch: gateway.fetch });
    // What web's boot script hands over: the HTTP status and the JSON body of its RefreshSession.
    const auth = { accessToken: jwt(3600, 7), expiresAt: new Date(Date.now() + 3_600_000).toISOString(), refreshToken: 'refresh-7', deviceToken: null, user: { id: 'u1', name: 'Ada', email: null } };
    await session.restore(Promise.resolve({ status: 200, body: { data: { refreshSession: auth } } }));
    expect(session.getState()).toEqual({ status: 'signed-in', user: { id: 'u1', name: 'Ada', email: null } });
    expect(gateway.calls).toEqual([]);
    expect(store.values.get(REFRESH_KEY)).toBe('refresh-7');
    expect(await session.getAccessToken()).toBe(auth.accessToken);
    // Its own refresh, on time, with the token that answer brought.
    await vi.advanceTimersByTimeAsync(3_600_000 - 60_000);
    expect(gateway.calls.map((c) => [c.operation, c.variables.refreshToken])).toEqual([['RefreshSession', 'refresh-7']]);
    session.dispose();

    const refused = new Session({ url: 'http://gateway/graphql', store, fetch: gateway.fetch });
    await refused.restore(Promise.resolve({ status: 200, body: { errors: [{ message: 'reused', extensions: { code: 'REFRESH_TOKEN_REUSED' } }] } }));
    expect(refused.getState()).toEqual({ status: 'signed-out', reason: 'REFRESH_TOKEN_REUSED' });
    expect(store.values.has(REFRESH_KEY)).toBe(false);

    await store.set(REFRESH_KEY, 'refresh-8');
    const offline = new Session({ url: 'http://gateway/graphql', store, fetch: gateway.fetch });
    await offline.restore(Promise.reject(new TypeError('fetch failed')));
    expect(offline.getState()).toEqual({ status: 'signed-out', reason: 'NETWORK_ERROR' });
    expect(store.values.get(REFRESH_KEY)).toBe('refresh-8');
    expect(gateway.calls).toHaveLength(1);
  });

  it('should sign in again at launch from the stored refresh token, and sign out everywhere on the server', async () => {
    const gateway = standInGateway();
    const store = memoryTokenStore();
    await store.set(REFRESH_KEY, 'refresh-0');
    const session = new Session({ url: 'http://gateway/graphql', store, fetch: gateway.fetch });
    await session.restore();
    expect(session.getState().status).toBe('signed-in');
    const token = await session.getAccessToken();
    await session.signOut({ everywhere: true });
    expect(gateway.calls.at(-1)).toEqual({ operation: 'SignOutEverywhere', variables: {}, authorization: `Bearer ${token}` });
    expect(session.getState().status).toBe('signed-out');
    expect(store.values.has(REFRESH_KEY)).toBe(false);
  });
});
