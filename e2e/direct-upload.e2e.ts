import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ApolloClient, HttpLink, InMemoryCache } from '@apollo/client';
import { waitFor } from '@organoise/core/testing';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestPlatform, type TestPlatform } from './harness.js';

// A file uploaded directly (docs/protocols/uploads.md): asked for through the gateway, its bytes
// PUT to the signed URL, completed through the gateway, then listed and downloaded byte for byte
// through its signed URL; another tenant can neither complete the upload nor get a download URL.
//
// The signed URLs of the local disk are relative to the API's origin, where the gateway forwards
// /files/* to the file subgraph (gateway/src/uploads.ts): bytes go through the real gateway.
let platform: TestPlatform;
let apiOrigin: string;

beforeAll(async () => {
  platform = await startTestPlatform();
  apiOrigin = new URL(platform.gateway.url).origin;
}, 400_000);

afterAll(async () => {
  await platform?.stop();
});

const codes = (res: { errors?: readonly { extensions?: Record<string, unknown> }[] }) => (res.errors ?? []).map((e) => e.extensions?.code);
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
type SignedRequest = { url: string; method: string; headers: Array<{ name: string; value: string }> };
const send = (request: SignedRequest, body?: Uint8Array) =>
  fetch(request.url.startsWith('/') ? apiOrigin + request.url : request.url, {
    method: request.method,
    headers: Object.fromEntries(request.headers.map((h) => [h.name, h.value])),
    // A copy typed as backed by an ArrayBuffer, which is what fetch's BodyInit accepts.
    ...(body ? { body: new Uint8Array(body) } : {}),
  });

async function signUpWithOrganization(name: string) {
  const signUp = await platform.gql(`mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }`, { i: { email: `${name}-${randomUUID()}@example.com`, password: `${name} password 123`, name } });
  expect(signUp.errors).toBeUndefined();
  const token = signUp.data!.signUp.accessToken as string;
  const org = await platform.gql(`mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id } }`, { i: { name, slug: `${name.toLowerCase()}-${randomUUID().slice(0, 8)}` } }, token);
  expect(org.errors).toBeUndefined();
  return { token, orgId: org.data!.createOrganization.id as string };
}

const SEARCH = `query($org: ID!, $q: String!) { search(organizationId: $org, query: $q, types: [FILE]) { totalCount edges { node { __typename ... on File { id name } } highlights { field text matches { start length } } } } }`;
const CREATE = `mutation($i: CreateUploadInput!) { createUpload(input: $i) { id target { url method headers { name value } } } }`;
const COMPLETE = `mutation($i: CompleteUploadInput!) { completeUpload(input: $i) { id name size sha256 } }`;

describe('direct upload through the gateway', () => {
  it('stores a file uploaded directly, lists it, and downloads the same bytes on its signed URL; another tenant can neither complete nor download it', async () => {
    const alice = await signUpWithOrganization('Alice');
    const bob = await signUpWithOrganization('Bob');
    const content = randomBytes(3 * 1024 * 1024 + 17);

    const created = await platform.gql(CREATE, { i: { organizationId: alice.orgId, name: 'survey.bin', size: content.length, contentType: 'application/octet-stream', sha256: sha256(content), idempotencyKey: randomUUID() } }, alice.token);
    expect(created.errors).toBeUndefined();
    const upload = created.data!.createUpload as { id: string; target: SignedRequest };
    expect((await send(upload.target, content)).status).toBe(200);

    // Bob, of another organization, cannot complete it (NOT_FOUND), and nothing is created.
    expect(codes(await platform.gql(COMPLETE, { i: { uploadId: upload.id } }, bob.token))).toEqual(['NOT_FOUND']);
    expect(codes(await platform.gql(`mutation($id: ID!) { abortUpload(id: $id) { abortedUploadId } }`, { id: upload.id }, bob.token))).toEqual(['NOT_FOUND']);

    const done = await platform.gql(COMPLETE, { i: { uploadId: upload.id, idempotencyKey: randomUUID() } }, alice.token);
    expect(done.errors).toBeUndefined();
    const file = done.data!.completeUpload as { id: string; size: number; sha256: string };
    expect(file).toMatchObject({ name: 'survey.bin', size: content.length, sha256: sha256(content) });

    const listed = await platform.gql(`query($id: ID!) { organization(id: $id) { files { totalCount nodes { id name downloadUrl } } } }`, { id: alice.orgId }, alice.token);
    expect(listed.errors).toBeUndefined();
    const nodes = listed.data!.organization.files.nodes as Array<{ id: string; name: string; downloadUrl: string }>;
    expect(nodes.map((n) => n.id)).toEqual([file.id]);
    const download = await fetch(nodes[0]!.downloadUrl.startsWith('/') ? apiOrigin + nodes[0]!.downloadUrl : nodes[0]!.downloadUrl);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(content)).toBe(true);

    // Bob cannot reach the file, so he gets no download URL for it.
    const bobs = await platform.gql(`query($id: ID!) { file(id: $id) { downloadUrl } }`, { id: file.id }, bob.token);
    expect(codes(bobs)).toEqual(['NOT_FOUND']);
    expect(JSON.stringify(bobs.data ?? null)).not.toContain('/files/download/');
  });
});

