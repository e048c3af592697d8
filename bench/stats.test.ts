import { describe, expect, it } from 'vitest';
import { fmt, mean, median, percentile } from './stats.js';

describe('stats', () => {
  it('computes nearest-rank percentiles regardless of input order', () => {
    const xs = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    expect(percentile(xs, 50)).toBe(5);
    expect(percentile(xs, 90)).toBe(9);
    expect(percentile(xs, 99)).toBe(10);
    expect(percentile(xs, 0)).toBe(1);
    expect(percentile([], 99)).toBeNaN();
  });

  it('p99 of 100 samples is the 99th smallest, not the maximum', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(xs, 99)).toBe(99);
  });

  it('does not reorder the caller’s array', () => {
    const xs = [3, 1, 2];
    percentile(xs, 50);
    median(xs);
    expect(xs).toEqual([3, 1, 2]);
  });

  it('mean and median', () => {
    expect(mean([1, 2, 6])).toBe(3);
    expect(median([7, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(mean([])).toBeNaN();
  });

  it('formats non-finite numbers as n/a', () => {
    expect(fmt(1.234, 2)).toBe('1.23');
    expect(fmt(NaN)).toBe('n/a');
    expect(fmt(Infinity)).toBe('n/a');
  });
});
