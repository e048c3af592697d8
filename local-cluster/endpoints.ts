// The Endpoints and EndpointSlice controllers: for every service with a
// selector, the pods it selects become addresses (ready ones in `addresses`,
// the rest in `notReadyAddresses`; slices also carry terminating pods with
// their conditions), target ports resolved per pod (named ports by container
// port name). Services without a selector are left to whoever manages them.

import { labelSelectorFromObject, matchLabels } from '../tenant-apiserver/api/selectors.js';
import type { ResourceStore } from '../tenant-apiserver/api/store.js';
import { asObj, deepEqual, objs, str, type Obj } from '../tenant-apiserver/api/strategies/util.js';
import { rfc3339, type KubeObject, type StoredObject } from '../tenant-apiserver/api/types.js';
import type { Controller } from '../tenant-apiserver/controllers/runtime.js';
import { isTerminal } from './fit.js';
import { USERS, ignoring, isCode, nsKey, splitKey, type CoreResources } from './util.js';
import { ipToInt } from './ipam.js';

export const ENDPOINTS_MANAGED_BY = 'endpoints.kubernetes.io/managed-by';
export const ENDPOINTS_CONTROLLER = 'endpoint-controller';
export const SLICE_MANAGED_BY = 'endpointslice.kubernetes.io/managed-by';
export const SLICE_CONTROLLER = 'endpointslice-controller.k8s.io';
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';
export const MAX_ENDPOINTS_PER_SLICE = 100;
const TRIGGER_ANNOTATION = 'endpoints.kubernetes.io/last-change-trigger-time';

export interface ResolvedPort {
  name: string;
  port: number;
  protocol: string;
  appProtocol?: string;
}

export interface PodEndpoint {
  ip: string;
  pod: StoredObject;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  ports: ResolvedPort[];
}

