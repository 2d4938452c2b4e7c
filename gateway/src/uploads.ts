import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { pipeline } from 'node:stream/promises';
import type { Logger } from '@organoise/core';

/**
 * Forwards the file subgraph's signed upload and download URLs (`/files/upload/...`,
 * `/files/download/...`: docs/protocols/uploads.md) from the gateway's origin, so a browser reaches
 * them where it reaches the API. Bodies stream through both ways, a few chunks in memory at a
 * time: no body parser and no body-size limit applies here (the file subgraph counts the bytes
 * against what the upload announced and refuses more with 413). The signature in the URL is the
 * authority; no token is read or forwarded.
 *
 * Mount it before any body parser: `app.use('/files', uploadProxy({ fileSubgraphUrl: urls.file, log }))`.
 */
export interface UploadProxyOptions {
  /** The file subgraph's GraphQL URL (its origin serves /files/*). */
  fileSubgraphUrl: string;
  log: Logger;
}

// Only what the upload and download routes read or answer; never cookies or credentials.
const REQUEST_HEADERS = ['content-type', 'content-length', 'range', 'if-none-match', 'if-modified-since', 'transfer-encoding'];
const RESPONSE_HEADERS = ['content-type', 'content-length', 'content-range', 'content-disposition', 'accept-ranges', 'etag', 'cache-control', 'x-content-type-options'];

export function uploadProxy(options: UploadProxyOptions) {
  const target = new URL(options.fileSubgraphUrl);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return (req: IncomingMessage & { originalUrl?: string }, res: ServerResponse, next: (error?: unknown) => void) => {
    const path = req.originalUrl ?? req.url ?? '';
    const allowed = (req.method === 'PUT' && path.startsWith('/files/upload/')) || (req.method === 'GET' && path.startsWith('/files/download/'));
    if (!allowed) return next();
    const headers: Record<string, string> = {};
    for (const name of REQUEST_HEADERS) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const upstream = send({ protocol: target.protocol, hostname: target.hostname, port: target.port, method: req.method, path, headers });
    upstream.once('response', (answer) => {
      res.statusCode = answer.statusCode ?? 502;
      for (const name of RESPONSE_HEADERS) {
        const value = answer.headers[name];
        if (value !== undefined) res.setHeader(name, value);
      }
      pipeline(answer, res).catch(() => res.destroy());
    });
    upstream.once('error', (error) => {
      options.log.warn('file subgraph unreachable for an upload or download', { error });
      if (res.headersSent) return res.destroy();
      res.statusCode = 503;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ error: { code: 'SUBGRAPH_UNAVAILABLE', message: 'The file service could not be reached; retry later' } }));
    });
    // A client that goes away mid-upload ends the upstream request too, so the subgraph drops the partial bytes.
    pipeline(req, upstream).catch(() => upstream.destroy());
  };
}
