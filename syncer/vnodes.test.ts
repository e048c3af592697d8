import { describe, expect, it } from 'vitest';
import { LABEL_TENANT, LABEL_VIRTUAL_NODE } from './mapping.js';
import { context, world } from './engine/testkit.js';
import type { Action } from './engine/kind.js';
import type { KubeObject } from './types.js';
import { planVNode, virtualNode } from './vnodes.js';

const superNode: KubeObject = {
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name: 'node-1', uid: 'n1', labels: { 'kubernetes.io/hostname': 'node-1', 'tenantry.io/secret': 'x' } },
  spec: { unschedulable: true, podCIDR: '10.244.1.0/24', providerID: 'p://1', taints: [{ key: 'k', effect: 'NoSchedule' }] },
  status: {
    capacity: { cpu: '4', memory: '8Gi', pods: '110' },
    allocatable: { cpu: '4', memory: '8Gi', pods: '110' },
    conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: '2026-01-01T00:00:00Z', lastTransitionTime: '2026-01-01T00:00:00Z' }],
    addresses: [{ type: 'InternalIP', address: '10.0.0.1' }],
    nodeInfo: { kubeletVersion: 'v1.34.0' },
    images: [{ names: ['big'] }],
  },
};
const superPod: KubeObject = { metadata: { name: 'p', namespace: 'acme-x-default', labels: { [LABEL_TENANT]: 'acme' } }, spec: { nodeName: 'node-1' } };

describe('virtual nodes', () => {
  it('shows the super node as the tenant may see it', () => {
    const v = virtualNode(superNode);
    expect(v.metadata).toEqual({ name: 'node-1', labels: { 'kubernetes.io/hostname': 'node-1', [LABEL_VIRTUAL_NODE]: 'true' } });
    expect(v.spec).toEqual({ unschedulable: true, taints: [{ key: 'k', effect: 'NoSchedule' }] });
    expect(Object.keys(v.status as object).sort()).toEqual(['addresses', 'allocatable', 'capacity', 'conditions', 'nodeInfo']);
  });

  it('creates a node while the tenant has pods there, and removes it when none remain', () => {
    const create = planVNode(context(world({}, { nodes: [superNode], pods: [superPod] })), 'node-1');
    expect(create.actions.map((a) => a.op)).toEqual(['create-tenant']);
    const made = { ...(create.actions[0] as Extract<Action, { op: 'create-tenant' }>).object, metadata: { ...virtualNode(superNode).metadata, uid: 'v1', resourceVersion: '3' } };
    expect(planVNode(context(world({ nodes: [made] }, { nodes: [superNode], pods: [superPod] })), 'node-1').actions).toEqual([]);
    const del = planVNode(context(world({ nodes: [made] }, { nodes: [superNode], pods: [] })), 'node-1');
    expect(del.actions).toMatchObject([{ op: 'delete-tenant', name: 'node-1', uid: 'v1' }]);
    // Another tenant's pods on that node do not count.
    const foreign = { ...superPod, metadata: { ...superPod.metadata, labels: { [LABEL_TENANT]: 'globex' } } };
    expect(planVNode(context(world({ nodes: [made] }, { nodes: [superNode], pods: [foreign] })), 'node-1').actions.map((a) => a.op)).toEqual(['delete-tenant']);
    // Gone from the super cluster: gone from the tenant.
    expect(planVNode(context(world({ nodes: [made] }, { nodes: [], pods: [superPod] })), 'node-1').actions.map((a) => a.op)).toEqual(['delete-tenant']);
  });

  it('ignores heartbeats, follows real changes, and never touches a node the tenant made', () => {
    const made = { ...virtualNode(superNode), metadata: { ...virtualNode(superNode).metadata, uid: 'v1' } };
    const beat = JSON.parse(JSON.stringify(superNode)) as KubeObject;
    (beat.status as { conditions: { lastHeartbeatTime: string }[] }).conditions[0]!.lastHeartbeatTime = '2026-01-01T00:01:00Z';
    expect(planVNode(context(world({ nodes: [made] }, { nodes: [beat], pods: [superPod] })), 'node-1').actions).toEqual([]);
    const cordonedOff = { ...superNode, spec: { ...(superNode.spec as object), unschedulable: false } };
    expect(planVNode(context(world({ nodes: [made] }, { nodes: [cordonedOff], pods: [superPod] })), 'node-1').actions.map((a) => a.op)).toEqual(['update-tenant']);
    const notReady = JSON.parse(JSON.stringify(superNode)) as KubeObject;
    (notReady.status as { conditions: { status: string }[] }).conditions[0]!.status = 'False';
    expect(planVNode(context(world({ nodes: [made] }, { nodes: [notReady], pods: [superPod] })), 'node-1').actions).toMatchObject([{ op: 'update-tenant', subresource: 'status' }]);
    const theirs = { metadata: { name: 'node-1', uid: 't' } };
    expect(planVNode(context(world({ nodes: [theirs] }, { nodes: [superNode], pods: [superPod] })), 'node-1').actions.map((a) => a.op)).toEqual(['conflict']);
    expect(planVNode(context(world({ nodes: [theirs] }, { nodes: [superNode], pods: [] })), 'node-1').actions).toEqual([]);
  });
});
