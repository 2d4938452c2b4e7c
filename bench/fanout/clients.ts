import { INTERNAL_TOKEN_HEADER, signInternalToken, type Viewer } from '@organoise/core';
import { createClient, type Client } from 'graphql-ws';
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

const state = {
  config: undefined as ClientsConfig | undefined,
  clients: [] as Client[],
  /** Per client: when each run arrived (ms since epoch) and its latency. */
  seen: [] as Map<string, number>[],
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

function open(config: ClientsConfig, index: number): Promise<void> {
  const spec = config.clients[index]!;
  const seen = new Map<string, number>();
  state.seen[index] = seen;
  const owner = config.owners[spec.organizationId]!;
  return new Promise<void>((resolve, reject) => {
    const client = createClient({
      url: config.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      lazy: false,
      retryAttempts: 0,
      connectionParams: async (): Promise<Record<string, unknown>> =>
        config.mode === 'gateway'
          ? { authorization: `Bearer ${spec.accessToken}` }
          : { [INTERNAL_TOKEN_HEADER]: await signInternalToken(config.internalTokenSecret, 'workflow', spec.viewer) },
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
        next: (result) => {
          const arrived = Date.now();
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
          if (seen.has(event.run.id)) seen.set(`dup:${event.run.id}:${arrived}`, -1);
          else seen.set(event.run.id, arrived - Date.parse(event.at));
          if (bursts) {
            const burst = bursts.get(event.run.id);
            if (burst) burst.last = arrived;
            else bursts.set(event.run.id, { at: Date.parse(event.at), first: arrived, last: arrived });
          }
        },
        error: (error) => {
          state.errors++;
          problem(`socket ${index} subscription error ${JSON.stringify(error).slice(0, 300)}`);
        },
        complete: () => {},
      },
    );
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
  let next = 0;
  const lanes = Array.from({ length: Math.min(connectConcurrency, config.clients.length) }, async () => {
    while (next < config.clients.length) await open(config, next++);
  });
  await Promise.all(lanes);
  state.ready = true;
  return {
    info: { clients: config.clients.length },
    close: async () => {
      await Promise.allSettled(state.clients.map((c) => c.dispose()));
    },
  };
});

process.on('message', (message: { type: string; runs?: Record<string, string[]> }) => {
  const config = state.config;
  if (!config) return;
  if (message.type === 'progress') {
    // How many sockets have had at least one event (the warm-up proves every subscription is live).
    process.send!({
      type: 'progress',
      withEvents: state.seen.filter((s) => s && s.size > 0).length,
      received: state.seen.reduce((n, s) => n + (s?.size ?? 0), 0),
      // Deliveries of the measured runs (the drain's count), when the parent names them.
      measured: message.runs ? config.clients.reduce((n, spec, i) => n + (message.runs![spec.organizationId] ?? []).filter((runId) => state.seen[i]?.has(runId)).length, 0) : 0,
      failures: state.errors + state.wrong + state.closed,
      firstProblem: state.firstProblem,
    });
  }
  if (message.type === 'report') {
    const runs = message.runs ?? {};
    const report: ClientsReport = { latencies: [], lost: 0, duplicates: 0, wrong: state.wrong, errors: state.errors, closed: state.closed, firstProblem: state.firstProblem };
    config.clients.forEach((spec, i) => {
      const seen = state.seen[i]!;
      for (const runId of runs[spec.organizationId] ?? []) {
        const latency = seen.get(runId);
        if (latency === undefined) report.lost++;
        else report.latencies.push(latency);
      }
      for (const key of seen.keys()) if (key.startsWith('dup:')) report.duplicates++;
    });
    process.send!({ type: 'report', report });
  }
});
