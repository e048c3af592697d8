// The informer against a real in-process API server: the first list fills the
// cache, watch events keep it current in order, an expired resourceVersion
// (compacted history) re-lists and reports what changed, relist() reports
// drift, and stop() ends it.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../../tenant-apiserver/apiserver.js';
import { eventually } from '../../test/harness.js';
import { createKubeClient, type KubeClient } from '../client.js';
import { loadClusterAccess } from '../kubeconfig.js';
import { CORE, type KubeObject } from '../types.js';
import { Informer, decodedObjects, type InformerEventType } from './informer.js';

const CM = CORE('configmaps', 'ConfigMap');
const log = pino({ level: 'silent' });

let api: ApiServer;
let client: KubeClient;

const cm = (name: string, labels: Record<string, string> = {}, data: Record<string, string> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels }, data });

beforeAll(async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantry-informer-'));
  // A short history, compacted every second: a watch resumed from an old version gets 410.
  api = await startApiServer({ dataDir, port: 0, log, authorizationMode: 'AlwaysAllow', historyRevisions: 5, compactionIntervalSeconds: 1 });
  client = await createKubeClient('t', await loadClusterAccess(api.kubeconfigPath));
}, 60_000);

afterAll(async () => {
  client?.close();
  await api?.close();
});

function record(inf: Informer): [InformerEventType, string, string][] {
  const seen: [InformerEventType, string, string][] = [];
  inf.on((type, o) => seen.push([type, o.metadata?.name ?? '', (o.data as Record<string, string> | undefined)?.v ?? '']));
  return seen;
}

describe('Informer', () => {
  it('stops promptly when stopped while its first list is still in flight (no watch opens after)', async () => {
    const inf = new Informer(client, CM, { log });
    const started = inf.start();
    // The list request is on its way; stop before it returns.
    const t0 = Date.now();
    await Promise.race([inf.stop(), new Promise((_, reject) => setTimeout(() => reject(new Error('stop() hung')), 5000))]);
    expect(Date.now() - t0).toBeLessThan(5000);
    await started;
  });

  it('keeps what it caches decoded for a while, then holds it as JSON text that reads back the same', async () => {
    await client.create(CM, 'default', cm('encoded-1', { app: 'enc' }, { v: '1' }));
    await client.create(CM, 'default', cm('encoded-2', { app: 'enc' }, { v: '2' }));
    const inf = new Informer(client, CM, { log, labelSelector: 'app=enc', encodeAfterMs: 200, decoded: decodedObjects(1) });
    await inf.start();
    expect(inf.decodedCount).toBe(2);
    const first = inf.get('default', 'encoded-1');
    await eventually(() => expect(inf.decodedCount).toBe(0), 5000);
    // Read back from the text (the one-entry decoded cache holds at most one of them).
    expect(inf.get('default', 'encoded-2')?.data).toEqual({ v: '2' });
    expect(inf.get('default', 'encoded-1')).toEqual(first);
    // A newer version replaces the text at once and is the one read, decoded again until due.
    await client.update(CM, 'default', { ...structuredClone(first!), data: { v: '1b' } });
    await eventually(() => expect(inf.get('default', 'encoded-1')?.data).toEqual({ v: '1b' }));
    expect(inf.decodedCount).toBe(1);
    await eventually(() => expect(inf.decodedCount).toBe(0), 5000);
    expect(inf.get('default', 'encoded-1')?.data).toEqual({ v: '1b' });
    await inf.stop();
  });

  it('lists, then keeps the cache current from the watch, in order', async () => {
    await client.create(CM, 'default', cm('before', { app: 'a' }, { v: '0' }));
    const inf = new Informer(client, CM, { log, labelSelector: 'app=a' });
    const seen = record(inf);
    await inf.start();
    expect(inf.get('default', 'before')?.data).toEqual({ v: '0' });
    expect(inf.lists).toBe(1);

    await client.create(CM, 'default', cm('after', { app: 'a' }, { v: '1' }));
    await client.create(CM, 'default', cm('other', { app: 'b' }));
    const got = await client.get(CM, 'default', 'after');
    await client.update(CM, 'default', { ...got!, data: { v: '2' } });
    await client.delete(CM, 'default', 'before');
    await eventually(() => expect(seen.map((s) => s.join(':'))).toEqual(['add:before:0', 'add:after:1', 'update:after:2', 'delete:before:0']));
    expect(inf.list('default').map((o) => o.metadata?.name)).toEqual(['after']);
    expect(inf.list('kube-system')).toEqual([]);
    // Cached objects carry no managedFields (the syncer never reads them).
    expect(inf.get('default', 'after')?.metadata?.managedFields).toBeUndefined();
    await inf.stop();
    await client.delete(CM, 'default', 'after');
  });

  it('re-lists when its version has been compacted away, reporting what it missed', async () => {
    await client.create(CM, 'default', cm('keep', { app: 'c' }));
    await client.create(CM, 'default', cm('gone', { app: 'c' }));
    const inf = new Informer(client, CM, { log, labelSelector: 'app=c', watchTimeoutSeconds: 1 });
    const seen = record(inf);
    await inf.start();
    // Stop the watch from seeing the delete: resume only after the history moved on.
    // (The watch ends every second; objects it does not select move the revision past the window.)
    await client.delete(CM, 'default', 'gone');
    for (let i = 0; i < 20; i++) await client.create(CM, 'default', cm(`noise-${i}`, { app: 'noise' }));
    await eventually(() => expect(inf.get('default', 'gone')).toBeUndefined(), 15_000);
    // Whether the delete came through the watch or a re-list, it was reported once; and the
    // compacted history made at least one re-list happen, the cache staying right.
    await eventually(() => expect(inf.lists).toBeGreaterThan(1), 15_000);
    expect(seen.filter(([t, n]) => t === 'delete' && n === 'gone')).toHaveLength(1);
    expect(inf.list('default').map((o) => o.metadata?.name)).toEqual(['keep']);
    await client.create(CM, 'default', cm('later', { app: 'c' }));
    await eventually(() => expect(inf.get('default', 'later')).toBeDefined(), 15_000);
    await inf.stop();
  });

  it('relist() rebuilds the cache from a fresh list and reports the differences', async () => {
    const inf = new Informer(client, CM, { log, labelSelector: 'app=d' });
    await inf.start();
    await client.create(CM, 'default', cm('d1', { app: 'd' }));
    await eventually(() => expect(inf.get('default', 'd1')).toBeDefined());
    const seen = record(inf);
    await inf.relist();
    expect(inf.relists).toBe(1);
    expect(inf.lists).toBe(2);
    // Nothing changed: no events.
    expect(seen).toEqual([]);
    expect(inf.get('default', 'd1')).toBeDefined();
    await inf.stop();
    // Stopped: events are no longer seen.
    await client.create(CM, 'default', cm('d2', { app: 'd' }));
    await new Promise((r) => setTimeout(r, 300));
    expect(inf.get('default', 'd2')).toBeUndefined();
  });

  it('keeps retrying a failing list and is not ready until one succeeds', async () => {
    const missing = { ...CM, group: 'nope.example.com', version: 'v1', plural: 'things', kind: 'Thing' };
    const inf = new Informer(client, missing, { log, minBackoffMs: 20, maxBackoffMs: 40 });
    let ready = false;
    void inf.start().then(() => (ready = true));
    await new Promise((r) => setTimeout(r, 300));
    expect(ready).toBe(false);
    await inf.stop();
  });
});
