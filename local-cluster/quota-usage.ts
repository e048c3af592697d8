// What an object charges against a ResourceQuota (kube's quota evaluators):
// pods (count, requests, limits; terminal pods and pods past their grace
// period are free), services (count, node ports, load balancers), claims
// (count, storage, per storage class), and `count/<resource>.<group>` for any
// kind. Plus the pod scopes (Terminating, BestEffort, PriorityClass, …) and the
// "must specify" constraint on pods when cpu or memory is quota'd.

import { addQuantities, compareQuantities, formatQuantity, parseQuantity, type Quantity } from '../tenant-apiserver/api/strategies/quantity.js';
import { podQosClass } from '../tenant-apiserver/api/strategies/pod-spec.js';
import { asArr, asObj, objs, str } from '../tenant-apiserver/api/strategies/util.js';
import type { KubeObject } from '../tenant-apiserver/api/types.js';
import { addInto, parseResourceList, podLimits, podRequests, type ResourceList } from './resources.js';

const ONE = parseQuantity('1');

function count(n: number): Quantity {
  return parseQuantity(String(n));
}

/** The `count/…` name for a kind: `count/pods`, `count/deployments.apps`. */
export function countName(group: string, resource: string): string {
  return group ? `count/${resource}.${group}` : `count/${resource}`;
}

/** `count/deployments.apps` → {group: 'apps', resource: 'deployments'}. */
export function parseCountName(name: string): { group: string; resource: string } | undefined {
  if (!name.startsWith('count/')) return undefined;
  const rest = name.slice('count/'.length);
  const dot = rest.indexOf('.');
  return dot < 0 ? { group: '', resource: rest } : { group: rest.slice(dot + 1), resource: rest.slice(0, dot) };
}

/** QuotaV1Pod: terminal pods, and pods stuck terminating past their grace period, are not charged. */
export function podCharged(pod: KubeObject, now: number): boolean {
  const phase = str(asObj(pod.status)?.phase);
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  const meta = pod.metadata ?? {};
  if (meta.deletionTimestamp && typeof meta.deletionGracePeriodSeconds === 'number') {
    const deadline = Date.parse(meta.deletionTimestamp) + meta.deletionGracePeriodSeconds * 1000;
    if (now > deadline) return false;
  }
  return true;
}

const COMPUTE = ['cpu', 'memory', 'ephemeral-storage'];

function podUsage(pod: KubeObject, now: number): ResourceList {
  const out: ResourceList = new Map();
  if (!podCharged(pod, now)) return out;
  out.set('pods', ONE);
  out.set('count/pods', ONE);
  for (const [k, q] of podRequests(pod)) {
    out.set(`requests.${k}`, q);
    if (COMPUTE.includes(k) || k.startsWith('hugepages-')) out.set(k, q);
  }
  for (const [k, q] of podLimits(pod)) if (COMPUTE.includes(k)) out.set(`limits.${k}`, q);
  return out;
}

function serviceUsage(svc: KubeObject): ResourceList {
  const spec = asObj(svc.spec) ?? {};
  const out: ResourceList = new Map([
    ['services', ONE],
    ['count/services', ONE],
  ]);
  const ports = objs(spec.ports).length;
  const type = str(spec.type);
  if (type === 'NodePort') out.set('services.nodeports', count(ports));
  if (type === 'LoadBalancer') {
    out.set('services.loadbalancers', ONE);
    out.set('services.nodeports', count(spec.allocateLoadBalancerNodePorts === false ? 0 : ports));
  }
  return out;
}

function claimUsage(pvc: KubeObject): ResourceList {
  const out: ResourceList = new Map([
    ['persistentvolumeclaims', ONE],
    ['count/persistentvolumeclaims', ONE],
  ]);
  const spec = asObj(pvc.spec) ?? {};
  // The larger of what was asked and what was granted (expansion in progress).
  const requested = parseResourceList(asObj(spec.resources)?.requests).get('storage');
  const allocated = parseResourceList(asObj(pvc.status)?.allocatedResources).get('storage');
  const storage = requested && allocated ? (compareQuantities(allocated, requested) > 0 ? allocated : requested) : (requested ?? allocated);
  const sc = str(spec.storageClassName);
  if (storage) out.set('requests.storage', storage);
  if (sc) {
    out.set(`${sc}.storageclass.storage.k8s.io/persistentvolumeclaims`, ONE);
    if (storage) out.set(`${sc}.storageclass.storage.k8s.io/requests.storage`, storage);
  }
  return out;
}

/** Everything one object charges. */
export function objectUsage(group: string, resource: string, obj: KubeObject, now: number): ResourceList {
  if (group === '') {
    switch (resource) {
      case 'pods':
        return podUsage(obj, now);
      case 'services':
        return serviceUsage(obj);
      case 'persistentvolumeclaims':
        return claimUsage(obj);
      case 'configmaps':
      case 'secrets':
      case 'replicationcontrollers':
      case 'resourcequotas':
        return new Map([
          [resource, ONE],
          [countName('', resource), ONE],
        ]);
    }
  }
  return new Map([[countName(group, resource), ONE]]);
}

// ---- scopes ---------------------------------------------------------------------------------------------------------

interface ScopeRequirement {
  scopeName: string;
  operator: string;
  values: string[];
}

/** The quota's scopes and scope selector as requirements (a plain scope is `Exists`). */
export function scopeRequirements(quota: KubeObject): ScopeRequirement[] {
  const spec = asObj(quota.spec) ?? {};
  const out: ScopeRequirement[] = asArr(spec.scopes).map((s) => ({ scopeName: String(s), operator: 'Exists', values: [] }));
  for (const e of objs(asObj(spec.scopeSelector)?.matchExpressions)) {
    out.push({ scopeName: str(e.scopeName), operator: str(e.operator), values: asArr(e.values).map(String) });
  }
  return out;
}

