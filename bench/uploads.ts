import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { signInternalToken, INTERNAL_TOKEN_HEADER, type Viewer } from '@organoise/core';
import { startS3StandIn } from '@organoise/subgraph-file/testing/s3-stand-in';
import { startChild, type Child } from './lib/child.js';
import type { FileSubgraphConfig } from './uploads/file-subgraph.child.js';
import type { RssReading } from './uploads/rss.js';

// npm run bench:uploads — a 1 GiB file uploaded directly, twice: through the local-disk signed URL
// (client -> the gateway's upload forwarding -> the file subgraph -> disk, one streamed PUT) and as
// an S3 multipart upload (128 presigned parts of 8 MiB) to a STAND-IN S3 server (s3rver, in this
// process). The file subgraph and the forwarding each run in a process of their own; the figures
// are their resident memory before and at the peak during the upload and its completion (the
// sha256 check reads the whole file back), and the throughput. Progress goes to stderr, figures to stdout.

const GIB = 1024 * 1024 * 1024;
const MIB = 1024 * 1024;
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const secret = randomBytes(32).toString('hex');
const organizationId = randomUUID();
const viewer: Viewer = { userId: randomUUID(), sessionId: randomUUID(), memberships: { [organizationId]: 'OWNER' } };
const log = (line: string) => process.stderr.write(`${line}\n`);

// 1 GiB made of one random MiB, each copy stamped with its index: no two chunks alike, nothing held.
const block = randomBytes(MIB);
function chunk(i: number): Buffer {
  const copy = Buffer.from(block);
  copy.writeUInt32BE(i, 0);
  return copy;
}
const CHUNKS = GIB / MIB;
const sha256 = (() => {
  const hash = createHash('sha256');
  for (let i = 0; i < CHUNKS; i++) hash.update(chunk(i));
  return hash.digest('hex');
})();

async function gql<D = any>(url: string, query: string, variables: Record<string, unknown>): Promise<D> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [INTERNAL_TOKEN_HEADER]: await signInternalToken(secret, 'file', viewer) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: D; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data!;
}

/** One PUT, its body written chunk by chunk as the socket drains; answers the status and ETag. */
function put(url: string, headers: Record<string, string>, length: number, chunks: Iterable<Buffer>): Promise<{ status: number; etag: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'PUT', headers: { ...headers, 'content-length': String(length) } }, (res) => {
      res.resume();
      res.once('end', () => resolve({ status: res.statusCode ?? 0, etag: String(res.headers.etag ?? '') }));
    });
    req.once('error', reject);
    const it = chunks[Symbol.iterator]();
    const pump = () => {
      for (;;) {
        const next = it.next();
        if (next.done) return void req.end();
        if (!req.write(next.value)) return void req.once('drain', pump);
      }
    };
    pump();
  });
}

function* range(from: number, to: number) {
  for (let i = from; i < to; i++) yield chunk(i);
}

const rss = (child: Child<unknown>, type: 'rss' | 'rss-reset') =>
  new Promise<RssReading>((resolve) => {
    const on = (message: { type?: string } & RssReading) => {
      if (message.type !== 'rss') return;
      child.process.off('message', on);
      resolve(message);
    };
    child.process.on('message', on);
    child.process.send({ type });
  });

const CREATE = `mutation($input: CreateUploadInput!) { createUpload(input: $input) { id partSize partCount target { url headers { name value } } } }`;
const PARTS = `query($id: ID!, $parts: [Int!]!) { upload(id: $id) { partTargets(partNumbers: $parts) { partNumber request { url headers { name value } } } } }`;
const COMPLETE = `mutation($input: CompleteUploadInput!) { completeUpload(input: $input) { id size sha256 } }`;
const headersOf = (list: Array<{ name: string; value: string }>) => Object.fromEntries(list.map((h) => [h.name, h.value]));
// Starting a service takes long on a loaded machine (PGlite migrations, TypeScript).
const slow = { readyTimeoutMs: 300_000 };
const mib = (bytes: number) => (bytes / MIB).toFixed(0);

interface Row {
  scenario: string;
  seconds: number;
  processes: Array<{ name: string; before: number; peak: number }>;
}
const rows: Row[] = [];

