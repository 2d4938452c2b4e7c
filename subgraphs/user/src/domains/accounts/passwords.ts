import { hash, verify } from '@node-rs/argon2';

// OWASP's argon2id baseline (19 MiB, 2 passes). Hashing runs on libuv's thread pool.
// 2 is Algorithm.Argon2id (a const enum, which isolated modules cannot read).
const OPTIONS = { algorithm: 2 as const, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

/** Lets at most `limit` tasks run at once; the rest wait their turn in arrival order. */
export class Semaphore {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error('Semaphore limit must be a positive integer');
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await task();
    } finally {
      // The slot passes straight to the next waiter, so `running` stays counted.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  get active(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length;
  }
}

/**
 * argon2id hashing with bounded concurrency: each hash takes 19 MiB and a thread-pool slot, so a
 * burst of sign-ins queues here instead of exhausting memory or starving other file and DNS work.
 */
export class PasswordHasher {
  private readonly gate: Semaphore;
  /** A hash of nothing anyone knows: verifying against it makes an unknown email cost as much as a known one. */
  private decoy: Promise<string> | undefined;

  constructor(concurrency = 4) {
    this.gate = new Semaphore(concurrency);
  }

  hash(password: string): Promise<string> {
    return this.gate.run(() => hash(password, OPTIONS));
  }

  async verify(passwordHash: string | null, password: string): Promise<boolean> {
    if (passwordHash === null) {
      const decoy = await (this.decoy ??= this.hash(`decoy-${Math.random()}`));
      await this.gate.run(() => verify(decoy, password)).catch(() => false);
      return false;
    }
    return this.gate.run(() => verify(passwordHash, password)).catch(() => false);
  }

  get stats() {
    return { active: this.gate.active, queued: this.gate.queued };
  }
}
