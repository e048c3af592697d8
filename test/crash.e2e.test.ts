// Durability: kill -9 the server in the middle of a stream of writes, restart on
// the same data dir, and check every acknowledged write is there, revisions keep
// increasing, certificates are reused, and a watch resumes from the last seen
// resourceVersion without missing an event.

import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { client, startServer, tempDir, type ServerProcess } from './harness.js';

let server: ServerProcess | undefined;
afterAll(async () => {
  await server?.stop('SIGKILL');
});

describe('crash safety', () => {
  it('keeps every acknowledged write across kill -9 and resumes watches', async () => {
    const dataDir = tempDir('crash');
    server = await startServer({ dataDir });
    const c1 = client(server.kubeconfig);
    const acked = new Map<string, number>();
    let stop = false;
    let seq = 0;
    const writer = async () => {
      while (!stop) {
        const name = `cm-${seq++}`;
        try {
          const r = await c1.request('POST', '/api/v1/namespaces/default/configmaps', {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name },
            data: { v: name },
          });
          if (r.code === 201) acked.set(name, Number(JSON.parse(r.body).metadata.resourceVersion));
        } catch {
          return; // connection died with the server
        }
      }
    };
    const writers = Array.from({ length: 4 }, writer);
    await new Promise((r) => setTimeout(r, 1500));
    server.proc.kill('SIGKILL');
    stop = true;
    await Promise.all(writers);
    await new Promise((r) => server!.proc.once('exit', r));
    c1.agent.destroy();
    expect(acked.size).toBeGreaterThan(20);
    const maxAcked = Math.max(...acked.values());

    server = await startServer({ dataDir, listen: new URL(server.url).host });
    const c2 = client(server.kubeconfig);
    expect(c2.ca).toBe(c1.ca);
    const list = await c2.request('GET', '/api/v1/namespaces/default/configmaps');
    const items = JSON.parse(list.body).items as { metadata: { name: string; resourceVersion: string } }[];
    const present = new Map(items.map((i) => [i.metadata.name, Number(i.metadata.resourceVersion)]));
    for (const [name, rv] of acked) {
      expect(present.get(name), name).toBe(rv);
    }

    // A watch from the last acknowledged revision sees exactly what came after it.
    const events: { type: string; name: string; rv: number }[] = [];
    const watchReq = https.request(c2.base + `/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${maxAcked}`, { agent: c2.agent }, (res) => {
      let buf = '';
      res.on('data', (d) => {
        buf += d;
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          const ev = JSON.parse(line);
          events.push({ type: ev.type, name: ev.object.metadata.name, rv: Number(ev.object.metadata.resourceVersion) });
        }
      });
    });
    watchReq.end();
    const after = await c2.request('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after-restart' } });
    expect(after.code).toBe(201);
    const rvAfter = Number(JSON.parse(after.body).metadata.resourceVersion);
    expect(rvAfter).toBeGreaterThan(maxAcked);
    const deadline = Date.now() + 5000;
    while (!events.some((e) => e.name === 'after-restart') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    watchReq.destroy();
    // Events after maxAcked: any writes that committed but were not acknowledged before the kill, then ours.
    expect(events.at(-1)).toMatchObject({ type: 'ADDED', name: 'after-restart', rv: rvAfter });
    const rvs = events.map((e) => e.rv);
    expect(rvs.every((rv) => rv > maxAcked)).toBe(true);
    expect([...rvs].sort((a, b) => a - b)).toEqual(rvs);
    for (const e of events.slice(0, -1)) expect(present.has(e.name), e.name).toBe(true);
    c2.agent.destroy();
    fs.rmSync(path.join(dataDir, 'kubectl-cache-32'), { recursive: true, force: true });
  });
});
