import type { RequestHandler } from 'express';
import { sendRefusal } from './errors.js';

/**
 * The shape of an HTTP request to /graphql, checked before and after its body is read.
 *
 * Cross-site request forgery: a web page can make a browser send a form-encoded, multipart or
 * plain-text POST anywhere, with the user's cookies and without a CORS preflight, but not a JSON
 * one. So a POST body must be `application/json`; anything else is refused unread with 415
 * UNSUPPORTED_MEDIA_TYPE. GET requests meet Apollo Server's csrfPrevention (a simple GET needs an
 * `apollo-require-preflight` or `x-apollo-operation-name` header) and may carry only queries: a
 * mutation over GET gets 405.
 */
export const requireJsonPost: RequestHandler = (req, res, next) => {
  if (req.method !== 'POST') return next();
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json') return next();
  sendRefusal(res, 'UNSUPPORTED_MEDIA_TYPE', 'Send the operation as a JSON body with Content-Type: application/json');
};

/**
 * Batching (a JSON array of operations in one request) multiplies everything a single request
 * may cost and slips past per-request rate limits, so it stays off (Apollo Server's default) and
 * the cap is one operation per request, refused with a catalogued code rather than Apollo's
 * generic BAD_REQUEST.
 */
export const refuseBatches: RequestHandler = (req, res, next) => {
  if (!Array.isArray(req.body)) return next();
  sendRefusal(res, 'BATCH_NOT_ALLOWED', 'Batched operations are not accepted; send one operation per request');
};

/**
 * Variables and extensions nested deeper than this are refused (by the gate, with BAD_USER_INPUT):
 * no real input comes near it, and code that recurses over them (coercion, planning, the
 * subgraphs' input checks) would overflow its stack.
 */
export const MAX_INPUT_DEPTH = 100;

/** How deep a JSON value nests, counted without recursion (the value may be thousands deep). */
export function depthExceeds(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (item === null || typeof item !== 'object') continue;
    if (depth >= limit) return true;
    for (const child of Array.isArray(item) ? item : Object.values(item as Record<string, unknown>)) stack.push([child, depth + 1]);
  }
  return false;
}
