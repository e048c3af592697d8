// kubectl's write paths against a tenant control plane: client-side apply
// (strategic merge patch with the last-applied annotation), diff, edit,
// protobuf creates, scale, set image, rollout restart; and client-node patches
// with each patch content type.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { k, kubectl, startServer, type ServerProcess } from './harness.js';

let s: ServerProcess;

beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => {
  await s?.stop();
});

function deployment(containers: { name: string; image: string }[], replicas = 2): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers } },
    },
  });
}

const containerNames = () => k(s, ['get', 'deploy', 'web', '-o', 'jsonpath={.spec.template.spec.containers[*].name}']).split(' ');

describe('client-side apply', () => {
  it('creates, is unchanged the second time, and removes exactly what the manifest dropped', () => {
    const file = path.join(s.dataDir, 'web.json');
    fs.writeFileSync(file, deployment([{ name: 'nginx', image: 'nginx:1.25' }, { name: 'sidecar', image: 'busybox' }]));
    expect(k(s, ['apply', '-f', file])).toContain('deployment.apps/web created');
    expect(k(s, ['apply', '-f', file])).toContain('deployment.apps/web unchanged');
    // Someone else adds a container; it is not in last-applied, so apply must leave it alone.
    k(s, ['patch', 'deploy', 'web', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"debug","image":"alpine"}]}}}}']);
    expect(containerNames()).toEqual(['debug', 'nginx', 'sidecar']);
    fs.writeFileSync(file, deployment([{ name: 'nginx', image: 'nginx:1.26' }]));
    expect(k(s, ['apply', '-f', file])).toContain('deployment.apps/web configured');
    expect(containerNames().sort()).toEqual(['debug', 'nginx']);
    expect(k(s, ['get', 'deploy', 'web', '-o', 'jsonpath={.spec.template.spec.containers[?(@.name=="nginx")].image}'])).toBe('nginx:1.26');
  });

  it('respects $setElementOrder when the manifest reorders containers', () => {
    const file = path.join(s.dataDir, 'order.json');
    const manifest = (cs: string[]) =>
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'ordered', namespace: 'default' },
        spec: { containers: cs.map((n) => ({ name: n, image: 'busybox' })) },
      });
    fs.writeFileSync(file, manifest(['a', 'b']));
    k(s, ['apply', '-f', file]);
    // Pods' container lists cannot change, so check the ordering rule on env vars of a ConfigMap-free path:
    const dep = path.join(s.dataDir, 'envorder.json');
    const envs = (names: string[]) =>
      JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'envs', namespace: 'default' },
        spec: {
          selector: { matchLabels: { app: 'envs' } },
          template: { metadata: { labels: { app: 'envs' } }, spec: { containers: [{ name: 'c', image: 'busybox', env: names.map((n) => ({ name: n, value: n })) }] } },
        },
      });
    fs.writeFileSync(dep, envs(['A', 'B', 'C']));
    k(s, ['apply', '-f', dep]);
    fs.writeFileSync(dep, envs(['C', 'A', 'B']));
    k(s, ['apply', '-f', dep]);
    expect(k(s, ['get', 'deploy', 'envs', '-o', 'jsonpath={.spec.template.spec.containers[0].env[*].name}'])).toBe('C A B');
  });
});

