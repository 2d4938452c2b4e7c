import type { Readable } from 'node:stream';

/**
 * Where file bytes live. Metadata stays in Postgres; the bytes go behind this interface, kept on
 * local disk (the embedded default) or in any S3-compatible bucket. Every implementation must pass
 * test/storage.contract.ts (run over both by test/storage-contract.test.ts).
 *
 * Keys are made by the service from ids it generated itself (never from a user-supplied name),
 * and every implementation refuses anything outside the key grammar, so no key can climb out of
 * its root.
 */
export interface BlobStorage {
  /** What serves the URLs: `direct` ones go to the store itself (S3), `platform` ones to the file subgraph's own routes. */
  readonly urls: 'direct' | 'platform';
  /**
   * Stores `body` under `key`, replacing what was there. Readers see the old or the new bytes,
   * never a mix. A stream is consumed as it arrives (never held whole in memory).
   */
  put(key: string, body: Uint8Array | Readable): Promise<void>;
  /** The bytes under `key`, or null when there are none (small blobs only: the base64 API). */
  get(key: string): Promise<Uint8Array | null>;
  /** The bytes under `key` as a stream, all of them or an inclusive byte range; null when there are none. */
  getStream(key: string, range?: ByteRange): Promise<Readable | null>;
  head(key: string): Promise<BlobInfo | null>;
  /** Removes `key`; removing a missing key is not an error. */
  delete(key: string): Promise<void>;
  exists(key: string): Promise<boolean>;
  /**
   * A URL a client may PUT the whole blob to (S3: presigned, bound to that length and type), or
   * null when the store cannot be reached by clients and the platform serves its own signed URL.
   */
  presignPut(key: string, options: PresignPutOptions): Promise<SignedRequest | null>;
  /** A URL a client may GET the blob from; null as for presignPut. */
  presignGet(key: string, options: PresignGetOptions): Promise<SignedRequest | null>;

  /** Starts a multipart upload of `key`; parts are 1..MAX_PARTS, each but the last at least MIN_PART_BYTES. */
  createMultipart(key: string, options: { contentType: string }): Promise<string>;
  /** Stores one part (streamed); sending a part number again replaces it. */
  putPart(key: string, uploadId: string, partNumber: number, body: Uint8Array | Readable, size: number): Promise<PartInfo>;
  /** A URL a client may PUT one part to; null as for presignPut. */
  presignPart(key: string, uploadId: string, partNumber: number, options: { expiresInSeconds: number; contentLength: number }): Promise<SignedRequest | null>;
  /** The parts that arrived, by part number. */
  listParts(key: string, uploadId: string): Promise<PartInfo[]>;
  /** Joins the given parts, in order, into the blob under `key`; the upload is gone afterwards. */
  completeMultipart(key: string, uploadId: string, parts: ReadonlyArray<{ partNumber: number; etag: string }>): Promise<void>;
  /** Drops an upload and its parts; aborting an unknown upload is not an error. */
  abortMultipart(key: string, uploadId: string): Promise<void>;
  /** Every blob under `prefix` (a whole key segment path, or everything), for the cleanup of abandoned bytes. */
  list(prefix?: string): AsyncIterable<BlobInfo & { key: string }>;
}

export interface BlobInfo {
  size: number;
  lastModified: Date;
}

/** Inclusive on both ends, as HTTP ranges are. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface PartInfo {
  partNumber: number;
  size: number;
  etag: string;
}

export interface SignedRequest {
  url: string;
  method: 'PUT' | 'GET';
  /** Headers the client must send as they are (they are part of the signature). */
  headers: Record<string, string>;
  expiresAt: Date;
}

export interface PresignPutOptions {
  expiresInSeconds: number;
  contentType: string;
  contentLength: number;
}

export interface PresignGetOptions {
  expiresInSeconds: number;
  /** Served as the download's file name (Content-Disposition: attachment). */
  fileName?: string;
  contentType?: string;
}

/** S3's own limits, kept by every implementation so a client cannot tell which store it talks to. */
export const MIN_PART_BYTES = 5 * 1024 * 1024;
export const MAX_PARTS = 10_000;

export class InvalidBlobKeyError extends Error {
  constructor(key: string) {
    super(`Invalid blob key: ${JSON.stringify(key.slice(0, 80))}`);
    this.name = 'InvalidBlobKeyError';
  }
}

/** A multipart upload that is not (or no longer) there, or a part list that does not match what arrived. */
export class MultipartError extends Error {
  constructor(
    readonly reason: 'NO_SUCH_UPLOAD' | 'INVALID_PART' | 'PART_TOO_SMALL',
    message: string,
  ) {
    super(message);
    this.name = 'MultipartError';
  }
}

// Segments of letters, digits, '_' and '-' joined by single slashes. No dots at all: that rules
// out '.' and '..', and leaves dotted names free for an implementation's own files (temp files).
const KEY = /^[A-Za-z0-9][A-Za-z0-9_-]*(\/[A-Za-z0-9][A-Za-z0-9_-]*)*$/;
export const MAX_KEY_LENGTH = 512;

export function assertValidKey(key: string): void {
  if (typeof key !== 'string' || key.length > MAX_KEY_LENGTH || !KEY.test(key)) throw new InvalidBlobKeyError(String(key));
}

export function assertValidPartNumber(partNumber: number): void {
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PARTS) throw new MultipartError('INVALID_PART', `Part numbers are 1 to ${MAX_PARTS}`);
}

/** `key` is `prefix` or under it, by whole segments (`a/b` is under `a`, `ab` is not). */
export const isUnder = (key: string, prefix: string | undefined) => !prefix || key === prefix || key.startsWith(`${prefix}/`);

/** An attachment header with the name in printable ASCII (a name is a label: quotes, backslashes and other characters become '_'). */
export const contentDisposition = (fileName: string) => `attachment; filename="${fileName.replace(/[^\x20-\x7e]|["\\]/g, '_')}"`;
