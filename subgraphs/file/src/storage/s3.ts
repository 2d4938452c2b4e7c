import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import {
  assertValidKey,
  assertValidPartNumber,
  contentDisposition,
  isUnder,
  MIN_PART_BYTES,
  MultipartError,
  type BlobInfo,
  type BlobStorage,
  type ByteRange,
  type PartInfo,
  type PresignGetOptions,
  type PresignPutOptions,
  type SignedRequest,
} from './storage.js';

export interface S3StorageOptions {
  bucket: string;
  region: string;
  /** Any S3-compatible endpoint (MinIO, R2, Ceph...); AWS's own when unset. */
  endpoint?: string;
  /** `endpoint/bucket/key` addressing, which most S3-compatible servers need. */
  forcePathStyle?: boolean;
  /** Static keys; without them the SDK's default chain (environment, profile, instance role) is used. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

const errorName = (error: unknown) => (error instanceof S3ServiceException ? error.name : (error as { name?: string } | null)?.name);
const statusOf = (error: unknown) => (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
const isNotFound = (error: unknown) => errorName(error) === 'NoSuchKey' || errorName(error) === 'NotFound' || statusOf(error) === 404;

function multipartError(error: unknown): never {
  const name = errorName(error);
  if (name === 'NoSuchUpload') throw new MultipartError('NO_SUCH_UPLOAD', 'No such multipart upload');
  if (name === 'InvalidPart' || name === 'InvalidPartOrder') throw new MultipartError('INVALID_PART', 'A listed part did not arrive as listed');
  if (name === 'EntityTooSmall') throw new MultipartError('PART_TOO_SMALL', `Every part but the last must be at least ${MIN_PART_BYTES} bytes`);
  throw error;
}

const toBody = (body: Uint8Array | Readable) => (body instanceof Uint8Array ? Buffer.from(body.buffer, body.byteOffset, body.byteLength) : body);
const expiry = (seconds: number) => new Date(Date.now() + seconds * 1000);

/** Blobs in one bucket of any S3-compatible store; clients PUT and GET the bucket directly with presigned URLs. */
export class S3Storage implements BlobStorage {
  readonly urls = 'direct' as const;
  readonly client: S3Client;
  private readonly bucket: string;

  constructor(options: S3StorageOptions) {
    this.bucket = options.bucket;
    this.client = new S3Client({
      region: options.region,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      forcePathStyle: options.forcePathStyle ?? false,
      ...(options.credentials ? { credentials: options.credentials } : {}),
      // The SDK's default CRC checksums on every request are not understood by many S3-compatible
      // servers and would have to be sent by clients of presigned URLs: only where S3 requires them.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  async put(key: string, body: Uint8Array | Readable): Promise<void> {
    assertValidKey(key);
    if (body instanceof Uint8Array) {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: toBody(body), ContentLength: body.byteLength }));
      return;
    }
    // A stream of unknown length goes up in parts, a few of them in memory at a time.
    await new Upload({ client: this.client, params: { Bucket: this.bucket, Key: key, Body: body }, partSize: MIN_PART_BYTES, queueSize: 2 }).done();
  }

