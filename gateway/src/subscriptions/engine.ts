import { createHash, randomUUID } from 'node:crypto';
import { channel } from 'node:diagnostics_channel';
// Undocumented Apollo API (planner, executeQueryPlan): listed in ../apollo/internals.ts, reviewed on every upgrade.
import { buildOperationContext, executeQueryPlan, type GraphQLDataSource, type ServiceMap } from '@apollo/gateway';
import { operationFromDocument, Supergraph, type Schema } from '@apollo/federation-internals';
import { QueryPlanner, type FetchNode, type PlanNode, type QueryPlan } from '@apollo/query-planner';
import { apolloLogger, appError, countDeliveries, countSlowConsumer, installScalars, createEventIterator, watchSubscriptions, INTERNAL_TOKEN_HEADER, isLiveAck, LIVE_ACK_REQUEST, pinnedOf, positionOf, replayedToOf, signInternalToken, type EventSink, type Logger } from '@organoise/core';
import { GraphQLError, Kind, print, visit, type DocumentNode, type ExecutionResult, type GraphQLFormattedError, type GraphQLSchema, type ValueNode } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { GatewayContext } from '../context.js';
import { isRoleScoped, scopeOf } from './sharing.js';

/**
 * Formatted errors back as GraphQLError instances: graphql-ws serialises each error with its
 * toJSON(), and JSON.stringify (SSE, multipart) uses the same method.
 */
export const asGraphQLErrors = (errors: readonly GraphQLFormattedError[]): GraphQLError[] =>
  errors.map((e) => new GraphQLError(e.message, { ...(e.path ? { path: e.path } : {}), ...(e.extensions ? { extensions: e.extensions } : {}) }));

/** Name of the synthetic service that "answers" the primary fetch with the upstream event. */
const EVENT_SOURCE = '__organoise_event__';

export interface SubscriptionEngineOptions {
  supergraphSdl: string;
  /** Where each subgraph is (http URLs; the engine speaks graphql-ws to the same path). */
  subgraphUrls: Record<string, string>;
  /** The data sources the gateway uses for ordinary fetches (entity hydration reuses them). */
  dataSources: Record<string, GraphQLDataSource<GatewayContext>>;
  internalTokenSecret: string | undefined;
  /** Events a subscriber may have waiting before it is cut off (SLOW_CONSUMER). */
  maxQueue: number;
  /** Bytes (as JSON) a subscriber may have waiting before it is cut off, whatever their number. Default 8 MiB. */
  maxQueueBytes?: number;
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  log: Logger;
  /**
   * How long an upstream may take to connect and acknowledge that it is live before its
   * subscribers get SUBGRAPH_UNAVAILABLE (a hung subgraph must not hold them forever). Default 10 s.
   */
  upstreamTimeoutMs?: number;
  /**
   * A subscriber resuming further behind the live stream than this many events is refused with
   * RESUME_TOO_FAR_BEHIND (refetch, then subscribe without a cursor) rather than replayed. Default 10,000.
   */
  maxCatchUpEvents?: number;
}

/** A result's size as JSON, computed once per result (a topic hands the same object to all its subscribers). */
const resultSizes = new WeakMap<ExecutionResult, number>();
function sizeOf(result: ExecutionResult): number {
  let size = resultSizes.get(result);
  if (size === undefined) {
    size = Buffer.byteLength(JSON.stringify(result));
    resultSizes.set(result, size);
  }
  return size;
}

/**
 * Published once per event a topic hands to its subscribers, and only while something listens
 * (`diagnostics_channel.subscribe`): bench:fanout times each stage of a delivery with it
 * (docs/benchmarks.md, section 3). Times are ms since the epoch with sub-ms precision
 * (performance.timeOrigin + performance.now()). Nothing listens in production: one
 * `hasSubscribers` check per event.
 */
export const DELIVERY_CHANNEL = 'organoise:gateway:subscription-delivery';
export interface DeliveryTrace {
  /** The hydrated result every listener of the topic was handed. */
  payload: ExecutionResult;
  listeners: number;
  /** The upstream event arrived from the subgraph. */
  receivedAt: number;
  /** Its turn came in the topic's queue (events of one topic are hydrated one at a time). */
  hydratingAt: number;
  hydratedAt: number;
  /** Handed to every listener (their transports write it in the microtasks after this). */
  pushedAt: number;
}
const deliveries = channel(DELIVERY_CHANNEL);
const clock = () => performance.timeOrigin + performance.now();

/** Events asked of the log per replay page: small enough to pace a slow client, large enough to be cheap. */
const REPLAY_PAGE = 100;

