import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
// @ts-expect-error: the stand-in ships no types (CommonJS, a maintained fork of s3rver).
import S3rver from '@20minutes/s3rver';
import { S3Storage } from '../../src/storage/s3.js';

/**
 * A STAND-IN for S3: an S3-protocol server (@20minutes/s3rver) on a free port, keeping its
 * objects in a temp folder. No real S3 (nor MinIO) can run here. It checks v4 signatures (so a
 * tampered presigned URL is refused), takes presigned PUTs and multipart uploads, but does not
 * implement ListParts.
 */
export interface S3StandIn {
  endpoint: string;
  /** Buckets are named `<bucket>-<n>`. */
  bucket: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** A storage over a bucket of its own, so no two tests see each other's keys. */
  storage: () => Promise<S3Storage>;
  close: () => Promise<void>;
}

// Made up front: the stand-in refuses the SDK's CreateBucket signature.
const BUCKETS = 64;

export async function startS3StandIn(bucket = 'organoise-test'): Promise<S3StandIn> {
  const directory = await mkdtemp(path.join(tmpdir(), 'organoise-s3-stand-in-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, vhostBuckets: false, configureBuckets: Array.from({ length: BUCKETS }, (_, i) => ({ name: `${bucket}-${i}` })) });
  const address = (await server.run()) as AddressInfo;
  const endpoint = `http://127.0.0.1:${address.port}`;
  // s3rver's fixed account.
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  const made: S3Storage[] = [];
  let buckets = 0;
  return {
    endpoint,
    bucket,
    credentials,
    storage: async () => {
      if (buckets === BUCKETS) throw new Error('The S3 stand-in has no bucket left');
      const own = `${bucket}-${buckets++}`;
      const storage = new S3Storage({ bucket: own, region: 'us-east-1', endpoint, forcePathStyle: true, credentials });
      made.push(storage);
      return storage;
    },
    close: async () => {
      for (const s of made) s.close();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