  async get(key: string): Promise<Uint8Array | null> {
    assertValidKey(key);
    try {
      const answer = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return answer.Body ? await answer.Body.transformToByteArray() : new Uint8Array(0);
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async getStream(key: string, range?: ByteRange): Promise<Readable | null> {
    assertValidKey(key);
    try {
      const answer = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key, ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}) }),
      );
      return answer.Body instanceof Readable ? answer.Body : Readable.from([]);
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async head(key: string): Promise<BlobInfo | null> {
    assertValidKey(key);
    try {
      const answer = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { size: answer.ContentLength ?? 0, lastModified: answer.LastModified ?? new Date(0) };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key);
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async exists(key: string): Promise<boolean> {
    return (await this.head(key)) !== null;
  }

  async presignPut(key: string, options: PresignPutOptions): Promise<SignedRequest> {
    assertValidKey(key);
    const command = new PutObjectCommand({ Bucket: this.bucket, Key: key, ContentType: options.contentType, ContentLength: options.contentLength });
    // Content-Type is signed: the client must send the type it announced.
    const url = await getSignedUrl(this.client, command, { expiresIn: options.expiresInSeconds, signableHeaders: new Set(['content-type']) });
    return { url, method: 'PUT', headers: { 'content-type': options.contentType }, expiresAt: expiry(options.expiresInSeconds) };
  }

  async presignGet(key: string, options: PresignGetOptions): Promise<SignedRequest> {
    assertValidKey(key);
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: key,
      ...(options.fileName ? { ResponseContentDisposition: contentDisposition(options.fileName) } : {}),
      ...(options.contentType ? { ResponseContentType: options.contentType } : {}),
    });
    const url = await getSignedUrl(this.client, command, { expiresIn: options.expiresInSeconds });
    return { url, method: 'GET', headers: {}, expiresAt: expiry(options.expiresInSeconds) };
  }

  async createMultipart(key: string, options: { contentType: string }): Promise<string> {
    assertValidKey(key);
    const answer = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: key, ContentType: options.contentType }));
    if (!answer.UploadId) throw new Error('The S3 store answered a multipart upload without an id');
    return answer.UploadId;
  }

  async putPart(key: string, uploadId: string, partNumber: number, body: Uint8Array | Readable, size: number): Promise<PartInfo> {
    assertValidKey(key);
    assertValidPartNumber(partNumber);
    try {
      const answer = await this.client.send(
        new UploadPartCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId, PartNumber: partNumber, Body: toBody(body), ContentLength: size }),
      );
      return { partNumber, size, etag: (answer.ETag ?? '').replace(/"/g, '') };
    } catch (error) {
      return multipartError(error);
    }
  }

  async presignPart(key: string, uploadId: string, partNumber: number, options: { expiresInSeconds: number; contentLength: number }): Promise<SignedRequest> {
    assertValidKey(key);
    assertValidPartNumber(partNumber);
    const command = new UploadPartCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId, PartNumber: partNumber, ContentLength: options.contentLength });
    const url = await getSignedUrl(this.client, command, { expiresIn: options.expiresInSeconds });
    return { url, method: 'PUT', headers: {}, expiresAt: expiry(options.expiresInSeconds) };
  }

  async listParts(key: string, uploadId: string): Promise<PartInfo[]> {
    assertValidKey(key);
    const parts: PartInfo[] = [];
    let marker: string | undefined;
    try {
      do {
        const page = await this.client.send(new ListPartsCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId, PartNumberMarker: marker }));
        for (const p of page.Parts ?? []) parts.push({ partNumber: p.PartNumber ?? 0, size: p.Size ?? 0, etag: (p.ETag ?? '').replace(/"/g, '') });
        marker = page.IsTruncated ? page.NextPartNumberMarker : undefined;
      } while (marker);
    } catch (error) {
      return multipartError(error);
    }
    return parts.sort((a, b) => a.partNumber - b.partNumber);
  }

  async completeMultipart(key: string, uploadId: string, parts: ReadonlyArray<{ partNumber: number; etag: string }>): Promise<void> {
    assertValidKey(key);
    if (parts.length === 0) throw new MultipartError('INVALID_PART', 'A multipart upload needs at least one part');
    try {
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: `"${p.etag.replace(/"/g, '')}"` })) },
        }),
      );
    } catch (error) {
      multipartError(error);
    }
  }

  async abortMultipart(key: string, uploadId: string): Promise<void> {
    assertValidKey(key);
    try {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }));
    } catch (error) {
      if (errorName(error) === 'NoSuchUpload' || statusOf(error) === 404) return;
      throw error;
    }
  }

  async *list(prefix?: string): AsyncIterable<BlobInfo & { key: string }> {
    if (prefix !== undefined) assertValidKey(prefix);
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, ...(prefix ? { Prefix: prefix } : {}), ContinuationToken: token }));
      for (const o of page.Contents ?? []) {
        if (o.Key && isUnder(o.Key, prefix)) yield { key: o.Key, size: o.Size ?? 0, lastModified: o.LastModified ?? new Date(0) };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  close(): void {
    this.client.destroy();
  }
}