/** A subscription as the engine hands it to a transport. */
export interface EngineSubscription extends AsyncIterableIterator<ExecutionResult> {
  /**
   * Settles when the subscription is accepted: its upstream is live (the subgraph pinned the
   * stream position and listens), so every event committed from now on reaches it; or when it
   * failed before that (the failure is then its first result). Never rejects. Transports that can
   * say "accepted" to their client (SSE and multipart headers) wait for it.
   */
  readonly accepted: Promise<void>;
  /**
   * Hands every later event to `write` the moment its topic pushes it, in order, instead of
   * waiting for the consumer's next pull (graphql-ws, issue 16: one frame per socket written from
   * the topic's hand-over, without a promise chain per delivery). `write` answers the bytes it
   * handed to the socket (0: nothing written, the socket is closing) and calls `flushed` once they
   * left for the kernel; frames not yet flushed count as waiting, under the same maxQueue and
   * maxQueueBytes as a pulled queue. The iterator then yields only a failure or the end. Refused
   * (false) while events already wait in the queue: the consumer keeps pulling.
   */
  writeDirect(write: DirectWrite): boolean;
}

/** A transport's synchronous write of one event (EngineSubscription.writeDirect). */
export type DirectWrite = (result: ExecutionResult, flushed: (error?: Error) => void) => number;

export interface SubscribeRequest {
  document: DocumentNode;
  operationName?: string | null | undefined;
  variables: Record<string, unknown>;
  context: GatewayContext;
  /**
   * Called the moment this subscriber's queue overflows, not when it next pulls: a transport
   * blocked writing to a peer that stopped reading never pulls again, yet must cut it off now.
   */
  onSlowConsumer?: () => void;
}

interface PreparedPlan {
  /** The client's document, printed once: it keys plans and topics and goes with every hydration. */
  query: string;
  primary: FetchNode;
  rest: PlanNode | undefined;
  operationContext: ReturnType<typeof buildOperationContext>;
  /** Every selected field depends on the viewer's memberships only: shared per set of memberships (sharing.ts). */
  roleScoped: boolean;
  /**
   * The primary fetch without the root field's `after` argument: what a topic subscribes to. A
   * topic never depends on a cursor, so subscribers resuming from different cursors share it.
   */
  livePrimary: FetchNode;
  /** The resume cursor a subscribe asks for (the root field's `after`), or null. */
  cursorOf: (variables: Record<string, unknown>) => unknown;
}

/** One upstream subscription, shared by every identical subscription in the same authorization scope. */
interface Topic {
  key: string;
  /** Each subscriber and its context: hydration runs as one of the subscribers still there. */
  listeners: Map<EventSink<ExecutionResult>, GatewayContext>;
  stop: () => void;
  /** Events are hydrated one at a time, in order. */
  queue: Promise<void>;
  /** The upstream acknowledged that it is live, or ended before it did. */
  live: boolean;
  accepted: Promise<void>;
  markLive: () => void;
  /**
   * The stream position of the last event handed to the listeners, or where the upstream's live
   * follow started (its acknowledgement): a listener joining now receives exactly the events after it.
   */
  position: number | undefined;
}

/**
 * Runs federated subscriptions (docs/protocols/subscriptions.md, section 4). Each operation is
 * planned with the federation query planner: its primary fetch becomes a graphql-ws subscription
 * to the subgraph that owns the field, and for every event the rest of the plan (entity fetches
 * to other subgraphs) runs through @apollo/gateway's executeQueryPlan, once per topic, the result
 * going to every subscriber of that topic.
 */
export class SubscriptionEngine {
  private readonly supergraphSchema: GraphQLSchema;
  private readonly apiSchema: Schema;
  readonly apiGraphQLSchema: GraphQLSchema;
  private readonly planner: QueryPlanner;
  private readonly plans = new Map<string, PreparedPlan>();
  private readonly topics = new Map<string, Topic>();
  private readonly connections = new Map<string, { client: Client; refs: number }>();
  /** The most events (and bytes) that ever waited for one subscriber, and how many subscribers were cut off. */
  private readonly counters: QueueCounters = { peakQueued: 0, peakQueuedBytes: 0, slowConsumers: 0 };
  /** Each open subscriber's count of events waiting for it, read when Prometheus scrapes. */
  private readonly waiting = new Set<Subscriber>();
  private readonly unwatch = watchSubscriptions({
    open: () => this.stats().listeners,
    queued: () => {
      let n = 0;
      for (const subscriber of this.waiting) n += subscriber.queued;
      return n;
    },
  });

  constructor(private readonly options: SubscriptionEngineOptions) {
    const supergraph = Supergraph.build(options.supergraphSdl);
    this.supergraphSchema = supergraph.schema.toGraphQLJSSchema();
    this.apiSchema = supergraph.apiSchema();
    this.apiGraphQLSchema = installScalars(this.apiSchema.toGraphQLJSSchema());
    this.planner = new QueryPlanner(supergraph);
  }

  /** Upstream subscriptions and connections currently open (to prove nothing leaks); listeners counts accepted subscriptions only. */
  stats() {
    return { topics: this.topics.size, connections: this.connections.size, listeners: [...this.topics.values()].reduce((n, t) => n + (t.live ? t.listeners.size : 0), 0) };
  }

  /** The most events that ever waited for one subscriber (never above maxQueue), and how many subscribers were cut off. */
  queueStats() {
    const { peakQueued, peakQueuedBytes, slowConsumers } = this.counters;
    return { peakQueued, peakQueuedBytes, slowConsumers };
  }

