// Fans committed events out to watchers and keeps a bounded ring of recent events
// so a client can resume from a recent revision without touching the database.
// Older revisions fall back to the backend's own history (until compaction).

import { CompactedError, FutureRevisionError, type WatchEvent, type WatchHandle, type WatchOptions } from './types.js';

interface Watcher {
  prefix: string;
  onEvents(events: readonly WatchEvent[]): void;
}

export interface HistorySource {
  /** Events with revision > after, in order, for keys under prefix. Must be complete (no gaps). */
  readHistory(after: number, prefix: string): WatchEvent[];
  compactedRevision(): number;
  currentRevision(): number;
}

export class WatchHub {
  private readonly ring: (WatchEvent | undefined)[];
  private head = 0; // next slot to write
  private size = 0;
  private readonly watchers = new Set<Watcher>();

  constructor(
    private readonly history: HistorySource,
    capacity = 4096,
  ) {
    this.ring = new Array(capacity);
  }

  get watcherCount(): number {
    return this.watchers.size;
  }

  /** Revision of the oldest event still in the ring, or undefined when empty. */
  private oldestRingRevision(): number | undefined {
    if (this.size === 0) return undefined;
    const idx = (this.head - this.size + this.ring.length) % this.ring.length;
    return this.ring[idx]!.kv.modRevision;
  }

  /** Called by the backend after a batch is durable, in revision order. */
  publish(events: WatchEvent[]): void {
    for (const ev of events) {
      this.ring[this.head] = ev;
      this.head = (this.head + 1) % this.ring.length;
      if (this.size < this.ring.length) this.size++;
    }
    for (const w of this.watchers) {
      const mine = under(events, w.prefix);
      if (mine) w.onEvents(mine);
    }
  }

  /** Events after `after` for the prefix from the ring, or undefined if the ring does not reach back that far. */
  private fromRing(after: number, prefix: string): WatchEvent[] | undefined {
    const oldest = this.oldestRingRevision();
    const current = this.history.currentRevision();
    if (after >= current) return [];
    // The ring covers (oldest-1, current] only if it holds every revision since `after`.
    // Revisions are dense across all keys (one per write), so oldest <= after+1 suffices.
    if (oldest === undefined || oldest > after + 1) return undefined;
    const out: WatchEvent[] = [];
    for (let i = 0; i < this.size; i++) {
      const ev = this.ring[(this.head - this.size + i + this.ring.length) % this.ring.length]!;
      if (ev.kv.modRevision > after && ev.kv.key.startsWith(prefix)) out.push(ev);
    }
    return out;
  }

  watch(prefix: string, opts: WatchOptions): WatchHandle {
    const after = opts.afterRevision;
    const current = this.history.currentRevision();
    if (after > current) throw new FutureRevisionError(after, current);
    // The window is bounded by compaction even when the ring still holds older events,
    // so every backend and every restart answers the same revision the same way.
    if (after < this.history.compactedRevision()) throw new CompactedError(after, this.history.compactedRevision());
    let backlog = this.fromRing(after, prefix);
    if (backlog === undefined) backlog = this.history.readHistory(after, prefix);
    const w: Watcher = { prefix, onEvents: opts.onEvents };
    // Registration and backlog are synchronous with publish(), so no event is lost or doubled.
    this.watchers.add(w);
    if (backlog.length > 0) opts.onEvents(backlog);
    return { cancel: () => void this.watchers.delete(w) };
  }
}

/**
 * The events under prefix, or undefined for none. A batch is usually one event and most watchers
 * (the server's own controllers among them) want none of it or all of it: then no array is made,
 * and watchers share the batch's (read-only to them).
 */
function under(events: readonly WatchEvent[], prefix: string): readonly WatchEvent[] | undefined {
  let n = 0;
  for (const e of events) if (e.kv.key.startsWith(prefix)) n++;
  if (n === 0) return undefined;
  return n === events.length ? events : events.filter((e) => e.kv.key.startsWith(prefix));
}
