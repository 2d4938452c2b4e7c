import { INTERNAL_TOKEN_HEADER, signInternalToken, type Viewer } from '@organoise/core';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { serveChild } from '../lib/child.js';
import { serveWindow, spread } from './probe.js';

// One process of graphql-ws clients (the parent runs several): each socket is one user watching
// their organization's runs. Every event is checked (the right run, the owner's name hydrated from
// the user subgraph) and timed from its `at` (stamped by the workflow subgraph when the run was
// started, same machine clock) to its arrival here.

export interface ClientSpec {
  organizationId: string;
  /** Gateway mode: the user's access token. */
  accessToken: string;
  /** Direct mode: the viewer an internal token is signed for (as the gateway would). */
  viewer: Viewer;
}

export interface ClientsConfig {
  mode: 'gateway' | 'direct';
  /** `lean`: the protocol on a bare ws socket; `graphql-ws`: graphql-ws's client (BENCH_CLIENT_IMPL). */
  impl: 'lean' | 'graphql-ws';
  url: string;
  internalTokenSecret: string;
  clients: ClientSpec[];
  /** Owner (who starts every run) by organization: what `startedBy` must name. */
  owners: Record<string, { id: string; name: string }>;
}

export const GATEWAY_QUERY = `subscription Runs($org: ID!) {
  workflowRunsChanged(organizationId: $org) { cursor type at run { id state startedBy { id name } } }
}`;
// The workflow subgraph alone cannot answer `name` (the user subgraph owns it): the baseline asks for the key only.
export const DIRECT_QUERY = `subscription Runs($org: ID!) {
  workflowRunsChanged(organizationId: $org) { cursor type at run { id state startedBy { id } } }
}`;

interface RunEvent {
  workflowRunsChanged: { cursor: string; type: string; at: string; run: { id: string; state: string; startedBy: { id: string; name?: string } | null } };
}

export interface ClientsReport {
  /** Latency in ms of each delivery of a measured run. */
  latencies: number[];
  lost: number;
  duplicates: number;
  wrong: number;
  errors: number;
  closed: number;
  firstProblem: string | null;
}

const connectConcurrency = 50;

/**
 * What this process saw, kept flat: per run, one arrival latency per socket (NaN: not yet), so
 * 200,000 deliveries make a few typed arrays rather than a Map entry each. Per-socket Maps of
 * every run made the old harness's heap grow by the delivery and its full GCs (100-130 ms, inside
 * the measured window, 2026-12-06) stamp arrivals late.
 */
const state = {
  config: undefined as ClientsConfig | undefined,
  /** This process's sockets by organization (indexes into config.clients), grouped once when they open. */
  byOrganization: new Map<string, number[]>(),
  clients: [] as { dispose(): unknown }[],
  /** Latency (ms) by run id, one slot per socket of this process. */
  arrivals: new Map<string, Float64Array>(),
  /** Sockets that have had at least one event. */
  hadEvent: new Uint8Array(0),
  withEvents: 0,
  received: 0,
  duplicates: 0,
  wrong: 0,
  errors: 0,
  closed: 0,
  firstProblem: null as string | null,
  ready: false,
};

/**
 * During the measured window, each run's deliveries in this process: the first and the last
 * arrival. This process reads its sockets one after another, so the last of a burst waits for
 * the processing of all the others: the spread is what the harness adds on its own.
 */
let bursts: Map<string, { at: number; first: number; last: number }> | undefined;

const problem = (text: string) => {
  state.firstProblem ??= text;
};