  subscribe(request: SubscribeRequest): EngineSubscription {
    const prepared = this.prepare(request.document, request.operationName ?? undefined);
    const key = topicKey(request, prepared);
    const cursor = prepared.cursorOf(request.variables);
    const { maxQueue } = this.options;
    const maxBytes = this.options.maxQueueBytes ?? 8 * 1024 * 1024;
    const subscriber = new Subscriber(this.counters, this.waiting, maxQueue, maxBytes, request.onSlowConsumer);
    this.waiting.add(subscriber);
    subscriber.inner = createEventIterator<ExecutionResult>({
      maxQueue,
      start: async (sink) => {
        subscriber.sink = sink;
        const counted: EventSink<ExecutionResult> = subscriber;
        let topic = this.topics.get(key);
        if (!topic) topic = this.openTopic(key, prepared, request);
        const joined = topic;
        if (cursor === null) {
          // Joined at once, so it receives every event the topic delivers from now on; a new topic
          // delivers nothing before its upstream is live, and that moment is when it is accepted.
          joined.listeners.set(counted, request.context);
          subscriber.accepted = joined.accepted;
          return async () => {
            this.waiting.delete(subscriber);
            joined.listeners.delete(counted);
            if (joined.listeners.size === 0) this.closeTopic(joined);
          };
        }
        const catchUp = new CatchUp(counted, maxQueue, () => subscriber.roomFor());
        catchUp.topicPosition = () => joined.position;
        joined.listeners.set(catchUp.gate, request.context);
        // The live topic's position when this subscriber joined: its backlog ends there.
        const from = joined.live ? Promise.resolve(joined.position) : joined.accepted.then(() => joined.position);
        subscriber.accepted = from.then(() => undefined);
        let own: Topic | undefined;
        const leave = (topic: Topic, sinkOf: EventSink<ExecutionResult>) => {
          topic.listeners.delete(sinkOf);
          if (topic.listeners.size === 0) this.closeTopic(topic);
        };
        // A source that does not report stream positions (it cannot replay a page): this subscriber
        // follows from its cursor on an upstream of its own, never shared (no late joiner misses a replay).
        const alone = () => {
          catchUp.close();
          leave(joined, catchUp.gate);
          own = this.openTopic(`${key}\0own:${randomUUID()}`, { ...prepared, livePrimary: prepared.primary }, request);
          own.listeners.set(counted, request.context);
        };
        // A refusal (too far behind, truncated, a bad cursor) is the subscription's last result, as a topic's failure is.
        void from
          .then((until) => (until === undefined && this.topics.get(key) === joined && !catchUp.closed ? alone() : this.replayBacklog(catchUp, prepared, request, cursor, until)))
          .catch((error: unknown) => catchUp.failWith(this.errorResult(error)));
        return async () => {
          this.waiting.delete(subscriber);
          catchUp.close();
          leave(joined, catchUp.gate);
          if (own) leave(own, counted);
        };
      },
    });
    return subscriber;
  }

  /**
   * Reads a resuming subscriber's backlog, the events after its cursor up to where it joined the
   * live topic, from the subgraph's log in pages (a bounded replay each), at the pace the subscriber
   * drains; then hands it over to the topic: the live events that arrived meanwhile, after the
   * backlog's end, then the live stream itself. Exactly once and in order across the hand-over.
   */
  private async replayBacklog(catchUp: CatchUp, prepared: PreparedPlan, request: SubscribeRequest, cursor: unknown, until: number | undefined) {
    const after = typeof cursor === 'string' && /^\d{1,15}$/.test(cursor) ? Number(cursor) : undefined;
    if (after === undefined) {
      throw new GraphQLError('`after` must be a cursor this subscription delivered (a decimal number)', { extensions: { code: 'BAD_USER_INPUT' } });
    }
    if (until === undefined) {
      // The upstream did not say where its live follow starts (it failed, or speaks an older protocol).
      throw new GraphQLError('The subscription cannot resume now; try again', { extensions: { code: 'SUBGRAPH_UNAVAILABLE' } });
    }
    catchUp.until = until;
    await replayThenHandOver(catchUp, after, {
      limit: this.options.maxCatchUpEvents ?? 10_000,
      readPage: (from, to) => this.replayPage(prepared, request, from, to),
      hydrate: (event) => this.hydrate(prepared, request, request.context, event),
    });
  }

  private errorResult(error: unknown): ExecutionResult {
    const formatted = error instanceof GraphQLError ? error.toJSON() : { message: error instanceof Error ? error.message : String(error) };
    return { errors: asGraphQLErrors([this.options.formatError(formatted, error)]) };
  }

