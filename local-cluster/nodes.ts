// Simulated nodes: what each kubelet registers (labels, capacity, addresses,
// node info, pod CIDR) and keeps fresh (condition heartbeats, its Lease in
// kube-node-lease). One reconcile per node name; a deleted node re-registers,
// as a kubelet does.

import { createHash } from 'node:crypto';
import type { ResourceStore } from '../tenant-apiserver/api/store.js';
import { asObj, objs, str } from '../tenant-apiserver/api/strategies/util.js';
import { rfc3339, type KubeObject, type StoredObject } from '../tenant-apiserver/api/types.js';
import type { Controller } from '../tenant-apiserver/controllers/runtime.js';
import { USERS, ignoring, isCode, type CoreResources } from './util.js';

export interface NodeShape {
  cpu: string;
  memory: string;
  pods: string;
  ephemeralStorage: string;
}

export const DEFAULT_NODE_SHAPE: NodeShape = { cpu: '4', memory: '16Gi', pods: '110', ephemeralStorage: '100Gi' };
export const MAX_NODES = 254;
export const LEASE_DURATION_SECONDS = 40;

export interface NodeOptions {
  count: number;
  kubeletVersion: string;
  shape?: NodeShape;
  /** How often conditions' lastHeartbeatTime is refreshed (kubelet's nodeStatusReportFrequency, shortened). */
  heartbeatSeconds?: number;
  /** How often the node Lease is renewed (kubelet: a quarter of the lease duration). */
  leaseRenewSeconds?: number;
}

export function nodeName(index: number): string {
  return `node-${index}`;
}

/** The index of a simulated node name (`node-3` → 3), or undefined for anything else. */
export function nodeIndex(name: string, count: number): number | undefined {
  const m = /^node-(\d+)$/.exec(name);
  if (!m) return undefined;
  const n = Number(m[1]);
  return n >= 1 && n <= count ? n : undefined;
}

export function nodeInternalIP(index: number): string {
  return `10.0.${index >> 8}.${index & 255}`;
}

export function nodePodCIDR(index: number): string {
  return `10.244.${index}.0/24`;
}

function stableId(name: string, salt: string): string {
  return createHash('sha256').update(`${salt}:${name}`).digest('hex');
}

function uuidFrom(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export const INSTANCE_TYPE = 'tenantry.sim-4x16';
const OS_IMAGE = 'Ubuntu 24.04.1 LTS';
const KERNEL = '6.8.0-51-generic';
const CONTAINER_RUNTIME = 'containerd://1.7.24';

export function nodeConditions(now: string, previous: unknown): Record<string, unknown>[] {
  const prev = new Map(objs(previous).map((c) => [str(c.type), c]));
  const cond = (type: string, status: string, reason: string, message: string) => {
    const before = prev.get(type);
    // Transition time moves only when the status does.
    const lastTransitionTime = before && before.status === status && str(before.lastTransitionTime) ? before.lastTransitionTime : now;
    return { type, status, lastHeartbeatTime: now, lastTransitionTime, reason, message };
  };
  return [
    cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
    cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    cond('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
  ];
}

export function nodeStatus(index: number, opts: NodeOptions, now: string, previous?: KubeObject): Record<string, unknown> {
  const name = nodeName(index);
  const shape = opts.shape ?? DEFAULT_NODE_SHAPE;
  const resources = { cpu: shape.cpu, 'ephemeral-storage': shape.ephemeralStorage, 'hugepages-1Gi': '0', 'hugepages-2Mi': '0', memory: shape.memory, pods: shape.pods };
  const id = stableId(name, 'machine');
  return {
    capacity: resources,
    allocatable: { ...resources },
    conditions: nodeConditions(now, asObj(previous?.status)?.conditions),
    addresses: [
      { type: 'InternalIP', address: nodeInternalIP(index) },
      { type: 'Hostname', address: name },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    nodeInfo: {
      machineID: id.slice(0, 32),
      systemUUID: uuidFrom(stableId(name, 'system')),
      bootID: uuidFrom(stableId(name, 'boot')),
      kernelVersion: KERNEL,
      osImage: OS_IMAGE,
      containerRuntimeVersion: CONTAINER_RUNTIME,
      kubeletVersion: opts.kubeletVersion,
      operatingSystem: 'linux',
      architecture: 'amd64',
    },
  };
}

/** The Node a kubelet registers. */
export function nodeObject(index: number, opts: NodeOptions, now: string): KubeObject {
  const name = nodeName(index);
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'node.kubernetes.io/instance-type': INSTANCE_TYPE,
      },
      annotations: {
        'node.alpha.kubernetes.io/ttl': '0',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
      },
    },
    spec: { podCIDR: nodePodCIDR(index), podCIDRs: [nodePodCIDR(index)] },
    status: nodeStatus(index, opts, now),
  };
}

