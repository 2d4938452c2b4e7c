import http from 'node:http';
import https from 'node:https';
// Replaces RemoteGraphQLDataSource's private sendRequest: listed in ./apollo/internals.ts.
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { appError, CLIENT_USER_AGENT_HEADER, CLIENT_USER_AGENT_MAX, countDeduplicatedFetch, injectTraceHeaders, INTERNAL_TOKEN_HEADER, observeSubgraphFetch, signInternalToken, type Viewer } from '@organoise/core';
import { gatewayClock, type GatewayContext } from './context.js';

/** The routing URLs a supergraph declares, by subgraph name (`@join__graph(name:, url:)`). */
export function routingUrls(supergraphSdl: string): Record<string, string> {
  const urls: Record<string, string> = {};
  for (const match of supergraphSdl.matchAll(/@join__graph\(\s*name:\s*"([^"]+)"\s*,\s*url:\s*"([^"]*)"\s*\)/g)) {
    urls[match[1]!] = match[2]!;
  }
  return urls;
}

type Fetcher = RemoteGraphQLDataSource['fetcher'];
type FetcherResponse = Awaited<ReturnType<Fetcher>>;
type FetcherHeaders = FetcherResponse['headers'];

/**
 * Sockets kept per subgraph. Under load the executor runs many fetches at once; past this many
 * they queue for a free socket instead of opening more (an unbounded pool grew to hundreds of
 * sockets per subgraph under 50 client connections, each paying connection setup).
 */
const MAX_SOCKETS_PER_SUBGRAPH = 64;

/** A subgraph's response headers, read-only, in the shape RemoteGraphQLDataSource reads. */
class ResponseHeaders implements FetcherHeaders {
  constructor(readonly raw: http.IncomingHttpHeaders) {}
  get(name: string): string | null {
    const value = this.raw[name.toLowerCase()];
    return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
  }
  has(name: string): boolean {
    return this.raw[name.toLowerCase()] !== undefined;
  }
  *entries(): IterableIterator<[string, string]> {
    for (const name of Object.keys(this.raw)) yield [name, this.get(name)!];
  }
  *keys(): IterableIterator<string> {
    for (const [name] of this.entries()) yield name;
  }
  *values(): IterableIterator<string> {
    for (const [, value] of this.entries()) yield value;
  }
  [Symbol.iterator]() {
    return this.entries();
  }
  append(): void {
    throw new Error('response headers are read-only');
  }
  delete(): void {
    throw new Error('response headers are read-only');
  }
  set(): void {
    throw new Error('response headers are read-only');
  }
}

/** A response whose body has been read in full before the fetcher resolves (so the timeout covers it). */
class BufferedResponse implements FetcherResponse {
  readonly redirected = false;
  readonly ok: boolean;
  readonly headers: ResponseHeaders;
  bodyUsed = false;
  constructor(
    readonly url: string,
    readonly status: number,
    readonly statusText: string,
    headers: http.IncomingHttpHeaders,
    private readonly body: Buffer,
  ) {
    this.ok = status >= 200 && status < 300;
    this.headers = new ResponseHeaders(headers);
  }
  async text(): Promise<string> {
    this.bodyUsed = true;
    return this.body.toString('utf8');
  }
  async json(): Promise<any> {
    return JSON.parse(await this.text());
  }
  async arrayBuffer(): Promise<ArrayBuffer> {
    this.bodyUsed = true;
    return new Uint8Array(this.body).buffer;
  }
  clone(): FetcherResponse {
    return new BufferedResponse(this.url, this.status, this.statusText, this.headers.raw, this.body);
  }
}

/**
 * A fetcher over a bounded keep-alive pool of node:http sockets: the body goes out as one string
 * with its content-length, the answer is read into one buffer, and one timer bounds the whole
 * exchange. Node's fetch cost about 14% of the gateway's CPU on the federation benchmark
 * (WHATWG streams for the body, an AbortSignal per call). Failures look like fetch's: a timeout
 * rejects with a `TimeoutError` DOMException, a transport failure with `TypeError('fetch failed')`.
 */
/** Below core's SUBGRAPH_KEEP_ALIVE_MS (the subgraph side of the same connections). */
const IDLE_SOCKET_MS = 30_000;

