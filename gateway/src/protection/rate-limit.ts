import { createHash } from 'node:crypto';
import { isIPv6 } from 'node:net';
import { appError, type Logger } from '@organoise/core';
import type { GraphQLError } from 'graphql';
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { apiKeyOf } from '../auth/identity.js';
import { DEFAULT_RATE_LIMITS as DEFAULTS } from './defaults.js';

/**
 * Request budgets per client address, per API key and per signed-in user:
 * `points` requests per `durationSeconds` window each. Past a budget the gateway answers 429
 * RATE_LIMITED with `Retry-After`. Address and key are charged before the body is read (a flood
 * costs no parsing or token checks); the user once their token is verified.
 *
 * The counters live in Redis when a URL is given, so every gateway replica shares them; while
 * Redis is unreachable each replica falls back to counting in its own memory (the "insurance"
 * limiter) instead of failing open or failing every request. Without Redis they are in memory.
 */
export type RateLimitKind = 'ip' | 'apiKey' | 'user';

export interface RateLimitRule {
  /** Requests allowed per window; 0 turns this kind of limit off. */
  points: number;
  durationSeconds: number;
}

export interface RateLimitOptions extends Record<RateLimitKind, RateLimitRule> {
  redisUrl?: string;
  /** Namespace of the Redis keys (distinct per deployment sharing a Redis). */
  keyPrefix?: string;
}

export const DEFAULT_RATE_LIMITS: RateLimitOptions = DEFAULTS;

/**
 * A header whose value is counted as an API key's budget without being authenticated (kept for
 * clients that sent it before API keys existed). Real keys go in `Authorization: ApiKey <key>`.
 */
export const API_KEY_HEADER = 'x-api-key';

/**
 * The API key a request presents, for its budget: `Authorization: ApiKey <key>`, else the legacy
 * `x-api-key` header. Each key is its own bucket (the apiKey limits), not its creator's.
 */
export function presentedApiKey(authorization: string | undefined, legacy: string | string[] | undefined): string | undefined {
  return apiKeyOf(authorization) ?? (typeof legacy === 'string' ? legacy : undefined);
}

export class RateLimits {
  private constructor(
    private readonly limiters: Partial<Record<RateLimitKind, RateLimiterAbstract>>,
    private readonly redis: Redis | null,
  ) {}

  static async start(options: RateLimitOptions, log: Logger): Promise<RateLimits> {
    const redis = options.redisUrl ? await connectRedis(options.redisUrl, log) : null;
    const limiters: Partial<Record<RateLimitKind, RateLimiterAbstract>> = {};
    for (const kind of ['ip', 'apiKey', 'user'] as const) {
      const { points, durationSeconds: duration } = options[kind];
      if (points <= 0) continue;
      const keyPrefix = `${options.keyPrefix ?? 'organoise:rate'}:${kind}`;
      const memory = new RateLimiterMemory({ keyPrefix, points, duration });
      limiters[kind] = redis
        ? new RateLimiterRedis({
            storeClient: redis,
            keyPrefix,
            points,
            duration,
            // Without a connection, go straight to the insurance limiter instead of queueing.
            rejectIfRedisNotReady: true,
            insuranceLimiter: memory,
            // A key over its budget is refused from memory until its window ends: a flood does not reach Redis.
            inMemoryBlockOnConsumed: points + 1,
          })
        : memory;
    }
    return new RateLimits(limiters, redis);
  }

  /** Charges one request to `key`; the refusal when its budget is spent, else null. */
  async consume(kind: RateLimitKind, key: string): Promise<GraphQLError | null> {
    const limiter = this.limiters[kind];
    if (!limiter) return null;
    try {
      await limiter.consume(key);
      return null;
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      const retryAfterSeconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      return appError('RATE_LIMITED', 'Too many requests; slow down and try again later', { retryAfterSeconds });
    }
  }

  /**
   * Charges one request to the budgets it draws on: the client address, the API key and the
   * signed-in user, each when given (the gate, gateway/src/pipeline/gate.ts, charges the address
   * and key first and the user once authenticated). The first refusal, else null. Without `ip`
   * (not even null) the address is not charged.
   */
  async charge(who: { ip?: string | null | undefined; apiKey?: string | undefined; userId?: string | undefined }): Promise<GraphQLError | null> {
    return (
      (who.ip !== undefined ? await this.consume('ip', addressKey(who.ip ?? 'unknown')) : null) ??
      (who.apiKey ? await this.consume('apiKey', digest(who.apiKey)) : null) ??
      (who.userId ? await this.consume('user', who.userId) : null)
    );
  }

  async close(): Promise<void> {
    await this.redis?.quit().catch(() => this.redis?.disconnect());
  }
}

async function connectRedis(url: string, log: Logger): Promise<Redis> {
  // Fail fast while disconnected (the insurance limiter takes over) rather than queue commands.
  const redis = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000 });
  let reported = false;
  redis.on('error', (error: Error) => {
    if (!reported) log.warn('rate limits: Redis unreachable, counting in memory until it is back', { error: error.message });
    reported = true;
  });
  redis.on('ready', () => {
    if (reported) log.info('rate limits: Redis is back');
    reported = false;
  });
  await redis.connect().catch(() => {}); // reported above; ioredis keeps reconnecting
  return redis;
}

// API keys are secrets: only a digest of one is ever used as a counter's name.
const digest = (secret: string) => createHash('sha256').update(secret).digest('base64url').slice(0, 32);

/**
 * The counter for a client address. An IPv6 client typically holds a whole /64, so it is
 * counted per /64 (otherwise it could rotate addresses to reset its budget); an IPv4-mapped
 * address counts as the IPv4 one.
 */
export function addressKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (!isIPv6(ip)) return ip;
  const [head = '', tail = ''] = ip.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = ip.includes('::') ? (tail ? tail.split(':') : []) : [];
  const groups = ip.includes('::') ? [...headGroups, ...Array(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups] : headGroups;
  return `${groups
    .slice(0, 4)
    .map((g) => (Number.parseInt(g, 16) || 0).toString(16))
    .join(':')}::/64`;
}
