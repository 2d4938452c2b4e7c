import { followsStream, publishesSettled, type EventMessage, type Viewer } from '@organoise/core';
import { codesOf, PUBSUB_IMPLEMENTATIONS } from '@organoise/core/testing';
import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { sessions } from '../src/db/schema.js';
import { sessionsStream } from '../src/domains/accounts/events.js';
import { apiKeysStream } from '../src/domains/apikeys/events.js';
import { userSearchSource } from '../src/domains/search/source.js';
import { EVENT_CHANNEL_PREFIX } from '../src/index.js';
import { useUserSubgraphOn, viewerOf } from './support/subgraph.js';

// Credentials that end before their time are domain events (docs/protocols/subscriptions.md,
// "Credential events"): the gateway re-checks the live subscriptions opened on them when one is
// published, instead of polling every socket. Each write that ends a session or revokes an API key
// appends its event in its own transaction; one that fails appends and publishes nothing. On each
// PubSub and, through the vitest projects, each database.

const PASSWORD = 'correct horse battery';
const SIGN_UP = `mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }`;
const SIGN_IN = `mutation($i: SignInInput!) { signIn(input: $i) { accessToken } }`;
const CREATE_ORG = `mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id } }`;
const CREATE_KEY = `mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { apiKey { id } } }`;
const REVOKE_KEY = `mutation($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }`;
const CHANGE_PASSWORD = `mutation($i: ChangePasswordInput!) { changePassword(input: $i) }`;

