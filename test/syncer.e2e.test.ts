// The syncer end to end, as real processes: a super cluster (`tenantry super`
// when the local cluster is built, else a plain `tenantry apiserver` with a
// `kata` RuntimeClass), two tenant control planes, and `tenantry syncer`;
// objects are made with real kubectl in the tenants and checked in the super.

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, eventually, k, kubectl, startServer, tempDir, type ServerProcess } from './harness.js';
import { superNamespace } from '../syncer/mapping.js';

interface Proc {
  proc: ChildProcess;
  out: () => string;
  stop(): Promise<void>;
}

function spawnCli(args: string[], ready: RegExp, timeoutMs = 30_000): Promise<Proc & { match: RegExpExecArray }> {
  const proc = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TENANTRY_LOG_LEVEL: process.env.TENANTRY_LOG_LEVEL ?? 'info' } });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  };
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + timeoutMs;
    const tick = () => {
      const m = ready.exec(out);
      if (m) return resolve({ proc, out: () => out, stop, match: m });
      if (proc.exitCode !== null) return reject(new Error(`${args[0]} exited (${proc.exitCode}):\n${out}`));
      if (Date.now() > deadline) {
        void stop();
        return reject(new Error(`${args[0]} not ready:\n${out}`));
      }
      setTimeout(tick, 25);
    };
    tick();
  });
}

type Cluster = Pick<ServerProcess, 'kubeconfig' | 'dataDir'>;

let superCluster: Cluster & { stop(): Promise<unknown> };
let localCluster = false;
let tenantA: ServerProcess;
let tenantB: ServerProcess;
let syncer: Proc;
let metricsUrl = '';

const json = (c: Cluster, args: string[]) => JSON.parse(k(c, [...args, '-o', 'json'])) as Record<string, any>;
const tenantUID = (c: Cluster) => k(c, ['get', 'ns', 'kube-system', '-o', 'jsonpath={.metadata.uid}']).trim();

const APP = `
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: web-config, namespace: shop, labels: {app: web, tenantry.io/tenant: forged}}
data: {greeting: hello}
---
apiVersion: v1
kind: Secret
metadata: {name: web-secret, namespace: shop}
stringData: {password: s3cret}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec:
  runtimeClassName: gvisor
  terminationGracePeriodSeconds: 5
  containers:
  - name: web
    image: nginx
    envFrom: [{configMapRef: {name: web-config}}]
    volumeMounts: [{name: s, mountPath: /s}]
  volumes: [{name: s, secret: {secretName: web-secret}}]
`;

