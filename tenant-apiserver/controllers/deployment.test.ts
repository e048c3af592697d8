import { afterEach, describe, expect, it } from 'vitest';
import type { StoredObject } from '../api/types.js';
import { deploymentController } from './deployment.js';
import { garbageCollectorController } from './gc.js';
import { replicaSetController } from './replicaset.js';
import { controllerEnv, type ControllerEnv } from './testkit.js';
import { podTemplateHash } from './hash.js';

const DEP = 'apps/v1/deployments';
const RS = 'apps/v1/replicasets';
const PODS = '/v1/pods';
let env: ControllerEnv;

afterEach(async () => env?.close());

const start = () => controllerEnv((r, s) => [deploymentController(r, s), replicaSetController(r, s, 'ReplicaSet'), garbageCollectorController(r, s)]);

function dep(image: string, replicas = 3, extra: Record<string, unknown> = {}) {
  return {
    metadata: { name: 'web' },
    spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image }] } }, ...extra },
  };
}

const setImage = (image: string) => env.update(DEP, 'web', (d) => {
  const s = structuredClone(d.spec) as { template: { spec: { containers: { image: string }[] } } };
  s.template.spec.containers[0]!.image = image;
  return { ...d, spec: s };
});

/** Play kubelet: every pending pod becomes Running and Ready. */
async function readyAll(): Promise<void> {
  for (const p of await env.list(PODS)) {
    if ((p.status as { phase?: string })?.phase === 'Pending' && !p.metadata.deletionTimestamp) await env.setPod(p.metadata.name, 'Running', true);
  }
}

// By creation order: the revision each ReplicaSet was first created with (names sort within a second).
const firstRevision = (r: StoredObject) => Number((r.metadata.annotations?.['deployment.kubernetes.io/revision-history'] ?? r.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? '0').split(',')[0]);
const rsList = async () => (await env.list(RS)).sort((a, b) => firstRevision(a) - firstRevision(b));
const sizes = async () => (await rsList()).map((r) => (r.spec as { replicas: number }).replicas);

async function rolledOut(): Promise<StoredObject> {
  return env.until(async () => {
    await readyAll();
    const d = await env.get(DEP, 'web');
    const st = (d?.status ?? {}) as Record<string, number>;
    const replicas = (d?.spec as { replicas: number }).replicas;
    const done = d!.metadata.generation! <= st.observedGeneration! && st.updatedReplicas === replicas && st.replicas === replicas && st.availableReplicas === replicas;
    return done && d;
  }, 8000);
}

