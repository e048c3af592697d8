import { describe, expect, it } from 'vitest';
import { LABEL_VIRTUAL_NODE, superNamespace } from '../mapping.js';
import { planSync } from '../engine/reconciler.js';
import { NOW, TENANT, context, obj, superCopy, world } from '../engine/testkit.js';
import { isDeferral, isRefusal, type Action } from '../engine/kind.js';
import type { KubeObject } from '../types.js';
import { defaultPolicy, type ResolvedPolicy } from '../../policy/types.js';
import { podReferences, podToSuper, pods, tenantPodStatus, vanishedStatus } from './pods.js';

const SUPER_NS = superNamespace(TENANT, 'default');

function pod(spec: Record<string, unknown> = {}, rest: Partial<KubeObject> = {}): KubeObject {
  return obj('Pod', 'default', 'web', {
    spec: { containers: [{ name: 'c', image: 'nginx:1' }], serviceAccountName: 'builder', serviceAccount: 'builder', ...spec },
    status: { phase: 'Pending', qosClass: 'BestEffort' },
    ...rest,
  });
}

const vnode = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Node', metadata: { name, uid: `vn-${name}`, labels: { [LABEL_VIRTUAL_NODE]: 'true' } } });
const superNode = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Node', metadata: { name, uid: `sn-${name}` } });

function superSpec(p: KubeObject, w = world({ pods: [p] })): Record<string, unknown> {
  const out = podToSuper(p, context(w));
  if (isRefusal(out)) throw new Error(out.refused.message);
  if (isDeferral(out)) throw new Error(out.deferred.message);
  return out.spec as Record<string, unknown>;
}

