import { countCredentialRechecks, isApiKeyViewer, isAppError, watchCredentialRechecks, type ErrorCode, type Logger, type Viewer } from '@organoise/core';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { CLOSE, closeCodeOf, withoutHttp, type Formatter } from '../pipeline/answers.js';
import type { FeedListener } from '../events/feed.js';
import type { Authentication, Gate } from '../pipeline/gate.js';

/**
 * What the live transports (graphql-ws, SSE, multipart) share beyond the gate: watching the
 * credentials a subscription was admitted on while it lives, and telling a failure the same way.
 *
 * How the end of a live subscription's rights is told: the catalogued code (the final error of an
 * SSE or multipart stream) and the graphql-ws close code (answers.ts) and reason. One table, so
 * that the transports cannot tell the same event differently.
 */
export interface Loss {
  code: ErrorCode;
  close: number;
  reason: string;
}

export const LOSSES = {
  TOKEN_EXPIRED: { code: 'UNAUTHENTICATED', close: CLOSE.UNAUTHENTICATED, reason: 'Token expired' },
  SESSION_ENDED: { code: 'UNAUTHENTICATED', close: CLOSE.UNAUTHENTICATED, reason: 'Session ended' },
  AUTHORIZATION_CHANGED: { code: 'FORBIDDEN', close: CLOSE.AUTHORIZATION_CHANGED, reason: 'Authorization changed' },
} as const satisfies Record<string, Loss>;

/** Refusals of credentials that end what was opened on them; the reason is the code itself. */
const CREDENTIAL_REFUSALS = new Set<string>(['API_KEY_INVALID', 'API_KEY_REVOKED', 'API_KEY_EXPIRED', 'IP_NOT_ALLOWED'] satisfies ErrorCode[]);

/** What a failed check of credentials means for what was opened on them; null: nothing (the check could not be made). */
export function lossOf(error: unknown): Loss | null {
  const code = isAppError(error) ? String(error.extensions.code) : null;
  if (code === 'UNAUTHENTICATED') return LOSSES.SESSION_ENDED;
  if (code && CREDENTIAL_REFUSALS.has(code)) return { code: code as ErrorCode, close: closeCodeOf(code)!, reason: code };
  return null;
}

/** A failure while a live operation runs, as its client reads it: catalogued errors formatted, anything else INTERNAL_SERVER_ERROR (logged). */
export function failureErrors(error: unknown, formatError: Formatter, log: Logger): GraphQLFormattedError[] {
  if (error instanceof GraphQLError) return [withoutHttp(formatError(error.toJSON(), error))];
  log.error('subscription failed', { error });
  return [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }];
}

/** The same person with the same role in the same organizations (compared in place: it runs for every live socket every re-check). */
function sameRoles(a: Viewer | null, b: Viewer | null): boolean {
  if (a?.userId !== b?.userId) return false;
  const before = a?.memberships ?? {};
  const after = b?.memberships ?? {};
  let count = 0;
  for (const organizationId in before) {
    if (!Object.hasOwn(before, organizationId)) continue;
    if (!Object.hasOwn(after, organizationId) || after[organizationId] !== before[organizationId]) return false;
    count++;
  }
  return count === Object.keys(after).length;
}

export type Watch = (authorization: string | undefined, clientIp: string | null, authentication: Authentication, onLost: (loss: Loss) => void) => () => void;

/**
 * Which live credentials a published domain event may have changed (docs/protocols/subscriptions.md,
 * "Credential events"): null for an event that changes none (most of them: runs, files, analytics).
 */
export interface CredentialChange {
  /** Principals re-checked: a person's user id (their sessions), or an API key's id. */
  principals: readonly string[];
  /** An organization whose API keys are re-checked (a membership change: a key acts for its creator, who may be that member). */
  keysOf?: string;
  /** An organization all of whose watches are re-checked (its IP allow-list changed). */
  organization?: string;
  /** An event that could not be read: everything is re-checked. */
  all?: true;
}

const MEMBERSHIP_EVENTS = new Set(['membership.added', 'membership.role_changed', 'membership.removed']);

export function credentialChangeOf(message: string): CredentialChange | null {
  let event: { type?: unknown; organizationId?: unknown; payload?: Record<string, unknown> | null };
  try {
    event = JSON.parse(message) as typeof event;
  } catch {
    return { principals: [], all: true };
  }
  if (!event || typeof event !== 'object' || typeof event.type !== 'string') return { principals: [], all: true };
  const payload = event.payload ?? {};
  const organizationId = typeof event.organizationId === 'string' ? event.organizationId : undefined;
  const id = (key: string) => (typeof payload[key] === 'string' ? [payload[key]] : []);
  if (MEMBERSHIP_EVENTS.has(event.type)) return { principals: id('userId'), ...(organizationId ? { keysOf: organizationId } : {}) };
  if (event.type === 'session.ended') return { principals: id('userId') };
  if (event.type === 'api_key.revoked') return { principals: id('apiKeyId') };
  if (event.type === 'organization.updated') {
    // A new name changes nobody's rights; an allow-list (or fields it cannot read) may.
    const fields = payload.fields;
    if (Array.isArray(fields) && !fields.includes('ipAllowList')) return null;
    // Without an organization there are no watches it could name.
    return organizationId ? { principals: [], organization: organizationId } : null;
  }
  return null;
}