describe('Deployment controller', () => {
  it('creates a ReplicaSet named by the pod-template-hash, with revision 1', async () => {
    env = await start();
    const d = await env.create(DEP, dep('nginx'));
    const rs = await env.until(async () => (await env.list(RS))[0]);
    const hash = podTemplateHash((d.spec as { template: unknown }).template);
    expect(rs.metadata.name).toBe(`web-${hash}`);
    expect(rs.metadata.labels).toEqual({ app: 'web', 'pod-template-hash': hash });
    expect(rs.spec).toMatchObject({ replicas: 3, selector: { matchLabels: { app: 'web', 'pod-template-hash': hash } } });
    expect(rs.metadata.annotations).toEqual({
      'deployment.kubernetes.io/revision': '1',
      'deployment.kubernetes.io/desired-replicas': '3',
      'deployment.kubernetes.io/max-replicas': '4',
    });
    const done = await rolledOut();
    expect(done.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('1');
    expect(done.metadata.generation).toBe(1);
    const conds = (done.status as { conditions: { type: string; reason: string }[] }).conditions;
    expect(conds.map((c) => [c.type, c.reason])).toEqual([
      ['Available', 'MinimumReplicasAvailable'],
      ['Progressing', 'NewReplicaSetAvailable'],
    ]);
    const events = (await env.list('/v1/events')).filter((e) => (e.involvedObject as { kind: string }).kind === 'Deployment');
    expect(events.map((e) => e.message)).toContain(`Scaled up replica set web-${hash} from 0 to 3`);
  });

  it('rolls out a new template within maxSurge/maxUnavailable and rolls back to the old ReplicaSet', async () => {
    env = await start();
    await env.create(DEP, dep('nginx', 4));
    await rolledOut();
    await setImage('nginx:2');
    await rolledOut();
    expect(await sizes()).toEqual([0, 4]);
    const [first, second] = await rsList();
    // The first steps: the new ReplicaSet surges by one (25% of 4), then the old one gives one up (25% of 4).
    const messages = (await env.list('/v1/events')).map((e) => e.message);
    expect(messages).toContain(`Scaled up replica set ${second!.metadata.name} from 0 to 1`);
    expect(messages).toContain(`Scaled down replica set ${first!.metadata.name} from 4 to 3`);
    expect(second!.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
    // kubectl rollout undo: the old template comes back (hash label dropped) and the old ReplicaSet is reused.
    const t = structuredClone((first!.spec as { template: { metadata: { labels: Record<string, string> } } }).template);
    delete t.metadata.labels['pod-template-hash'];
    await env.update(DEP, 'web', (d) => ({ ...d, spec: { ...(d.spec as object), template: { ...t, metadata: { ...t.metadata, creationTimestamp: null } } } }));
    await rolledOut();
    const after = await rsList();
    expect(after.length).toBe(2);
    expect(after.map((r) => (r.spec as { replicas: number }).replicas)).toEqual([4, 0]);
    expect(after[0]!.metadata.annotations).toMatchObject({ 'deployment.kubernetes.io/revision': '3', 'deployment.kubernetes.io/revision-history': '1' });
    expect((await env.get(DEP, 'web'))!.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('3');
  });

  it('Recreate scales the old ReplicaSet to zero and waits for its pods before the new one', async () => {
    env = await start();
    await env.create(DEP, dep('nginx', 2, { strategy: { type: 'Recreate' } }));
    await rolledOut();
    await setImage('nginx:2');
    await env.until(async () => JSON.stringify(await sizes()) === '[0,2]');
    // Never both at once.
    const rsNow = await rsList();
    expect(rsNow.length).toBe(2);
    await rolledOut();
  });

  it('scales proportionally and honours pause', async () => {
    env = await start();
    await env.create(DEP, dep('nginx', 2));
    await rolledOut();
    await env.update(DEP, 'web', (d) => ({ ...d, spec: { ...(d.spec as object), paused: true } }));
    await env.until(async () => {
      const c = ((await env.get(DEP, 'web'))!.status as { conditions: { type: string; reason: string; status: string }[] }).conditions.find((x) => x.type === 'Progressing');
      return c?.reason === 'DeploymentPaused' && c.status === 'Unknown';
    });
    await setImage('nginx:2');
    await env.update(DEP, 'web', (d) => ({ ...d, spec: { ...(d.spec as object), replicas: 5 } }));
    await env.until(async () => JSON.stringify(await sizes()) === '[5]');
    // Paused: no new ReplicaSet for the new template.
    expect((await env.list(RS)).length).toBe(1);
    await env.update(DEP, 'web', (d) => ({ ...d, spec: { ...(d.spec as object), paused: false } }));
    await rolledOut();
    expect(await sizes()).toEqual([0, 5]);
  });

  it('deletes old ReplicaSets beyond revisionHistoryLimit', async () => {
    env = await start();
    await env.create(DEP, dep('v1', 1, { revisionHistoryLimit: 1 }));
    for (const image of ['v2', 'v3', 'v4']) {
      await rolledOut();
      await setImage(image);
    }
    await rolledOut();
    await env.until(async () => (await env.list(RS)).length === 2);
    const revs = (await rsList()).map((r) => r.metadata.annotations?.['deployment.kubernetes.io/revision']);
    expect(revs).toEqual(['3', '4']);
  });

  it('adopts a matching orphan ReplicaSet and the GC removes everything with the Deployment', async () => {
    env = await start();
    await env.create(DEP, dep('nginx', 2));
    await rolledOut();
    await env.delete(DEP, 'web', { propagationPolicy: 'Orphan' });
    await env.until(async () => !(await env.get(DEP, 'web')));
    const [rs] = await env.list(RS);
    expect(rs!.metadata.ownerReferences).toBeUndefined();
    const d = await env.create(DEP, dep('nginx', 2));
    await env.until(async () => (await env.list(RS))[0]?.metadata.ownerReferences?.[0]?.uid === d.metadata.uid);
    expect((await env.list(RS)).length).toBe(1);
    await env.delete(DEP, 'web', { propagationPolicy: 'Background' });
    await env.until(async () => (await env.list(RS)).length === 0 && (await env.list(PODS)).length === 0);
  });
});