function podReady(pod: KubeObject): boolean {
  return objs(asObj(pod.status)?.conditions).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** FindPort: an int target port as is; a named one from the pod's containers (same protocol). */
export function resolveTargetPort(pod: KubeObject, svcPort: Obj): number | undefined {
  const target = svcPort.targetPort ?? svcPort.port;
  if (typeof target === 'number') return target;
  const name = str(target);
  if (/^\d+$/.test(name)) return Number(name);
  const protocol = str(svcPort.protocol) || 'TCP';
  for (const c of objs(asObj(pod.spec)?.containers)) {
    for (const p of objs(c.ports)) {
      if (str(p.name) === name && (str(p.protocol) || 'TCP') === protocol && typeof p.containerPort === 'number') return p.containerPort;
    }
  }
  return undefined;
}

export function selectorMatchesPod(service: KubeObject, pod: KubeObject): boolean {
  const sel = asObj(asObj(service.spec)?.selector);
  if (!sel || Object.keys(sel).length === 0) return false;
  const ls = labelSelectorFromObject({ matchLabels: sel as Record<string, string> });
  return !!ls && matchLabels(ls, pod.metadata?.labels);
}

/** Every pod the service selects that has an IP, with its resolved ports. */
export function podEndpoints(service: KubeObject, pods: StoredObject[]): PodEndpoint[] {
  const spec = asObj(service.spec) ?? {};
  const publishNotReady = spec.publishNotReadyAddresses === true;
  const out: PodEndpoint[] = [];
  for (const pod of pods) {
    if (!selectorMatchesPod(service, pod) || isTerminal(pod)) continue;
    const ip = str(asObj(pod.status)?.podIP);
    if (!ip) continue;
    const ports: ResolvedPort[] = [];
    for (const sp of objs(spec.ports)) {
      const port = resolveTargetPort(pod, sp);
      if (port === undefined) continue;
      const rp: ResolvedPort = { name: str(sp.name), port, protocol: str(sp.protocol) || 'TCP' };
      if (str(sp.appProtocol)) rp.appProtocol = str(sp.appProtocol);
      ports.push(rp);
    }
    const terminating = !!pod.metadata.deletionTimestamp;
    const serving = podReady(pod) || publishNotReady;
    out.push({ ip, pod, ready: serving && !terminating, serving, terminating, ports });
  }
  return out.sort((a, b) => (ipToInt(a.ip) ?? 0) - (ipToInt(b.ip) ?? 0) || (a.pod.metadata.uid < b.pod.metadata.uid ? -1 : 1));
}

function targetRef(pod: StoredObject): Obj {
  return { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid };
}

function address(ep: PodEndpoint): Obj {
  const a: Obj = { ip: ep.ip };
  const spec = asObj(ep.pod.spec) ?? {};
  if (str(spec.nodeName)) a.nodeName = spec.nodeName;
  a.targetRef = targetRef(ep.pod);
  return a;
}

function hostnameFor(service: KubeObject, pod: KubeObject): string | undefined {
  const spec = asObj(pod.spec) ?? {};
  return str(spec.hostname) && str(spec.subdomain) === service.metadata?.name ? str(spec.hostname) : undefined;
}

/** Endpoints subsets, repacked: one subset per distinct port set. Terminating pods are left out. */
export function endpointSubsets(service: KubeObject, eps: PodEndpoint[]): Obj[] {
  const spec = asObj(service.spec) ?? {};
  const headless = str(spec.clusterIP) === 'None';
  const noPorts = objs(spec.ports).length === 0;
  const groups = new Map<string, { ports: ResolvedPort[]; addresses: Obj[]; notReady: Obj[] }>();
  for (const ep of eps) {
    if (ep.terminating) continue;
    if (ep.ports.length === 0 && !(noPorts && headless)) continue;
    const key = JSON.stringify(ep.ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports: ep.ports, addresses: [], notReady: [] }));
    const a = address(ep);
    const hn = hostnameFor(service, ep.pod);
    if (hn) a.hostname = hn;
    (ep.ready ? g.addresses : g.notReady).push(a);
  }
  return [...groups.values()].map((g) => {
    const subset: Obj = {};
    if (g.addresses.length > 0) subset.addresses = g.addresses;
    if (g.notReady.length > 0) subset.notReadyAddresses = g.notReady;
    if (g.ports.length > 0) subset.ports = g.ports.map((p) => ({ ...p }));
    return subset;
  });
}

function managedLabels(service: KubeObject, extra: Record<string, string>): Record<string, string> {
  const labels: Record<string, string> = { ...(service.metadata?.labels ?? {}), ...extra };
  if (str(asObj(service.spec)?.clusterIP) === 'None') labels[HEADLESS_LABEL] = '';
  else delete labels[HEADLESS_LABEL];
  return labels;
}

export function endpointsObject(service: StoredObject, subsets: Obj[], now: Date): KubeObject {
  const o: KubeObject = {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: {
      name: service.metadata.name,
      namespace: service.metadata.namespace,
      labels: managedLabels(service, { [ENDPOINTS_MANAGED_BY]: ENDPOINTS_CONTROLLER }),
      annotations: { [TRIGGER_ANNOTATION]: rfc3339(now) },
    },
  };
  if (subsets.length > 0) o.subsets = subsets;
  return o;
}

/** The slices a service should have: endpoints grouped by port set, at most 100 per slice. */
export function desiredSlices(service: StoredObject, eps: PodEndpoint[]): { ports: ResolvedPort[]; endpoints: Obj[] }[] {
  const spec = asObj(service.spec) ?? {};
  const groups = new Map<string, { ports: ResolvedPort[]; endpoints: Obj[] }>();
  const needsPorts = objs(spec.ports).length > 0;
  for (const ep of eps) {
    if (needsPorts && ep.ports.length === 0) continue;
    const key = JSON.stringify(ep.ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports: ep.ports, endpoints: [] }));
    const e: Obj = { addresses: [ep.ip], conditions: { ready: ep.ready, serving: ep.serving, terminating: ep.terminating } };
    const hn = hostnameFor(service, ep.pod);
    if (hn) e.hostname = hn;
    const node = str(asObj(ep.pod.spec)?.nodeName);
    if (node) e.nodeName = node;
    e.targetRef = targetRef(ep.pod);
    g.endpoints.push(e);
  }
  const out: { ports: ResolvedPort[]; endpoints: Obj[] }[] = [];
  for (const g of groups.values()) {
    for (let i = 0; i < g.endpoints.length; i += MAX_ENDPOINTS_PER_SLICE) out.push({ ports: g.ports, endpoints: g.endpoints.slice(i, i + MAX_ENDPOINTS_PER_SLICE) });
  }
  // A service with no endpoints keeps one empty placeholder slice, without ports.
  if (out.length === 0) out.push({ ports: [], endpoints: [] });
  return out;
}

