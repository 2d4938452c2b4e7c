import { isAppError, type ErrorCode, type Logger, type Viewer } from '@organoise/core';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { CLOSE, closeCodeOf, withoutHttp, type Formatter } from '../pipeline/answers.js';
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
 * Watches live credentials: the callback fires once when the token expires, the session ends
 * (sign-out, revocation) or the roles change (a removed membership must stop events at once).
 * Returns how to stop watching.
 *
 * Every watched credential's re-check runs once per `recheckMs`, from one timer for them all: the
 * watches are spread over RECHECK_SLOTS slots and each tick checks one slot, so the look-ups
 * (batched by the identity verifier) come in even waves instead of 10,000 timers of their own.
 */
export function liveCredentials(gate: Gate, recheckMs: number): { watch: Watch; close(): void } {
  const rechecks = new RecheckWheel<LiveWatch>(recheckMs, (watched) => watched.recheck());
  const watch: Watch = (authorization, clientIp, authentication, onLost) => {
    const watched = new LiveWatch(gate, rechecks, authorization, clientIp, authentication, onLost);
    return watched.stop.bind(watched);
  };
  return { watch, close: () => rechecks.close() };
}

/**
 * One watched credential. A class (its methods on the prototype, the expiry timer given the
 * instance rather than a closure): there is one per live socket, 10,000 on the fan-out benchmark.
 */
class LiveWatch {
  private fired = false;
  private readonly expiry: NodeJS.Timeout | undefined;

  constructor(
    private readonly gate: Gate,
    private readonly rechecks: RecheckWheel<LiveWatch>,
    private readonly authorization: string | undefined,
    private readonly clientIp: string | null,
    private readonly authentication: Authentication,
    private readonly onLost: (loss: Loss) => void,
  ) {
    const expiresAt = authentication.expiresAt;
    this.expiry = expiresAt ? setTimeout(expire, Math.min(2 ** 31 - 1, Math.max(0, expiresAt.getTime() - Date.now())), this) : undefined;
    if (authentication.viewer) rechecks.add(this);
  }

  fire(loss: Loss): void {
    if (this.fired) return;
    this.fired = true;
    this.stop();
    this.onLost(loss);
  }

  async recheck(): Promise<void> {
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
    if (this.expiry) clearTimeout(this.expiry);
    if (this.authentication.viewer) this.rechecks.remove(this);
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
    private readonly periodMs: number,
    private readonly run: (check: C) => Promise<void> = (check) => (check as () => Promise<void>)(),
  ) {}

  add(check: C): void {
    let emptiest = this.slots[0]!;
    for (const slot of this.slots) if (slot.size < emptiest.size) emptiest = slot;
    emptiest.add(check);
    this.slotOf.set(check, emptiest);
    if (!this.timer) {
      this.timer = setInterval(() => this.tick(), Math.max(1, Math.floor(this.periodMs / RECHECK_SLOTS)));
      this.timer.unref();
    }
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