describe('pods: toSuper', () => {
  it('forces the runtime class whatever the tenant wrote', () => {
    expect(superSpec(pod({ runtimeClassName: 'gvisor' })).runtimeClassName).toBe('kata');
    expect(superSpec(pod()).runtimeClassName).toBe('kata');
  });

  it('runs as the super default account with no token mounted', () => {
    const p = pod({
      volumes: [
        { name: 'kube-api-access-x', projected: { sources: [{ serviceAccountToken: { path: 'token' } }, { configMap: { name: 'kube-root-ca.crt' } }] } },
        { name: 'legacy', secret: { secretName: 'builder-token-abc' } },
        { name: 'data', secret: { secretName: 'app-secret' } },
      ],
      containers: [{ name: 'c', image: 'i', volumeMounts: [{ name: 'kube-api-access-x', mountPath: '/var/run/secrets' }, { name: 'legacy', mountPath: '/l' }, { name: 'data', mountPath: '/d' }] }],
    });
    const token = obj('Secret', 'default', 'builder-token-abc', { type: 'kubernetes.io/service-account-token' });
    const s = superSpec(p, world({ pods: [p], secrets: [token] }));
    expect(s.serviceAccountName).toBe('default');
    expect(s.serviceAccount).toBeUndefined();
    expect(s.automountServiceAccountToken).toBe(false);
    expect((s.volumes as { name: string }[]).map((v) => v.name)).toEqual(['data']);
    expect((s.containers as { volumeMounts: { name: string }[] }[])[0]!.volumeMounts.map((m) => m.name)).toEqual(['data']);
  });

  it('leaves scheduling policy to the super cluster: no priority class, scheduler or overhead', () => {
    const s = superSpec(pod({ priorityClassName: 'tenant-high', priority: 1000, schedulerName: 'mine', overhead: { cpu: '1' }, preemptionPolicy: 'Never' }));
    for (const f of ['priorityClassName', 'priority', 'schedulerName', 'overhead', 'preemptionPolicy']) expect(s[f], f).toBeUndefined();
  });

  it('clears nodeName; pins to a virtual node; refuses any other node', () => {
    expect(superSpec(pod()).nodeName).toBeUndefined();
    const pinned = pod({ nodeName: 'node-2', affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }, { matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] }] } } } });
    const running = { metadata: { name: 'other', namespace: SUPER_NS, labels: { 'tenantry.io/tenant': 'acme' } }, spec: { nodeName: 'node-2' } };
    const w = world({ pods: [pinned], nodes: [vnode('node-2')] }, { nodes: [superNode('node-2')], pods: [running] });
    const s = superSpec(pinned, w);
    // Pinned through the scheduler (node affinity on the name, ANDed into every term), not around it.
    expect(s.nodeName).toBeUndefined();
    const terms = (s as { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: Record<string, unknown>[] } } } }).affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
    expect(terms).toHaveLength(2);
    for (const t of terms) expect(t.matchFields).toEqual([{ key: 'metadata.name', operator: 'In', values: ['node-2'] }]);
    expect(terms[1]!.matchExpressions).toEqual([{ key: 'zone', operator: 'In', values: ['b'] }]);
    const plain = pod({ nodeName: 'node-2' });
    expect((superSpec(plain, world({ pods: [plain], nodes: [vnode('node-2')] }, { nodes: [superNode('node-2')], pods: [running] })) as { affinity: unknown }).affinity).toEqual({
      nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-2'] }] }] } },
    });
    // A virtual-node label the tenant put on a node of its own, for a super node it has no pods on, does not pin.
    expect(podToSuper(pinned, context(world({ pods: [pinned], nodes: [vnode('node-2')] }, { nodes: [superNode('node-2')] })))).toMatchObject({ refused: { reason: 'InvalidNodeName' } });
    const bogus = pod({ nodeName: 'control-plane' });
    const out = podToSuper(bogus, context(world({ pods: [bogus], nodes: [{ metadata: { name: 'control-plane' } }] }, { nodes: [superNode('control-plane')] })));
    expect(out).toMatchObject({ refused: { reason: 'InvalidNodeName' } });
    // The policy check refuses it first: a Warning event in the tenant, and nothing is created.
    const plan = planSync(pods, context(world({ pods: [bogus] })), 'default', 'web');
    expect(plan.actions.map((a) => a.op)).toEqual(['tenant-event']);
    expect((plan.actions[0] as Extract<Action, { op: 'tenant-event' }>).event).toMatchObject({
      type: 'Warning',
      reason: 'PolicyViolation',
      message: `violates tenant policy (built-in defaults): nodes outside the tenant's node pool are not allowed (nodeName "control-plane" is not one of the tenant's nodes)`,
      involvedObject: { kind: 'Pod', name: 'web' },
    });
  });

  it('injects the tenant services as env vars, explicit env winning, and turns service links off', () => {
    const svc = obj('Service', 'default', 'redis-master', { spec: { clusterIP: '10.0.0.11', ports: [{ name: 'redis', port: 6379, protocol: 'TCP' }] } });
    const pending = obj('Service', 'default', 'api', { spec: { ports: [{ port: 80 }] } });
    const headless = obj('Service', 'default', 'db', { spec: { clusterIP: 'None', ports: [{ port: 5432 }] } });
    const other = obj('Service', 'other', 'elsewhere', { spec: { clusterIP: '10.0.0.99', ports: [{ port: 1 }] } });
    // The super already allocated api's IP; the tenant copy is not written back yet.
    const superApi = { ...pending, metadata: { ...pending.metadata, namespace: SUPER_NS, labels: { 'tenantry.io/tenant': 'acme' } }, spec: { clusterIP: '10.0.0.12', ports: [{ port: 80 }] } };
    const p = pod({ containers: [{ name: 'c', image: 'i', env: [{ name: 'REDIS_MASTER_SERVICE_HOST', value: 'mine' }] }] });
    const s = superSpec(p, world({ pods: [p], services: [svc, pending, headless, other] }, { services: [superApi] }));
    const env = (s.containers as { env: { name: string; value: string }[] }[])[0]!.env;
    const m = new Map(env.map((e) => [e.name, e.value]));
    expect(m.get('REDIS_MASTER_SERVICE_HOST')).toBe('mine');
    expect(env.filter((e) => e.name === 'REDIS_MASTER_SERVICE_HOST')).toHaveLength(1);
    expect(m.get('REDIS_MASTER_SERVICE_PORT_REDIS')).toBe('6379');
    expect(m.get('REDIS_MASTER_PORT_6379_TCP')).toBe('tcp://10.0.0.11:6379');
    expect(m.get('API_SERVICE_HOST')).toBe('10.0.0.12');
    expect(m.has('DB_SERVICE_HOST')).toBe(false);
    expect(m.has('ELSEWHERE_SERVICE_HOST')).toBe(false);
    expect(env.at(-1)!.name).toBe('REDIS_MASTER_SERVICE_HOST');
    expect(s.enableServiceLinks).toBe(false);
    const off = pod({ enableServiceLinks: false });
    expect((superSpec(off, world({ pods: [off], services: [svc] })).containers as { env?: unknown }[])[0]!.env).toBeUndefined();
  });

  it('waits briefly for new services to get their cluster IPs, then goes without them', () => {
    const p = pod();
    const fresh = obj('Service', 'default', 'api', { metadata: { creationTimestamp: new Date(NOW - 2000).toISOString() }, spec: { ports: [{ port: 80 }] } });
    const plan = planSync(pods, context(world({ pods: [p], services: [fresh] })), 'default', 'web');
    expect(plan.actions).toEqual([]);
    expect(plan.requeueAfterMs).toBeGreaterThan(0);
    const old = { ...fresh, metadata: { ...fresh.metadata, creationTimestamp: new Date(NOW - 60_000).toISOString() } };
    expect(planSync(pods, context(world({ pods: [p], services: [old] })), 'default', 'web').actions.map((a) => a.op)).toEqual(['create-super']);
    const external = { ...fresh, spec: { type: 'ExternalName', externalName: 'example.com' } };
    expect(planSync(pods, context(world({ pods: [p], services: [external] })), 'default', 'web').actions.map((a) => a.op)).toEqual(['create-super']);
  });

  it('syncs what the pod refers to first', () => {
    const p = pod({
      volumes: [{ name: 'a', secret: { secretName: 's1' } }, { name: 'b', configMap: { name: 'c1' } }, { name: 'c', persistentVolumeClaim: { claimName: 'data' } }, { name: 'd', projected: { sources: [{ secret: { name: 's2' } }] } }],
      containers: [{ name: 'c', image: 'i', env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'c2', key: 'k' } } }], envFrom: [{ secretRef: { name: 's3' } }] }],
      imagePullSecrets: [{ name: 'pull' }],
    });
    expect(podReferences(p.spec as Record<string, unknown>)).toEqual({ secrets: ['pull', 's1', 's2', 's3'], configmaps: ['c1', 'c2'], claims: ['data'] });
    const plan = planSync(pods, context(world({ pods: [p] })), 'default', 'web');
    expect(plan.needs.map((k) => `${k.kind}/${k.name}`)).toEqual([
      'namespaces/default',
      'secrets/pull',
      'secrets/s1',
      'secrets/s2',
      'secrets/s3',
      'configmaps/c1',
      'configmaps/c2',
      'persistentvolumeclaims/data',
    ]);
    expect(plan.actions.map((a) => a.op)).toEqual(['create-super']);
  });
});