describe('kubectl write commands', () => {
  it('diff shows the change and persists nothing', () => {
    const before = k(s, ['get', 'deploy', 'web', '-o', 'jsonpath={.metadata.resourceVersion}']);
    const file = path.join(s.dataDir, 'diff.json');
    fs.writeFileSync(file, deployment([{ name: 'nginx', image: 'nginx:1.27' }], 4));
    const r = kubectl(s, ['diff', '-f', file]);
    expect(r.code).toBe(1); // kubectl diff exits 1 when there are differences
    expect(r.stdout).toMatch(/-\s+replicas: 2/);
    expect(r.stdout).toMatch(/\+\s+replicas: 4/);
    expect(k(s, ['get', 'deploy', 'web', '-o', 'jsonpath={.metadata.resourceVersion}'])).toBe(before);
  });

  it('edits with a scripted editor', () => {
    const editor = path.join(s.dataDir, 'editor.sh');
    fs.writeFileSync(editor, '#!/bin/sh\nsed -i "s/replicas: 2/replicas: 7/" "$1"\n', { mode: 0o755 });
    const r = kubectl(s, ['edit', 'deploy', 'web'], { env: { KUBE_EDITOR: editor } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('deployment.apps/web edited');
    expect(k(s, ['get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}'])).toBe('7');
  });

  it('scales, sets the image and restarts a rollout', () => {
    expect(k(s, ['scale', 'deploy', 'web', '--replicas=3'])).toContain('scaled');
    expect(k(s, ['get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}'])).toBe('3');
    const gen = Number(k(s, ['get', 'deploy', 'web', '-o', 'jsonpath={.metadata.generation}']));
    expect(k(s, ['set', 'image', 'deploy/web', 'nginx=nginx:1.28'])).toContain('image updated');
    expect(k(s, ['rollout', 'restart', 'deploy/web'])).toContain('restarted');
    const j = JSON.parse(k(s, ['get', 'deploy', 'web', '-o', 'json']));
    expect(j.spec.template.spec.containers.find((c: { name: string }) => c.name === 'nginx').image).toBe('nginx:1.28');
    expect(j.spec.template.metadata.annotations['kubectl.kubernetes.io/restartedAt']).toBeTruthy();
    expect(j.metadata.generation).toBe(gen + 2);
  });

  it('creates namespaces, deployments, config maps, secrets and jobs through protobuf bodies', () => {
    expect(k(s, ['create', 'namespace', 'pb'])).toContain('namespace/pb created');
    k(s, ['create', 'deployment', 'pbdep', '-n', 'pb', '--image=nginx', '--replicas=0']);
    k(s, ['create', 'configmap', 'pbcm', '-n', 'pb', '--from-literal=a=b']);
    k(s, ['create', 'secret', 'generic', 'pbsec', '-n', 'pb', '--from-literal=x=y']);
    k(s, ['create', 'job', 'pbjob', '-n', 'pb', '--image=busybox']);
    const dep = JSON.parse(k(s, ['get', 'deploy', 'pbdep', '-n', 'pb', '-o', 'json']));
    expect(dep.spec.replicas).toBe(0);
    expect(dep.spec.template.spec.containers[0].image).toBe('nginx');
    // Zero values Go writes for non-pointer fields must not leak into the object.
    expect(dep.spec.paused).toBeUndefined();
    expect(dep.spec.template.metadata.generation).toBeUndefined();
    expect(JSON.parse(k(s, ['get', 'cm', 'pbcm', '-n', 'pb', '-o', 'json'])).data).toEqual({ a: 'b' });
    expect(JSON.parse(k(s, ['get', 'secret', 'pbsec', '-n', 'pb', '-o', 'json'])).data).toEqual({ x: Buffer.from('y').toString('base64') });
    const job = JSON.parse(k(s, ['get', 'job', 'pbjob', '-n', 'pb', '-o', 'json']));
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
    expect(job.spec.backoffLimit).toBe(6);
  });

  it('creates the other kinds kubectl offers', () => {
    k(s, ['create', 'cronjob', 'cj', '--image=busybox', '--schedule=*/5 * * * *']);
    k(s, ['create', 'service', 'clusterip', 'svc1', '--tcp=80:8080']);
    k(s, ['create', 'serviceaccount', 'sa1']);
    k(s, ['create', 'role', 'r1', '--verb=get', '--resource=pods']);
    k(s, ['create', 'rolebinding', 'rb1', '--role=r1', '--user=bob']);
    k(s, ['expose', 'deploy', 'web', '--port=80', '--name=web-svc']);
    k(s, ['run', 'p1', '--image=nginx']);
    const svc = JSON.parse(k(s, ['get', 'svc', 'web-svc', '-o', 'json']));
    expect(svc.spec.selector).toEqual({ app: 'web' });
    expect(svc.spec.ports[0]).toMatchObject({ port: 80, protocol: 'TCP', targetPort: 80 });
    expect(k(s, ['get', 'pod', 'p1', '-o', 'jsonpath={.status.phase}'])).toBe('Pending');
  });
});

describe('server-side apply', () => {
  const manifest = (replicas: number, extra: Record<string, string> = {}) =>
    JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'ssa', namespace: 'default', labels: { app: 'ssa', ...extra } },
      spec: { replicas, selector: { matchLabels: { app: 'ssa' } }, template: { metadata: { labels: { app: 'ssa' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.25' }] } } },
    });

  it('creates and updates, records managers, and refuses a conflicting manager unless forced', () => {
    const file = path.join(s.dataDir, 'ssa.json');
    fs.writeFileSync(file, manifest(2, { tier: 'web' }));
    expect(k(s, ['apply', '--server-side', '-f', file])).toContain('deployment.apps/ssa serverside-applied');
    fs.writeFileSync(file, manifest(2));
    k(s, ['apply', '--server-side', '-f', file]);
    // The label the applier stopped sending is removed.
    expect(JSON.parse(k(s, ['get', 'deploy', 'ssa', '-o', 'json'])).metadata.labels).toEqual({ app: 'ssa' });
    const other = path.join(s.dataDir, 'ssa-other.json');
    fs.writeFileSync(other, manifest(5));
    const conflict = kubectl(s, ['apply', '--server-side', '--field-manager=other', '-f', other]);
    expect(conflict.code).not.toBe(0);
    expect(conflict.stderr).toContain('Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas');
    expect(k(s, ['get', 'deploy', 'ssa', '-o', 'jsonpath={.spec.replicas}'])).toBe('2');
    k(s, ['apply', '--server-side', '--field-manager=other', '--force-conflicts', '-f', other]);
    expect(k(s, ['get', 'deploy', 'ssa', '-o', 'jsonpath={.spec.replicas}'])).toBe('5');
    const managed = JSON.parse(k(s, ['get', 'deploy', 'ssa', '-o', 'json', '--show-managed-fields'])).metadata.managedFields as { manager: string; operation: string; fieldsV1: { 'f:spec'?: Record<string, unknown> } }[];
    const owner = managed.find((m) => m.fieldsV1['f:spec']?.['f:replicas'] !== undefined);
    expect(owner).toMatchObject({ manager: 'other', operation: 'Apply' });
    // A plain update by another client is recorded as an Update entry.
    k(s, ['label', 'deploy', 'ssa', 'touched=yes']);
    const after = JSON.parse(k(s, ['get', 'deploy', 'ssa', '-o', 'json', '--show-managed-fields'])).metadata.managedFields as { manager: string; operation: string }[];
    expect(after.some((m) => m.manager === 'kubectl-label' && m.operation === 'Update')).toBe(true);
  });

  it('applies through client-node with the apply-patch content type', async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(s.kubeconfig);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const cm = await core.patchNamespacedConfigMap(
      { name: 'applied', namespace: 'default', fieldManager: 'robot', body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'applied' }, data: { k: 'v' } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.ServerSideApply),
    );
    expect(cm.data).toEqual({ k: 'v' });
    expect(cm.metadata?.managedFields?.[0]?.manager).toBe('robot');
  });
});

describe('pods/binding', () => {
  it('binds a pod once, as a scheduler does, and refuses a second binding', () => {
    k(s, ['run', 'tobind', '--image=nginx']);
    const file = path.join(s.dataDir, 'binding.json');
    fs.writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'Binding', metadata: { name: 'tobind' }, target: { kind: 'Node', name: 'node-a' } }));
    expect(JSON.parse(k(s, ['create', '--raw', '/api/v1/namespaces/default/pods/tobind/binding', '-f', file]))).toMatchObject({ status: 'Success', code: 201 });
    const pod = JSON.parse(k(s, ['get', 'pod', 'tobind', '-o', 'json']));
    expect(pod.spec.nodeName).toBe('node-a');
    expect(pod.status.conditions.find((c: { type: string }) => c.type === 'PodScheduled').status).toBe('True');
    const again = kubectl(s, ['create', '--raw', '/api/v1/namespaces/default/pods/tobind/binding', '-f', file]);
    expect(again.stderr).toContain('pod tobind is already assigned to node "node-a"');
  });
});

