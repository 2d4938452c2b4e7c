import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { MemoryPubSub, RedisEventPubSub, type PubSub } from '../events/pubsub.js';
import { INTERNAL_TOKEN_HEADER, signInternalToken, type Viewer } from '../identity.js';
import { testEnv } from './env.js';
import { TEST_INTERNAL_SECRET } from './index.js';

/** Polls `check` until it holds; fails naming `what` it was waiting for. */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export interface SubscriptionResult {
  data?: Record<string, any> | null;
  errors?: { message: string; extensions?: Record<string, any> }[];
}

/** One subscription's observations: what arrived, how it ended, and a way to stop it. */
export interface SubscriptionWatch {
  results: SubscriptionResult[];
  /** The events delivered so far (the root field's value of each result without errors). */
  events: () => Record<string, any>[];
  ended: { error?: unknown; complete?: boolean };
  stop: () => void;
}

/** Subscribes with a graphql-ws client and records everything that comes back. */
export function watchSubscription(client: Client, query: string, variables: Record<string, unknown>): SubscriptionWatch {
  const results: SubscriptionResult[] = [];
  const ended: SubscriptionWatch['ended'] = {};
  const stop = client.subscribe<Record<string, any>>(
    { query, variables },
    {
      next: (result) => void results.push(result as SubscriptionResult),
      error: (error) => void (ended.error = error),
      complete: () => void (ended.complete = true),
    },
  );
  return { results, ended, stop, events: () => results.filter((r) => !r.errors && r.data).map((r) => Object.values(r.data!)[0]) };
}

/** Every PubSub implementation, for contract-style `describe.each` over both. */
export const PUBSUB_IMPLEMENTATIONS: [string, () => PubSub][] = [
  ['memory', () => new MemoryPubSub()],
  ['Redis', () => new RedisEventPubSub(testEnv.TEST_REDIS_URL)],
];

/** A graphql-ws connection to a subgraph carrying the internal token the gateway would sign for `viewer`. */
export function subgraphSocket(httpUrl: string, subgraph: string, viewer: Viewer | null): Client {
  return createClient({
    url: httpUrl.replace('http', 'ws'),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => {},
    connectionParams: async () => ({ [INTERNAL_TOKEN_HEADER]: await signInternalToken(TEST_INTERNAL_SECRET, subgraph, viewer) }),
  });
}
