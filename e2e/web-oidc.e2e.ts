import { freePort, testEnv } from '@organoise/core/testing';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestOidcProvider, type TestOidcProvider } from '../subgraphs/user/test/support/oidc-provider.js';
import { accessibilityProblems, useWebE2e } from './browser.js';

// Signing in to the web app through an OpenID Connect provider, in real Chromium: the app's
// provider button, the provider's own login and consent pages (node-oidc-provider's development
// pages, on a free port), back to the app's /auth/callback/<provider>, signed in. The provider must
// know the app's callback address before it starts, so the gateway gets a port chosen first.
const CLIENT_SECRET = 'web-e2e-client-secret-0123456789abcdef';

describe.skipIf(testEnv.TEST_DATABASE !== 'postgres')('signing in to the web app with an OpenID Connect provider', () => {
  let idp: TestOidcProvider;
  let port: number;
  let origin: string;
  let redirectUri: string;
  // Registered before the web app's hooks: the provider runs before the gateway starts, and stops after it.
  beforeAll(async () => {
    port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    redirectUri = `${origin}/auth/callback/idp`;
    idp = await startTestOidcProvider([{ clientId: 'organoise-web', clientSecret: CLIENT_SECRET, redirectUri }]);
  });
  afterAll(async () => {
    await idp?.close();
  });

  const web = useWebE2e(() => ({
    gatewayPort: port,
    user: { oidcProviders: [{ id: 'idp', name: 'Company SSO', issuer: idp.issuer, clientId: 'organoise-web', clientSecret: CLIENT_SECRET, redirectUri, allowInsecureHttp: true }] },
  }));
  beforeAll(() => {
    expect(new URL(web.platform.gateway.url).origin).toBe(origin);
  });
  const openApp = (path = '/') => web.open(path);

  /** The provider's development login page (any login signs in as that account), then its consent page. */
  async function signInAtProvider(page: Page, login: string) {
    await page.waitForURL((url) => url.origin === idp.issuer);
    await page.locator('input[name="login"]').fill(login);
    await page.locator('input[name="password"]').fill('any');
    await page.locator('button[type="submit"]').click();
    // Consent, once per account and client.
    await page.locator('button[type="submit"]').click();
  }

  let callbackUrl: string | undefined;

  it("signs in with the provider's button and lands signed in as the provider's person", async () => {
    idp.accounts.set('ada', { email: `ada-${Date.now()}@example.com`, email_verified: true, name: 'Ada Lovelace' });
    const page = await openApp('/sign-in');
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame() && frame.url().startsWith(`${origin}/auth/callback/idp?`)) callbackUrl = frame.url();
    });
    await page.getByRole('button', { name: 'Sign in with Company SSO' }).click();
    await signInAtProvider(page, 'ada');
    await page.waitForURL((url) => url.origin === origin);
    // A person new to the platform: no organization yet, so the app offers to create one.
    await page.getByRole('heading', { name: 'Create your organization' }).waitFor();
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.getByLabel('Organization name').fill('Analytical Engines');
    await page.getByRole('button', { name: 'Create organization' }).click();
    await page.getByTestId('signed-in-as').waitFor();
    expect(await page.getByTestId('signed-in-as').textContent()).toContain('Ada Lovelace');
    // The callback's code is not left in the address bar.
    expect(new URL(page.url()).searchParams.get('code')).toBeNull();
    expect(callbackUrl).toBeDefined();

    // A reload keeps the session (the refresh cookie), without going back to the provider.
    await page.reload();
    await page.getByTestId('signed-in-as').waitFor();
    expect(new URL(page.url()).origin).toBe(origin);
  });

  it('signs nobody in from the same callback opened in another browser (no sign-in of its own pending there)', async () => {
    expect(callbackUrl).toBeDefined();
    const other = await openApp(callbackUrl!);
    await other.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
    await expect(other.getByTestId('signed-in-as').count()).resolves.toBe(0);
  });

  it('tells a person who cancelled at the provider that sign-in did not finish, in words, with the way back', async () => {
    const page = await openApp('/sign-in');
    await page.getByRole('button', { name: 'Sign in with Company SSO' }).click();
    await page.waitForURL((url) => url.origin === idp.issuer);
    // The provider's own "Cancel": it sends the person back with error=access_denied.
    await page.getByRole('link', { name: /cancel/i }).click();
    await page.waitForURL((url) => url.origin === origin);
    await page.getByRole('heading', { name: 'Sign-in did not finish' }).waitFor();
    await page.getByRole('link', { name: 'Back to sign-in' }).waitFor();
    expect(await page.getByRole('alert').textContent()).not.toMatch(/OIDC_|INTERNAL|access_denied/);
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.getByRole('link', { name: 'Back to sign-in' }).click();
    await page.getByRole('button', { name: 'Sign in with Company SSO' }).waitFor();
  });
});
