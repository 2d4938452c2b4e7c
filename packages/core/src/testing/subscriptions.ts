import type { Client } from 'graphql-ws';

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
