// The native malloc_trim helper: built by `npm ci` here (glibc Linux), and it
// returns the pages of a fragmented C heap that a V8 collection leaves behind.

import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { mallocTrim, mallocTrimAvailable } from './malloc-trim.js';

const glibc = process.platform === 'linux' && !!(process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime;

describe.runIf(glibc)('mallocTrim (glibc)', () => {
  it('is built and loadable', () => {
    expect(mallocTrimAvailable()).toBe(true);
  });

  it('returns the free pages of a fragmented C heap to the system', () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    // 64 KiB buffers come from glibc's heap (below its mmap threshold); keeping one in 32 alive
    // pins the heap so that freeing the rest leaves free pages glibc does not give back by itself.
    let bufs: Buffer[] = [];
    for (let i = 0; i < 3200; i++) bufs.push(Buffer.alloc(64 * 1024, 1));
    const kept = bufs.filter((_, i) => i % 32 === 0);
    bufs = [];
    gc();
    gc();
    const before = process.memoryUsage.rss();
    expect(mallocTrim()).toBe(true);
    const after = process.memoryUsage.rss();
    expect(kept.length).toBe(100);
    // ~190 MB were freed; most of it comes back.
    expect(before - after).toBeGreaterThan(50e6);
  });
});
