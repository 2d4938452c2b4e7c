import { followsStream, publishesSettled, type EventMessage, type Viewer } from '@organoise/core';
import { codesOf, PUBSUB_IMPLEMENTATIONS, subgraphSocket, waitFor, watchSubscription, type SubscriptionResult as Result } from '@organoise/core/testing';
import { eq, sql } from 'drizzle-orm';
import type { Client } from 'graphql-ws';
import { afterAll, describe, expect, it } from 'vitest';
import { organizations } from '../src/db/schema.js';
import { organizationStream } from '../src/domains/organizations/events.js';
import { userSearchSource } from '../src/domains/search/source.js';
import { EVENT_CHANNEL_PREFIX, membersStream, SUBGRAPH_NAME } from '../src/index.js';
import { useUserSubgraphOn, viewerOf } from './support/subgraph.js';

// Changes of an organization itself (its name, its IP allow-list) are domain events, appended in
// the write's transaction and published after it (docs/protocols/response-cache-events.md): the
// gateway's response cache drops the organization's answers on them. On each PubSub and, through
// the vitest projects, each database.

const IP = '198.51.100.7';
const CREATE_ORG = `mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { id } }`;
const RENAME = `mutation($input: UpdateOrganizationInput!) { updateOrganization(input: $input) { id name } }`;
const SET_ALLOW_LIST = `mutation($i: SetOrganizationIpAllowListInput!) { setOrganizationIpAllowList(input: $i) { id ipAllowList } }`;
const INVITE = `mutation($input: InviteMemberInput!) { inviteMember(input: $input) { token } }`;
const ACCEPT = `mutation($t: String!) { acceptInvitation(token: $t) { role } }`;
const CHANGE_ROLE = `mutation($input: ChangeMemberRoleInput!) { changeMemberRole(input: $input) { role } }`;
const MEMBERSHIP_CHANGED = `subscription($organizationId: ID!, $after: String) { membershipChanged(organizationId: $organizationId, after: $after) { cursor type userId role organization { name } } }`;

