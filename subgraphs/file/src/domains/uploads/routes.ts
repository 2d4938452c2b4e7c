import { Transform, type Readable } from 'node:stream';
import { ERROR_CODES, isUuid, type Database, type ErrorCode, type Logger } from '@organoise/core';
import { eq } from 'drizzle-orm';
import type express from 'express';
import { uploads } from '../../db/schema.js';
import { assertValidKey, contentDisposition, InvalidBlobKeyError, MultipartError, type BlobStorage } from '../../storage/index.js';
import type { UrlSigner } from './signing.js';
import { expectedPartBytes } from './uploads.js';

/**
 * The URLs the file subgraph serves itself when clients cannot reach the store (local disk):
 * uploads and downloads signed by the GraphQL API (docs/protocols/uploads.md). The gateway
 * forwards `/files/*` here as a stream (gateway/src/uploads.ts). The signature is the only
 * authority: these routes read no token.
 */
export interface UploadRouteServices {
  db: Database;
  storage: BlobStorage;
  signer: UrlSigner;
  log: Logger;
}

class RouteRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

function refuse(res: express.Response, refusal: RouteRefusal) {
  if (res.headersSent) return res.destroy();
  res.status(refusal.status).json({ error: { code: refusal.code, message: refusal.message } });
}

const single = (value: unknown) => (typeof value === 'string' ? value : undefined);
const invalidSignature = () => new RouteRefusal(403, 'SIGNED_URL_INVALID', ERROR_CODES.SIGNED_URL_INVALID);

/** Passes exactly `limit` bytes on; one more is PAYLOAD_TOO_LARGE and ends the stream. */
function exactly(limit: number): Transform & { received: () => number } {
  let received = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      received += chunk.length;
      if (received > limit) return done(new RouteRefusal(413, 'PAYLOAD_TOO_LARGE', `More than the ${limit} bytes announced`));
      done(null, chunk);
    },
  });
  return Object.assign(counter, { received: () => received });
}

export function mountUploadRoutes(app: express.Express, services: UploadRouteServices): void {
  app.put('/files/upload/:uploadId', async (req, res) => {
    try {
      const uploadId = req.params.uploadId;
      const part = single(req.query.part) ?? '';
      if (!isUuid(uploadId) || !/^\d{1,5}$/.test(part)) throw invalidSignature();
      if (!services.signer.verify(['PUT', uploadId, part], single(req.query.expires), single(req.query.signature))) throw invalidSignature();
      const [upload] = await services.db.select().from(uploads).where(eq(uploads.id, uploadId));
      if (!upload || upload.completedAt || upload.expiresAt.getTime() <= Date.now()) throw new RouteRefusal(404, 'NOT_FOUND', 'No open upload with this id');
      const partNumber = Number(part);
      const expected = partNumber === 0 ? (upload.multipartId ? null : upload.size) : upload.multipartId ? expectedPartBytes(upload, partNumber) : null;
      if (expected === null) throw new RouteRefusal(404, 'NOT_FOUND', 'This upload has no such part');
      const declared = req.headers['content-length'];
      if (declared !== undefined && Number(declared) > expected) throw new RouteRefusal(413, 'PAYLOAD_TOO_LARGE', `More than the ${expected} bytes announced`);
      const counted = exactly(expected);
      const body: Readable = req.pipe(counted);
      req.once('error', (error) => counted.destroy(error));
      let etag: string;
      if (upload.multipartId) {
        etag = (await services.storage.putPart(upload.storageKey, upload.multipartId, partNumber, body, expected)).etag;
      } else {
        await services.storage.put(upload.storageKey, body);
        etag = upload.sha256;
      }
      if (counted.received() !== expected) {
        // A short body leaves nothing behind that could be mistaken for the whole.
        if (!upload.multipartId) await services.storage.delete(upload.storageKey);
        throw new RouteRefusal(400, 'BAD_USER_INPUT', `${counted.received()} of the ${expected} bytes announced arrived`);
      }
      res.setHeader('ETag', `"${etag}"`);
      res.status(200).end();
    } catch (error) {
      if (error instanceof RouteRefusal) return refuse(res, error);
      if (error instanceof MultipartError) return refuse(res, new RouteRefusal(404, 'NOT_FOUND', 'No open upload with this id'));
      services.log.error('upload route failed', { error });
      refuse(res, new RouteRefusal(500, 'INTERNAL_SERVER_ERROR', ERROR_CODES.INTERNAL_SERVER_ERROR));
    }
  });

  app.get('/files/download/*key', async (req, res) => {
    try {
      const segments = (req.params as { key?: string[] }).key ?? [];
      const key = segments.join('/');
      const name = single(req.query.name) ?? '';
      const type = single(req.query.type) ?? '';
      try {
        assertValidKey(key);
      } catch (error) {
        if (error instanceof InvalidBlobKeyError) throw invalidSignature();
        throw error;
      }
      if (!services.signer.verify(['GET', key, name, type], single(req.query.expires), single(req.query.signature))) throw invalidSignature();
      const info = await services.storage.head(key);
      if (!info) throw new RouteRefusal(404, 'NOT_FOUND', 'File not found');
      const range = parseRange(req.headers.range, info.size);
      if (range === 'unsatisfiable') {
        res.setHeader('Content-Range', `bytes */${info.size}`);
        throw new RouteRefusal(416, 'BAD_USER_INPUT', 'The range is outside the file');
      }
      const stream = await services.storage.getStream(key, range ?? undefined);
      if (!stream) throw new RouteRefusal(404, 'NOT_FOUND', 'File not found');
      res.status(range ? 206 : 200);
      res.setHeader('Content-Type', type || 'application/octet-stream');
      res.setHeader('Content-Length', String(range ? range.end - range.start + 1 : info.size));
      if (range) res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${info.size}`);
      res.setHeader('Accept-Ranges', 'bytes');
      // Always a download, never rendered on the API's origin.
      res.setHeader('Content-Disposition', `${contentDisposition(name)}; filename*=UTF-8''${encodeURIComponent(name)}`);
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('Cache-Control', 'private, no-store');
      stream.once('error', (error) => {
        services.log.error('download stream failed', { error });
        res.destroy();
      });
      stream.pipe(res);
    } catch (error) {
      if (error instanceof RouteRefusal) return refuse(res, error);
      services.log.error('download route failed', { error });
      refuse(res, new RouteRefusal(500, 'INTERNAL_SERVER_ERROR', ERROR_CODES.INTERNAL_SERVER_ERROR));
    }
  });
}

/** One `bytes=a-b`, `bytes=a-` or `bytes=-n` range; anything else is served whole. */
function parseRange(header: string | undefined, size: number): { start: number; end: number } | null | 'unsatisfiable' {
  const match = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!match || (match[1] === '' && match[2] === '')) return null;
  if (size === 0) return 'unsatisfiable';
  if (match[1] === '') {
    const suffix = Math.min(Number(match[2]), size);
    return suffix === 0 ? 'unsatisfiable' : { start: size - suffix, end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  return start >= size || end < start ? 'unsatisfiable' : { start, end };
}