const FILE_PROCESSED = `subscription($fileId: ID!, $after: String) {
  fileProcessed(fileId: $fileId, after: $after) { type file { id processing { state detectedContentType textPreview } } }
}`;

/** A graphql-ws client through the gateway, as the web and mobile apps use it, following one subscription. */
function subscribe(query: string, variables: Record<string, unknown>, token: string) {
  const client = createClient({ url: platform.gateway.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { authorization: `Bearer ${token}` } });
  const events: any[] = [];
  const errors: unknown[] = [];
  const stop = client.subscribe({ query, variables }, { next: (value) => void events.push(value), error: (error) => void errors.push(error), complete: () => {} });
  return { events, errors, close: async () => (stop(), await client.dispose()) };
}

describe('processing after a direct upload, through the gateway', () => {
  it('processes a file uploaded directly (type sniffed, text extracted), delivers its fileProcessed event to a graphql-ws subscriber and finds it by a word of its content; another tenant follows and finds nothing', { timeout: 300_000 }, async () => {
    const alice = await signUpWithOrganization('Carol');
    const bob = await signUpWithOrganization('Dave');
    // A PDF declared as anything: the bytes say what it is.
    const content = new Uint8Array(readFileSync(new URL('../subgraphs/file/test/fixtures/processing/report.pdf', import.meta.url)));
    const created = await platform.gql(CREATE, { i: { organizationId: alice.orgId, name: 'report.pdf', size: content.length, contentType: 'application/octet-stream', sha256: sha256(content) } }, alice.token);
    expect(created.errors).toBeUndefined();
    const upload = created.data!.createUpload as { id: string; target: SignedRequest };
    expect((await send(upload.target, content)).status).toBe(200);
    const done = await platform.gql(COMPLETE, { i: { uploadId: upload.id } }, alice.token);
    expect(done.errors).toBeUndefined();
    const fileId = done.data!.completeUpload.id as string;

    // From the start of the file's stream (cursor 0): file.processed arrives whether the worker
    // finished before the subscription started or after.
    const sub = subscribe(FILE_PROCESSED, { fileId, after: '0' }, alice.token);
    const outsider = subscribe(FILE_PROCESSED, { fileId, after: '0' }, bob.token);
    try {
      await waitFor(() => sub.events.some((e) => e.data?.fileProcessed?.type === 'file.processed') || sub.errors.length > 0, 'the file.processed event', 120_000);
      expect(sub.errors).toEqual([]);
      const types = sub.events.map((e) => e.data.fileProcessed.type);
      expect(types.slice(0, 2)).toEqual(['file.uploaded', 'file.processed']);
      const processed = sub.events.find((e) => e.data.fileProcessed.type === 'file.processed').data.fileProcessed;
      expect(processed.file.processing).toMatchObject({ state: 'DONE', detectedContentType: 'application/pdf' });
      expect(processed.file.processing.textPreview).toContain('Organoid growth rose by twelve percent');

      await waitFor(() => outsider.events.some((e) => e.errors) || outsider.errors.length > 0, 'the outsider to be refused', 60_000);
      const refusal = JSON.stringify([...outsider.events, ...outsider.errors]);
      expect(refusal).toContain('NOT_FOUND');
      expect(refusal).not.toContain('file.processed');

      // Found by a word of its content (the search subgraph follows the file subgraph's log, which
      // the processing job's file.processed extended) and completed by the file subgraph; the
      // word is typed as a prefix ('organo' for 'Organoid'). Another tenant's search of its own
      // organization does not find it, and of Carol's is refused.
      let hit: { node: { __typename: string; id: string; name: string }; highlights: { field: string; text: string; matches: { start: number; length: number }[] }[] } | undefined;
      await waitFor(async () => {
        const found = await platform.gql(SEARCH, { org: alice.orgId, q: 'organo growth' }, alice.token);
        expect(found.errors).toBeUndefined();
        hit = (found.data!.search.edges as (typeof hit & object)[]).find((e) => e.node.id === fileId);
        return !!hit;
      }, 'the processed file to be found by its content', 60_000);
      expect(hit!.node).toEqual({ __typename: 'File', id: fileId, name: 'report.pdf' });
      const body = hit!.highlights.find((h) => h.field === 'BODY')!;
      expect(body.matches.map((m) => body.text.slice(m.start, m.start + m.length).toLowerCase())).toEqual(expect.arrayContaining(['organoid', 'growth']));
      const own = await platform.gql(SEARCH, { org: bob.orgId, q: 'organoid' }, bob.token);
      expect(own.errors).toBeUndefined();
      expect(own.data!.search.totalCount).toBe(0);
      const foreign = await platform.gql(SEARCH, { org: alice.orgId, q: 'organoid' }, bob.token);
      expect(codes(foreign)).toEqual(['NOT_FOUND']);
      expect(foreign.data?.search ?? null).toBeNull();
    } finally {
      await sub.close();
      await outsider.close();
    }
  });
});

