import { allowTypes, argId, eventCursor, id, isMemberOf, z, type IRules } from '@organoise/core';
import { MAX_WINDOW_SECONDS, MIN_WINDOW_SECONDS } from './live.js';

// Bad arguments are BAD_USER_INPUT whoever sends them (live.ts validates): the rule lets them through.
const LiveMetricsArgs = z.object({
  organizationId: id(),
  windowSeconds: z.number().int().min(MIN_WINDOW_SECONDS).max(MAX_WINDOW_SECONDS).nullish(),
  after: eventCursor(),
});

export const permissions: IRules = {
  Subscription: {
    // Checked when subscribing (core's subscribe guard); each update is computed for the
    // organization subscribed to, and live.ts follows only that organization's batches.
    liveMetrics: isMemberOf(argId('organizationId'), { input: LiveMetricsArgs }),
  },
  ...allowTypes('LiveMetrics'),
};
