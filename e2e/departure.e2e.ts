import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from './harness.js';

// One member's departure must not blank an organization for everyone else: references to people
// who left resolve to null where they stand, never up to the root.
let platform: TestPlatform;

beforeAll(async () => {
  platform = await startTestPlatform();
}, 120_000);

afterAll(async () => {
  await platform?.stop();
});

async function signUp(name: string) {
  const email = `${name}-${randomUUID()}@example.com`;
  const res = await platform.gql(`mutation($i: SignUpInput!) { signUp(input: $i) { accessToken user { id } } }`, { i: { email, password: `${name} password 123`, name } });
  expect(res.errors).toBeUndefined();
  return { id: res.data!.signUp.user.id as string, token: res.data!.signUp.accessToken as string, email };
}

describe('a member who leaves', () => {
  it("leaves the organization's files readable, showing the uploader they were as null", async () => {
    const owner = await signUp('owner');
    const leaver = await signUp('leaver');
    const orgId = (await platform.gql(`mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id } }`, { i: { name: 'Dep', slug: `dep-${Date.now()}` } }, owner.token)).data!.createOrganization.id;
    const invite = await platform.gql(`mutation($i: InviteMemberInput!) { inviteMember(input: $i) { token } }`, { i: { organizationId: orgId, email: leaver.email, role: 'MEMBER' } }, owner.token);
    expect((await platform.gql(`mutation($t: String!) { acceptInvitation(token: $t) { id } }`, { t: invite.data!.inviteMember.token }, leaver.token)).errors).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 1100)); // the membership reaches the principal cache
    const upload = await platform.gql(`mutation($i: UploadFileInput!) { uploadFile(input: $i) { id } }`, { i: { organizationId: orgId, name: 'left.txt', contentType: 'text/plain', contentBase64: Buffer.from('x').toString('base64') } }, leaver.token);
    expect(upload.errors).toBeUndefined();
    expect((await platform.gql(`mutation($i: RemoveMemberInput!) { removeMember(input: $i) { removedUserId } }`, { i: { organizationId: orgId, userId: leaver.id } }, owner.token)).errors).toBeUndefined();

    const res = await platform.gql(`{ organizations { nodes { id files { nodes { name owner { name } versions { createdBy { name } } } } members { nodes { role user { name } } } } } }`, {}, owner.token);
    expect(res.errors).toBeUndefined();
    const org = res.data!.organizations.nodes.find((o: { id: string }) => o.id === orgId);
    expect(org.files.nodes).toEqual([{ name: 'left.txt', owner: null, versions: [{ createdBy: null }] }]);
    expect(org.members.nodes).toEqual([{ role: 'OWNER', user: { name: 'owner' } }]);
  });
});
