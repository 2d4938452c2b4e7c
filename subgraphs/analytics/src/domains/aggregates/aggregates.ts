import { parseInput, requireRole, viewerOrganizationIds, z, type Database, type Viewer } from '@organoise/core';
import { and, count, countDistinct, eq, gte, inArray, lt, max, sql, type SQL } from 'drizzle-orm';
import { events } from '../../db/schema.js';
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

/**
 * Event counts of one organization per UTC hour or day and per type, over [from, to). Buckets with
 * no events are left out of the series. Each part is queried only if the client selects it, and
 * series, totals and eventCount share one grouped query.
 */
export function organizationActivity(
  db: Database,
  viewer: Viewer | null,
  organizationId: string,
  rawArgs: { from?: Date | null; to?: Date | null; bucket?: ActivityBucket | null; types?: string[] | null },
): OrganizationActivity {
  requireRole(viewer, organizationId, 'VIEWER');
  const args = parseInput(ActivityArgs, { ...rawArgs, bucket: rawArgs.bucket ?? undefined });
  const where = and(
    eq(events.organizationId, organizationId),
    gte(events.occurredAt, args.from),
    lt(events.occurredAt, args.to),
    args.types ? inArray(events.type, args.types) : undefined,
  );

  let grouped: Promise<ActivityPoint[]> | undefined;
  const series = () =>
    (grouped ??= (async () => {
      const bucketStart = sql`date_trunc(${sql.raw(`'${BUCKET_UNIT[args.bucket]}'`)}, ${events.occurredAt}, 'UTC')`.mapWith(events.occurredAt);
      const rows = await db
        .select({ bucketStart, type: events.type, count: count() })
        .from(events)
        .where(where)
        .groupBy(sql`1`, events.type)
        .orderBy(sql`1`, events.type);
      return rows as ActivityPoint[];
    })());

  const totals = async () => {
    const byType = new Map<string, number>();
    for (const point of await series()) byType.set(point.type, (byType.get(point.type) ?? 0) + point.count);
    return [...byType].map(([type, n]) => ({ type, count: n })).sort((a, b) => b.count - a.count || (a.type < b.type ? -1 : 1));
  };

  return {
    from: args.from,
    to: args.to,
    bucket: args.bucket,
    series,
    totals,
    eventCount: async () => (await series()).reduce((sum, p) => sum + p.count, 0),
    activeUsers: async () => (await db.select({ n: countDistinct(events.actorId) }).from(events).where(where))[0]?.n ?? 0,
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
  db: Database,
  viewer: Viewer | null,
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
