// The local cluster's controllers and admission plugins together, on the real
// generic store (in memory): nodes, scheduling, the kubelet lifecycle,
// allocation, endpoints and quota, including their behaviour under concurrency.

import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../tenant-apiserver/api/errors.js';
import type { StoredObject } from '../tenant-apiserver/api/types.js';
import { KATA_RUNTIME_CLASS } from './runtimeclass.js';
import { ADMIN, podBody, startTestCluster, waitFor, type TestCluster } from './testkit.js';

let cluster: TestCluster | undefined;

afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

async function rejection(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('expected a rejection');
}

type Status = { phase?: string; podIP?: string; conditions?: { type: string; status: string; reason?: string; message?: string }[]; containerStatuses?: { state: Record<string, { reason?: string }> }[] };
const status = (p: StoredObject) => (p.status ?? {}) as Status;
const nodeOf = (p: StoredObject) => (p.spec as { nodeName?: string }).nodeName;

async function getPod(c: TestCluster, ns: string, name: string): Promise<StoredObject | undefined> {
  try {
    return await c.store.get(c.res.pods, ns, name);
  } catch (e) {
    if (e instanceof ApiError && e.code === 404) return undefined;
    throw e;
  }
}

async function running(c: TestCluster, ns: string, name: string): Promise<StoredObject> {
  return waitFor(async () => {
    const p = await getPod(c, ns, name);
    return p && status(p).phase === 'Running' && status(p).conditions?.some((x) => x.type === 'Ready' && x.status === 'True') ? p : undefined;
  });
}

describe('nodes', () => {
  it('registers the nodes with leases, refreshes heartbeats and re-registers a deleted node', async () => {
    cluster = await startTestCluster({ nodes: 2, nodeHeartbeatSeconds: 1, leaseRenewSeconds: 1, controllers: ['local-nodes'] });
    const c = cluster;
    const nodes = await waitFor(async () => {
      const l = (await c.store.list(c.res.nodes, undefined)).items;
      return l.length === 2 ? l : undefined;
    });
    expect(nodes.map((n) => n.metadata.name)).toEqual(['node-1', 'node-2']);
    const lease = await waitFor(() => c.store.get(c.res.leases, 'kube-node-lease', 'node-1'));
    expect(lease.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'Node', name: 'node-1', uid: nodes[0]!.metadata.uid });
    const renew = (lease.spec as { renewTime: string }).renewTime;
    const beat = (n: StoredObject) => ((n.status as { conditions: { type: string; lastHeartbeatTime: string }[] }).conditions.find((x) => x.type === 'Ready')!.lastHeartbeatTime);
    const firstBeat = beat(nodes[0]!);
    await waitFor(async () => ((await c.store.get(c.res.leases, 'kube-node-lease', 'node-1')).spec as { renewTime: string }).renewTime !== renew, 4000);
    await waitFor(async () => beat(await c.store.get(c.res.nodes, undefined, 'node-1')) !== firstBeat, 4000);
    await c.store.delete(c.res.nodes, undefined, 'node-2', {}, { user: ADMIN });
    const back = await waitFor(() => getNode(c, 'node-2'));
    expect(back.metadata.uid).not.toBe(nodes[1]!.metadata.uid);
  });
});

async function getNode(c: TestCluster, name: string): Promise<StoredObject | undefined> {
  try {
    return await c.store.get(c.res.nodes, undefined, name);
  } catch {
    return undefined;
  }
}