// packages/client is written for bundlers (extensionless imports), which this project's NodeNext
// typecheck cannot follow; vitest resolves it. What this file uses of it is typed here.
type UploadProgress = { phase: 'hashing' | 'sending' | 'completing'; sentBytes: number; totalBytes: number };
interface ClientPackage {
  uploadFile(options: {
    client: ApolloClient;
    baseUrl: string;
    organizationId?: string;
    name?: string;
    /** A new version of this file instead of a new file. */
    fileId?: string;
    contentType?: string;
    body: Uint8Array;
    multipart?: boolean;
    onProgress?: (progress: UploadProgress) => void;
    sha256?: (bytes: Uint8Array) => Promise<string>;
  }): Promise<{ id: string; name: string; size: number; currentVersion: number }>;
  describeError(error: unknown): { code: string; message: string };
}
const { uploadFile, describeError } = (await import('@organoise/client' as string)) as ClientPackage;

/**
 * The apps' Apollo client (text documents rather than persisted hashes) through the real gateway.
 * `loseAnswers` names operations whose first answer is thrown away after the gateway answered
 * it: the request happened, the client only sees a network failure (a lost answer).
 */
function apolloFor(token: string, loseAnswers: string[] = []) {
  const lost = new Set<string>();
  const sent: string[] = [];
  const lossyFetch: typeof fetch = async (input, init) => {
    const name = (JSON.parse(String(init?.body ?? '{}')) as { operationName?: string }).operationName ?? '';
    sent.push(name);
    const response = await fetch(input, init);
    if (loseAnswers.includes(name) && !lost.has(name)) {
      lost.add(name);
      await response.text();
      throw new TypeError('fetch failed (answer lost on purpose)');
    }
    return response;
  };
  const client = new ApolloClient({ link: new HttpLink({ uri: platform.gateway.url, headers: { authorization: `Bearer ${token}` }, fetch: lossyFetch }), cache: new InMemoryCache() });
  return { client, sent };
}

