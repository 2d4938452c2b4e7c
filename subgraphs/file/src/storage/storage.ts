/**
 * Where file bytes live. Metadata stays in Postgres; the bytes go behind this interface so the
 * local disk of today can become S3 later without touching the domain code. Every implementation
 * must pass test/storage.contract.ts.
 *
 * Keys are made by the service from ids it generated itself (never from a user-supplied name),
 * and every implementation refuses anything outside the key grammar, so no key can climb out of
 * its root.
 */
export interface BlobStorage {
  /** Stores `bytes` under `key`, replacing what was there. Readers see the old or the new bytes, never a mix. */
  put(key: string, bytes: Uint8Array): Promise<void>;
  /** The bytes under `key`, or null when there are none. */
  get(key: string): Promise<Uint8Array | null>;
  /** Removes `key`; removing a missing key is not an error. */
  delete(key: string): Promise<void>;
  exists(key: string): Promise<boolean>;
}

export class InvalidBlobKeyError extends Error {
  constructor(key: string) {
    super(`Invalid blob key: ${JSON.stringify(key.slice(0, 80))}`);
    this.name = 'InvalidBlobKeyError';
  }
}

// Segments of letters, digits, '_' and '-' joined by single slashes. No dots at all: that rules
// out '.' and '..', and leaves dotted names free for an implementation's own files (temp files).
const KEY = /^[A-Za-z0-9][A-Za-z0-9_-]*(\/[A-Za-z0-9][A-Za-z0-9_-]*)*$/;
export const MAX_KEY_LENGTH = 512;

export function assertValidKey(key: string): void {
  if (typeof key !== 'string' || key.length > MAX_KEY_LENGTH || !KEY.test(key)) throw new InvalidBlobKeyError(String(key));
}