describe('scheduling and the kubelet', () => {
  it('binds with PodScheduled in the same write, runs pods with unique IPs, and spreads them', async () => {
    cluster = await startTestCluster({ nodes: 3, podStartDelayMs: 50 });
    const c = cluster;
    // Every node registered first: binds go on in the background, so pods made at once are all
    // placed before a node registering late could take any.
    await waitFor(async () => ((await c.store.list(c.res.nodes, undefined)).items.length === 3 ? true : undefined));
    const seen: StoredObject[] = [];
    const w = await c.store.watch(c.res.pods, 'default', { resourceVersion: '0' }, (_t, p) => seen.push(p));
    await Promise.all(Array.from({ length: 9 }, (_, i) => c.create('pods', 'default', podBody(`p${i}`))));
    const pods = await Promise.all(Array.from({ length: 9 }, (_, i) => running(c, 'default', `p${i}`)));
    w.stop();
    const firstBound = seen.find((p) => nodeOf(p));
    expect(status(firstBound!).conditions?.find((x) => x.type === 'PodScheduled')?.status).toBe('True');
    const ips = pods.map((p) => status(p).podIP);
    expect(new Set(ips).size).toBe(9);
    for (const p of pods) expect(status(p).podIP).toMatch(new RegExp(`^10\\.244\\.${nodeOf(p)!.slice(5)}\\.\\d+$`));
    const perNode = new Map<string, number>();
    for (const p of pods) perNode.set(nodeOf(p)!, (perNode.get(nodeOf(p)!) ?? 0) + 1);
    expect([...perNode.values()]).toEqual([3, 3, 3]);
    // Events are recorded asynchronously (as kube's recorder does): they may land just after Running.
    const reasons = await waitFor(async () => {
      const events = (await c.store.list(c.res.events, 'default')).items.filter((e) => (e.involvedObject as { name: string }).name === 'p0');
      return events.length >= 4 ? events.map((e) => e.reason).sort() : undefined;
    });
    expect(reasons).toEqual(['Created', 'Pulled', 'Scheduled', 'Started']);
  });

  it('keeps an unschedulable pod Pending with kube\'s reasons and schedules it once a node fits', async () => {
    cluster = await startTestCluster({ nodes: 3, podStartDelayMs: 20 });
    const c = cluster;
    const big = (name: string) => podBody(name, { containers: [{ name: 'app', image: 'nginx', resources: { requests: { cpu: '3' } } }] });
    for (let i = 0; i < 3; i++) await c.create('pods', 'default', big(`big${i}`));
    await Promise.all([0, 1, 2].map((i) => running(c, 'default', `big${i}`)));
    await c.create('pods', 'default', big('extra'));
    const pending = await waitFor(async () => {
      const p = await getPod(c, 'default', 'extra');
      return p && status(p).conditions?.find((x) => x.type === 'PodScheduled' && x.reason === 'Unschedulable') ? p : undefined;
    });
    expect(status(pending).conditions!.find((x) => x.type === 'PodScheduled')!.message).toBe(
      '0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.',
    );
    const ev = await waitFor(async () => (await c.store.list(c.res.events, 'default')).items.find((e) => e.reason === 'FailedScheduling'));
    expect(ev).toMatchObject({ type: 'Warning', source: { component: 'default-scheduler' }, count: 1 });
    // Room frees up when a pod goes: the pending one is retried at once.
    await c.store.delete(c.res.pods, 'default', 'big1', { gracePeriodSeconds: 0 }, { user: ADMIN });
    const placed = await running(c, 'default', 'extra');
    expect(nodeOf(placed)).toMatch(/^node-\d$/);

    await c.create('pods', 'default', podBody('picky', { nodeSelector: { disk: 'ssd' } }));
    await waitFor(async () => {
      const p = await getPod(c, 'default', 'picky');
      return p && status(p).conditions?.some((x) => x.reason === 'Unschedulable') ? p : undefined;
    });
    await c.store.update(c.res.nodes, undefined, 'node-3', (cur) => ({ ...cur!, metadata: { ...cur!.metadata, labels: { ...cur!.metadata.labels, disk: 'ssd' } } }), { user: ADMIN });
    expect(nodeOf(await running(c, 'default', 'picky'))).toBe('node-3');
  });

  it('counts each placed pod against its node at once, so a burst never overfills a node', async () => {
    cluster = await startTestCluster({ nodes: 2, nodeShape: { pods: '3' }, podStartDelayMs: 10 });
    const c = cluster;
    // Created together: placements follow each other faster than the binds' watch events arrive.
    await Promise.all(Array.from({ length: 7 }, (_, i) => c.create('pods', 'default', podBody(`b${i}`))));
    const pods = await waitFor(async () => {
      const items = (await c.store.list(c.res.pods, 'default')).items;
      const unschedulable = items.filter((p) => status(p).conditions?.some((x) => x.reason === 'Unschedulable'));
      const runningPods = items.filter((p) => status(p).phase === 'Running');
      return runningPods.length === 6 && unschedulable.length === 1 ? items : undefined;
    });
    const perNode = new Map<string, number>();
    for (const p of pods) if (nodeOf(p)) perNode.set(nodeOf(p)!, (perNode.get(nodeOf(p)!) ?? 0) + 1);
    expect([...perNode.values()]).toEqual([3, 3]);
    const left = pods.find((p) => !nodeOf(p))!;
    expect(status(left).conditions!.find((x) => x.type === 'PodScheduled')!.message).toBe(
      '0/2 nodes are available: 2 Too many pods. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.',
    );
    // A running pod's status updates change nothing; one leaving frees its slot for the pending pod.
    await c.store.delete(c.res.pods, 'default', pods.find((p) => nodeOf(p))!.metadata.name, { gracePeriodSeconds: 0 }, { user: ADMIN });
    expect(nodeOf(await running(c, 'default', left.metadata.name))).toMatch(/^node-\d$/);
  });

  it('ignores pods of other schedulers and gated pods', async () => {
    cluster = await startTestCluster({ nodes: 1, podStartDelayMs: 20 });
    const c = cluster;
    await c.create('pods', 'default', podBody('mine', { schedulerName: 'my-scheduler' }));
    await c.create('pods', 'default', podBody('gated', { schedulingGates: [{ name: 'wait' }] }));
    await c.create('pods', 'default', podBody('normal'));
    await running(c, 'default', 'normal');
    expect(nodeOf((await getPod(c, 'default', 'mine'))!)).toBeUndefined();
    expect(nodeOf((await getPod(c, 'default', 'gated'))!)).toBeUndefined();
  });

  it('completes pods that exit as their restart policy says', async () => {
    cluster = await startTestCluster({ nodes: 1, podStartDelayMs: 30 });
    const c = cluster;
    const exiting = (name: string, code: string, restartPolicy: string) => podBody(name, { restartPolicy }, { annotations: { 'tenantry.io/simulate-exit': code } });
    await c.create('pods', 'default', exiting('ok', '0', 'Never'));
    await c.create('pods', 'default', exiting('bad', '2', 'Never'));
    await c.create('pods', 'default', exiting('job', '0', 'OnFailure'));
    await c.create('pods', 'default', exiting('crash', '1', 'OnFailure'));
    const phase = async (n: string) => status((await getPod(c, 'default', n))!).phase;
    await waitFor(async () => ((await phase('ok')) === 'Succeeded' && (await phase('bad')) === 'Failed' && (await phase('job')) === 'Succeeded' ? true : undefined));
    const crash = await waitFor(async () => {
      const p = await getPod(c, 'default', 'crash');
      return p && status(p).containerStatuses?.[0]?.state.waiting ? p : undefined;
    });
    expect(status(crash).phase).toBe('Running');
    expect(status(crash).containerStatuses![0]!.state.waiting!.reason).toBe('CrashLoopBackOff');
  });

  it('finishes graceful deletion after the simulated shutdown, within the grace period', async () => {
    cluster = await startTestCluster({ nodes: 1, podStartDelayMs: 20, podStopDelayMs: 200 });
    const c = cluster;
    await c.create('pods', 'default', podBody('slow'));
    await c.create('pods', 'default', podBody('quick', { terminationGracePeriodSeconds: 0 }));
    await running(c, 'default', 'slow');
    await running(c, 'default', 'quick');
    const started = Date.now();
    const r = await c.store.delete(c.res.pods, 'default', 'slow', {}, { user: ADMIN });
    expect(r.deleted).toBe(false);
    expect(r.object.metadata.deletionGracePeriodSeconds).toBe(30);
    await waitFor(async () => ((await getPod(c, 'default', 'slow')) ? undefined : true));
    expect(Date.now() - started).toBeGreaterThanOrEqual(180);
    const killing = (await c.store.list(c.res.events, 'default')).items.find((e) => e.reason === 'Killing');
    expect(killing?.message).toBe('Stopping container app');
    // A grace period of 1s set explicitly also ends the pod (the kubelet deletes it with 0).
    const q = await c.store.delete(c.res.pods, 'default', 'quick', { gracePeriodSeconds: 1 }, { user: ADMIN });
    expect(q.deleted).toBe(false);
    await waitFor(async () => ((await getPod(c, 'default', 'quick')) ? undefined : true));
  });
});

