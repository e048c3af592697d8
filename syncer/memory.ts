// Memory back to the system after a burst. V8 grows its heap to carry a burst's
// garbage (10,000 pods through the syncer: a heap of ~500 MB around well under
// 100 MB of live objects) and keeps it at that high-water mark until a major
// collection that a quiet process never triggers: the RSS a platform team sees
// stays at the peak for as long as little happens. Once the syncer's work has
// dropped to a trickle and its heap is much larger than what the last full
// collection left alive, one full collection runs and its free pages go back.

import v8 from 'node:v8';
import vm from 'node:vm';
import type { Logger } from 'pino';

export interface IdleReclaimOptions {
  /** A count that grows with the work done (reconciles started). */
  activity: () => number;
  /** Below this much work per second the process counts as quiet (a syncer is never fully idle: node heartbeats come every few seconds). */
  quietPerSecond?: number;
  log: Logger;
  /** How often to look (and how long "quiet" is). */
  everyMs?: number;
  /** Collect only when the heap exceeds what was live after the last collection by this factor and… */
  growthFactor?: number;
  /** …by at least this many bytes. */
  minGrowthBytes?: number;
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
  const growth = opts.growthFactor ?? 1.5;
  const minGrowth = opts.minGrowthBytes ?? 64 << 20;
  let live = process.memoryUsage().heapUsed;
  let lastActivity = opts.activity();
  const everyMs = opts.everyMs ?? 2000;
  const quietPerTick = ((opts.quietPerSecond ?? 20) * everyMs) / 1000;
  const timer = setInterval(() => {
    const now = opts.activity();
    const quiet = now - lastActivity <= quietPerTick;
    lastActivity = now;
    if (!quiet) return;
    const { heapTotal } = process.memoryUsage();
    if (heapTotal < live * growth || heapTotal - live < minGrowth) return;
    const started = performance.now();
    gc();
    const after = process.memoryUsage();
    live = after.heapUsed;
    opts.log.info({ heapBeforeMB: Math.round(heapTotal / 1e6), heapAfterMB: Math.round(after.heapTotal / 1e6), liveMB: Math.round(live / 1e6), ms: Math.round(performance.now() - started) }, 'idle: heap returned to the system');
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
