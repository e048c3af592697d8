// The local super cluster: the tenant API server plus what a real cluster
// does that a syncer relies on — nodes and their kubelets, a scheduler,
// RuntimeClass and ResourceQuota admission, service IP and node port
// allocation, Endpoints/EndpointSlices and quota status. `tenantry super` runs it.

import type { ApiServer, ApiServerContext, ApiServerOptions } from '../tenant-apiserver/apiserver.js';
import { KUBE_VERSION, startApiServer } from '../tenant-apiserver/apiserver.js';
import type { ResourceInfo } from '../tenant-apiserver/api/registry.js';
import type { ResourceStore } from '../tenant-apiserver/api/store.js';
import { isIPv4 } from '../tenant-apiserver/api/strategies/validators.js';
import type { KubeObject } from '../tenant-apiserver/api/types.js';
import type { Controller } from '../tenant-apiserver/controllers/runtime.js';
import { endpointsController, ENDPOINTS_MANAGED_BY, SERVICE_NAME_LABEL, SLICE_MANAGED_BY } from './endpoints.js';
import { kubeletController } from './kubelet.js';
import { DEFAULT_NODE_SHAPE, MAX_NODES, nodeController, nodeName, type NodeShape } from './nodes.js';
import { quotaAdmission, quotaController } from './quota.js';
import { limitRangerAdmission } from './limitrange.js';
import { KATA_RUNTIME_CLASS, runtimeClassAdmission } from './runtimeclass.js';
import { schedulerController } from './scheduler.js';
import { KUBERNETES_SERVICE_IP, serviceAllocation } from './service-alloc.js';
import { USERS, coreResources, isCode, type CoreResources } from './util.js';

export interface SuperClusterOptions extends Omit<ApiServerOptions, 'extraControllers' | 'admission'> {
  /** Simulated nodes, `node-1` … `node-N` (default 3, at most 254). */
  nodes?: number;
  /** Each simulated node's capacity (defaults: 4 CPUs, 16Gi, 110 pods, 100Gi ephemeral storage). */
  nodeShape?: Partial<NodeShape>;
  /** Delay from binding to Running (default 300 ms). */
  podStartDelayMs?: number;
  /** Longest simulated container shutdown on graceful deletion (default 500 ms; the grace period caps it). */
  podStopDelayMs?: number;
  /** Node condition heartbeat interval (default 60 s) and Lease renewal interval (default 10 s). */
  nodeHeartbeatSeconds?: number;
  leaseRenewSeconds?: number;
}

export interface SuperCluster extends ApiServer {
  nodeNames: string[];
}

export const DEFAULT_NODES = 3;
export const DEFAULT_POD_START_DELAY_MS = 300;
export const DEFAULT_POD_STOP_DELAY_MS = 500;

/** The in-process controllers of the local cluster, on the API server's controller runtime. */
export function localControllers(ctx: ApiServerContext, opts: SuperClusterOptions): Controller[] {
  const res = coreResources(ctx.registry);
  const nodes = opts.nodes ?? DEFAULT_NODES;
  return [
    nodeController(res, ctx.store, {
      count: nodes,
      kubeletVersion: KUBE_VERSION.gitVersion,
      shape: { ...DEFAULT_NODE_SHAPE, ...opts.nodeShape },
      heartbeatSeconds: opts.nodeHeartbeatSeconds,
      leaseRenewSeconds: opts.leaseRenewSeconds,
    }),
    schedulerController(res, ctx.store, ctx.log.child({ controller: 'scheduler' })),
    kubeletController(
      res,
      ctx.store,
      { nodeCount: nodes, podStartDelayMs: opts.podStartDelayMs ?? DEFAULT_POD_START_DELAY_MS, podStopDelayMs: opts.podStopDelayMs ?? DEFAULT_POD_STOP_DELAY_MS },
      ctx.log.child({ controller: 'kubelet' }),
    ),
    endpointsController(res, ctx.store),
    quotaController(ctx.registry, res, ctx.store, ctx.log.child({ controller: 'resourcequota' })),
  ];
}

export async function startSuperCluster(opts: SuperClusterOptions): Promise<SuperCluster> {
  const nodes = opts.nodes ?? DEFAULT_NODES;
  if (!Number.isInteger(nodes) || nodes < 0 || nodes > MAX_NODES) throw new Error(`--nodes must be an integer from 0 to ${MAX_NODES}, got ${nodes}`);
  const server = await startApiServer({
    ...opts,
    // LimitRanger and RuntimeClass before quota, as kube orders them: defaults and overhead are charged.
    admission: (ctx) => {
      const res = coreResources(ctx.registry);
      return [limitRangerAdmission(ctx.registry, ctx.store), runtimeClassAdmission(ctx.store, res.runtimeClasses), serviceAllocation(ctx.store, res.services), quotaAdmission(ctx.registry, ctx.store, res.resourceQuotas)];
    },
    extraControllers: (ctx) => localControllers(ctx, opts),
  });
  try {
    const res = coreResources(server.registry);
    await ensure(server.store, res.runtimeClasses, undefined, KATA_RUNTIME_CLASS);
    await ensureKubernetesService(server.store, res, opts.host ?? '127.0.0.1', server.port);
  } catch (e) {
    await server.close();
    throw e;
  }
  return { ...server, nodeNames: Array.from({ length: nodes }, (_, i) => nodeName(i + 1)) };
}

async function ensure(store: ResourceStore, info: ResourceInfo, namespace: string | undefined, obj: KubeObject): Promise<void> {
  // Look first: on a restart the object exists, and admission (IP allocation) would refuse a second create
  // before storage could answer AlreadyExists.
  const exists = await store.get(info, namespace, obj.metadata!.name!).then(
    () => true,
    (e) => {
      if (isCode(e, 404)) return false;
      throw e;
    },
  );
  if (exists) return;
  await store.create(info, namespace, obj, { user: USERS.apiserver }).catch((e) => {
    if (!isCode(e, 409)) throw e;
  });
}

/**
 * The `kubernetes` service kube-apiserver maintains in `default`, at the first
 * service IP. Its endpoints name the API server's address, which must be a
 * routable IPv4 address: for loopback or wildcard listeners there are none.
 */
async function ensureKubernetesService(store: ResourceStore, res: CoreResources, host: string, port: number): Promise<void> {
  await ensure(store, res.services, 'default', {
    metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: {
      type: 'ClusterIP',
      clusterIP: KUBERNETES_SERVICE_IP,
      clusterIPs: [KUBERNETES_SERVICE_IP],
      ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: port }],
      sessionAffinity: 'None',
    },
  });
  if (!isIPv4(host) || host === '0.0.0.0' || host.startsWith('127.')) return;
  await ensure(store, res.endpoints, 'default', {
    metadata: { name: 'kubernetes', namespace: 'default', labels: { [ENDPOINTS_MANAGED_BY]: 'kube-apiserver' } },
    subsets: [{ addresses: [{ ip: host }], ports: [{ name: 'https', port, protocol: 'TCP' }] }],
  });
  await ensure(store, res.endpointSlices, 'default', {
    metadata: { name: 'kubernetes', namespace: 'default', labels: { [SERVICE_NAME_LABEL]: 'kubernetes', [SLICE_MANAGED_BY]: 'kube-apiserver' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: [host], conditions: { ready: true } }],
    ports: [{ name: 'https', port, protocol: 'TCP' }],
  });
}
