import { codesOf, postGraphQL } from '@organoise/core/testing';
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

const BEGIN = `mutation($p: ID!, $r: String!) { beginOidcSignIn(provider: $p, redirectUri: $r) { authorizationUrl binding } }`;
const COMPLETE = `mutation($i: CompleteOidcSignInInput!) { completeOidcSignIn(input: $i) { accessToken user { id email } } }`;

async function callback(login: string) {
  const begun = await platform.gql(BEGIN, { p: 'idp', r: REDIRECT });
  expect(begun.errors).toBeUndefined();
  const url = await authorizeInBrowser(begun.data!.beginOidcSignIn.authorizationUrl, REDIRECT, login);
  return { state: url.searchParams.get('state')!, code: url.searchParams.get('code')!, iss: url.searchParams.get('iss'), redirectUri: REDIRECT, binding: begun.data!.beginOidcSignIn.binding as string };
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

  it("leaves nobody who registered an address before its owner a way into the owner's account (pre-account takeover)", async () => {
    const victim = `victim-${Date.now()}@example.com`;
    idp.accounts.set('victim', { email: victim, email_verified: true, name: 'Victim' });
    idp.accounts.set('mallory', { email: `mallory-${Date.now()}@evil.example`, email_verified: true, name: 'Mallory' });
    // Mallory signs up with the victim's address (nobody verifies it) and sets up ways back in.
    const squat = await platform.gql(`mutation($i: SignUpInput!) { signUp(input: $i) { accessToken user { id } } }`, { i: { email: victim, password: 'mallory password 1', name: 'Victim' } });
    expect(squat.errors).toBeUndefined();
    const mallory = squat.data!.signUp.accessToken as string;
    const accountId = squat.data!.signUp.user.id as string;
    // Linking her own provider account was the attack; an address nobody proved cannot link.
    const link = await platform.gql(`mutation($p: ID!, $r: String!) { beginOidcLink(provider: $p, redirectUri: $r) { authorizationUrl } }`, { p: 'idp', r: REDIRECT }, mallory);
    expect(codesOf(link)).toEqual(['EMAIL_NOT_VERIFIED']);
    const org = await platform.gql(`mutation { createOrganization(input: { name: "Squat", slug: "squat-${Date.now()}" }) { id } }`, {}, mallory);
    const key = await platform.gql(`mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret } }`, { i: { organizationId: org.data!.createOrganization.id, name: 'backdoor', role: 'ADMIN' } }, mallory);
    expect(key.errors).toBeUndefined();
    const apiKey = key.data!.createApiKey.secret as string;
    const withKey = () => postGraphQL(platform.gateway.url, `{ organization(id: "${org.data!.createOrganization.id}") { name } }`, {}, { authorization: `ApiKey ${apiKey}` });
    expect((await withKey()).errors).toBeUndefined();

    // The owner signs in with a provider that vouches for the address: the account is theirs now.
    const owner = await platform.gql(COMPLETE, { i: await callback('victim') });
    expect(owner.errors).toBeUndefined();
    expect(owner.data!.completeOidcSignIn.user.id).toBe(accountId);
    // Every way Mallory had is gone: her session, her API key, her password; her provider account is her own.
    await expect.poll(async () => codesOf(await platform.gql(`{ viewer { id } }`, {}, mallory)), { timeout: 10_000 }).not.toEqual([]);
    await expect.poll(async () => codesOf(await withKey()), { timeout: 10_000 }).toEqual(['API_KEY_REVOKED']);
    expect(codesOf(await platform.gql(`mutation { signIn(input: { email: "${victim}", password: "mallory password 1" }) { accessToken } }`))).toEqual(['INVALID_CREDENTIALS']);
    const hers = await platform.gql(COMPLETE, { i: await callback('mallory') });
    expect(hers.data!.completeOidcSignIn.user.id).not.toBe(accountId);
    const events = await platform.gql(`{ viewer { securityEvents(filter: { type: ACCOUNT_CLAIMED }) { nodes { details } } } }`, {}, owner.data!.completeOidcSignIn.accessToken);
    expect(events.data!.viewer.securityEvents.nodes).toEqual([{ details: expect.objectContaining({ proof: 'oidc_verified_email', apiAccessRevoked: 1 }) }]);
  });

  it('refuses to unlink without a session, and an unknown provider', async () => {
    expect(codesOf(await platform.gql(`mutation { unlinkOidcIdentity(id: "00000000-0000-4000-8000-000000000000") }`))).toEqual(['UNAUTHENTICATED']);
    expect(codesOf(await platform.gql(BEGIN, { p: 'other', r: REDIRECT }))).toEqual(['OIDC_PROVIDER_UNKNOWN']);
  });
});