describe('pods: converge and reflect', () => {
  it('updates only what a pod may change, keeping tolerations the super added', () => {
    const p = pod({ tolerations: [{ key: 'a', operator: 'Exists' }] });
    const ctx = context(world({ pods: [p] }));
    const copy = superCopy(pods, ctx, p);
    (copy.spec as Record<string, unknown>).tolerations = [{ key: 'a', operator: 'Exists' }, { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }];
    (copy.spec as Record<string, unknown>).nodeName = 'node-1';
    copy.status = { phase: 'Pending', qosClass: 'BestEffort' };
    expect(planSync(pods, context(world({ pods: [p] }, { pods: [copy] })), 'default', 'web').actions.filter((a) => a.op === 'update-super')).toEqual([]);

    const newImage = { ...p, spec: { ...(p.spec as object), containers: [{ name: 'c', image: 'nginx:2' }] } };
    const up = planSync(pods, context(world({ pods: [newImage] }, { pods: [copy] })), 'default', 'web').actions.find((a) => a.op === 'update-super') as Extract<Action, { op: 'update-super' }>;
    const spec = up.object.spec as { containers: { image: string }[]; tolerations: unknown[]; nodeName: string };
    expect(spec.containers[0]!.image).toBe('nginx:2');
    expect(spec.tolerations).toHaveLength(2);
    expect(spec.nodeName).toBe('node-1');
  });

  it('binds the tenant pod to the super node (virtual node first) and copies status up', () => {
    const p = pod();
    const copy = superCopy(pods, context(world({ pods: [p] })), p);
    (copy.spec as Record<string, unknown>).nodeName = 'node-1';
    copy.status = { phase: 'Running', podIP: '10.244.1.5', podIPs: [{ ip: '10.244.1.5' }], hostIP: '10.0.0.1', qosClass: 'Burstable', startTime: '2026-01-01T00:00:00Z' };
    const plan = planSync(pods, context(world({ pods: [p] }, { pods: [copy] })), 'default', 'web');
    expect(plan.needs).toEqual([{ kind: 'vnodes', namespace: '', name: 'node-1' }]);
    expect(plan.actions.map((a) => a.op)).toEqual(['update-tenant', 'bind-tenant']);
    expect(plan.actions[1]).toMatchObject({ node: 'node-1', name: 'web', namespace: 'default', uid: p.metadata!.uid });
    const st = (plan.actions[0] as Extract<Action, { op: 'update-tenant' }>).object.status;
    expect(st).toMatchObject({ phase: 'Running', podIP: '10.244.1.5', hostIP: '10.0.0.1', qosClass: 'BestEffort' });
    expect((plan.actions[0] as Extract<Action, { op: 'update-tenant' }>).subresource).toBe('status');

    // Bound and reflected: nothing left to do.
    const bound = { ...p, spec: { ...(p.spec as object), nodeName: 'node-1' }, status: tenantPodStatus(copy, p) };
    expect(planSync(pods, context(world({ pods: [bound] }, { pods: [copy] })), 'default', 'web').actions).toEqual([]);
  });

  it('holds a just-scheduled status back for the running one (binding at once), then writes it anyway', () => {
    const p = pod();
    const copy = superCopy(pods, context(world({ pods: [p] })), p);
    (copy.spec as Record<string, unknown>).nodeName = 'node-1';
    const scheduledAt = new Date(NOW - 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    copy.status = { phase: 'Pending', qosClass: 'BestEffort', conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: scheduledAt }] };
    const w = world({ pods: [p] }, { pods: [copy] });
    const held = planSync(pods, context(w), 'default', 'web');
    expect(held.actions.map((a) => a.op)).toEqual(['bind-tenant']);
    expect(held.requeueAfterMs).toBe(1000);
    // Past the hold: the scheduled status is written.
    const later = planSync(pods, context(w, TENANT, 'kata', NOW + 1500), 'default', 'web');
    expect(later.actions.map((a) => a.op)).toEqual(['update-tenant', 'bind-tenant']);
    expect(later.requeueAfterMs).toBeUndefined();
    // A container reported: no hold.
    copy.status = { ...(copy.status as Record<string, unknown>), containerStatuses: [{ name: 'c', state: { waiting: { reason: 'ContainerCreating' } } }] };
    expect(planSync(pods, context(w), 'default', 'web').actions.map((a) => a.op)).toEqual(['update-tenant', 'bind-tenant']);
  });

  it('finishes the tenant pod once its super pod is gone (the kubelet part), after confirming', () => {
    const p = pod({ nodeName: 'node-1' }, { metadata: { deletionTimestamp: '2026-01-01T00:00:30Z', deletionGracePeriodSeconds: 30 } });
    const plan = planSync(pods, context(world({ pods: [p] })), 'default', 'web');
    const a = plan.actions[0] as Extract<Action, { op: 'delete-tenant' }>;
    expect(plan.actions).toHaveLength(1);
    expect(a).toMatchObject({ op: 'delete-tenant', gracePeriodSeconds: 0, uid: p.metadata!.uid, confirmAbsent: { side: 'super', namespace: SUPER_NS, name: 'web' } });
  });

  it('shows a pod whose super copy vanished while it ran as Failed/Evicted; a finished one stays as it is', () => {
    const running = pod({ nodeName: 'node-1' }, { status: { phase: 'Running', startTime: '2026-01-01T00:00:00Z', containerStatuses: [{ name: 'c', ready: true, state: { running: { startedAt: '2026-01-01T00:00:01Z' } } }], conditions: [{ type: 'Ready', status: 'True' }] } });
    const plan = planSync(pods, context(world({ pods: [running] })), 'default', 'web');
    const a = plan.actions[0] as Extract<Action, { op: 'update-tenant' }>;
    expect(a.subresource).toBe('status');
    expect(a.confirmAbsent).toMatchObject({ side: 'super', name: 'web' });
    expect(a.object.status).toMatchObject({ phase: 'Failed', reason: 'Evicted' });
    const st = vanishedStatus(running);
    expect(st).toMatchObject({ containerStatuses: [{ ready: false, state: { terminated: { exitCode: 137 } } }], conditions: [{ type: 'Ready', status: 'False' }] });
    const done = pod({}, { status: { phase: 'Succeeded' } });
    expect(planSync(pods, context(world({ pods: [done] })), 'default', 'web').actions).toEqual([]);
  });
});

