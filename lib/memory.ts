// Memory back to the system after a burst. V8 grows its heap to carry a burst's
// garbage (10,000 pods through the syncer: a heap of ~500 MB around ~120 MB of
// live objects; an API server's start-up: ~28 MB around ~10 MB) and keeps it at
// that high-water mark: the RSS a platform team sees stays at the peak for as
// long as little happens. Once the process's work has dropped to a trickle and
// its heap has grown well past its size after the last reclaim, one compacting
// full collection runs and its free pages go back. Both the syncer and the API
// server processes run one (one per process: a collection is process-wide).

import v8 from 'node:v8';
import vm from 'node:vm';
import type { Logger } from 'pino';
import { mallocTrim } from './malloc-trim.js';

export interface IdleReclaimOptions {
  /** A count that grows with the work done (reconciles started). */
  activity: () => number;
  /** Whether work is waiting right now (a queue not empty): no collection then. */
  busy?: () => boolean;
  /** Above this much work per second the process is in a burst, and left alone (a syncer is never fully idle: events and node changes trickle in). */
  quietPerSecond?: number;
  log: Logger;
  /** How often to look (and how long "quiet" is). */
  everyMs?: number;
  /** Collect once the heap has grown by this many bytes since the floor (below) or the last reclaim. */
  minGrowthBytes?: number;
  /**
   * The heap size growth is counted from until the first reclaim; default: the heap's size now.
   * 0 makes the start-up's own garbage count, so the first quiet moment reclaims it.
   */
  floorBytes?: number;
  /** Consecutive quiet looks before collecting (default 1). */
  quietLooks?: number;
}

/** The full-collection function, exposed once (it is not, without --expose-gc); undefined where that fails. */
function exposeGc(): (() => void) | undefined {
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as () => void) : undefined;
  } catch {
    return undefined;
  }
}

/** Starts watching; returns a stop function. */
export function startIdleReclaim(opts: IdleReclaimOptions): () => void {
  const gc = exposeGc();
  if (!gc) {
    opts.log.debug('full collections cannot be requested here; idle memory reclaim off');
    return () => {};
  }
  const minGrowth = opts.minGrowthBytes ?? 64 << 20;
  /**
   * The heap's size at start, then right after each reclaim: a reclaim is due once the heap has
   * grown well past it. (heapUsed cannot tell: until a collection it counts garbage as used.)
   */
  let floor = opts.floorBytes ?? process.memoryUsage().heapTotal;
  let lastActivity = opts.activity();
  const everyMs = opts.everyMs ?? 2000;
  const quietPerTick = ((opts.quietPerSecond ?? 100) * everyMs) / 1000;
  const quietLooks = opts.quietLooks ?? 1;
  let quietFor = 0;
  const timer = setInterval(() => {
    const now = opts.activity();
    const quiet = now - lastActivity <= quietPerTick && !opts.busy?.();
    lastActivity = now;
    quietFor = quiet ? quietFor + 1 : 0;
    if (quietFor < quietLooks) return;
    const { heapTotal } = process.memoryUsage();
    if (heapTotal < floor + minGrowth) return;
    const started = performance.now();
    // A plain full collection frees objects but leaves the survivors spread over most pages, so
    // few pages come back; compacting them (only for this one collection) is what returns memory.
    v8.setFlagsFromString('--compact-on-every-full-gc');
    try {
      gc();
    } finally {
      v8.setFlagsFromString('--no-compact-on-every-full-gc');
    }
    // The C heap too: buffers freed after the burst leave glibc holding the pages of a fragmented heap.
    const rssBefore = process.memoryUsage.rss();
    const trimmed = mallocTrim();
    const after = process.memoryUsage();
    floor = after.heapTotal;
    opts.log.info(
      {
        heapBeforeMB: Math.round(heapTotal / 1e6),
        heapAfterMB: Math.round(after.heapTotal / 1e6),
        liveMB: Math.round(after.heapUsed / 1e6),
        cHeapReturnedMB: trimmed ? Math.max(0, Math.round((rssBefore - after.rss) / 1e6)) : 0,
        ms: Math.round(performance.now() - started),
      },
      'idle: heap returned to the system',
    );
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
