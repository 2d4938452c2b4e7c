import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256Of } from '../src/uploads';

const wholeSha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('sha256Of (uploadFile’s hash, slice by slice)', () => {
  it('should equal the sha256 of the whole for a Blob read in many slices, the last one short, reporting each slice', async () => {
    const bytes = new Uint8Array(randomBytes(3 * 64 * 1024 + 123));
    const hashed: number[] = [];
    const digest = await sha256Of(new Blob([bytes]), { sliceBytes: 64 * 1024, onProgress: (n) => void hashed.push(n) });
    expect(digest).toBe(wholeSha256(bytes));
    // Four slices: three whole ones and the remainder.
    expect(hashed).toEqual([65_536, 131_072, 196_608, 196_731]);
  });

  it('should equal the sha256 of the whole for bytes in memory, at the default slice size, and for an empty body', async () => {
    const bytes = new Uint8Array(randomBytes(8 * 1024 * 1024 + 1024));
    expect(await sha256Of(bytes)).toBe(wholeSha256(bytes));
    expect(await sha256Of(new Blob([]))).toBe(wholeSha256(new Uint8Array(0)));
  });

  it('should stop between slices once its signal is aborted', async () => {
    const controller = new AbortController();
    const hashing = sha256Of(new Blob([new Uint8Array(4 * 1024)]), { sliceBytes: 1024, signal: controller.signal, onProgress: (n) => n >= 2048 && controller.abort() });
    await expect(hashing).rejects.toThrow();
  });
});