export interface LiveCredentialsOptions {
  /** Every watch's re-check period while no credential event can be trusted (no feed, or it is down). */
  recheckMs: number;
  /** The period while the feed is healthy: a backstop for an event whose publish failed, and what keeps a watched session marked as seen. */
  sweepMs: number;
}

export interface LiveCredentials {
  watch: Watch;
  /** Follows the user subgraph's events (gateway/src/events/feed.ts); without a feed, every watch is polled every `recheckMs`. */
  feed: FeedListener;
  /** Watches, and re-checks made because an event named them (for tests and metrics). */
  stats(): { watches: number; eventRechecks: number; periodMs: number };
  close(): void;
}

/**
 * Watches live credentials: the callback fires once when the token expires, the session ends
 * (sign-out, revocation) or the roles change (a removed membership must stop events at once).
 * Returns how to stop watching.
 *
 * While the feed of the user subgraph's events is healthy, a watch is re-checked at once when an
 * event names its credentials (a session ended, a key revoked, a membership or an allow-list
 * changed), and otherwise once per `sweepMs`; without one, once per `recheckMs`, as all of them
 * must then be polled (at 10,000 sockets and 2 s, 5,000 look-ups a second, most of the fan-out's
 * credential cost: docs/benchmarks.md, section 3). The periodic checks run from one timer for
 * them all: the watches are spread over RECHECK_SLOTS slots and each tick checks one slot, so the
 * look-ups (batched by the identity verifier) come in even waves instead of 10,000 timers of their own.
 */
export function liveCredentials(gate: Gate, options: LiveCredentialsOptions): LiveCredentials {
  const index = new WatchIndex();
  const rechecks = new RecheckWheel<LiveWatch>(options.recheckMs, (watched) => {
    countCredentialRechecks('poll');
    return watched.recheck();
  });
  const unwatchMetrics = watchCredentialRechecks(() => rechecks.period);
  let healthy = false;
  let eventRechecks = 0;
  let slowDown: NodeJS.Timeout | undefined;
  const recheckNow = (watches: Iterable<LiveWatch>) => {
    const list = [...watches];
    // Forget every reused look-up first: the re-checks of one session then share one fresh look-up.
    for (const watched of list) watched.forget();
    for (const watched of list) {
      eventRechecks++;
      void watched.recheck().catch(() => {});
    }
    countCredentialRechecks('event', list.length);
  };
  const feed: FeedListener = {
    healthy: () => {
      healthy = true;
      // Events published before the subscription was confirmed were lost: one more round at the
      // polling period covers them, then the sweep takes over.
      clearTimeout(slowDown);
      slowDown = setTimeout(() => {
        if (healthy) rechecks.setPeriod(options.sweepMs);
      }, options.recheckMs);
      slowDown.unref();
    },
    unhealthy: () => {
      healthy = false;
      clearTimeout(slowDown);
      rechecks.setPeriod(options.recheckMs);
    },
    event: (message) => {
      const change = credentialChangeOf(message);
      if (!change) return;
      if (change.all) return recheckNow(index.all());
      const affected = new Set<LiveWatch>();
      for (const principal of change.principals) for (const w of index.ofPrincipal(principal)) affected.add(w);
      if (change.keysOf) for (const w of index.ofOrganization(change.keysOf)) if (w.byApiKey) affected.add(w);
      if (change.organization) for (const w of index.ofOrganization(change.organization)) affected.add(w);
      if (affected.size > 0) recheckNow(affected);
    },
  };
  const watch: Watch = (authorization, clientIp, authentication, onLost) => {
    const watched = new LiveWatch(gate, rechecks, index, authorization, clientIp, authentication, onLost);
    return watched.stop.bind(watched);
  };
  return {
    watch,
    feed,
    stats: () => ({ watches: index.size, eventRechecks, periodMs: rechecks.period }),
    close: () => {
      clearTimeout(slowDown);
      rechecks.close();
      unwatchMetrics();
    },
  };
}

/** Watches by the principal they were admitted as and by each organization they name (members of, or withheld by an allow-list). */
class WatchIndex {
  private readonly byPrincipal = new Map<string, Set<LiveWatch>>();
  private readonly byOrganization = new Map<string, Set<LiveWatch>>();
  size = 0;

  add(watched: LiveWatch, viewer: Viewer): void {
    this.size++;
    put(this.byPrincipal, viewer.userId, watched);
    for (const organizationId in viewer.memberships) put(this.byOrganization, organizationId, watched);
    for (const organizationId of viewer.deniedOrgs ?? []) put(this.byOrganization, organizationId, watched);
  }

  remove(watched: LiveWatch, viewer: Viewer): void {
    this.size--;
    take(this.byPrincipal, viewer.userId, watched);
    for (const organizationId in viewer.memberships) take(this.byOrganization, organizationId, watched);
    for (const organizationId of viewer.deniedOrgs ?? []) take(this.byOrganization, organizationId, watched);
  }

