// Leader election against a real API server in process (a plain one for the
// elector, the local super cluster for two whole syncers): one leader at a
// time, takeover only once the lease expired, quick handover on release,
// stepping down on a foreign holder or a lost API server, fenced writes.

import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadClusterAccess } from './kubeconfig.js';
import YAML from 'yaml';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../tenant-apiserver/apiserver.js';
import { writeUserKubeconfig } from '../tenant-apiserver/user-kubeconfig.js';
import { startSuperCluster, type SuperCluster } from '../local-cluster/super.js';
import { waitFor } from '../local-cluster/testkit.js';
import { createKubeClient, type KubeClient } from './client.js';
import { LEASES, LeaderElector, NotLeaderError, fenceWrites, leaderElectionOptions, type LeaderElectionOptions } from './leader.js';
import { superNamespace, LABEL_TENANT } from './mapping.js';
import { startSyncer, type RunningSyncer } from './syncer.js';
import { CORE, type KubeObject } from './types.js';

const log = pino({ level: 'silent' });
const NS = CORE('namespaces', 'Namespace', false);
const CM = CORE('configmaps', 'ConfigMap');
const PODS = CORE('pods', 'Pod');
const FAST = { leaseDurationMs: 2000, renewDeadlineMs: 1500, retryPeriodMs: 200 };

const tmp = (name: string) => fs.mkdtempSync(path.join(os.tmpdir(), `tenantry-leader-${name}-`));

async function clientFor(name: string, kubeconfig: string, opts: { server?: string; timeoutMs?: number } = {}): Promise<KubeClient> {
  return createKubeClient(name, await loadClusterAccess(kubeconfig, { server: opts.server }), { timeoutMs: opts.timeoutMs });
}

/** testkit's waitFor, naming what was waited for when it times out. */
async function until<T>(fn: () => T | undefined | false | Promise<T | undefined | false>, ms = 15_000, what = 'condition'): Promise<T> {
  try {
    return (await waitFor(fn as () => Promise<T | undefined> | T | undefined, ms)) as T;
  } catch (e) {
    throw new Error(`${what} not met in ${ms} ms: ${String(e)}`);
  }
}

interface Candidate {
  elector: LeaderElector;
  events: string[];
}

function candidate(client: KubeClient, identity: string, o: Partial<LeaderElectionOptions> = {}): Candidate {
  const events: string[] = [];
  const elector = new LeaderElector(client, leaderElectionOptions({ ...FAST, namespace: 'tenantry-system', name: 'lock', identity, ...o }), {
    onStartedLeading: () => void events.push('started'),
    onStoppedLeading: () => void events.push('stopped'),
  }, log);
  return { elector, events };
}

describe('leaderElectionOptions', () => {
  it('fills client-go-like defaults: lease tenantry-system/tenantry-syncer, 15 s / 10 s / 2 s', () => {
    const o = leaderElectionOptions({ identity: 'me' });
    expect(o).toEqual({ namespace: 'tenantry-system', name: 'tenantry-syncer', identity: 'me', leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2000 });
    expect(leaderElectionOptions().identity).toMatch(new RegExp(`^${os.hostname()}_[0-9a-f]{8}$`));
  });

  it('refuses timings that would let two replicas lead at once or never renew', () => {
    expect(() => leaderElectionOptions({ leaseDurationMs: 10_000, renewDeadlineMs: 10_000 })).toThrow(/longer than the renew deadline/);
    expect(() => leaderElectionOptions({ renewDeadlineMs: 2000, retryPeriodMs: 2000 })).toThrow(/retry period/);
    expect(() => leaderElectionOptions({ leaseDurationMs: 500, renewDeadlineMs: 400, retryPeriodMs: 100 })).toThrow(/at least 1s/);
    expect(() => leaderElectionOptions({ retryPeriodMs: 0 })).toThrow(/positive/);
  });
});