async function localDisk() {
  const file = await startChild<FileSubgraphConfig, { url: string }>(here('./uploads/file-subgraph.child.ts'), { internalTokenSecret: secret }, slow);
  const proxy = await startChild<{ fileSubgraphUrl: string }, { url: string }>(here('./uploads/proxy.child.ts'), { fileSubgraphUrl: file.info.url }, slow);
  try {
    const started = performance.now();
    const [fileBefore, proxyBefore] = [await rss(file, 'rss-reset'), await rss(proxy, 'rss-reset')];
    const { createUpload: upload } = await gql(file.info.url, CREATE, { input: { organizationId, name: 'one-gib.bin', size: GIB, contentType: 'application/octet-stream', sha256, multipart: false } });
    log('local disk: uploading 1 GiB through the forwarding to the signed URL');
    const sent = await put(proxy.info.url + upload.target.url, headersOf(upload.target.headers), GIB, range(0, CHUNKS));
    if (sent.status !== 200) throw new Error(`PUT answered ${sent.status}`);
    const { completeUpload: done } = await gql(file.info.url, COMPLETE, { input: { uploadId: upload.id } });
    if (done.sha256 !== sha256 || done.size !== GIB) throw new Error('the stored file is not the one sent');
    const seconds = (performance.now() - started) / 1000;
    rows.push({
      scenario: 'local disk, one PUT through the gateway forwarding',
      seconds,
      processes: [
        { name: 'file subgraph', before: fileBefore.current, peak: (await rss(file, 'rss')).peak },
        { name: 'gateway forwarding', before: proxyBefore.current, peak: (await rss(proxy, 'rss')).peak },
      ],
    });
  } finally {
    await proxy.stop();
    await file.stop();
  }
}

async function s3Multipart() {
  const standIn = await startS3StandIn('organoise-bench');
  const file = await startChild<FileSubgraphConfig, { url: string }>(here('./uploads/file-subgraph.child.ts'), {
    internalTokenSecret: secret,
    s3: { bucket: 'organoise-bench-0', region: 'us-east-1', endpoint: standIn.endpoint, forcePathStyle: true, credentials: standIn.credentials },
  }, slow);
  try {
    const started = performance.now();
    const fileBefore = await rss(file, 'rss-reset');
    const { createUpload: upload } = await gql(file.info.url, CREATE, { input: { organizationId, name: 'one-gib.bin', size: GIB, contentType: 'application/octet-stream', sha256, multipart: true } });
    const perPart = upload.partSize / MIB;
    const numbers = Array.from({ length: upload.partCount as number }, (_, i) => i + 1);
    const { upload: signed } = await gql(file.info.url, PARTS, { id: upload.id, parts: numbers });
    log(`S3: uploading 1 GiB as ${numbers.length} presigned parts of ${perPart} MiB to the stand-in`);
    const parts = [];
    for (const target of signed.partTargets as Array<{ partNumber: number; request: { url: string; headers: Array<{ name: string; value: string }> } }>) {
      const first = (target.partNumber - 1) * perPart;
      const last = Math.min(first + perPart, CHUNKS);
      const sent = await put(target.request.url, headersOf(target.request.headers), (last - first) * MIB, range(first, last));
      if (sent.status !== 200) throw new Error(`part ${target.partNumber} answered ${sent.status}`);
      parts.push({ partNumber: target.partNumber, etag: sent.etag });
    }
    const { completeUpload: done } = await gql(file.info.url, COMPLETE, { input: { uploadId: upload.id, parts } });
    if (done.sha256 !== sha256 || done.size !== GIB) throw new Error('the stored file is not the one sent');
    rows.push({
      scenario: `S3 multipart (${numbers.length} x ${perPart} MiB) to the stand-in`,
      seconds: (performance.now() - started) / 1000,
      processes: [{ name: 'file subgraph', before: fileBefore.current, peak: (await rss(file, 'rss')).peak }],
    });
  } finally {
    await file.stop();
    await standIn.close();
  }
}

await localDisk();
await s3Multipart();

console.log('| upload of 1 GiB | seconds (upload + completion) | process | RSS before (MiB) | peak RSS (MiB) |');
console.log('| --- | --- | --- | --- | --- |');
for (const row of rows) {
  for (const p of row.processes) console.log(`| ${row.scenario} | ${row.seconds.toFixed(1)} | ${p.name} | ${mib(p.before)} | ${mib(p.peak)} |`);
}
