import { randomUUID } from 'node:crypto';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { quantile } from './lib/load.js';
import { cpuMs } from './lib/proc.js';
import { organizationActivity } from '../subgraphs/analytics/src/domains/aggregates/aggregates.js';

// The analytics rollups' lever alone, in Postgres: the dashboard's `activity` (event count, active
// users and totals over the last 30 days) as the subgraph asked it before the rollups (two
// statements over the raw events) and as it asks it now (the same two over the rollups and the
// partial hours at the edges), alternated on the same connection over the same organizations, with
// the CPU of the Postgres backend that ran them. Run it on a database seeded by bench:platform:
//   BENCH_KEEP_DATABASE=1 npm run bench:platform        # prints "kept database organoise_bench_..."
//   npx tsx bench/activity-sql.ts postgres://postgres@127.0.0.1:5432/organoise_bench_...

const url = process.argv[2];
const rounds = Number(process.argv[3] ?? 20);
if (!url) throw new Error('usage: tsx bench/activity-sql.ts <postgres URL of a seeded bench:platform database> [rounds]');

const sql = postgres(url, { max: 1, onnotice: () => {} });
const captured: { text: string; params: unknown[] }[] = [];
const db = drizzle(sql, { logger: { logQuery: (text, params) => void captured.push({ text, params }) } });

const [{ to, pid }] = (await sql`select (max(occurred_at) + interval '1 second')::text as to, pg_backend_pid() as pid from analytics.events`) as unknown as [{ to: string; pid: number }];
const toDate = new Date(to);
const fromDate = new Date(toDate.getTime() - 30 * 86_400_000);
const organizations = (await sql<{ id: string }[]>`select distinct organization_id as id from analytics.events order by 1 limit 20`).map((r) => r.id);

// The statements the subgraph runs now, captured once per organization from its own code.
const rollup: { text: string; params: unknown[] }[][] = [];
for (const organizationId of organizations) {
  captured.length = 0;
  const viewer = { userId: randomUUID(), sessionId: randomUUID(), memberships: { [organizationId]: 'VIEWER' as const } };
  const activity = organizationActivity({ db: db as never, viewer }, organizationId, { from: fromDate, to: toDate, bucket: 'DAY' });
  await activity.series();
  await activity.activeUsers();
  rollup.push([...captured]);
}
// The statements it ran before the rollups (commit 02703c9, aggregates.ts), spelled out.
const raw = organizations.map((organizationId) => {
  const params = [organizationId, fromDate.toISOString(), toDate.toISOString()];
  return [
    {
      text: `select date_trunc('day', "occurred_at", 'UTC'), "type", count(*) from "analytics"."events" where ("organization_id" = $1 and "occurred_at" >= $2 and "occurred_at" < $3) group by 1, "type" order by 1, "type"`,
      params,
    },
    { text: `select count(distinct "actor_id") from "analytics"."events" where ("organization_id" = $1 and "occurred_at" >= $2 and "occurred_at" < $3)`, params },
  ];
});

const run = async (statements: { text: string; params: unknown[] }[][]) => {
  const times: number[] = [];
  const cpuBefore = cpuMs(pid);
  for (const group of statements) {
    const started = performance.now();
    for (const s of group) await sql.unsafe(s.text, s.params as never[]);
    times.push(performance.now() - started);
  }
  return { times, cpu: cpuMs(pid) - cpuBefore };
};

await run(raw);
await run(rollup);
const results = { raw: { times: [] as number[], cpu: 0 }, rollup: { times: [] as number[], cpu: 0 } };
for (let round = 0; round < rounds; round++) {
  for (const name of round % 2 === 0 ? (['raw', 'rollup'] as const) : (['rollup', 'raw'] as const)) {
    const r = await run(name === 'raw' ? raw : rollup);
    results[name].times.push(...r.times);
    results[name].cpu += r.cpu;
  }
}
await sql.end({ timeout: 5 });

console.log(`activity over 30 days for ${organizations.length} organizations, ${rounds} alternating rounds (load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(2)).join(' ')})`);
for (const [name, r] of Object.entries(results)) {
  const sorted = [...r.times].sort((a, b) => a - b);
  console.log(
    `${name.padEnd(6)}: Postgres backend CPU ${(r.cpu / sorted.length).toFixed(2)} ms per dashboard's activity, wall p50 ${quantile(sorted, 0.5).toFixed(2)} ms, p99 ${quantile(sorted, 0.99).toFixed(2)} ms`,
  );
}
