import type { ApolloClient } from '@apollo/client';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { AbortUploadDocument, CompleteUploadDocument, CreateUploadDocument, CreateVersionUploadDocument, UploadPartTargetsDocument } from './gql/graphql';
import { ApiError, errorCode } from './errors';
import type { CompleteUploadMutation } from './gql/graphql';

/**
 * Direct uploads (docs/protocols/uploads.md), the one way both apps send a file: createUpload with
 * the bytes' sha256 (createVersionUpload for a new version of an existing file), the bytes PUT to
 * the signed URL (one PUT, or part by part for a multipart upload), then completeUpload. File
 * bytes never travel inside GraphQL.
 */

/** Where an upload is: bytes sent of all; `phase` says what is happening now. */
export interface UploadProgress {
  phase: 'hashing' | 'sending' | 'completing';
  sentBytes: number;
  totalBytes: number;
}

/** The bytes to send: a browser's File or Blob, or bytes in memory. */
export type UploadBody = Blob | Uint8Array;

/** A new file: its organization and name (and a run to attach it to). */
export interface NewFileTarget {
  organizationId: string;
  /** A run of the same organization to attach the file to. */
  workflowRunId?: string;
  name: string;
  fileId?: undefined;
}

/** The next version of an existing file (its name and organization stay the file's). */
export interface NewVersionTarget {
  fileId: string;
  organizationId?: undefined;
  workflowRunId?: undefined;
  name?: undefined;
}

export type UploadFileOptions = UploadOptions & (NewFileTarget | NewVersionTarget);

interface UploadOptions {
  /** The app's Apollo client (createApi): createUpload and completeUpload go through it. */
  client: ApolloClient;
  /** What the signed URLs of the local disk are relative to: the API's URL (the web app: the page's). */
  baseUrl: string;
  /** The declared media type; when empty application/octet-stream (a new file) or the file's current one (a new version). */
  contentType?: string;
  body: UploadBody;
  onProgress?: (progress: UploadProgress) => void;
  signal?: AbortSignal;
  /**
   * The hex sha256 of the bytes, given whole. By default the bytes are hashed slice by slice
   * (sha256Of: @noble/hashes, pure JavaScript, so React Native too), never held whole in memory;
   * a function given here receives them all at once.
   */
  sha256?: (bytes: Uint8Array) => Promise<string>;
  /** Upload in parts (resumable); by default the API decides (files over 64 MiB). */
  multipart?: boolean;
  /** How often a part's PUT and the completion are tried before giving up (default 3). */
  attempts?: number;
}

export type UploadedFile = CompleteUploadMutation['completeUpload'];

/** Codes a retry may fix: nothing was decided, or the answer was lost. */
const RETRYABLE = new Set(['NETWORK_ERROR', 'OUTCOME_UNKNOWN', 'SUBGRAPH_UNAVAILABLE', 'DATABASE_UNAVAILABLE', 'RATE_LIMITED', 'INTERNAL_SERVER_ERROR']);

/** Parts signed per partTargets request (the API signs at most 1000 at a time). */
const PARTS_PER_REQUEST = 100;

interface SignedRequest {
  url: string;
  method: string;
  headers: readonly { name: string; value: string }[];
}

/**
 * Uploads one file directly and answers with the file made (with `fileId`: that file, its new
 * version current). Errors are ApiErrors (or Apollo's)
 * with the API's codes (docs/errors.md): describeError words them. A lost answer to the completion
 * is asked again with the same idempotency key, so the file is made exactly once; an upload that
 * fails for good (or is aborted through `signal`) is dropped with abortUpload.
 */
