import type http from 'node:http';
import { isAppError, type Logger } from '@organoise/core';
import { getOperationAST, GraphQLError, type ExecutionResult, type GraphQLFormattedError } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { GatewayContext } from '../context.js';
import { CLOSE, closeCodeOf, type Formatter } from '../pipeline/answers.js';
import type { Authentication, Gate } from '../pipeline/gate.js';
import { API_KEY_HEADER } from '../protection/rate-limit.js';
import { asGraphQLErrors, type DirectWrite, type EngineSubscription, type SubscriptionEngine } from '../subscriptions/engine.js';
import { failureErrors, type Watch } from './live.js';

export { CLOSE };

/**
 * The graphql-ws adapter (upgrade on /graphql): a connection is authenticated once, at connect
 * (refused: closed with the code answers.ts gives, and charged to its address as a refused HTTP
 * request is); each operation goes through the gate with that authentication; subscriptions
 * then run on the engine, watched while they live. What is the socket's own: the Origin
 * allow-list of the upgrade, the message size, the per-connection subscription count, and
 * closing for a slow consumer or a reload.
 */
export interface GraphQLWsOptions {
  httpServer: http.Server;
  /** Whether a WebSocket upgrade's Origin is allowed (the CORS allow-list). */
  allowsUpgrade: (req: http.IncomingMessage) => boolean;
  gate: Gate;
  watch: Watch;
  engine: () => SubscriptionEngine;
  /** Queries and mutations sent over a socket run through the same server as HTTP ones. */
  executeOperation: (request: { query: string; variables: Record<string, unknown>; operationName?: string | undefined }, context: GatewayContext) => Promise<ExecutionResult>;
  clientIpOf: (req: http.IncomingMessage) => string | null;
  formatError: Formatter;
  maxSubscriptionsPerConnection: number;
  /** Largest message (ws closes the socket with 1009 above it). */
  maxMessageBytes: number;
  heartbeatMs: number;
  log: Logger;
}

/**
 * What the gateway keeps per socket. A class, not an object literal with closures: at 10,000
 * sockets every per-socket closure and property table counts (docs/benchmarks.md, section 3).
 */
class SocketState implements Authentication {
  active = 0;
  /** Operations waiting to be accepted, by id: a `complete` from the client ends the wait. Made on first use. */
  waiting: Map<string, () => void> | null = null;

  constructor(
    readonly viewer: Authentication['viewer'],
    readonly expiresAt: Authentication['expiresAt'],
    readonly authorization: string | undefined,
    readonly apiKeyHeader: string | undefined,
    readonly clientIp: string | null,
    readonly unwatch: () => void,
  ) {}
}

/**
 * graphql-ws has no hook for a `complete` that arrives while an operation is still being
 * started: each socket's messages are read here too (one listener shared by all sockets, `this`
 * being the socket), only while something waits, so the wait ends at once.
 */
function endWaitOnComplete(this: WebSocket, message: unknown) {
  const waiting = sockets.get(this)?.waiting;
  if (!waiting || waiting.size === 0) return;
  const text = String(message);
  if (!text.includes('complete')) return;
  try {
    const parsed = JSON.parse(text) as { type?: unknown; id?: unknown };
    if (parsed.type === 'complete' && typeof parsed.id === 'string') waiting.get(parsed.id)?.();
  } catch {
    // not JSON: graphql-ws closes the socket for it
  }
}
const sockets = new WeakMap<WebSocket, SocketState>();

/**
 * A message over maxPayload makes ws close the socket with 1009 and then emit 'error', which
 * graphql-ws reports to the console as an internal error: any client could flood the logs so.
 * Every socket's `emit` is this one function (no closure per socket): it keeps that error to one
 * warning and passes everything else on.
 */
const oversizeWarnings = new WeakMap<WebSocket, () => void>();
function emitWithoutOversizeError(this: WebSocket, event: string | symbol, ...args: unknown[]): boolean {
  if (event === 'error' && (args[0] as { code?: unknown } | undefined)?.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
    oversizeWarnings.get(this)?.();
    return true;
  }
  return (Object.getPrototypeOf(this) as WebSocket).emit.call(this, event, ...args);
}

