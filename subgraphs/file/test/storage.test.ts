import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidBlobKeyError, LocalDiskStorage } from '../src/storage/index.js';

// What only the local disk does; what every storage does is in storage.contract.ts.
const tempDir = () => mkdtemp(path.join(tmpdir(), 'organoise-blobs-'));

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

describe('LocalDiskStorage', () => {
  it('leaves only the blob behind after a write (the temp file is renamed into place)', async () => {
    const dir = await tempDir();
    try {
      const storage = new LocalDiskStorage(path.join(dir, 'not-yet-created'));
      await storage.put('org/file/blob', Uint8Array.from([1, 2, 3]));
      expect(await filesUnder(dir)).toEqual([path.join('not-yet-created', 'org', 'file', 'blob.blob')]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('cannot be made to read or delete a file outside its root', async () => {
    const dir = await tempDir();
    try {
      const root = path.join(dir, 'root');
      await writeFile(path.join(dir, 'secret.blob'), 'secret');
      const storage = new LocalDiskStorage(root);
      await expect(storage.get('../secret')).rejects.toBeInstanceOf(InvalidBlobKeyError);
      await expect(storage.delete('../secret')).rejects.toBeInstanceOf(InvalidBlobKeyError);
      expect(await filesUnder(dir)).toEqual(['secret.blob']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
