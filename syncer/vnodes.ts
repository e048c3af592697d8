// Virtual nodes: a tenant sees one Node for each super node running at least
// one of its pods, named like the super node (so `spec.nodeName` reads the
// same on both sides), with the super node's labels, taints, unschedulable
// flag, capacity, conditions, addresses and node info. It goes away when the
// tenant has no pod left there (or the super node is gone). Only nodes the
// syncer made (labelled tenantry.io/virtual-node) are ever changed or removed.

import { LABEL_VIRTUAL_NODE, isReservedKey } from './mapping.js';
import { CORE, asObj, canonical, clone, isDeleting, objs, semanticEqual, uidOf, type KubeObject, type Obj } from './types.js';
import type { Action, Plan, SyncContext } from './engine/kind.js';

export const NODE = CORE('nodes', 'Node', false);

const STATUS_FIELDS = ['capacity', 'allocatable', 'conditions', 'addresses', 'nodeInfo'];

/** The tenant's view of a super node. */
export function virtualNode(superNode: KubeObject): KubeObject {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(superNode.metadata?.labels ?? {})) if (!isReservedKey(k)) labels[k] = v;
  labels[LABEL_VIRTUAL_NODE] = 'true';
  const spec: Obj = {};
  const ss = asObj(superNode.spec) ?? {};
  if (ss.unschedulable === true) spec.unschedulable = true;
  if (ss.taints !== undefined) spec.taints = clone(ss.taints);
  const st = asObj(superNode.status) ?? {};
  const status: Obj = {};
  for (const f of STATUS_FIELDS) if (st[f] !== undefined) status[f] = clone(st[f]);
  return { apiVersion: 'v1', kind: 'Node', metadata: { name: superNode.metadata?.name, labels }, spec, status };
}

/** Conditions without heartbeat times: a heartbeat alone is no reason to write. */
function comparableStatus(status: unknown): unknown {
  const s = clone(asObj(status) ?? {});
  for (const c of objs(s.conditions)) delete c.lastHeartbeatTime;
  return s;
}

/**
 * What of a super node its virtual nodes show, heartbeats left out: a node update that leaves
 * this unchanged (most are heartbeats) has nothing for any tenant. At 40 nodes and 100 tenants,
 * planning every tenant's virtual node on every heartbeat kept the syncer busy while nothing changed.
 */
export function vnodeFingerprint(superNode: KubeObject): string {
  const v = virtualNode(superNode);
  return JSON.stringify(canonical({ labels: v.metadata?.labels, spec: v.spec, status: comparableStatus(v.status) }));
}

export function vnodeStatusEqual(a: KubeObject, b: KubeObject): boolean {
  return semanticEqual(comparableStatus(a.status), comparableStatus(b.status));
}

export function vnodeSpecEqual(desired: KubeObject, actual: KubeObject): boolean {
  const spec = (o: KubeObject) => ({ unschedulable: asObj(o.spec)?.unschedulable === true, taints: asObj(o.spec)?.taints });
  return semanticEqual(desired.metadata?.labels, actual.metadata?.labels) && semanticEqual(spec(desired), spec(actual));
}

export function isVirtualNode(node: KubeObject | undefined): boolean {
  return node?.metadata?.labels?.[LABEL_VIRTUAL_NODE] === 'true';
}

/** The plan for the tenant's virtual node `name`. */
export function planVNode(ctx: SyncContext, name: string): Plan {
  const superNode = ctx.view.superNode(name);
  const needed = superNode !== undefined && ctx.view.superPodCountOnNode(name) > 0;
  const tenantNode = ctx.view.tenantGet('nodes', '', name);
  if (!needed) {
    if (tenantNode && isVirtualNode(tenantNode) && !isDeleting(tenantNode)) {
      return { needs: [], actions: [{ op: 'delete-tenant', ref: NODE, namespace: '', name, uid: uidOf(tenantNode), why: 'no pods of this tenant on the node' }] };
    }
    return { needs: [], actions: [] };
  }
  const desired = virtualNode(superNode);
  if (!tenantNode) return { needs: [], actions: [{ op: 'create-tenant', ref: NODE, object: desired }] };
  if (!isVirtualNode(tenantNode)) return { needs: [], actions: [{ op: 'conflict', message: `tenant node ${name} was not made by the syncer; leaving it alone` }] };
  const actions: Action[] = [];
  if (!vnodeSpecEqual(desired, tenantNode)) {
    const next = clone(tenantNode);
    next.metadata = { ...next.metadata, labels: desired.metadata?.labels };
    next.spec = { ...(asObj(tenantNode.spec) ?? {}), unschedulable: asObj(desired.spec)?.unschedulable, taints: asObj(desired.spec)?.taints };
    actions.push({ op: 'update-tenant', ref: NODE, object: next });
  }
  if (!vnodeStatusEqual(desired, tenantNode)) {
    actions.push({ op: 'update-tenant', ref: NODE, object: { ...clone(tenantNode), status: { ...(asObj(tenantNode.status) ?? {}), ...(desired.status as Obj) } }, subresource: 'status' });
  }
  return { needs: [], actions };
}