describe.each(PUBSUB_IMPLEMENTATIONS)('credential events over %s', (pubsubName, createPubSub) => {
  const subgraph = useUserSubgraphOn(createPubSub);
  const { call } = subgraph;
  let counter = 0;

  async function person(): Promise<Viewer & { email: string }> {
    const email = `credential-events-${pubsubName}-${Date.now()}-${counter++}@example.com`;
    const res = await call(SIGN_UP, { i: { email, password: PASSWORD, name: 'Sam' } });
    expect(res.errors).toBeUndefined();
    return { ...viewerOf(res.data!.signUp.accessToken as string), email };
  }
  async function anotherSession(email: string): Promise<Viewer> {
    const res = await call(SIGN_IN, { i: { email, password: PASSWORD } });
    expect(res.errors).toBeUndefined();
    return viewerOf(res.data!.signIn.accessToken as string);
  }

  /** What a stream published, as the gateway's subscriber of its channel receives it. */
  async function listen(stream: string) {
    const received: EventMessage[] = [];
    const unsubscribe = await subgraph.pubsub.subscribe(`${EVENT_CHANNEL_PREFIX}:${stream}`, (m) => received.push(m));
    return { received, unsubscribe };
  }
  const logged = (stream: string) => subgraph.server.services.bus.log.read(stream, 0);
  const settled = () => publishesSettled(subgraph.server.services.bus);

  it('signOut, revokeSession and signOutEverywhere each publish session.ended naming the person and the sessions, no organization and nothing else; ending nothing publishes nothing', async () => {
    const user = await person();
    const phone = await anotherSession(user.email);
    const laptop = await anotherSession(user.email);
    const tablet = await anotherSession(user.email);
    const channel = await listen(sessionsStream(user.userId));

    expect((await call(`mutation($id: ID!) { revokeSession(id: $id) { id } }`, { id: phone.sessionId }, user)).errors).toBeUndefined();
    // Revoking it again ends nothing.
    expect((await call(`mutation($id: ID!) { revokeSession(id: $id) { id } }`, { id: phone.sessionId }, user)).errors).toBeUndefined();
    expect((await call(`mutation { signOut }`, {}, laptop)).errors).toBeUndefined();
    expect((await call(`mutation { signOutEverywhere }`, {}, tablet)).data?.signOutEverywhere).toBe(2);
    await settled();
    await expect.poll(() => channel.received.length).toBe(3);
    expect(channel.received.map((e) => [e.seq, e.type, e.organizationId, e.payload])).toEqual([
      [1, 'session.ended', null, { userId: user.userId, sessionIds: [phone.sessionId], reason: 'revoked' }],
      [2, 'session.ended', null, { userId: user.userId, sessionIds: [laptop.sessionId], reason: 'signed_out' }],
      [3, 'session.ended', null, { userId: user.userId, sessionIds: expect.arrayContaining([user.sessionId, tablet.sessionId]), reason: 'signed_out_everywhere' }],
    ]);
    expect((channel.received[2]!.payload as { sessionIds: string[] }).sessionIds).toHaveLength(2);
    expect((await logged(sessionsStream(user.userId))).map((e) => e.seq)).toEqual([1, 2, 3]);
    await channel.unsubscribe();
  });

  it("changePassword publishes the other sessions' end; one whose transaction fails after the sessions were revoked publishes nothing and ends nothing", async () => {
    const user = await person();
    const other = await anotherSession(user.email);
    const channel = await listen(sessionsStream(user.userId));
    const { db } = subgraph.server.services;
    // A real failure inside the transaction, after the sessions were revoked and the event
    // appended: the audit row of the password change is refused by the database.
    const fn = `fail_password_audit_${pubsubName.toLowerCase()}`;
    await db.execute(
      sql.raw(`create or replace function users.${fn}() returns trigger language plpgsql as $$
        begin
          if new.type = 'PASSWORD_CHANGED' then raise exception 'audit refused by the test'; end if;
          return new;
        end $$`),
    );
    await db.execute(sql.raw(`create trigger ${fn} before insert on users.audit_events for each row execute function users.${fn}()`));
    try {
      expect(codesOf(await call(CHANGE_PASSWORD, { i: { currentPassword: PASSWORD, newPassword: 'another long passphrase' } }, user))).toEqual(['INTERNAL_SERVER_ERROR']);
    } finally {
      await db.execute(sql.raw(`drop trigger ${fn} on users.audit_events`));
    }
    await settled();
    expect(channel.received).toEqual([]);
    expect(await logged(sessionsStream(user.userId))).toEqual([]);
    const [row] = await db.select({ revokedAt: sessions.revokedAt }).from(sessions).where(eq(sessions.id, other.sessionId));
    expect(row!.revokedAt).toBeNull();

    expect((await call(CHANGE_PASSWORD, { i: { currentPassword: PASSWORD, newPassword: 'another long passphrase' } }, user)).errors).toBeUndefined();
    await settled();
    await expect.poll(() => channel.received.length).toBe(1);
    expect(channel.received[0]).toMatchObject({ seq: 1, type: 'session.ended', organizationId: null, payload: { userId: user.userId, sessionIds: [other.sessionId], reason: 'password_changed' } });
    await channel.unsubscribe();
  });

  it("revokeApiKey publishes api_key.revoked in the key's organization, naming the key and the actor only; revoking it again publishes nothing", async () => {
    const owner = await person();
    const orgId = (await call(CREATE_ORG, { i: { name: 'Keyed', slug: `credential-events-${counter++}-${Date.now()}` } }, owner)).data!.createOrganization.id as string;
    const created = await call(CREATE_KEY, { i: { organizationId: orgId, name: 'deploys', role: 'MEMBER' } }, owner);
    expect(created.errors).toBeUndefined();
    const keyId = created.data!.createApiKey.apiKey.id as string;
    const channel = await listen(apiKeysStream(orgId));
    expect((await call(REVOKE_KEY, { id: keyId }, owner)).errors).toBeUndefined();
    expect((await call(REVOKE_KEY, { id: keyId }, owner)).errors).toBeUndefined();
    await settled();
    await expect.poll(() => channel.received.length).toBe(1);
    expect(channel.received.map((e) => [e.seq, e.type, e.organizationId, e.payload])).toEqual([[1, 'api_key.revoked', orgId, { apiKeyId: keyId, actorId: owner.userId }]]);
    expect((await logged(apiKeysStream(orgId))).map((e) => e.seq)).toEqual([1]);
    await channel.unsubscribe();
  });

  it('search follows neither stream', () => {
    expect(followsStream(userSearchSource.streams, sessionsStream('u'))).toBe(false);
    expect(followsStream(userSearchSource.streams, apiKeysStream('o'))).toBe(false);
  });
});
