// `tenantry up` as a newcomer runs it: one command starts a super cluster, two
// tenants and the syncer; tenants work with plain kubectl; the same names in two
// tenants never collide; Ctrl-C stops everything and a second run resumes.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { CLI, eventually, k, kubectl, tempDir } from './harness.js';

let dir: string;
let proc: ChildProcess | undefined;
let output = '';

async function startUp(): Promise<void> {
  output = '';
  proc = spawn(process.execPath, [CLI, 'up', '--dir', dir, '--tenants', 'red,blue', '--nodes', '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout!.on('data', (d) => (output += d));
  proc.stderr!.on('data', (d) => (output += d));
  await eventually(() => expect(output).toContain('Ready. Try'), 60_000, 100);
}

async function stopUp(): Promise<number | null> {
  const p = proc!;
  const exited = new Promise<number | null>((r) => p.once('exit', (code) => r(code)));
  p.kill('SIGINT');
  return exited;
}

const as = (tenant: string) => ({ kubeconfig: path.join(dir, `${tenant}.kubeconfig`), dataDir: dir });
const superCluster = () => as('super');

beforeAll(async () => {
  dir = tempDir('up');
  await startUp();
});
afterAll(async () => {
  if (proc && proc.exitCode === null) proc.kill('SIGKILL');
});

describe('tenantry up', () => {
  it('prints progress and the commands to try', () => {
    expect(output).toMatch(/Starting the super cluster \(2 nodes\)/);
    expect(output).toContain(`export KUBECONFIG=${path.join(dir, 'red.kubeconfig')}`);
  });

  it('syncs tenant objects down under mapped names, forces kata, and reflects status, nodes and IPs up', async () => {
    for (const t of ['red', 'blue']) {
      k(as(t), ['create', 'namespace', 'shop']);
      k(as(t), ['create', 'configmap', 'settings', '-n', 'shop', `--from-literal=tenant=${t}`]);
      k(as(t), ['create', 'secret', 'generic', 'creds', '-n', 'shop', '--from-literal=pw=x']);
      const web = (runtimeClassName?: string) =>
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' } },
          spec: { runtimeClassName, containers: [{ name: 'web', image: 'nginx', envFrom: [{ configMapRef: { name: 'settings' } }] }] },
        });
      // Under the default policy a class other than kata is refused at the door (the syncer would force kata anyway).
      const other = kubectl(as(t), ['create', '-f', '-'], { input: web('gvisor') });
      expect(other.code).not.toBe(0);
      expect(other.stderr).toContain('gvisor');
      k(as(t), ['create', '-f', '-'], { input: web() });
      k(as(t), ['expose', 'pod', 'web', '-n', 'shop', '--port=80']);
    }
    const superPods = await eventually(() => {
      const pods = JSON.parse(k(superCluster(), ['get', 'pods', '-A', '-l', 'tenantry.io/tenant', '-o', 'json'])).items as {
        metadata: { namespace: string; name: string; labels: Record<string, string> };
        spec: { runtimeClassName: string };
        status: { phase: string };
      }[];
      expect(pods.filter((p) => p.metadata.name === 'web')).toHaveLength(2);
      return pods;
    }, 30_000);
    const namespaces = new Set(superPods.map((p) => p.metadata.namespace));
    expect(namespaces.size).toBe(2); // same tenant namespace name, two super namespaces
    for (const p of superPods) expect(p.spec.runtimeClassName).toBe('kata');
    for (const t of ['red', 'blue']) {
      const cmNs = superPods.find((p) => p.metadata.labels['tenantry.io/tenant'] === t)!.metadata.namespace;
      expect(k(superCluster(), ['get', 'configmap', 'settings', '-n', cmNs, '-o', 'jsonpath={.data.tenant}'])).toBe(t);
      await eventually(() => {
        const pod = JSON.parse(k(as(t), ['get', 'pod', 'web', '-n', 'shop', '-o', 'json']));
        expect(pod.status.phase).toBe('Running');
        expect(pod.status.podIP).toMatch(/^10\./);
        expect(pod.spec.nodeName).toMatch(/^node-/);
        expect(k(as(t), ['get', 'nodes', '-o', 'name'])).toContain(`node/${pod.spec.nodeName}`);
        const svc = JSON.parse(k(as(t), ['get', 'svc', 'web', '-n', 'shop', '-o', 'json']));
        const superSvc = JSON.parse(k(superCluster(), ['get', 'svc', 'web', '-n', cmNs, '-o', 'json']));
        expect(svc.spec.clusterIP).toBe(superSvc.spec.clusterIP);
      }, 30_000);
    }
  });

  it('deletes in the super cluster what a tenant deletes, leaving the other tenant alone', async () => {
    k(as('red'), ['delete', 'pod', 'web', '-n', 'shop', '--wait=false']);
    await eventually(() => {
      const names = k(superCluster(), ['get', 'pods', '-A', '-l', 'tenantry.io/tenant=red', '-o', 'name']).trim();
      expect(names).toBe('');
      expect(kubectl(as('red'), ['get', 'pod', 'web', '-n', 'shop']).stderr).toContain('not found');
    }, 30_000);
    expect(k(as('blue'), ['get', 'pod', 'web', '-n', 'shop', '-o', 'jsonpath={.status.phase}'])).toBe('Running');
  });

  it('runs a Job to completion on the super cluster and a Deployment to Running', async () => {
    k(as('blue'), ['create', 'job', 'once', '-n', 'shop', '--image=busybox', '--', 'sh', '-c', 'echo done; exit 0']);
    k(as('blue'), ['create', 'deployment', 'api', '-n', 'shop', '--image=nginx', '--replicas=3']);
    expect(k(as('blue'), ['wait', '--for=condition=complete', 'job/once', '-n', 'shop', '--timeout=30s'])).toContain('condition met');
    expect(k(as('blue'), ['rollout', 'status', 'deployment/api', '-n', 'shop', '--timeout=30s'])).toContain('successfully rolled out');
    const pods = JSON.parse(k(as('blue'), ['get', 'pods', '-n', 'shop', '-l', 'app=api', '-o', 'json'])).items as { status: { phase: string } }[];
    expect(pods.map((p) => p.status.phase)).toEqual(['Running', 'Running', 'Running']);
  });

  it('stops cleanly on Ctrl-C and resumes with the same state', async () => {
    expect(await stopUp()).toBe(0);
    await startUp();
    expect(k(as('blue'), ['get', 'pod', 'web', '-n', 'shop', '-o', 'jsonpath={.status.phase}'])).toBe('Running');
    expect(k(as('red'), ['get', 'configmap', 'settings', '-n', 'shop', '-o', 'jsonpath={.data.tenant}'])).toBe('red');
    expect(await stopUp()).toBe(0);
  });
});