function crossNamespaceAffinity(pod: KubeObject): boolean {
  const affinity = asObj(asObj(pod.spec)?.affinity) ?? {};
  for (const kind of ['podAffinity', 'podAntiAffinity']) {
    const a = asObj(affinity[kind]) ?? {};
    const terms = [
      ...objs(a.requiredDuringSchedulingIgnoredDuringExecution),
      ...objs(a.preferredDuringSchedulingIgnoredDuringExecution).map((w) => asObj(w.podAffinityTerm) ?? {}),
    ];
    if (terms.some((t) => asArr(t.namespaces).length > 0 || asObj(t.namespaceSelector) !== undefined)) return true;
  }
  return false;
}

function podMatchesScope(pod: KubeObject, req: ScopeRequirement): boolean {
  const spec = asObj(pod.spec) ?? {};
  let has: boolean;
  switch (req.scopeName) {
    case 'Terminating':
      has = typeof spec.activeDeadlineSeconds === 'number' && spec.activeDeadlineSeconds >= 0;
      break;
    case 'NotTerminating':
      has = !(typeof spec.activeDeadlineSeconds === 'number' && spec.activeDeadlineSeconds >= 0);
      break;
    case 'BestEffort':
      has = podQosClass(spec) === 'BestEffort';
      break;
    case 'NotBestEffort':
      has = podQosClass(spec) !== 'BestEffort';
      break;
    case 'CrossNamespacePodAffinity':
      has = crossNamespaceAffinity(pod);
      break;
    case 'PriorityClass': {
      const pc = str(spec.priorityClassName);
      if (req.operator === 'In') return req.values.includes(pc);
      if (req.operator === 'NotIn') return !req.values.includes(pc);
      has = pc !== '';
      break;
    }
    default:
      return false;
  }
  return req.operator === 'DoesNotExist' ? !has : has;
}

/** Whether the quota applies to the object: unscoped quotas apply to all; scoped ones to matching pods only. */
export function quotaMatches(quota: KubeObject, group: string, resource: string, obj: KubeObject): boolean {
  const reqs = scopeRequirements(quota);
  if (reqs.length === 0) return true;
  if (group !== '' || resource !== 'pods') return false;
  return reqs.every((r) => podMatchesScope(obj, r));
}

// ---- constraints and arithmetic -------------------------------------------------------------------------------------

const NEEDS_REQUEST: Record<string, { kind: 'requests' | 'limits'; resource: string }> = {
  cpu: { kind: 'requests', resource: 'cpu' },
  'requests.cpu': { kind: 'requests', resource: 'cpu' },
  memory: { kind: 'requests', resource: 'memory' },
  'requests.memory': { kind: 'requests', resource: 'memory' },
  'limits.cpu': { kind: 'limits', resource: 'cpu' },
  'limits.memory': { kind: 'limits', resource: 'memory' },
};

/**
 * The pod evaluator's Constraints: with cpu or memory under quota, every
 * container must state them. Returns kube's "must specify …" text, or undefined.
 */
export function podConstraintError(pod: KubeObject, hard: Iterable<string>): string | undefined {
  const spec = asObj(pod.spec) ?? {};
  const podLevel = asObj(spec.resources) ?? {};
  const missing = new Map<string, Set<string>>();
  for (const name of hard) {
    const need = NEEDS_REQUEST[name];
    if (!need) continue;
    if (asObj(podLevel[need.kind])?.[need.resource] !== undefined) continue;
    for (const c of [...objs(spec.containers), ...objs(spec.initContainers)]) {
      if (asObj(asObj(c.resources)?.[need.kind])?.[need.resource] !== undefined) continue;
      let set = missing.get(name);
      if (!set) missing.set(name, (set = new Set()));
      set.add(str(c.name));
    }
  }
  if (missing.size === 0) return undefined;
  return `must specify ${[...missing.keys()]
    .sort()
    .map((r) => `${r} for: ${[...missing.get(r)!].sort().join(',')}`)
    .join('; ')}`;
}

/** Sum of usage over objects, limited to `names`. */
export function sumUsage(usages: Iterable<ResourceList>, names: ReadonlySet<string>): ResourceList {
  const out: ResourceList = new Map();
  for (const n of names) out.set(n, parseQuantity('0'));
  for (const u of usages) {
    const masked: ResourceList = new Map();
    for (const [k, q] of u) if (names.has(k)) masked.set(k, q);
    addInto(out, masked);
  }
  return out;
}

/** `a=1,b=2`, keys sorted (the quota plugin's prettyPrint). */
export function prettyPrint(list: ResourceList): string {
  return [...list.keys()]
    .sort()
    .map((k) => `${k}=${formatQuantity(list.get(k)!)}`)
    .join(',');
}

/** The exceeded-quota check for one quota: kube's message, or undefined when the request fits. */
export function exceededMessage(quotaName: string, hard: ResourceList, used: ResourceList, requested: ResourceList): string | undefined {
  const exceeded: string[] = [];
  for (const [k, want] of requested) {
    const limit = hard.get(k);
    if (!limit) continue;
    const total = addQuantities(used.get(k) ?? parseQuantity('0'), want);
    if (compareQuantities(total, limit) > 0) exceeded.push(k);
  }
  if (exceeded.length === 0) return undefined;
  const mask = (l: ResourceList) => new Map(exceeded.filter((k) => l.has(k)).map((k) => [k, l.get(k)!]));
  return `exceeded quota: ${quotaName}, requested: ${prettyPrint(mask(requested))}, used: ${prettyPrint(mask(used))}, limited: ${prettyPrint(mask(hard))}`;
}
