import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { InvalidBlobKeyError, MIN_PART_BYTES, MultipartError, type BlobStorage } from '../src/storage/index.js';

export interface StorageUnderTest {
  storage: BlobStorage;
  /** Called once after each test. */
  cleanup?: () => Promise<void>;
}

/** What a backend under test cannot do here, each with the reason (the case is skipped, not weakened). */
export interface ContractGaps {
  listParts?: string;
  atomicReplace?: string;
  multipartRefusals?: string;
  list?: string;
}

const because = (reason: string | undefined) => (reason ? ` (skipped: ${reason})` : '');

const bytes = (...values: number[]) => Uint8Array.from(values);
const same = (a: Uint8Array | null, b: Uint8Array) => a !== null && Buffer.from(a).equals(Buffer.from(b));

export const INVALID_KEYS = [
  '',
  '..',
  '../outside',
  'a/../../outside',
  'a/./b',
  '/etc/passwd',
  'a//b',
  'a/',
  'a\\b',
  '..\\outside',
  'a.b',
  '.hidden',
  'a b',
  'a\u0000b',
  '%2e%2e/outside',
  'x'.repeat(513),
];

/**
 * What every BlobStorage must do, whatever keeps the bytes. Run it over each implementation
 * (test/storage-contract.test.ts); a new backend joins by adding one line there.
 */
const text = async (stream: Readable | null) => {
  if (!stream) return null;
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

const multipartReason = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  return error instanceof MultipartError ? error.reason : error;
};

/** Sends a signed request as a browser would: the URL, its method, its headers and the body. */
async function send(request: { url: string; method: string; headers: Record<string, string> }, body?: Uint8Array) {
  return fetch(request.url, { method: request.method, headers: request.headers, ...(body ? { body } : {}) });
}