/**
 * Each event serialised once for all its sockets (issue 16). A topic hands the same result object
 * to its 1,000 subscribers; graphql-ws would JSON.stringify it into each socket's `next` message.
 * Instead `onNext` gives graphql-ws a `Serialized` whose toJSON stands for the payload with a
 * marker string, and the socket's `send` (`sendSpliced`, below) puts the event's JSON, made once,
 * where the marker is. graphql-ws builds `{"id","type","payload"}` in that order, so the marker is
 * always the message's end; a client's own `id` (which could hold the marker's characters) comes
 * before it and is never touched. The bytes on the wire are what graphql-ws would have sent.
 */
const PAYLOAD_MARKER = '\u0000organoise:serialized-payload\u0000';
const MARKED_END = `${JSON.stringify(PAYLOAD_MARKER)}}`;
class Serialized {
  private bytes: Buffer | undefined;
  constructor(readonly json: string) {}
  /** Called by graphql-ws's JSON.stringify, which then hands its text to this socket's send at once. */
  toJSON(): string {
    splicing = this;
    return PAYLOAD_MARKER;
  }
  /** The message's end as bytes (the payload and the closing brace), encoded once for all sockets. */
  tail(): Buffer {
    return (this.bytes ??= Buffer.from(`${this.json}}`));
  }
}
/** The payload of the message being stringified, taken by sendSpliced in the same synchronous step. */
let splicing: Serialized | undefined;
const serialized = new WeakMap<ExecutionResult, Serialized>();
function serializedOf(result: ExecutionResult): Serialized {
  let entry = serialized.get(result);
  if (!entry) {
    // As graphql-ws shapes it: the result's other keys, then its errors (each by its toJSON).
    const { errors, ...rest } = result;
    entry = new Serialized(JSON.stringify(errors ? { ...rest, errors } : rest));
    serialized.set(result, entry);
  }
  return entry;
}
function sendSpliced(this: WebSocket, data: unknown, options?: unknown, cb?: unknown): void {
  if (splicing !== undefined && typeof data === 'string' && data.endsWith(MARKED_END)) {
    const entry = splicing;
    splicing = undefined;
    // graphql-ws calls `send(data, callback)`: as ws's own send, a function in the options' place is the callback.
    sendNextFrame(this, data.slice(0, data.length - MARKED_END.length), entry, (typeof options === 'function' ? options : cb) as ((error?: Error) => void) | undefined);
    return;
  }
  (Object.getPrototypeOf(this) as { send: (data: unknown, options?: unknown, cb?: unknown) => void }).send.call(this, data, options, cb);
}

/**
 * One `next` message (the envelope's `start`, then the event's bytes) on `socket`, answering the
 * bytes written: as one prebuilt frame through ws's Sender when the socket is idle (textFrame,
 * idleSender), else through ws's own `send` with the same text (a frame ws would queue, compress
 * or refuse). A socket no longer open gets nothing, as ws's send drops it.
 */
function sendNextFrame(socket: WebSocket, start: string, entry: Serialized, cb: ((error?: Error) => void) | undefined): number {
  const sender = idleSender(socket);
  if (sender) {
    const frame = textFrame(start, entry.tail());
    sender.sendFrame([frame], cb);
    return frame.length;
  }
  if (socket.readyState !== socket.OPEN) return 0;
  const text = `${start}${entry.json}}`;
  (Object.getPrototypeOf(socket) as { send: (data: unknown, cb?: (error?: Error) => void) => void }).send.call(socket, text, cb);
  return Buffer.byteLength(text);
}

/**
 * A subscription's `next` messages written straight from its topic's hand-over (issue 16):
 * graphql-ws would pull each event through its loop (the engine's iterator, the guard, its
 * for-await, emit.next, onNext, a stringify of the envelope and a Promise per send: about six
 * promises per delivery). The frame is what graphql-ws would have sent, byte for byte
 * (`{"id":…,"type":"next","payload":…}`, the envelope's start made once per subscription and the
 * event's bytes once per event), written in the same order the topic pushes. A socket no longer
 * open gets nothing, as graphql-ws's send drops it.
 */
