// Two syncer replicas as real processes, electing a leader with a Lease in a
// local super cluster (`tenantry super`): only the leader writes; after the
// leader is SIGKILLed the standby takes over once the lease runs out and syncs
// what the tenant created in the gap; a SIGTERMed leader releases the lease
// and its standby takes over at once.
// The replicas are `tenantry syncer --leader-elect` processes.

import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, client, eventually, startServer, tempDir, type ServerProcess } from './harness.js';

const ROOT = path.resolve(path.dirname(CLI), '..');
const LEASE_MS = { leaseDurationMs: 4000, renewDeadlineMs: 3000, retryPeriodMs: 500 };
const LEASE = [`--leader-elect-lease-duration=${LEASE_MS.leaseDurationMs}ms`, `--leader-elect-renew-deadline=${LEASE_MS.renewDeadlineMs}ms`, `--leader-elect-retry-period=${LEASE_MS.retryPeriodMs}ms`];

interface Proc {
  proc: ChildProcess;
  out: () => string;
  exited: Promise<number | null>;
}

function spawnLogged(args: string[]): Proc {
  const proc = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TENANTRY_LOG_LEVEL: process.env.TENANTRY_LOG_LEVEL ?? 'info' } });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return { proc, out: () => out, exited };
}

let superProc: Proc;
let superKubeconfig = '';
let tenant: ServerProcess;
const replicas = new Map<string, Proc & { metrics: string }>();

async function startReplica(identity: string): Promise<Proc & { metrics: string }> {
  const p = spawnLogged([
    CLI,
    'syncer',
    '--super-kubeconfig',
    superKubeconfig,
    '--tenant',
    `acme=${tenant.kubeconfig}`,
    '--metrics-listen',
    '127.0.0.1:0',
    '--patrol-interval',
    '5s',
    '--workers',
    '4',
    '--leader-elect',
    `--leader-elect-identity=${identity}`,
    ...LEASE,
  ]);
  const m = await eventually(() => {
    if (p.proc.exitCode !== null) throw new Error(`replica ${identity} exited:\n${p.out()}`);
    const hit = /health and metrics at (http:\/\/[^\s;]+)/.exec(p.out());
    if (!hit) throw new Error(`replica ${identity} not up:\n${p.out()}`);
    return hit[1]!;
  }, 30_000);
  const r = { ...p, metrics: m };
  replicas.set(identity, r);
  return r;
}

type Api = ReturnType<typeof client>;
let superApi: Api;
let tenantApi: Api;

async function getJson(api: Api, p: string): Promise<any> {
  const r = await api.request('GET', p);
  if (r.code === 404) return undefined;
  if (r.code !== 200) throw new Error(`GET ${p}: ${r.code} ${r.body}`);
  return JSON.parse(r.body);
}

