import { afterEach, describe, expect, it } from 'vitest';
import type { StoredObject } from '../api/types.js';
import { daemonSetController, nodeOfPod, nodeSelectorMatches, nodeShouldRunDaemonPod, pinToNode } from './daemonset.js';
import { controllerEnv, type ControllerEnv } from './testkit.js';

const DS = 'apps/v1/daemonsets';
const PODS = '/v1/pods';
const NODES = '/v1/nodes';
let env: ControllerEnv;

afterEach(async () => env?.close());

const node = (name: string, labels: Record<string, string> = {}, taints: unknown[] = []) => ({ metadata: { name, labels }, spec: { taints } });
const tmpl = (spec: Record<string, unknown> = {}) => ({ metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c', image: 'agent:1' }], ...spec } });

describe('node eligibility', () => {
  it('matches node selectors, required affinity and taints like the scheduler predicates', () => {
    const n = node('n1', { zone: 'a', size: '4' }, [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }]);
    expect(nodeShouldRunDaemonPod(n, tmpl())).toBe(false);
    expect(nodeShouldRunDaemonPod(n, tmpl({ tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }] }))).toBe(true);
    expect(nodeShouldRunDaemonPod(n, tmpl({ tolerations: [{ operator: 'Exists' }], nodeSelector: { zone: 'b' } }))).toBe(false);
    const affinity = (expr: unknown) => tmpl({ tolerations: [{ operator: 'Exists' }], affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [expr] }] } } } });
    expect(nodeShouldRunDaemonPod(n, affinity({ key: 'size', operator: 'Gt', values: ['2'] }))).toBe(true);
    expect(nodeShouldRunDaemonPod(n, affinity({ key: 'zone', operator: 'NotIn', values: ['a'] }))).toBe(false);
    // Node condition taints are tolerated by every daemon pod.
    expect(nodeShouldRunDaemonPod(node('n2', {}, [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }, { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }]), tmpl())).toBe(true);
    // PreferNoSchedule does not keep daemons away.
    expect(nodeShouldRunDaemonPod(node('n3', {}, [{ key: 'x', effect: 'PreferNoSchedule' }]), tmpl())).toBe(true);
  });

  it('pins pods with a metadata.name node affinity and reads it back', () => {
    const spec: Record<string, unknown> = { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'a', operator: 'Exists' }] }] } } } };
    pinToNode(spec, 'n7');
    expect(spec.affinity).toEqual({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n7'] }] }] } } });
    expect(nodeOfPod({ spec })).toBe('n7');
    expect(nodeSelectorMatches((spec.affinity as { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: unknown } }).nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution, node('n7'))).toBe(true);
  });
});

describe('DaemonSet controller', () => {
  const podsByNode = async () => {
    const m: Record<string, string[]> = {};
    for (const p of await env.list(PODS)) {
      if (p.metadata.deletionTimestamp) continue;
      const n = nodeOfPod(p)!;
      (m[n] ??= []).push((p.spec as { containers: { image: string }[] }).containers[0]!.image);
    }
    return m;
  };
  const readyAll = async () => {
    for (const p of await env.list(PODS)) if ((p.status as { phase?: string }).phase === 'Pending') await env.setPod(p.metadata.name, 'Running', true);
  };
  const st = async () => ((await env.get(DS, 'agent'))?.status ?? {}) as Record<string, unknown>;

  it('runs one pod per eligible node and follows node changes', async () => {
    env = await controllerEnv((r, s) => [daemonSetController(r, s)]);
    await env.create(NODES, node('n1'));
    await env.create(NODES, node('n2', {}, [{ key: 'gpu', effect: 'NoSchedule' }]));
    await env.create(DS, { metadata: { name: 'agent' }, spec: { selector: { matchLabels: { app: 'agent' } }, template: tmpl() } });
    await env.until(async () => JSON.stringify(await podsByNode()) === '{"n1":["agent:1"]}');
    const [pod] = await env.list(PODS);
    expect(pod!.metadata.generateName).toBe('agent-');
    expect(pod!.metadata.labels).toMatchObject({ app: 'agent', 'pod-template-generation': '1' });
    expect(pod!.metadata.labels?.['controller-revision-hash']).toMatch(/^[a-z0-9]+$/);
    expect((pod!.spec as { tolerations: { key: string }[] }).tolerations.map((t) => t.key)).toContain('node.kubernetes.io/not-ready');
    await env.until(async () => (await st()).desiredNumberScheduled === 1);
    expect(await st()).toMatchObject({ desiredNumberScheduled: 1, currentNumberScheduled: 1, numberMisscheduled: 0, numberReady: 0, updatedNumberScheduled: 1, numberUnavailable: 1 });
    // Untaint n2: a pod appears there; delete n1: its pod goes.
    await env.update(NODES, 'n2', (n) => ({ ...n, spec: {} }));
    await env.until(async () => Object.keys(await podsByNode()).sort().join() === 'n1,n2');
    await env.delete(NODES, 'n1');
    await env.until(async () => Object.keys(await podsByNode()).join() === 'n2');
  });

  it('rolls a new template out within maxUnavailable', async () => {
    env = await controllerEnv((r, s) => [daemonSetController(r, s)]);
    for (const n of ['n1', 'n2', 'n3']) await env.create(NODES, node(n));
    await env.create(DS, { metadata: { name: 'agent' }, spec: { selector: { matchLabels: { app: 'agent' } }, template: tmpl() } });
    await env.until(async () => {
      await readyAll();
      return (await st()).numberAvailable === 3;
    });
    await env.update(DS, 'agent', (d) => ({ ...d, spec: { ...(d.spec as object), template: { ...tmpl(), spec: { containers: [{ name: 'c', image: 'agent:2' }] } } } }));
    // maxUnavailable 1: while the new pods are not ready, only one node is without an available pod.
    await env.until(async () => Object.values(await podsByNode()).flat().includes('agent:2'));
    await new Promise((r) => setTimeout(r, 100));
    const mid = await podsByNode();
    expect(Object.values(mid).flat().filter((i) => i === 'agent:1').length).toBe(2);
    await env.until(async () => {
      await readyAll();
      const m = await podsByNode();
      return Object.values(m).flat().every((i) => i === 'agent:2') && Object.keys(m).length === 3 && (await st()).numberAvailable === 3;
    }, 8000);
    expect(await st()).toMatchObject({ updatedNumberScheduled: 3, numberReady: 3 });
    const revs: StoredObject[] = await env.list('apps/v1/controllerrevisions');
    expect(revs.length).toBe(2);
  });
});