export function sliceObject(service: StoredObject, want: { ports: ResolvedPort[]; endpoints: Obj[] }, now: Date): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      generateName: `${service.metadata.name}-`,
      namespace: service.metadata.namespace,
      labels: managedLabels(service, { [SERVICE_NAME_LABEL]: service.metadata.name, [SLICE_MANAGED_BY]: SLICE_CONTROLLER }),
      annotations: { [TRIGGER_ANNOTATION]: rfc3339(now) },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: service.metadata.name, uid: service.metadata.uid, controller: true, blockOwnerDeletion: true }],
    },
    addressType: 'IPv4',
    endpoints: want.endpoints,
    ...(want.ports.length > 0 ? { ports: want.ports.map((p) => ({ ...p })) } : {}),
  };
}

/** Whether the stored object already says what we would write (labels, and the data fields). */
function sameContent(cur: KubeObject, want: KubeObject, fields: string[]): boolean {
  if (!deepEqual(cur.metadata?.labels ?? {}, want.metadata?.labels ?? {})) return false;
  return fields.every((f) => deepEqual(cur[f] ?? (f === 'endpoints' || f === 'ports' ? [] : undefined), want[f] ?? (f === 'endpoints' || f === 'ports' ? [] : undefined)));
}

function hasSelector(svc: KubeObject): boolean {
  return Object.keys(asObj(asObj(svc.spec)?.selector) ?? {}).length > 0 && str(asObj(svc.spec)?.type) !== 'ExternalName';
}

