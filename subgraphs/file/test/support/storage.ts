import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LocalDiskStorage } from '../../src/storage/index.js';

/** A LocalDiskStorage in a temp folder of its own, removed when the test process ends. */
export function scratchStorage(): LocalDiskStorage {
  const dir = mkdtempSync(path.join(tmpdir(), 'organoise-file-scratch-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return new LocalDiskStorage(dir);
}
