// semanticEqual walks both values without building their canonical forms; it
// must agree with comparing those forms (JSON of canonical()) on any JSON
// values, including the equivalences the syncer relies on: null, undefined,
// empty objects and empty arrays all mean "missing", key order never matters.

import { describe, expect, it } from 'vitest';
import { canonical, clone, semanticEqual } from './types.js';

/** A small deterministic PRNG, so a failure reproduces. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function randomValue(r: () => number, depth: number): unknown {
  const pick = r();
  if (depth <= 0 || pick < 0.35) {
    const leaves: unknown[] = [null, undefined, 0, 1, -1, 1.5, '', 'a', 'b', true, false];
    return leaves[Math.floor(r() * leaves.length)];
  }
  if (pick < 0.6) return Array.from({ length: Math.floor(r() * 3) }, () => randomValue(r, depth - 1));
  const o: Record<string, unknown> = {};
  for (let i = Math.floor(r() * 4); i > 0; i--) o[['x', 'y', 'z', 'w'][Math.floor(r() * 4)]!] = randomValue(r, depth - 1);
  return o;
}

const byCanonical = (a: unknown, b: unknown): boolean => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));

describe('semanticEqual', () => {
  it('treats null, undefined, {} and [] as missing, and ignores key order', () => {
    expect(semanticEqual({ a: 1, b: null, c: {}, d: [] }, { a: 1 })).toBe(true);
    expect(semanticEqual({ a: { b: { c: undefined } } }, undefined)).toBe(true);
    expect(semanticEqual({ x: 1, y: 2 }, { y: 2, x: 1 })).toBe(true);
    expect(semanticEqual([null, {}], [undefined, null])).toBe(true);
    expect(semanticEqual([1], [])).toBe(false);
    expect(semanticEqual({ a: '1' }, { a: 1 })).toBe(false);
    expect(semanticEqual({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
    expect(semanticEqual({ a: {} }, { a: [] })).toBe(true);
    expect(semanticEqual({ a: { b: 1 } }, { a: [1] })).toBe(false);
    // Keys that objects inherit are still only what the objects hold.
    expect(semanticEqual({ labels: { constructor: null } }, { labels: {} })).toBe(true);
    expect(semanticEqual({ labels: {} }, { labels: { toString: 'x' } })).toBe(false);
    expect(semanticEqual({ labels: { toString: 'x' } }, { labels: {} })).toBe(false);
  });

  it('agrees with comparing canonical forms on random JSON values', () => {
    const r = rng(42);
    let equalPairs = 0;
    for (let i = 0; i < 20_000; i++) {
      const a = randomValue(r, 4);
      // Half the pairs are a value against a re-shaped copy of itself, so equal pairs are common.
      const b = r() < 0.5 ? randomValue(r, 4) : JSON.parse(JSON.stringify(clone(a) ?? null)) as unknown;
      const want = byCanonical(a, b);
      if (want) equalPairs++;
      expect(semanticEqual(a, b), JSON.stringify({ a, b })).toBe(want);
      expect(semanticEqual(b, a)).toBe(want);
    }
    expect(equalPairs).toBeGreaterThan(2000);
  });
});
