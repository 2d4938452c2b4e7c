import type http from 'node:http';
import type { Logger } from '@organoise/core';
import express from 'express';
import { gatewayClock, type GatewayContext } from '../context.js';
import type { Refusal } from '../pipeline/answers.js';
import type { Admitted, Gate } from '../pipeline/gate.js';
import { refuseBatches, requireJsonPost } from '../protection/http.js';
import { API_KEY_HEADER } from '../protection/rate-limit.js';

/**
 * The HTTP adapter: GraphQL over HTTP (POST and GET) to `/graphql`, and the front half of SSE and
 * multipart, which are HTTP requests too. It translates the wire to the gate and back:
 *
 * - the head: the address and API key are charged before the body is read (a flood costs no
 *   parsing), then a POST must be JSON (cross-site request forgery: protection/http.ts);
 * - the body, read with the size cap (413 PAYLOAD_TOO_LARGE) and one operation per request;
 * - the gate's admission (authentication, the user's budget, input, safelist, parse, validate,
 *   plan), refused with the status and headers answers.ts gives.
 *
 * An admitted request goes on to what answers it: the SSE and multipart streams, Apollo Server
 * (whose context is the admission's), or the lean path (lean-http.ts), which runs these same
 * handlers around its own body reader.
 */
export interface HttpEdge {
  /** Handlers run before the body is read. */
  beforeBody: express.RequestHandler[];
  /** Handlers run once `req.body` is set; the last admits the request. */
  afterBody: express.RequestHandler[];
  /** The admission of a request these handlers passed. */
  admissionOf(req: object): Admitted | undefined;
  /** Apollo Server's context for a request: its admission's. */
  contextOf(req: express.Request): GatewayContext;
  /** Errors of the body reader (express.json's, or the lean path's shaped like them). */
  onError: express.ErrorRequestHandler;
  maxBodyBytes: number;
}

export function httpEdge(options: { gate: Gate; maxBodyBytes: number; log: Logger }): HttpEdge {
  const { gate, log } = options;
  const admissions = new WeakMap<object, Admitted>();
  const clientIpOf = (req: express.Request) => req.ip ?? req.socket.remoteAddress ?? null;

  // When each request's head was read (gatewayClock): its arrival, for the fetches it may join.
  const arrivals = new WeakMap<object, number>();

  const chargeHead: express.RequestHandler = async (req, res, next) => {
    arrivals.set(req, gatewayClock());
    try {
      const refused = await gate.chargeAddress({ clientIp: clientIpOf(req), authorization: req.get('authorization'), apiKeyHeader: req.get(API_KEY_HEADER) });
      if (refused) return sendRefusal(req, res, refused);
      next();
    } catch (error) {
      next(error);
    }
  };

  const admit: express.RequestHandler = async (req, res, next) => {
    // Other methods are Apollo Server's to refuse (405).
    if (req.method !== 'GET' && req.method !== 'POST') return next();
    try {
      const admission = await gate.admit({
        transport: 'http',
        method: req.method,
        params: req.method === 'GET' ? req.query : req.body,
        authorization: req.get('authorization'),
        apiKeyHeader: req.get(API_KEY_HEADER),
        clientIp: clientIpOf(req),
        userAgent: req.get('user-agent'),
        // Set for every request by the gateway's HTTP server (index.ts), before anything else runs.
        requestId: req.get('x-request-id'),
        arrivedAt: arrivals.get(req),
        charged: true,
      });
      if (!admission.ok) return sendRefusal(req, res, admission.refusal);
      admissions.set(req, admission);
      next();
    } catch (error) {
      next(error);
    }
  };

  const onError: express.ErrorRequestHandler = (error: unknown, _req, res, _next) => {
    const status = (error as { status?: number }).status ?? 500;
    if (status >= 500) log.error('http error', { error });
    const code = status === 413 ? 'PAYLOAD_TOO_LARGE' : status >= 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST';
    res.status(status).json({ errors: [{ message: status === 413 ? 'Request body too large' : status >= 500 ? 'Internal server error' : 'Bad request', extensions: { code } }] });
  };

  return {
    beforeBody: [chargeHead, requireJsonPost],
    afterBody: [refuseBatches, admit],
    admissionOf: (req) => admissions.get(req),
    contextOf: (req) => {
      const admitted = admissions.get(req);
      if (admitted) return admitted.context;
      // Only a method Apollo Server refuses gets here unadmitted: it runs nothing.
      return { viewer: null, requestId: req.get('x-request-id') ?? '', clientIp: clientIpOf(req) };
    },
    onError,
    maxBodyBytes: options.maxBodyBytes,
  };
}

const JSON_TYPE = 'application/json; charset=utf-8';
const GRAPHQL_RESPONSE_TYPE = 'application/graphql-response+json; charset=utf-8';

/** Sends a refusal as Apollo Server sends its own: the media type the client prefers of the two it speaks. */
export function sendRefusal(req: http.IncomingMessage, res: http.ServerResponse, refusal: Refusal): void {
  const accept = String(req.headers.accept ?? '');
  const graphqlResponse = accept.indexOf('application/graphql-response+json');
  const json = accept.indexOf('application/json');
  const type = graphqlResponse >= 0 && (json < 0 || graphqlResponse < json) ? GRAPHQL_RESPONSE_TYPE : JSON_TYPE;
  const body = `${JSON.stringify({ errors: refusal.errors })}\n`;
  res.writeHead(refusal.status, { ...refusal.headers, 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
