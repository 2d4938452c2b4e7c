import type { Emit } from '@organoise/core';

/**
 * The analytics subgraph's domain events (docs/protocols/subscriptions.md). One per accepted
 * batch, carrying counts only: never the events themselves, which a subscriber reads through the
 * aggregates, under its own access checks.
 */
export const organizationMetricsStream = (organizationId: string) => `analytics.org:${organizationId}`;

export const INGESTED = 'analytics.ingested';

export interface IngestedPayload {
  /** Events newly stored by the batch (duplicates excluded). */
  accepted: number;
  /** Those events per type, largest first. */
  counts: { type: string; count: number }[];
}

export function countsByType(types: readonly string[]): IngestedPayload['counts'] {
  const byType = new Map<string, number>();
  for (const type of types) byType.set(type, (byType.get(type) ?? 0) + 1);
  return [...byType].map(([type, count]) => ({ type, count })).sort((a, b) => b.count - a.count || (a.type < b.type ? -1 : 1));
}

export async function emitIngested(emit: Emit, organizationId: string, types: readonly string[]): Promise<void> {
  const payload: IngestedPayload = { accepted: types.length, counts: countsByType(types) };
  await emit({ stream: organizationMetricsStream(organizationId), type: INGESTED, organizationId, payload: { ...payload } });
}