describe('LeaderElector', () => {
  let api: ApiServer;
  let apiDir: string;
  let admin: KubeClient;
  const running: LeaderElector[] = [];
  const clients: KubeClient[] = [];

  const lease = async () => (await admin.get(LEASES, 'tenantry-system', 'lock')) as KubeObject & { spec: { holderIdentity?: string; leaseTransitions?: number; leaseDurationSeconds?: number } };
  const start = (c: Candidate) => {
    running.push(c.elector);
    c.elector.start();
    return c;
  };
  const newClient = async (timeoutMs?: number, server?: string) => {
    const c = await clientFor('super', api.kubeconfigPath, { timeoutMs, server });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    apiDir = tmp('api');
    api = await startApiServer({ dataDir: apiDir, port: 0, log, controllers: [] });
    admin = await clientFor('admin', api.kubeconfigPath);
  }, 60_000);

  afterEach(async () => {
    await Promise.all(running.splice(0).map((e) => e.stop({ release: false })));
    for (const c of clients.splice(0)) c.close();
    // Each case starts from no lease.
    await admin.delete(LEASES, 'tenantry-system', 'lock').catch(() => false);
  });

  afterAll(async () => {
    admin?.close();
    await api?.close();
  });

  it('creates the namespace and the lease; of two candidates exactly one leads, the other stands by', async () => {
    expect(await admin.get(NS, '', 'tenantry-system')).toBeUndefined();
    const a = start(candidate(await newClient(), 'a'));
    const b = start(candidate(await newClient(), 'b'));
    const leader = await until(() => (a.elector.isLeader() ? a : b.elector.isLeader() ? b : undefined), 5000, 'a leader');
    const standby = leader === a ? b : a;
    expect(await admin.get(NS, '', 'tenantry-system')).toBeDefined();
    // Over several renewals the roles stay put and never overlap.
    for (let i = 0; i < 20; i++) {
      expect([a.elector.isLeader(), b.elector.isLeader()].filter(Boolean)).toHaveLength(1);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(leader.elector.isLeader()).toBe(true);
    expect(leader.events).toEqual(['started']);
    expect(standby.events).toEqual([]);
    expect(standby.elector.leader()).toBe(leader.elector.identity);
    const l = await lease();
    expect(l.spec).toMatchObject({ holderIdentity: leader.elector.identity, leaseDurationSeconds: 2, leaseTransitions: 0 });
    expect((l.spec as { renewTime?: string }).renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  });

  it('after a leader dies without releasing, takes over only once the lease has expired', async () => {
    const a = start(candidate(await newClient(), 'a'));
    await until(() => a.elector.isLeader(), 5000, 'a leads');
    const b = start(candidate(await newClient(), 'b'));
    await until(() => b.elector.leader() === 'a', 5000, 'b sees a');
    // A crash as far as the lease can tell: no more renewals, no release.
    const died = performance.now();
    await a.elector.stop({ release: false });
    await until(() => b.elector.isLeader(), 10_000, 'b takes over');
    const waited = performance.now() - died;
    // Not before the lease (2 s) ran out, counted from the last renewal b saw (at most one retry period before the crash).
    expect(waited).toBeGreaterThanOrEqual(FAST.leaseDurationMs - FAST.retryPeriodMs);
    expect((await lease()).spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
  });

  it('a clean stop releases the lease: a standby takes over long before it would expire', async () => {
    const slow = { leaseDurationMs: 30_000, renewDeadlineMs: 20_000, retryPeriodMs: 200 };
    const a = start(candidate(await newClient(), 'a', slow));
    await until(() => a.elector.isLeader(), 5000, 'a leads');
    const b = start(candidate(await newClient(), 'b', slow));
    await until(() => b.elector.leader() === 'a', 5000, 'b sees a');
    const stopped = performance.now();
    await a.elector.stop();
    expect(a.events).toEqual(['started', 'stopped']);
    await until(() => b.elector.isLeader(), 10_000, 'b takes over');
    expect(performance.now() - stopped).toBeLessThan(slow.leaseDurationMs / 3);
    expect((await lease()).spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1, leaseDurationSeconds: 30 });
  });

  it('a replica restarted with the identity of the holder resumes at once', async () => {
    const slow = { leaseDurationMs: 30_000, renewDeadlineMs: 20_000, retryPeriodMs: 200 };
    const a = start(candidate(await newClient(), 'a', slow));
    await until(() => a.elector.isLeader(), 5000, 'a leads');
    await a.elector.stop({ release: false });
    const again = start(candidate(await newClient(), 'a', slow));
    await until(() => again.elector.isLeader(), 3000, 'a leads again');
    expect((await lease()).spec).toMatchObject({ holderIdentity: 'a', leaseTransitions: 0 });
  });

  it('steps down at once when another holder shows up in the lease, and its fenced writes are refused', async () => {
    const c = await newClient();
    const a = start(candidate(c, 'a'));
    await until(() => a.elector.isLeader(), 5000, 'a leads');
    const fenced = fenceWrites(c, () => a.elector.isLeader());
    await fenced.create(CM, 'default', { metadata: { name: 'while-leading' } });
    // Another replica took the lease (as an operator or a split brain would): a optimistic write loses.
    const l = await lease();
    await admin.update(LEASES, 'tenantry-system', { ...l, spec: { ...l.spec, holderIdentity: 'intruder', renewTime: new Date().toISOString().replace('Z', '000Z') } });
    await until(() => !a.elector.isLeader(), FAST.renewDeadlineMs, 'a steps down before its renew deadline');
    expect(a.events).toEqual(['started', 'stopped']);
    expect(a.elector.leader()).toBe('intruder');
    await expect(fenced.create(CM, 'default', { metadata: { name: 'after' } })).rejects.toBeInstanceOf(NotLeaderError);
    await expect(fenced.delete(CM, 'default', 'while-leading')).rejects.toBeInstanceOf(NotLeaderError);
    // Reads still pass.
    expect(await fenced.get(CM, 'default', 'while-leading')).toBeDefined();
    expect(await admin.get(CM, 'default', 'after')).toBeUndefined();
    await admin.delete(CM, 'default', 'while-leading');
  });

  it('works with exactly the chart\'s leader-election Role (RBAC enforced): acquire, renew, release', async () => {
    const manifest = fs.readFileSync(path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'charts', 'tenantry', 'templates', 'rbac.yaml'), 'utf8').replaceAll('{{ .Values.namespace }}', 'tenantry-system');
    const docs = YAML.parseAllDocuments(manifest).map((d) => d.toJS() as KubeObject & { kind: string });
    const role = docs.find((d) => d.kind === 'Role')!;
    expect(role.metadata?.namespace).toBe('tenantry-system');
    await admin.create(NS, '', { metadata: { name: 'tenantry-system' } }).catch(() => undefined);
    const RBAC = (plural: string, kind: string) => ({ group: 'rbac.authorization.k8s.io', version: 'v1', plural, kind, namespaced: true });
    await admin.create(RBAC('roles', 'Role'), 'tenantry-system', role);
    await admin.create(RBAC('rolebindings', 'RoleBinding'), 'tenantry-system', {
      metadata: { name: 'syncer' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.metadata!.name },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'syncer' }],
    } as KubeObject);
    const kubeconfig = await writeUserKubeconfig({ dataDir: apiDir, user: 'syncer', groups: [], out: path.join(apiDir, 'syncer.kubeconfig') });
    const limited = await clientFor('super', kubeconfig);
    clients.push(limited);
    // The grant is for this lease only.
    await expect(limited.create(LEASES, 'default', { metadata: { name: 'x' } })).rejects.toMatchObject({ code: 403 });
    const a = start(candidate(limited, 'a', { name: 'tenantry-syncer' }));
    await until(() => a.elector.isLeader(), 5000, 'a leads with the chart Role');
    const first = await admin.get(LEASES, 'tenantry-system', 'tenantry-syncer');
    await until(async () => (await admin.get(LEASES, 'tenantry-system', 'tenantry-syncer'))?.metadata?.resourceVersion !== first?.metadata?.resourceVersion, 3000, 'a renewal');
    await a.elector.stop();
    expect((await admin.get(LEASES, 'tenantry-system', 'tenantry-syncer'))?.spec).toMatchObject({ holderIdentity: '', leaseTransitions: 0 });
    await admin.delete(LEASES, 'tenantry-system', 'tenantry-syncer');
  });

  it('a leader cut off from the API server stops leading at its renew deadline, before a standby may take over', async () => {
    // A TCP proxy in front of the API server that can swallow every connection.
    let cut = false;
    const sockets = new Set<net.Socket>();
    const proxy = net.createServer((inbound) => {
      sockets.add(inbound);
      inbound.on('close', () => sockets.delete(inbound));
      inbound.on('error', () => undefined);
      if (cut) return; // accepted, never answered
      const out = net.connect(api.port, '127.0.0.1');
      sockets.add(out);
      out.on('error', () => inbound.destroy());
      out.on('close', () => sockets.delete(out));
      inbound.pipe(out).pipe(inbound);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    const port = (proxy.address() as net.AddressInfo).port;
    try {
      const a = start(candidate(await newClient(500, `https://127.0.0.1:${port}`), 'a'));
      await until(() => a.elector.isLeader(), 5000, 'a leads');
      const b = start(candidate(await newClient(), 'b'));
      await until(() => b.elector.leader() === 'a', 5000, 'b sees a');
      cut = true;
      for (const s of sockets) s.destroy();
      const cutAt = performance.now();
      await until(() => !a.elector.isLeader(), 5000, 'a stops leading');
      const aStopped = performance.now();
      await until(() => b.elector.isLeader(), 10_000, 'b takes over');
      const bStarted = performance.now();
      expect(aStopped - cutAt).toBeLessThanOrEqual(FAST.renewDeadlineMs + 100);
      // The safety margin: the old leader had stopped before the new one started.
      expect(bStarted).toBeGreaterThan(aStopped);
      expect(a.events).toEqual(['started', 'stopped']);
    } finally {
      cut = true;
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => proxy.close(() => r()));
    }
  });
});

