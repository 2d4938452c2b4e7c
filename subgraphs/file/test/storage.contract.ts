import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InvalidBlobKeyError, type BlobStorage } from '../src/storage/index.js';

export interface StorageUnderTest {
  storage: BlobStorage;
  /** Called once after the suite. */
  cleanup?: () => Promise<void>;
}

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
 * (test/storage.test.ts); a new backend (S3) joins by adding one line there.
 */
export function blobStorageContract(name: string, create: () => Promise<StorageUnderTest>) {
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
      }
    }));

    it('accepts the keys the service makes: uuid segments', withStorage(async (storage) => {
      const key = '6f1c9a52-3b7e-4d0a-9c1e-2f4b8d7a6e10/0b8e2f7c-1d3a-4e5b-8c9d-7a6f5e4d3c2b/9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
      await storage.put(key, bytes(7));
      expect(same(await storage.get(key), bytes(7))).toBe(true);
    }));

    it('never shows a reader a mix of two writes to the same key', withStorage(async (storage) => {
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
  });
}