async function startSuper(): Promise<void> {
  const dataDir = tempDir('super');
  // TENANTRY_E2E_PLAIN_SUPER=1 runs against a plain API server even when the local cluster is built.
  if (!process.env.TENANTRY_E2E_PLAIN_SUPER && fs.existsSync(path.join(path.dirname(CLI), '..', 'dist', 'local-cluster', 'super.js'))) {
    try {
      const p = await spawnCli(['super', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--nodes', '2'], /Local super cluster ready at/);
      superCluster = { dataDir, kubeconfig: path.join(dataDir, 'admin.kubeconfig'), stop: p.stop };
      localCluster = true;
      return;
    } catch {
      // Not working yet: fall back to a plain API server.
    }
  }
  const s = await startServer({ dataDir: tempDir('super-plain') });
  superCluster = s;
  k(s, ['create', '-f', '-'], { input: 'apiVersion: node.k8s.io/v1\nkind: RuntimeClass\nmetadata: {name: kata}\nhandler: kata\n' });
}

/** The tenants run without their own policy admission: what is tested here is the syncer (its re-check, dropping forged marks). */
const NO_TENANT_POLICY = ['--tenant-policy=false'];

beforeAll(async () => {
  [, tenantA, tenantB] = await Promise.all([startSuper(), startServer({ dataDir: tempDir('tenant-a'), args: NO_TENANT_POLICY }), startServer({ dataDir: tempDir('tenant-b'), args: NO_TENANT_POLICY })]);
  const s = await spawnCli(
    [
      'syncer',
      '--super-kubeconfig',
      superCluster.kubeconfig,
      '--tenant',
      `acme=${tenantA.kubeconfig}`,
      '--tenant',
      `globex=${tenantB.kubeconfig}`,
      '--runtime-class',
      'kata',
      '--metrics-listen',
      '127.0.0.1:0',
      '--patrol-interval',
      '2s',
    ],
    /Syncer running: 2 tenant\(s\) synced, metrics at (\S+)\/metrics/,
  );
  syncer = s;
  metricsUrl = s.match[1]!;
}, 60_000);

afterAll(async () => {
  await syncer?.stop();
  await Promise.all([tenantA?.stop(), tenantB?.stop(), superCluster?.stop()]);
});

describe('tenantry syncer', () => {
  it('copies a tenant app into mapped super namespaces with ownership marks, forcing Kata', async () => {
    k(tenantA, ['apply', '-f', '-'], { input: APP });
    const ns = superNamespace({ name: 'acme', uid: tenantUID(tenantA) }, 'shop');
    expect(ns).toMatch(/^acme-[a-z0-9]{6}-shop$/);
    const pod = await eventually(() => json(superCluster, ['get', 'pod', '-n', ns, 'web']), 15_000);
    expect(pod.spec.runtimeClassName).toBe('kata');
    expect(pod.spec.automountServiceAccountToken).toBe(false);
    expect(pod.spec.serviceAccountName).toBe('default');
    expect(pod.metadata.labels).toMatchObject({ app: 'web', 'tenantry.io/tenant': 'acme', 'tenantry.io/tenant-namespace': 'shop' });
    const tenantPod = json(tenantA, ['get', 'pod', '-n', 'shop', 'web']);
    expect(pod.metadata.annotations).toMatchObject({ 'tenantry.io/tenant-uid': tenantUID(tenantA), 'tenantry.io/object-uid': tenantPod.metadata.uid, 'tenantry.io/object-name': 'web' });

    const superNs = json(superCluster, ['get', 'ns', ns]);
    expect(superNs.metadata.labels).toMatchObject({ 'tenantry.io/tenant': 'acme', 'tenantry.io/tenant-namespace': 'shop' });
    const cm = json(superCluster, ['get', 'configmap', '-n', ns, 'web-config']);
    expect(cm.data).toEqual({ greeting: 'hello' });
    // The tenant's attempt to set a reserved label did not pass.
    expect(cm.metadata.labels['tenantry.io/tenant']).toBe('acme');
    const secret = json(superCluster, ['get', 'secret', '-n', ns, 'web-secret']);
    expect(Buffer.from(secret.data.password, 'base64').toString()).toBe('s3cret');
    const svc = json(superCluster, ['get', 'service', '-n', ns, 'web']);
    expect(svc.spec.selector).toEqual({ app: 'web' });
  });

  it('shows the super cluster IP on the tenant service and the pod running on a virtual node', async () => {
    const ns = superNamespace({ name: 'acme', uid: tenantUID(tenantA) }, 'shop');
    if (!localCluster) {
      // A plain API server allocates nothing: play its allocator, as a real super cluster would.
      const svc = json(superCluster, ['get', 'service', '-n', ns, 'web']);
      svc.spec.clusterIP = '10.96.7.7';
      svc.spec.clusterIPs = ['10.96.7.7'];
      k(superCluster, ['replace', '-f', '-'], { input: JSON.stringify(svc) });
    }
    const superIP = await eventually(() => {
      const ip = json(superCluster, ['get', 'service', '-n', ns, 'web']).spec.clusterIP as string;
      if (!ip) throw new Error('no cluster IP in super yet');
      return ip;
    }, 10_000);
    await eventually(() => expect(k(tenantA, ['get', 'svc', '-n', 'shop', 'web', '-o', 'jsonpath={.spec.clusterIP}']).trim()).toBe(superIP), 10_000);
    if (!localCluster) return;

    const running = await eventually(() => {
      const p = json(tenantA, ['get', 'pod', '-n', 'shop', 'web']);
      if (p.status.phase !== 'Running' || !p.status.podIP) throw new Error(`tenant pod is ${p.status.phase}`);
      return p;
    }, 20_000);
    const superPod = json(superCluster, ['get', 'pod', '-n', ns, 'web']);
    expect(running.status.podIP).toBe(superPod.status.podIP);
    expect(running.status.hostIP).toBe(superPod.status.hostIP);
    const node = superPod.spec.nodeName as string;
    expect(node).toBeTruthy();
    // The tenant API server may not serve pods/binding yet; when it does, the node shows on the tenant pod.
    if (running.spec.nodeName) expect(running.spec.nodeName).toBe(node);
    await eventually(() => expect(k(tenantA, ['get', 'nodes', '-o', 'name']).trim().split('\n')).toEqual([`node/${node}`]), 10_000);
    const vnode = json(tenantA, ['get', 'node', node]);
    expect(vnode.metadata.labels['tenantry.io/virtual-node']).toBe('true');
    expect(vnode.status.capacity.cpu).toBeTruthy();
    // Events about the pod come up with tenant names.
    await eventually(() => expect(k(tenantA, ['get', 'events', '-n', 'shop', '--field-selector', 'involvedObject.name=web'])).toMatch(/Scheduled.*shop\/web/), 10_000);
    // Env from the tenant's services was computed into the super pod.
    const env = (superPod.spec.containers[0].env ?? []) as { name: string; value: string }[];
    expect(env.find((e) => e.name === 'WEB_SERVICE_HOST')?.value).toBe(superIP);
  });

  it('keeps two tenants with the same names apart', async () => {
    k(tenantB, ['apply', '-f', '-'], { input: APP });
    const nsA = superNamespace({ name: 'acme', uid: tenantUID(tenantA) }, 'shop');
    const nsB = superNamespace({ name: 'globex', uid: tenantUID(tenantB) }, 'shop');
    expect(nsB).not.toBe(nsA);
    const cmB = await eventually(() => json(superCluster, ['get', 'configmap', '-n', nsB, 'web-config']), 15_000);
    expect(cmB.metadata.labels['tenantry.io/tenant']).toBe('globex');
    expect(cmB.metadata.annotations['tenantry.io/tenant-uid']).toBe(tenantUID(tenantB));
    await eventually(() => json(superCluster, ['get', 'pod', '-n', nsB, 'web']), 15_000);

    // A change in one tenant touches only its copy.
    k(tenantB, ['patch', 'configmap', '-n', 'shop', 'web-config', '--type', 'merge', '-p', '{"data":{"greeting":"hola"}}']);
    await eventually(() => expect(json(superCluster, ['get', 'configmap', '-n', nsB, 'web-config']).data.greeting).toBe('hola'), 10_000);
    k(tenantB, ['delete', 'configmap', '-n', 'shop', 'web-config']);
    await eventually(() => expect(kubectl(superCluster, ['get', 'configmap', '-n', nsB, 'web-config']).code).not.toBe(0), 10_000);
    const cmA = json(superCluster, ['get', 'configmap', '-n', nsA, 'web-config']);
    expect(cmA.data.greeting).toBe('hello');
    expect(json(tenantA, ['get', 'configmap', '-n', 'shop', 'web-config']).data.greeting).toBe('hello');
  });

  it('restores an object deleted out of band in the super cluster', async () => {
    const ns = superNamespace({ name: 'acme', uid: tenantUID(tenantA) }, 'shop');
    const before = json(superCluster, ['get', 'configmap', '-n', ns, 'web-config']);
    k(superCluster, ['delete', 'configmap', '-n', ns, 'web-config']);
    const after = await eventually(() => json(superCluster, ['get', 'configmap', '-n', ns, 'web-config']), 10_000);
    expect(after.metadata.uid).not.toBe(before.metadata.uid);
    expect(after.data).toEqual({ greeting: 'hello' });
    // An object the tenant does not have, carrying the tenant's marks, is an orphan: the patroller removes it.
    const orphan = { ...after, metadata: { name: 'stray', namespace: ns, labels: after.metadata.labels, annotations: { ...after.metadata.annotations, 'tenantry.io/object-name': 'stray' } } };
    k(superCluster, ['create', '-f', '-'], { input: JSON.stringify(orphan) });
    await eventually(() => expect(kubectl(superCluster, ['get', 'configmap', '-n', ns, 'stray']).code).not.toBe(0), 10_000);
    // Patrols ran (every 2 s) and are measured.
    await eventually(async () => {
      const text = await (await fetch(`${metricsUrl}/metrics`)).text();
      expect(Number(/tenantry_syncer_patrol_duration_seconds_count\{tenant="acme"\} (\d+)/.exec(text)?.[1] ?? 0)).toBeGreaterThan(0);
      expect(text).toMatch(/tenantry_syncer_queue_depth\{tenant="acme"\} \d+/);
      expect(text).toMatch(/tenantry_syncer_reconciles_total\{kind="pods",result="success"\} \d+/);
    }, 10_000);
  });

  it('refuses a pod pinned to a node the tenant does not have, with a Warning event', async () => {
    k(tenantA, ['run', 'pinned', '-n', 'shop', '--image', 'nginx', '--overrides', '{"spec":{"nodeName":"control-plane"}}']);
    // The syncer's policy re-check refuses it (node outside the tenant's pool).
    await eventually(() => expect(k(tenantA, ['get', 'events', '-n', 'shop', '--field-selector', 'reason=PolicyViolation'])).toMatch(/pod\/pinned/), 10_000);
    const ns = superNamespace({ name: 'acme', uid: tenantUID(tenantA) }, 'shop');
    expect(kubectl(superCluster, ['get', 'pod', '-n', ns, 'pinned']).code).not.toBe(0);
    // Deleting it completes: nothing runs it, so the syncer finishes the deletion.
    k(tenantA, ['delete', 'pod', '-n', 'shop', 'pinned', '--wait=true', '--timeout=20s']);
  });

  it('shows a super pod deleted out of band: Failed/Evicted once it ran, re-created before', async () => {
    const ns = superNamespace({ name: 'acme', uid: tenantUID(tenantA) }, 'shop');
    k(tenantA, ['run', 'victim', '-n', 'shop', '--image', 'nginx']);
    const first = await eventually(() => json(superCluster, ['get', 'pod', '-n', ns, 'victim']), 15_000);
    if (localCluster) {
      await eventually(() => expect(json(tenantA, ['get', 'pod', '-n', 'shop', 'victim']).status.phase).toBe('Running'), 15_000);
      k(superCluster, ['delete', 'pod', '-n', ns, 'victim', '--grace-period=0', '--force']);
      await eventually(() => expect(json(tenantA, ['get', 'pod', '-n', 'shop', 'victim']).status).toMatchObject({ phase: 'Failed', reason: 'Evicted' }), 15_000);
      // A pod does not come back from the dead: no new super pod.
      expect(kubectl(superCluster, ['get', 'pod', '-n', ns, 'victim']).code).not.toBe(0);
    } else {
      // Never ran (nothing runs pods here): the patroller or the watch puts it back.
      k(superCluster, ['delete', 'pod', '-n', ns, 'victim']);
      await eventually(() => expect(json(superCluster, ['get', 'pod', '-n', ns, 'victim']).metadata.uid).not.toBe(first.metadata.uid), 15_000);
    }
  });

  it('removes what the tenant deletes: a pod (after the super pod is gone), then the whole namespace', async () => {
    const ns = superNamespace({ name: 'acme', uid: tenantUID(tenantA) }, 'shop');
    k(tenantA, ['delete', 'pod', '-n', 'shop', 'web', '--wait=false']);
    await eventually(() => expect(kubectl(superCluster, ['get', 'pod', '-n', ns, 'web']).code).not.toBe(0), 20_000);
    await eventually(() => expect(kubectl(tenantA, ['get', 'pod', '-n', 'shop', 'web']).code).not.toBe(0), 20_000);
    k(tenantA, ['delete', 'ns', 'shop', '--wait=false']);
    await eventually(() => expect(kubectl(superCluster, ['get', 'ns', ns]).code).not.toBe(0), 30_000, 200);
    // The other tenant's namespace is untouched.
    const nsB = superNamespace({ name: 'globex', uid: tenantUID(tenantB) }, 'shop');
    expect(json(superCluster, ['get', 'ns', nsB]).status.phase).toBe('Active');
    if (localCluster) await eventually(() => expect(k(tenantA, ['get', 'nodes', '-o', 'name']).trim()).toBe(''), 10_000);
  });
});