describe('admission', () => {
  it('refuses a missing RuntimeClass and charges the kata overhead to quota', async () => {
    cluster = await startTestCluster({ nodes: 1, controllers: [], namespaces: ['t'] });
    const c = cluster;
    await c.create('runtimeClasses', undefined, KATA_RUNTIME_CLASS);
    const e = await rejection(c.create('pods', 'default', podBody('x', { runtimeClassName: 'foo' })));
    expect(e.code).toBe(403);
    expect(e.message).toBe('pods "x" is forbidden: pod rejected: RuntimeClass "foo" not found');
    const gen = await rejection(c.create('pods', 'default', { metadata: { generateName: 'x-' }, spec: { runtimeClassName: 'foo', containers: [{ name: 'a', image: 'i' }] } }));
    expect(gen.message).toBe('pods "Unknown" is forbidden: pod rejected: RuntimeClass "foo" not found');
    await c.create('resourceQuotas', 't', { metadata: { name: 'cpu' }, spec: { hard: { 'requests.cpu': '600m' } } });
    const withCpu = (name: string) => podBody(name, { runtimeClassName: 'kata', containers: [{ name: 'a', image: 'i', resources: { requests: { cpu: '100m' } } }] });
    const ok = await c.create('pods', 't', withCpu('a'));
    expect((ok.spec as { overhead: unknown }).overhead).toEqual({ cpu: '250m', memory: '160Mi' });
    const over = await rejection(c.create('pods', 't', withCpu('b')));
    expect(over.message).toBe('pods "b" is forbidden: exceeded quota: cpu, requested: requests.cpu=350m, used: requests.cpu=350m, limited: requests.cpu=600m');
    const bare = await rejection(c.create('pods', 't', podBody('c')));
    expect(bare.message).toBe('pods "c" is forbidden: failed quota: cpu: must specify requests.cpu for: app');
  });

  it('gives concurrent services distinct IPs and node ports, and refuses a taken node port', async () => {
    cluster = await startTestCluster({ nodes: 1, controllers: [] });
    const c = cluster;
    const created = await Promise.all(
      Array.from({ length: 30 }, (_, i) => c.create('services', 'default', { metadata: { name: `s${i}` }, spec: { type: 'NodePort', ports: [{ port: 80 }] } })),
    );
    const ips = created.map((s) => (s.spec as { clusterIP: string }).clusterIP);
    const ports = created.map((s) => (s.spec as { ports: { nodePort: number }[] }).ports[0]!.nodePort);
    expect(new Set(ips).size).toBe(30);
    expect(new Set(ports).size).toBe(30);
    const e = await rejection(c.create('services', 'default', { metadata: { name: 'dup' }, spec: { type: 'NodePort', ports: [{ port: 80, nodePort: ports[0] }] } }));
    expect(e.code).toBe(422);
    expect(e.message).toBe(`Service "dup" is invalid: spec.ports[0].nodePort: Invalid value: ${ports[0]}: provided port is already allocated`);
    // Updates keep the allocation; the strategy refuses a changed clusterIP.
    const upd = await c.store.update(c.res.services, 'default', 's0', (cur) => ({ ...cur!, metadata: { ...cur!.metadata, labels: { a: 'b' } } }), { user: ADMIN });
    expect((upd.object.spec as { clusterIP: string }).clusterIP).toBe(ips[0]);
    const changed = await rejection(
      c.store.update(c.res.services, 'default', 's0', (cur) => ({ ...cur!, spec: { ...(cur!.spec as object), clusterIP: '10.96.0.99', clusterIPs: ['10.96.0.99'] } }), { user: ADMIN }),
    );
    expect(changed.message).toContain('may not change once set');
    // ClusterIP → NodePort gets a port on update.
    const cip = await c.create('services', 'default', { metadata: { name: 'cip' }, spec: { ports: [{ port: 80 }] } });
    const np = await c.store.update(c.res.services, 'default', 'cip', (cur) => ({ ...cur!, spec: { ...(cur!.spec as object), type: 'NodePort' } }), { user: ADMIN });
    expect((np.object.spec as { ports: { nodePort?: number }[] }).ports[0]!.nodePort).toEqual(expect.any(Number));
    expect((np.object.spec as { clusterIP: string }).clusterIP).toBe((cip.spec as { clusterIP: string }).clusterIP);
  });

  it('admits exactly the free quota under concurrent creates and keeps status.used current', async () => {
    cluster = await startTestCluster({ nodes: 1, controllers: ['local-resourcequota'], namespaces: ['q'] });
    const c = cluster;
    await c.create('resourceQuotas', 'q', { metadata: { name: 'q' }, spec: { hard: { pods: '10', 'count/configmaps': '3', configmaps: '5' } } });
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => c.create('pods', 'q', podBody(`p${i}`))));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(refused).toHaveLength(10);
    for (const r of refused) expect((r.reason as ApiError).message).toMatch(/^pods "p\d+" is forbidden: exceeded quota: q, requested: pods=1, used: pods=10, limited: pods=10$/);
    const configmaps = c.registry.get('', 'v1', 'configmaps')!;
    const cms = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => c.store.create(configmaps, 'q', { metadata: { name: `cm${i}` } }, { user: ADMIN })));
    expect(cms.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect((cms.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason.message).toMatch(
      /^configmaps "cm\d" is forbidden: exceeded quota: q, requested: count\/configmaps=1, used: count\/configmaps=3, limited: count\/configmaps=3$/,
    );
    const st = await waitFor(async () => {
      const q = await c.store.get(c.res.resourceQuotas, 'q', 'q');
      const s = q.status as { used?: Record<string, string> } | undefined;
      return s?.used?.pods === '10' && s.used['count/configmaps'] === '3' ? s : undefined;
    });
    expect(st).toEqual({ hard: { configmaps: '5', 'count/configmaps': '3', pods: '10' }, used: { configmaps: '3', 'count/configmaps': '3', pods: '10' } });
    // Deleting a pod frees its slot in status.
    await c.store.delete(c.res.pods, 'q', (await c.store.list(c.res.pods, 'q')).items[0]!.metadata.name, { gracePeriodSeconds: 0 }, { user: ADMIN });
    await waitFor(async () => ((await c.store.get(c.res.resourceQuotas, 'q', 'q')).status as { used: Record<string, string> }).used.pods === '9' || undefined);
  });
});

