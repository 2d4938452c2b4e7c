import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPlatformBenchEnv } from '../env.js';
import { QUICK_VOLUME } from '../platform/seed.js';
import { recheck, startBenchPlatform, type BenchPlatform } from '../platform/setup.js';

// The correctness half of `npm run bench:platform` in its quick volume, without the load: the
// platform starts on a fresh Postgres database, the seed lands, and the dashboard each signed-in
// user gets through the gateway equals the answer computed with SQL (startBenchPlatform refuses
// to return otherwise). No timing is asserted.
let platform: BenchPlatform;

beforeAll(async () => {
  platform = await startBenchPlatform({
    databaseUrl: loadPlatformBenchEnv().DATABASE_URL,
    volume: QUICK_VOLUME,
    sessions: 8,
    poolMax: 4,
    progress: () => {},
  });
}, 120_000);

afterAll(async () => {
  await platform?.stop();
});

describe('the platform benchmark in quick mode', () => {
  it('gives every signed-in user of every role the dashboard that SQL computes for their organization', () => {
    expect(platform.sessions.map((s) => s.role)).toEqual(['OWNER', 'ADMIN', 'VIEWER', 'MEMBER', 'OWNER', 'ADMIN', 'VIEWER', 'MEMBER']);
    for (const session of platform.sessions) {
      const answer = JSON.parse(session.dashboardAnswer) as { data: { organization: { id: string; workflowRuns: { totalCount: number }; activity: { eventCount: number } } } };
      expect(answer.data.organization.id).toBe(session.organizationId);
      expect(answer.data.organization.workflowRuns.totalCount).toBe(QUICK_VOLUME.runs / QUICK_VOLUME.organizations);
      expect(answer.data.organization.activity.eventCount).toBeGreaterThan(0);
    }
  });

  it('answers the same bytes again once its caches are warm', async () => {
    await recheck(platform);
  });

  it('refuses the dashboard of an organization the user does not belong to', async () => {
    const [owner, other] = [platform.sessions[0]!, platform.sessions[1]!];
    expect(owner.organizationId).not.toBe(other.organizationId);
    const response = await fetch(platform.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${owner.token}` },
      body: JSON.stringify({ query: JSON.parse(owner.dashboardBody).query, variables: other.variables }),
    });
    const body = (await response.json()) as { data: { organization: unknown }; errors: { extensions: { code: string } }[] };
    expect(body.data.organization).toBeNull();
    expect(body.errors.map((e) => e.extensions.code)).toContain('NOT_FOUND');
  });
});