export async function uploadFile(options: UploadFileOptions): Promise<UploadedFile> {
  const { client, body, signal } = options;
  const attempts = options.attempts ?? 3;
  const totalBytes = body instanceof Uint8Array ? body.byteLength : body.size;
  const report = (phase: UploadProgress['phase'], sentBytes: number) => options.onProgress?.({ phase, sentBytes, totalBytes });

  report('hashing', 0);
  const sha256 = options.sha256
    ? await options.sha256(body instanceof Uint8Array ? body : new Uint8Array(await body.arrayBuffer()))
    : await sha256Of(body, { ...(signal ? { signal } : {}), onProgress: (hashed) => report('hashing', hashed) });
  signal?.throwIfAborted();

  const shape = { size: totalBytes, sha256, ...(options.multipart !== undefined ? { multipart: options.multipart } : {}), idempotencyKey: newIdempotencyKey() };
  const upload =
    options.fileId !== undefined
      ? (
          await client.mutate({
            mutation: CreateVersionUploadDocument,
            variables: { input: { fileId: options.fileId, ...(options.contentType ? { contentType: options.contentType } : {}), ...shape } },
          })
        ).data!.createVersionUpload
      : (
          await client.mutate({
            mutation: CreateUploadDocument,
            variables: {
              input: {
                organizationId: options.organizationId,
                ...(options.workflowRunId ? { workflowRunId: options.workflowRunId } : {}),
                name: options.name,
                contentType: options.contentType || 'application/octet-stream',
                ...shape,
              },
            },
          })
        ).data!.createUpload;
  try {
    report('sending', 0);
    const parts: { partNumber: number; etag: string }[] = [];
    if (upload.target) {
      await retrying(attempts, signal, () => put(resolve(upload.target!, options.baseUrl), body, signal, (sent) => report('sending', sent)));
    } else {
      const partSize = upload.partSize!;
      let done = 0;
      for (let first = 1; first <= upload.partCount; first += PARTS_PER_REQUEST) {
        const numbers = Array.from({ length: Math.min(PARTS_PER_REQUEST, upload.partCount - first + 1) }, (_, i) => first + i);
        const answer = await client.query({ query: UploadPartTargetsDocument, variables: { id: upload.id, partNumbers: numbers }, fetchPolicy: 'no-cache' });
        const signed = answer.data?.upload;
        if (!signed) throw new ApiError('upload not found', 'NOT_FOUND');
        const received = new Map(signed.receivedParts.map((part) => [part.partNumber, part]));
        for (const target of signed.partTargets) {
          const start = (target.partNumber - 1) * partSize;
          const end = Math.min(start + partSize, totalBytes);
          const had = received.get(target.partNumber);
          // A part that arrived already (a resumed upload) is not sent again.
          const etag = had && had.size === end - start ? had.etag : await retrying(attempts, signal, () => put(resolve(target.request, options.baseUrl), body.slice(start, end), signal, (sent) => report('sending', done + sent)));
          parts.push({ partNumber: target.partNumber, etag });
          done += end - start;
          report('sending', done);
        }
      }
    }
    report('completing', totalBytes);
    const idempotencyKey = newIdempotencyKey();
    return await retrying(attempts, signal, async () => {
      const completed = await client.mutate({ mutation: CompleteUploadDocument, variables: { input: { uploadId: upload.id, idempotencyKey, ...(parts.length > 0 ? { parts } : {}) } } });
      return completed.data!.completeUpload;
    });
  } catch (error) {
    // Best effort: the cleanup timer removes what this leaves.
    await client.mutate({ mutation: AbortUploadDocument, variables: { id: upload.id } }).catch(() => {});
    throw error;
  }
}

/** How much of a Blob is read at a time while hashing. */
export const HASH_SLICE_BYTES = 8 * 1024 * 1024;

/**
 * The hex sha256 of a body, hashed incrementally one slice at a time: a Blob (a browser's File)
 * is read `sliceBytes` at a time, so memory stays flat whatever its size (Web Crypto's digest
 * takes the whole buffer at once, and so held a 1 GiB file in memory twice).
 */
export async function sha256Of(body: UploadBody, options: { sliceBytes?: number; signal?: AbortSignal; onProgress?: (hashedBytes: number) => void } = {}): Promise<string> {
  const sliceBytes = options.sliceBytes ?? HASH_SLICE_BYTES;
  const total = body instanceof Uint8Array ? body.byteLength : body.size;
  const hash = nobleSha256.create();
  for (let start = 0; start < total; start += sliceBytes) {
    options.signal?.throwIfAborted();
    const end = Math.min(start + sliceBytes, total);
    hash.update(body instanceof Uint8Array ? body.subarray(start, end) : new Uint8Array(await body.slice(start, end).arrayBuffer()));
    options.onProgress?.(end);
  }
  return Array.from(hash.digest(), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** The hex sha256 by Web Crypto (browsers and Node), of bytes given whole. */
export async function webCryptoSha256(bytes: Uint8Array): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) throw new ApiError('no Web Crypto here: pass sha256', 'INTERNAL_SERVER_ERROR');
  const digest = await subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * A fresh idempotency key for one intended write (docs/protocols/idempotency.md): a UUID where the
 * platform has Web Crypto's randomUUID, else random enough for a key (React Native's Hermes has none).
 */
