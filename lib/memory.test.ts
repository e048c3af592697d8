// The idle reclaim really returns a burst's heap: garbage left behind by a
// burst is collected once work drops to a trickle, not while it goes on.

import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { startIdleReclaim } from './memory.js';

const heapTotal = (): number => process.memoryUsage().heapTotal;

function burst(): void {
  // ~150 MB of short-lived objects, the last batches still alive when it ends.
  let keep: unknown[][] = [];
  for (let r = 0; r < 25; r++) {
    const batch: unknown[] = [];
    for (let i = 0; i < 20_000; i++) batch.push({ s: `${'x'.repeat(40)}${i}`, n: [i, r] });
    keep.push(batch);
    if (keep.length > 8) keep.shift();
  }
  keep = [];
}

describe('startIdleReclaim', () => {
  it('collects once the work has stopped, giving the heap back', async () => {
    let work = 0;
    const busy = setInterval(() => (work += 1000), 10);
    const stop = startIdleReclaim({ activity: () => work, log: pino({ level: 'silent' }), everyMs: 100, minGrowthBytes: 16 << 20 });
    try {
      burst();
      const grown = heapTotal();
      // Busy: the heap is left alone (V8 may still collect on its own, so only the quiet case is asserted).
      await new Promise((r) => setTimeout(r, 300));
      clearInterval(busy);
      await new Promise((r) => setTimeout(r, 500));
      expect(heapTotal()).toBeLessThan(grown * 0.7);
    } finally {
      clearInterval(busy);
      stop();
    }
  });
});
