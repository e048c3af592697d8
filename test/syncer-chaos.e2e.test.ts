// Chaos for the syncer, as real processes (`tenantry super`, three
// `tenantry apiserver` tenants, `tenantry syncer`): the syncer is SIGKILLed in
// the middle of a burst of 500 pod creations across the tenants and restarted;
// the super cluster must end with exactly those 500 pods — no duplicates, no
// orphans — all Running in their tenants. Then objects changed or deleted out of
// band in the super cluster come back within one patrol period, and no synced
// super object carries an owner reference into a tenant.
// (test/syncer.e2e.test.ts covers out-of-band deletes of a config map and a pod,
// and orphan removal; this file does not repeat those.)

import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, client, eventually, startServer, tempDir, type ServerProcess } from './harness.js';

const TENANTS = ['red', 'green', 'blue'];
const PODS = 500;
const PATROL_MS = 3000;

interface Proc {
  proc: ChildProcess;
  out: () => string;
  exited: Promise<number | null>;
}

function spawnCli(args: string[]): Proc {
  const proc = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TENANTRY_LOG_LEVEL: process.env.TENANTRY_LOG_LEVEL ?? 'warn' } });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return { proc, out: () => out, exited };
}

type Api = ReturnType<typeof client>;
let superProc: Proc;
let superKubeconfig = '';
let superApi: Api;
const tenants = new Map<string, { server: ServerProcess; api: Api }>();
let syncer: Proc | undefined;

function startSyncer(): Proc {
  return spawnCli([
    'syncer',
    '--super-kubeconfig',
    superKubeconfig,
    ...TENANTS.flatMap((t) => ['--tenant', `${t}=${tenants.get(t)!.server.kubeconfig}`]),
    '--patrol-interval',
    `${PATROL_MS / 1000}s`,
    '--workers',
    '16',
  ]);
}

async function call(api: Api, method: string, p: string, body?: unknown): Promise<any> {
  const r = await api.request(method, p, body);
  if (r.code === 404 && method === 'GET') return undefined;
  if (r.code < 200 || r.code >= 300) throw new Error(`${method} ${p}: ${r.code} ${r.body}`);
  return r.body ? JSON.parse(r.body) : undefined;
}

const ANN = (k: string) => `tenantry.io/${k}`;

beforeAll(async () => {
  const dataDir = tempDir('chaos-super');
  superProc = spawnCli(['super', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--nodes', '4', '--pod-start-delay-ms', '50', '--node-capacity', 'cpu=64,memory=256Gi,pods=250']);
  const servers = await Promise.all([
    ...TENANTS.map((t) => startServer({ dataDir: tempDir(`chaos-${t}`) })),
    eventually(() => expect(superProc.out()).toMatch(/Local super cluster ready at/), 30_000, 50).then(() => undefined),
  ]);
  TENANTS.forEach((t, i) => tenants.set(t, { server: servers[i]!, api: client(servers[i]!.kubeconfig) }));
  superKubeconfig = path.join(dataDir, 'admin.kubeconfig');
  superApi = client(superKubeconfig);
  for (const t of TENANTS) await call(tenants.get(t)!.api, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'load' } });
}, 90_000);

afterAll(async () => {
  if (syncer && syncer.proc.exitCode === null && syncer.proc.signalCode === null) {
    syncer.proc.kill('SIGTERM');
    await Promise.race([syncer.exited, new Promise((r) => setTimeout(r, 5000))]);
  }
  await Promise.all([...tenants.values()].map((t) => t.server.stop()));
  if (superProc && superProc.proc.exitCode === null) {
    superProc.proc.kill('SIGTERM');
    await superProc.exited;
  }
});

/** Run `jobs` with at most `n` in flight. */
async function pool<T>(items: T[], n: number, job: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await job(items[next++]!);
    }),
  );
}