export function pooledFetcher(timeoutMs: number): { fetcher: Fetcher; close(): void } {
  const agents = {
    // Idle sockets are dropped by us (IDLE_SOCKET_MS) before the subgraph's server would close
    // them (SUBGRAPH_KEEP_ALIVE_MS in core), so a request never lands on a socket the peer is closing.
    'http:': new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS_PER_SUBGRAPH, timeout: IDLE_SOCKET_MS }),
    'https:': new https.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS_PER_SUBGRAPH, timeout: IDLE_SOCKET_MS }),
  };
  const fetcher = ((url: string, init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}) =>
    new Promise<FetcherResponse>((resolve, reject) => {
      const target = new URL(url);
      const agent = agents[target.protocol as keyof typeof agents];
      if (!agent) return reject(new TypeError('fetch failed', { cause: new Error(`unsupported protocol ${target.protocol}`) }));
      const body = init.body ?? '';
      const client = target.protocol === 'https:' ? https : http;
      let settled = false;
      const fail = (error: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(error instanceof DOMException ? error : new TypeError('fetch failed', { cause: error }));
      };
      const request = client.request(
        target,
        { method: init.method ?? 'GET', agent, headers: { ...init.headers, 'content-length': String(Buffer.byteLength(body)) } },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', fail);
          response.on('end', () => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            resolve(new BufferedResponse(url, response.statusCode ?? 0, response.statusMessage ?? '', response.headers, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
          });
        },
      );
      const timer = setTimeout(() => {
        fail(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
        request.destroy();
      }, timeoutMs);
      request.on('error', fail);
      request.end(body);
    })) as Fetcher;
  return {
    fetcher,
    close: () => {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}

/**
 * How long a signed internal token is reused for the same subgraph, viewer (roles included) and
 * client address. Tokens live 60 s (packages/core identity.ts), so a reused one still has at least
 * 55 s left; the claims are identical, so reuse changes nothing a subgraph sees. Signing costs an
 * HMAC and JSON/base64 work on every subgraph call otherwise (about a dozen per request on the
 * federation benchmark).
 */
const TOKEN_REUSE_MS = 5000;
const MAX_CACHED_TOKENS = 10_000;

/** Signed internal tokens by (viewer, roles, client address), for one subgraph. */
export class InternalTokens {
  private readonly tokens = new Map<string, { token: Promise<string>; at: number }>();

  constructor(
    private readonly secret: string,
    private readonly audience: string,
    private readonly reuseMs = TOKEN_REUSE_MS,
  ) {}

  get(viewer: Viewer | null, clientIp: string | null | undefined): Promise<string> {
    // Everything the token carries is in the key: roles and the orgs an allow-list withheld too.
    const key = viewer
      ? `${clientIp ?? ''}\n${viewer.userId}\n${viewer.sessionId}\n${JSON.stringify(viewer.memberships)}\n${viewer.deniedOrgs?.join(',') ?? ''}`
      : `${clientIp ?? ''}`;
    const now = Date.now();
    const cached = this.tokens.get(key);
    if (cached && now - cached.at < this.reuseMs) return cached.token;
    if (this.tokens.size >= MAX_CACHED_TOKENS) this.evict(now);
    const token = signInternalToken(this.secret, this.audience, viewer, clientIp);
    this.tokens.set(key, { token, at: now });
    token.catch(() => this.tokens.delete(key));
    return token;
  }

  private evict(now: number) {
    for (const [key, entry] of this.tokens) if (now - entry.at >= this.reuseMs) this.tokens.delete(key);
    if (this.tokens.size >= MAX_CACHED_TOKENS) this.tokens.clear();
  }
}

/**
 * Subgraph query fetches in flight, shared by every subgraph of one gateway (GATEWAY_DEDUPLICATE_FETCHES,
 * on by default). A query fetch identical to one already in flight (same subgraph URL, same internal
 * token, so the same viewer, session, roles and client address, same document and variables) waits
 * for that fetch's answer instead of sending its own; each waiter parses its own copy of the answer,
 * so no two operations share result objects. Mutations are never shared.
 *
 * Freshness: a fetch joins one in flight only if that fetch was sent after the joining client
 * request arrived at the gateway (GatewayContext.arrivedAt, both read on gatewayClock). Any write
 * that completed before the client's request arrived, through this gateway or another replica or a
 * background job, had completed before the shared fetch was sent, so the subgraph's read sees it,
 * exactly as a fetch of this request's own would. Sharing therefore adds no staleness a client can
 * observe: each answer is still one a request sent on its own could have had at some instant
 * between the request's arrival and its answer (per-request linearizability). What it may return is
 * a read that misses a write still in progress while the request was in flight, which an unshared
 * fetch may miss too. A fetch sent before the request arrived is never joined: it could predate a
 * write the client saw complete before asking.
 *
 * Read-your-writes within one operation too: when a mutation fetch ends (answered or not: it may
 * have committed), fetches that began before it can no longer be joined, so the entity fetches a
 * mutation's plan makes after its write never get an answer read before that write.
 */
export class InflightFetches {
  private readonly inflight = new Map<string, { response: Promise<FetcherResponse>; epoch: number; sentAt: number }>();
  private epoch = 0;

  /** `arrivedAt` undefined: the fetch is sent (and may be joined by later arrivals), never joins. */
  run(key: string, arrivedAt: number | undefined, send: () => Promise<FetcherResponse>): { response: Promise<FetcherResponse>; joined: boolean } {
    const running = this.inflight.get(key);
    // Strictly after: on equal readings the order is unknown, so it is sent.
    if (running && arrivedAt !== undefined && running.epoch === this.epoch && running.sentAt > arrivedAt) {
      return { response: running.response.then((r) => r.clone()), joined: true };
    }
    // Read before sending: the recorded send time is never later than the real one.
    const sentAt = gatewayClock();
    const entry = { response: send(), epoch: this.epoch, sentAt };
    // The newest fetch is the one later arrivals can join.
    this.inflight.set(key, entry);
    const done = () => {
      if (this.inflight.get(key) === entry) this.inflight.delete(key);
    };
    entry.response.then(done, done);
    return { response: entry.response, joined: false };
  }

  /** A mutation fetch ended: what is in flight now began before it. */
  wrote(): void {
    this.epoch++;
  }

  get size(): number {
    return this.inflight.size;
  }
}

/** A fetch's document is a query (a root field or `_entities` read) rather than a mutation. */
const isQueryDocument = (query: unknown): boolean => typeof query === 'string' && /^\s*(query\b|\{)/.test(query);

/**
 * How the gateway calls one subgraph. Nothing the client sent is forwarded upstream (so an
 * identity header a client forges goes nowhere); the gateway adds a short-lived internal token
 * addressed to this subgraph, carrying the verified viewer. Requests time out instead of hanging
 * (the stock fetcher has no timeout), over a bounded pool of kept-alive connections.
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  /** Closes the pooled connections to the subgraph. */
  readonly close: () => void;
  private readonly tokens: InternalTokens | null;

  constructor(
    readonly subgraphName: string,
    url: string,
    internalTokenSecret: string | undefined,
    timeoutMs: number,
    /** Set: identical query fetches in flight are sent once, as InflightFetches allows. */
    readonly inflight: InflightFetches | null = null,
  ) {
    const pool = pooledFetcher(timeoutMs);
    super({ url, fetcher: pool.fetcher });
    this.close = pool.close;
    this.tokens = internalTokenSecret ? new InternalTokens(internalTokenSecret, subgraphName) : null;
    // RemoteGraphQLDataSource declares sendRequest private, so it is replaced on the instance.
    (this as unknown as { sendRequest: typeof sendRequest }).sendRequest = sendRequest;
  }

  override async willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<void> {
    const headers = request.http!.headers;
    const ctx = context as Partial<GatewayContext>;
    if (this.tokens) headers.set(INTERNAL_TOKEN_HEADER, await this.tokens.get(ctx.viewer ?? null, ctx.clientIp));
    if (ctx.requestId) headers.set('x-request-id', ctx.requestId);
    // The client's User-Agent, for the sessions a mutation opens (signIn and the like) to name the
    // browser or app; queries, the hot path, go without it.
    if (ctx.userAgent && /^\s*mutation\b/.test(request.query ?? '')) headers.set(CLIENT_USER_AGENT_HEADER, ctx.userAgent.slice(0, CLIENT_USER_AGENT_MAX));
    // W3C trace context of the gateway.fetch span this runs in (nothing when tracing is off).
    injectTraceHeaders((name, value) => headers.set(name, value));
  }

}

type OutgoingRequest = { http?: { method: string; url: string; headers: Iterable<[string, string]> } } & Record<string, unknown>;

/**
 * RemoteGraphQLDataSource's sendRequest (@apollo/gateway 2.14.4) without the node-fetch `Request`
 * it builds on every call only to hand to parseBody and didEncounterError, which ignore it here.
 */
async function sendRequest(this: SubgraphDataSource, request: OutgoingRequest, context: GatewayContext) {
  if (!request.http) throw new Error("Internal error: Only 'http' requests are supported.");
  const { http: target, ...requestWithoutHttp } = request;
  const init = { method: target.method, headers: Object.fromEntries(target.headers), body: JSON.stringify(requestWithoutHttp) };
  let response: FetcherResponse | undefined;
  const started = performance.now();
  const query = isQueryDocument(requestWithoutHttp.query);
  try {
    if (this.inflight && query) {
      // The request id and trace headers are left out of the key: they name the request, not what it asks.
      const shared = this.inflight.run(`${target.url}\n${init.headers[INTERNAL_TOKEN_HEADER] ?? ''}\n${init.body}`, context?.arrivedAt, () => this.fetcher(target.url, init));
      if (shared.joined) countDeduplicatedFetch(this.subgraphName);
      response = await shared.response;
    } else {
      response = await this.fetcher(target.url, init).finally(() => {
        if (!query) this.inflight?.wrote();
      });
    }
    // The subgraph read no further than the size: its refusal keeps its meaning (nothing was done).
    if (response.status === 413) throw appError('PAYLOAD_TOO_LARGE', `The request is too large for the ${this.subgraphName} service`, { serviceName: this.subgraphName });
    if (!response.ok) throw (await unavailableStatus(this.subgraphName, response)) ?? (await this.errorFromResponse(response));
    const body: unknown = await this.parseBody(response, undefined as never, context);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error(`Expected JSON response body, but received: ${String(body)}`);
    observeSubgraphFetch(this.subgraphName, (performance.now() - started) / 1000, null);
    return { ...body, http: response };
  } catch (error) {
    // The stock didEncounterError rethrows what it is given: give it the catalogued error.
    const failure = transportFailure(this.subgraphName, error);
    observeSubgraphFetch(this.subgraphName, (performance.now() - started) / 1000, fetchErrorCode(failure, response));
    this.didEncounterError(failure as Error, undefined as never, response, context, request as never);
    throw failure;
  }
}

/**
 * The statuses a subgraph (or the load balancer in front of its replicas) answers when it is down
 * or stopping, as catalogued errors: 503 means nothing acted on the request (no replica ready, or
 * one draining), so SUBGRAPH_UNAVAILABLE and a retry is safe; 502 and 504 come from a proxy that
 * may have passed the request on before the upstream failed or timed out, so OUTCOME_UNKNOWN. The
 * stock data source turns all three into INTERNAL_SERVER_ERROR, a server fault with no advice.
 */
async function unavailableStatus(subgraph: string, response: FetcherResponse): Promise<unknown> {
  if (response.status === 503) return appError('SUBGRAPH_UNAVAILABLE', `The ${subgraph} subgraph is not available; retry later`, { serviceName: subgraph, status: 503 });
  if (response.status === 502 || response.status === 504) {
    return appError('OUTCOME_UNKNOWN', `The ${subgraph} subgraph's proxy answered ${response.status}; what the subgraph did is unknown`, { reason: 'proxy', serviceName: subgraph, status: response.status });
  }
  return undefined;
}

/** A failed fetch's metric label: its catalogued code, or the subgraph's HTTP status. */
function fetchErrorCode(failure: unknown, response: FetcherResponse | undefined): string {
  const code = (failure as { extensions?: { code?: unknown } } | null)?.extensions?.code;
  if (typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR') return code;
  return response && !response.ok ? `HTTP_${response.status}` : 'INTERNAL_SERVER_ERROR';
}

/** Connection errors that happen before anything is sent: the subgraph cannot have acted. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * A transport failure as a catalogued error the client can act on (docs/errors.md), rather than
 * INTERNAL_SERVER_ERROR: SUBGRAPH_UNAVAILABLE when the request cannot have reached the subgraph,
 * OUTCOME_UNKNOWN when it may have (a timeout, or the connection dropped mid-exchange), since a
 * mutation may then have committed. Other errors (HTTP statuses, bad bodies) pass unchanged.
 */
export function transportFailure(subgraph: string, error: unknown): unknown {
  if (error instanceof DOMException && error.name === 'TimeoutError') {
    return appError('OUTCOME_UNKNOWN', `The ${subgraph} subgraph did not answer in time; what it did is unknown`, { reason: 'timeout', serviceName: subgraph });
  }
  if (error instanceof TypeError && error.message === 'fetch failed') {
    const code = (error.cause as NodeJS.ErrnoException | undefined)?.code;
    if (code && NOT_SENT.has(code)) return appError('SUBGRAPH_UNAVAILABLE', `The ${subgraph} subgraph cannot be reached`, { serviceName: subgraph });
    return appError('OUTCOME_UNKNOWN', `The connection to the ${subgraph} subgraph was lost; what it did is unknown`, { reason: 'connection-lost', serviceName: subgraph });
  }
  return error;
}
