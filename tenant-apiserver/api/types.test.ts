// deepClone copies JSON values exactly and independently, keeps an own
// "__proto__" key as data (a parsed body can carry one), and leaves
// non-plain values to structuredClone.

import { describe, expect, it } from 'vitest';
import { deepClone, rfc3339 } from './types.js';

describe('rfc3339', () => {
  it('formats to the second, the same for every instant within one, and outside years 0-9999 too', () => {
    expect(rfc3339(new Date('2026-11-23T05:45:21.999Z'))).toBe('2026-11-23T05:45:21Z');
    expect(rfc3339(new Date('2026-11-23T05:45:21.001Z'))).toBe('2026-11-23T05:45:21Z');
    expect(rfc3339(new Date('2026-11-23T05:45:22.000Z'))).toBe('2026-11-23T05:45:22Z');
    expect(rfc3339(new Date(0))).toBe('1970-01-01T00:00:00Z');
    expect(rfc3339(new Date('+010000-01-01T00:00:00.000Z'))).toBe('+010000-01-01T00:00:00Z');
  });
});

describe('deepClone', () => {
  it('copies nested JSON values, sharing nothing with the original', () => {
    const src = { a: 1, b: 'x', c: null, d: [1, { e: true }, [2]], f: { g: { h: 'i' } }, u: undefined };
    const copy = deepClone(src);
    expect(copy).toEqual(src);
    expect('u' in copy).toBe(true);
    (copy.d as unknown[])[1] = 'changed';
    (copy.f.g as { h: string }).h = 'changed';
    expect(src.d[1]).toEqual({ e: true });
    expect(src.f.g.h).toBe('i');
  });

  it('keeps a parsed "__proto__" key as an own property, never as the prototype', () => {
    const src = JSON.parse('{"metadata":{"__proto__":{"polluted":true},"name":"x"}}') as { metadata: Record<string, unknown> };
    const copy = deepClone(src);
    expect(Object.getPrototypeOf(copy.metadata)).toBe(Object.prototype);
    expect((copy.metadata as { polluted?: boolean }).polluted).toBeUndefined();
    expect(Object.keys(copy.metadata)).toEqual(['__proto__', 'name']);
    expect(JSON.stringify(copy)).toBe(JSON.stringify(src));
  });

  it('copies frozen objects into unfrozen ones and non-plain values through structuredClone', () => {
    const frozen = Object.freeze({ a: Object.freeze([1, 2]) });
    const copy = deepClone(frozen);
    expect(Object.isFrozen(copy)).toBe(false);
    (copy.a as number[]).push(3);
    const when = new Date(0);
    const withDate = deepClone({ when });
    expect(withDate.when).toBeInstanceOf(Date);
    expect(withDate.when).not.toBe(when);
  });
});
