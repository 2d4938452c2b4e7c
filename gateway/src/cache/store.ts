import { countResponseCache, type ResponseCacheOutcome } from '@organoise/core';
import { LRUCache } from 'lru-cache';

/** One stored answer: the result's JSON text and the tags whose invalidation drops it. */
interface Entry {
  text: string;
  tags: readonly string[];
}

/** A fill in flight: the epoch it started at (docs/protocols/response-cache.md, "Races"). */
export interface Fill {
  readonly epoch: number;
}

export interface ResponseCacheStats {
  hit: number;
  miss: number;
  /** Misses that waited for an identical fill in flight (answered by what it kept, or run on their own when it kept nothing). */
  coalesced: number;
  /** Hits whose answer was near its maximum age, refilled in the background while served. */
  refresh: number;
  store: number;
  raced: number;
  bypass: number;
  invalidation: number;
  flush: number;
}

/** Bytes per entry beyond its texts: the entry, its map slots and tag-set memberships (an estimate). */
const ENTRY_OVERHEAD = 256;
/** Past this many remembered tag epochs, those no fill in flight can need are forgotten. */
const PRUNE_AT = 10_000;

/**
 * The answers, their tags, and the epochs that keep fills honest under races. Invalidation is
 * exact: every invalidation bumps `epoch` and records it against its tags (a flush against all);
 * a fill notes the epoch before it executes and is stored only if none of its tags was invalidated
 * since (nor the whole cache). A fill that straddles an invalidation may have read the data from
 * before the write it announces, so it is answered but never kept.
 *
 * Serves only while `healthy` (its Redis subscription is up: events.ts): every change of health
 * flushes.
 */
export class ResponseStore {
  private readonly entries: LRUCache<string, Entry>;
  private readonly keysByTag = new Map<string, Set<string>>();
  private epoch = 0;
  private flushEpoch = 0;
  private readonly tagEpochs = new Map<string, number>();
  /** Fills in flight per start epoch; insertion order is epoch order (epochs only grow), so the first key is the oldest. */
  private readonly inflight = new Map<number, number>();
  private healthy = false;
  private readonly healthWaiters: (() => void)[] = [];
  readonly stats: ResponseCacheStats = { hit: 0, miss: 0, coalesced: 0, refresh: 0, store: 0, raced: 0, bypass: 0, invalidation: 0, flush: 0 };

  constructor(options: { maxBytes: number; maxAgeMs: number }) {
    this.entries = new LRUCache<string, Entry>({
      maxSize: options.maxBytes,
      sizeCalculation: (entry, key) => 2 * (entry.text.length + key.length) + ENTRY_OVERHEAD,
      // A bound for what no event reaches (a publisher that lost Redis): docs/decisions/0016.
      ttl: options.maxAgeMs,
      // Evicted, expired, replaced or deleted: out of the tag index too.
      dispose: (entry, key) => this.unindex(key, entry),
    });
  }

  count(outcome: ResponseCacheOutcome, n = 1): void {
    this.stats[outcome] += n;
    countResponseCache(outcome, n);
  }

  get serving(): boolean {
    return this.healthy;
  }

  get bytes(): number {
    return this.entries.calculatedSize;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Resolves once the cache serves (at once when it does). */
  whenServing(): Promise<void> {
    if (this.healthy) return Promise.resolve();
    return new Promise((resolve) => this.healthWaiters.push(resolve));
  }

  /** Up (subscribed) or down: either way what is held may have missed events, so it goes. */
  setHealthy(healthy: boolean): void {
    this.flush();
    this.healthy = healthy;
    if (healthy) for (const resolve of this.healthWaiters.splice(0)) resolve();
  }

  lookup(key: string): string | undefined {
    return this.entries.get(key)?.text;
  }

  /** Milliseconds before the entry reaches its maximum age (0 when absent). */
  remainingMs(key: string): number {
    return Math.max(0, this.entries.getRemainingTTL(key));
  }

  begin(): Fill {
    const epoch = this.epoch;
    this.inflight.set(epoch, (this.inflight.get(epoch) ?? 0) + 1);
    return { epoch };
  }

  end(fill: Fill): void {
    const left = (this.inflight.get(fill.epoch) ?? 1) - 1;
    if (left <= 0) this.inflight.delete(fill.epoch);
    else this.inflight.set(fill.epoch, left);
  }

  /** Keeps a fill's answer unless something it depends on was invalidated since it began (or the cache is down). */
  store(key: string, tags: readonly string[], text: string, fill: Fill): boolean {
    if (!this.healthy || this.flushEpoch > fill.epoch || tags.some((tag) => (this.tagEpochs.get(tag) ?? 0) > fill.epoch)) {
      this.count('raced');
      return false;
    }
    this.entries.set(key, { text, tags });
    // Refused (larger than the whole cache): nothing to index.
    if (!this.entries.has(key)) return false;
    for (const tag of tags) {
      let keys = this.keysByTag.get(tag);
      if (!keys) this.keysByTag.set(tag, (keys = new Set()));
      keys.add(key);
    }
    this.count('store');
    return true;
  }

  invalidate(tags: readonly string[]): void {
    const epoch = ++this.epoch;
    for (const tag of tags) {
      this.tagEpochs.set(tag, epoch);
      const keys = this.keysByTag.get(tag);
      if (keys) for (const key of [...keys]) this.entries.delete(key);
    }
    this.count('invalidation', tags.length);
    if (this.tagEpochs.size > PRUNE_AT) this.prune();
  }

  flush(): void {
    this.flushEpoch = ++this.epoch;
    this.entries.clear();
    this.keysByTag.clear();
    // Every fill in flight began before this flush: no tag epoch can matter to one any more.
    this.tagEpochs.clear();
    this.count('flush');
  }

  /** Forgets tag epochs no fill in flight began before: later fills begin at the current epoch, past them. */
  private prune(): void {
    const oldest = this.inflight.keys().next();
    const floor = oldest.done ? this.epoch : oldest.value;
    for (const [tag, epoch] of this.tagEpochs) if (epoch <= floor) this.tagEpochs.delete(tag);
  }

  private unindex(key: string, entry: Entry): void {
    for (const tag of entry.tags) {
      const keys = this.keysByTag.get(tag);
      if (!keys) continue;
      keys.delete(key);
      if (keys.size === 0) this.keysByTag.delete(tag);
    }
  }
}
