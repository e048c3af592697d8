import { describe, expect, it } from 'vitest';
import { StartPool } from './kubelet.js';

describe('StartPool', () => {
  it('keeps within the overall and per-key limits, and runs everything queued', async () => {
    const pool = new StartPool(3, 2);
    let overall = 0;
    let maxOverall = 0;
    const perKey = new Map<string, number>();
    let maxPerKey = 0;
    const done: string[] = [];
    const task = (key: string, id: string) => async () => {
      overall++;
      perKey.set(key, (perKey.get(key) ?? 0) + 1);
      maxOverall = Math.max(maxOverall, overall);
      maxPerKey = Math.max(maxPerKey, perKey.get(key)!);
      await new Promise((r) => setTimeout(r, 5));
      overall--;
      perKey.set(key, perKey.get(key)! - 1);
      done.push(id);
      return id;
    };
    const jobs = [];
    for (let i = 0; i < 6; i++) jobs.push(pool.run('a', task('a', `a${i}`)));
    for (let i = 0; i < 3; i++) jobs.push(pool.run('b', task('b', `b${i}`)));
    const results = await Promise.all(jobs);
    expect(results).toEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'b0', 'b1', 'b2']);
    expect(done).toHaveLength(9);
    expect(maxOverall).toBe(3);
    expect(maxPerKey).toBe(2);
  });

  it('frees the slot when a task fails', async () => {
    const pool = new StartPool(1, 1);
    await expect(pool.run('a', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(pool.run('a', async () => 'next')).resolves.toBe('next');
  });

  it('lets another key through while one key is at its limit', async () => {
    const pool = new StartPool(4, 1);
    let release!: () => void;
    const blocker = pool.run('a', () => new Promise<void>((r) => (release = r)));
    const queuedA = pool.run('a', async () => 'a2');
    const b = await pool.run('b', async () => 'b');
    expect(b).toBe('b');
    release();
    await blocker;
    await expect(queuedA).resolves.toBe('a2');
  });
});
