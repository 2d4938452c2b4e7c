import { fileURLToPath } from 'node:url';
import type { Logger } from '@organoise/core';
import type { ParseOptions, ValidationRule } from 'graphql';
import type { Formatter } from '../pipeline/answers.js';
import { protectErrorFormatter } from './errors.js';
import { DEFAULT_OPERATION_LIMITS, operationRules, type OperationLimits } from './limits.js';
import { DEFAULT_RATE_LIMITS, RateLimits, type RateLimitKind, type RateLimitRule } from './rate-limit.js';
import { Safelist, type SafelistMode } from './safelist.js';

export { checkOperation, DEFAULT_OPERATION_LIMITS, introspectionDisabled, operationRules, parseOperation, type OperationLimits } from './limits.js';
export { addressKey, API_KEY_HEADER, presentedApiKey, DEFAULT_RATE_LIMITS, RateLimits, type RateLimitKind, type RateLimitOptions, type RateLimitRule } from './rate-limit.js';
export { Safelist, sha256, type PersistedQueryManifest, type SafelistMode } from './safelist.js';

/** The manifest schema/safelist.ts writes from the clients' operations. */
export const DEFAULT_SAFELIST_PATH = fileURLToPath(new URL('../../../schema/safelist.json', import.meta.url));

export interface ProtectionOptions {
  /** Operation limits; any not given keep DEFAULT_OPERATION_LIMITS. */
  limits?: Partial<OperationLimits>;
  /** "Did you mean ...?" in errors; defaults to whether introspection is on (both reveal the schema). */
  fieldSuggestions?: boolean;
  /** `enforce` runs only listed operations. The list (`path`, else schema/safelist.json) also lets clients send ids, enforced or not. */
  safelist?: { mode: SafelistMode; path?: string };
  /** Budgets per kind (any not given keep DEFAULT_RATE_LIMITS), or false for none. */
  rateLimits?: (Partial<Record<RateLimitKind, RateLimitRule>> & { redisUrl?: string; keyPrefix?: string }) | false;
}

export interface Protection {
  limits: OperationLimits;
  introspection: boolean;
  safelist: Safelist | null;
  safelistMode: SafelistMode;
  rateLimits: RateLimits | null;
  /** ApolloServer settings. */
  validationRules: ValidationRule[];
  parseOptions: ParseOptions;
  persistedQueries: { cache: ReturnType<Safelist['persistedQueryCache']> } | false;
  formatError(base: Formatter): Formatter;
  close(): Promise<void>;
}

/**
 * The gateway's protection layer (issue 4), one module per concern: limits.ts (depth, aliases,
 * directives, tokens, cost, introspection), http.ts (CSRF-safe request shapes, no batches),
 * safelist.ts (persisted operations), rate-limit.ts (per address, API key and user), errors.ts
 * (catalogued codes, no field suggestions). The gate (gateway/src/pipeline/gate.ts) applies them
 * to every transport in one order. Stack traces never reach a client: the service's error
 * formatter drops them and Apollo Server is told not to include them.
 */
export async function startProtection(options: ProtectionOptions & { introspection: boolean }, log: Logger): Promise<Protection> {
  const limits = { ...DEFAULT_OPERATION_LIMITS, ...options.limits };
  const safelistMode = options.safelist?.mode ?? 'off';
  // The list is loaded when not enforced too, so that ids resolve: the built web app sends only
  // its operations' hashes (docs/decisions/0010), and must work on a development gateway as well.
  const safelistPath = options.safelist?.path ?? DEFAULT_SAFELIST_PATH;
  const safelist = safelistPath ? Safelist.load(safelistPath) : null;
  if (safelist) log.info('persisted operations loaded', { operations: safelist.size, mode: safelistMode });
  const rateLimits = options.rateLimits === false ? null : await RateLimits.start({ ...DEFAULT_RATE_LIMITS, ...options.rateLimits }, log);
  const fieldSuggestions = options.fieldSuggestions ?? options.introspection;

  return {
    limits,
    introspection: options.introspection,
    safelist,
    safelistMode,
    rateLimits,
    validationRules: operationRules(limits, options),
    parseOptions: { maxTokens: limits.tokens },
    persistedQueries: safelist ? { cache: safelist.persistedQueryCache() } : false,
    formatError: (base) => protectErrorFormatter(base, { fieldSuggestions }),
    close: async () => {
      await rateLimits?.close();
    },
  };
}
