import type { Viewer } from '@organoise/core';

export interface GatewayContext {
  viewer: Viewer | null;
  requestId: string;
  /** The client's address (express `req.ip`; honours X-Forwarded-For only behind a trusted proxy). */
  clientIp: string | null;
}
