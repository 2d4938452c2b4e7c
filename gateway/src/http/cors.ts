import type http from 'node:http';

/**
 * Cross-origin access to the gateway (docs/decisions/0006-cross-origin-and-get.md).
 *
 * Browsers on a listed origin may call every route (`Access-Control-Allow-Origin` names that
 * origin, with credentials allowed); a preflight is answered here, before any other rule (the
 * CSRF one included) sees the request, since a preflight carries no operation. A preflight from
 * an unlisted origin gets 403 ORIGIN_NOT_ALLOWED and no `Access-Control-Allow-*` header, so the
 * browser never sends the request. Requests that need no preflight get no CORS header when their
 * origin is unlisted: the browser then keeps the answer from the page.
 *
 * WebSockets have no CORS: a browser opens one to any origin. `allowsUpgrade` applies the same
 * list to the upgrade's `Origin`, except a page served by the gateway itself (the playground).
 * Clients that are not browsers send no `Origin` and are not affected.
 */
export interface CorsPolicy {
  /** Adds the CORS headers to a request's answer; true when it answered it itself (a preflight). */
  handle(req: http.IncomingMessage, res: http.ServerResponse): boolean;
  /** Whether a WebSocket upgrade with this request's Origin may proceed. */
  allowsUpgrade(req: http.IncomingMessage): boolean;
}

/** Headers allowed when a preflight's list cannot be read back: what the client libraries and our apps send. */
const ALLOWED_HEADERS = [
  'authorization',
  'content-type',
  'accept',
  'x-api-key',
  'apollo-require-preflight',
  'x-apollo-operation-name',
  'apollographql-client-name',
  'apollographql-client-version',
  'last-event-id',
  'idempotency-key',
].join(', ');
const HEADER_LIST = /^[A-Za-z0-9-]+(?:\s*,\s*[A-Za-z0-9-]+)*$/;
/** What a page may read of an answer besides the CORS-safelisted headers. */
const EXPOSED_HEADERS = 'retry-after';
const PREFLIGHT_MAX_AGE_SECONDS = 600;

/** `scheme://host[:port]`, lower-cased, as a browser sends it in `Origin`; null for anything else. */
export function normalizeOrigin(value: string): string | null {
  try {
    const url = new URL(value.trim());
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    if (url.pathname !== '/' || url.search || url.hash || url.username || url.password) return null;
    return url.origin;
  } catch {
    return null;
  }
}

export function corsPolicy(origins: readonly string[]): CorsPolicy {
  const allowed = new Set(origins.map((o) => normalizeOrigin(o) ?? o));
  const listed = (origin: string) => allowed.has(origin.toLowerCase());
  return {
    handle(req, res) {
      const origin = req.headers.origin;
      if (origin === undefined) return false;
      const ok = listed(origin);
      res.setHeader('vary', 'Origin');
      if (ok) {
        res.setHeader('access-control-allow-origin', origin);
        res.setHeader('access-control-allow-credentials', 'true');
        res.setHeader('access-control-expose-headers', EXPOSED_HEADERS);
      }
      if (req.method !== 'OPTIONS' || req.headers['access-control-request-method'] === undefined) return false;
      // A preflight: answered here, whatever the route, and never passed on.
      req.resume();
      if (!ok) {
        const body = JSON.stringify({
          errors: [{ message: `The origin ${origin} is not allowed to call this gateway (CORS_ORIGINS)`, extensions: { code: 'ORIGIN_NOT_ALLOWED' } }],
        });
        res.writeHead(403, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
        res.end(body);
        return true;
      }
      // The headers the page asked for, when they are a plain list: a listed origin is trusted.
      const asked = req.headers['access-control-request-headers'];
      res.writeHead(204, {
        'access-control-allow-methods': 'GET, POST',
        'access-control-allow-headers': asked && HEADER_LIST.test(asked) ? asked : ALLOWED_HEADERS,
        'access-control-max-age': String(PREFLIGHT_MAX_AGE_SECONDS),
        vary: 'Origin, Access-Control-Request-Headers',
        'content-length': '0',
      });
      res.end();
      return true;
    },
    allowsUpgrade(req) {
      const origin = req.headers.origin;
      if (origin === undefined || listed(origin)) return true;
      // The gateway's own pages (the playground) connect from the origin they were served from.
      const host = req.headers.host;
      const own = normalizeOrigin(origin);
      return host !== undefined && own !== null && new URL(own).host === host.toLowerCase();
    },
  };
}

/** The origins a development setup allows when none are configured: the web (Vite) and Expo web dev servers. */
export const DEVELOPMENT_ORIGINS = ['http://localhost:5173', 'http://127.0.0.1:5173', 'http://localhost:8081', 'http://127.0.0.1:8081'] as const;
