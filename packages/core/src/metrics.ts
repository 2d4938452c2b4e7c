import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AggregatorRegistry, collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Every Prometheus metric of the platform, behind a narrow API (docs/operations.md lists them and
 * the alerts built on them). One registry per process: `npm start` runs the gateway and four
 * subgraphs in one process, and the `service` label tells them apart; in production each runs
 * alone and Prometheus adds its `job`.
 *
 * Cost: a request pays a histogram observe and nothing else. Label children are looked up in
 * nested maps (no key string is built), and gauges that mirror state (open subscriptions, queue
 * depth, pool use) are read only when Prometheus scrapes.
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry });

/** Seconds; around the 200 ms latency objective, with room above for the tail. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2.5, 5, 10];

/**
 * Label values a client chooses (operation names, error codes) are capped: past this many distinct
 * values one more is counted as `other`, so nobody can grow the series without bound.
 */
const MAX_LABEL_VALUES = 200;
const OTHER = 'other';
const CODE = /^[A-Z][A-Z0-9_]{0,63}$/;

class BoundedLabel {
  private readonly seen = new Set<string>();
  constructor(private readonly valid: RegExp | null = null) {}
  of(value: string): string {
    if (this.seen.has(value)) return value;
    if (this.seen.size >= MAX_LABEL_VALUES || (this.valid && !this.valid.test(value))) return OTHER;
    this.seen.add(value);
    return value;
  }
}

/** A label child per value of a single label, cached. */
function childrenOf<T>(make: (a: string) => T) {
  const byA = new Map<string, T>();
  return (a: string): T => {
    let child = byA.get(a);
    if (!child) byA.set(a, (child = make(a)));
    return child;
  };
}

/**
 * An unlabelled gauge read at scrape time from every source registered (one per gateway or cache
 * in the process; tests run several), the readings combined (a sum, a minimum). `combine` may say
 * null: nothing set. Returns how to register a source, which returns its removal.
 */
function gaugeOverSources(name: string, help: string, combine: (readings: number[]) => number | null): (read: () => number) => () => void {
  const sources = new Set<() => number>();
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      const value = combine([...sources].map((read) => read()));
      if (value !== null) this.set(value);
    },
  });
  return (read) => {
    sources.add(read);
    return () => sources.delete(read);
  };
}
const sum = (readings: number[]) => readings.reduce((a, b) => a + b, 0);

/** A label child per (a, b), cached without building a key. */
function children<T>(make: (a: string, b: string) => T) {
  const byA = new Map<string, Map<string, T>>();
  return (a: string, b: string): T => {
    let byB = byA.get(a);
    if (!byB) byA.set(a, (byB = new Map()));
    let child = byB.get(b);
    if (!child) byB.set(b, (child = make(a, b)));
    return child;
  };
}

// --- Gateway: operations --------------------------------------------------------------------

const operationDuration = new Histogram({
  name: 'organoise_gateway_operation_duration_seconds',
  help: 'GraphQL operations the gateway executed (query planning, subgraph fetches, answer): latency by operation name and type',
  labelNames: ['operation_name', 'operation_type'],
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});
const operationsTotal = new Counter({
  name: 'organoise_gateway_operations_total',
  help: 'GraphQL operations answered by the gateway, by type and outcome (ok, client_error: a refusal with a catalogued code, server_error: the platform failed)',
  labelNames: ['operation_type', 'outcome'],
  registers: [registry],
});
const operationErrors = new Counter({
  name: 'organoise_gateway_operation_errors_total',
  help: 'Errors in GraphQL answers of the gateway, by error code (docs/errors.md)',
  labelNames: ['operation_type', 'code'],
  registers: [registry],
});
const operationNames = new BoundedLabel();
const errorCodes = new BoundedLabel(CODE);
const durationChild = children((name, type) => operationDuration.labels(name, type));
const outcomeChild = children((type, outcome) => operationsTotal.labels(type, outcome));
const errorChild = children((type, code) => operationErrors.labels(type, code));

/**
 * Codes that mean the platform failed, not the caller: they count against availability. Every
 * other catalogued code is a refusal the client can act on (docs/errors.md).
 */
const SERVER_FAULTS = new Set(['INTERNAL_SERVER_ERROR', 'SUBGRAPH_UNAVAILABLE', 'OUTCOME_UNKNOWN', 'DATABASE_UNAVAILABLE']);

/**
 * One GraphQL operation answered by the gateway. `errorCodes` are the codes of its errors
 * (`extensions.code`), or null when there were none.
 */
export function observeOperation(name: string | null | undefined, type: string, seconds: number, codes: readonly string[] | null): void {
  durationChild(operationNames.of(name || 'anonymous'), type).observe(seconds);
  countOutcome(type, codes);
}

