/**
 * Default limits, apart from the modules that use them so that env.ts can declare them as the
 * settings' defaults without loading those modules.
 */

// The largest client operation (schema/operations: OrganizationDashboard) has depth 8, cost ~9,300
// and 129 tokens; a test checks that every listed operation fits.
export const DEFAULT_OPERATION_LIMITS = { depth: 12, aliases: 15, directives: 20, tokens: 2000, cost: 20_000 };

// Per window of 60 s. The gateway serves roughly 80 requests/s on one core; one address may use a quarter of that.
export const DEFAULT_RATE_LIMITS = {
  ip: { points: 1200, durationSeconds: 60 },
  apiKey: { points: 1200, durationSeconds: 60 },
  user: { points: 600, durationSeconds: 60 },
};