export function leaseObject(node: StoredObject, now: Date): KubeObject {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name: node.metadata.name,
      namespace: 'kube-node-lease',
      ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: node.metadata.name, uid: node.metadata.uid }],
    },
    spec: { holderIdentity: node.metadata.name, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime: microTime(now) },
  };
}

/** metav1.MicroTime: RFC 3339 with microseconds. */
export function microTime(d: Date): string {
  return d.toISOString().replace(/Z$/, '000Z');
}

function readyHeartbeat(node: KubeObject): number {
  const ready = objs(asObj(node.status)?.conditions).find((c) => c.type === 'Ready');
  const t = Date.parse(str(ready?.lastHeartbeatTime));
  return Number.isNaN(t) ? 0 : t;
}

export function nodeController(res: CoreResources, store: ResourceStore, opts: NodeOptions): Controller {
  const heartbeatMs = (opts.heartbeatSeconds ?? 60) * 1000;
  const renewMs = (opts.leaseRenewSeconds ?? 10) * 1000;

  async function ensureLease(node: StoredObject, now: Date): Promise<number> {
    const user = USERS.node(node.metadata.name);
    const lease = await ignoring(() => store.get(res.leases, 'kube-node-lease', node.metadata.name));
    if (!lease) {
      await store.create(res.leases, 'kube-node-lease', leaseObject(node, now), { user }).catch((e) => {
        if (!isCode(e, 409)) throw e;
      });
      return renewMs;
    }
    const renewed = Date.parse(str(asObj(lease.spec)?.renewTime));
    const due = (Number.isNaN(renewed) ? 0 : renewed) + renewMs;
    if (now.getTime() < due) return due - now.getTime();
    await store.update(res.leases, 'kube-node-lease', node.metadata.name, (cur) => {
      if (!cur) return leaseObject(node, now);
      return { ...cur, spec: { ...(asObj(cur.spec) ?? {}), holderIdentity: node.metadata.name, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime: microTime(now) } };
    }, { user });
    return renewMs;
  }

  return {
    name: 'local-nodes',
    async start(enqueue) {
      for (let i = 1; i <= opts.count; i++) enqueue(nodeName(i));
      const w = await store.watch(res.nodes, undefined, { resourceVersion: '', sharedObjects: true }, (type, obj) => {
        // A deleted node re-registers; others' nodes are left alone.
        if (nodeIndex(obj.metadata.name, opts.count) !== undefined && type === 'DELETED') enqueue(obj.metadata.name);
      });
      return () => w.stop();
    },
    async reconcile(name) {
      const index = nodeIndex(name, opts.count);
      if (index === undefined) return;
      const user = USERS.node(name);
      const now = new Date();
      let node = await ignoring(() => store.get(res.nodes, undefined, name));
      if (!node) {
        node = await store.create(res.nodes, undefined, nodeObject(index, opts, rfc3339(now)), { user }).catch(async (e) => {
          if (!isCode(e, 409)) throw e;
          return store.get(res.nodes, undefined, name);
        });
      } else if (now.getTime() - readyHeartbeat(node) >= heartbeatMs) {
        const r = await store.update(res.nodes, undefined, name, (cur) => {
          if (!cur) throw new Error('node vanished');
          return { ...cur, status: { ...(asObj(cur.status) ?? {}), ...nodeStatus(index, opts, rfc3339(now), cur) } };
        }, { user, subresource: 'status' });
        node = r.object;
      }
      const nextLease = await ensureLease(node, now);
      const nextHeartbeat = readyHeartbeat(node) + heartbeatMs - Date.now();
      return { requeueAfterMs: Math.max(100, Math.min(nextLease, nextHeartbeat)) };
    },
  };
}
