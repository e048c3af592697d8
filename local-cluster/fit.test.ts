import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../tenant-apiserver/api/types.js';
import { failedSchedulingMessage, filterNode, nodeLoads, nodeMatchesPod, schedule, tolerates } from './fit.js';
import { nodeObject } from './nodes.js';

const now = '2025-01-02T03:04:05Z';
const opts = { count: 3, kubeletVersion: 'v1.34.0' };

function node(i: number, patch: (n: KubeObject) => void = () => {}): KubeObject {
  const n = nodeObject(i, opts, now);
  patch(n);
  return n;
}

function pod(spec: Record<string, unknown> = {}, requests?: Record<string, string>): KubeObject {
  return {
    metadata: { name: 'p', namespace: 'default', uid: 'u' },
    spec: { containers: [{ name: 'c', image: 'nginx', ...(requests ? { resources: { requests } } : {}) }], ...spec },
    status: { phase: 'Pending' },
  };
}

function boundPod(nodeName: string, requests: Record<string, string>, phase = 'Running'): KubeObject {
  return { metadata: { name: 'x' }, spec: { nodeName, containers: [{ name: 'c', image: 'i', resources: { requests } }] }, status: { phase } };
}

describe('tolerations', () => {
  const taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };
  it('matches kube\'s ToleratesTaint rules', () => {
    expect(tolerates({ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }, taint)).toBe(true);
    expect(tolerates({ key: 'dedicated', value: 'gpu' }, taint)).toBe(true);
    expect(tolerates({ key: 'dedicated', value: 'cpu' }, taint)).toBe(false);
    expect(tolerates({ key: 'dedicated', operator: 'Exists' }, taint)).toBe(true);
    expect(tolerates({ operator: 'Exists' }, taint)).toBe(true);
    expect(tolerates({ operator: 'Exists', effect: 'NoExecute' }, taint)).toBe(false);
    expect(tolerates({ value: 'gpu' }, taint)).toBe(false);
  });
});

describe('node affinity', () => {
  it('applies nodeSelector and ORs required terms, ANDing expressions', () => {
    const n = node(2);
    expect(nodeMatchesPod(pod({ nodeSelector: { 'kubernetes.io/hostname': 'node-2' } }), n)).toBe(true);
    expect(nodeMatchesPod(pod({ nodeSelector: { 'kubernetes.io/hostname': 'node-1' } }), n)).toBe(false);
    const affinity = (terms: unknown[]) => ({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } } });
    expect(nodeMatchesPod(pod(affinity([{ matchExpressions: [{ key: 'kubernetes.io/os', operator: 'In', values: ['linux'] }] }])), n)).toBe(true);
    expect(nodeMatchesPod(pod(affinity([{ matchExpressions: [{ key: 'kubernetes.io/os', operator: 'NotIn', values: ['linux'] }] }])), n)).toBe(false);
    expect(
      nodeMatchesPod(
        pod(affinity([
          { matchExpressions: [{ key: 'zone', operator: 'Exists' }] },
          { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-2'] }] },
        ])),
        n,
      ),
    ).toBe(true);
    expect(nodeMatchesPod(pod(affinity([{ matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }, { key: 'kubernetes.io/arch', operator: 'In', values: ['arm64'] }] }])), n)).toBe(false);
    expect(nodeMatchesPod(pod(affinity([{}])), n)).toBe(false);
    const labelled = node(1, (x) => (x.metadata!.labels!.cores = '8'));
    expect(nodeMatchesPod(pod(affinity([{ matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['4'] }] }])), labelled)).toBe(true);
    expect(nodeMatchesPod(pod(affinity([{ matchExpressions: [{ key: 'cores', operator: 'Lt', values: ['4'] }] }])), labelled)).toBe(false);
  });
});

