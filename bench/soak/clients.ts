import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { serveChild } from '../lib/child.js';

// Subscribers of bench:soak, in a process of their own (not the gateway's, not the driver's).
// Each one follows its organization's workflow runs through the gateway over one transport, drops
// its connection every so often (half of the graphql-ws drops abruptly: the socket destroyed
// without a close frame), stays away a few seconds, and resumes after the last cursor it got:
// graphql-ws and multipart with `after`, SSE with `Last-Event-ID`, as their clients do. Every
// cursor is checked as it arrives against the one before it: an organization's run stream is
// numbered 1, 2, 3... without holes (docs/protocols/subscriptions.md, section 3) and a member sees
// every event of it, so the next event must be the last one + 1. A higher one is a gap (the
// cursors between were missed, unless they come later: out of order); a lower one already seen is
// a duplicate. The driver checks the numbering against the workflow subgraph's log at the end.

export type Transport = 'graphql-ws' | 'sse' | 'multipart';

export interface SubscriberSpec {
  id: number;
  transport: Transport;
  organizationId: string;
  role: string;
  token: string;
  /** The stream's head when the soak began: the subscriber must get every event after it. */
  start: number;
}

export interface ClientsConfig {
  url: string;
  subscribers: SubscriberSpec[];
  dropSeconds: number;
  offlineSeconds: number;
  /** Every this-many-th drop stays away longSeconds instead (a longer backlog to catch up on); 0 = never. */
  longEvery: number;
  longSeconds: number;
  /**
   * A deliberate client fault, to show that the checks catch one: `skip` resumes one cursor too
   * far (the next event is missed), `repeat` one too early (the last event comes twice).
   */
  fault: 'none' | 'skip' | 'repeat';
}

export interface SubscriberFigures {
  id: number;
  transport: Transport;
  organizationId: string;
  role: string;
  start: number;
  /** The highest cursor received. */
  last: number;
  received: number;
  /** Cursors skipped over and not received since. */
  missed: number;
  duplicated: number;
  outOfOrder: number;
  drops: number;
  resumes: number;
  /** Errors received, and connections the gateway ended or refused (none is expected). */
  errors: number;
  firstProblem: string | null;
  connected: boolean;
}

export interface WindowAnswer {
  type: 'window';
  subscribers: SubscriberFigures[];
  /** ms from each event's commit (`at`) to its arrival, for events committed while the subscriber was connected. */
  latencies: number[];
  rss: number;
  heapUsed: number;
  handles: number;
}

const QUERY =
  'subscription SoakRuns($org: ID!, $after: String) { workflowRunsChanged(organizationId: $org, after: $after) { cursor type at run { id state startedBy { name } } } }';

interface RunEvent {
  cursor: string;
  at: string;
}

interface Connection {
  /** Settles when the connection ends: with a reason if the gateway ended it, undefined if we did. */
  ended: Promise<string | undefined>;
  /** Headers received (SSE, multipart) or the socket acknowledged (graphql-ws). */
  opened: Promise<void>;
  close(abrupt: boolean): Promise<void>;
}

interface Subscriber extends SubscriberFigures {
  spec: SubscriberSpec;
  missing: Set<number>;
  /** When the current connection was opened: events committed after it count towards latency. */
  connectedAt: number;
  current: Connection | undefined;
}

let latencies: number[] = [];
let settling = false;
let stopped = false;
const wakeups = new Set<() => void>();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Sleeps (true), but wakes early (false) when the driver asks the subscribers to settle or stop. */
const dropDelay = (ms: number) =>
  new Promise<boolean>((resolve) => {
    if (settling || stopped) return resolve(false);
    const wake = () => {
      clearTimeout(timer);
      wakeups.delete(wake);
      resolve(false);
    };
    const timer = setTimeout(() => {
      wakeups.delete(wake);
      resolve(true);
    }, ms);
    wakeups.add(wake);
  });

function problem(sub: Subscriber, text: string) {
  sub.errors++;
  sub.firstProblem ??= `${new Date().toISOString().slice(11, 19)} ${text.slice(0, 300)}`;
}

function onEvent(sub: Subscriber, event: RunEvent, sseId?: string) {
  const now = Date.now();
  const cursor = Number(event.cursor);
  if (!Number.isSafeInteger(cursor)) return problem(sub, `a cursor that is not a number: ${JSON.stringify(event).slice(0, 200)}`);
  if (sseId !== undefined && sseId !== event.cursor) problem(sub, `SSE id ${sseId} is not the event's cursor ${event.cursor}`);
  sub.received++;
  if (cursor === sub.last + 1) sub.last = cursor;
  else if (cursor > sub.last + 1) {
    for (let missed = sub.last + 1; missed < cursor; missed++) sub.missing.add(missed);
    sub.last = cursor;
  } else if (cursor <= sub.start || !sub.missing.delete(cursor)) {
    sub.duplicated++;
    sub.firstProblem ??= `${new Date().toISOString().slice(11, 19)} duplicate: cursor ${cursor} again after ${sub.last}`;
  } else sub.outOfOrder++;
  const committed = Date.parse(event.at);
  if (committed >= sub.connectedAt) latencies.push(now - committed);
}

