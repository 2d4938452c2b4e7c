import type { Viewer } from '@organoise/core';

export interface GatewayContext {
  viewer: Viewer | null;
  requestId: string;
  /** The client's address (express `req.ip`; honours X-Forwarded-For only behind a trusted proxy). */
  clientIp: string | null;
  /** The client's User-Agent (HTTP), passed to subgraphs as CLIENT_USER_AGENT_HEADER: a session names its browser by it. */
  userAgent?: string | null;
  /**
   * When the client's request arrived at this gateway, on gatewayClock. A subgraph fetch made for
   * it may join an identical fetch in flight only if that fetch was sent after this instant
   * (subgraphs.ts InflightFetches). Absent: its fetches never join one. A subscription's context
   * has none: its follow-up fetches run for each event, long after the subscription arrived.
   */
  arrivedAt?: number;
}

/**
 * The clock of arrivals and subgraph sends: monotonic (performance.now()), so a wall-clock step
 * (NTP) can never order a send before an arrival that came first. Both are read in this process,
 * whose one thread takes them in the order they happen.
 */
export const gatewayClock = (): number => performance.now();
