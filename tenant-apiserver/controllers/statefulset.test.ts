import { afterEach, describe, expect, it } from 'vitest';
import type { StoredObject } from '../api/types.js';
import { garbageCollectorController } from './gc.js';
import { claimName, ordinalOf, statefulSetController } from './statefulset.js';
import { controllerEnv, type ControllerEnv } from './testkit.js';

const STS = 'apps/v1/statefulsets';
const PODS = '/v1/pods';
const PVCS = '/v1/persistentvolumeclaims';
const REVS = 'apps/v1/controllerrevisions';
let env: ControllerEnv;

afterEach(async () => env?.close());

const start = async () => {
  env = await controllerEnv((r, s) => [statefulSetController(r, s), garbageCollectorController(r, s)]);
};

function sts(replicas: number, extra: Record<string, unknown> = {}, image = 'busybox') {
  return {
    metadata: { name: 'db' },
    spec: {
      serviceName: 'db-headless',
      replicas,
      selector: { matchLabels: { app: 'db' } },
      template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'c', image }] } },
      volumeClaimTemplates: [{ metadata: { name: 'data', labels: { disk: 'ssd' } }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      ...extra,
    },
  };
}

const podNames = async () => (await env.list(PODS)).filter((p) => !p.metadata.deletionTimestamp).map((p) => p.metadata.name).sort();
const st = async () => ((await env.get(STS, 'db'))?.status ?? {}) as Record<string, unknown>;

/** Make every pending pod Running and Ready, one pass. */
async function readyAll(): Promise<void> {
  for (const p of await env.list(PODS)) if ((p.status as { phase?: string }).phase === 'Pending') await env.setPod(p.metadata.name, 'Running', true);
}

describe('StatefulSet controller', () => {
  it('names ordinals and claims stably', () => {
    expect(ordinalOf('db', 'db-0')).toBe(0);
    expect(ordinalOf('db', 'db-12')).toBe(12);
    expect(ordinalOf('db', 'db-01')).toBeUndefined();
    expect(ordinalOf('db', 'dbx-1')).toBeUndefined();
    expect(ordinalOf('db', 'db-web-1')).toBeUndefined();
    expect(claimName('data', 'db', 2)).toBe('data-db-2');
  });

  it('creates pods one by one in order, each with its claim, waiting for readiness (OrderedReady)', async () => {
    await start();
    await env.create(STS, sts(3));
    await env.until(async () => (await podNames()).length === 1);
    // Nothing more until db-0 is Running and Ready.
    await new Promise((r) => setTimeout(r, 100));
    expect(await podNames()).toEqual(['db-0']);
    const p0 = (await env.get(PODS, 'db-0'))!;
    expect(p0.metadata.labels).toMatchObject({ app: 'db', 'statefulset.kubernetes.io/pod-name': 'db-0', 'apps.kubernetes.io/pod-index': '0' });
    expect(p0.spec).toMatchObject({ hostname: 'db-0', subdomain: 'db-headless', volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data-db-0' } }] });
    const pvc = (await env.get(PVCS, 'data-db-0'))!;
    expect(pvc.metadata.labels).toEqual({ disk: 'ssd', app: 'db' });
    expect(pvc.metadata.ownerReferences).toBeUndefined();
    await env.setPod('db-0', 'Running', true);
    await env.until(async () => (await podNames()).length === 2);
    await env.setPod('db-1', 'Running', true);
    await env.until(async () => (await podNames()).length === 3);
    await env.setPod('db-2', 'Running', true);
    await env.until(async () => (await st()).readyReplicas === 3);
    const s = await st();
    expect(s).toMatchObject({ replicas: 3, readyReplicas: 3, availableReplicas: 3, currentReplicas: 3, updatedReplicas: 3, observedGeneration: 1 });
    expect(s.currentRevision).toBe(s.updateRevision);
    const revs = await env.list(REVS);
    expect(revs.map((r) => r.metadata.name)).toEqual([s.updateRevision]);
    expect(p0.metadata.labels?.['controller-revision-hash']).toBe(s.updateRevision);
    expect((await env.list(PVCS)).map((c) => c.metadata.name).sort()).toEqual(['data-db-0', 'data-db-1', 'data-db-2']);
  });

  it('creates all pods at once with Parallel, and scales down from the highest ordinal keeping claims', async () => {
    await start();
    await env.create(STS, sts(3, { podManagementPolicy: 'Parallel' }));
    await env.until(async () => (await podNames()).length === 3);
    await env.update(STS, 'db', (o) => ({ ...o, spec: { ...(o.spec as object), replicas: 1 } }));
    await env.until(async () => JSON.stringify(await podNames()) === '["db-0"]');
    expect((await env.list(PVCS)).length).toBe(3);
  });

  it('rolls a new template out from the highest ordinal, respecting the partition', async () => {
    await start();
    await env.create(STS, sts(3, { podManagementPolicy: 'Parallel', updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } } }));
    await env.until(async () => {
      await readyAll();
      return (await st()).readyReplicas === 3;
    });
    const before = (await st()).currentRevision;
    await env.update(STS, 'db', (o) => {
      const s = structuredClone(o.spec) as { template: { spec: { containers: { image: string }[] } } };
      s.template.spec.containers[0]!.image = 'busybox:2';
      return { ...o, spec: s };
    });
    const image = (p: StoredObject | undefined) => (p?.spec as { containers: { image: string }[] } | undefined)?.containers[0]?.image;
    await env.until(async () => {
      await readyAll();
      return image(await env.get(PODS, 'db-2')) === 'busybox:2' && image(await env.get(PODS, 'db-1')) === 'busybox:2' && (await st()).readyReplicas === 3;
    }, 8000);
    // Below the partition, the old revision stays.
    expect(image(await env.get(PODS, 'db-0'))).toBe('busybox');
    const s = await st();
    expect(s.currentRevision).toBe(before);
    expect(s.updateRevision).not.toBe(before);
    expect(s.updatedReplicas).toBe(2);
    // Lifting the partition completes the update and the current revision follows.
    await env.update(STS, 'db', (o) => ({ ...o, spec: { ...(o.spec as object), updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } } } }));
    await env.until(async () => {
      await readyAll();
      const x = await st();
      return x.currentRevision === x.updateRevision && x.updatedReplicas === 3 && x.readyReplicas === 3;
    }, 8000);
    expect((await env.list(REVS)).length).toBe(2);
  });

  it('deletes claims with the set when the retention policy says so', async () => {
    await start();
    await env.create(STS, sts(1, { persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Retain' } }));
    await env.until(async () => (await env.list(PVCS)).length === 1);
    const pvc = (await env.list(PVCS))[0]!;
    expect(pvc.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'StatefulSet', name: 'db' });
    await env.delete(STS, 'db', { propagationPolicy: 'Background' });
    await env.until(async () => (await env.list(PVCS)).length === 0 && (await env.list(PODS)).length === 0);
  });
});
