import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { INTERNAL_TOKEN_HEADER, verifyInternalToken, type Role, type Viewer } from '@organoise/core';
import { codesOf, createTestDatabase, subgraphClient, TEST_INTERNAL_SECRET, testLog, type TestDatabase } from '@organoise/core/testing';
import { count } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileVersions, files } from '../src/db/schema.js';
import { startFileSubgraph, SUBGRAPH_NAME, type FileSubgraph } from '../src/index.js';
import { scratchStorage } from './support/storage.js';

// How the file subgraph asks the workflow subgraph about a run (domains/runs/workflow-runs.ts,
// docs/decisions/0008): what it sends, and that it writes nothing when it gets no clear answer.
// The workflow side here is a small HTTP server standing in for it, so that it can hang, fail or
// record what it was sent; e2e/file-runs.e2e.ts asks the real workflow subgraph.

/** A stand-in for the workflow subgraph's /graphql: `answer` decides each response. */
interface WorkflowStandIn {
  url: string;
  received: { token: string | undefined; body: { query: string; variables: { id: string } } }[];
  answer: (res: ServerResponse) => void;
  close(): Promise<void>;
}

async function workflowStandIn(): Promise<WorkflowStandIn> {
  const standIn: WorkflowStandIn = { url: '', received: [], answer: () => {}, close: async () => {} };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      const header = req.headers[INTERNAL_TOKEN_HEADER];
      standIn.received.push({ token: Array.isArray(header) ? header[0] : header, body: JSON.parse(text) });
      standIn.answer(res);
    });
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  standIn.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  standIn.close = () => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  };
  return standIn;
}

const json = (body: unknown) => (res: ServerResponse) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));

const orgA = randomUUID();
const orgB = randomUUID();
const person = (memberships: Record<string, Role>): Viewer => ({ userId: randomUUID(), sessionId: randomUUID(), memberships });
const member = person({ [orgA]: 'MEMBER', [orgB]: 'OWNER' });
const b64 = (text: string) => Buffer.from(text).toString('base64');
const UPLOAD = `mutation($input: UploadFileInput!) { uploadFile(input: $input) { id workflowRun { id } } }`;
const upload = (runId: string | null) => ({ input: { organizationId: orgA, name: 'r.txt', contentType: 'text/plain', contentBase64: b64('run'), workflowRunId: runId } });

let db: TestDatabase;
let standIn: WorkflowStandIn;
let server: FileSubgraph;
let call: ReturnType<typeof subgraphClient>;

beforeAll(async () => {
  db = await createTestDatabase();
  standIn = await workflowStandIn();
  server = await startFileSubgraph({
    database: { url: db.url, dataDir: db.dataDir },
    internalTokenSecret: TEST_INTERNAL_SECRET,
    log: testLog,
    storage: scratchStorage(),
    workflowUrl: standIn.url,
    workflowTimeoutMs: 300,
  });
  call = subgraphClient(server.url, SUBGRAPH_NAME, TEST_INTERNAL_SECRET);
});

afterAll(async () => {
  await server?.close();
  await standIn?.close();
  await db?.drop();
});

async function stored() {
  const [f] = await server.services.db.select({ n: count() }).from(files);
  const [v] = await server.services.db.select({ n: count() }).from(fileVersions);
  return { files: f!.n, versions: v!.n };
}

describe('asking the workflow subgraph about a run', () => {
  it("asks as the caller with their role in the file's organization only, and attaches when the run is that organization's", async () => {
    const runId = randomUUID();
    standIn.received.length = 0;
    standIn.answer = json({ data: { workflowRun: { id: runId, organization: { id: orgA } } } });
    const res = await call(UPLOAD, upload(runId), member);
    expect(res.errors).toBeUndefined();
    expect(res.data!.uploadFile.workflowRun).toEqual({ id: runId });
    expect(standIn.received).toHaveLength(1);
    const [sent] = standIn.received;
    expect(sent!.body.variables).toEqual({ id: runId });
    const token = await verifyInternalToken(TEST_INTERNAL_SECRET, 'workflow', sent!.token);
    expect(token).toMatchObject({ ok: true, viewer: { userId: member.userId, sessionId: member.sessionId } });
    // Not the caller's other organization (B, where they are OWNER): only the file's.
    expect(token.ok && token.viewer!.memberships).toEqual({ [orgA]: 'MEMBER' });
  });

  it('refuses with NOT_FOUND when the workflow subgraph does not show the run, or shows it in another organization', async () => {
    const before = await stored();
    standIn.answer = json({ data: { workflowRun: null }, errors: [{ message: 'Workflow run not found', extensions: { code: 'NOT_FOUND' } }] });
    expect(codesOf(await call(UPLOAD, upload(randomUUID()), member))).toEqual(['NOT_FOUND']);
    standIn.answer = json({ data: { workflowRun: { id: 'x', organization: { id: orgB } } } });
    expect(codesOf(await call(UPLOAD, upload(randomUUID()), member))).toEqual(['NOT_FOUND']);
    expect(await stored()).toEqual(before);
  });

  it('refuses with SUBGRAPH_UNAVAILABLE, storing nothing, when the answer is an error, a failure, nothing in time, or no connection', async () => {
    const before = await stored();
    const answers: ((res: ServerResponse) => void)[] = [
      json({ errors: [{ message: 'down', extensions: { code: 'DATABASE_UNAVAILABLE' } }] }),
      (res) => res.writeHead(502).end('bad gateway'),
      () => {}, // never answers: the 300 ms timeout
    ];
    for (const answer of answers) {
      standIn.answer = answer;
      expect(codesOf(await call(UPLOAD, upload(randomUUID()), member))).toEqual(['SUBGRAPH_UNAVAILABLE']);
    }
    await standIn.close();
    expect(codesOf(await call(UPLOAD, upload(randomUUID()), member))).toEqual(['SUBGRAPH_UNAVAILABLE']);
    expect(await stored()).toEqual(before);
    // Without a run nothing is asked, and the upload goes through.
    expect((await call(UPLOAD, upload(null), member)).errors).toBeUndefined();
  });
});

describe('a file subgraph started without the workflow subgraph address', () => {
  // A database and a subgraph of its own start inside the test: on a loaded machine that alone took over 30 s.
  it('refuses every run id with SUBGRAPH_UNAVAILABLE (fails closed) and still takes files without one', async () => {
    const own = await createTestDatabase();
    const alone = await startFileSubgraph({ database: { url: own.url, dataDir: own.dataDir }, internalTokenSecret: TEST_INTERNAL_SECRET, log: testLog, storage: scratchStorage() });
    try {
      const callAlone = subgraphClient(alone.url, SUBGRAPH_NAME, TEST_INTERNAL_SECRET);
      expect(codesOf(await callAlone(UPLOAD, upload(randomUUID()), member))).toEqual(['SUBGRAPH_UNAVAILABLE']);
      expect((await callAlone(UPLOAD, upload(null), member)).errors).toBeUndefined();
    } finally {
      await alone.close();
      await own.drop();
    }
  }, 300_000);
});
