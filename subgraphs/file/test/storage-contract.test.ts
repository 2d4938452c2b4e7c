import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { LocalDiskStorage } from '../src/storage/index.js';
import { blobStorageContract } from './storage.contract.js';
import { startS3StandIn, type S3StandIn } from './support/s3-stand-in.js';

blobStorageContract('LocalDiskStorage', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'organoise-blobs-'));
  return { storage: new LocalDiskStorage(dir), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

// S3Storage against a STAND-IN S3 server (test/support/s3-stand-in.ts): no real S3 runs here.
let standIn: S3StandIn;
beforeAll(async () => {
  standIn = await startS3StandIn();
});
afterAll(async () => {
  await standIn?.close();
});

// Each gap is the stand-in's, not S3's: AWS S3, MinIO and R2 do all of these.
blobStorageContract('S3Storage on a stand-in S3 server', async () => ({ storage: await standIn.storage() }), {
  listParts: 'the stand-in S3 server does not implement ListParts',
  atomicReplace: 'the stand-in S3 server rewrites an object in place, so a concurrent read can break off',
  multipartRefusals: 'the stand-in S3 server checks neither part lists (it crashes on a missing part) nor the 5 MiB minimum',
  list: "the stand-in S3 server miscomputes the signature of bucket-level GETs (ListObjectsV2)",
});