export function newIdempotencyKey(): string {
  return globalThis.crypto?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
}

function resolve(request: SignedRequest, baseUrl: string): SignedRequest {
  return { ...request, url: new URL(request.url, baseUrl).href };
}

async function retrying<T>(attempts: number, signal: AbortSignal | undefined, run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    signal?.throwIfAborted();
    try {
      return await run();
    } catch (error) {
      if (attempt >= attempts || signal?.aborted || !RETRYABLE.has(errorCode(error))) throw error;
      await new Promise((done) => setTimeout(done, 250 * 2 ** (attempt - 1)));
    }
  }
}

/** One PUT of some bytes; answers with the ETag. XMLHttpRequest where there is one (upload progress), fetch elsewhere. */
function put(request: SignedRequest, bytes: UploadBody, signal: AbortSignal | undefined, onSent: (bytes: number) => void): Promise<string> {
  const Xhr = (globalThis as { XMLHttpRequest?: new () => Xhr }).XMLHttpRequest;
  if (Xhr) return putWithXhr(Xhr, request, bytes, signal, onSent);
  return putWithFetch(request, bytes, signal, onSent);
}

async function putWithFetch(request: SignedRequest, bytes: UploadBody, signal: AbortSignal | undefined, onSent: (bytes: number) => void): Promise<string> {
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: request.method,
      headers: Object.fromEntries(request.headers.map((header) => [header.name, header.value])),
      body: bytes as Blob,
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new ApiError('network error', 'NETWORK_ERROR');
  }
  const text = await response.text().catch(() => '');
  if (!response.ok) throw refusal(response.status, text);
  onSent(bytes instanceof Uint8Array ? bytes.byteLength : bytes.size);
  return response.headers.get('etag') ?? '';
}

/** The part of a browser's XMLHttpRequest used here (this package is typed without the DOM library). */
interface Xhr {
  open(method: string, url: string): void;
  setRequestHeader(name: string, value: string): void;
  getResponseHeader(name: string): string | null;
  send(body: unknown): void;
  abort(): void;
  readonly status: number;
  readonly responseText: string;
  upload: { onprogress: ((event: { loaded: number }) => void) | null };
  onload: (() => void) | null;
  onerror: (() => void) | null;
  onabort: (() => void) | null;
  onloadend: (() => void) | null;
}

function putWithXhr(Xhr: new () => Xhr, request: SignedRequest, bytes: UploadBody, signal: AbortSignal | undefined, onSent: (bytes: number) => void): Promise<string> {
  return new Promise((resolvePut, reject) => {
    const xhr = new Xhr();
    xhr.open(request.method, request.url);
    for (const header of request.headers) {
      // The browser sets these itself and refuses to be told.
      if (!/^(content-length|host)$/i.test(header.name)) xhr.setRequestHeader(header.name, header.value);
    }
    xhr.upload.onprogress = (event) => onSent(event.loaded);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) resolvePut(xhr.getResponseHeader('etag') ?? '');
      else reject(refusal(xhr.status, xhr.responseText));
    };
    xhr.onerror = () => reject(new ApiError('network error', 'NETWORK_ERROR'));
    const abort = () => xhr.abort();
    xhr.onabort = () => reject(signal?.reason ?? new ApiError('aborted', 'NETWORK_ERROR'));
    signal?.addEventListener('abort', abort, { once: true });
    xhr.onloadend = () => signal?.removeEventListener('abort', abort);
    xhr.send(bytes);
  });
}

/** A refused PUT: `{ error: { code, message } }` from the platform, S3's XML or nothing elsewhere. */
function refusal(status: number, text: string): ApiError {
  let code: string | undefined;
  try {
    code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
  } catch {
    // S3 answers XML: its status says enough.
  }
  code ??= status === 403 ? 'SIGNED_URL_INVALID' : status === 404 ? 'NOT_FOUND' : status === 413 ? 'PAYLOAD_TOO_LARGE' : status === 429 ? 'RATE_LIMITED' : status >= 500 ? 'NETWORK_ERROR' : 'BAD_USER_INPUT';
  return new ApiError(`upload refused: HTTP ${status}`, code);
}
