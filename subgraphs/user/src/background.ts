import type { Logger } from '@organoise/core';

/**
 * Work done after answering (mail, its bookkeeping), so that what it costs cannot show in the
 * answer's timing. Failures are logged, never thrown at anyone; `idle()` waits for all of it
 * (shutdown, and tests that read the mail).
 */
export class BackgroundWork {
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly log: Logger) {}

  run(what: string, task: () => Promise<unknown>): void {
    // Started a random 100-400 ms later: well after the answer has gone, and not in step with it,
    // so the work cannot slow this answer nor, in a pattern, the next one.
    const done: Promise<void> = new Promise<void>((resolve) => setTimeout(resolve, 100 + Math.random() * 300))
      .then(task)
      .then(() => undefined)
      .catch((error: unknown) => this.log.error(`${what} failed`, { error: error instanceof Error ? error.message : String(error) }))
      .finally(() => this.pending.delete(done));
    this.pending.add(done);
  }

  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }
}