/** One event on socket `index`: checked (the right run and owner, the name hydrated), then timed. */
function received(config: ClientsConfig, index: number, result: { data?: RunEvent | null; errors?: unknown }, arrived: number): void {
  const spec = config.clients[index]!;
  const owner = config.owners[spec.organizationId]!;
  const event = result.data?.workflowRunsChanged;
  if (!event || result.errors) {
    state.wrong++;
    return problem(`socket ${index} got ${JSON.stringify(result).slice(0, 300)}`);
  }
  const startedBy = event.run.startedBy;
  if (event.type !== 'workflow.run.started' || startedBy?.id !== owner.id || (config.mode === 'gateway' && startedBy.name !== owner.name)) {
    state.wrong++;
    return problem(`socket ${index} got ${JSON.stringify(event).slice(0, 300)}`);
  }
  let slots = state.arrivals.get(event.run.id);
  if (!slots) {
    slots = new Float64Array(config.clients.length).fill(Number.NaN);
    state.arrivals.set(event.run.id, slots);
  }
  const at = Date.parse(event.at);
  if (!Number.isNaN(slots[index]!)) state.duplicates++;
  else {
    slots[index] = arrived - at;
    state.received++;
  }
  if (!state.hadEvent[index]) {
    state.hadEvent[index] = 1;
    state.withEvents++;
  }
  if (bursts) {
    const burst = bursts.get(event.run.id);
    if (burst) burst.last = arrived;
    else bursts.set(event.run.id, { at, first: arrived, last: arrived });
  }
}

const connectionParamsOf = async (config: ClientsConfig, spec: ClientSpec): Promise<Record<string, unknown>> =>
  config.mode === 'gateway' ? { authorization: `Bearer ${spec.accessToken}` } : { [INTERNAL_TOKEN_HEADER]: await signInternalToken(config.internalTokenSecret, 'workflow', spec.viewer) };

/** Through graphql-ws's own client (BENCH_CLIENT_IMPL=graphql-ws): what an application would use, at its per-message cost. */
function openWithGraphqlWs(config: ClientsConfig, index: number): Promise<void> {
  const spec = config.clients[index]!;
  return new Promise<void>((resolve, reject) => {
    const client = createClient({
      url: config.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      lazy: false,
      retryAttempts: 0,
      connectionParams: () => connectionParamsOf(config, spec),
      on: {
        connected: () => resolve(),
        closed: (event) => {
          const code = (event as { code?: number }).code;
          if (!state.ready) return reject(new Error(`socket ${index} closed before it was ready (${code})`));
          state.closed++;
          problem(`socket ${index} closed with ${code}`);
        },
        error: (error) => {
          if (!state.ready) reject(error instanceof Error ? error : new Error(`socket ${index} failed to connect`));
        },
      },
    });
    state.clients[index] = client;
    client.subscribe<RunEvent>(
      { query: config.mode === 'gateway' ? GATEWAY_QUERY : DIRECT_QUERY, variables: { org: spec.organizationId } },
      {
        next: (result) => received(config, index, result, Date.now()),
        error: (error) => {
          state.errors++;
          problem(`socket ${index} subscription error ${JSON.stringify(error).slice(0, 300)}`);
        },
        complete: () => {},
      },
    );
  });
}

/**
 * The same protocol (graphql-transport-ws) on a bare `ws` socket (BENCH_CLIENT_IMPL=lean, the
 * default): connection_init, one subscribe, then every message parsed once and checked. Any other
 * message than `next` for our id (an error, a complete, an unknown type) counts as a problem. The
 * server's keep-alive pings are WebSocket pings, answered by ws itself. The client side costs
 * about half of graphql-ws's (its per-message validation and emitter), CPU that on this 2-core box
 * is taken from the server under test.
 */
