import type { Viewer } from '@organoise/core';
import { TEST_INTERNAL_SECRET, type GraphQLResponse } from '@organoise/core/testing';
import { searchSourceCaller, searchSourceContract } from '@organoise/core/testing/search-source';
import { describe, expect, it } from 'vitest';
import { SUBGRAPH_NAME } from '../src/index.js';
import { useUserSubgraph, viewerOf } from './support/subgraph.js';

// The user subgraph as a search source (domains/search/source.ts): one User document per
// membership, over real HTTP, on each database (vitest projects pglite and postgres).

const CREATE_ORG = `mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { id } }`;
const INVITE = `mutation($input: InviteMemberInput!) { inviteMember(input: $input) { token } }`;
const ACCEPT = `mutation($t: String!) { acceptInvitation(token: $t) { role } }`;
const CHANGE_ROLE = `mutation($input: ChangeMemberRoleInput!) { changeMemberRole(input: $input) { role } }`;
const REMOVE = `mutation($input: RemoveMemberInput!) { removeMember(input: $input) { removedUserId } }`;

const subgraph = useUserSubgraph({ sessionTtlSeconds: 3600 });
const { call } = subgraph;
const { changes } = searchSourceCaller(() => subgraph.server.url, SUBGRAPH_NAME, TEST_INTERNAL_SECRET);
let counter = 0;

async function ok(response: Promise<GraphQLResponse>) {
  const res = await response;
  expect(res.errors).toBeUndefined();
  return res.data!;
}

type Person = Viewer & { email: string; name: string };

async function person(): Promise<Person> {
  const email = `search-${Date.now()}-${counter++}@example.com`;
  const name = `Searchable Person ${counter}`;
  const data = await ok(call(`mutation($input: SignUpInput!) { signUp(input: $input) { accessToken } }`, { input: { email, password: 'correct horse battery', name } }));
  return { ...viewerOf(data.signUp.accessToken as string), email, name };
}

async function join(owner: Viewer, organizationId: string, invitee: Person, role: string) {
  const invite = await ok(call(INVITE, { input: { organizationId, email: invitee.email, role } }, owner));
  await ok(call(ACCEPT, { t: invite.inviteMember.token }, invitee));
}

/** An organization with its owner and a member (added, then made an admin: three events). */
async function organization() {
  const owner = await person();
  const member = await person();
  const organizationId = (await ok(call(CREATE_ORG, { input: { name: 'Acme', slug: `search-${counter++}-${Date.now()}` } }, owner))).createOrganization.id as string;
  await join(owner, organizationId, member, 'MEMBER');
  await ok(call(CHANGE_ROLE, { input: { organizationId, userId: member.userId, role: 'ADMIN' } }, owner));
  return { organizationId, owner, member };
}

// Before the contract suite, whose last case trims the log.
describe('the user search source', () => {
  const stream = (organizationId: string) => `user.org:${organizationId}:members`;

  it("indexes a member by name, readable by any member, and never their email (only owners and admins see it)", async () => {
    const { organizationId, member } = await organization();
    const answer = await changes({});
    const doc = answer.upserts.find((d) => d.organizationId === organizationId && d.id === member.userId);
    expect(doc).toMatchObject({ type: 'User', title: member.name, body: '', minRole: 'VIEWER', keywords: {} });
    expect(JSON.stringify(answer)).not.toContain(member.email);
  });

  it('gives a person one document in each organization they belong to, and a removal deletes only that one', async () => {
    const first = await organization();
    const second = await organization();
    await join(second.owner, second.organizationId, first.member, 'VIEWER');
    const before = (await changes({})).cursors;
    expect((await changes({})).upserts.filter((d) => d.id === first.member.userId).map((d) => d.organizationId).sort()).toEqual(
      [first.organizationId, second.organizationId].sort(),
    );
    await ok(call(REMOVE, { input: { organizationId: second.organizationId, userId: first.member.userId } }, second.owner));
    const after = await changes(before);
    expect(after.deletes).toEqual([{ type: 'User', id: first.member.userId, organizationId: second.organizationId }]);
    expect(after.upserts).toEqual([]);
    expect(Object.keys(after.cursors)).toContain(stream(second.organizationId));
  });
});

searchSourceContract('user', {
  name: SUBGRAPH_NAME,
  secret: TEST_INTERNAL_SECRET,
  url: () => subgraph.server.url,
  seed: async () => {
    const { organizationId, owner, member } = await organization();
    return {
      organizationId,
      viewer: owner,
      refs: [
        { type: 'User', id: member.userId, organizationId },
        { type: 'User', id: owner.userId, organizationId },
      ],
    };
  },
  remove: async (seeded, ref) => {
    await ok(call(REMOVE, { input: { organizationId: seeded.organizationId, userId: ref.id } }, seeded.viewer));
  },
  trimLog: () => subgraph.server.services.bus.log.trim(new Date(Date.now() + 60_000)),
});
