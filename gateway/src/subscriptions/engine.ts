import { createHash } from 'node:crypto';
import { buildOperationContext, executeQueryPlan, type GraphQLDataSource, type ServiceMap } from '@apollo/gateway';
import { operationFromDocument, Supergraph, type Schema } from '@apollo/federation-internals';
import { QueryPlanner, type FetchNode, type PlanNode, type QueryPlan } from '@apollo/query-planner';
import { createEventIterator, INTERNAL_TOKEN_HEADER, isLiveAck, LIVE_ACK_REQUEST, signInternalToken, type EventSink, type Logger } from '@organoise/core';
import { GraphQLError, print, type DocumentNode, type ExecutionResult, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
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
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  log: Logger;
  /**
   * How long an upstream may take to connect and acknowledge that it is live before its
   * subscribers get SUBGRAPH_UNAVAILABLE (a hung subgraph must not hold them forever). Default 10 s.
   */
  upstreamTimeoutMs?: number;
}

/** A subscription as the engine hands it to a transport. */
export interface EngineSubscription extends AsyncIterableIterator<ExecutionResult> {
  /**
   * Settles when the subscription is accepted: its upstream is live (the subgraph pinned the
   * stream position and listens), so every event committed from now on reaches it; or when it
   * failed before that (the failure is then its first result). Never rejects. Transports that can
   * say "accepted" to their client (SSE and multipart headers) wait for it.
   */
  readonly accepted: Promise<void>;
}

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
  /** The most events that ever waited for one subscriber, and how many subscribers were cut off. */
  private peakQueued = 0;
  private slowConsumers = 0;

  constructor(private readonly options: SubscriptionEngineOptions) {
    const supergraph = Supergraph.build(options.supergraphSdl);
    this.supergraphSchema = supergraph.schema.toGraphQLJSSchema();
    this.apiSchema = supergraph.apiSchema();
    this.apiGraphQLSchema = this.apiSchema.toGraphQLJSSchema();
    this.planner = new QueryPlanner(supergraph);
  }

  /** Upstream subscriptions and connections currently open (to prove nothing leaks); listeners counts accepted subscriptions only. */
  stats() {
    return { topics: this.topics.size, connections: this.connections.size, listeners: [...this.topics.values()].reduce((n, t) => n + (t.live ? t.listeners.size : 0), 0) };
  }

  /** The most events that ever waited for one subscriber (never above maxQueue), and how many subscribers were cut off. */
  queueStats() {
    return { peakQueued: this.peakQueued, slowConsumers: this.slowConsumers };
  }

  subscribe(request: SubscribeRequest): EngineSubscription {
    const prepared = this.prepare(request.document, request.operationName ?? undefined);
    const key = topicKey(request, prepared);
    const { maxQueue } = this.options;
    // Mirrors the bounded queue of createEventIterator from outside: an event pushed while the
    // consumer waits is handed over, any other one waits in the queue, and one more than maxQueue
    // cuts the subscriber off (the iterator drops it and fails with SLOW_CONSUMER).
    let queued = 0;
    let pulling = false;
    let cut = false;
    let accepted: Promise<void> = Promise.resolve();
    const inner = createEventIterator<ExecutionResult>({
      maxQueue,
      start: async (sink) => {
        const counted: EventSink<ExecutionResult> = {
          push: (value) => {
            if (pulling) pulling = false;
            else if (queued < maxQueue) this.peakQueued = Math.max(this.peakQueued, ++queued);
            else if (!cut) {
              cut = true;
              this.slowConsumers++;
              request.onSlowConsumer?.();
            }
            sink.push(value);
          },
          fail: (error) => sink.fail(error),
          end: () => sink.end(),
        };
        let topic = this.topics.get(key);
        if (!topic) topic = this.openTopic(key, prepared, request);
        // Joined at once, so it receives every event the topic delivers from now on; a new topic
        // delivers nothing before its upstream is live, and that moment is when it is accepted.
        topic.listeners.set(counted, request.context);
        accepted = topic.accepted;
        const joined = topic;
        return async () => {
          joined.listeners.delete(counted);
          if (joined.listeners.size === 0) this.closeTopic(joined);
        };
      },
    });
    const iterator: EngineSubscription = {
      accepted,
      next: async () => {
        if (queued > 0) {
          queued--;
          return inner.next();
        }
        pulling = true;
        try {
          return await inner.next();
        } finally {
          pulling = false;
        }
      },
      return: () => inner.return!(),
      throw: (error) => inner.throw!(error),
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  async close(): Promise<void> {
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
    const operation = operationFromDocument(this.apiSchema, document, { operationName });
    const plan: QueryPlan = this.planner.buildQueryPlan(operation);
    if (plan.node?.kind !== 'Subscription') throw new GraphQLError('Not a subscription operation', { extensions: { code: 'BAD_REQUEST' } });
    const prepared = {
      query,
      primary: plan.node.primary,
      rest: plan.node.rest,
      operationContext: buildOperationContext({ schema: this.apiGraphQLSchema, operationDocument: document, operationName }),
      roleScoped: isRoleScoped(this.apiGraphQLSchema, document),
    };
    if (this.plans.size >= 1000) this.plans.delete(this.plans.keys().next().value!);
    this.plans.set(cacheKey, prepared);
    return prepared;
  }

  private openTopic(key: string, prepared: PreparedPlan, request: SubscribeRequest): Topic {
    const { primary } = prepared;
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
          const live = isLiveAck(result);
          topic.markLive();
          if (live) return;
          topic.queue = topic.queue.then(() => this.deliver(topic, prepared, request, result as ExecutionResult<Record<string, unknown>>));
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
  private async deliver(topic: Topic, prepared: PreparedPlan, request: SubscribeRequest, event: ExecutionResult<Record<string, unknown>>) {
    if (topic.listeners.size === 0) return;
    // The opener may have left a shared topic: the entity fetches carry the identity of a
    // subscriber still listening (all of them have the same memberships, see sharing.ts).
    const context = topic.listeners.values().next().value ?? request.context;
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
            logger: { debug: () => {}, info: () => {}, warn: (m: unknown) => this.options.log.warn(String(m)), error: (m: unknown) => this.options.log.error(String(m)) },
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
    const payload: ExecutionResult = { ...(result.data !== undefined ? { data: result.data } : {}), ...(formatted?.length ? { errors: asGraphQLErrors(formatted) } : {}) };
    for (const sink of topic.listeners.keys()) sink.push(payload);
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

function topicKey(request: SubscribeRequest, prepared: PreparedPlan): string {
  return createHash('sha256')
    .update(prepared.primary.operation)
    .update('\0')
    .update(prepared.query)
    .update('\0')
    .update(request.operationName ?? '')
    .update('\0')
    .update(JSON.stringify(request.variables))
    .update('\0')
    .update(scopeOf(request.context.viewer, prepared.roleScoped))
    .digest('hex');
}