describe('client-node patches', () => {
  it('applies JSON, merge and strategic merge patches', async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(s.kubeconfig);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'cn' }, data: { a: '1' } } });
    const patch = (body: object, type: string) =>
      core.patchNamespacedConfigMap({ name: 'cn', namespace: 'default', body }, k8s.setHeaderOptions('Content-Type', type));
    await patch([{ op: 'add', path: '/data/b', value: '2' }], k8s.PatchStrategy.JsonPatch);
    await patch({ data: { c: '3' } }, k8s.PatchStrategy.MergePatch);
    const out = await patch({ metadata: { labels: { x: 'y' } } }, k8s.PatchStrategy.StrategicMergePatch);
    expect(out.data).toEqual({ a: '1', b: '2', c: '3' });
    expect(out.metadata?.labels).toEqual({ x: 'y' });
    const pods = await core.createNamespacedPod({
      namespace: 'default',
      body: { metadata: { name: 'pp' }, spec: { containers: [{ name: 'a', image: 'busybox', env: [{ name: 'X', value: '1' }] }] } },
    });
    expect(pods.status?.phase).toBe('Pending');
    const patched = await core.patchNamespacedPod(
      { name: 'pp', namespace: 'default', body: { spec: { containers: [{ name: 'a', image: 'busybox:2' }] } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch),
    );
    expect(patched.spec?.containers[0]?.image).toBe('busybox:2');
    expect(patched.spec?.containers[0]?.env).toEqual([{ name: 'X', value: '1' }]);
  });
});