describe('the client package’s uploadFile (packages/client/src/uploads.ts), through the gateway', () => {
  it('uploads in parts with progress, and a completion whose answer was lost is asked again with its key: exactly one file, byte for byte', { timeout: 300_000 }, async () => {
    const erin = await signUpWithOrganization('Erin');
    const { client, sent } = apolloFor(erin.token, ['CompleteUpload']);
    // Parts are at least 8 MiB: two parts, the second 1 KiB.
    const content = randomBytes(8 * 1024 * 1024 + 1024);
    const progress: UploadProgress[] = [];
    const file = await uploadFile({ client, baseUrl: platform.gateway.url, organizationId: erin.orgId, name: 'scan.bin', body: new Uint8Array(content), multipart: true, onProgress: (p) => void progress.push(p) });
    expect(file).toMatchObject({ name: 'scan.bin', size: content.length });
    // The completion was sent twice (the first answer lost) and made one file.
    expect(sent.filter((name) => name === 'CompleteUpload')).toHaveLength(2);
    expect(sent.filter((name) => name === 'UploadPartTargets')).toHaveLength(1);
    const sending = progress.filter((p) => p.phase === 'sending').map((p) => p.sentBytes);
    expect(sending).toEqual([...sending].sort((a, b) => a - b));
    expect(sending).toContain(8 * 1024 * 1024);
    expect(progress.at(-1)).toEqual({ phase: 'completing', sentBytes: content.length, totalBytes: content.length });

    const listed = await platform.gql(`query($id: ID!) { organization(id: $id) { files { nodes { id name sha256 downloadUrl } } } }`, { id: erin.orgId }, erin.token);
    const nodes = listed.data!.organization.files.nodes as Array<{ id: string; sha256: string; downloadUrl: string }>;
    expect(nodes.map((n) => n.id)).toEqual([file.id]);
    expect(nodes[0]!.sha256).toBe(sha256(content));
    const download = await fetch(new URL(nodes[0]!.downloadUrl, platform.gateway.url));
    expect(Buffer.from(await download.arrayBuffer()).equals(content)).toBe(true);
  });

  it('refuses bytes that are not the ones hashed (CHECKSUM_MISMATCH), worded by code, and makes no file', { timeout: 120_000 }, async () => {
    const fay = await signUpWithOrganization('Fay');
    const { client } = apolloFor(fay.token);
    const wrongHash = async () => sha256(new Uint8Array([1, 2, 3]));
    const failure = await uploadFile({ client, baseUrl: platform.gateway.url, organizationId: fay.orgId, name: 'notes.txt', contentType: 'text/plain', body: new TextEncoder().encode('four chairs'), sha256: wrongHash }).catch((error: unknown) => error);
    expect(describeError(failure)).toEqual({ code: 'CHECKSUM_MISMATCH', message: 'The file changed or was damaged on the way. Upload it again.' });
    const listed = await platform.gql(`query($id: ID!) { organization(id: $id) { files { totalCount } } }`, { id: fay.orgId }, fay.token);
    expect(listed.data!.organization.files.totalCount).toBe(0);
  });
});

