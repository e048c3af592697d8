import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/types.js';
import { scaledValue } from './common.js';
import {
  MAX_REPLICAS_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  calculateStatus,
  equalIgnoreHash,
  findActiveOrLatest,
  findNewReplicaSet,
  isSaturated,
  maxSurge,
  maxUnavailable,
  newRSNewReplicas,
  planOldReplicaSetsScaleDown,
  planScale,
  resolveFenceposts,
  rolloutStatus,
  setNewReplicaSetAnnotations,
} from './deployment-util.js';

const T = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };
const T2 = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:2' }] } };

function dep(replicas: number, surge: unknown = '25%', unavailable: unknown = '25%', extra: Record<string, unknown> = {}): KubeObject {
  return {
    metadata: { name: 'web', generation: 1, annotations: {} },
    spec: { replicas, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: surge, maxUnavailable: unavailable } }, template: T2, progressDeadlineSeconds: 600, ...extra },
    status: {},
  };
}

let seq = 0;
function rs(name: string, replicas: number, available: number, opts: { template?: unknown; annotations?: Record<string, string>; created?: string } = {}): KubeObject {
  seq++;
  return {
    metadata: { name, uid: name, creationTimestamp: opts.created ?? `2024-01-01T00:00:${String(seq % 60).padStart(2, '0')}Z`, annotations: opts.annotations ?? {} },
    spec: { replicas, template: opts.template ?? T },
    status: { replicas, availableReplicas: available, readyReplicas: available },
  };
}

describe('fenceposts', () => {
  it('rounds maxSurge up and maxUnavailable down', () => {
    expect(resolveFenceposts('25%', '25%', 10)).toEqual({ surge: 3, unavailable: 2 });
    expect(resolveFenceposts('30%', '30%', 1)).toEqual({ surge: 1, unavailable: 0 });
    expect(resolveFenceposts('10%', '10%', 25)).toEqual({ surge: 3, unavailable: 2 });
    expect(resolveFenceposts(2, 1, 10)).toEqual({ surge: 2, unavailable: 1 });
  });

  it('allows one unavailable pod when both come out zero', () => {
    expect(resolveFenceposts('0%', '0%', 3)).toEqual({ surge: 0, unavailable: 1 });
    expect(resolveFenceposts(0, '10%', 5)).toEqual({ surge: 0, unavailable: 1 });
  });

  it('caps maxUnavailable at the replica count and is zero for Recreate or no replicas', () => {
    expect(maxUnavailable(dep(2, 0, 5))).toBe(2);
    expect(maxUnavailable(dep(0))).toBe(0);
    expect(maxUnavailable({ ...dep(4), spec: { replicas: 4, strategy: { type: 'Recreate' } } })).toBe(0);
    expect(maxSurge({ ...dep(4), spec: { replicas: 4, strategy: { type: 'Recreate' } } })).toBe(0);
    expect(maxSurge(dep(10))).toBe(3);
  });

  it('refuses strings that are not percentages, as intstr does', () => {
    expect(() => scaledValue('25', 10, true)).toThrow(/not a percentage/);
    expect(scaledValue(undefined, 10, true)).toBe(0);
  });
});