const holder = async (): Promise<string> => (await getJson(superApi, '/apis/coordination.k8s.io/v1/namespaces/tenantry-system/leases/tenantry-syncer'))?.spec?.holderIdentity ?? '';
const writes = async (metricsUrl: string) => {
  const text = await (await fetch(`${metricsUrl}/metrics`)).text();
  return [...text.matchAll(/^tenantry_syncer_writes_total\{[^}]*\} (\S+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
};

async function createPod(name: string): Promise<void> {
  const r = await tenantApi.request('POST', '/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'app', image: 'nginx' }] } });
  if (r.code !== 201) throw new Error(`create pod ${name}: ${r.code} ${r.body}`);
}

async function runningInTenant(names: string[], timeoutMs = 30_000): Promise<void> {
  await eventually(async () => {
    const list = await getJson(tenantApi, '/api/v1/namespaces/default/pods');
    const phase = new Map<string, string>(list.items.map((p: any) => [p.metadata.name, p.status?.phase]));
    const notYet = names.filter((n) => phase.get(n) !== 'Running');
    if (notYet.length > 0) throw new Error(`not Running in the tenant: ${notYet.join(', ')}`);
  }, timeoutMs, 200);
}

beforeAll(async () => {
  const dataDir = tempDir('leader-super');
  superProc = spawnLogged([CLI, 'super', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--nodes', '2', '--pod-start-delay-ms', '50']);
  [tenant] = await Promise.all([
    startServer({ dataDir: tempDir('leader-tenant') }),
    eventually(() => expect(superProc.out()).toMatch(/Local super cluster ready at/), 30_000, 50),
  ]);
  superKubeconfig = path.join(dataDir, 'admin.kubeconfig');
  superApi = client(superKubeconfig);
  tenantApi = client(tenant.kubeconfig);
}, 60_000);

afterAll(async () => {
  for (const r of replicas.values()) if (r.proc.exitCode === null && r.proc.signalCode === null) r.proc.kill('SIGKILL');
  await tenant?.stop();
  if (superProc && superProc.proc.exitCode === null) {
    superProc.proc.kill('SIGTERM');
    await superProc.exited;
  }
});

describe('syncer leader election (processes)', () => {
  let leader = '';
  let standby = '';

  it('two replicas: one leads and syncs, the other stands by without writing', async () => {
    await Promise.all([startReplica('replica-a'), startReplica('replica-b')]);
    leader = await eventually(async () => {
      const h = await holder();
      if (!h) throw new Error('no lease holder yet');
      return h;
    }, 20_000, 100);
    standby = leader === 'replica-a' ? 'replica-b' : 'replica-a';
    await createPod('before');
    await runningInTenant(['before']);
    // The standby learns the holder at its next lease poll, which a quick start can beat.
    await eventually(async () => {
      const ready = await fetch(`${replicas.get(standby)!.metrics}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.text()).toContain(`standby\nidentity: ${standby}\nleader: ${leader}\nleading: false`);
    }, 10_000, 100);
    expect(await (await fetch(`${replicas.get(leader)!.metrics}/metrics`)).text()).toMatch(/^tenantry_syncer_leader 1$/m);
    expect(await (await fetch(`${replicas.get(standby)!.metrics}/metrics`)).text()).toMatch(/^tenantry_syncer_leader 0$/m);
    expect(await writes(replicas.get(leader)!.metrics)).toBeGreaterThan(0);
    expect(await writes(replicas.get(standby)!.metrics)).toBe(0);
  });

  it('SIGKILL of the leader: the standby takes over within the lease duration and syncs the pods made in the gap', async () => {
    const dead = replicas.get(leader)!;
    dead.proc.kill('SIGKILL');
    const killedAt = Date.now();
    await dead.exited;
    const gap = ['gap-1', 'gap-2', 'gap-3', 'gap-4', 'gap-5'];
    for (const n of gap) await createPod(n);
    await eventually(async () => expect(await holder()).toBe(standby), 20_000, 100);
    const takeover = Date.now() - killedAt;
    // Expiry counts from the last renewal the standby saw; it then tries every retry period (with jitter).
    expect(takeover).toBeLessThan(LEASE_MS.leaseDurationMs + 2.2 * LEASE_MS.retryPeriodMs + 2000);
    await runningInTenant(gap);
    const superPods = await getJson(superApi, '/api/v1/pods?labelSelector=tenantry.io%2Ftenant%3Dacme');
    expect(superPods.items.map((p: any) => p.metadata.name).sort()).toEqual(['before', ...gap].sort());
    const lease = await getJson(superApi, '/apis/coordination.k8s.io/v1/namespaces/tenantry-system/leases/tenantry-syncer');
    expect(lease.spec).toMatchObject({ holderIdentity: standby, leaseTransitions: 1, leaseDurationSeconds: 4 });
  });

  it('SIGTERM of the leader releases the lease: a new standby takes over at once', async () => {
    const next = await startReplica('replica-c');
    await eventually(async () => expect(await (await fetch(`${next.metrics}/readyz`)).text()).toContain(`leader: ${standby}`), 20_000, 100);
    const current = replicas.get(standby)!;
    const stoppedAt = Date.now();
    current.proc.kill('SIGTERM');
    expect(await current.exited).toBe(0);
    await eventually(async () => expect(await holder()).toBe('replica-c'), 10_000, 50);
    // Well before the 4 s lease could have expired.
    expect(Date.now() - stoppedAt).toBeLessThan(LEASE_MS.leaseDurationMs);
    await createPod('after');
    await runningInTenant(['after']);
    expect(await writes(next.metrics)).toBeGreaterThan(0);
    const lease = await getJson(superApi, '/apis/coordination.k8s.io/v1/namespaces/tenantry-system/leases/tenantry-syncer');
    expect(lease.spec.leaseTransitions).toBe(2);
  });
});