  /** One bounded replay from the subgraph: the events after `after` up to `until` (at most REPLAY_PAGE read). */
  private replayPage(prepared: PreparedPlan, request: SubscribeRequest, after: number, until: number): Promise<{ events: ExecutionResult<Record<string, unknown>>[]; replayedTo: number }> {
    const { primary } = prepared;
    const connectionId = `${primary.serviceName}\n${scopeOf(request.context.viewer, prepared.roleScoped)}`;
    const connection = this.acquireConnection(connectionId, primary.serviceName, request.context);
    const variables: Record<string, unknown> = Object.fromEntries((primary.variableUsages ?? []).filter((name) => name in request.variables).map((name) => [name, request.variables[name]]));
    for (const name of primary.variableUsages ?? []) if (isCursorVariable(prepared, name)) variables[name] = String(after);
    const events: ExecutionResult<Record<string, unknown>>[] = [];
    let replayedTo: number | undefined;
    return new Promise((resolve, reject) => {
      const timeout = setTimeout(() => finish(new GraphQLError('The subgraph did not replay in time', { extensions: { code: 'SUBGRAPH_UNAVAILABLE' } })), this.options.upstreamTimeoutMs ?? 10_000);
      let unsubscribe = () => {};
      let finished = false;
      const finish = (error?: unknown) => {
        // Once: a timeout and a late completion must not release the connection twice.
        if (finished) return;
        finished = true;
        clearTimeout(timeout);
        unsubscribe();
        this.releaseConnection(connectionId);
        if (error !== undefined) reject(Array.isArray(error) ? new GraphQLError((error[0] as GraphQLFormattedError)?.message ?? 'Replay failed', { extensions: (error[0] as GraphQLFormattedError)?.extensions ?? { code: 'SUBGRAPH_UNAVAILABLE' } }) : error);
        else if (replayedTo === undefined) reject(new GraphQLError('The subgraph ended the replay without saying where', { extensions: { code: 'SUBGRAPH_UNAVAILABLE' } }));
        else resolve({ events, replayedTo });
      };
      unsubscribe = connection.client.subscribe<Record<string, unknown>>(
        { query: primary.operation, variables, extensions: { organoise: { replay: { until, limit: REPLAY_PAGE } } }, ...(primary.operationName ? { operationName: primary.operationName } : {}) },
        {
          next: (result) => {
            const to = replayedToOf(result);
            if (to !== undefined) replayedTo = to;
            else events.push(result as ExecutionResult<Record<string, unknown>>);
          },
          error: (error) => finish(error ?? new Error('replay failed')),
          complete: () => finish(),
        },
      );
    });
  }

  async close(): Promise<void> {
    this.unwatch();
    for (const topic of [...this.topics.values()]) {
      for (const sink of topic.listeners.keys()) sink.end();
      this.closeTopic(topic);
    }
    await Promise.all([...this.connections.values()].map((c) => disposeQuietly(c.client)));
    this.connections.clear();
  }

  private prepare(document: DocumentNode, operationName: string | undefined): PreparedPlan {
    const query = print(document);
    const cacheKey = `${operationName ?? ''}\n${query}`;
    const cached = this.plans.get(cacheKey);
    if (cached) return cached;
    const planOf = (doc: DocumentNode) => {
      const plan: QueryPlan = this.planner.buildQueryPlan(operationFromDocument(this.apiSchema, doc, { operationName }));
      if (plan.node?.kind !== 'Subscription') throw new GraphQLError('Not a subscription operation', { extensions: { code: 'BAD_REQUEST' } });
      return plan.node;
    };
    const node = planOf(document);
    const { document: live, cursor } = withoutCursor(document, operationName);
    const prepared: PreparedPlan = {
      query,
      primary: node.primary,
      rest: node.rest,
      operationContext: buildOperationContext({ schema: this.apiGraphQLSchema, operationDocument: document, operationName }),
      roleScoped: isRoleScoped(this.apiGraphQLSchema, document),
      livePrimary: cursor ? planOf(live).primary : node.primary,
      cursorOf: (variables) => {
        if (!cursor || cursor.kind === Kind.NULL) return null;
        if (cursor.kind === Kind.VARIABLE) return variables[cursor.name.value] ?? null;
        return cursor.kind === Kind.STRING ? cursor.value : print(cursor);
      },
    };
    if (this.plans.size >= 1000) this.plans.delete(this.plans.keys().next().value!);
    this.plans.set(cacheKey, prepared);
    return prepared;
  }

