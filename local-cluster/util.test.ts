import { describe, expect, it } from 'vitest';
import { KeyedMutex, nsKey, splitKey } from './util.js';

describe('KeyedMutex', () => {
  it('serialises holders of one key in arrival order and leaves other keys free', async () => {
    const m = new KeyedMutex();
    const order: string[] = [];
    const r1 = await m.acquire('a');
    const p2 = m.acquire('a').then((r) => {
      order.push('second');
      return r;
    });
    const other = await m.acquire('b');
    order.push('other key');
    await new Promise((r) => setTimeout(r, 5));
    expect(order).toEqual(['other key']);
    order.push('first releases');
    r1();
    const r2 = await p2;
    expect(order).toEqual(['other key', 'first releases', 'second']);
    r2();
    other();
    // Released twice is harmless, and the key can be taken again at once.
    r2();
    const again = await m.acquire('a');
    again();
  });
});

describe('keys', () => {
  it('round-trips namespace/name', () => {
    expect(splitKey(nsKey('ns', 'a'))).toEqual({ namespace: 'ns', name: 'a' });
    expect(splitKey(nsKey(undefined, 'n'))).toEqual({ namespace: '', name: 'n' });
  });
});