describe('filters', () => {
  it('reports the first rejecting plugin in kube\'s order', () => {
    const cordonedAndTainted = node(1, (n) => {
      n.spec = { ...(n.spec as object), unschedulable: true, taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }] };
    });
    expect(filterNode(pod(), cordonedAndTainted, undefined)).toEqual({ node: 'node-1', reasons: ['node(s) were unschedulable'], unresolvable: true });
    const tainted = node(1, (n) => (n.spec = { ...(n.spec as object), taints: [{ key: 'k', value: 'v', effect: 'NoExecute' }] }));
    expect(filterNode(pod(), tainted, undefined)?.reasons).toEqual(['node(s) had untolerated taint {k: v}']);
    expect(filterNode(pod({ tolerations: [{ key: 'k', operator: 'Exists' }] }), tainted, undefined)).toBeUndefined();
    const soft = node(1, (n) => (n.spec = { ...(n.spec as object), taints: [{ key: 'k', value: 'v', effect: 'PreferNoSchedule' }] }));
    expect(filterNode(pod(), soft, undefined)).toBeUndefined();
  });

  it('counts requests and pods of non-terminal pods bound to the node', () => {
    const n = node(1);
    const loads = nodeLoads([boundPod('node-1', { cpu: '3500m', memory: '1Gi' }), boundPod('node-1', { cpu: '4' }, 'Succeeded')]);
    expect(loads.get('node-1')?.pods).toBe(1);
    expect(filterNode(pod({}, { cpu: '500m' }), n, loads.get('node-1'))).toBeUndefined();
    expect(filterNode(pod({}, { cpu: '501m', memory: '16Gi' }), n, loads.get('node-1'))).toEqual({
      node: 'node-1',
      reasons: ['Insufficient cpu', 'Insufficient memory'],
      unresolvable: false,
    });
    const full = node(1, (x) => ((x.status as { allocatable: Record<string, string> }).allocatable.pods = '1'));
    expect(filterNode(pod(), full, loads.get('node-1'))?.reasons).toEqual(['Too many pods']);
    expect(filterNode(pod({}, { 'example.com/gpu': '1' }), n, undefined)?.reasons).toEqual(['Insufficient example.com/gpu']);
  });

  it('refuses host port conflicts', () => {
    const withPort = (port: number) => ({ containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 80, hostPort: port }] }] });
    const busy: KubeObject = { metadata: { name: 'b' }, spec: { nodeName: 'node-1', ...withPort(8080) }, status: { phase: 'Running' } };
    const loads = nodeLoads([busy]);
    expect(filterNode(pod(withPort(8080)), node(1), loads.get('node-1'))?.reasons).toEqual(["node(s) didn't have free ports for the requested pod ports"]);
    expect(filterNode(pod(withPort(8081)), node(1), loads.get('node-1'))).toBeUndefined();
  });
});

describe('schedule', () => {
  it('prefers the least allocated node, then fewer pods, then the name', () => {
    const nodes = [node(1), node(2), node(3)];
    const loads = nodeLoads([boundPod('node-1', { cpu: '1' }), boundPod('node-3', { cpu: '100m', memory: '200Mi' })]);
    expect(schedule(pod(), nodes, loads)).toEqual({ node: 'node-2' });
    expect(schedule(pod(), nodes, new Map())).toEqual({ node: 'node-1' });
  });

  it('returns every node\'s rejection when nothing fits', () => {
    const nodes = [node(1), node(2, (n) => (n.spec = { ...(n.spec as object), unschedulable: true })), node(3)];
    const r = schedule(pod({ nodeSelector: { disk: 'ssd' } }), nodes, new Map());
    expect('rejections' in r && r.rejections.map((x) => x.node)).toEqual(['node-1', 'node-2', 'node-3']);
  });
});

describe('FailedScheduling message', () => {
  it('sorts the reason histogram and adds the preemption verdict', () => {
    const p = pod();
    const msg = failedSchedulingMessage(p, 3, [
      { node: 'node-1', reasons: ['Insufficient cpu', 'Insufficient memory'], unresolvable: false },
      { node: 'node-2', reasons: ["node(s) didn't match Pod's node affinity/selector"], unresolvable: true },
      { node: 'node-3', reasons: ['Insufficient cpu'], unresolvable: false },
    ]);
    expect(msg).toBe(
      "0/3 nodes are available: 1 Insufficient memory, 1 node(s) didn't match Pod's node affinity/selector, 2 Insufficient cpu. " +
        'preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.',
    );
  });

  it('words the no-node and preemptionPolicy=Never cases as kube does', () => {
    expect(failedSchedulingMessage(pod(), 0, [])).toBe('no nodes available to schedule pods');
    expect(failedSchedulingMessage(pod({ preemptionPolicy: 'Never' }), 1, [{ node: 'node-1', reasons: ['Too many pods'], unresolvable: false }])).toBe(
      '0/1 nodes are available: 1 Too many pods. preemption: not eligible due to preemptionPolicy=Never.',
    );
  });
});
