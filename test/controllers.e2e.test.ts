// The built-in controllers against a plain `tenantry apiserver` with real
// kubectl 1.32. Nothing runs pods here, so the test plays the kubelet: it
// reports Pending pods Running and Ready (Succeeded for Job pods) through the
// status subresource, which is what drives rollouts and Job completion.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { client, eventually, k, kubectlBackground, startServer, type ServerProcess } from './harness.js';

let s: ServerProcess;
let c: ReturnType<typeof client>;
let kubelet: NodeJS.Timeout | undefined;
/** Pods the fake kubelet leaves Pending (to watch ordered StatefulSet creation). */
let hold: (name: string) => boolean = () => false;

interface Pod {
  metadata: { name: string; labels?: Record<string, string>; deletionTimestamp?: string; ownerReferences?: unknown[] };
  status?: { phase?: string };
}

async function pods(selector = ''): Promise<Pod[]> {
  const r = await c.request('GET', `/api/v1/namespaces/default/pods${selector ? `?labelSelector=${encodeURIComponent(selector)}` : ''}`);
  return (JSON.parse(r.body) as { items: Pod[] }).items.filter((p) => !p.metadata.deletionTimestamp);
}

async function kubeletPass(): Promise<void> {
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  for (const p of await pods()) {
    if (p.status?.phase !== 'Pending' || hold(p.metadata.name)) continue;
    const isJob = !!p.metadata.labels?.['batch.kubernetes.io/job-name'];
    const status = isJob
      ? { phase: 'Succeeded', conditions: [{ type: 'Ready', status: 'False', reason: 'PodCompleted', lastTransitionTime: now }] }
      : { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }] };
    await c.request('PATCH', `/api/v1/namespaces/default/pods/${p.metadata.name}/status`, { status }, { 'Content-Type': 'application/merge-patch+json' });
  }
}

