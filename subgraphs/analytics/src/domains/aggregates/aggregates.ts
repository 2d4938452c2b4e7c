import { parseInput, requireRole, viewerOrganizationIds, z } from '@organoise/core';
import type { AnalyticsDeps } from '../../context.js';
import { and, eq, gte, inArray, lt, max, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { eventActorsDaily, eventActorsDailyAnyType, eventCountsDaily, eventCountsHourly, events } from '../../db/schema.js';
import { eventType } from '../events/events.js';

export type ActivityBucket = 'HOUR' | 'DAY';

const BUCKET_MS: Record<ActivityBucket, number> = { HOUR: 3_600_000, DAY: 86_400_000 };
/** Spelled out, never interpolated from input: the unit ends up in raw SQL. */
const BUCKET_UNIT: Record<ActivityBucket, string> = { HOUR: 'hour', DAY: 'day' };
export const MAX_BUCKETS = 2000;
export const DEFAULT_RANGE_MS = 30 * 86_400_000;
const MAX_TYPES = 50;

const ActivityArgs = z
  .object({
    from: z.date().nullish(),
    to: z.date().nullish(),
    bucket: z.enum(['HOUR', 'DAY']).default('DAY'),
    types: z
      .array(eventType())
      .min(1, { message: 'must hold at least one type (omit it for all types)' })
      .max(MAX_TYPES, { message: `must hold at most ${MAX_TYPES} types` })
      .nullish(),
  })
  .transform((args, ctx) => {
    const to = args.to ?? new Date();
    const from = args.from ?? new Date(to.getTime() - DEFAULT_RANGE_MS);
    if (from >= to) {
      ctx.addIssue({ code: 'custom', path: ['from'], message: 'must be before to' });
      return z.NEVER;
    }
    const size = BUCKET_MS[args.bucket];
    const buckets = Math.ceil((to.getTime() - Math.floor(from.getTime() / size) * size) / size);
    if (buckets > MAX_BUCKETS) {
      ctx.addIssue({ code: 'custom', path: ['bucket'], message: `the range spans ${buckets} buckets; at most ${MAX_BUCKETS} are allowed` });
      return z.NEVER;
    }
    return { from, to, bucket: args.bucket, types: args.types ? [...new Set(args.types)] : null };
  });

export interface ActivityPoint {
  bucketStart: Date;
  type: string;
  count: number;
}

export interface OrganizationActivity {
  from: Date;
  to: Date;
  bucket: ActivityBucket;
  series: () => Promise<ActivityPoint[]>;
  totals: () => Promise<{ type: string; count: number }[]>;
  eventCount: () => Promise<number>;
  activeUsers: () => Promise<number>;
}

const HOUR_MS = BUCKET_MS.HOUR;
const DAY_MS = BUCKET_MS.DAY;
const floorTo = (t: number, size: number) => Math.floor(t / size) * size;
const ceilTo = (t: number, size: number) => Math.ceil(t / size) * size;

/** A half-open interval [from, to) in epoch milliseconds. */
type Span = readonly [from: number, to: number];

/** The non-empty ones of these spans. */
const nonEmpty = (...spans: Span[]): Span[] => spans.filter(([a, b]) => a < b);

/** How [from, to) is read: whole UTC days and hours from the rollups, the rest from raw events. */
export interface RangePlan {
  days: Span | null;
  hours: Span[];
  raw: Span[];
}

/**
 * Splits [from, to) into whole UTC days (the daily rollups), whole UTC hours outside them (the
 * hourly rollups) and the partial hours at either edge (raw events). `days` is null when the caller
 * cannot use day counters (HOUR series need hours) or no whole day fits.
 */
export function planRange(from: Date, to: Date, useDays: boolean): RangePlan {
  const f = from.getTime();
  const t = to.getTime();
  const h0 = ceilTo(f, HOUR_MS);
  const h1 = floorTo(t, HOUR_MS);
  if (h0 >= h1) return { days: null, hours: [], raw: [[f, t]] };
  const raw = nonEmpty([f, h0], [h1, t]);
  const d0 = ceilTo(h0, DAY_MS);
  const d1 = floorTo(h1, DAY_MS);
  if (!useDays || d0 >= d1) return { days: null, hours: [[h0, h1]], raw };
  const hours = nonEmpty([h0, d0], [d1, h1]);
  return { days: [d0, d1], hours, raw };
}

const at = (ms: number) => sql`${new Date(ms).toISOString()}::timestamptz`;
const within = (column: SQL | AnyPgColumn, spans: readonly Span[]): SQL =>
  sql`(${sql.join(
    spans.map(([a, b]) => sql`(${column} >= ${at(a)} and ${column} < ${at(b)})`),
    sql` or `,
  )})`;

/**
 * Event counts of one organization per UTC hour or day and per type, over [from, to). Buckets with
 * no events are left out of the series. Each part is queried only if the client selects it, and
 * series, totals and eventCount share one grouped query. Both queries read the rollups for whole
 * hours and days and raw events only for the partial hours at the edges (planRange); the answers
 * are those of the same queries over raw events (test/rollups.test.ts).
 */
export function organizationActivity(
  { db, viewer }: Pick<AnalyticsDeps, 'db' | 'viewer'>,
  organizationId: string,
  rawArgs: { from?: Date | null; to?: Date | null; bucket?: ActivityBucket | null; types?: string[] | null },
): OrganizationActivity {
  requireRole(viewer, organizationId, 'VIEWER');
  const args = parseInput(ActivityArgs, { ...rawArgs, bucket: rawArgs.bucket ?? undefined });
  const unit = sql.raw(`'${BUCKET_UNIT[args.bucket]}'`);
  const ofTypes = (column: AnyPgColumn) => (args.types ? sql`and ${inArray(column, args.types)}` : sql``);
  const ofOrganization = (column: AnyPgColumn) => eq(column, organizationId);

  let grouped: Promise<ActivityPoint[]> | undefined;
  const series = () =>
    (grouped ??= (async () => {
      const plan = planRange(args.from, args.to, args.bucket === 'DAY');
      const parts: SQL[] = [];
      const rollup = (table: typeof eventCountsDaily | typeof eventCountsHourly, spans: readonly Span[]) =>
        sql`select date_trunc(${unit}, ${table.bucketStart}, 'UTC') as bucket_start, ${table.type} as type, ${table.count} as n
            from ${table} where ${ofOrganization(table.organizationId)} and ${within(table.bucketStart, spans)} ${ofTypes(table.type)}`;
      if (plan.days) parts.push(rollup(eventCountsDaily, [plan.days]));
      if (plan.hours.length > 0) parts.push(rollup(eventCountsHourly, plan.hours));
      if (plan.raw.length > 0)
        parts.push(sql`select date_trunc(${unit}, ${events.occurredAt}, 'UTC') as bucket_start, ${events.type} as type, 1 as n
            from ${events} where ${ofOrganization(events.organizationId)} and ${within(events.occurredAt, plan.raw)} ${ofTypes(events.type)}`);
      const rows = await db
        .select({
          bucketStart: sql`pieces.bucket_start`.mapWith(events.occurredAt),
          type: sql<string>`pieces.type`.mapWith(String),
          count: sql<number>`sum(pieces.n)::int`.mapWith(Number),
        })
        .from(sql`(${sql.join(parts, sql` union all `)}) as pieces`)
        .groupBy(sql`1, 2`)
        .orderBy(sql`1, 2`);
      return rows as ActivityPoint[];
    })());

  const totals = async () => {
    const byType = new Map<string, number>();
    for (const point of await series()) byType.set(point.type, (byType.get(point.type) ?? 0) + point.count);
    return [...byType].map(([type, n]) => ({ type, count: n })).sort((a, b) => b.count - a.count || (a.type < b.type ? -1 : 1));
  };

  // Distinct actors do not add up across buckets: the union of the daily actor sets of whole days
  // (of the requested types, or of any type) and of the raw events' actors around them is counted once.
  const activeUsers = async () => {
    const plan = planRange(args.from, args.to, true);
    const f = args.from.getTime();
    const t = args.to.getTime();
    const rawSpans = plan.days ? nonEmpty([f, plan.days[0]], [plan.days[1], t]) : nonEmpty([f, t]);
    const parts: SQL[] = [];
    if (plan.days && args.types)
      parts.push(sql`select ${eventActorsDaily.actorId} as actor_id from ${eventActorsDaily}
          where ${ofOrganization(eventActorsDaily.organizationId)} and ${within(eventActorsDaily.bucketStart, [plan.days])} ${ofTypes(eventActorsDaily.type)}`);
    else if (plan.days)
      parts.push(sql`select ${eventActorsDailyAnyType.actorId} as actor_id from ${eventActorsDailyAnyType}
          where ${ofOrganization(eventActorsDailyAnyType.organizationId)} and ${within(eventActorsDailyAnyType.bucketStart, [plan.days])}`);
    if (rawSpans.length > 0)
      parts.push(sql`select ${events.actorId} as actor_id from ${events}
          where ${ofOrganization(events.organizationId)} and ${within(events.occurredAt, rawSpans)} ${ofTypes(events.type)}`);
    const [row] = await db
      .select({ n: sql<number>`count(distinct actors.actor_id)::int`.mapWith(Number) })
      .from(sql`(${sql.join(parts, sql` union all `)}) as actors`);
    return row?.n ?? 0;
  };

  return {
    from: args.from,
    to: args.to,
    bucket: args.bucket,
    series,
    totals,
    eventCount: async () => (await series()).reduce((sum, p) => sum + p.count, 0),
    activeUsers,
  };
}

export const WORKFLOW_EVENT_TYPES = {
  started: 'workflow.run.started',
  completed: 'workflow.run.completed',
  transitioned: 'workflow.run.transitioned',
} as const;

export interface WorkflowDefinitionStats {
  definitionId: string;
  runsStarted: number;
  runsCompleted: number;
  transitions: number;
  lastEventAt: Date | null;
}

export interface StatsRange {
  from: Date | null;
  to: Date | null;
}

export function parseStatsRange(raw: { from?: Date | null; to?: Date | null }): StatsRange {
  const range = parseInput(
    z
      .object({ from: z.date().nullish(), to: z.date().nullish() })
      .refine((r) => !r.from || !r.to || r.from < r.to, { message: 'must be before to', path: ['from'] }),
    raw,
  );
  return { from: range.from ?? null, to: range.to ?? null };
}

export const emptyStats = (definitionId: string): WorkflowDefinitionStats => ({
  definitionId,
  runsStarted: 0,
  runsCompleted: 0,
  transitions: 0,
  lastEventAt: null,
});

/**
 * Run counts for many workflow definitions in one grouped query, each from its own organization's
 * events only (`keys` are `<organizationId>/<definitionId>`, the organization coming from the
 * workflow subgraph): events ingested into another organization naming the same definition id
 * never count, and an organization the viewer is not in gives nothing (zeros).
 */
export async function workflowDefinitionStats(
  { db, viewer }: Pick<AnalyticsDeps, 'db' | 'viewer'>,
  keys: readonly string[],
  range: StatsRange,
): Promise<(WorkflowDefinitionStats & { organizationId: string })[]> {
  const mine = new Set(viewerOrganizationIds(viewer));
  const pairs = keys.map((key) => key.split('/') as [string, string]).filter(([organizationId, definitionId]) => mine.has(organizationId) && !!definitionId);
  if (pairs.length === 0) return [];
  const organizations = [...new Set(pairs.map(([organizationId]) => organizationId))];
  const definitionIds = [...new Set(pairs.map(([, definitionId]) => definitionId))];
  const ofType = (type: string): SQL<number> => sql<number>`count(*) filter (where ${events.type} = ${type})`.mapWith(Number);
  return db
    .select({
      organizationId: sql<string>`${events.organizationId}`.mapWith(String),
      definitionId: sql<string>`${events.subjectId}`.mapWith(String),
      runsStarted: ofType(WORKFLOW_EVENT_TYPES.started),
      runsCompleted: ofType(WORKFLOW_EVENT_TYPES.completed),
      transitions: ofType(WORKFLOW_EVENT_TYPES.transitioned),
      lastEventAt: max(events.occurredAt),
    })
    .from(events)
    .where(
      and(
        inArray(events.subjectId, [...definitionIds]),
        inArray(events.type, Object.values(WORKFLOW_EVENT_TYPES)),
        inArray(events.organizationId, organizations),
        range.from ? gte(events.occurredAt, range.from) : undefined,
        range.to ? lt(events.occurredAt, range.to) : undefined,
      ),
    )
    .groupBy(events.organizationId, events.subjectId);
}