  private openTopic(key: string, prepared: PreparedPlan, request: SubscribeRequest): Topic {
    const primary = prepared.livePrimary;
    const connectionId = `${primary.serviceName}\n${scopeOf(request.context.viewer, prepared.roleScoped)}`;
    const connection = this.acquireConnection(connectionId, primary.serviceName, request.context);
    const variables = Object.fromEntries((primary.variableUsages ?? []).filter((name) => name in request.variables).map((name) => [name, request.variables[name]]));
    let markLive!: () => void;
    const topic: Topic = {
      key,
      listeners: new Map(),
      stop: () => {},
      queue: Promise.resolve(),
      live: false,
      position: undefined,
      accepted: new Promise<void>((resolve) => (markLive = resolve)),
      markLive: () => {
        if (topic.live) return;
        topic.live = true;
        clearTimeout(timeout);
        markLive();
      },
    };
    // An upstream that neither acknowledges nor fails (a hung subgraph) ends like one that failed.
    const timeout = setTimeout(
      () => fail([{ message: 'The subgraph did not start the subscription in time', extensions: { code: 'SUBGRAPH_UNAVAILABLE' } }]),
      this.options.upstreamTimeoutMs ?? 10_000,
    );
    const fail = (error: unknown) => {
      topic.markLive();
      topic.queue = topic.queue.then(() => {
        const message = Array.isArray(error) ? undefined : 'The subscription source closed';
        const errors: GraphQLFormattedError[] = Array.isArray(error)
          ? (error as GraphQLFormattedError[])
          : [{ message: message!, extensions: { code: 'SUBGRAPH_UNAVAILABLE' } }];
        for (const sink of topic.listeners.keys()) {
          sink.push({ errors: asGraphQLErrors(errors.map((e) => this.options.formatError(e, e))) });
          sink.end();
        }
        this.closeTopic(topic);
      });
    };
    const unsubscribe = connection.client.subscribe<Record<string, unknown>>(
      // The upstream acknowledges once its stream position is pinned (LIVE_ACK_REQUEST).
      { query: primary.operation, variables, extensions: LIVE_ACK_REQUEST, ...(primary.operationName ? { operationName: primary.operationName } : {}) },
      {
        next: (result) => {
          if (isLiveAck(result)) {
            if (!topic.live) topic.position = pinnedOf(result);
            topic.markLive();
            return;
          }
          topic.markLive();
          const receivedAt = deliveries.hasSubscribers ? clock() : 0;
          topic.queue = topic.queue.then(() => this.deliver(topic, prepared, request, result as ExecutionResult<Record<string, unknown>>, receivedAt));
        },
        error: fail,
        complete: () => {
          topic.markLive();
          topic.queue = topic.queue.then(() => {
            for (const sink of topic.listeners.keys()) sink.end();
            this.closeTopic(topic);
          });
        },
      },
    );
    topic.stop = () => {
      clearTimeout(timeout);
      unsubscribe();
      this.releaseConnection(connectionId);
    };
    this.topics.set(key, topic);
    return topic;
  }

  private closeTopic(topic: Topic) {
    if (this.topics.get(topic.key) !== topic) return;
    this.topics.delete(topic.key);
    // Whoever still waits to be accepted (a reload closed it first) stops waiting: its iterator ends.
    topic.markLive();
    topic.stop();
  }

  /** Hydrates one upstream event with the rest of the plan and hands the result to every subscriber. */
  private async deliver(topic: Topic, prepared: PreparedPlan, request: SubscribeRequest, event: ExecutionResult<Record<string, unknown>>, receivedAt = 0) {
    if (topic.listeners.size === 0) {
      topic.position = positionOf(event) ?? topic.position;
      return;
    }
    // The opener may have left a shared topic: the entity fetches carry the identity of a
    // subscriber still listening (all of them have the same memberships, see sharing.ts).
    const context = topic.listeners.values().next().value ?? request.context;
    const hydratingAt = receivedAt && clock();
    const payload = await this.hydrate(prepared, request, context, event);
    const hydratedAt = receivedAt && clock();
    // Set as the event is handed over: whoever joins from here receives the events after it.
    topic.position = positionOf(event) ?? topic.position;
    for (const sink of topic.listeners.keys()) sink.push(payload);
    countDeliveries(topic.listeners.size);
    if (receivedAt && deliveries.hasSubscribers) {
      deliveries.publish({ payload, listeners: topic.listeners.size, receivedAt, hydratingAt, hydratedAt, pushedAt: clock() } satisfies DeliveryTrace);
    }
  }

  /** One upstream event through the rest of the plan (the entity fetches), as `context` sees it. */
  private async hydrate(prepared: PreparedPlan, request: SubscribeRequest, context: GatewayContext, event: ExecutionResult<Record<string, unknown>>): Promise<ExecutionResult> {
    let result: ExecutionResult;
    if (!event.data) {
      result = { errors: event.errors ?? [] };
    } else {
      const eventSource: GraphQLDataSource<GatewayContext> = { process: async () => ({ data: event.data, ...(event.errors ? { errors: event.errors } : {}) }) } as never;
      const serviceMap: ServiceMap = { ...this.options.dataSources, [EVENT_SOURCE]: eventSource };
      const plan: QueryPlan = {
        kind: 'QueryPlan',
        node: { kind: 'Sequence', nodes: [{ ...prepared.primary, serviceName: EVENT_SOURCE }, ...(prepared.rest ? [prepared.rest] : [])] },
      };
      try {
        const executed = await executeQueryPlan(
          plan,
          serviceMap,
          {
            request: { query: prepared.query, variables: request.variables, operationName: request.operationName ?? undefined },
            context,
            metrics: {},
            logger: apolloLogger(this.options.log, ['warn', 'error']),
          } as never,
          prepared.operationContext,
          this.supergraphSchema,
          this.apiSchema,
        );
        result = { data: executed.data ?? null, ...(executed.errors?.length ? { errors: executed.errors } : {}) } as ExecutionResult;
      } catch (error) {
        this.options.log.error('subscription hydration failed', { error });
        result = { errors: [new GraphQLError('Internal server error', { extensions: { code: 'INTERNAL_SERVER_ERROR' } })] };
      }
    }
    const formatted = result.errors?.map((e) => this.options.formatError(e instanceof GraphQLError ? e.toJSON() : (e as GraphQLFormattedError), e));
    return { ...(result.data !== undefined ? { data: result.data } : {}), ...(formatted?.length ? { errors: asGraphQLErrors(formatted) } : {}) };
  }

