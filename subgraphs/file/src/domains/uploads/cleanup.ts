import type { Logger } from '@organoise/core';
import { cleanUpExpiredUploads, type UploadServices } from './uploads.js';

/**
 * Removes expired uploads (and an abandoned one's bytes) every `intervalMs`; one sweep at a time.
 * Every instance may run it: a row removed twice is removed once.
 */
export function startUploadCleanup(services: UploadServices, log: Logger, intervalMs = 10 * 60 * 1000): { stop: () => Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(async () => {
      try {
        const removed = await cleanUpExpiredUploads(services);
        if (removed > 0) log.info('expired uploads removed', { removed });
      } catch (error) {
        log.warn('upload cleanup failed; the next sweep tries again', { error });
      }
    });
  }, intervalMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