export function blobStorageContract(name: string, create: () => Promise<StorageUnderTest>, gaps: ContractGaps = {}) {
  describe(`BlobStorage contract: ${name}`, () => {
    const withStorage = (test: (storage: BlobStorage) => Promise<void>) => async () => {
      const { storage, cleanup } = await create();
      try {
        await test(storage);
      } finally {
        await cleanup?.();
      }
    };

    it('returns exactly the bytes that were put, for every byte value', withStorage(async (storage) => {
      const all = Uint8Array.from({ length: 256 }, (_, i) => i);
      await storage.put('org/file/v1', all);
      expect(same(await storage.get('org/file/v1'), all)).toBe(true);
      expect(await storage.exists('org/file/v1')).toBe(true);
    }));

    it('stores an empty blob as present and empty', withStorage(async (storage) => {
      await storage.put('empty', new Uint8Array(0));
      expect(await storage.exists('empty')).toBe(true);
      expect((await storage.get('empty'))?.length).toBe(0);
    }));

    it('answers null and false for a key that was never put', withStorage(async (storage) => {
      expect(await storage.get('never/put')).toBeNull();
      expect(await storage.exists('never/put')).toBe(false);
    }));

    it('replaces the bytes when the same key is put again', withStorage(async (storage) => {
      await storage.put('k', bytes(1, 2, 3));
      await storage.put('k', bytes(9));
      expect(same(await storage.get('k'), bytes(9))).toBe(true);
    }));

    it('deletes a key, and deleting a missing key is not an error', withStorage(async (storage) => {
      await storage.put('gone', bytes(1));
      await storage.delete('gone');
      expect(await storage.get('gone')).toBeNull();
      expect(await storage.exists('gone')).toBe(false);
      await expect(storage.delete('gone')).resolves.toBeUndefined();
      await expect(storage.delete('never/there')).resolves.toBeUndefined();
    }));

    it('keeps what was stored when the caller later changes its buffer or the returned one', withStorage(async (storage) => {
      const buffer = bytes(1, 2, 3);
      await storage.put('copy', buffer);
      buffer[0] = 42;
      const read = (await storage.get('copy'))!;
      read[1] = 42;
      expect(same(await storage.get('copy'), bytes(1, 2, 3))).toBe(true);
    }));

    it('keeps a key and a longer key under it apart', withStorage(async (storage) => {
      await storage.put('a', bytes(1));
      await storage.put('a/b', bytes(2));
      await storage.put('a/b/c', bytes(3));
      expect(same(await storage.get('a'), bytes(1))).toBe(true);
      expect(same(await storage.get('a/b'), bytes(2))).toBe(true);
      await storage.delete('a/b');
      expect(same(await storage.get('a/b/c'), bytes(3))).toBe(true);
    }));

    it('refuses keys outside the grammar (traversal, absolute, dotted, empty, too long) on every method', withStorage(async (storage) => {
      for (const key of INVALID_KEYS) {
        await expect(storage.put(key, bytes(1)), key).rejects.toBeInstanceOf(InvalidBlobKeyError);
        await expect(storage.get(key), key).rejects.toBeInstanceOf(InvalidBlobKeyError);
        await expect(storage.exists(key), key).rejects.toBeInstanceOf(InvalidBlobKeyError);
        await expect(storage.delete(key), key).rejects.toBeInstanceOf(InvalidBlobKeyError);
        await expect(storage.getStream(key), key).rejects.toBeInstanceOf(InvalidBlobKeyError);
        await expect(storage.head(key), key).rejects.toBeInstanceOf(InvalidBlobKeyError);
        await expect(storage.createMultipart(key, { contentType: 'text/plain' }), key).rejects.toBeInstanceOf(InvalidBlobKeyError);
        await expect(storage.presignPut(key, { expiresInSeconds: 60, contentType: 'text/plain', contentLength: 1 }), key).rejects.toBeInstanceOf(InvalidBlobKeyError);
      }
    }));

    it('accepts the keys the service makes: uuid segments', withStorage(async (storage) => {
      const key = '6f1c9a52-3b7e-4d0a-9c1e-2f4b8d7a6e10/0b8e2f7c-1d3a-4e5b-8c9d-7a6f5e4d3c2b/9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
      await storage.put(key, bytes(7));
      expect(same(await storage.get(key), bytes(7))).toBe(true);
    }));

    it.skipIf(gaps.atomicReplace)(`never shows a reader a mix of two writes to the same key${because(gaps.atomicReplace)}`, withStorage(async (storage) => {
      const a = new Uint8Array(512 * 1024).fill(0xaa);
      const b = randomBytes(512 * 1024);
      await storage.put('race', a);
      const reads: Promise<Uint8Array | null>[] = [];
      const write = storage.put('race', b);
      for (let i = 0; i < 20; i++) reads.push(storage.get('race'));
      await write;
      for (const read of await Promise.all(reads)) {
        expect(same(read, a) || same(read, b)).toBe(true);
      }
      expect(same(await storage.get('race'), b)).toBe(true);
    }));

    it('ends with one whole value when puts to a key race', withStorage(async (storage) => {
      const values = [randomBytes(64 * 1024), randomBytes(64 * 1024), randomBytes(64 * 1024)];
      await Promise.all(values.map((v) => storage.put('contended', v)));
      const final = await storage.get('contended');
      expect(values.some((v) => same(final, v))).toBe(true);
    }));
    it('stores a stream as it arrives and serves it back whole, in ranges, and by head', withStorage(async (storage) => {
      const content = randomBytes(MIN_PART_BYTES + 12_345);
      const chunks = Array.from({ length: 11 }, (_, i) => content.subarray(i * 500_000, (i + 1) * 500_000)).filter((c) => c.length > 0);
      await storage.put('streamed/blob', Readable.from(chunks));
      expect((await text(await storage.getStream('streamed/blob')))?.equals(content)).toBe(true);
      expect((await text(await storage.getStream('streamed/blob', { start: 10, end: 19 })))?.equals(content.subarray(10, 20))).toBe(true);
      const info = await storage.head('streamed/blob');
      expect(info?.size).toBe(content.length);
      expect(info?.lastModified).toBeInstanceOf(Date);
      expect(await storage.head('streamed/none')).toBeNull();
      expect(await storage.getStream('streamed/none')).toBeNull();
    }));

    it.skipIf(gaps.list)(`lists what it holds under a prefix, by whole segments${because(gaps.list)}`, withStorage(async (storage) => {
      await storage.put('org1/f1/v1', bytes(1));
      await storage.put('org1/f2/v1', bytes(1, 2));
      await storage.put('org10/f3/v1', bytes(1));
      const listed = [];
      for await (const blob of storage.list('org1')) listed.push([blob.key, blob.size]);
      expect(listed.sort()).toEqual([
        ['org1/f1/v1', 1],
        ['org1/f2/v1', 2],
      ]);
      const all = [];
      for await (const blob of storage.list()) all.push(blob.key);
      expect(all.sort()).toEqual(['org1/f1/v1', 'org1/f2/v1', 'org10/f3/v1']);
    }));

    it('joins multipart parts in order, a part sent again replacing the first', withStorage(async (storage) => {
      const first = randomBytes(MIN_PART_BYTES);
      const last = randomBytes(1000);
      const uploadId = await storage.createMultipart('multi/blob', { contentType: 'application/octet-stream' });
      await storage.putPart('multi/blob', uploadId, 2, bytes(9, 9), 2);
      const part2 = await storage.putPart('multi/blob', uploadId, 2, last, last.length);
      const part1 = await storage.putPart('multi/blob', uploadId, 1, Readable.from([first.subarray(0, 100), first.subarray(100)]), first.length);
      expect(part1.size).toBe(first.length);
      expect(await storage.exists('multi/blob')).toBe(false);
      await storage.completeMultipart('multi/blob', uploadId, [part1, part2]);
      expect((await text(await storage.getStream('multi/blob')))?.equals(Buffer.concat([first, last]))).toBe(true);
    }));

    it.skipIf(gaps.listParts)(`answers which parts arrived, so a client can resume${because(gaps.listParts)}`, withStorage(async (storage) => {
      const uploadId = await storage.createMultipart('resume/blob', { contentType: 'text/plain' });
      expect(await storage.listParts('resume/blob', uploadId)).toEqual([]);
      const part3 = await storage.putPart('resume/blob', uploadId, 3, bytes(1, 2, 3), 3);
      const part1 = await storage.putPart('resume/blob', uploadId, 1, new Uint8Array(MIN_PART_BYTES), MIN_PART_BYTES);
      expect(await storage.listParts('resume/blob', uploadId)).toEqual([part1, part3]);
    }));

    it.skipIf(gaps.multipartRefusals)(`refuses a completion naming a part that did not arrive, or a small part before the last${because(gaps.multipartRefusals)}`, withStorage(async (storage) => {
      const uploadId = await storage.createMultipart('refused/blob', { contentType: 'text/plain' });
      const small = await storage.putPart('refused/blob', uploadId, 1, bytes(1, 2, 3), 3);
      const last = await storage.putPart('refused/blob', uploadId, 2, bytes(4), 1);
      expect(await multipartReason(storage.completeMultipart('refused/blob', uploadId, [{ partNumber: 3, etag: last.etag }]))).toBe('INVALID_PART');
      expect(await multipartReason(storage.completeMultipart('refused/blob', uploadId, [small, last]))).toBe('PART_TOO_SMALL');
      expect(await storage.exists('refused/blob')).toBe(false);
      await storage.abortMultipart('refused/blob', uploadId);
      await expect(storage.abortMultipart('refused/blob', uploadId)).resolves.toBeUndefined();
      expect(await multipartReason(storage.completeMultipart('refused/blob', uploadId, [last]))).toBe('NO_SUCH_UPLOAD');
      expect(await storage.exists('refused/blob')).toBe(false);
    }));

    it('gives presigned URLs only when clients reach the store itself, and they carry the bytes both ways', withStorage(async (storage) => {
      const content = randomBytes(4096);
      const put = await storage.presignPut('signed/blob', { expiresInSeconds: 60, contentType: 'image/png', contentLength: content.length });
      const get = await storage.presignGet('signed/blob', { expiresInSeconds: 60, fileName: 'a picture.png' });
      if (storage.urls === 'platform') {
        // The platform signs and serves its own URLs for this store (src/domains/uploads/routes.ts).
        expect([put, get]).toEqual([null, null]);
        return;
      }
      expect(put?.method).toBe('PUT');
      expect(put!.expiresAt.getTime()).toBeGreaterThan(Date.now());
      expect((await send(put!, content)).status).toBe(200);
      const download = await send(get!);
      expect(download.status).toBe(200);
      expect(Buffer.from(await download.arrayBuffer()).equals(content)).toBe(true);
      expect(download.headers.get('content-disposition')).toContain('a picture.png');
      // A URL changed after signing is refused, and nothing is written.
      const tampered = put!.url.replace('signed%2Fblob', 'signed%2Fother').replace('signed/blob', 'signed/other');
      expect((await send({ ...put!, url: tampered }, content)).status).toBe(403);
      expect(await storage.exists('signed/other')).toBe(false);
    }));

    it('takes multipart parts on presigned URLs when clients reach the store itself', withStorage(async (storage) => {
      const uploadId = await storage.createMultipart('signed/multi', { contentType: 'text/plain' });
      const signed = await storage.presignPart('signed/multi', uploadId, 1, { expiresInSeconds: 60, contentLength: 5 });
      if (storage.urls === 'platform') {
        expect(signed).toBeNull();
        await storage.abortMultipart('signed/multi', uploadId);
        return;
      }
      const answer = await send(signed!, bytes(1, 2, 3, 4, 5));
      expect(answer.status).toBe(200);
      const etag = answer.headers.get('etag') ?? '';
      await storage.completeMultipart('signed/multi', uploadId, [{ partNumber: 1, etag }]);
      expect(same(await storage.get('signed/multi'), bytes(1, 2, 3, 4, 5))).toBe(true);
    }));
  });
}