describe('syncer chaos', () => {
  it(`SIGKILL during a burst of ${PODS} pods across ${TENANTS.length} tenants, then restart: exactly those pods, all Running, no orphans`, async () => {
    syncer = startSyncer();
    await eventually(() => expect(syncer!.out()).toMatch(/Syncer running: 3 tenant\(s\) synced/), 30_000, 50);

    const work = Array.from({ length: PODS }, (_, i) => ({ tenant: TENANTS[i % TENANTS.length]!, name: `p-${String(i).padStart(3, '0')}` }));
    const t0 = Date.now();
    const made = new Map<string, string>(); // tenant/name → tenant uid
    let killed = false;
    let restarted = false;
    await pool(work, 24, async ({ tenant, name }) => {
      const pod = await call(tenants.get(tenant)!.api, 'POST', '/api/v1/namespaces/load/pods', {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, labels: { app: 'load' } },
        spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'app', image: 'nginx' }] },
      });
      made.set(`${tenant}/${name}`, pod.metadata.uid);
      if (!killed && made.size >= PODS * 0.3) {
        killed = true;
        syncer!.proc.kill('SIGKILL');
      }
      if (killed && !restarted && made.size >= PODS * 0.6) {
        restarted = true;
        await syncer!.exited;
        syncer = startSyncer();
      }
    });
    expect(killed && restarted).toBe(true);
    expect(made.size).toBe(PODS);
    const burstDone = Date.now();

    // The super cluster converges to exactly the tenants' pods: one copy each, matching marks.
    await eventually(
      async () => {
        const list = await call(superApi, 'GET', '/api/v1/pods?labelSelector=tenantry.io%2Ftenant');
        const seen = new Map<string, number>();
        for (const p of list.items) {
          const a = p.metadata.annotations ?? {};
          const key = `${p.metadata.labels[ANN('tenant')]}/${a[ANN('object-name')]}`;
          seen.set(key, (seen.get(key) ?? 0) + 1);
          expect(made.get(key), `super pod ${p.metadata.namespace}/${p.metadata.name} is no tenant pod's`).toBe(a[ANN('object-uid')]);
          expect(p.metadata.labels[ANN('tenant-namespace')]).toBe('load');
        }
        expect([...seen.values()].every((n) => n === 1)).toBe(true);
        expect(seen.size).toBe(PODS);
        expect(list.items).toHaveLength(PODS);
      },
      60_000,
      500,
    );
    const superDone = Date.now();
    // Every tenant pod is Running, with the IP of its super copy's node range.
    await eventually(
      async () => {
        let running = 0;
        for (const t of TENANTS) {
          const list = await call(tenants.get(t)!.api, 'GET', '/api/v1/namespaces/load/pods');
          expect(list.items.length).toBe(work.filter((w) => w.tenant === t).length);
          running += list.items.filter((p: any) => p.status?.phase === 'Running' && p.status?.podIP).length;
        }
        expect(running).toBe(PODS);
      },
      60_000,
      500,
    );
    console.info(`chaos: burst of ${PODS} creates ${burstDone - t0} ms; super converged +${superDone - burstDone} ms; all Running in tenants +${Date.now() - superDone} ms`);
    // One super namespace per tenant namespace, none twice, none for a namespace the tenant does not have.
    const nss = await call(superApi, 'GET', '/api/v1/namespaces?labelSelector=tenantry.io%2Ftenant');
    for (const t of TENANTS) {
      const mine = nss.items.filter((n: any) => n.metadata.labels[ANN('tenant')] === t).map((n: any) => n.metadata.labels[ANN('tenant-namespace')] as string);
      const theirs = new Set((await call(tenants.get(t)!.api, 'GET', '/api/v1/namespaces')).items.map((n: any) => n.metadata.name as string));
      expect(mine).toContain('load');
      expect(new Set(mine).size).toBe(mine.length);
      for (const ns of mine) expect(theirs.has(ns)).toBe(true);
    }
  }, 180_000);

  it('restores what is changed or deleted out of band in the super cluster within one patrol period', async () => {
    const api = tenants.get('red')!.api;
    await call(api, 'POST', '/api/v1/namespaces/load/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', labels: { team: 'a' } }, data: { mode: 'safe' } });
    await call(api, 'POST', '/api/v1/namespaces/load/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'load' }, ports: [{ port: 80, targetPort: 8080 }] } });
    await call(api, 'POST', '/api/v1/namespaces/load/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds' }, stringData: { pw: 'x' } });
    const superNs = (await call(superApi, 'GET', '/api/v1/namespaces?labelSelector=tenantry.io%2Ftenant%3Dred%2Ctenantry.io%2Ftenant-namespace%3Dload')).items[0].metadata.name as string;
    const get = (kind: string, name: string) => call(superApi, 'GET', `/api/v1/namespaces/${superNs}/${kind}/${name}`);
    await eventually(async () => {
      for (const [k, n] of [['configmaps', 'settings'], ['services', 'web'], ['secrets', 'creds']]) expect(await get(k!, n!)).toBeDefined();
    }, 20_000, 100);

    // Out of band: data and a synced label changed, a service's selector and ports changed, a secret deleted, a pod relabelled.
    const cm = await get('configmaps', 'settings');
    await call(superApi, 'PUT', `/api/v1/namespaces/${superNs}/configmaps/settings`, { ...cm, data: { mode: 'unsafe' }, metadata: { ...cm.metadata, labels: { ...cm.metadata.labels, team: 'mallory' } } });
    const svc = await get('services', 'web');
    await call(superApi, 'PUT', `/api/v1/namespaces/${superNs}/services/web`, { ...svc, spec: { ...svc.spec, selector: { app: 'other' }, ports: [{ ...svc.spec.ports[0], targetPort: 9999 }] } });
    const secretUid = (await get('secrets', 'creds')).metadata.uid;
    await call(superApi, 'DELETE', `/api/v1/namespaces/${superNs}/secrets/creds`);
    const pod = await get('pods', 'p-000');
    await call(superApi, 'PUT', `/api/v1/namespaces/${superNs}/pods/p-000`, { ...pod, metadata: { ...pod.metadata, labels: { ...pod.metadata.labels, app: 'hijacked' } } });
    const changedAt = Date.now();

    await eventually(
      async () => {
        const c = await get('configmaps', 'settings');
        expect(c.data).toEqual({ mode: 'safe' });
        expect(c.metadata.labels.team).toBe('a');
        const s = await get('services', 'web');
        expect(s.spec.selector).toEqual({ app: 'load' });
        expect(s.spec.ports[0].targetPort).toBe(8080);
        const sec = await get('secrets', 'creds');
        expect(sec?.metadata.uid).toBeDefined();
        expect(sec.metadata.uid).not.toBe(secretUid);
        expect(Buffer.from(sec.data.pw, 'base64').toString()).toBe('x');
        expect((await get('pods', 'p-000')).metadata.labels.app).toBe('load');
      },
      PATROL_MS + 5000,
      100,
    );
    // Within one patrol period (plus the time a busy machine needs to act on it).
    expect(Date.now() - changedAt).toBeLessThan(PATROL_MS + 5000);
  });

  it('super objects carry no owner references into a tenant: a Deployment\'s pods are copied without them', async () => {
    const api = tenants.get('green')!.api;
    await call(api, 'POST', '/apis/apps/v1/namespaces/load/deployments', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } } },
    });
    const tenantPods = await eventually(async () => {
      const l = await call(api, 'GET', '/api/v1/namespaces/load/pods?labelSelector=app%3Dweb');
      expect(l.items).toHaveLength(2);
      // In the tenant they are owned by their ReplicaSet.
      for (const p of l.items) expect(p.metadata.ownerReferences?.[0]?.kind).toBe('ReplicaSet');
      return l.items as any[];
    }, 20_000, 100);
    await eventually(async () => {
      const l = await call(superApi, 'GET', '/api/v1/pods?labelSelector=tenantry.io%2Ftenant%3Dgreen%2Capp%3Dweb');
      expect(l.items.map((p: any) => p.metadata.name).sort()).toEqual(tenantPods.map((p) => p.metadata.name).sort());
      for (const p of l.items) expect(p.metadata.ownerReferences ?? []).toEqual([]);
    }, 20_000, 100);

    // And across everything synced for every tenant: no owner reference names a tenant object's UID.
    const tenantUids = new Set<string>();
    const kinds = ['namespaces', 'pods', 'services', 'configmaps', 'secrets', 'serviceaccounts', 'endpoints', 'persistentvolumeclaims'];
    for (const t of TENANTS) {
      for (const k of kinds) for (const o of (await call(tenants.get(t)!.api, 'GET', `/api/v1/${k}`)).items) tenantUids.add(o.metadata.uid);
      for (const o of (await call(tenants.get(t)!.api, 'GET', '/apis/apps/v1/replicasets')).items) tenantUids.add(o.metadata.uid);
    }
    let checked = 0;
    for (const k of kinds) {
      for (const o of (await call(superApi, 'GET', `/api/v1/${k}?labelSelector=tenantry.io%2Ftenant`)).items) {
        checked++;
        for (const ref of o.metadata.ownerReferences ?? []) expect(tenantUids.has(ref.uid), `${k} ${o.metadata.namespace}/${o.metadata.name} → ${ref.kind} ${ref.name}`).toBe(false);
      }
    }
    expect(checked).toBeGreaterThan(PODS);
  });
});
