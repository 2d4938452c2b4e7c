import { difference, expectedDashboard } from './dashboard.js';
import type { BenchPlatform } from './setup.js';

// Whether a change made through the API shows in the next dashboard answer: for each signed-in
// user allowed to ingest, one analytics event through the gateway (inside the dashboard's range),
// then the dashboard until it equals its SQL answer recomputed after the write. Run after the load:
// the writes change the answers the load checks against.

const INGEST = 'mutation BenchIngest($input: IngestEventsInput!) { ingestEvents(input: $input) { accepted } }';
const POLL_LIMIT_MS = 10_000;

export interface Freshness {
  writes: number;
  /** Dashboard answers that did not yet show the write, over all writes (0 = always the next answer). */
  staleAnswers: number;
  /** From the write's answer to the first dashboard answer that shows it, per write. */
  visibleAfterMs: number[];
}

async function post(url: string, body: string, token: string): Promise<string> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`status ${response.status}: ${text.slice(0, 300)}`);
  return text;
}

export async function measureFreshness(platform: BenchPlatform): Promise<Freshness> {
  const result: Freshness = { writes: 0, staleAnswers: 0, visibleAfterMs: [] };
  for (const [i, s] of platform.sessions.entries()) {
    if (s.role === 'VIEWER') continue;
    const occurredAt = new Date(new Date(s.variables.to).getTime() - 1000).toISOString();
    const event = { id: `bench-freshness-${Date.now()}-${i}`, type: 'bench.freshness', occurredAt };
    const written = JSON.parse(await post(platform.gatewayUrl, JSON.stringify({ query: INGEST, variables: { input: { organizationId: s.organizationId, events: [event] } } }), s.token)) as {
      data?: { ingestEvents?: { accepted: number } };
    };
    if (written.data?.ingestEvents?.accepted !== 1) throw new Error(`the freshness write of ${s.userId} was not accepted: ${JSON.stringify(written).slice(0, 300)}`);
    const writtenAt = performance.now();
    result.writes++;
    const expected = await expectedDashboard(platform.sql, s.userId, s.variables);
    for (;;) {
      const wrong = difference(await post(platform.gatewayUrl, s.dashboardBody, s.token), expected);
      if (!wrong) break;
      result.staleAnswers++;
      if (performance.now() - writtenAt > POLL_LIMIT_MS) throw new Error(`the dashboard of ${s.userId} did not show a write within ${POLL_LIMIT_MS} ms: ${wrong}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    result.visibleAfterMs.push(performance.now() - writtenAt);
  }
  return result;
}