/** kubectl without blocking the event loop (the fake kubelet keeps running meanwhile). */
async function kAsync(args: string[]): Promise<string> {
  const b = kubectlBackground(s, args);
  const code = await b.done;
  if (code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${code}):\n${b.output()}`);
  return b.output();
}

const json = (args: string[]) => JSON.parse(k(s, [...args, '-o', 'json']));

beforeAll(async () => {
  s = await startServer();
  c = client(s.kubeconfig);
  let busy = false;
  kubelet = setInterval(() => {
    if (busy) return;
    busy = true;
    kubeletPass()
      .catch(() => undefined)
      .finally(() => (busy = false));
  }, 100);
});

afterAll(async () => {
  if (kubelet) clearInterval(kubelet);
  await s?.stop();
});

describe('Deployments', () => {
  it('create deployment --replicas=3 gives three pods of one ReplicaSet', async () => {
    k(s, ['create', 'deployment', 'web', '--image=nginx:1.25', '--replicas=3']);
    await eventually(async () => expect((await pods('app=web')).length).toBe(3));
    const rs = json(['get', 'rs', '-l', 'app=web']).items;
    expect(rs.length).toBe(1);
    expect(rs[0].metadata.name).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]+$/);
    expect(rs[0].metadata.name).toBe(`web-${rs[0].metadata.labels['pod-template-hash']}`);
    await kAsync(['rollout', 'status', 'deployment/web', '--timeout=30s']);
    expect(k(s, ['get', 'deploy', 'web', '-o', 'jsonpath={.status.readyReplicas}/{.status.availableReplicas}/{.metadata.annotations.deployment\\.kubernetes\\.io/revision}'])).toBe('3/3/1');
  });

  it('set image rolls out, rollout status finishes, rollout undo restores', async () => {
    k(s, ['set', 'image', 'deployment/web', 'nginx=nginx:1.27']);
    const out = await kAsync(['rollout', 'status', 'deployment/web', '--timeout=30s']);
    expect(out).toContain('deployment "web" successfully rolled out');
    const images = async () => (await pods('app=web')).length;
    await eventually(async () => expect(await images()).toBe(3));
    expect(k(s, ['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[*].spec.containers[0].image}']).split(' ')).toEqual(['nginx:1.27', 'nginx:1.27', 'nginx:1.27']);
    expect(k(s, ['rollout', 'history', 'deployment/web'])).toMatch(/1\s+<none>\n2\s+<none>/);

    expect(k(s, ['rollout', 'undo', 'deployment/web'])).toContain('deployment.apps/web rolled back');
    await kAsync(['rollout', 'status', 'deployment/web', '--timeout=30s']);
    expect(k(s, ['get', 'deploy', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].image}'])).toBe('nginx:1.25');
    // The first ReplicaSet came back as revision 3: no third ReplicaSet.
    const rs = json(['get', 'rs', '-l', 'app=web']).items as { spec: { replicas: number }; metadata: { annotations: Record<string, string> } }[];
    expect(rs.length).toBe(2);
    const active = rs.find((r) => r.spec.replicas === 3)!;
    expect(active.metadata.annotations['deployment.kubernetes.io/revision']).toBe('3');
    expect(active.metadata.annotations['deployment.kubernetes.io/revision-history']).toBe('1');
    const events = k(s, ['get', 'events', '--field-selector', 'involvedObject.name=web', '-o', 'jsonpath={.items[*].reason}']);
    expect(events).toContain('ScalingReplicaSet');
  });

  it('scales up and down', async () => {
    k(s, ['scale', 'deployment/web', '--replicas=5']);
    await eventually(async () => expect((await pods('app=web')).length).toBe(5));
    await kAsync(['rollout', 'status', 'deployment/web', '--timeout=30s']);
    k(s, ['scale', 'deployment/web', '--replicas=2']);
    await eventually(async () => expect((await pods('app=web')).length).toBe(2));
    await eventually(() => expect(k(s, ['get', 'deploy', 'web', '-o', 'jsonpath={.status.replicas}'])).toBe('2'));
  });

  it('deleting a Deployment removes its ReplicaSets and pods', async () => {
    k(s, ['delete', 'deployment', 'web']);
    await eventually(async () => {
      expect(json(['get', 'rs', '-l', 'app=web']).items).toEqual([]);
      expect(await pods('app=web')).toEqual([]);
    });
  });

  it('--cascade=orphan keeps them, without owner references', async () => {
    k(s, ['create', 'deployment', 'keep', '--image=nginx', '--replicas=2']);
    await eventually(async () => expect((await pods('app=keep')).length).toBe(2));
    k(s, ['delete', 'deployment', 'keep', '--cascade=orphan']);
    await eventually(() => expect(json(['get', 'deploy']).items.map((d: { metadata: { name: string } }) => d.metadata.name)).not.toContain('keep'));
    await eventually(() => expect(json(['get', 'rs', '-l', 'app=keep']).items[0].metadata.ownerReferences).toBeUndefined());
    const left = await pods('app=keep');
    expect(left.length).toBe(2);
  });
});

describe('Jobs and CronJobs', () => {
  it('a Job completes when its pods succeed', async () => {
    k(s, ['create', 'job', 'once', '--image=busybox', '--', 'true']);
    await kAsync(['wait', '--for=condition=complete', 'job/once', '--timeout=30s']);
    const job = json(['get', 'job', 'once']);
    expect(job.status).toMatchObject({ succeeded: 1, ready: 0, terminating: 0, uncountedTerminatedPods: {} });
    expect(job.status.conditions.map((x: { type: string }) => x.type)).toEqual(['SuccessCriteriaMet', 'Complete']);
    expect(k(s, ['get', 'job', 'once'])).toMatch(/once\s+Complete\s+1\/1/);
  });

  it('a CronJob whose schedule is due creates a Job', async () => {
    k(s, ['create', 'cronjob', 'every', '--image=busybox', '--schedule=*/1 * * * *', '--', 'true']);
    // As if the last run were five minutes ago: the most recent missed minute is due now.
    const last = new Date(Date.now() - 5 * 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
    k(s, ['patch', 'cronjob', 'every', '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { lastScheduleTime: last } })]);
    const job = await eventually(() => {
      const items = json(['get', 'jobs']).items.filter((j: { metadata: { name: string } }) => j.metadata.name.startsWith('every-'));
      expect(items.length).toBe(1);
      return items[0];
    }, 15_000);
    const minutes = Math.floor(Date.now() / 60_000);
    expect(Number(job.metadata.name.slice('every-'.length))).toBeGreaterThanOrEqual(minutes - 1);
    expect(job.metadata.ownerReferences[0]).toMatchObject({ kind: 'CronJob', name: 'every', controller: true });
    await eventually(() => expect(k(s, ['get', 'cronjob', 'every', '-o', 'jsonpath={.status.lastScheduleTime}'])).not.toBe(last));
    k(s, ['delete', 'cronjob', 'every']);
    await eventually(() => expect(json(['get', 'jobs']).items.filter((j: { metadata: { name: string } }) => j.metadata.name.startsWith('every-'))).toEqual([]));
  });
});

describe('StatefulSets', () => {
  it('creates ordered pods with their claims', async () => {
    hold = (name) => name.startsWith('db-');
    const file = path.join(s.dataDir, 'db.yaml');
    fs.writeFileSync(
      file,
      `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 3
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: c, image: busybox}]}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
`,
    );
    k(s, ['apply', '-f', file]);
    await eventually(async () => expect((await pods('app=db')).map((p) => p.metadata.name)).toEqual(['db-0']));
    await new Promise((r) => setTimeout(r, 300));
    // db-1 waits for db-0 to be Running and Ready.
    expect((await pods('app=db')).map((p) => p.metadata.name)).toEqual(['db-0']);
    hold = () => false;
    await kAsync(['rollout', 'status', 'statefulset/db', '--timeout=30s']);
    expect((await pods('app=db')).map((p) => p.metadata.name).sort()).toEqual(['db-0', 'db-1', 'db-2']);
    expect(k(s, ['get', 'pvc', '-o', 'jsonpath={.items[*].metadata.name}']).split(' ').sort()).toEqual(['data-db-0', 'data-db-1', 'data-db-2']);
    expect(k(s, ['get', 'pod', 'db-2', '-o', 'jsonpath={.spec.hostname} {.spec.subdomain} {.spec.volumes[0].persistentVolumeClaim.claimName}'])).toBe('db-2 db data-db-2');
    const messages = k(s, ['get', 'events', '--field-selector', 'involvedObject.name=db', '-o', 'jsonpath={range .items[*]}{.message}{"\\n"}{end}']);
    expect(messages).toContain('create Claim data-db-0 Pod db-0 in StatefulSet db success');
    expect(messages).toContain('create Pod db-2 in StatefulSet db successful');
  });
});