describe('rolling update steps', () => {
  it('scales the new ReplicaSet up within maxSurge', () => {
    const d = dep(10);
    const n = rs('new', 0, 0, { template: T2 });
    expect(newRSNewReplicas(d, [rs('old', 10, 10), n], n)).toBe(3);
    const n3 = rs('new', 3, 0, { template: T2 });
    expect(newRSNewReplicas(d, [rs('old', 10, 10), n3], n3)).toBe(3);
    expect(newRSNewReplicas(d, [rs('old', 8, 8), n3], n3)).toBe(5);
    // Never past the desired count.
    const n9 = rs('new', 9, 9, { template: T2 });
    expect(newRSNewReplicas(d, [rs('old', 0, 0), n9], n9)).toBe(10);
    const recreate = { ...d, spec: { ...(d.spec as object), strategy: { type: 'Recreate' } } };
    expect(newRSNewReplicas(recreate, [rs('old', 10, 10), n], n)).toBe(10);
  });

  it('scales old ReplicaSets down while availability stays at replicas - maxUnavailable', () => {
    const old = rs('old', 10, 10);
    const plan = planOldReplicaSetsScaleDown(dep(10), [old], rs('new', 3, 0, { template: T2 }));
    expect(plan.map((s) => [s.rs.metadata?.name, s.replicas])).toEqual([['old', 8]]);
    // Nothing may go while the new pods are all unavailable and the budget is spent.
    expect(planOldReplicaSetsScaleDown(dep(10), [rs('old', 8, 8)], rs('new', 5, 0, { template: T2 }))).toEqual([]);
  });

  it('removes unhealthy old replicas first, then available ones', () => {
    const old = rs('old', 10, 7);
    const plan = planOldReplicaSetsScaleDown(dep(10), [old], rs('new', 3, 3, { template: T2 }));
    expect(plan.map((s) => s.replicas)).toEqual([5]);
  });

  it('scales the oldest ReplicaSets down first', () => {
    const a = rs('a', 2, 2, { created: '2024-01-01T00:00:00Z' });
    const b = rs('b', 8, 8, { created: '2024-01-02T00:00:00Z' });
    const plan = planOldReplicaSetsScaleDown(dep(10), [b, a], rs('new', 3, 3, { template: T2 }));
    expect(plan.map((s) => [s.rs.metadata?.name, s.replicas])).toEqual([
      ['a', 0],
      ['b', 5],
    ]);
  });

  /** Drive a rollout to the end; `availableNow` says whether new pods become available. */
  function simulate(d: KubeObject, oldSize: number, availableNow: boolean): number[][] {
    let old = rs('old', oldSize, oldSize);
    let neu = rs('new', 0, 0, { template: T2 });
    const steps: number[][] = [];
    const sized = (r: KubeObject, n: number, avail: number): KubeObject => ({ ...r, spec: { ...(r.spec as object), replicas: n }, status: { replicas: n, availableReplicas: avail } });
    for (let i = 0; i < 20; i++) {
      const target = newRSNewReplicas(d, [old, neu], neu);
      const newReplicas = (neu.spec as { replicas: number }).replicas;
      if (target !== newReplicas) {
        neu = sized(neu, target, availableNow ? target : 0);
      } else {
        const plan = planOldReplicaSetsScaleDown(d, [old], neu);
        if (plan.length === 0) break;
        old = sized(old, plan[0]!.replicas, plan[0]!.replicas);
      }
      steps.push([(neu.spec as { replicas: number }).replicas, (old.spec as { replicas: number }).replicas]);
    }
    return steps;
  }

  it('walks a 10-replica 25%/25% rollout in kube\'s steps', () => {
    expect(simulate(dep(10), 10, true)).toEqual([
      [3, 10],
      [3, 5],
      [8, 5],
      [8, 0],
      [10, 0],
    ]);
  });

  it('never drops below replicas - maxUnavailable when new pods never become available', () => {
    const steps = simulate(dep(10), 10, false);
    expect(steps[steps.length - 1]).toEqual([5, 8]);
    for (const [, o] of steps) expect(o).toBeGreaterThanOrEqual(8);
  });

  it('with maxSurge 0 it frees room first', () => {
    expect(simulate(dep(3, 0, 1), 3, true)).toEqual([
      [0, 2],
      [1, 2],
      [1, 1],
      [2, 1],
      [2, 0],
      [3, 0],
    ]);
  });
});

describe('scaling events', () => {
  it('spreads a scale-up proportionally, leftovers to the largest', () => {
    const ann = { [MAX_REPLICAS_ANNOTATION]: '13', [DESIRED_REPLICAS_ANNOTATION]: '10' };
    const old = rs('old', 8, 8, { annotations: ann, created: '2024-01-01T00:00:00Z' });
    const neu = rs('new', 5, 5, { template: T2, annotations: ann, created: '2024-01-02T00:00:00Z' });
    const { steps, direction } = planScale(dep(20), neu, [old]);
    expect(direction).toBe('up');
    expect(steps.map((s) => [s.rs.metadata?.name, s.replicas])).toEqual([
      ['old', 15],
      ['new', 10],
    ]);
  });

  it('spreads a scale-down over the ReplicaSets, older first among equals', () => {
    const ann = { [MAX_REPLICAS_ANNOTATION]: '13' };
    const a = rs('a', 5, 5, { annotations: ann, created: '2024-01-01T00:00:00Z' });
    const b = rs('b', 5, 5, { template: T2, annotations: ann, created: '2024-01-02T00:00:00Z' });
    const { steps, direction } = planScale(dep(5, 1, 0), b, [a]);
    expect(direction).toBe('down');
    const total = steps.reduce((n, s) => n + s.replicas, 0);
    expect(total).toBe(6);
    expect(steps[0]!.rs.metadata?.name).toBe('a');
  });

  it('gives the whole count to the only active ReplicaSet', () => {
    const neu = rs('new', 3, 3, { template: T2 });
    expect(planScale(dep(7), neu, [rs('old', 0, 0)]).steps.map((s) => s.replicas)).toEqual([7]);
    expect(findActiveOrLatest(undefined, [rs('x', 0, 0, { created: '2024-01-01T00:00:00Z' }), rs('y', 0, 0, { created: '2024-01-02T00:00:00Z' })])?.metadata?.name).toBe('y');
  });

  it('zeroes old ReplicaSets once the new one is saturated', () => {
    const neu = rs('new', 4, 4, { template: T2, annotations: { [DESIRED_REPLICAS_ANNOTATION]: '4' } });
    expect(isSaturated(dep(4), neu)).toBe(true);
    expect(planScale(dep(4), neu, [rs('old', 2, 2)]).steps.map((s) => [s.rs.metadata?.name, s.replicas])).toEqual([['old', 0]]);
  });
});

