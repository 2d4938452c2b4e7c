import type { Viewer } from '@organoise/core';

export interface GatewayContext {
  viewer: Viewer | null;
  requestId: string;
  /** The client's address (express `req.ip`; honours X-Forwarded-For only behind a trusted proxy). */
  clientIp: string | null;
  /** The client's User-Agent (HTTP), passed to subgraphs as CLIENT_USER_AGENT_HEADER: a session names its browser by it. */
  userAgent?: string | null;
}