  /** One graphql-ws connection per subgraph and authorization scope; its token names the viewer who opened it. */
  private acquireConnection(id: string, subgraph: string, context: GatewayContext) {
    let connection = this.connections.get(id);
    if (!connection) {
      const url = this.options.subgraphUrls[subgraph];
      if (!url) throw new GraphQLError(`No URL for subgraph ${subgraph}`, { extensions: { code: 'SUBGRAPH_UNAVAILABLE' } });
      const secret = this.options.internalTokenSecret;
      const viewer = context.viewer;
      const clientIp = context.clientIp;
      const client = createClient({
        url: url.replace(/^http/, 'ws'),
        webSocketImpl: WebSocket,
        lazy: true,
        lazyCloseTimeout: 0,
        retryAttempts: 0,
        connectionParams: async () => (secret ? { [INTERNAL_TOKEN_HEADER]: await signInternalToken(secret, subgraph, viewer, clientIp) } : {}),
      });
      connection = { client, refs: 0 };
      this.connections.set(id, connection);
    }
    connection.refs++;
    return connection;
  }

  private releaseConnection(id: string) {
    const connection = this.connections.get(id);
    if (!connection) return;
    connection.refs--;
    if (connection.refs <= 0) {
      this.connections.delete(id);
      void disposeQuietly(connection.client);
    }
  }
}

/** The most events (and bytes) that ever waited for one subscriber, and how many subscribers were cut off. */
export interface QueueCounters {
  peakQueued: number;
  peakQueuedBytes: number;
  slowConsumers: number;
}

const noFlush = (): void => {};

/**
 * One subscriber as the engine hands it to a transport, and the sink its topic pushes into.
 *
 * Mirrors the bounded queue of createEventIterator from outside: an event pushed while the
 * consumer waits is handed over, any other one waits in the queue, and one more than maxQueue
 * cuts the subscriber off (the iterator drops it and fails with SLOW_CONSUMER). What waits is
 * bounded in bytes too: a few large events cut off a socket that stopped draining.
 *
 * A class with its methods on the prototype rather than an object of closures: there is one per
 * open subscription, 10,000 on the fan-out benchmark (docs/benchmarks.md, section 3). Exported
 * for its test (gateway/test/subscriber-queue.test.ts).
 */
export class Subscriber implements EngineSubscription, EventSink<ExecutionResult> {
  /** Events waiting for the consumer (read when Prometheus scrapes). */
  queued = 0;
  private queuedBytes = 0;
  private readonly sizes: number[] = [];
  private pulling = false;
  private cut = false;
  private returned = false;
  /** A catch-up waiting for the subscriber to drain before it pushes more. */
  private room: (() => void) | undefined = undefined;
  accepted: Promise<void> = Promise.resolve();
  inner!: AsyncIterableIterator<ExecutionResult>;
  /** The inner iterator's sink (set when it starts). */
  sink!: EventSink<ExecutionResult>;

  constructor(
    private readonly counters: QueueCounters,
    /** The engine's open subscribers (Prometheus reads their queues): left on return. */
    private readonly open: Set<Subscriber>,
    private readonly maxQueue: number,
    private readonly maxBytes: number,
    private readonly onSlowConsumer: (() => void) | undefined,
  ) {}

  /** Set by writeDirect: each pushed event is written at once; `queued` then counts frames not yet flushed. */
  private writer: DirectWrite | null = null;
  /** The writer's callback for a frame that left for the kernel: made with the writer, as pulled (SSE, multipart) subscribers never need one. */
  private flushed: () => void = noFlush;

  writeDirect(write: DirectWrite): boolean {
    if (this.queued > 0 || this.cut || this.returned) return false;
    this.flushed = () => {
      this.queued--;
      this.queuedBytes -= this.sizes.shift() ?? 0;
      this.makeRoom();
    };
    this.writer = write;
    return true;
  }