function countOutcome(type: string, codes: readonly string[] | null): void {
  let outcome = 'ok';
  if (codes) {
    for (const code of codes) {
      errorChild(type, errorCodes.of(code)).inc();
      if (SERVER_FAULTS.has(code)) outcome = 'server_error';
      else if (outcome === 'ok') outcome = 'client_error';
    }
  }
  outcomeChild(type, outcome).inc();
}

/**
 * A request the gateway's edge refused before anything ran (rate limit, credentials, safelist,
 * parsing, validation, limits, variables): counted as an operation with its codes, so the error-rate
 * and availability alerts see a flood of refusals, but with no latency (nothing was executed, and
 * cheap refusals would pull the latency objective down). Its type is `unknown`: most are refused
 * before the document says what it is.
 */
export function observeRefusal(codes: readonly string[]): void {
  countOutcome('unknown', codes);
}

// --- Gateway: subgraph fetches --------------------------------------------------------------

const fetchDuration = new Histogram({
  name: 'organoise_gateway_subgraph_fetch_duration_seconds',
  help: 'Requests from the gateway to a subgraph (query plan fetches and entity fetches): latency by subgraph',
  labelNames: ['subgraph'],
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});
const fetchErrors = new Counter({
  name: 'organoise_gateway_subgraph_fetch_errors_total',
  help: 'Requests from the gateway to a subgraph that failed (no answer, an HTTP error, a timeout), by subgraph and error code',
  labelNames: ['subgraph', 'code'],
  registers: [registry],
});
const fetchDurationChild = new Map<string, { observe(value: number): void }>();
const fetchErrorChild = children((subgraph, code) => fetchErrors.labels(subgraph, code));

/** One fetch to a subgraph; `errorCode` when it failed (SUBGRAPH_UNAVAILABLE, OUTCOME_UNKNOWN, HTTP_<status>...). */
const deduplicatedFetches = new Counter({
  name: 'organoise_gateway_subgraph_fetches_deduplicated_total',
  help: 'Subgraph query fetches answered by an identical fetch already in flight instead of their own (GATEWAY_DEDUPLICATE_FETCHES)',
  labelNames: ['subgraph'],
  registers: [registry],
});
const deduplicatedChild = new Map<string, ReturnType<typeof deduplicatedFetches.labels>>();
export function countDeduplicatedFetch(subgraph: string): void {
  let child = deduplicatedChild.get(subgraph);
  if (!child) deduplicatedChild.set(subgraph, (child = deduplicatedFetches.labels(subgraph)));
  child.inc();
}

export function observeSubgraphFetch(subgraph: string, seconds: number, errorCode: string | null): void {
  let child = fetchDurationChild.get(subgraph);
  if (!child) fetchDurationChild.set(subgraph, (child = fetchDuration.labels(subgraph)));
  child.observe(seconds);
  if (errorCode) fetchErrorChild(subgraph, errorCodes.of(errorCode)).inc();
}

// --- Gateway: subscriptions -----------------------------------------------------------------

/** Sources read at scrape time: each running subscription engine adds itself and removes itself on close. */
export interface SubscriptionGaugeSource {
  /** Subscriptions accepted and open now. */
  open(): number;
  /** Events waiting for subscribers now, summed over subscribers. */
  queued(): number;
}
const subscriptionSources = new Set<SubscriptionGaugeSource>();
new Gauge({
  name: 'organoise_gateway_subscriptions_open',
  help: 'Client subscriptions open at the gateway (every transport)',
  registers: [registry],
  collect() {
    let n = 0;
    for (const source of subscriptionSources) n += source.open();
    this.set(n);
  },
});
new Gauge({
  name: 'organoise_gateway_subscription_queue_depth',
  help: 'Events hydrated and waiting for a subscriber to take them, summed over subscribers (each is cut off past its own limit: SLOW_CONSUMER)',
  registers: [registry],
  collect() {
    let n = 0;
    for (const source of subscriptionSources) n += source.queued();
    this.set(n);
  },
});
const deliveries = new Counter({ name: 'organoise_gateway_subscription_deliveries_total', help: 'Subscription events handed to subscribers (one per subscriber per event)', registers: [registry] });
const slowConsumers = new Counter({ name: 'organoise_gateway_subscription_slow_consumers_total', help: 'Subscribers cut off because events waited for them past the limit (SLOW_CONSUMER)', registers: [registry] });

/** Registers a subscription engine's gauges; returns its removal. */
export function watchSubscriptions(source: SubscriptionGaugeSource): () => void {
  subscriptionSources.add(source);
  return () => subscriptionSources.delete(source);
}
export const countDeliveries = (n: number) => deliveries.inc(n);
export const countSlowConsumer = () => slowConsumers.inc();

