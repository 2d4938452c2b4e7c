import { readFileSync, unwatchFile, watchFile, type Stats } from 'node:fs';
import type { Logger } from '@organoise/core';
import type { RunningGateway } from './index.js';

export interface WatchSupergraphOptions {
  /** How often the file's mtime is polled (fs.watchFile: it survives the file being replaced by a rename). */
  intervalMs?: number;
  /** Quiet time after the last change before reloading: a writer may touch the file several times. */
  debounceMs?: number;
}

/**
 * Reloads the gateway's supergraph from `path` on SIGHUP and when the file changes. A file whose
 * text is the one already served is ignored (touching it must not end every subscription); one
 * that does not build is logged and the current supergraph stays. Returns the way to stop watching.
 */
export function watchSupergraphFile(path: string, gateway: Pick<RunningGateway, 'reloadSupergraph'>, log: Logger, options: WatchSupergraphOptions = {}): () => void {
  let served = readSafely(path, log);
  let timer: NodeJS.Timeout | undefined;

  const reload = async (why: string) => {
    const sdl = readSafely(path, log);
    if (sdl === null || sdl === served) return;
    // Claimed before the reload finishes: a signal and a file change for the same text reload once.
    const previous = served;
    served = sdl;
    try {
      await gateway.reloadSupergraph(sdl);
      log.info('supergraph reloaded from file', { path, why });
    } catch (error) {
      served = previous;
      log.error('supergraph reload refused; the current one stays', { path, why, error });
    }
  };

  const onChange = (current: Stats, previous: Stats) => {
    if (current.mtimeMs === previous.mtimeMs && current.size === previous.size) return;
    clearTimeout(timer);
    timer = setTimeout(() => void reload('file changed'), options.debounceMs ?? 200);
  };
  const onHangup = () => void reload('SIGHUP');

  watchFile(path, { interval: options.intervalMs ?? 1000 }, onChange);
  process.on('SIGHUP', onHangup);
  return () => {
    clearTimeout(timer);
    unwatchFile(path, onChange);
    process.off('SIGHUP', onHangup);
  };
}

function readSafely(path: string, log: Logger): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    log.error('supergraph file unreadable', { path, error });
    return null;
  }
}