let fault: ClientsConfig['fault'] = 'none';

/** Where a (re)subscription starts: after the last cursor received, unless a fault is asked for. */
const resumeAfter = (sub: Subscriber, first: boolean) => String(first || fault === 'none' ? sub.last : fault === 'skip' ? sub.last + 1 : Math.max(sub.start, sub.last - 1));

function graphqlWs(url: string, sub: Subscriber, first: boolean): Connection {
  const sockets: WebSocket[] = [];
  // The client's own socket, kept so that a drop can destroy it without a close frame.
  class TrackedWebSocket extends WebSocket {
    constructor(...args: ConstructorParameters<typeof WebSocket>) {
      super(...args);
      sockets.push(this);
    }
  }
  let ours = false;
  let opened!: () => void;
  const client = createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: TrackedWebSocket,
    retryAttempts: 0,
    lazy: true,
    connectionParams: { authorization: `Bearer ${sub.spec.token}` },
    on: { connected: () => opened() },
  });
  let unsubscribe = () => {};
  const ended = new Promise<string | undefined>((resolve) => {
    unsubscribe = client.subscribe<{ workflowRunsChanged: RunEvent }>(
      { query: QUERY, variables: { org: sub.spec.organizationId, after: resumeAfter(sub, first) } },
      {
        next: (result) => {
          if (ours) return;
          if (result.errors || !result.data) problem(sub, `graphql-ws: ${JSON.stringify(result.errors ?? result)}`);
          else onEvent(sub, result.data.workflowRunsChanged);
        },
        error: (error) => resolve(ours ? undefined : `graphql-ws error: ${describe(error)}`),
        complete: () => resolve(ours ? undefined : 'graphql-ws: the gateway completed the subscription'),
      },
    );
  });
  return {
    ended,
    opened: new Promise<void>((resolve) => (opened = resolve)),
    close: async (abrupt) => {
      ours = true;
      if (abrupt) sockets.at(-1)?.terminate();
      unsubscribe();
      await client.dispose();
    },
  };
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  const close = error as { code?: number; reason?: string };
  if (typeof close?.code === 'number') return `closed ${close.code} ${close.reason ?? ''}`;
  return JSON.stringify(error);
}

/** SSE or multipart: one POST whose response streams the events, read as they arrive. */
function streaming(url: string, sub: Subscriber, first: boolean): Connection {
  const sse = sub.spec.transport === 'sse';
  const abort = new AbortController();
  let opened!: () => void;
  // An SSE client resumes with the id of the last event it saw, as EventSource does; the first subscription names its start.
  const resume: Record<string, string> = sse && !first ? { 'last-event-id': resumeAfter(sub, first) } : {};
  const variables = sse && !first ? { org: sub.spec.organizationId } : { org: sub.spec.organizationId, after: resumeAfter(sub, first) };
  const ended = (async (): Promise<string | undefined> => {
    const response = await fetch(url, {
      method: 'POST',
      signal: abort.signal,
      headers: {
        'content-type': 'application/json',
        accept: sse ? 'text/event-stream' : 'multipart/mixed;subscriptionSpec="1.0", application/json',
        authorization: `Bearer ${sub.spec.token}`,
        ...resume,
      },
      body: JSON.stringify({ query: QUERY, variables }),
    });
    if (response.status !== 200) return `${sub.spec.transport}: HTTP ${response.status} ${(await response.text()).slice(0, 200)}`;
    opened();
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const separator = sse ? '\n\n' : '\r\n--graphql';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return abort.signal.aborted ? undefined : `${sub.spec.transport}: the gateway ended the stream`;
      text += decoder.decode(value, { stream: true });
      const blocks = text.split(separator);
      text = blocks.pop()!;
      for (const block of blocks) {
        if (abort.signal.aborted) return undefined;
        if (sse) {
          if (/^event: complete$/m.test(block)) return `sse: the gateway completed the subscription`;
          const data = /^data: (.+)$/m.exec(block)?.[1];
          if (!/^event: next$/m.test(block) || !data) continue;
          const result = JSON.parse(data) as { data?: { workflowRunsChanged: RunEvent }; errors?: unknown };
          if (result.errors || !result.data) problem(sub, `sse: ${data}`);
          else onEvent(sub, result.data.workflowRunsChanged, /^id: (.*)$/m.exec(block)?.[1]);
        } else {
          const body = block.split('\r\n\r\n')[1];
          if (!body || !body.includes('payload')) continue;
          const part = JSON.parse(body) as { payload: { data?: { workflowRunsChanged: RunEvent }; errors?: unknown } | null; errors?: unknown };
          if (!part.payload) return `multipart: ${body.slice(0, 300)}`;
          if (part.payload.errors || !part.payload.data) problem(sub, `multipart: ${body}`);
          else onEvent(sub, part.payload.data.workflowRunsChanged);
        }
      }
    }
  })().catch((error: unknown) => (abort.signal.aborted ? undefined : `${sub.spec.transport}: ${describe(error)}`));
  return {
    ended,
    opened: new Promise<void>((resolve) => {
      opened = resolve;
      void ended.then(() => resolve());
    }),
    close: async () => {
      abort.abort();
      await ended;
    },
  };
}

