import { randomUUID } from 'node:crypto';
import { codesOf } from '@organoise/core/testing';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestPlatform, type TestPlatform } from './harness.js';

// Text no field may hold (U+0000, an unpaired surrogate) through the whole stack: a clear
// BAD_USER_INPUT whichever way it comes in, never INTERNAL_SERVER_ERROR, and nothing stored.
let platform: TestPlatform;
let token: string;
let orgId: string;

beforeAll(async () => {
  platform = await startTestPlatform();
  const res = await platform.gql(`mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }`, { i: { email: `nul-${randomUUID()}@example.com`, password: 'nul password 123', name: 'Nul' } });
  token = res.data!.signUp.accessToken;
  orgId = (await platform.gql(`mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id } }`, { i: { name: 'Nul', slug: `nul-${Date.now()}` } }, token)).data!.createOrganization.id;
}, 120_000);

afterAll(async () => {
  await platform?.stop();
});

describe('unstorable text', () => {
  it('refuses U+0000 and lone surrogates in mutation inputs with BAD_USER_INPUT, storing nothing', async () => {
    const email = `nul2-${randomUUID()}@example.com`;
    for (const name of ['a\u0000b', 'lone \ud83d']) {
      const res = await platform.gql(`mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }`, { i: { email, password: 'nul password 123', name } });
      expect(codesOf(res), JSON.stringify(name)).toEqual(['BAD_USER_INPUT']);
    }
    const json = await platform.gql(`mutation($i: CreateWorkflowDefinitionInput!) { createWorkflowDefinition(input: $i) { id } }`, {
      i: { organizationId: orgId, key: 'nul', name: 'N\u0000', initialState: 'a', states: [{ name: 'a' }, { name: 'b', final: true }], transitions: [{ name: 'go', from: 'a', to: 'b', allowedRoles: ['OWNER'] }] },
    }, token);
    expect(codesOf(json)).toEqual(['BAD_USER_INPUT']);
    const signIn = await platform.gql(`mutation($i: SignInInput!) { signIn(input: $i) { accessToken } }`, { i: { email, password: 'nul password 123' } });
    expect(codesOf(signIn)).toEqual(['INVALID_CREDENTIALS']); // no account was made
  });

  it('answers U+0000 in a search argument with BAD_USER_INPUT, not INTERNAL_SERVER_ERROR', async () => {
    const members = await platform.gql(`query($id: ID!, $s: String) { organization(id: $id) { members(filter: { search: $s }) { nodes { role } } } }`, { id: orgId, s: 'a\u0000' }, token);
    expect(codesOf(members)).toEqual(['BAD_USER_INPUT']);
    const files = await platform.gql(`query($id: ID!, $s: String) { organization(id: $id) { files(filter: { search: $s }) { nodes { name } } } }`, { id: orgId, s: '\u0000' }, token);
    expect(codesOf(files)).toEqual(['BAD_USER_INPUT']);
  });
});

