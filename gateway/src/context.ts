import type { Viewer } from '@organoise/core';

export interface GatewayContext {
  viewer: Viewer | null;
  requestId: string;
}