describe.each(PUBSUB_IMPLEMENTATIONS)('organization events over %s', (pubsubName, createPubSub) => {
  const subgraph = useUserSubgraphOn(createPubSub, {}, { ip: IP });
  const { call } = subgraph;
  const clients: Client[] = [];
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
  });
  let counter = 0;

  async function ok(response: Promise<Result>) {
    const res = await response;
    expect(res.errors).toBeUndefined();
    return res.data!;
  }

  async function person(): Promise<Viewer & { email: string }> {
    const email = `org-events-${pubsubName}-${Date.now()}-${counter++}@example.com`;
    const data = await ok(call(`mutation($input: SignUpInput!) { signUp(input: $input) { accessToken } }`, { input: { email, password: 'correct horse battery', name: `Person ${counter}` } }));
    return { ...viewerOf(data.signUp.accessToken as string), email };
  }

  async function organization() {
    const owner = await person();
    const orgId = (await ok(call(CREATE_ORG, { input: { name: 'Acme', slug: `org-events-${counter++}-${Date.now()}` } }, owner))).createOrganization.id as string;
    const member = await person();
    const invite = await ok(call(INVITE, { input: { organizationId: orgId, email: member.email, role: 'MEMBER' } }, owner));
    await ok(call(ACCEPT, { t: invite.inviteMember.token }, member));
    return { orgId, owner, member };
  }

  /** What the organization's stream published, as a subscriber of its channel (the gateway's cache) receives it. */
  async function listen(orgId: string) {
    const received: EventMessage[] = [];
    const unsubscribe = await subgraph.pubsub.subscribe(`${EVENT_CHANNEL_PREFIX}:${organizationStream(orgId)}`, (m) => received.push(m));
    return { received, unsubscribe };
  }

  const logged = (orgId: string) => subgraph.server.services.bus.log.read(organizationStream(orgId), 0);

  it('emits organization.updated for a new name, in the organization, naming the field and the actor only; the same name again emits nothing', async () => {
    const { orgId, owner } = await organization();
    const channel = await listen(orgId);
    expect((await ok(call(RENAME, { input: { id: orgId, name: 'Acme Europe' } }, owner))).updateOrganization.name).toBe('Acme Europe');
    await waitFor(() => channel.received.length === 1, 'the rename published');
    expect(channel.received[0]).toMatchObject({
      stream: organizationStream(orgId),
      seq: 1,
      type: 'organization.updated',
      organizationId: orgId,
      payload: { fields: ['name'], actorId: owner.userId },
    });
    // Ids and field names only: not the name, which every cache reads from the organization.
    expect(JSON.stringify(channel.received[0]!.payload)).not.toContain('Acme');

    await ok(call(RENAME, { input: { id: orgId, name: 'Acme Europe' } }, owner));
    await publishesSettled(subgraph.server.services.bus);
    expect((await logged(orgId)).map((e) => `${e.seq}:${e.type}`)).toEqual(['1:organization.updated']);
    expect(channel.received).toHaveLength(1);
    await channel.unsubscribe();
  });

  it('emits nothing for a refused rename, nor for a rename or allow-list change whose transaction fails after the update: the next event follows without a gap', async () => {
    const { orgId, owner, member } = await organization();
    const channel = await listen(orgId);
    expect(codesOf(await call(RENAME, { input: { id: orgId, name: 'Taken over' } }, member))).toEqual(['FORBIDDEN']);
    expect(codesOf(await call(RENAME, { input: { id: orgId, name: '  ' } }, owner))).toEqual(['BAD_USER_INPUT']);

    // A real failure inside the transaction, after the row was written and the event appended:
    // the audit row of this rename (or of this allow-list) is refused by the database.
    const { db } = subgraph.server.services;
    const fn = `fail_org_audit_${pubsubName.toLowerCase()}`;
    await db.execute(
      sql.raw(`create or replace function users.${fn}() returns trigger language plpgsql as $$
        begin
          if (new.type = 'ORGANIZATION_UPDATED' and new.details->>'name' = 'Doomed')
            or (new.type = 'ORGANIZATION_ALLOW_LIST_CHANGED' and new.details->>'cidrs' = '198.51.100.0/25') then
            raise exception 'audit refused by the test';
          end if;
          return new;
        end $$`),
    );
    await db.execute(sql.raw(`create trigger ${fn} before insert on users.audit_events for each row execute function users.${fn}()`));
    try {
      expect(codesOf(await call(RENAME, { input: { id: orgId, name: 'Doomed' } }, owner))).toEqual(['INTERNAL_SERVER_ERROR']);
      expect(codesOf(await call(SET_ALLOW_LIST, { i: { organizationId: orgId, cidrs: ['198.51.100.0/25'] } }, owner))).toEqual(['INTERNAL_SERVER_ERROR']);
    } finally {
      await db.execute(sql.raw(`drop trigger ${fn} on users.audit_events`));
    }
    const [row] = await db.select({ name: organizations.name, list: organizations.ipAllowList }).from(organizations).where(eq(organizations.id, orgId));
    expect(row).toEqual({ name: 'Acme', list: [] });

    await ok(call(RENAME, { input: { id: orgId, name: 'Acme Two' } }, owner));
    await waitFor(() => channel.received.length === 1, 'the accepted rename published');
    await publishesSettled(subgraph.server.services.bus);
    expect(channel.received.map((e) => e.seq)).toEqual([1]);
    expect((await logged(orgId)).map((e) => `${e.seq}:${e.type}`)).toEqual(['1:organization.updated']);
    await channel.unsubscribe();
  });

  it('emits organization.updated for a changed IP allow-list, without the ranges; the same list again emits nothing', async () => {
    const { orgId, owner } = await organization();
    const channel = await listen(orgId);
    await ok(call(SET_ALLOW_LIST, { i: { organizationId: orgId, cidrs: ['198.51.100.0/24'] } }, owner));
    await ok(call(SET_ALLOW_LIST, { i: { organizationId: orgId, cidrs: ['198.51.100.0/24'] } }, owner));
    await ok(call(SET_ALLOW_LIST, { i: { organizationId: orgId, cidrs: [] } }, owner));
    await waitFor(() => channel.received.length === 2, 'two changes published');
    await publishesSettled(subgraph.server.services.bus);
    expect(channel.received.map((e) => [e.seq, e.type, e.organizationId, e.payload])).toEqual([
      [1, 'organization.updated', orgId, { fields: ['ipAllowList'], actorId: owner.userId }],
      [2, 'organization.updated', orgId, { fields: ['ipAllowList'], actorId: owner.userId }],
    ]);
    expect(JSON.stringify(channel.received)).not.toContain('198.51.100');
    expect(codesOf(await call(SET_ALLOW_LIST, { i: { organizationId: orgId, cidrs: ['10.0.0.0/8'] } }, owner))).toEqual(['ALLOW_LIST_LOCKOUT']);
    expect((await logged(orgId)).map((e) => e.seq)).toEqual([1, 2]);
    await channel.unsubscribe();
  });

  it("stays off the members stream: membershipChanged delivers only membership events, and search does not follow the organization's stream", async () => {
    const { orgId, owner, member } = await organization();
    const client = subgraphSocket(subgraph.server.url, SUBGRAPH_NAME, owner);
    clients.push(client);
    const w = watchSubscription(client, MEMBERSHIP_CHANGED, { organizationId: orgId, after: '0' });
    await waitFor(() => w.events().length === 2, 'the creation and the accepted invitation');
    await ok(call(RENAME, { input: { id: orgId, name: 'Acme Renamed' } }, owner));
    await ok(call(CHANGE_ROLE, { input: { organizationId: orgId, userId: member.userId, role: 'VIEWER' } }, owner));
    await waitFor(() => w.events().length === 3, 'the role change');
    expect(w.events().map((e) => `${e.cursor}:${e.type}`)).toEqual(['1:membership.added', '2:membership.added', '3:membership.role_changed']);
    expect(w.events()[2]!.organization.name).toBe('Acme Renamed');
    expect(w.results.flatMap((r) => r.errors ?? [])).toEqual([]);
    expect((await subgraph.server.services.bus.log.read(membersStream(orgId), 0)).map((e) => e.type)).not.toContain('organization.updated');
    expect(followsStream(userSearchSource.streams, organizationStream(orgId))).toBe(false);
    expect(userSearchSource.scopeOf(organizationStream(orgId))).toBeNull();
    w.stop();
  });
});