function writeNext(socket: WebSocket, id: string): DirectWrite {
  const start = `{"id":${JSON.stringify(id)},"type":"next","payload":`;
  return (result, flushed) => sendNextFrame(socket, start, serializedOf(result), flushed);
}

/**
 * One text frame as a single Buffer: the WebSocket header, the message's own start (its `id`,
 * which differs per socket, so the whole frame cannot be shared) and the event's bytes, encoded
 * once per event (`Serialized.tail`). ws would write a header Buffer and the message string as
 * two chunks (cork, `writev`, the string encoded per socket); one Buffer is one plain `write`.
 * Server frames are never masked (RFC 6455 5.1). Exported for the test that compares it with
 * ws's own `Sender.frame`.
 */
export function textFrame(start: string, tail: Buffer): Buffer {
  const startBytes = Buffer.byteLength(start);
  const length = startBytes + tail.length;
  const header = length > 65_535 ? 10 : length > 125 ? 4 : 2;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = 0x81; // FIN, text
  if (header === 2) frame[1] = length;
  else if (header === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(0, 2);
    frame.writeUInt32BE(length, 6);
  }
  frame.write(start, header, 'utf8');
  tail.copy(frame, header + startBytes);
  return frame;
}
/**
 * What ws's `send` does with a text message when nothing is queued and nothing is compressed
 * (ws 8.23, pinned exactly: Sender `send` -> `dispatch` -> `sendFrame`, synchronously, in call
 * order), given the frame already built. ws has no public call that takes a built frame; its
 * Sender's `sendFrame` is the step every one of its frames (data, ping, close) goes through, so
 * frames on a socket keep their order. Anything else (a close already sent or under way, a frame
 * queued behind a compression or a Blob read, permessage-deflate negotiated, another ws whose
 * Sender looks different) answers nothing and the message goes through ws's own `send`.
 */
interface WsSender {
  _state?: unknown;
  sendFrame: (list: Buffer[], cb?: (error?: Error) => void) => void;
}
function idleSender(socket: WebSocket): WsSender | undefined {
  if (socket.readyState !== socket.OPEN) return undefined;
  const internals = socket as unknown as { _sender?: Partial<WsSender>; _extensions?: Record<string, unknown> };
  const sender = internals._sender;
  if (!(socket as unknown as { _isServer?: unknown })._isServer || !sender || sender._state !== 0 || typeof sender.sendFrame !== 'function') return undefined;
  if (internals._extensions && 'permessage-deflate' in internals._extensions) return undefined;
  return sender as WsSender;
}

/**
 * Keep-alive for every socket on one timer (issue 16). graphql-ws's own (`useServer`'s third
 * argument) gives each socket a `setInterval`, and each ping a `setTimeout` and a `once('pong')`
 * closure: at 10,000 sockets, 833 timers firing per second and three objects per ping. Here the
 * sockets are dealt over slots, one slot is visited per tick, and each socket is visited once per
 * `intervalMs`: a socket whose pong for the previous visit's ping has not come is terminated, the
 * others are pinged. The guarantee is graphql-ws's: a peer that stops answering is dropped within
 * two intervals of its last pong (SUBSCRIPTION_HEARTBEAT_MS, docs/protocols/subscriptions.md).
 */
