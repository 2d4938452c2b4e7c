import { Redis } from 'ioredis';
import { difference, expectedDashboard } from './dashboard.js';
import type { BenchPlatform } from './setup.js';

// Whether a change made through the API shows in the next dashboard answer: for each signed-in
// user allowed to ingest, one analytics event through a gateway (inside the dashboard's range),
// then the dashboard through a gateway (the same one or another) until it equals its SQL answer
// recomputed after the write. Run after the load: the writes change the answers the load checks against.

const INGEST = 'mutation BenchIngest($input: IngestEventsInput!) { ingestEvents(input: $input) { accepted } }';
const POLL_LIMIT_MS = 10_000;

export interface Freshness {
  /** Where the writes and the reads went (the gateways' roles, e.g. `uncached -> uncached`). */
  path: string;
  writes: number;
  /** Dashboard answers that did not yet show the write, over all writes (0 = always the next answer). */
  staleAnswers: number;
  /** From the write's answer to the first dashboard answer that shows it, per write. */
  visibleAfterMs: number[];
  /**
   * From the write's answer to its event on Redis, as a subscriber of the benchmark's own sees it
   * (the same hop the cached gateway's subscription takes): the window in which another replica
   * may still answer from before the write. Empty without Redis.
   */
  eventAfterMs: number[];
}

async function post(url: string, body: string, token: string): Promise<string> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`status ${response.status}: ${text.slice(0, 300)}`);
  return text;
}

export async function measureFreshness(platform: BenchPlatform, route: { path: string; writeUrl: string; readUrl: string } = { path: 'uncached -> uncached', writeUrl: platform.gatewayUrl, readUrl: platform.gatewayUrl }): Promise<Freshness> {
  const result: Freshness = { path: route.path, writes: 0, staleAnswers: 0, visibleAfterMs: [], eventAfterMs: [] };
  // The analytics subgraph's events, keyed by the organization they name.
  const subscriber = platform.redisUrl ? new Redis(platform.redisUrl) : null;
  const seen = new Map<string, () => void>();
  if (subscriber) {
    await subscriber.psubscribe('organoise:analytics:*');
    subscriber.on('pmessage', (_pattern: string, _channel: string, message: string) => {
      const organizationId = (JSON.parse(message) as { organizationId?: string }).organizationId;
      if (organizationId) seen.get(organizationId)?.();
    });
  }
  try {
    for (const [i, s] of platform.sessions.entries()) {
      if (s.role === 'VIEWER') continue;
      const occurredAt = new Date(new Date(s.variables.to).getTime() - 1000).toISOString();
      const event = { id: `bench-freshness-${Date.now()}-${i}`, type: 'bench.freshness', occurredAt };
      const eventSeen = new Promise<number>((resolve) => seen.set(s.organizationId, () => resolve(performance.now())));
      const written = JSON.parse(await post(route.writeUrl, JSON.stringify({ query: INGEST, variables: { input: { organizationId: s.organizationId, events: [event] } } }), s.token)) as {
        data?: { ingestEvents?: { accepted: number } };
      };
      if (written.data?.ingestEvents?.accepted !== 1) throw new Error(`the freshness write of ${s.userId} was not accepted: ${JSON.stringify(written).slice(0, 300)}`);
      const writtenAt = performance.now();
      result.writes++;
      // Read at once (the SQL answer is computed while the first read is on its way), as a client would.
      const [first, expected] = await Promise.all([post(route.readUrl, s.dashboardBody, s.token), expectedDashboard(platform.sql, s.userId, s.variables)]);
      let answer = first;
      for (;;) {
        const wrong = difference(answer, expected);
        if (!wrong) break;
        result.staleAnswers++;
        if (performance.now() - writtenAt > POLL_LIMIT_MS) throw new Error(`the dashboard of ${s.userId} did not show a write within ${POLL_LIMIT_MS} ms: ${wrong}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
        answer = await post(route.readUrl, s.dashboardBody, s.token);
      }
      result.visibleAfterMs.push(performance.now() - writtenAt);
      if (subscriber) result.eventAfterMs.push(Math.max(0, (await eventSeen) - writtenAt));
      seen.delete(s.organizationId);
    }
  } finally {
    subscriber?.disconnect();
  }
  return result;
}
