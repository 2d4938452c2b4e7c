import type http from 'node:http';
import type { Logger } from '@organoise/core';
import type express from 'express';
import type { DocumentNode, ExecutionResult, GraphQLFormattedError } from 'graphql';
import type { GatewayContext } from '../context.js';
import type { Formatter } from '../pipeline/answers.js';
import { asGraphQLErrors, type EngineSubscription, type SubscriptionEngine } from '../subscriptions/engine.js';
import { printDocument } from './graphql-ws.js';
import type { HttpEdge } from './http.js';
import { failureErrors, type Watch } from './live.js';

/**
 * The SSE and multipart adapters: GraphQL over SSE (`Accept: text/event-stream`,
 * distinct-connections mode, `id:` = cursor, Last-Event-ID resumes) and Apollo's multipart HTTP
 * subscriptions (`Accept: multipart/mixed;subscriptionSpec=1.0`). Both are HTTP requests: the
 * HTTP adapter (http.ts) charged, read and admitted them through the gate before they come here,
 * so a refusal is the same answer as over plain HTTP. What is theirs: the framing, waiting for
 * the subscription to be live before the headers go, backpressure, heartbeats, and ending the
 * stream when its credentials are lost or the schema reloads.
 */
export interface StreamsOptions {
  edge: HttpEdge;
  watch: Watch;
  engine: () => SubscriptionEngine;
  executeOperation: (request: { query: string; variables: Record<string, unknown>; operationName?: string | undefined }, context: GatewayContext) => Promise<ExecutionResult>;
  formatError: Formatter;
  heartbeatMs: number;
  log: Logger;
}

/** Which stream a request asks for, if any. */
export function streamKind(req: http.IncomingMessage): 'sse' | 'multipart' | null {
  if (req.method !== 'GET' && req.method !== 'POST') return null;
  const accept = String(req.headers.accept ?? '');
  if (accept.includes('text/event-stream')) return 'sse';
  if (/multipart\/mixed/i.test(accept) && /subscriptionSpec/i.test(accept)) return 'multipart';
  return null;
}