describe('pods: tenant policy', () => {
  const policyWith = (f: (p: ResolvedPolicy) => void): ResolvedPolicy => {
    const p = defaultPolicy(TENANT.name);
    f(p);
    return p;
  };
  const plan = (p: KubeObject, policy?: ResolvedPolicy) => planSync(pods, context(world({ pods: [p] }), TENANT, 'kata', NOW, policy), 'default', 'web');

  it('uses an allowed runtime class, and the default for none or a disallowed one (the API server refuses those at the door)', () => {
    const two = policyWith((p) => (p.runtimeClasses.allowed = ['kata', 'gvisor']));
    const created = (p: KubeObject, policy?: ResolvedPolicy) => (plan(p, policy).actions[0] as Extract<Action, { op: 'create-super' }>).object.spec as Record<string, unknown>;
    expect(created(pod({ runtimeClassName: 'gvisor' }), two).runtimeClassName).toBe('gvisor');
    expect(created(pod(), two).runtimeClassName).toBe('kata');
    expect(created(pod({ runtimeClassName: 'runc' }), two).runtimeClassName).toBe('kata');
  });

  it('forces the node pool selector over the tenant selector', () => {
    const pool = policyWith((p) => (p.nodePool.nodeSelector = { pool: 'tenants' }));
    const a = plan(pod({ nodeSelector: { disk: 'ssd' } }), pool).actions[0] as Extract<Action, { op: 'create-super' }>;
    expect((a.object.spec as { nodeSelector: unknown }).nodeSelector).toEqual({ disk: 'ssd', pool: 'tenants' });
    expect(plan(pod({ nodeSelector: { pool: 'gpu' } }), pool).actions.map((x) => x.op)).toEqual(['tenant-event']);
  });

  it('does not sync a sandbox escape (host network), and warns on the tenant pod in PSA words', () => {
    const out = plan(pod({ hostNetwork: true }));
    expect(out.actions).toHaveLength(1);
    expect((out.actions[0] as Extract<Action, { op: 'tenant-event' }>).event).toMatchObject({
      type: 'Warning',
      reason: 'PolicyViolation',
      message: 'violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true)',
      involvedObject: { kind: 'Pod', name: 'web' },
    });
    // An explicit allow in the policy lets it through.
    expect(plan(pod({ hostNetwork: true }), policyWith((p) => (p.podSecurity.allow = new Set(['hostNetwork'])))).actions.map((a) => a.op)).toEqual(['create-super']);
  });

  it('keeps a forged reserved label out of the super pod without refusing it', () => {
    const forged = pod({}, { metadata: { labels: { 'tenantry.io/tenant': 'globex', app: 'web' } } as KubeObject['metadata'] });
    const a = plan(forged).actions[0] as Extract<Action, { op: 'create-super' }>;
    expect(a.op).toBe('create-super');
    expect(a.object.metadata?.labels).toMatchObject({ 'tenantry.io/tenant': 'acme', app: 'web' });
  });

  it('leaves an existing copy alone when the policy tightened since (no update, no deletion)', () => {
    const p = pod({ hostNetwork: true });
    const loose = policyWith((x) => (x.podSecurity.allow = new Set(['hostNetwork'])));
    const copy = superCopy(pods, context(world({ pods: [p] }), TENANT, 'kata', NOW, loose), p, { status: { phase: 'Pending', qosClass: 'BestEffort' } });
    const tight = planSync(pods, context(world({ pods: [p] }, { pods: [copy] })), 'default', 'web');
    expect(tight.actions.filter((a) => a.op.endsWith('-super'))).toEqual([]);
  });
});
