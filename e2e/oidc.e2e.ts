import { codesOf } from '@organoise/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeInBrowser, startTestOidcProvider, type TestOidcProvider } from '../subgraphs/user/test/support/oidc-provider.js';
import { startTestPlatform, type TestPlatform } from './harness.js';

// Signing in with a real OpenID Connect provider (node-oidc-provider on a free port), the way a
// client app does it: through the gateway, with the browser part driven by plain fetch.
const REDIRECT = 'http://localhost:4000/auth/callback/idp';
let idp: TestOidcProvider;
let platform: TestPlatform;

beforeAll(async () => {
  idp = await startTestOidcProvider([{ clientId: 'organoise-e2e', clientSecret: 'e2e-client-secret-0123456789abcdef', redirectUri: REDIRECT }]);
  platform = await startTestPlatform({
    user: {
      oidcProviders: [
        { id: 'idp', name: 'Company SSO', issuer: idp.issuer, clientId: 'organoise-e2e', clientSecret: 'e2e-client-secret-0123456789abcdef', redirectUri: REDIRECT, allowInsecureHttp: true },
      ],
    },
  });
});

afterAll(async () => {
  await platform?.stop();
  await idp?.close();
});

const BEGIN = `mutation($p: ID!, $r: String!) { beginOidcSignIn(provider: $p, redirectUri: $r) { authorizationUrl } }`;
const COMPLETE = `mutation($i: CompleteOidcSignInInput!) { completeOidcSignIn(input: $i) { accessToken user { id email } } }`;

async function callback(login: string) {
  const begun = await platform.gql(BEGIN, { p: 'idp', r: REDIRECT });
  expect(begun.errors).toBeUndefined();
  const url = await authorizeInBrowser(begun.data!.beginOidcSignIn.authorizationUrl, REDIRECT, login);
  return { state: url.searchParams.get('state')!, code: url.searchParams.get('code')!, iss: url.searchParams.get('iss'), redirectUri: REDIRECT };
}

describe('OpenID Connect sign-in through the gateway', () => {
  it('signs in with the provider and the access token works on the gateway', async () => {
    const providers = await platform.gql(`{ oidcProviders { id name } }`);
    expect(providers.data).toEqual({ oidcProviders: [{ id: 'idp', name: 'Company SSO' }] });

    idp.accounts.set('grace', { email: 'grace@example.com', email_verified: true, name: 'Grace Hopper' });
    const input = await callback('grace');
    const signed = await platform.gql(COMPLETE, { i: input });
    expect(signed.errors).toBeUndefined();
    const token = signed.data!.completeOidcSignIn.accessToken as string;

    const me = await platform.gql(`{ viewer { name email emailVerified linkedIdentities { provider email } } }`, {}, token);
    expect(me.data).toEqual({ viewer: { name: 'Grace Hopper', email: 'grace@example.com', emailVerified: true, linkedIdentities: [{ provider: 'idp', email: 'grace@example.com' }] } });
    // Signed in like anyone else: the account can create an organization.
    const org = await platform.gql(`mutation { createOrganization(input: { name: "Grace Co", slug: "grace-${Date.now()}" }) { id } }`, {}, token);
    expect(org.errors).toBeUndefined();

    // The callback replayed (a second tab, an attacker with the URL) is refused.
    expect(codesOf(await platform.gql(COMPLETE, { i: input }))).toEqual(['OIDC_STATE_INVALID']);
  });

  it('refuses to unlink without a session, and an unknown provider', async () => {
    expect(codesOf(await platform.gql(`mutation { unlinkOidcIdentity(id: "00000000-0000-4000-8000-000000000000") }`))).toEqual(['UNAUTHENTICATED']);
    expect(codesOf(await platform.gql(BEGIN, { p: 'other', r: REDIRECT }))).toEqual(['OIDC_PROVIDER_UNKNOWN']);
  });
});