export function streamsAdapter(options: StreamsOptions) {
  const failure = (error: unknown) => failureErrors(error, options.formatError, options.log);
  // How to end each open stream with a final error (a reload ends them all).
  const streams = new Set<(error: GraphQLFormattedError) => void>();

  const serve: express.RequestHandler = async (req, res, next) => {
    const kind = streamKind(req);
    const admitted = kind ? options.edge.admissionOf(req) : undefined;
    if (!kind || !admitted) return next();
    const sse = kind === 'sse';
    // Queries and mutations go to Apollo Server unless only a stream is acceptable: graphql-sse
    // asks for `text/event-stream` alone and expects one `next`, then `complete`.
    if (admitted.operation.operation !== 'subscription') {
      if (!sse || acceptsJson(req)) return next();
      let result: ExecutionResult;
      try {
        result = await options.executeOperation({ query: printDocument(admitted.document), variables: admitted.variables, operationName: admitted.operationName }, admitted.context);
      } catch (error) {
        result = { errors: asGraphQLErrors(failure(error)) };
      }
      if (res.destroyed) return;
      const write = sseWriter(res);
      write.next(result, undefined);
      return write.end();
    }
    // SSE reconnects send the last id they saw; it resumes the stream through the `after` variable.
    let variables = admitted.variables;
    const lastEventId = req.headers['last-event-id'];
    if (sse && typeof lastEventId === 'string' && declaresVariable(admitted.document, 'after')) variables = { ...variables, after: lastEventId };
    let iterator: EngineSubscription;
    // Set once the stream has begun: a subscriber cut off before that just never starts.
    let endWith: ((error: GraphQLFormattedError) => void) | undefined;
    try {
      iterator = options.engine().subscribe({
        document: admitted.document,
        operationName: admitted.operationName,
        variables,
        context: admitted.context,
        // The loop below may be waiting for the peer to drain: end the stream from here.
        onSlowConsumer: () => endWith?.({ message: 'This subscriber fell too far behind and was cut off', extensions: { code: 'SLOW_CONSUMER' } }),
      });
    } catch (error) {
      return void res.status(400).json({ errors: failure(error) });
    }
    // The response headers tell the client it is subscribed: sent once the upstream is live, so
    // every event committed after they arrive is delivered. A client gone meanwhile ends it here.
    const gone = () => void iterator.return?.();
    res.on('close', gone);
    await iterator.accepted;
    res.off('close', gone);
    if (res.destroyed || res.writableEnded) return void iterator.return?.();

    const write = sse ? sseWriter(res) : multipartWriter(res);
    let ended = false;
    endWith = (error: GraphQLFormattedError) => {
      write.error([error]);
      end();
    };
    streams.add(endWith);
    const end = () => {
      if (ended) return;
      ended = true;
      streams.delete(endWith!);
      clearInterval(heartbeat);
      unwatch();
      void iterator.return?.();
      write.end();
    };
    const heartbeat = setInterval(() => write.heartbeat(), options.heartbeatMs);
    const unwatch = options.watch(req.headers.authorization, admitted.context.clientIp, admitted.authentication, (loss) => endWith?.({ message: loss.reason, extensions: { code: loss.code } }));
    res.on('close', end);
    // Backpressure: while the peer does not read, the response's buffer stays full, no event is
    // pulled and they wait in the engine's bounded queue, which cuts the subscriber off when it
    // overflows. Writing without waiting would buffer every event in memory instead.
    const drained = () =>
      new Promise<void>((resolve) => {
        const done = () => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    try {
      for (;;) {
        const { value, done } = await iterator.next();
        if (done || ended) break;
        if (!write.next(value, cursorOf(value))) await drained();
      }
    } catch (error) {
      if (!ended) write.error(failure(error));
    }
    end();
  };

  return {
    serve,
    /** Every open stream was planned on the schema being replaced: ended with SCHEMA_RELOADED, clients resubscribe. */
    reload: () => {
      for (const endWith of [...streams]) endWith({ message: 'The gateway loaded a new schema; resubscribe', extensions: { code: 'SCHEMA_RELOADED' } });
    },
  };
}

/** graphql-sse's single-connection mode names its reserved stream in this header. */
const STREAM_TOKEN_HEADER = 'x-graphql-event-stream-token';

/**
 * GraphQL over SSE's single-connection mode (a PUT reserves a stream, operations then name its
 * token) is not offered: refused with its own code before any other path (the lean one
 * included) could take such a request for something else. True when it answered.
 */
export function refuseSseSingleConnection(req: http.IncomingMessage, res: http.ServerResponse): boolean {
  const path = (req.url ?? '').split('?')[0];
  if (path !== '/graphql' || (req.method !== 'PUT' && req.headers[STREAM_TOKEN_HEADER] === undefined)) return false;
  req.resume();
  const body = JSON.stringify({
    errors: [{ message: "GraphQL over SSE's single-connection mode is not offered; use distinct connections (graphql-sse's default, singleConnection: false)", extensions: { code: 'SSE_SINGLE_CONNECTION_UNSUPPORTED' } }],
  });
  res.writeHead(405, { allow: 'GET, POST', 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
  return true;
}

/** Whether the request takes a JSON answer (urql lists `text/event-stream` after the JSON types). */
function acceptsJson(req: express.Request): boolean {
  return /application\/(?:graphql-response\+)?json/i.test(String(req.headers.accept ?? ''));
}

/** The `cursor` a subscription's root field selected, if any: SSE sends it as the event id. */
function cursorOf(result: ExecutionResult): string | undefined {
  const root = result.data ? Object.values(result.data)[0] : undefined;
  const cursor = root && typeof root === 'object' ? (root as { cursor?: unknown }).cursor : undefined;
  return typeof cursor === 'string' ? cursor : undefined;
}

function declaresVariable(document: DocumentNode, name: string) {
  return document.definitions.some((d) => d.kind === 'OperationDefinition' && d.variableDefinitions?.some((v) => v.variable.name.value === name));
}

function sseWriter(res: express.Response) {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  res.flushHeaders();
  const send = (chunk: string) => res.writableEnded || res.write(chunk);
  return {
    next: (value: ExecutionResult, id: string | undefined) => send(`${id ? `id: ${id}\n` : ''}event: next\ndata: ${JSON.stringify(value)}\n\n`),
    error: (errors: GraphQLFormattedError[]) => send(`event: next\ndata: ${JSON.stringify({ errors })}\n\n`),
    heartbeat: () => send(':\n\n'),
    end: () => {
      if (!res.writableEnded) res.end('event: complete\ndata:\n\n');
    },
  };
}

/**
 * Apollo's multipart subscription framing. A reader (Apollo Client's among them) hands a part over
 * only once it sees the delimiter after it, so every part is written with its closing delimiter:
 * the opening one goes out with the headers, and each part ends with `\r\n--graphql`. A part
 * written as `delimiter, headers, body` (as before) waits in the client until the next write,
 * up to a heartbeat later.
 */
function multipartWriter(res: express.Response) {
  res.writeHead(200, { 'content-type': 'multipart/mixed;boundary="graphql";subscriptionSpec="1.0"', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.write('\r\n--graphql');
  const part = (body: unknown) => res.writableEnded || res.write(`\r\ncontent-type: application/json\r\n\r\n${JSON.stringify(body)}\r\n--graphql`);
  return {
    next: (value: ExecutionResult) => part({ payload: value }),
    // Transport-level errors end the subscription (Apollo's protocol: payload null + errors).
    error: (errors: GraphQLFormattedError[]) => part({ payload: null, errors }),
    heartbeat: () => part({}),
    end: () => {
      // The last part already wrote the delimiter: `--` makes it the closing one.
      if (!res.writableEnded) res.end('--\r\n');
    },
  };
}
