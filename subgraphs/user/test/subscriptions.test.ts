import { randomUUID } from 'node:crypto';
import { RedisEventPubSub, toMessage, type Viewer } from '@organoise/core';
import { testLog, waitFor, watchSubscription, type SubscriptionResult as Result, type SubscriptionWatch as Watch, PUBSUB_IMPLEMENTATIONS, subgraphSocket } from '@organoise/core/testing';
import { and, eq, lte } from 'drizzle-orm';
import type { Client } from 'graphql-ws';
import { afterAll, describe, expect, it } from 'vitest';
import { createLoaders } from '../src/context.js';
import { events } from '../src/db/schema.js';
import { liveResolvers } from '../src/domains/live/resolvers.js';
import { EVENT_CHANNEL_PREFIX, membersStream, SUBGRAPH_NAME } from '../src/index.js';
import { useUserSubgraphOn, viewerOf } from './support/subgraph.js';

// membershipChanged over a real graphql-ws connection, as the gateway opens it, on each PubSub
// (memory, Redis on 127.0.0.1:6379) and, through the vitest projects, each database. Viewers carry
// no memberships in their token: the user subgraph reads roles from its own tables.

const MEMBERSHIP_CHANGED = /* GraphQL */ `
  subscription ($organizationId: ID!, $after: String) {
    membershipChanged(organizationId: $organizationId, after: $after) {
      cursor type at userId role
      organization { id name }
      member { role user { id } }
    }
  }
`;
const CREATE_ORG = `mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { id } }`;
const INVITE = `mutation($input: InviteMemberInput!) { inviteMember(input: $input) { token } }`;
const ACCEPT = `mutation($t: String!) { acceptInvitation(token: $t) { role } }`;
const CHANGE_ROLE = `mutation($input: ChangeMemberRoleInput!) { changeMemberRole(input: $input) { role } }`;
const REMOVE = `mutation($input: RemoveMemberInput!) { removeMember(input: $input) { removedUserId } }`;

const watch = (client: Client, variables: Record<string, unknown>, query = MEMBERSHIP_CHANGED): Watch => watchSubscription(client, query, variables);
const settle = (ms = 150) => new Promise((resolve) => setTimeout(resolve, ms));
const channel = (stream: string) => `${EVENT_CHANNEL_PREFIX}:${stream}`;
const codes = (w: Watch) => w.results.flatMap((r) => (r.errors ?? []).map((e) => e.extensions?.code));
const summary = (list: Record<string, any>[]) => list.map((e) => `${e.cursor}:${e.type}:${e.role}`);

type Person = Viewer & { email: string };

const implementations = PUBSUB_IMPLEMENTATIONS;