describe('templates and revisions', () => {
  it('finds the new ReplicaSet ignoring the pod-template-hash label and null timestamps', () => {
    const hashed = { metadata: { labels: { app: 'web', 'pod-template-hash': 'abc' } }, spec: T2.spec };
    expect(equalIgnoreHash(hashed, { metadata: { creationTimestamp: null, labels: { app: 'web' } }, spec: T2.spec })).toBe(true);
    expect(equalIgnoreHash(hashed, T)).toBe(false);
    const found = findNewReplicaSet(dep(3), [rs('old', 1, 1), rs('new', 1, 1, { template: hashed })]);
    expect(found?.metadata?.name).toBe('new');
  });

  it('copies the Deployment annotations, not the controller\'s own', () => {
    const d = dep(3);
    d.metadata!.annotations = { team: 'a', 'kubectl.kubernetes.io/last-applied-configuration': '{}', [REVISION_ANNOTATION]: '7' };
    const r = rs('new', 0, 0);
    expect(setNewReplicaSetAnnotations(d, r, 2, false)).toBe(true);
    expect(r.metadata?.annotations).toEqual({ team: 'a', [REVISION_ANNOTATION]: '2', [DESIRED_REPLICAS_ANNOTATION]: '3', [MAX_REPLICAS_ANNOTATION]: '4' });
  });

  it('keeps superseded revisions when a ReplicaSet is reused by a rollback', () => {
    const r = rs('old', 0, 0, { annotations: { [REVISION_ANNOTATION]: '1' } });
    setNewReplicaSetAnnotations(dep(3), r, 3, true);
    expect(r.metadata?.annotations?.[REVISION_ANNOTATION]).toBe('3');
    expect(r.metadata?.annotations?.[REVISION_HISTORY_ANNOTATION]).toBe('1');
    setNewReplicaSetAnnotations(dep(3), r, 5, true);
    expect(r.metadata?.annotations?.[REVISION_HISTORY_ANNOTATION]).toBe('1,3');
    // Never lowered.
    expect(setNewReplicaSetAnnotations(dep(3), r, 4, true)).toBe(false);
    expect(r.metadata?.annotations?.[REVISION_ANNOTATION]).toBe('5');
  });
});

describe('status and conditions', () => {
  const now = Date.parse('2024-06-01T00:00:00Z');

  it('counts replicas and sets Available from replicas - maxUnavailable', () => {
    const d = dep(4);
    const st = calculateStatus([rs('old', 1, 1), rs('new', 3, 2, { template: T2 })], rs('new', 3, 2, { template: T2 }), d, now);
    expect(st).toMatchObject({ observedGeneration: 1, replicas: 4, updatedReplicas: 3, availableReplicas: 3, unavailableReplicas: 1 });
    expect(st.conditions?.[0]).toMatchObject({ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' });
    const low = calculateStatus([rs('new', 4, 1, { template: T2 })], undefined, d, now);
    expect(low.conditions?.[0]).toMatchObject({ status: 'False', reason: 'MinimumReplicasUnavailable' });
  });

  it('reports a complete rollout with NewReplicaSetAvailable, progress with ReplicaSetUpdated', () => {
    const neu = rs('web-abc', 3, 3, { template: T2 });
    const done = rolloutStatus([neu], neu, dep(3), now);
    expect(done.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({ status: 'True', reason: 'NewReplicaSetAvailable', message: 'ReplicaSet "web-abc" has successfully progressed.' });
    const partial = rs('web-abc', 2, 1, { template: T2 });
    const moving = rolloutStatus([rs('old', 2, 2), partial], partial, dep(3), now);
    expect(moving.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({ reason: 'ReplicaSetUpdated', message: 'ReplicaSet "web-abc" is progressing.' });
  });

  it('times out when nothing moved for progressDeadlineSeconds', () => {
    const d = dep(3, '25%', '25%', { progressDeadlineSeconds: 60 });
    const stale = '2024-05-31T23:58:00Z';
    d.status = { replicas: 3, updatedReplicas: 1, readyReplicas: 2, availableReplicas: 2, conditions: [{ type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', lastUpdateTime: stale, lastTransitionTime: stale }] };
    const neu = rs('web-abc', 1, 0, { template: T2 });
    const st = rolloutStatus([rs('old', 2, 2), neu], neu, d, now);
    expect(st.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({ status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "web-abc" has timed out progressing.' });
  });
});