  ofPrincipal(id: string): Iterable<LiveWatch> {
    return this.byPrincipal.get(id) ?? [];
  }

  ofOrganization(id: string): Iterable<LiveWatch> {
    return this.byOrganization.get(id) ?? [];
  }

  *all(): Iterable<LiveWatch> {
    for (const set of this.byPrincipal.values()) yield* set;
  }
}

function put(map: Map<string, Set<LiveWatch>>, key: string, watched: LiveWatch): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(watched);
}

function take(map: Map<string, Set<LiveWatch>>, key: string, watched: LiveWatch): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(watched);
  if (set.size === 0) map.delete(key);
}

/**
 * One watched credential. A class (its methods on the prototype, the expiry timer given the
 * instance rather than a closure): there is one per live socket, 10,000 on the fan-out benchmark.
 */
class LiveWatch {
  private fired = false;
  private stopped = false;
  private readonly expiry: NodeJS.Timeout | undefined;
  /** Opened with an API key (its principal's id is the key's). */
  readonly byApiKey: boolean;

  constructor(
    private readonly gate: Gate,
    private readonly rechecks: RecheckWheel<LiveWatch>,
    private readonly index: WatchIndex,
    readonly authorization: string | undefined,
    readonly clientIp: string | null,
    private readonly authentication: Authentication,
    private readonly onLost: (loss: Loss) => void,
  ) {
    const expiresAt = authentication.expiresAt;
    this.expiry = expiresAt ? setTimeout(expire, Math.min(2 ** 31 - 1, Math.max(0, expiresAt.getTime() - Date.now())), this) : undefined;
    const viewer = authentication.viewer;
    this.byApiKey = isApiKeyViewer(viewer);
    if (viewer) {
      rechecks.add(this);
      index.add(this, viewer);
    }
  }

  /** Drops the look-up its next re-check would reuse. */
  forget(): void {
    if (this.authentication.viewer) this.gate.forget(this.authorization, this.clientIp, this.authentication.viewer);
  }

  fire(loss: Loss): void {
    if (this.fired) return;
    this.fired = true;
    this.stop();
    this.onLost(loss);
  }

  async recheck(): Promise<void> {
    if (this.stopped) return;
    try {
      const now = await this.gate.authenticate(this.authorization, this.clientIp);
      if (!sameRoles(now.viewer, this.authentication.viewer)) this.fire(LOSSES.AUTHORIZATION_CHANGED);
    } catch (error) {
      // A revoked or expired API key ends the subscription as a signed-out session does.
      const lost = lossOf(error);
      if (lost) this.fire(lost);
    }
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.expiry) clearTimeout(this.expiry);
    const viewer = this.authentication.viewer;
    if (viewer) {
      this.rechecks.remove(this);
      this.index.remove(this, viewer);
    }
  }
}

const expire = (watched: LiveWatch) => watched.fire(LOSSES.TOKEN_EXPIRED);

const RECHECK_SLOTS = 20;

/**
 * Periodic checks on one timer: each check lands in the emptiest slot and runs once per period,
 * when the wheel reaches its slot (one tick every period / RECHECK_SLOTS). The timer runs only
 * while there is something to check, and never keeps the process alive.
 */
export class RecheckWheel<C = () => Promise<void>> {
  private readonly slots: Set<C>[] = Array.from({ length: RECHECK_SLOTS }, () => new Set());
  private readonly slotOf = new Map<C, Set<C>>();
  private next = 0;
  private timer: NodeJS.Timeout | null = null;

  /** `run` runs one check (default: the check is a function, called). */
  constructor(
    private periodMs: number,
    private readonly run: (check: C) => Promise<void> = (check) => (check as () => Promise<void>)(),
  ) {}

  get period(): number {
    return this.periodMs;
  }

  /** From now on each check runs once per `periodMs` (the slot being visited is kept). */
  setPeriod(periodMs: number): void {
    if (periodMs === this.periodMs) return;
    this.periodMs = periodMs;
    if (this.timer) {
      this.close();
      this.start();
    }
  }

  private start(): void {
    this.timer = setInterval(() => this.tick(), Math.max(1, Math.floor(this.periodMs / RECHECK_SLOTS)));
    this.timer.unref();
  }

  add(check: C): void {
    let emptiest = this.slots[0]!;
    for (const slot of this.slots) if (slot.size < emptiest.size) emptiest = slot;
    emptiest.add(check);
    this.slotOf.set(check, emptiest);
    if (!this.timer) this.start();
  }

  remove(check: C): void {
    this.slotOf.get(check)?.delete(check);
    this.slotOf.delete(check);
    if (this.slotOf.size === 0) this.close();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private tick(): void {
    const slot = this.slots[this.next]!;
    this.next = (this.next + 1) % RECHECK_SLOTS;
    // Each check handles its own failures (it closes its socket or keeps it); none can stop the wheel.
    for (const check of [...slot]) void this.run(check).catch(() => {});
  }
}