  push(value: ExecutionResult): void {
    // Cut off: its iterator has failed, nothing more is queued or written (nor counted in the peaks).
    if (this.cut) return;
    if (this.writer) {
      // A peer that stopped reading: its frames pile up unflushed in the socket's buffer. As with a
      // pulled queue, a full one cuts the subscriber off rather than take one more event.
      if (this.queued >= this.maxQueue) return this.cutOff(`More than ${this.maxQueue} events waited for this subscriber; it was cut off`);
      let bytes: number;
      try {
        bytes = this.writer(value, this.flushed);
      } catch (error) {
        // This subscriber fails alone (its transport reports it); the topic's other listeners and
        // its later events go on, as when graphql-ws's own send failed for one socket.
        this.writer = null;
        this.sink.fail(error);
        return;
      }
      if (bytes === 0) return;
      this.counters.peakQueued = Math.max(this.counters.peakQueued, ++this.queued);
      this.sizes.push(bytes);
      this.queuedBytes += bytes;
      this.counters.peakQueuedBytes = Math.max(this.counters.peakQueuedBytes, this.queuedBytes);
      if (this.queuedBytes > this.maxBytes) this.cutOff(`More than ${this.maxBytes} bytes of events waited for this subscriber; it was cut off`);
      return;
    }
    if (this.pulling) this.pulling = false;
    else if (this.queued < this.maxQueue) {
      this.counters.peakQueued = Math.max(this.counters.peakQueued, ++this.queued);
      const size = sizeOf(value);
      this.sizes.push(size);
      this.queuedBytes += size;
      this.counters.peakQueuedBytes = Math.max(this.counters.peakQueuedBytes, this.queuedBytes);
      if (this.queuedBytes > this.maxBytes && !this.cut) {
        this.cut = true;
        this.counters.slowConsumers++;
        countSlowConsumer();
        this.onSlowConsumer?.();
        this.sink.fail(appError('SLOW_CONSUMER', `More than ${this.maxBytes} bytes of events waited for this subscriber; it was cut off`));
        return;
      }
    } else if (!this.cut) {
      this.cut = true;
      this.counters.slowConsumers++;
      countSlowConsumer();
      this.onSlowConsumer?.();
    }
    this.sink.push(value);
  }

  /** Written directly and too far behind: cut off once (the transport closes the socket, the iterator fails). */
  private cutOff(message: string): void {
    this.cut = true;
    this.writer = null;
    this.counters.slowConsumers++;
    countSlowConsumer();
    this.onSlowConsumer?.();
    this.sink.fail(appError('SLOW_CONSUMER', message));
  }

  fail(error: unknown): void {
    this.sink.fail(error);
  }

  end(): void {
    this.sink.end();
  }

  /** Settles when a catch-up may push more: at once, or once the consumer drained half its queue. */
  roomFor(): Promise<void> {
    return this.queued < this.maxQueue / 2 ? Promise.resolve() : new Promise<void>((resolve) => (this.room = resolve));
  }

  private makeRoom() {
    if (this.room && this.queued < this.maxQueue / 2) {
      const r = this.room;
      this.room = undefined;
      r();
    }
  }

  async next(): Promise<IteratorResult<ExecutionResult>> {
    // Written directly: nothing is queued in the inner iterator, which yields only the end or a failure.
    if (this.queued > 0 && !this.writer) {
      this.queued--;
      this.queuedBytes -= this.sizes.shift() ?? 0;
      this.makeRoom();
      return this.inner.next();
    }
    this.pulling = true;
    try {
      return await this.inner.next();
    } finally {
      this.pulling = false;
    }
  }

  return(): Promise<IteratorResult<ExecutionResult>> {
    // Completed by the client or its socket closed: nothing more is written for it.
    this.returned = true;
    this.writer = null;
    this.open.delete(this);
    return this.inner.return!();
  }

  throw(error: unknown): Promise<IteratorResult<ExecutionResult>> {
    return this.inner.throw!(error);
  }

  [Symbol.asyncIterator]() {
    return this;
  }
}

/**
 * A resuming subscriber between its cursor and the live topic. The topic pushes into `gate`; until
 * the hand-over those events wait here (with their positions). When they would overflow, they are
 * dropped and the backlog's end moves past them instead: they are in the log, and the replay
 * reads them at the subscriber's pace. Memory stays bounded whatever the subscriber's speed.
 */
export class CatchUp {
  closed = false;
  /** Where the backlog ends (the topic's position when joined, later if buffered events were dropped). */
  until = 0;
  private handedOver = false;
  private buffer: { position: number | undefined; payload: ExecutionResult }[] = [];
  private ended: { error?: unknown } | undefined;
  readonly gate: EventSink<ExecutionResult>;

  constructor(
    private readonly target: EventSink<ExecutionResult>,
    private readonly maxBuffered: number,
    readonly roomFor: () => Promise<void>,
  ) {
    this.gate = {
      push: (payload) => {
        if (this.closed) return;
        if (this.handedOver) return this.target.push(payload);
        // A refusal or the topic's end carries no event: it is passed on after the backlog, whatever the position.
        this.buffer.push({ position: payload.data === undefined ? undefined : this.topicPosition?.(), payload });
        if (this.buffer.length > this.maxBuffered) {
          const last = this.buffer.at(-1)!.position;
          this.buffer = [];
          if (last !== undefined) this.until = Math.max(this.until, last);
        }
      },
      fail: (error) => (this.handedOver ? this.target.fail(error) : (this.ended = { error })),
      end: () => (this.handedOver ? this.target.end() : (this.ended = {})),
    };
  }

  /** How the gate learns each live event's position (the topic's, as it pushes). */
  topicPosition: (() => number | undefined) | undefined;