describe('a new version uploaded directly with uploadFile({ fileId }), through the gateway', () => {
  it('adds a version over the 1 MiB body limit that uploadFileVersion refuses; a lost completion answer still adds one; another tenant gets NOT_FOUND', { timeout: 300_000 }, async () => {
    const hal = await signUpWithOrganization('Hal');
    const ivy = await signUpWithOrganization('Ivy');
    const { client, sent } = apolloFor(hal.token, ['CompleteUpload']);
    const first = await uploadFile({ client, baseUrl: platform.gateway.url, organizationId: hal.orgId, name: 'plan.txt', contentType: 'text/plain', body: new TextEncoder().encode('version one') });
    expect(sent.filter((name) => name === 'CompleteUpload')).toHaveLength(2);

    // 1 MiB of bytes in base64 is over the gateway's body limit: the old path cannot take it.
    const large = randomBytes(1024 * 1024 + 1);
    const refused = await fetch(platform.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${hal.token}` },
      body: JSON.stringify({ query: `mutation($i: UploadFileVersionInput!) { uploadFileVersion(input: $i) { id } }`, variables: { i: { fileId: first.id, contentBase64: large.toString('base64') } } }),
    });
    expect(refused.status).toBe(413);

    const lossy = apolloFor(hal.token, ['CompleteUpload']);
    const updated = await uploadFile({ client: lossy.client, baseUrl: platform.gateway.url, fileId: first.id, contentType: 'application/octet-stream', body: new Uint8Array(large) });
    expect(lossy.sent.filter((name) => name === 'CreateVersionUpload')).toHaveLength(1);
    expect(lossy.sent.filter((name) => name === 'CompleteUpload')).toHaveLength(2);
    expect(updated).toMatchObject({ id: first.id, name: 'plan.txt', size: large.length, currentVersion: 2 });
    const read = await platform.gql(`query($id: ID!) { file(id: $id) { currentVersion downloadUrl versions { version size } } }`, { id: first.id }, hal.token);
    expect(read.data!.file.versions).toEqual([
      { version: 2, size: large.length },
      { version: 1, size: 'version one'.length },
    ]);
    const download = await fetch(new URL(read.data!.file.downloadUrl, platform.gateway.url));
    expect(Buffer.from(await download.arrayBuffer()).equals(large)).toBe(true);

    const intruder = apolloFor(ivy.token);
    const failure = await uploadFile({ client: intruder.client, baseUrl: platform.gateway.url, fileId: first.id, body: new TextEncoder().encode('pwned') }).catch((error: unknown) => error);
    expect(describeError(failure).code).toBe('NOT_FOUND');
    const after = await platform.gql(`query($id: ID!) { file(id: $id) { currentVersion } }`, { id: first.id }, hal.token);
    expect(after.data!.file.currentVersion).toBe(2);
  });
});

describe('the base64 uploadFile beside direct uploads, through the gateway', () => {
  it('takes a small file inside GraphQL, refuses a body over the gateway’s default 1 MiB with 413 PAYLOAD_TOO_LARGE, and the same bytes upload directly', { timeout: 120_000 }, async () => {
    const gus = await signUpWithOrganization('Gus');
    const UPLOAD = `mutation($i: UploadFileInput!) { uploadFile(input: $i) { id size } }`;
    const small = randomBytes(256 * 1024);
    const fits = await platform.gql(UPLOAD, { i: { organizationId: gus.orgId, name: 'small.bin', contentType: 'application/octet-stream', contentBase64: small.toString('base64') } }, gus.token);
    expect(fits.errors).toBeUndefined();
    expect(fits.data!.uploadFile.size).toBe(small.length);

    // 1 MiB of bytes is about 1.33 MiB of base64: over the body limit, refused before any service reads it.
    const large = randomBytes(1024 * 1024);
    const refused = await fetch(platform.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${gus.token}` },
      body: JSON.stringify({ query: UPLOAD, variables: { i: { organizationId: gus.orgId, name: 'large.bin', contentType: 'application/octet-stream', contentBase64: large.toString('base64') } } }),
    });
    expect(refused.status).toBe(413);
    expect(codes((await refused.json()) as { errors?: { extensions?: Record<string, unknown> }[] })).toEqual(['PAYLOAD_TOO_LARGE']);

    const { client } = apolloFor(gus.token);
    const direct = await uploadFile({ client, baseUrl: platform.gateway.url, organizationId: gus.orgId, name: 'large.bin', body: new Uint8Array(large) });
    expect(direct.size).toBe(large.length);
    const listed = await platform.gql(`query($id: ID!) { organization(id: $id) { files { nodes { name } } } }`, { id: gus.orgId }, gus.token);
    expect(listed.data!.organization.files.nodes.map((n: { name: string }) => n.name).sort()).toEqual(['large.bin', 'small.bin']);
  });
});