// --- Gateway: live credential watches (docs/decisions/0017-credential-events.md) ---------------

export type CredentialRecheckCause = 'event' | 'poll';
const credentialRechecks = new Counter({
  name: 'organoise_gateway_credential_rechecks_total',
  help: "Re-checks of live subscriptions' credentials: event (a credential event named them) or poll (the periodic re-check)",
  labelNames: ['cause'],
  registers: [registry],
});
const credentialRecheckChild = childrenOf((cause) => credentialRechecks.labels(cause));
export function countCredentialRechecks(cause: CredentialRecheckCause, n = 1): void {
  credentialRecheckChild(cause).inc(n);
}
/** Registers a gateway's credential watches' period in milliseconds (read at scrape time); returns its removal. */
export const watchCredentialRechecks: (periodMs: () => number) => () => void = gaugeOverSources(
  'organoise_gateway_credential_recheck_period_seconds',
  "How often every live subscription's credentials are re-checked now: the sweep while the user subgraph's credential events are followed, the polling period while they cannot be",
  // Several gateways in one process (tests): the shortest period, i.e. polling if any polls.
  (periods) => (periods.length > 0 ? Math.min(...periods) / 1000 : null),
);

// --- Gateway: response cache (docs/protocols/response-cache.md) -----------------------------

/**
 * What the response cache did: `hit`, `miss` (a cacheable query executed), `coalesced` (a miss
 * that waited for an identical fill in flight), `store`, `raced` (a
 * fill not stored: its organizations or the cache were invalidated while it ran), `bypass` (a
 * cacheable query while the cache's Redis subscription was down), `invalidation` (a tag dropped:
 * an event or a mutation of this gateway), `flush` (everything dropped).
 */
export type ResponseCacheOutcome = 'hit' | 'miss' | 'coalesced' | 'refresh' | 'store' | 'raced' | 'bypass' | 'invalidation' | 'flush';
const responseCacheTotal = new Counter({
  name: 'organoise_gateway_response_cache_total',
  help: 'Response cache outcomes: hit, miss, coalesced (waited for an identical fill in flight), refresh (a hit near its maximum age refilled in the background), store, raced (a fill invalidated while it ran, not stored), bypass (Redis subscription down), invalidation, flush',
  labelNames: ['outcome'],
  registers: [registry],
});
const responseCacheChild = childrenOf((outcome) => responseCacheTotal.labels(outcome));
export function countResponseCache(outcome: ResponseCacheOutcome, n = 1): void {
  responseCacheChild(outcome).inc(n);
}
/** Registers a response cache's size (read at scrape time); returns its removal. */
export const watchResponseCache: (bytes: () => number) => () => void = gaugeOverSources('organoise_gateway_response_cache_bytes', 'Bytes of answers held by the response cache', sum);

// --- Subgraphs ------------------------------------------------------------------------------

const requestDuration = new Histogram({
  name: 'organoise_subgraph_request_duration_seconds',
  help: "Requests a subgraph served on /graphql, by service and HTTP status class (2xx, 4xx, 5xx)",
  labelNames: ['service', 'status'],
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});
const requestChild = children((service, status) => requestDuration.labels(service, status));
const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'];

export function observeSubgraphRequest(service: string, seconds: number, status: number): void {
  requestChild(service, STATUS_CLASSES[Math.floor(status / 100) - 1] ?? '5xx').observe(seconds);
}

const eventLag = new Histogram({
  name: 'organoise_event_delivery_lag_seconds',
  help: "Time from an event's commit to its delivery to a subscription's follower, by service and stream kind (the stream name before its id)",
  labelNames: ['service', 'stream'],
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
  registers: [registry],
});
const lagChild = children((service, stream) => eventLag.labels(service, stream));
const streamKinds = new BoundedLabel();

/**
 * One event handed to a follower. Streams are per run or organization (`run:<id>`), so the label
 * is the kind before the first ':' (or the whole name without one).
 */
export function observeEventLag(service: string, stream: string, committedAt: string, now = Date.now()): void {
  const colon = stream.indexOf(':');
  const kind = streamKinds.of(colon === -1 ? stream : stream.slice(0, colon));
  lagChild(service, kind).observe(Math.max(0, now - Date.parse(committedAt)) / 1000);
}

/**
 * A Postgres pool, read at scrape time. postgres.js does not expose its pool, so db.ts counts what
 * it hands the driver: statements outside a transaction and open transactions (each holds a
 * connection). Past `max` the rest wait for a connection.
 */