const TICK_MS = 100;
const awaitingPong = new WeakSet<WebSocket>();
function pongReceived(this: WebSocket) {
  awaitingPong.delete(this);
}
export class HeartbeatSweep {
  private readonly slots: Set<WebSocket>[];
  private readonly slotOf = new WeakMap<WebSocket, Set<WebSocket>>();
  private dealt = 0;
  private visiting = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs: number) {
    const count = Math.max(1, Math.round(intervalMs / TICK_MS));
    this.slots = Array.from({ length: count }, () => new Set<WebSocket>());
    this.timer = setInterval(() => this.tick(), intervalMs / count);
    this.timer.unref();
  }

  add(socket: WebSocket): void {
    const slot = this.slots[this.dealt++ % this.slots.length]!;
    slot.add(socket);
    this.slotOf.set(socket, slot);
    socket.on('pong', pongReceived);
  }

  remove(socket: WebSocket): void {
    this.slotOf.get(socket)?.delete(socket);
    this.slotOf.delete(socket);
  }

  private tick(): void {
    const slot = this.slots[this.visiting]!;
    this.visiting = (this.visiting + 1) % this.slots.length;
    for (const socket of slot) {
      if (socket.readyState !== socket.OPEN) continue;
      if (awaitingPong.has(socket)) {
        this.remove(socket);
        socket.terminate();
        continue;
      }
      awaitingPong.add(socket);
      socket.ping();
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** What a connected socket's `ctx.extra.request` is once its upgrade request is let go (onConnect). */
const UPGRADE_REQUEST_RELEASED = Object.freeze({ released: true });

export function graphqlWsAdapter(options: GraphQLWsOptions) {
  const { gate, log } = options;
  const wsServer = new WebSocketServer({
    server: options.httpServer,
    path: '/graphql',
    maxPayload: options.maxMessageBytes,
    // A browser opens a WebSocket to any origin (no CORS): the allow-list is applied here.
    verifyClient: ({ req }, done) => {
      if (options.allowsUpgrade(req)) return done(true);
      const body = JSON.stringify({ errors: [{ message: `The origin ${req.headers.origin} is not allowed to call this gateway (CORS_ORIGINS)`, extensions: { code: 'ORIGIN_NOT_ALLOWED' } }] });
      done(false, 403, body, { 'Content-Type': 'application/json; charset=utf-8' });
    },
  });
  const warnOversize = () => log.warn('graphql-ws message over the size limit; connection closed with 1009', { maxMessageBytes: options.maxMessageBytes });
  // Registered before graphql-ws's listener, so the socket's emit is replaced before it can fail.
  const heartbeat = new HeartbeatSweep(options.heartbeatMs);
  const forget = function (this: WebSocket) {
    heartbeat.remove(this);
  };
  wsServer.on('connection', (socket) => {
    oversizeWarnings.set(socket, warnOversize);
    socket.emit = emitWithoutOversizeError as typeof socket.emit;
    socket.send = sendSpliced as typeof socket.send;
    heartbeat.add(socket);
    socket.on('close', forget);
  });
  // The socket each operation came on: an operation whose socket closed while it was being
  // checked opens nothing, and one waiting to be accepted stops waiting when it closes.
  const operationOf = new WeakMap<GatewayContext, { socket: WebSocket; id: string; waiting: Map<string, () => void>; subscriptions: Record<string, unknown> }>();
  const failureErrorsOf = (error: unknown) => failureErrors(error, options.formatError, log);
  const cutOff = (socket: WebSocket) => () => {
    if (socket.readyState === socket.OPEN) socket.close(CLOSE.SLOW_CONSUMER, 'Slow consumer');
  };

  const disposable = useServer<Record<string, unknown>>(
    {
      schema: () => options.engine().apiGraphQLSchema,
      isProd: true,
      onConnect: async (ctx) => {
        const raw = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
        const authorization = typeof raw === 'string' ? raw : undefined;
        const headerKey = ctx.extra.request.headers[API_KEY_HEADER];
        const apiKeyHeader = typeof headerKey === 'string' ? headerKey : undefined;
        const clientIp = options.clientIpOf(ctx.extra.request);
        const socket = ctx.extra.socket;
        let authentication: Authentication;
        try {
          authentication = await gate.authenticate(authorization, clientIp);
        } catch (error) {
          // A refused connection costs its address (and key) what a refused HTTP request does.
          await gate.chargeAddress({ clientIp, authorization, apiKeyHeader });
          // A look-up that failed (the user subgraph out of reach) says nothing of the credentials:
          // the client is told to retry (1013), not to sign in again.
          const code = isAppError(error) ? String(error.extensions.code) : 'SUBGRAPH_UNAVAILABLE';
          const close = closeCodeOf(code) ?? CLOSE.UNAUTHENTICATED;
          if (close === CLOSE.TRY_AGAIN_LATER) log.warn('subscription authentication unavailable', { error: (error as Error)?.message });
          socket.close(close, close === CLOSE.TRY_AGAIN_LATER ? 'Try again later' : code === 'UNAUTHENTICATED' ? 'Unauthenticated' : code);
          return false;
        }
        const unwatch = options.watch(authorization, clientIp, authentication, (loss) => socket.close(loss.close, loss.reason));
        sockets.set(socket, new SocketState(authentication.viewer, authentication.expiresAt, authorization, apiKeyHeader, clientIp, unwatch));
        socket.on('message', endWaitOnComplete);
        // Nothing reads the upgrade request after this point: graphql-ws would keep it (its headers,
        // stream state and buffers, about 2 KiB) for the socket's whole life.
        (ctx.extra as { request: unknown }).request = UPGRADE_REQUEST_RELEASED;
        return true;
      },
      onSubscribe: async (ctx, id, payload) => {
        const state = sockets.get(ctx.extra.socket);
        if (!state) return [new GraphQLError('Not connected', { extensions: { code: 'UNAUTHENTICATED' } })];
        // A refusal is an error message for this operation; the connection stays open.
        const admission = await gate.admit({
          transport: 'graphql-ws',
          method: 'POST',
          params: payload,
          authorization: state.authorization,
          apiKeyHeader: state.apiKeyHeader,
          clientIp: state.clientIp,
          authentication: state,
        });
        if (!admission.ok) return asGraphQLErrors(admission.refusal.errors);
        // Checked and reserved in one synchronous step after the last await: subscribes pipelined
        // on one socket cannot all pass the check before any of them counts. onOperation or the
        // guard gives the place back.
        if (admission.operation.operation === 'subscription') {
          if (state.active >= options.maxSubscriptionsPerConnection) {
            return [new GraphQLError(`At most ${options.maxSubscriptionsPerConnection} subscriptions per connection`, { extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' } })];
          }
          state.active++;
        }
        operationOf.set(admission.context, { socket: ctx.extra.socket, id, waiting: (state.waiting ??= new Map()), subscriptions: ctx.subscriptions });
        return { schema: options.engine().apiGraphQLSchema, document: admission.document, variableValues: admission.variables, operationName: admission.operationName ?? null, contextValue: admission.context };
      },
      subscribe: async (args) => {
        const context = args.contextValue as GatewayContext;
        const operation = operationOf.get(context);
        // Closed, or completed by the client, while onSubscribe awaited its checks: graphql-ws
        // discards the answer anyway, so nothing is opened upstream for it.
        if (operation && (operation.socket.readyState !== operation.socket.OPEN || !(operation.id in operation.subscriptions))) return { errors: [new GraphQLError('The connection closed', { extensions: { code: 'BAD_REQUEST' } })] };
        let iterator: EngineSubscription;
        try {
          iterator = options.engine().subscribe({
            document: args.document,
            operationName: args.operationName,
            variables: (args.variableValues ?? {}) as Record<string, unknown>,
            context,
            onSlowConsumer: operation ? cutOff(operation.socket) : undefined,
          });
        } catch (error) {
          return { errors: asGraphQLErrors(failureErrors(error, options.formatError, log)) };
        }
        // Accepted once the upstream is live: events committed from then on all arrive. A socket
        // that closes, or a `complete` for this id, stops the wait (graphql-ws then returns the
        // iterator at once, and a topic nobody else joined closes before its upstream is live).
        if (operation) await untilAcceptedOrGone(iterator.accepted, operation);
        else await iterator.accepted;
        return iterator;
      },
      execute: async (args) =>
        options.executeOperation(
          { query: printDocument(args.document), variables: (args.variableValues ?? {}) as Record<string, unknown>, operationName: args.operationName ?? undefined },
          args.contextValue as GatewayContext,
        ),
      onOperation: (ctx, id, _payload, args, result) => {
        const state = sockets.get(ctx.extra.socket);
        if (!state) return result;
        const reserved = getOperationAST(args.document, args.operationName)?.operation === 'subscription';
        if (!isAsyncIterator(result)) {
          if (reserved) state.active--;
          return result;
        }
        // Still subscribed (not completed by the client while it was being accepted): from now on
        // each event is written by the topic's hand-over itself (writeNext), not pulled through
        // graphql-ws's loop; graphql-ws keeps the protocol's other messages and the end.
        if (id in ctx.subscriptions) (result as unknown as EngineSubscription).writeDirect(writeNext(ctx.extra.socket, id));
        return new Guarded(result as unknown as AsyncIterableIterator<ExecutionResult>, ctx.extra.socket, state, failureErrorsOf);
      },
      // Each result is serialised once, whatever the number of sockets it goes to (Serialized, above).
      onNext: (_ctx, _id, _payload, _args, result) => serializedOf(result as ExecutionResult) as never,
      onClose: (ctx) => {
        sockets.get(ctx.extra.socket)?.unwatch();
      },
    },
    wsServer,
    // graphql-ws's per-socket keep-alive off: HeartbeatSweep (above) pings every socket instead.
    0,
  );

  return {
    /** Every connection was planned on the schema being replaced: closed with 4503, clients resubscribe. */
    reload: () => {
      for (const client of wsServer.clients) client.close(CLOSE.SCHEMA_RELOADED, 'Schema reloaded');
    },
    close: async () => {
      heartbeat.stop();
      for (const client of wsServer.clients) client.close(1001, 'Server shutting down');
      await disposable.dispose();
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
    },
  };
}

function untilAcceptedOrGone(accepted: Promise<void>, operation: { socket: WebSocket; id: string; waiting: Map<string, () => void> }): Promise<void> {
  const { socket, id, waiting } = operation;
  return new Promise<void>((resolve) => {
    const done = () => {
      socket.off('close', done);
      if (waiting.get(id) === done) waiting.delete(id);
      resolve();
    };
    socket.once('close', done);
    waiting.set(id, done);
    void accepted.then(done);
  });
}

function isAsyncIterator(value: unknown): value is AsyncIterator<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as AsyncIterator<unknown>).next === 'function';
}

export function printDocument(document: { loc?: { source: { body: string } } | undefined }) {
  return document.loc?.source.body ?? JSON.stringify(document);
}

/**
 * Wraps a subscription's iterator for the socket: SLOW_CONSUMER closes the connection with its
 * code; any other failure becomes a final error result; the per-connection count goes down once.
 * A class whose methods live on its prototype, and `next` chains promises instead of suspending
 * an async frame: one of these waits on every open subscription (docs/benchmarks.md, section 3).
 */
class Guarded implements AsyncIterableIterator<ExecutionResult> {
  private finished = false;

  constructor(
    private readonly source: AsyncIterableIterator<ExecutionResult>,
    private readonly socket: WebSocket,
    private readonly state: SocketState,
    private readonly failureErrors: (error: unknown) => GraphQLFormattedError[],
  ) {}

  private finish() {
    if (this.finished) return;
    this.finished = true;
    this.state.active--;
  }

  next(): Promise<IteratorResult<ExecutionResult>> {
    if (this.finished) return Promise.resolve({ value: undefined, done: true });
    let step: Promise<IteratorResult<ExecutionResult>>;
    try {
      step = this.source.next();
    } catch (error) {
      return Promise.resolve(this.failed(error));
    }
    return step.then(
      (result) => {
        if (result.done) this.finish();
        return result;
      },
      (error: unknown) => this.failed(error),
    );
  }

  private failed(error: unknown): IteratorResult<ExecutionResult> {
    this.finish();
    if (isAppError(error) && error.extensions.code === 'SLOW_CONSUMER') {
      if (this.socket.readyState === this.socket.OPEN) this.socket.close(CLOSE.SLOW_CONSUMER, 'Slow consumer');
      return { value: undefined, done: true };
    }
    return { value: { errors: asGraphQLErrors(this.failureErrors(error)) }, done: false };
  }

  async return(): Promise<IteratorResult<ExecutionResult>> {
    this.finish();
    await this.source.return?.();
    return { value: undefined, done: true };
  }

  async throw(error: unknown): Promise<IteratorResult<ExecutionResult>> {
    this.finish();
    await this.source.return?.();
    throw error;
  }

  [Symbol.asyncIterator]() {
    return this;
  }
}
