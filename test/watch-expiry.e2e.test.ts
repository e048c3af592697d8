// The bounded watch window: once history is compacted, a watch from an older
// resourceVersion gets HTTP 200 and an ERROR event carrying a 410 Expired
// Status, an exact read at that version is 410, and a client-node informer
// that falls behind recovers by re-listing.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import https from 'node:https';
import * as k8s from '@kubernetes/client-node';
import { client, eventually, startServer, tempDir, type ServerProcess } from './harness.js';

const ARGS = ['--history-revisions', '5', '--compaction-interval', '1'];
let s: ServerProcess;
let dataDir: string;

beforeAll(async () => {
  dataDir = tempDir('expiry');
  s = await startServer({ dataDir, args: ARGS });
});
afterAll(async () => {
  await s?.stop();
});

function rawWatch(c: ReturnType<typeof client>, path: string): Promise<{ code: number; lines: string[] }> {
  return new Promise((resolve, reject) => {
    const req = https.request(c.base + path, { agent: c.agent }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, lines: body.trim().split('\n') }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('watch history window', () => {
  it('answers 200 with an ERROR 410 Expired event for a compacted resourceVersion', async () => {
    const c = client(s.kubeconfig);
    const first = await c.request('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'first' } });
    const firstRv = JSON.parse(first.body).metadata.resourceVersion as string;
    for (let i = 0; i < 20; i++) await c.request('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: `cm-${i}` } });
    await new Promise((r) => setTimeout(r, 1500));
    const w = await rawWatch(c, `/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${firstRv}`);
    expect(w.code).toBe(200);
    expect(w.lines).toHaveLength(1);
    const ev = JSON.parse(w.lines[0]!);
    expect(ev.type).toBe('ERROR');
    expect(ev.object).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Expired', code: 410 });
    expect(ev.object.message).toMatch(/too old resource version/);
    const exact = await c.request('GET', `/api/v1/namespaces/default/configmaps?resourceVersion=${firstRv}&resourceVersionMatch=Exact`);
    expect(exact.code).toBe(410);
    // A recent revision still resumes.
    const recent = await c.request('GET', '/api/v1/namespaces/default/configmaps');
    const rv = JSON.parse(recent.body).metadata.resourceVersion;
    const ok = await rawWatch(c, `/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${rv}&timeoutSeconds=1`);
    expect(ok.code).toBe(200);
    c.agent.destroy();
  });

  it('a client-node informer that falls behind re-lists after 410 and converges', async () => {
    const c = client(s.kubeconfig);
    await c.request('POST', '/api/v1/namespaces', { metadata: { name: 'inf' } });
    await c.request('POST', '/api/v1/namespaces/inf/configmaps', { metadata: { name: 'a' } });
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(s.kubeconfig);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const informer = k8s.makeInformer(kc, '/api/v1/namespaces/inf/configmaps', () => core.listNamespacedConfigMap({ namespace: 'inf' }));
    const added: string[] = [];
    const deleted: string[] = [];
    let stopped = false;
    informer.on('add', (o) => added.push(o.metadata!.name!));
    informer.on('delete', (o) => deleted.push(o.metadata!.name!));
    // The documented client-node pattern: restart after connection errors.
    informer.on('error', () => {
      if (!stopped) setTimeout(() => void informer.start().catch(() => {}), 300);
    });
    await informer.start();
    await eventually(() => expect(added).toContain('a'));
    const port = new URL(s.url).host;
    // Shut the server down, then move history far past the informer's resourceVersion while it is away.
    await s.stop();
    c.agent.destroy();
    s = await startServer({ dataDir, args: ARGS, listen: port });
    const c2 = client(s.kubeconfig);
    await c2.request('DELETE', '/api/v1/namespaces/inf/configmaps/a');
    for (let i = 0; i < 20; i++) await c2.request('POST', '/api/v1/namespaces/default/secrets', { metadata: { name: `s-${i}` } });
    await c2.request('POST', '/api/v1/namespaces/inf/configmaps', { metadata: { name: 'b' } });
    // The informer's watch resumes from a compacted revision, gets 410, re-lists and sees the world as it is.
    await eventually(() => {
      // kube-root-ca.crt is the service-account controller's; the rest is ours.
      const names = informer.list().map((o) => o.metadata!.name).filter((n) => n !== 'kube-root-ca.crt').sort();
      expect(names).toEqual(['b']);
    }, 20_000);
    expect(deleted).toContain('a');
    stopped = true;
    await informer.stop();
    c2.agent.destroy();
  });
});