describe('two syncers with leader election', () => {
  let superCluster: SuperCluster;
  let tenant: ApiServer;
  let tenantClient: KubeClient;
  let superClient: KubeClient;
  const syncers: RunningSyncer[] = [];

  beforeAll(async () => {
    [superCluster, tenant] = await Promise.all([
      startSuperCluster({ dataDir: tmp('super'), port: 0, log, nodes: 2, podStartDelayMs: 50 }),
      startApiServer({ dataDir: tmp('tenant'), port: 0, log }),
    ]);
    superClient = await clientFor('super', superCluster.kubeconfigPath);
    tenantClient = await clientFor('acme', tenant.kubeconfigPath);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(syncers.map((s) => s.close()));
    superClient?.close();
    tenantClient?.close();
    await Promise.all([superCluster?.close(), tenant?.close()]);
  });

  const start = async (identity: string) => {
    const s = await startSyncer({
      superKubeconfig: superCluster.kubeconfigPath,
      tenants: [{ name: 'acme', kubeconfig: tenant.kubeconfigPath }],
      metricsListen: { host: '127.0.0.1', port: 0 },
      patrolIntervalMs: 0,
      workers: 2,
      leaderElection: { identity, leaseDurationMs: 10_000, renewDeadlineMs: 5000, retryPeriodMs: 250 },
      log,
    });
    syncers.push(s);
    return s;
  };
  it('refuses to start on an unreadable tenant kubeconfig, after its super side had begun listing', async () => {
    const missing = path.join(tmp('nothing'), 'missing.kubeconfig');
    await expect(
      startSyncer({
        superKubeconfig: superCluster.kubeconfigPath,
        tenants: [
          { name: 'acme', kubeconfig: tenant.kubeconfigPath },
          { name: 'ghost', kubeconfig: missing },
        ],
        patrolIntervalMs: 0,
        workers: 2,
        log,
      }),
    ).rejects.toThrow(/missing\.kubeconfig/);
  });

  const metric = async (s: RunningSyncer, name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(await s.registry.metrics())?.[1] ?? NaN);
  const writes = async (s: RunningSyncer) => {
    const text = await s.registry.metrics();
    return [...text.matchAll(/^tenantry_syncer_writes_total\{[^}]*\} (\S+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
  };
  const superPod = async (name: string) => {
    const ks = await tenantClient.get(NS, '', 'kube-system');
    return superClient.get(PODS, superNamespace({ name: 'acme', uid: ks!.metadata!.uid! }, 'default'), name);
  };
  const pod = (name: string): KubeObject => ({ metadata: { name }, spec: { containers: [{ name: 'app', image: 'nginx' }] } });

  it('only the leader writes; the standby says so on /readyz; a clean stop hands over and the successor syncs', async () => {
    const first = await start('first');
    await first.ready;
    const second = await start('second');
    await until(() => second.elector!.leader() === 'first', 5000, 'second sees first');
    expect(await metric(first, 'tenantry_syncer_leader')).toBe(1);
    expect(await metric(second, 'tenantry_syncer_leader')).toBe(0);
    const readyz = await fetch(`${second.metricsUrl}/readyz`);
    expect(readyz.status).toBe(200);
    expect(await readyz.text()).toMatch(/^standby\nidentity: second\nleader: first\nleading: false$/);
    expect(await (await fetch(`${first.metricsUrl}/healthz`)).text()).toMatch(/^ok\nidentity: first\nleader: first\nleading: true$/);

    await tenantClient.create(PODS, 'default', pod('one'));
    await until(async () => ((await tenantClient.get(PODS, 'default', 'one'))?.status as { phase?: string } | undefined)?.phase === 'Running', 15_000, 'pod one Running');
    expect(await writes(first)).toBeGreaterThan(0);
    expect(await writes(second)).toBe(0);

    const stopped = performance.now();
    await first.close();
    await until(() => second.elector!.isLeader(), 8000, 'second leads');
    // Released, not expired: well under the 10 s lease.
    expect(performance.now() - stopped).toBeLessThan(5000);
    await second.ready;
    await tenantClient.create(PODS, 'default', pod('two'));
    await until(async () => ((await tenantClient.get(PODS, 'default', 'two'))?.status as { phase?: string } | undefined)?.phase === 'Running', 15_000, 'pod two Running');
    expect(await metric(second, 'tenantry_syncer_leader')).toBe(1);
    expect((await superPod('two'))?.metadata?.labels?.[LABEL_TENANT]).toBe('acme');
    const l = await superClient.get(LEASES, 'tenantry-system', 'tenantry-syncer');
    expect(l?.spec).toMatchObject({ holderIdentity: 'second', leaseTransitions: 1 });
  });
});
