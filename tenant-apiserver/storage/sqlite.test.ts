import { describe, expect, it, beforeEach, afterEach } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteStore } from './sqlite.js';
import { checkpointThreadRunning } from './checkpointer.js';
import { CompactedError, KeyExistsError, KeyNotFoundError, RevisionMismatchError, type WatchEvent } from './types.js';

let dir: string;
let store: SqliteStore;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantry-store-'));
  store = new SqliteStore(path.join(dir, 'db.sqlite'), { watchRing: 8 });
});
afterEach(async () => {
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('SqliteStore', () => {
  it('assigns one global revision per write and enforces create/update/delete preconditions', async () => {
    const a = await store.write({ type: 'create', key: '/p/a', value: '1' });
    const b = await store.write({ type: 'create', key: '/p/b', value: '2' });
    expect([a.revision, b.revision]).toEqual([1, 2]);
    await expect(store.write({ type: 'create', key: '/p/a', value: 'x' })).rejects.toBeInstanceOf(KeyExistsError);
    await expect(store.write({ type: 'update', key: '/p/a', value: 'x', expectedModRevision: 99 })).rejects.toBeInstanceOf(RevisionMismatchError);
    await expect(store.write({ type: 'update', key: '/p/zz', value: 'x' })).rejects.toBeInstanceOf(KeyNotFoundError);
    const u = await store.write({ type: 'update', key: '/p/a', value: '3', expectedModRevision: 1 });
    expect(u.kv).toMatchObject({ modRevision: 3, createRevision: 1, version: 2, value: '3' });
    const d = await store.write({ type: 'delete', key: '/p/b', expectedModRevision: 2 });
    expect(d.kv).toMatchObject({ modRevision: 4, value: '2' });
    expect(await store.get('/p/b')).toBeUndefined();
    expect(store.currentRevision()).toBe(4);
  });

  it('commits concurrent writes as one batch, each with its own outcome', async () => {
    const results = await Promise.allSettled([
      store.write({ type: 'create', key: '/k/1', value: 'a' }),
      store.write({ type: 'create', key: '/k/1', value: 'b' }),
      store.write({ type: 'create', key: '/k/2', value: 'c' }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((await store.get('/k/1'))?.value).toBe('a');
    expect(store.currentRevision()).toBe(2);
  });

  it('ranges by prefix with limit, pagination and reads at an older revision', async () => {
    for (const n of ['a', 'b', 'c', 'd']) await store.write({ type: 'create', key: `/r/ns/${n}`, value: n });
    await store.write({ type: 'create', key: '/r/nt/x', value: 'x' });
    await store.write({ type: 'create', key: '/rx/other', value: 'o' });
    const page1 = await store.range('/r/ns/', { limit: 2 });
    expect(page1.kvs.map((k) => k.value)).toEqual(['a', 'b']);
    expect(page1.more).toBe(true);
    const page2 = await store.range('/r/ns/', { limit: 2, after: page1.kvs[1]!.key, revision: page1.revision });
    expect(page2.kvs.map((k) => k.value)).toEqual(['c', 'd']);
    expect(page2.more).toBe(false);
    const rev = store.currentRevision();
    await store.write({ type: 'delete', key: '/r/ns/a' });
    await store.write({ type: 'update', key: '/r/ns/b', value: 'B' });
    expect((await store.range('/r/')).kvs.map((k) => k.value)).toEqual(['B', 'c', 'd', 'x']);
    expect((await store.range('/r/', { revision: rev })).kvs.map((k) => k.value)).toEqual(['a', 'b', 'c', 'd', 'x']);
    expect(await store.count('/r/')).toBe(4);
  });

  it('survives reopen with every object and the revision counter', async () => {
    await store.write({ type: 'create', key: '/a', value: '1' });
    await store.write({ type: 'delete', key: '/a' });
    await store.close();
    store = new SqliteStore(path.join(dir, 'db.sqlite'));
    expect(store.currentRevision()).toBe(2);
    const w = await store.write({ type: 'create', key: '/a', value: '2' });
    expect(w.revision).toBe(3);
    expect(w.kv.createRevision).toBe(3);
  });

  it('keeps the revision counter across reopen when compaction removed the latest write (a tombstone)', async () => {
    await store.write({ type: 'create', key: '/a', value: '1' });
    await store.write({ type: 'create', key: '/b', value: '1' });
    await store.write({ type: 'delete', key: '/b' });
    await store.compact(3);
    await store.close();
    store = new SqliteStore(path.join(dir, 'db.sqlite'));
    expect(store.currentRevision()).toBe(3);
    expect((await store.write({ type: 'create', key: '/c', value: '2' })).revision).toBe(4);
  });

  it('watches from the ring, from disk history beyond it, and refuses compacted revisions', async () => {
    for (let i = 0; i < 20; i++) await store.write({ type: 'create', key: `/w/${i}`, value: String(i) });
    await store.write({ type: 'delete', key: '/w/0' });
    const seen: WatchEvent[] = [];
    // Revision 2 is older than the 8-event ring: served from the log.
    const h = store.watch('/w/', { afterRevision: 2, onEvents: (e) => seen.push(...e) });
    expect(seen.map((e) => e.kv.modRevision)).toEqual(Array.from({ length: 19 }, (_, i) => i + 3));
    expect(seen.at(-1)).toMatchObject({ type: 'DELETE', kv: { key: '/w/0', value: '0' } });
    await store.write({ type: 'create', key: '/w/new', value: 'n' });
    await store.write({ type: 'create', key: '/other', value: 'n' });
    expect(seen.at(-1)?.kv.key).toBe('/w/new');
    h.cancel();
    await store.compact(10);
    expect(() => store.watch('/w/', { afterRevision: 5, onEvents: () => {} })).toThrow(CompactedError);
    await expect(store.range('/w/', { revision: 9 })).rejects.toBeInstanceOf(CompactedError);
    // Live data is untouched by compaction.
    expect((await store.range('/w/')).kvs).toHaveLength(20);
    const fromRing: WatchEvent[] = [];
    store.watch('/w/', { afterRevision: store.currentRevision() - 2, onEvents: (e) => fromRing.push(...e) }).cancel();
    expect(fromRing).toHaveLength(1);
  });

  it('gives each watcher of a mixed batch only the events under its prefix', async () => {
    const got = new Map<string, string[][]>();
    for (const prefix of ['/a/', '/b/', '/', '/c/']) {
      got.set(prefix, []);
      store.watch(prefix, { afterRevision: 0, onEvents: (e) => got.get(prefix)!.push(e.map((x) => x.kv.key)) });
    }
    // Issued in one turn: one batch, one publish.
    await Promise.all([
      store.write({ type: 'create', key: '/a/1', value: '1' }),
      store.write({ type: 'create', key: '/b/1', value: '1' }),
      store.write({ type: 'create', key: '/a/2', value: '1' }),
    ]);
    expect(Object.fromEntries(got)).toEqual({ '/a/': [['/a/1', '/a/2']], '/b/': [['/b/1']], '/': [['/a/1', '/b/1', '/a/2']], '/c/': [] });
  });

  it('hides committed batches from readers and watchers until their fsync returns, and orders outcomes after them', async () => {
    await store.write({ type: 'create', key: '/t/a', value: 'a1' });
    await store.write({ type: 'create', key: '/t/c', value: 'c1' });
    // Read once first, so a cached copy of the old state exists and must not outlive the write.
    expect((await store.get('/t/a'))?.value).toBe('a1');
    expect((await store.get('/t/c'))?.value).toBe('c1');
    const seen: WatchEvent[] = [];
    store.watch('/t/', { afterRevision: 2, onEvents: (e) => seen.push(...e) });
    const writes = [
      store.write({ type: 'update', key: '/t/a', value: 'a2' }),
      store.write({ type: 'create', key: '/t/b', value: 'b1' }),
      store.write({ type: 'delete', key: '/t/c' }),
    ];
    // The batch commits in the first check phase; this runs right after it, before any fsync callback can.
    const during = await new Promise<{ values: string[]; limited: string[]; more: boolean; count: number; a?: string; b?: string; rev: number; events: number }>((resolve) =>
      setImmediate(async () =>
        resolve({
          values: (await store.range('/t/')).kvs.map((k) => k.value),
          limited: (await store.range('/t/', { limit: 1 })).kvs.map((k) => k.value),
          more: (await store.range('/t/', { limit: 1 })).more,
          count: await store.count('/t/'),
          a: (await store.get('/t/a'))?.value,
          b: (await store.get('/t/b'))?.value,
          rev: store.currentRevision(),
          events: seen.length,
        }),
      ),
    );
    expect(during).toEqual({ values: ['a1', 'c1'], limited: ['a1'], more: true, count: 2, a: 'a1', b: undefined, rev: 2, events: 0 });
    // A precondition is checked against the newest state, and its failure is reported once the winner is readable.
    const stale = store.write({ type: 'update', key: '/t/a', value: 'lost', expectedModRevision: 1 });
    await expect(stale).rejects.toBeInstanceOf(RevisionMismatchError);
    expect((await store.get('/t/a'))?.value).toBe('a2');
    await Promise.all(writes);
    expect((await store.get('/t/a'))?.value).toBe('a2');
    expect(await store.get('/t/c')).toBeUndefined();
    expect((await store.range('/t/')).kvs.map((k) => k.value)).toEqual(['a2', 'b1']);
    expect(await store.count('/t/')).toBe(2);
    expect(seen.map((e) => [e.type, e.kv.modRevision])).toEqual([['PUT', 3], ['PUT', 4], ['DELETE', 5]]);
  });

  it('answers writers committed before close', async () => {
    const w = store.write({ type: 'create', key: '/z', value: '1' });
    await new Promise((r) => setImmediate(r));
    await store.close();
    expect((await w).revision).toBe(1);
    store = new SqliteStore(path.join(dir, 'db.sqlite'));
    expect((await store.get('/z'))?.value).toBe('1');
  });

  it('reports each fsync with the writes it made durable', async () => {
    const syncs: number[] = [];
    const s2 = new SqliteStore(path.join(dir, 'other.sqlite'), { onCommit: (_s, ops) => syncs.push(ops) });
    await Promise.all(Array.from({ length: 5 }, (_, i) => s2.write({ type: 'create', key: `/n/${i}`, value: 'v' })));
    await s2.write({ type: 'create', key: '/n/last', value: 'v' });
    await s2.close();
    expect(syncs.reduce((a, b) => a + b, 0)).toBe(6);
    expect(syncs.length).toBeLessThanOrEqual(3);
  });

  it('checkpoints the WAL from a worker thread, so the log does not grow without bound', async () => {
    const value = 'v'.repeat(3000);
    for (let round = 0; round < 40; round++) {
      await Promise.all(Array.from({ length: 100 }, (_, i) => store.write({ type: 'create', key: `/big/${round}/${i}`, value })));
      // Give the worker's checkpoint a moment to run between rounds, as request handling would.
      if (round % 4 === 3) await new Promise((r) => setTimeout(r, 20));
    }
    // 4000 writes of 3 KB need a page each plus index pages: over 16 MB of WAL without checkpoints.
    expect(fs.statSync(path.join(dir, 'db.sqlite-wal')).size).toBeLessThan(8 * 1024 * 1024);
    expect(await store.count('/big/')).toBe(4000);
  });
  it('checkpoints every store of the process from one shared thread, which ends with the last store', async () => {
    const value = 'v'.repeat(3000);
    const stores = [1, 2, 3].map((n) => new SqliteStore(path.join(dir, `multi-${n}.sqlite`)));
    for (let round = 0; round < 24; round++) {
      for (const s of stores) await Promise.all(Array.from({ length: 100 }, (_, i) => s.write({ type: 'create', key: `/big/${round}/${i}`, value })));
      if (round % 4 === 3) await new Promise((r) => setTimeout(r, 20));
    }
    expect(checkpointThreadRunning()).toBe(true);
    for (const n of [1, 2, 3]) expect(fs.statSync(path.join(dir, `multi-${n}.sqlite-wal`)).size).toBeLessThan(6 * 1024 * 1024);
    await stores[0]!.close();
    expect(checkpointThreadRunning()).toBe(true);
    await stores[1]!.close();
    await stores[2]!.close();
    // The store of beforeEach may hold a connection in the thread too: it has written nothing, so it has none.
    expect(checkpointThreadRunning()).toBe(false);
    for (const n of [1, 2, 3]) {
      const again = new SqliteStore(path.join(dir, `multi-${n}.sqlite`));
      expect(await again.count('/big/')).toBe(2400);
      await again.close();
    }
  });
});
