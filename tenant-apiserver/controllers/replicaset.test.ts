import { afterEach, describe, expect, it } from 'vitest';
import type { StoredObject } from '../api/types.js';
import { replicaSetController } from './replicaset.js';
import { garbageCollectorController } from './gc.js';
import { controllerEnv, type ControllerEnv } from './testkit.js';

const RS = 'apps/v1/replicasets';
const RC = '/v1/replicationcontrollers';
const PODS = '/v1/pods';
let env: ControllerEnv;

afterEach(async () => env?.close());

const template = { metadata: { labels: { app: 'web', tier: 'fe' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };
const rsObj = (replicas: number, extra: Record<string, unknown> = {}) => ({
  metadata: { name: 'web' },
  spec: { replicas, selector: { matchLabels: { app: 'web' } }, template, ...extra },
});
const st = (o: StoredObject | undefined) => (o?.status ?? {}) as Record<string, unknown>;
const owned = (pods: StoredObject[], uid: string) => pods.filter((p) => p.metadata.ownerReferences?.some((r) => r.uid === uid && r.controller));

describe('ReplicaSet controller', () => {
  it('creates pods from the template with a controller reference and reports status', async () => {
    env = await controllerEnv((r, s) => [replicaSetController(r, s, 'ReplicaSet')]);
    const rs = await env.create(RS, rsObj(3));
    const pods = await env.until(async () => {
      const ps = owned(await env.list(PODS), rs.metadata.uid);
      return ps.length === 3 && ps;
    });
    for (const p of pods) {
      expect(p.metadata.generateName).toBe('web-');
      expect(p.metadata.name).toMatch(/^web-[a-z0-9]{5}$/);
      expect(p.metadata.labels).toEqual({ app: 'web', tier: 'fe' });
      expect(p.metadata.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    }
    await env.until(async () => st(await env.get(RS, 'web')).replicas === 3);
    expect((await env.get(RS, 'web'))!.status).toEqual({ replicas: 3, fullyLabeledReplicas: 3, observedGeneration: 1 });
    await env.setPod(pods[0]!.metadata.name, 'Running', true);
    await env.until(async () => st(await env.get(RS, 'web')).readyReplicas === 1);
    expect((await env.get(RS, 'web'))!.status).toMatchObject({ readyReplicas: 1, availableReplicas: 1 });
    const events = (await env.list('/v1/events')).filter((e) => (e.involvedObject as { name: string }).name === 'web');
    expect(events.map((e) => e.reason)).toContain('SuccessfulCreate');
    expect(events[0]).toMatchObject({ type: 'Normal', source: { component: 'replicaset-controller' }, count: 1 });
  });

  it('counts availability only after minReadySeconds', async () => {
    env = await controllerEnv((r, s) => [replicaSetController(r, s, 'ReplicaSet')]);
    // 3 s: long enough that a loaded machine (the whole suite on 2 cores) still sees the ready pod
    // counted before it counts as available.
    await env.create(RS, rsObj(1, { minReadySeconds: 3 }));
    const pod = await env.until(async () => (await env.list(PODS))[0]);
    await env.setPod(pod.metadata.name, 'Running', true);
    await env.until(async () => st(await env.get(RS, 'web')).readyReplicas === 1);
    expect(st(await env.get(RS, 'web')).availableReplicas).toBeUndefined();
    await env.until(async () => st(await env.get(RS, 'web')).availableReplicas === 1, 8000);
  });

  it('deletes unscheduled and not-ready pods first when scaling down', async () => {
    env = await controllerEnv((r, s) => [replicaSetController(r, s, 'ReplicaSet')]);
    await env.create(RS, rsObj(3));
    const pods = await env.until(async () => {
      const ps = await env.list(PODS);
      return ps.length === 3 && ps;
    });
    await env.setPod(pods[0]!.metadata.name, 'Running', true);
    await env.setPod(pods[1]!.metadata.name, 'Running', false);
    await env.update(RS, 'web', (o) => ({ ...o, spec: { ...(o.spec as object), replicas: 1 } }));
    const left = await env.until(async () => {
      const ps = await env.list(PODS);
      return ps.length === 1 && ps;
    });
    expect(left[0]!.metadata.name).toBe(pods[0]!.metadata.name);
  });

  it('adopts matching orphans and releases pods whose labels no longer match', async () => {
    env = await controllerEnv((r, s) => [replicaSetController(r, s, 'ReplicaSet')]);
    await env.create(PODS, { metadata: { name: 'stray', labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'x' }] } });
    const rs = await env.create(RS, rsObj(2));
    await env.until(async () => owned(await env.list(PODS), rs.metadata.uid).length === 2);
    const stray = (await env.get(PODS, 'stray'))!;
    expect(stray.metadata.ownerReferences?.[0]?.uid).toBe(rs.metadata.uid);
    // Relabel it: released, and replaced.
    await env.update(PODS, 'stray', (o) => ({ ...o, metadata: { ...o.metadata, labels: { app: 'other' } } }));
    await env.until(async () => !(await env.get(PODS, 'stray'))!.metadata.ownerReferences);
    await env.until(async () => owned(await env.list(PODS), rs.metadata.uid).length === 2);
    expect((await env.list(PODS)).length).toBe(3);
  });

  it('runs ReplicationControllers with their map selector', async () => {
    env = await controllerEnv((r, s) => [replicaSetController(r, s, 'ReplicationController')]);
    const rc = await env.create(RC, { metadata: { name: 'legacy' }, spec: { replicas: 2, template: { metadata: { labels: { app: 'legacy' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } } });
    const pods = await env.until(async () => {
      const ps = owned(await env.list(PODS), rc.metadata.uid);
      return ps.length === 2 && ps;
    });
    expect(pods[0]!.metadata.ownerReferences?.[0]).toMatchObject({ apiVersion: 'v1', kind: 'ReplicationController', name: 'legacy' });
    await env.until(async () => st(await env.get(RC, 'legacy')).replicas === 2);
  });
});

describe('garbage collection through the store', () => {
  it('deletes a ReplicaSet\'s pods with it, and keeps them on orphan deletion', async () => {
    env = await controllerEnv((r, s) => [replicaSetController(r, s, 'ReplicaSet'), garbageCollectorController(r, s)]);
    expect(env.store.gcEnabled).toBe(true);
    await env.create(RS, rsObj(2));
    await env.until(async () => (await env.list(PODS)).length === 2);
    await env.delete(RS, 'web', { propagationPolicy: 'Background' });
    await env.until(async () => (await env.list(PODS)).length === 0);

    await env.create(RS, { ...rsObj(2), metadata: { name: 'keep' } });
    await env.until(async () => (await env.list(PODS)).length === 2);
    await env.delete(RS, 'keep', { propagationPolicy: 'Orphan' });
    await env.until(async () => !(await env.get(RS, 'keep')));
    const pods = await env.list(PODS);
    expect(pods.length).toBe(2);
    for (const p of pods) expect(p.metadata.ownerReferences).toBeUndefined();
  });

  it('waits for dependents in the foreground', async () => {
    env = await controllerEnv((r, s) => [replicaSetController(r, s, 'ReplicaSet'), garbageCollectorController(r, s)]);
    await env.create(RS, rsObj(2));
    await env.until(async () => (await env.list(PODS)).length === 2);
    // One pod is held by a finalizer: the ReplicaSet must wait for it.
    const [held] = await env.list(PODS);
    await env.update(PODS, held!.metadata.name, (o) => ({ ...o, metadata: { ...o.metadata, finalizers: ['example.com/hold'] } }));
    await env.delete(RS, 'web', { propagationPolicy: 'Foreground' });
    await env.until(async () => (await env.list(PODS)).length === 1);
    const rs = await env.get(RS, 'web');
    expect(rs?.metadata.finalizers).toEqual(['foregroundDeletion']);
    await env.update(PODS, held!.metadata.name, (o) => ({ ...o, metadata: { ...o.metadata, finalizers: [] } }));
    await env.until(async () => !(await env.get(RS, 'web')));
  });
});