function openLean(config: ClientsConfig, index: number): Promise<void> {
  const spec = config.clients[index]!;
  const subscribe = JSON.stringify({ id: '1', type: 'subscribe', payload: { query: config.mode === 'gateway' ? GATEWAY_QUERY : DIRECT_QUERY, variables: { org: spec.organizationId } } });
  return new Promise<void>((resolve, reject) => {
    const socket = new WebSocket(config.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    state.clients[index] = { dispose: () => socket.close(1000) };
    let acknowledged = false;
    socket.on('open', () => {
      void connectionParamsOf(config, spec).then((payload) => socket.send(JSON.stringify({ type: 'connection_init', payload })));
    });
    socket.on('message', (data: Buffer) => {
      const arrived = Date.now();
      let message: { id?: string; type?: string; payload?: { data?: RunEvent | null; errors?: unknown } };
      try {
        message = JSON.parse(data.toString()) as typeof message;
      } catch {
        state.wrong++;
        return problem(`socket ${index} got a message that is not JSON: ${data.toString().slice(0, 300)}`);
      }
      if (message.type === 'next' && message.id === '1' && message.payload) return received(config, index, message.payload, arrived);
      if (message.type === 'connection_ack' && !acknowledged) {
        acknowledged = true;
        socket.send(subscribe);
        return resolve();
      }
      if (message.type === 'ping') return socket.send('{"type":"pong"}');
      if (message.type === 'pong') return;
      state.errors++;
      problem(`socket ${index} got ${JSON.stringify(message).slice(0, 300)}`);
    });
    socket.on('close', (code: number) => {
      if (!state.ready) return reject(new Error(`socket ${index} closed before it was ready (${code})`));
      state.closed++;
      problem(`socket ${index} closed with ${code}`);
    });
    socket.on('error', (error: Error) => {
      if (!state.ready) reject(error);
    });
  });
}

serveWindow({
  start: () => {
    bursts = new Map();
  },
  extra: () => {
    const runs = [...(bursts ?? new Map<string, { at: number; first: number; last: number }>()).values()];
    bursts = undefined;
    return { firstArrival: spread(runs.map((r) => r.first - r.at)), burstSpread: spread(runs.map((r) => r.last - r.first)) };
  },
});

serveChild<ClientsConfig, { clients: number }>(async (config) => {
  state.config = config;
  config.clients.forEach((spec, i) => {
    let list = state.byOrganization.get(spec.organizationId);
    if (!list) state.byOrganization.set(spec.organizationId, (list = []));
    list.push(i);
  });
  state.hadEvent = new Uint8Array(config.clients.length);
  const open = config.impl === 'lean' ? openLean : openWithGraphqlWs;
  let next = 0;
  const lanes = Array.from({ length: Math.min(connectConcurrency, config.clients.length) }, async () => {
    while (next < config.clients.length) await open(config, next++);
  });
  await Promise.all(lanes);
  state.ready = true;
  return {
    info: { clients: config.clients.length },
    close: async () => {
      state.ready = false;
      await Promise.allSettled(state.clients.map((c) => c.dispose()));
    },
  };
});

process.on('message', (message: { type: string; runs?: Record<string, string[]> }) => {
  if (!state.config) return;
  /** How many of `runs`' deliveries to this process's sockets arrived; with `latencies`, their latencies, and the missing ones counted. */
  const tally = (runs: Record<string, string[]>, latencies?: number[]) => {
    let arrived = 0;
    let lost = 0;
    for (const [organizationId, sockets] of state.byOrganization) {
      for (const runId of runs[organizationId] ?? []) {
        const slots = state.arrivals.get(runId);
        for (const i of sockets) {
          const latency = slots ? slots[i]! : Number.NaN;
          if (Number.isNaN(latency)) lost++;
          else {
            arrived++;
            latencies?.push(latency);
          }
        }
      }
    }
    return { arrived, lost };
  };
  if (message.type === 'progress') {
    // How many sockets have had at least one event (the warm-up proves every subscription is live).
    process.send!({
      type: 'progress',
      withEvents: state.withEvents,
      received: state.received,
      // Deliveries of the measured runs (the drain's count), when the parent names them.
      measured: message.runs ? tally(message.runs).arrived : 0,
      failures: state.errors + state.wrong + state.closed,
      firstProblem: state.firstProblem,
    });
  }
  if (message.type === 'report') {
    const latencies: number[] = [];
    const { lost } = tally(message.runs ?? {}, latencies);
    const report: ClientsReport = { latencies, lost, duplicates: state.duplicates, wrong: state.wrong, errors: state.errors, closed: state.closed, firstProblem: state.firstProblem };
    process.send!({ type: 'report', report });
  }
});