describe.each(implementations)('membership subscriptions over %s', (pubsubName, createPubSub) => {
  // Hooks run in reverse order after the tests: the clients go, then the subgraph, then the pubsub.
  const subgraph = useUserSubgraphOn(createPubSub);
  const { call } = subgraph;
  const clients: Client[] = [];
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
  });
  let counter = 0;

  function connect(viewer: Viewer | null): Client {
    const client = subgraphSocket(subgraph.server.url, SUBGRAPH_NAME, viewer);
    clients.push(client);
    return client;
  }

  async function ok(response: Promise<Result>) {
    const res = await response;
    expect(res.errors).toBeUndefined();
    return res.data!;
  }

  async function person(): Promise<Person> {
    const email = `live-${pubsubName}-${Date.now()}-${counter++}@example.com`;
    const data = await ok(call(`mutation($input: SignUpInput!) { signUp(input: $input) { accessToken } }`, { input: { email, password: 'correct horse battery', name: `Person ${counter}` } }));
    return { ...viewerOf(data.signUp.accessToken as string), email };
  }

  async function join(owner: Viewer, orgId: string, invitee: Person, role: string) {
    const invite = await ok(call(INVITE, { input: { organizationId: orgId, email: invitee.email, role } }, owner));
    await ok(call(ACCEPT, { t: invite.inviteMember.token }, invitee));
  }

  /** An organization (its stream starts with the owner's membership.added at 1) and a member. */
  async function organization() {
    const owner = await person();
    const member = await person();
    const orgId = (await ok(call(CREATE_ORG, { input: { name: 'Acme', slug: `live-${counter++}-${Date.now()}` } }, owner))).createOrganization.id as string;
    await join(owner, orgId, member, 'MEMBER');
    return { orgId, owner, member };
  }

  it('delivers an event for each kind of change, in order, with the member as they are now', async () => {
    const { orgId, owner, member } = await organization();
    const w = watch(connect(owner), { organizationId: orgId, after: '0' });
    await waitFor(() => w.events().length === 2, 'the creation and the accepted invitation');
    await ok(call(CHANGE_ROLE, { input: { organizationId: orgId, userId: member.userId, role: 'ADMIN' } }, owner));
    await waitFor(() => w.events().length === 3, 'the role change');
    await ok(call(REMOVE, { input: { organizationId: orgId, userId: member.userId } }, owner));
    await waitFor(() => w.events().length === 4, 'the removal');

    expect(summary(w.events())).toEqual(['1:membership.added:OWNER', '2:membership.added:MEMBER', '3:membership.role_changed:ADMIN', '4:membership.removed:null']);
    expect(w.events().map((e) => e.userId)).toEqual([owner.userId, member.userId, member.userId, member.userId]);
    expect(w.events().every((e) => e.organization.id === orgId && e.organization.name === 'Acme')).toBe(true);
    expect(w.events()[0]!.member).toEqual({ role: 'OWNER', user: { id: owner.userId } });
    // The member is read when the event is delivered: by then, the removal may have happened.
    expect(w.events()[3]!.member).toBeNull();
    expect(Number.isNaN(Date.parse(w.events()[0]!.at))).toBe(false);

    const logged = await subgraph.server.services.bus.log.read(membersStream(orgId), 0);
    expect(logged.map((e) => e.organizationId)).toEqual(Array(4).fill(orgId));
    expect(logged[2]!.payload).toEqual({ userId: member.userId, role: 'ADMIN', previousRole: 'MEMBER', actorId: owner.userId });
    expect(JSON.stringify(logged)).not.toContain(member.email);
    expect(w.ended).toEqual({});
    w.stop();
  });

  it('delivers without a cursor only the changes committed after the subscription started', async () => {
    const { orgId, owner, member } = await organization();
    const w = watch(connect(member), { organizationId: orgId });
    await waitFor(() => subgraph.pubsub.activeChannels().includes(channel(membersStream(orgId))), 'the subscription to listen');
    await settle();
    await ok(call(CHANGE_ROLE, { input: { organizationId: orgId, userId: member.userId, role: 'VIEWER' } }, owner));
    await waitFor(() => w.events().length === 1, 'the role change');
    expect(summary(w.events())).toEqual(['3:membership.role_changed:VIEWER']);
    w.stop();
  });

  it('resumes after a cursor with every missed change once, in order, then the live ones', async () => {
    const { orgId, owner, member } = await organization();
    const client = connect(owner);
    const first = watch(client, { organizationId: orgId, after: '0' });
    await waitFor(() => first.events().length === 2, 'the first events');
    first.stop();
    await ok(call(CHANGE_ROLE, { input: { organizationId: orgId, userId: member.userId, role: 'ADMIN' } }, owner));
    const third = await person();
    await join(owner, orgId, third, 'VIEWER');

    const resumed = watch(client, { organizationId: orgId, after: first.events()[1]!.cursor });
    await waitFor(() => resumed.events().length === 2, 'the missed events');
    await ok(call(REMOVE, { input: { organizationId: orgId, userId: third.userId } }, owner));
    await waitFor(() => resumed.events().length === 3, 'the live event');
    await settle();
    expect(summary(resumed.events())).toEqual(['3:membership.role_changed:ADMIN', '4:membership.added:VIEWER', '5:membership.removed:null']);
    resumed.stop();
  });

  it('refuses a cursor older than the event log keeps with EVENT_LOG_TRUNCATED', async () => {
    const { orgId, owner } = await organization();
    await subgraph.server.services.db.delete(events).where(and(eq(events.stream, membersStream(orgId)), lte(events.seq, 1)));
    const w = watch(connect(owner), { organizationId: orgId, after: '0' });
    await waitFor(() => w.ended.error !== undefined, 'the refusal');
    expect((w.ended.error as Result['errors'])!.map((e) => e.extensions?.code)).toEqual(['EVENT_LOG_TRUNCATED']);
    expect(w.events()).toEqual([]);
  });

  it('refuses bad arguments with BAD_USER_INPUT, strangers (whatever their token claims) with NOT_FOUND and anonymous callers with UNAUTHENTICATED, following nothing', async () => {
    const { orgId } = await organization();
    const stranger = await person();
    const claimsOwner: Viewer = { userId: stranger.userId, sessionId: stranger.sessionId, memberships: { [orgId]: 'OWNER' } };
    const attempts: [Viewer | null, Record<string, unknown>, string][] = [
      [stranger, { organizationId: orgId, after: 'abc' }, 'BAD_USER_INPUT'],
      [stranger, { organizationId: orgId, after: '-1' }, 'BAD_USER_INPUT'],
      [stranger, { organizationId: 'org-1' }, 'BAD_USER_INPUT'],
      [stranger, { organizationId: orgId }, 'NOT_FOUND'],
      [claimsOwner, { organizationId: orgId, after: '0' }, 'NOT_FOUND'],
      [stranger, { organizationId: randomUUID() }, 'NOT_FOUND'],
      [null, { organizationId: orgId }, 'UNAUTHENTICATED'],
    ];
    for (const [viewer, variables, code] of attempts) {
      const w = watch(connect(viewer), variables);
      await waitFor(() => w.ended.complete === true || w.ended.error !== undefined, `the refusal of ${JSON.stringify(variables)}`);
      expect(codes(w)).toEqual([code]);
      expect(w.events()).toEqual([]);
    }
    expect(subgraph.pubsub.activeChannels()).not.toContain(channel(membersStream(orgId)));
  });

  it('emits nothing for a refused change: the next event follows the last one without a gap', async () => {
    const { orgId, owner, member } = await organization();
    const w = watch(connect(owner), { organizationId: orgId, after: '2' });
    const stranger = await person();
    const invite = await ok(call(INVITE, { input: { organizationId: orgId, email: (await person()).email, role: 'MEMBER' } }, owner));
    const refusals: [Promise<Result>, string][] = [
      [call(CHANGE_ROLE, { input: { organizationId: orgId, userId: owner.userId, role: 'VIEWER' } }, member), 'FORBIDDEN'],
      [call(CHANGE_ROLE, { input: { organizationId: orgId, userId: owner.userId, role: 'ADMIN' } }, owner), 'LAST_OWNER'],
      [call(CHANGE_ROLE, { input: { organizationId: orgId, userId: member.userId, role: 'GOD' } }, owner), 'BAD_USER_INPUT'],
      [call(CHANGE_ROLE, { input: { organizationId: orgId, userId: member.userId, role: 'ADMIN' } }, stranger), 'NOT_FOUND'],
      [call(REMOVE, { input: { organizationId: orgId, userId: owner.userId } }, owner), 'LAST_OWNER'],
      [call(REMOVE, { input: { organizationId: orgId, userId: stranger.userId } }, owner), 'NOT_FOUND'],
      [call(REMOVE, { input: { organizationId: orgId, userId: member.userId } }, stranger), 'NOT_FOUND'],
      // Someone else's invitation: the email does not match.
      [call(ACCEPT, { t: invite.inviteMember.token }, stranger), 'INVITATION_INVALID'],
    ];
    for (const [response, code] of refusals) expect(((await response).errors ?? []).map((e) => e.extensions?.code)).toEqual([code]);
    await ok(call(CHANGE_ROLE, { input: { organizationId: orgId, userId: member.userId, role: 'ADMIN' } }, owner));
    await waitFor(() => w.events().length === 1, 'the accepted change');
    await settle();
    expect(summary(w.events())).toEqual(['3:membership.role_changed:ADMIN']);
    expect((await subgraph.server.services.bus.log.read(membersStream(orgId), 0)).map((e) => e.type)).toEqual(['membership.added', 'membership.added', 'membership.role_changed']);
    w.stop();
  });

  it('ends the subscription of a removed member after their own removal, while the others go on', async () => {
    const { orgId, owner, member } = await organization();
    const leaver = await person();
    await join(owner, orgId, leaver, 'VIEWER');
    // From cursor 3 (the leaver joined), so that no change slips in before the start.
    const removed = watch(connect(member), { organizationId: orgId, after: '3' });
    const left = watch(connect(leaver), { organizationId: orgId, after: '3' }, `subscription ($organizationId: ID!, $after: String) {
      membershipChanged(organizationId: $organizationId, after: $after) { cursor type userId role member { role } organization { id name viewerRole } }
    }`);
    const stays = watch(connect(owner), { organizationId: orgId, after: '3' });
    // An event all three receive proves they all follow the stream before the removals.
    await ok(call(CHANGE_ROLE, { input: { organizationId: orgId, userId: leaver.userId, role: 'MEMBER' } }, owner)); // 4
    await waitFor(() => [removed, left, stays].every((w) => w.events().length === 1), 'the three subscriptions to follow');

    await ok(call(REMOVE, { input: { organizationId: orgId, userId: member.userId } }, owner)); // 5
    await ok(call(REMOVE, { input: { organizationId: orgId, userId: leaver.userId } }, leaver)); // 6: leaves by themself
    await waitFor(() => removed.ended.complete === true && left.ended.complete === true, 'both subscriptions to complete');
    expect(summary(removed.events())).toEqual(['4:membership.role_changed:MEMBER', '5:membership.removed:null']);
    expect(removed.events()[1]).toMatchObject({ userId: member.userId, member: null, organization: { id: orgId } });
    // Their last event shows the organization as they left it, with the role they held.
    expect(left.events()[2]).toEqual({
      cursor: '6',
      type: 'membership.removed',
      userId: leaver.userId,
      role: null,
      member: null,
      organization: { id: orgId, name: 'Acme', viewerRole: 'MEMBER' },
    });
    expect(summary(left.events())).toEqual(['4:membership.role_changed:MEMBER', '5:membership.removed:null', '6:membership.removed:null']);

    const third = await person();
    await join(owner, orgId, third, 'MEMBER'); // 7
    await waitFor(() => stays.events().length === 4, 'the later event for the owner');
    expect(summary(stays.events())).toEqual(['4:membership.role_changed:MEMBER', '5:membership.removed:null', '6:membership.removed:null', '7:membership.added:MEMBER']);
    expect(removed.events()).toHaveLength(2);
    expect(left.events()).toHaveLength(3);
    expect([...codes(removed), ...codes(left)]).toEqual([]);
    stays.stop();
  });

  it('resolves an event that reaches a member after they left (their removal committed meanwhile) with the organization as they knew it', async () => {
    // The race of the test above made certain: event 5 is resolved for the leaver after their
    // own removal (6) committed. It happened while they were a member, so it is theirs in full.
    const { orgId, owner, member } = await organization();
    const leaver = await person();
    await join(owner, orgId, leaver, 'ADMIN'); // 3
    await ok(call(REMOVE, { input: { organizationId: orgId, userId: member.userId } }, owner)); // 4
    await ok(call(REMOVE, { input: { organizationId: orgId, userId: leaver.userId } }, leaver)); // 5
    const resolve = async (viewer: Viewer, seq: number) => {
      const [event] = (await subgraph.server.services.bus.log.read(membersStream(orgId), seq - 1, 1)).map(toMessage);
      const base = { viewer, clientIp: null, requestId: randomUUID(), log: testLog };
      const ctx = { ...base, ...subgraph.server.services, loaders: createLoaders(subgraph.server.services.db, base) };
      return liveResolvers.MembershipEvent.organization(event!, {}, ctx);
    };
    expect(await resolve(leaver, 4)).toMatchObject({ id: orgId, name: 'Acme', viewerRole: 'ADMIN' });
    expect(await resolve(leaver, 5)).toMatchObject({ id: orgId, viewerRole: 'ADMIN' });
    // Someone who was never a member, or an event after their removal, still finds nothing.
    const stranger = await person();
    await expect(resolve(stranger, 4)).rejects.toMatchObject({ extensions: { code: 'NOT_FOUND' } });
    await join(owner, orgId, stranger, 'MEMBER'); // 6
    await expect(resolve(leaver, 6)).rejects.toMatchObject({ extensions: { code: 'NOT_FOUND' } });
  });

  it('leaves no channel behind after 200 subscribe and unsubscribe cycles', async () => {
    const orgs = await Promise.all([0, 1].map(() => organization()));
    const client = connect(orgs[0]!.owner);
    const other = connect(orgs[1]!.member);
    const ours = orgs.map((o) => channel(membersStream(o.orgId)));
    for (let i = 0; i < 200; i++) {
      const { orgId } = orgs[i % 2]!;
      const w = watch(i % 2 === 0 ? client : other, { organizationId: orgId, ...(i % 3 === 0 ? { after: '0' } : {}) });
      await waitFor(() => subgraph.pubsub.activeChannels().includes(channel(membersStream(orgId))), `cycle ${i} to listen`);
      w.stop();
    }
    await waitFor(() => subgraph.pubsub.activeChannels().every((c) => !ours.includes(c)), 'every channel to be released');
    if (pubsubName === 'Redis') {
      await waitFor(async () => (await (subgraph.pubsub as RedisEventPubSub).redisChannels()).every((c) => !ours.includes(c)), 'Redis to drop every channel');
    }
  });
});
