import { chain, defineRule, isApiKeyViewer, type RuleTree, type ShieldRule } from '@organoise/core';
import type { UserContext } from '../../context.js';
import { requireRecentSecondFactor } from './two-factor.js';

/**
 * The sensitive operations: each changes who can get into an account or an organization, or with
 * what rights. A session of an account with a second factor must have verified it within
 * STEP_UP_MAX_AGE_SECONDS (verifySecondFactor) to run them: a stolen single-factor session, or
 * one signed in before two factors were turned on, cannot. This list is the only place that says
 * so (test/step-up.test.ts runs every entry).
 *
 * API keys have no second factor; the operations they may run at all are capped by their own
 * rules (a key's role is at most its creator's; keys may not manage keys or accounts).
 */
export const STEP_UP_OPERATIONS = [
  'changePassword',
  'disableTotp',
  'regenerateRecoveryCodes',
  'beginOidcLink',
  'completeOidcLink',
  'unlinkOidcIdentity',
  'createApiKey',
  'inviteMember',
  'changeMemberRole',
  'removeMember',
  'setOrganizationIpAllowList',
] as const;

const recentSecondFactor = defineRule<UserContext>('recentSecondFactor', async (_p, _a, ctx) => {
  const viewer = ctx.viewer;
  // Who may call at all is the operation's own rule, which runs first (chain).
  if (!viewer || isApiKeyViewer(viewer)) return true;
  await requireRecentSecondFactor(ctx, viewer.userId, viewer.sessionId);
  return true;
});

/** Puts the step-up check after each sensitive mutation's own rule. */
export function withStepUp(permissions: RuleTree): RuleTree {
  const mutation = { ...(permissions.Mutation as Record<string, ShieldRule>) };
  for (const name of STEP_UP_OPERATIONS) {
    const own = mutation[name];
    if (!own) throw new Error(`Step-up for ${name}, which has no permission rule`);
    mutation[name] = chain(own, recentSecondFactor);
  }
  return { ...permissions, Mutation: mutation };
}