const subscribers: Subscriber[] = [];

function connect(config: ClientsConfig, sub: Subscriber, first: boolean): Connection {
  sub.connectedAt = Date.now();
  const connection = sub.spec.transport === 'graphql-ws' ? graphqlWs(config.url, sub, first) : streaming(config.url, sub, first);
  sub.current = connection;
  sub.connected = true;
  return connection;
}

/** One subscriber's life: connected, dropped, away, resumed, until the driver stops it. */
async function live(config: ClientsConfig, sub: Subscriber, firstConnection: Connection) {
  let connection = firstConnection;
  let failuresInARow = 0;
  for (;;) {
    let endedByGateway = false;
    const gap = config.dropSeconds * 1000 * (0.5 + Math.random());
    const ended = await Promise.race([connection.ended.then((reason) => ({ reason })), dropDelay(gap).then((due) => ({ due }))]);
    if ('reason' in ended) {
      // The gateway ended it: a failure (nothing in this soak should make it), then resume as a client would.
      if (!stopped) problem(sub, ended.reason ?? 'ended');
      endedByGateway = true;
    } else if (!ended.due) {
      // Settling or stopping: no more drops; keep this connection until the end.
      const reason = await connection.ended;
      if (stopped) return;
      problem(sub, reason ?? 'ended');
      endedByGateway = true;
    } else {
      sub.drops++;
      await connection.close(sub.drops % 2 === 0);
    }
    sub.connected = false;
    sub.current = undefined;
    if (stopped) return;
    if (endedByGateway) {
      // As a client's retry does: back off (1, 2, 4... up to 16 s) rather than hammer a failing gateway.
      await sleep(1000 * 2 ** Math.min(4, failuresInARow++));
    } else {
      failuresInARow = 0;
      // Away for a while; the driver asking the subscribers to settle brings it back at once.
      await dropDelay(config.longEvery > 0 && sub.drops > 0 && sub.drops % config.longEvery === 0 ? config.longSeconds * 1000 : Math.random() * config.offlineSeconds * 1000);
    }
    if (stopped) return;
    sub.resumes++;
    connection = connect(config, sub, false);
  }
}

const figures = (s: Subscriber): SubscriberFigures => ({
  id: s.id,
  transport: s.transport,
  organizationId: s.organizationId,
  role: s.role,
  start: s.start,
  last: s.last,
  received: s.received,
  missed: s.missing.size,
  duplicated: s.duplicated,
  outOfOrder: s.outOfOrder,
  drops: s.drops,
  resumes: s.resumes,
  errors: s.errors,
  firstProblem: s.firstProblem,
  connected: s.connected,
});

process.on('message', (message: { type: string }) => {
  if (message.type === 'window') {
    (globalThis as { gc?: () => void }).gc?.();
    const { rss, heapUsed } = process.memoryUsage();
    const answer: WindowAnswer = { type: 'window', subscribers: subscribers.map(figures), latencies, rss, heapUsed, handles: process.getActiveResourcesInfo().length };
    latencies = [];
    process.send!(answer);
  } else if (message.type === 'settle') {
    settling = true;
    for (const wake of [...wakeups]) wake();
    process.send!({ type: 'settle' });
  }
});

serveChild<ClientsConfig, { subscribers: number }>(async (config) => {
  fault = config.fault;
  const lives: Promise<void>[] = [];
  const opened: Promise<void>[] = [];
  for (const spec of config.subscribers) {
    const sub: Subscriber = {
      spec,
      id: spec.id,
      transport: spec.transport,
      organizationId: spec.organizationId,
      role: spec.role,
      start: spec.start,
      last: spec.start,
      received: 0,
      missed: 0,
      duplicated: 0,
      outOfOrder: 0,
      drops: 0,
      resumes: 0,
      errors: 0,
      firstProblem: null,
      connected: false,
      missing: new Set(),
      connectedAt: 0,
      current: undefined,
    };
    subscribers.push(sub);
    const connection = connect(config, sub, true);
    opened.push(connection.opened);
    lives.push(live(config, sub, connection));
    // A few at a time, as clients arrive.
    if (subscribers.length % 10 === 0) await sleep(50);
  }
  await Promise.race([Promise.all(opened), sleep(60_000)]);
  return {
    info: { subscribers: subscribers.length },
    close: async () => {
      stopped = true;
      for (const wake of [...wakeups]) wake();
      await Promise.allSettled(subscribers.map((s) => s.current?.close(false)));
      await Promise.race([Promise.allSettled(lives), sleep(5000)]);
    },
  };
});