export function endpointsController(res: CoreResources, store: ResourceStore): Controller {
  /** Service names per namespace, so a pod change wakes only its namespace's services. */
  const byNamespace = new Map<string, Set<string>>();

  async function syncEndpoints(svc: StoredObject, eps: PodEndpoint[], now: Date): Promise<void> {
    const ns = svc.metadata.namespace!;
    const want = endpointsObject(svc, endpointSubsets(svc, eps), now);
    const cur = await ignoring(() => store.get(res.endpoints, ns, svc.metadata.name));
    if (cur && sameContent(cur, want, ['subsets'])) return;
    if (!cur) {
      await store.create(res.endpoints, ns, want, { user: USERS.endpoints });
      return;
    }
    await store.update(res.endpoints, ns, svc.metadata.name, (c) => {
      const base: KubeObject = c ?? {};
      const next: KubeObject = { ...base, metadata: { ...(base.metadata ?? {}), labels: want.metadata!.labels, annotations: { ...(base.metadata?.annotations ?? {}), ...want.metadata!.annotations } } };
      if (want.subsets) next.subsets = want.subsets;
      else delete next.subsets;
      return next;
    }, { user: USERS.endpoints });
  }

  async function syncSlices(svc: StoredObject, eps: PodEndpoint[], now: Date): Promise<void> {
    const ns = svc.metadata.namespace!;
    const existing = (await store.list(res.endpointSlices, ns)).items.filter(
      (s) => s.metadata.labels?.[SERVICE_NAME_LABEL] === svc.metadata.name && s.metadata.labels?.[SLICE_MANAGED_BY] === SLICE_CONTROLLER,
    );
    existing.sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
    const wanted = desiredSlices(svc, eps).map((w) => sliceObject(svc, w, now));
    for (let i = 0; i < Math.max(existing.length, wanted.length); i++) {
      const cur = existing[i];
      const want = wanted[i];
      if (cur && !want) {
        await store.delete(res.endpointSlices, ns, cur.metadata.name, {}, { user: USERS.endpointSlices }).catch((e) => {
          if (!isCode(e, 404)) throw e;
        });
      } else if (!cur && want) {
        await store.create(res.endpointSlices, ns, want, { user: USERS.endpointSlices });
      } else if (cur && want && !sameContent(cur, want, ['endpoints', 'ports', 'addressType'])) {
        await store.update(res.endpointSlices, ns, cur.metadata.name, (c) => {
          const base = c ?? cur;
          return {
            ...base,
            metadata: { ...base.metadata, labels: want.metadata!.labels, annotations: { ...(base.metadata?.annotations ?? {}), ...want.metadata!.annotations } },
            endpoints: want.endpoints,
            ports: want.ports,
          } as KubeObject;
        }, { user: USERS.endpointSlices });
      }
    }
  }

  async function removeFor(namespace: string, name: string): Promise<void> {
    const ep = await ignoring(() => store.get(res.endpoints, namespace, name));
    if (ep && ep.metadata.labels?.[ENDPOINTS_MANAGED_BY] === ENDPOINTS_CONTROLLER) {
      await ignoring(() => store.delete(res.endpoints, namespace, name, {}, { user: USERS.endpoints }));
    }
    for (const s of (await store.list(res.endpointSlices, namespace)).items) {
      if (s.metadata.labels?.[SERVICE_NAME_LABEL] !== name || s.metadata.labels?.[SLICE_MANAGED_BY] !== SLICE_CONTROLLER) continue;
      await ignoring(() => store.delete(res.endpointSlices, namespace, s.metadata.name, {}, { user: USERS.endpointSlices }));
    }
  }

  return {
    name: 'local-endpoints',
    async start(enqueue) {
      const services = await store.watch(res.services, undefined, { resourceVersion: '', sharedObjects: true }, (type, svc) => {
        const ns = svc.metadata.namespace ?? '';
        let set = byNamespace.get(ns);
        if (type === 'DELETED') set?.delete(svc.metadata.name);
        else {
          if (!set) byNamespace.set(ns, (set = new Set()));
          set.add(svc.metadata.name);
        }
        enqueue(nsKey(ns, svc.metadata.name));
      });
      const pods = await store.watch(res.pods, undefined, { resourceVersion: '', sharedObjects: true }, (_type, pod) => {
        for (const name of byNamespace.get(pod.metadata.namespace ?? '') ?? []) enqueue(nsKey(pod.metadata.namespace, name));
      });
      const endpoints = await store.watch(res.endpoints, undefined, { resourceVersion: '', sharedObjects: true }, (type, ep) => {
        // Someone removed or edited what we manage: put it back.
        if (type !== 'ADDED') enqueue(nsKey(ep.metadata.namespace, ep.metadata.name));
      });
      const slices = await store.watch(res.endpointSlices, undefined, { resourceVersion: '', sharedObjects: true }, (type, s) => {
        const svc = s.metadata.labels?.[SERVICE_NAME_LABEL];
        if (svc && type !== 'ADDED' && s.metadata.labels?.[SLICE_MANAGED_BY] === SLICE_CONTROLLER) enqueue(nsKey(s.metadata.namespace, svc));
      });
      return () => {
        services.stop();
        pods.stop();
        endpoints.stop();
        slices.stop();
      };
    },
    async reconcile(key) {
      const { namespace, name } = splitKey(key);
      const svc = await ignoring(() => store.get(res.services, namespace, name));
      if (!svc) {
        await removeFor(namespace, name);
        return;
      }
      if (!hasSelector(svc)) return;
      const pods = (await store.list(res.pods, namespace)).items;
      const eps = podEndpoints(svc, pods);
      const now = new Date();
      await syncEndpoints(svc, eps, now);
      await syncSlices(svc, eps, now);
    },
  };
}
