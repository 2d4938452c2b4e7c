import { assertValidKey, type BlobStorage } from './storage.js';

/** Keeps blobs in process memory: for tests, and the reference any other implementation must match. */
export class MemoryStorage implements BlobStorage {
  private readonly blobs = new Map<string, Uint8Array>();

  async put(key: string, bytes: Uint8Array): Promise<void> {
    assertValidKey(key);
    // A copy, so a caller reusing its buffer cannot change what was stored.
    this.blobs.set(key, Uint8Array.from(bytes));
  }

  async get(key: string): Promise<Uint8Array | null> {
    assertValidKey(key);
    const bytes = this.blobs.get(key);
    return bytes ? Uint8Array.from(bytes) : null;
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key);
    this.blobs.delete(key);
  }

  async exists(key: string): Promise<boolean> {
    assertValidKey(key);
    return this.blobs.has(key);
  }

  /** Every stored key (tests use it to prove nothing was left behind). */
  keys(): string[] {
    return [...this.blobs.keys()];
  }
}