  deliver(payload: ExecutionResult) {
    if (!this.closed) this.target.push(payload);
  }

  /** The backlog is delivered up to `position`: the buffered live events after it, then live. */
  handOver(position: number) {
    if (this.closed) return;
    this.handedOver = true;
    for (const { position: at, payload } of this.buffer) if (at === undefined || at > position) this.target.push(payload);
    this.buffer = [];
    if (this.ended) {
      if (this.ended.error !== undefined) this.target.fail(this.ended.error);
      else this.target.end();
    }
  }

  /** Ends the subscription with `result` (its refusal) as the last thing it receives. */
  failWith(result: ExecutionResult) {
    if (this.closed) return;
    this.closed = true;
    this.buffer = [];
    this.target.push(result);
    this.target.end();
  }

  close() {
    this.closed = true;
    this.buffer = [];
  }
}

/**
 * The catch-up loop: pages of the log after `after` up to `catchUp.until` (which moves on if the
 * live events buffered meanwhile overflow), each event hydrated and delivered at the subscriber's
 * pace, then the hand-over to the live topic. Separate from the engine so that a test can drive it
 * with a fake log (gateway/test/catch-up.test.ts).
 */
export async function replayThenHandOver<E>(
  catchUp: CatchUp,
  after: number,
  upstream: { limit: number; readPage: (after: number, until: number) => Promise<{ events: E[]; replayedTo: number }>; hydrate: (event: E) => Promise<ExecutionResult> },
): Promise<void> {
  let from = after;
  while (!catchUp.closed && from < catchUp.until) {
    if (catchUp.until - from > upstream.limit) {
      throw appError('RESUME_TOO_FAR_BEHIND', `More than ${upstream.limit} events were missed; read afresh, then subscribe without a cursor`, { behind: catchUp.until - from });
    }
    const page = await upstream.readPage(from, catchUp.until);
    for (const event of page.events) {
      if (catchUp.closed) return;
      await catchUp.roomFor();
      catchUp.deliver(await upstream.hydrate(event));
    }
    // A page that read nothing would loop: the log no longer goes that far.
    if (page.replayedTo <= from) throw appError('EVENT_LOG_TRUNCATED', 'Events of this subscription are no longer kept; read afresh, then subscribe without a cursor', {});
    from = page.replayedTo;
  }
  catchUp.handOver(from);
}

/**
 * graphql-ws's dispose() rejects with the CloseEvent when the socket is still connecting (known
 * upstream behaviour); an upstream we are letting go of has nothing left to report.
 */
async function disposeQuietly(client: Client): Promise<void> {
  try {
    await client.dispose();
  } catch {
    // closed while connecting: nothing to clean up beyond what dispose already did
  }
}

/**
 * What a topic is: the upstream operation without a cursor, the client's document (its
 * selection decides the hydration), the variables the upstream operation uses, and the
 * authorization scope. Never a cursor: resuming subscribers share the live topic (section 4).
 */
function topicKey(request: SubscribeRequest, prepared: PreparedPlan): string {
  const used = new Set(prepared.livePrimary.variableUsages ?? []);
  const upstreamVariables = Object.fromEntries(Object.entries(request.variables).filter(([name]) => used.has(name)));
  const restVariables = Object.fromEntries(Object.entries(request.variables).filter(([name]) => !used.has(name) && !isCursorVariable(prepared, name)));
  return createHash('sha256')
    .update(prepared.livePrimary.operation)
    .update('\0')
    .update(prepared.query)
    .update('\0')
    .update(request.operationName ?? '')
    .update('\0')
    .update(JSON.stringify(upstreamVariables))
    .update('\0')
    .update(JSON.stringify(restVariables))
    .update('\0')
    .update(scopeOf(request.context.viewer, prepared.roleScoped))
    .digest('hex');
}

/** Whether a variable is only the cursor (the primary uses it, the live primary does not). */
const isCursorVariable = (prepared: PreparedPlan, name: string) =>
  (prepared.primary.variableUsages ?? []).includes(name) && !(prepared.livePrimary.variableUsages ?? []).includes(name);

/**
 * The document with the subscription field's `after` argument removed, and that argument's value:
 * the live topic subscribes without it, the catch-up reads from it.
 */
function withoutCursor(document: DocumentNode, operationName: string | undefined): { document: DocumentNode; cursor: ValueNode | undefined } {
  let cursor: ValueNode | undefined;
  const stripped = visit(document, {
    OperationDefinition(operation) {
      if (operation.operation !== 'subscription' || (operationName && operation.name?.value !== operationName)) return undefined;
      const selections = operation.selectionSet.selections.map((selection) => {
        if (selection.kind !== Kind.FIELD) return selection;
        const after = selection.arguments?.find((a) => a.name.value === 'after');
        if (!after) return selection;
        cursor = after.value;
        return { ...selection, arguments: selection.arguments!.filter((a) => a !== after) };
      });
      return { ...operation, selectionSet: { ...operation.selectionSet, selections } };
    },
  });
  return { document: stripped, cursor };
}