describe('endpoints', () => {
  it('tracks the selected pods and cleans up when the service goes', async () => {
    cluster = await startTestCluster({ nodes: 2, podStartDelayMs: 20 });
    const c = cluster;
    await c.create('services', 'default', { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } });
    const placeholder = await waitFor(async () => (await c.store.list(c.res.endpointSlices, 'default')).items.find((s) => s.metadata.labels?.['kubernetes.io/service-name'] === 'web'));
    expect(placeholder.endpoints).toEqual([]);
    for (const n of ['a', 'b']) await c.create('pods', 'default', podBody(n, {}, { labels: { app: 'web' } }));
    const ips = await Promise.all(['a', 'b'].map(async (n) => status(await running(c, 'default', n)).podIP));
    const addresses = async () => {
      const ep = await c.store.get(c.res.endpoints, 'default', 'web').catch(() => undefined);
      return ((ep?.subsets as { addresses?: { ip: string }[] }[] | undefined)?.[0]?.addresses ?? []).map((a) => a.ip).sort();
    };
    await waitFor(async () => (JSON.stringify(await addresses()) === JSON.stringify([...ips].sort()) ? true : undefined));
    await c.store.delete(c.res.pods, 'default', 'a', { gracePeriodSeconds: 0 }, { user: ADMIN });
    await waitFor(async () => (JSON.stringify(await addresses()) === JSON.stringify([ips[1]]) ? true : undefined));
    const slice = (await c.store.list(c.res.endpointSlices, 'default')).items.filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === 'web');
    expect(slice).toHaveLength(1);
    await c.store.delete(c.res.services, 'default', 'web', {}, { user: ADMIN });
    await waitFor(async () => {
      const eps = (await c.store.list(c.res.endpoints, 'default')).items.filter((e) => e.metadata.name === 'web');
      const slices = (await c.store.list(c.res.endpointSlices, 'default')).items.filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === 'web');
      return eps.length === 0 && slices.length === 0 ? true : undefined;
    });
  });
});