describe('values that used to answer INTERNAL_SERVER_ERROR or a wrong code', () => {
  it('refuses an invalid DateTime argument with BAD_USER_INPUT, nested or at the root', async () => {
    for (const [query, variables] of [
      [`query($id: ID!) { organization(id: $id) { auditLog(filter: { from: "yesterday" }) { totalCount } } }`, { id: orgId }],
      [`query($id: ID!, $f: DateTime) { organization(id: $id) { auditLog(filter: { from: $f }) { totalCount } } }`, { id: orgId, f: '2026-13-45T99:00:00Z' }],
      [`query($id: ID!) { organization(id: $id) { activity(from: "not a date") { bucket } } }`, { id: orgId }],
      // Year 0000 parses in JavaScript (1 BC), but Postgres has no year 0 (found by npm run fuzz).
      [`query($id: ID!, $t: DateTime) { organization(id: $id) { auditLog(filter: { to: $t }) { totalCount } } }`, { id: orgId, t: '0000-01-01T00:00:00Z' }],
    ] as const) {
      const res = await platform.gql(query, variables, token);
      expect(res.status, query).toBeLessThan(500);
      expect(codesOf(res), query).toEqual(['BAD_USER_INPUT']);
    }
  });

  it('refuses JSON variables nested thousands deep with BAD_USER_INPUT, not a 500', async () => {
    // Written as text: JSON.stringify itself overflows the stack at this depth.
    const deepJson = `${'{"a":'.repeat(6000)}"leaf"${'}'.repeat(6000)}`;
    const definition = await platform.gql(`mutation($i: CreateWorkflowDefinitionInput!) { createWorkflowDefinition(input: $i) { id } }`, {
      i: { organizationId: orgId, key: `deep-${Date.now()}`, name: 'Deep', initialState: 'a', states: [{ name: 'a' }, { name: 'b', final: true }], transitions: [{ name: 'go', from: 'a', to: 'b', allowedRoles: ['OWNER'] }] },
    }, token);
    expect(definition.errors).toBeUndefined();
    const response = await fetch(platform.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: `{"query":"mutation($i: StartWorkflowRunInput!) { startWorkflowRun(input: $i) { id } }","variables":{"i":{"definitionId":"${definition.data!.createWorkflowDefinition.id}","data":${deepJson}}}}`,
    });
    const res = { status: response.status, ...((await response.json()) as object) };
    expect(res.status).toBeLessThan(500);
    expect(codesOf(res)).toEqual(['BAD_USER_INPUT']);
    const runs = await platform.gql(`query($id: ID!) { organization(id: $id) { workflowRuns { totalCount } } }`, { id: orgId }, token);
    expect(runs.data!.organization.workflowRuns.totalCount).toBe(0);
  });

  it('answers a variable too big for a subgraph with PAYLOAD_TOO_LARGE, not a generic error', async () => {
    // Under the gateway's 1 MiB body limit (1,048,576 bytes), over the user subgraph's 1,000,000.
    const res = await platform.gql(`mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id } }`, { i: { name: 'x'.repeat(1_020_000), slug: `big-${Date.now()}` } }, token);
    expect(res.status).toBeLessThan(500);
    expect(res.status).not.toBe(413); // the gateway let it through: the subgraph refused it
    expect(codesOf(res)).toEqual(['PAYLOAD_TOO_LARGE']);
  });

  it('refuses a body over the gateway’s 1 MiB with 413 PAYLOAD_TOO_LARGE before any subgraph reads it', async () => {
    const res = await platform.gql(`mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id } }`, { i: { name: 'x'.repeat(3 * 1024 * 1024), slug: `big-${Date.now()}` } }, token);
    expect(res.status).toBe(413);
    expect(codesOf(res)).toEqual(['PAYLOAD_TOO_LARGE']);
  });
});

describe('subscription variables', () => {
  it('are coerced at the gateway: a missing or mistyped one is BAD_USER_INPUT over graphql-ws and SSE, never INTERNAL_SERVER_ERROR', async () => {
    const query = `subscription($o: ID!, $after: String) { workflowRunsChanged(organizationId: $o, after: $after) { cursor } }`;
    for (const variables of [{}, { o: null }, { o: orgId, after: 7 }, { o: { not: 'an id' } }]) {
      const client = createClient({ url: platform.gateway.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { authorization: `Bearer ${token}` } });
      const errors = await new Promise<any[]>((resolve) => {
        client.subscribe({ query, variables }, { next: () => {}, error: (e: any) => resolve(Array.isArray(e) ? e : [e]), complete: () => resolve([]) });
      });
      await client.dispose();
      expect({ variables, codes: errors.map((e) => e.extensions?.code) }).toEqual({ variables, codes: [expect.stringMatching(/^BAD_USER_INPUT$/)] });
      const sse = await fetch(platform.gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
      });
      expect(sse.status).toBe(400);
      expect(((await sse.json()) as { errors: { extensions: { code: string } }[] }).errors.map((e) => e.extensions.code)).toEqual(expect.arrayContaining(['BAD_USER_INPUT']));
    }
  });
});

