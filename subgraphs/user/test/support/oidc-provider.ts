import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

/**
 * A real OpenID Connect provider (node-oidc-provider, in memory) on a free port, with its
 * development login and consent pages, for tests of the sign-in flow. PKCE is required of every
 * client. Accounts are added by tests; the login page signs in whoever's login is typed.
 */
export interface TestAccount {
  email?: string;
  email_verified?: boolean;
  name?: string;
}

export interface TestClient {
  clientId: string;
  /** Without one, a public client (token_endpoint_auth_method none). */
  clientSecret?: string;
  redirectUri: string;
}

export interface TestOidcProvider {
  issuer: string;
  accounts: Map<string, TestAccount>;
  provider: Provider;
  close(): Promise<void>;
}

export async function startTestOidcProvider(clients: TestClient[]): Promise<TestOidcProvider> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const accounts = new Map<string, TestAccount>();
  const provider = new Provider(issuer, {
    clients: clients.map((c) => ({
      client_id: c.clientId,
      ...(c.clientSecret ? { client_secret: c.clientSecret, token_endpoint_auth_method: 'client_secret_basic' } : { token_endpoint_auth_method: 'none' }),
      redirect_uris: [c.redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
    })),
    pkce: { required: () => true },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    findAccount: (_ctx: unknown, sub: string) => ({ accountId: sub, claims: () => ({ sub, ...accounts.get(sub) }) }),
    cookies: { keys: ['test-cookie-signing-key-0123456789'] },
    features: { devInteractions: { enabled: true } },
  } as ConstructorParameters<typeof Provider>[1]);
  server.on('request', provider.callback());
  return {
    issuer,
    accounts,
    provider,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/**
 * What a browser does between the authorization URL and the redirect back, with plain fetch:
 * follows redirects with the provider's cookies, submits the login form as `login`, then the
 * consent form, and stops at the first redirect to `redirectUri` (which nothing serves).
 */
export async function authorizeInBrowser(authorizationUrl: string, redirectUri: string, login: string): Promise<URL> {
  const jar = new Map<string, string>();
  let request: { url: string; method: 'GET' | 'POST'; body?: URLSearchParams } = { url: authorizationUrl, method: 'GET' };
  for (let step = 0; step < 20; step++) {
    const res = await fetch(request.url, {
      method: request.method,
      body: request.body,
      redirect: 'manual',
      headers: { cookie: [...jar].map(([name, value]) => `${name}=${value}`).join('; ') },
    });
    for (const cookie of res.headers.getSetCookie()) {
      const pair = cookie.split(';')[0]!;
      const at = pair.indexOf('=');
      jar.set(pair.slice(0, at), pair.slice(at + 1));
    }
    const location = res.headers.get('location');
    if (location) {
      const next = new URL(location, request.url);
      if (next.href.startsWith(`${redirectUri}?`)) return next;
      request = { url: next.href, method: 'GET' };
      continue;
    }
    const html = await res.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    const prompt = /name="prompt" value="([^"]+)"/.exec(html)?.[1];
    if (res.status !== 200 || !action || !prompt) throw new Error(`unexpected provider page (${res.status}): ${html.slice(0, 500)}`);
    request = {
      url: new URL(action.replaceAll('&amp;', '&'), request.url).href,
      method: 'POST',
      body: new URLSearchParams(prompt === 'login' ? { prompt, login, password: 'any' } : { prompt }),
    };
  }
  throw new Error('the provider never redirected back');
}
