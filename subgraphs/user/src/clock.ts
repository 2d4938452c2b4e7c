/**
 * Where the subgraph reads the time. Every rule that depends on time (session timeouts, lockouts,
 * token expiry, key rotation) asks the clock, so tests move time instead of sleeping.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that stands still until told to move (tests). */
export class ManualClock implements Clock {
  private ms: number;

  constructor(start: Date = new Date()) {
    this.ms = start.getTime();
  }

  now(): Date {
    return new Date(this.ms);
  }

  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}

export const secondsFrom = (clock: Clock, seconds: number) => new Date(clock.now().getTime() + seconds * 1000);