export interface PoolGaugeSource {
  service: string;
  max: number;
  /** Statements and transactions handed to the driver and not finished. */
  inFlight(): number;
}
const pools = new Set<PoolGaugeSource>();
const poolGauge = (name: string, help: string, read: (pool: PoolGaugeSource) => number) =>
  new Gauge({
    name,
    help,
    labelNames: ['service'],
    registers: [registry],
    collect() {
      this.reset();
      for (const pool of pools) this.inc({ service: pool.service }, read(pool));
    },
  });
poolGauge('organoise_db_pool_in_use', 'Postgres connections in use (a statement running or a transaction open)', (p) => Math.min(p.inFlight(), p.max));
poolGauge('organoise_db_pool_waiting', 'Statements and transactions waiting for a free Postgres connection', (p) => Math.max(0, p.inFlight() - p.max));
poolGauge('organoise_db_pool_max', 'Most Postgres connections the pool opens', (p) => p.max);

const queryDuration = new Histogram({
  name: 'organoise_db_query_duration_seconds',
  help: 'SQL statements a subgraph ran on Postgres (waiting for a connection included), by service',
  labelNames: ['service'],
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});
const queryChild = childrenOf((service) => queryDuration.labels(service));
export function observeQuery(service: string, seconds: number): void {
  queryChild(service).observe(seconds);
}

/** Registers a database pool's gauges; returns its removal. */
export function watchPool(pool: PoolGaugeSource): () => void {
  pools.add(pool);
  return () => pools.delete(pool);
}

// --- Job queues -----------------------------------------------------------------------------

/** A durable job queue (the file subgraph's pg-boss queues): its jobs by queue and state, read when Prometheus scrapes. */
export interface JobQueueGaugeSource {
  service: string;
  counts(): Promise<{ queue: string; state: 'ready' | 'deferred' | 'active' | 'failed'; jobs: number }[]>;
}
const jobQueues = new Set<JobQueueGaugeSource>();
new Gauge({
  name: 'organoise_job_queue_jobs',
  help: 'Jobs in a durable queue by state: ready (waiting for a worker), deferred (a retry waiting out its backoff), active, failed (kept for a while; a dead-letter queue holds the ones that gave up)',
  labelNames: ['service', 'queue', 'state'],
  registers: [registry],
  async collect() {
    this.reset();
    for (const source of jobQueues) {
      // A queue that cannot be read now (its database away) is left out of this scrape, not an error for the others.
      const counts = await source.counts().catch(() => []);
      for (const { queue, state, jobs } of counts) this.set({ service: source.service, queue, state }, jobs);
    }
  },
});

/** Registers a job queue's gauge; returns its removal. */
export function watchJobQueue(source: JobQueueGaugeSource): () => void {
  jobQueues.add(source);
  return () => jobQueues.delete(source);
}

// --- Serving --------------------------------------------------------------------------------

/** The metrics in Prometheus' text format. */
export const metricsText = () => registry.metrics();
export const METRICS_CONTENT_TYPE = registry.contentType;

/** An express-compatible handler for GET /metrics. */
export async function serveMetricsRequest(_req: http.IncomingMessage, res: http.ServerResponse, source: { metrics(): Promise<string>; contentType: string } = registry): Promise<void> {
  try {
    const text = await source.metrics();
    res.writeHead(200, { 'content-type': source.contentType, 'cache-control': 'no-store' });
    res.end(text);
  } catch {
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end('metrics unavailable\n');
  }
}

/** In a cluster worker: answer the primary's requests for metrics from this process's registry. */
export function reportMetricsToClusterPrimary(): void {
  AggregatorRegistry.setRegistries([registry]);
}

export interface MetricsListener {
  /** http://host:port/metrics */
  url: string;
  close(): Promise<void>;
}

/**
 * /metrics on a port of its own (the gateway's METRICS_PORT): Prometheus scrapes it from inside the
 * cluster while the service's public port never shows it. Anything but GET /metrics is a 404.
 */
export async function startMetricsListener(port: number, host = '127.0.0.1', options: { cluster?: boolean } = {}): Promise<MetricsListener> {
  // With several workers (node:cluster) the primary answers, summing what each worker reports
  // (a worker's own listener on a shared port would answer for itself alone, a different one each scrape).
  const cluster = options.cluster ? new AggregatorRegistry() : null;
  const source = cluster ? { metrics: () => cluster.clusterMetrics(), contentType: cluster.contentType } : registry;
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && (req.url === '/metrics' || req.url?.startsWith('/metrics?'))) void serveMetricsRequest(req, res, source);
    else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  return {
    url: `http://${shown}:${bound}/metrics`,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
    },
  };
}
