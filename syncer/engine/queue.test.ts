import { afterEach, describe, expect, it, vi } from 'vitest';
import { FairQueue, PRIORITY, type QueueItem } from './queue.js';

function drain(q: FairQueue, n = Infinity): QueueItem[] {
  const out: QueueItem[] = [];
  while (out.length < n) {
    const it = q.tryGet();
    if (!it) break;
    out.push(it);
    q.done(it);
  }
  return out;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('FairQueue', () => {
  it('serves tenants round robin so a flood in one does not starve another', () => {
    const q = new FairQueue();
    for (let i = 0; i < 100; i++) q.add('noisy', `k${i}`);
    q.add('quiet', 'a');
    q.add('quiet', 'b');
    const first = drain(q, 4).map((i) => i.tenant);
    expect(first).toEqual(['noisy', 'quiet', 'noisy', 'quiet']);
  });

  it('weights the round: a tenant of weight 3 gets three keys per turn', () => {
    const q = new FairQueue();
    q.setWeight('big', 3);
    for (let i = 0; i < 9; i++) q.add('big', `b${i}`);
    for (let i = 0; i < 9; i++) q.add('small', `s${i}`);
    const order = drain(q, 8).map((i) => i.tenant);
    expect(order).toEqual(['big', 'big', 'big', 'small', 'big', 'big', 'big', 'small']);
  });

  it('de-duplicates waiting keys and keeps FIFO order', () => {
    const depths: number[] = [];
    const q = new FairQueue({ onDepth: (_t, d) => depths.push(d) });
    q.add('t', 'a');
    q.add('t', 'b');
    q.add('t', 'a');
    expect(q.depth('t')).toBe(2);
    expect(drain(q).map((i) => i.key)).toEqual(['a', 'b']);
    expect(depths.at(-1)).toBe(0);
  });

  it('never hands one key to two workers; a key re-added while processing runs again after done', () => {
    const q = new FairQueue();
    q.add('t', 'a');
    const it = q.tryGet()!;
    q.add('t', 'a');
    expect(q.tryGet()).toBeUndefined();
    q.done(it);
    expect(q.tryGet()).toEqual({ tenant: 't', key: 'a' });
  });

  it('backs off exponentially, capped, and forgets on success', () => {
    vi.useFakeTimers();
    const q = new FairQueue({ baseDelayMs: 10, maxDelayMs: 50 });
    expect(q.addRateLimited('t', 'a')).toBe(10);
    expect(q.addRateLimited('t', 'a')).toBe(20);
    expect(q.addRateLimited('t', 'a')).toBe(40);
    expect(q.addRateLimited('t', 'a')).toBe(50);
    expect(q.failures('t', 'a')).toBe(4);
    expect(q.tryGet()).toBeUndefined();
    vi.advanceTimersByTime(10);
    expect(q.tryGet()).toEqual({ tenant: 't', key: 'a' });
    q.forget('t', 'a');
    expect(q.addRateLimited('t', 'a')).toBe(10);
  });

  it('keeps only the earliest of several delayed adds for one key', () => {
    vi.useFakeTimers();
    const q = new FairQueue();
    q.addAfter('t', 'a', 1000);
    q.addAfter('t', 'a', 100);
    q.addAfter('t', 'a', 5000);
    vi.advanceTimersByTime(100);
    expect(drain(q).map((i) => i.key)).toEqual(['a']);
    vi.advanceTimersByTime(10_000);
    expect(drain(q)).toEqual([]);
  });

  it('wakes a waiting worker and releases waiters on shutdown', async () => {
    const q = new FairQueue();
    const p = q.get();
    q.add('t', 'x');
    await expect(p).resolves.toEqual({ tenant: 't', key: 'x' });
    const p2 = q.get();
    q.shutdown();
    await expect(p2).resolves.toBeUndefined();
    q.add('t', 'y');
    expect(q.tryGet()).toBeUndefined();
  });

  it('forgets a removed tenant', () => {
    const q = new FairQueue();
    q.add('a', '1');
    q.add('b', '1');
    q.removeTenant('a');
    expect(drain(q)).toEqual([{ tenant: 'b', key: '1' }]);
  });

  it('serves the most urgent lane of any tenant first, round robin within it', () => {
    const q = new FairQueue();
    q.add('a', 'a-status');
    q.add('a', 'a-event', PRIORITY.low);
    q.add('b', 'b-status');
    q.add('a', 'a-new', PRIORITY.urgent);
    q.add('b', 'b-new', PRIORITY.urgent);
    expect(drain(q).map((i) => i.key)).toEqual(['a-new', 'b-new', 'a-status', 'b-status', 'a-event']);
  });

  it('loses no key and hands none out twice under random adds, takes, dones and tenant removals', () => {
    // A small LCG: the same sequence on every run.
    let seed = 12345;
    const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    const lanes = [PRIORITY.urgent, PRIORITY.normal, PRIORITY.low];
    for (let round = 0; round < 20; round++) {
      const q = new FairQueue({ laneLimits: round % 2 ? [2, 3, 1] : undefined });
      const wanted = new Map<string, Set<string>>(); // tenant → keys added and not yet handed out after their last add
      const held: QueueItem[] = [];
      const busy = new Set<string>();
      for (let step = 0; step < 400; step++) {
        const op = rnd(10);
        const tenant = `t${rnd(4)}`;
        if (op < 5) {
          const key = `k${rnd(12)}`;
          q.add(tenant, key, lanes[rnd(3)]);
          if (!wanted.has(tenant)) wanted.set(tenant, new Set());
          wanted.get(tenant)!.add(key);
        } else if (op < 8) {
          const it = q.tryGet();
          if (it) {
            const id = `${it.tenant}/${it.key}`;
            expect(busy.has(id)).toBe(false);
            busy.add(id);
            held.push(it);
            wanted.get(it.tenant)?.delete(it.key);
          }
        } else if (op < 9 && held.length > 0) {
          const it = held.splice(rnd(held.length), 1)[0]!;
          busy.delete(`${it.tenant}/${it.key}`);
          q.done(it);
        } else if (op === 9 && rnd(8) === 0) {
          q.removeTenant(tenant);
          wanted.delete(tenant);
          // Its keys in flight are gone with it (done on them is a no-op).
          for (const it of held.filter((h) => h.tenant === tenant)) {
            held.splice(held.indexOf(it), 1);
            busy.delete(`${tenant}/${it.key}`);
          }
        }
      }
      for (const it of held.splice(0)) q.done(it);
      // Everything still wanted comes out exactly once, whatever lane it ended in.
      const out = drain(q).map((i) => `${i.tenant}/${i.key}`);
      expect(new Set(out).size).toBe(out.length);
      const expected = [...wanted].flatMap(([t, keys]) => [...keys].map((k) => `${t}/${k}`));
      expect(out.sort()).toEqual(expected.sort());
    }
  });

  it('moves a key up when it is added again more urgently, and never hands it out twice', () => {
    const q = new FairQueue();
    q.add('t', 'x', PRIORITY.low);
    q.add('t', 'y');
    q.add('t', 'x', PRIORITY.urgent);
    q.add('t', 'y', PRIORITY.low);
    expect(q.depth('t')).toBe(2);
    expect(drain(q).map((i) => i.key)).toEqual(['x', 'y']);
  });

  it('re-queues a key added while processing in the lane it was added with', () => {
    const q = new FairQueue();
    q.add('t', 'x');
    q.add('t', 'y');
    const first = q.tryGet()!;
    q.add('t', 'x', PRIORITY.urgent);
    q.done(first);
    expect(drain(q).map((i) => i.key)).toEqual(['x', 'y']);
  });

  it('caps the keys of a lane in flight, and hands more out as they finish', () => {
    const q = new FairQueue({ laneLimits: [Infinity, 2, 1] });
    for (const k of ['n1', 'n2', 'n3']) q.add('t', k);
    for (const k of ['e1', 'e2']) q.add('t', k, PRIORITY.low);
    const a = q.tryGet()!;
    const b = q.tryGet()!;
    const c = q.tryGet()!;
    expect([a.key, b.key, c.key]).toEqual(['n1', 'n2', 'e1']);
    // Both capped lanes are full: only an urgent key gets through.
    expect(q.tryGet()).toBeUndefined();
    q.add('t', 'u', PRIORITY.urgent);
    expect(q.tryGet()!.key).toBe('u');
    q.done(a);
    expect(q.tryGet()!.key).toBe('n3');
    q.done(c);
    expect(q.tryGet()!.key).toBe('e2');
  });

  it('wakes a waiting worker when a capped lane frees up', async () => {
    const q = new FairQueue({ laneLimits: [Infinity, 1, 1] });
    q.add('t', 'x');
    q.add('t', 'y');
    const first = q.tryGet()!;
    const waiting = q.get();
    q.done(first);
    await expect(waiting).resolves.toEqual({ tenant: 't', key: 'y' });
  });
});
