import { eventCursor, followFor, id, inViewersOrganizations, parseInput, requireRole, requireViewer, z, type EventMessage, type EventSource } from '@organoise/core';
import type { AnalyticsDeps } from '../../context.js';
import { organizationActivity } from '../aggregates/aggregates.js';
import { organizationMetricsStream } from '../events/streams.js';

/**
 * Subscriptions: who may follow which stream, and which of its events they receive. Access is
 * checked like the queries' when the subscription starts, then again for every event, against
 * the rights the gateway sent for this connection.
 */
export type LiveServices = Pick<AnalyticsDeps, 'db' | 'bus' | 'eventPollIntervalMs' | 'viewer'>;

export const MIN_WINDOW_SECONDS = 10;
export const MAX_WINDOW_SECONDS = 86_400;

const LiveMetricsArgs = z.object({
  organizationId: id(),
  windowSeconds: z
    .number()
    .int()
    .min(MIN_WINDOW_SECONDS, { message: `must be at least ${MIN_WINDOW_SECONDS}` })
    .max(MAX_WINDOW_SECONDS, { message: `must be at most ${MAX_WINDOW_SECONDS}` })
    .nullish()
    .transform((v) => v ?? 300),
  after: eventCursor(),
});

/** VIEWER and above; one analytics.ingested event per batch that stored anything. */
export function followOrganizationMetrics(services: LiveServices, rawArgs: unknown): EventSource {
  const { viewer } = services;
  const args = parseInput(LiveMetricsArgs, rawArgs);
  requireRole(viewer, args.organizationId, 'VIEWER');
  return followFor(services, organizationMetricsStream(args.organizationId), args.after, inViewersOrganizations(requireViewer(viewer)));
}

export interface LiveMetrics {
  cursor: string;
  at: Date;
  windowSeconds: number;
  counts: { type: string; count: number }[];
  total: number;
}

/**
 * The counts an event announces, read afresh from the stored events: over the window that ends
 * now, not at the event, so a replayed event shows the current numbers like a live one.
 */
export async function metricsAfter(services: LiveServices, event: EventMessage, rawArgs: unknown): Promise<LiveMetrics> {
  const args = parseInput(LiveMetricsArgs, rawArgs);
  const at = new Date();
  // The aggregates' ranges end before `to`; one millisecond more keeps an event stored this very millisecond.
  const to = new Date(at.getTime() + 1);
  const from = new Date(to.getTime() - args.windowSeconds * 1000);
  // Hourly buckets: a day's window is at most 25 of them, far below the aggregates' bucket limit.
  const counts = await organizationActivity(services, args.organizationId, { from, to, bucket: 'HOUR' }).totals();
  return { cursor: String(event.seq), at, windowSeconds: args.windowSeconds, counts, total: counts.reduce((sum, c) => sum + c.count, 0) };
}
