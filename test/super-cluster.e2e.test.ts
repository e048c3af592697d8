// The local super cluster end to end: the built `tenantry super --nodes 3`
// driven by real kubectl 1.32 (and a raw client for the concurrency check).

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, client, eventually, k, kubectl, tempDir, type ServerProcess } from './harness.js';

let server: ServerProcess;

async function startSuper(args: string[]): Promise<ServerProcess> {
  const dataDir = tempDir('super');
  const kubeconfig = path.join(dataDir, 'admin.kubeconfig');
  const proc = spawn(process.execPath, [CLI, 'super', '--data-dir', dataDir, '--listen', '127.0.0.1:0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TENANTRY_LOG_LEVEL: process.env.TENANTRY_LOG_LEVEL ?? 'warn' },
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 30_000;
  while (!/ready at (https:\/\/\S+)/.test(out)) {
    if (proc.exitCode !== null) throw new Error(`super exited early (${proc.exitCode}):\n${out}`);
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`super did not become ready:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    dataDir,
    kubeconfig,
    url: /ready at (https:\/\/\S+)/.exec(out)![1]!,
    proc,
    logs: () => out,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
      proc.kill(signal);
      return exited;
    },
  };
}

function pod(name: string, extra: Record<string, unknown> = {}, labels: Record<string, string> = {}): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec: { containers: [{ name: 'app', image: 'nginx', ports: [{ name: 'http', containerPort: 8080 }] }], ...extra } });
}

function jsonpath(args: string[], expr: string): string {
  return k(server, [...args, '-o', `jsonpath=${expr}`]);
}

beforeAll(async () => {
  server = await startSuper(['--nodes', '3']);
});

afterAll(async () => {
  expect(await server.stop()).toBe(0);
  fs.rmSync(server.dataDir, { recursive: true, force: true });
});

describe('tenantry super', () => {
  it('registers three Ready nodes with versions, addresses, pod CIDRs and leases', async () => {
    const lines = await eventually(() => {
      const l = k(server, ['get', 'nodes', '--no-headers']).trim().split('\n');
      if (l.length !== 3 || !l.every((x) => /\sReady\s/.test(x))) throw new Error(l.join('\n'));
      return l;
    });
    expect(lines.map((l) => l.split(/\s+/)[0])).toEqual(['node-1', 'node-2', 'node-3']);
    for (const l of lines) expect(l).toMatch(/\sv1\.\d+\.\d+\S*$/);
    expect(jsonpath(['get', 'node', 'node-2'], '{.spec.podCIDR} {.status.addresses[0].address} {.status.nodeInfo.containerRuntimeVersion} {.status.allocatable.pods}')).toMatch(
      /^10\.244\.2\.0\/24 10\.0\.\d+\.\d+ containerd:\/\/\S+ 110$/,
    );
    expect(jsonpath(['get', 'node', 'node-1'], '{.metadata.labels.kubernetes\\.io/hostname}')).toBe('node-1');
    expect(k(server, ['get', 'leases', '-n', 'kube-node-lease', '--no-headers']).trim().split('\n')).toHaveLength(3);
  });

  it('runs a pod: scheduled to a node, Running with an IP from that node within seconds', async () => {
    k(server, ['run', 'web', '--image=nginx', '--labels=app=web', '--port=8080']);
    const [phase, ip, node] = await eventually(() => {
      const v = jsonpath(['get', 'pod', 'web'], '{.status.phase} {.status.podIP} {.spec.nodeName}').split(' ');
      if (v[0] !== 'Running') throw new Error(v.join(' '));
      return v;
    }, 5000);
    expect(phase).toBe('Running');
    const n = /^node-(\d)$/.exec(node!)![1];
    expect(ip).toMatch(new RegExp(`^10\\.244\\.${n}\\.\\d+$`));
    expect(jsonpath(['get', 'pod', 'web'], '{.status.containerStatuses[0].ready} {.status.containerStatuses[0].containerID}')).toMatch(/^true containerd:\/\/[0-9a-f]{64}$/);
    expect(k(server, ['get', 'pod', 'web', '--no-headers'])).toMatch(/^web\s+1\/1\s+Running\s+0/);
  });

  it('refuses a pod naming a missing RuntimeClass and applies the kata class overhead', () => {
    const r = kubectl(server, ['create', '-f', '-'], { input: pod('rc', { runtimeClassName: 'foo' }) });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('pods "rc" is forbidden: pod rejected: RuntimeClass "foo" not found');
    k(server, ['create', '-f', '-'], { input: pod('sandboxed', { runtimeClassName: 'kata' }) });
    expect(jsonpath(['get', 'pod', 'sandboxed'], '{.spec.overhead.cpu} {.spec.overhead.memory}')).toBe('250m 160Mi');
  });

  it('leaves a pod no node matches Pending, with a FailedScheduling event in kube\'s words', async () => {
    k(server, ['create', '-f', '-'], { input: pod('picky', { nodeSelector: { disktype: 'ssd' } }) });
    const message = await eventually(() => {
      const m = jsonpath(['get', 'events', '--field-selector', 'involvedObject.name=picky,reason=FailedScheduling'], '{.items[0].message}');
      if (!m) throw new Error('no FailedScheduling event yet');
      return m;
    });
    expect(message).toBe(
      "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
    );
    expect(jsonpath(['get', 'pod', 'picky'], '{.status.phase} {.status.conditions[?(@.type=="PodScheduled")].reason}')).toBe('Pending Unschedulable');
    expect(k(server, ['describe', 'pod', 'picky'])).toMatch(/Warning\s+FailedScheduling\s+\S+\s+default-scheduler\s+0\/3 nodes are available/);
  });

  it('gives a ClusterIP service an IP and Endpoints/EndpointSlices with the pod IP', async () => {
    k(server, ['expose', 'pod', 'web', '--port=80', '--target-port=8080', '--name=web']);
    const clusterIP = jsonpath(['get', 'svc', 'web'], '{.spec.clusterIP}');
    expect(clusterIP).toMatch(/^10\.(9[6-9]|10\d|11[01])\.\d+\.\d+$/);
    const podIP = jsonpath(['get', 'pod', 'web'], '{.status.podIP}');
    await eventually(() => {
      expect(jsonpath(['get', 'endpoints', 'web'], '{.subsets[0].addresses[0].ip}:{.subsets[0].ports[0].port}')).toBe(`${podIP}:8080`);
    });
    await eventually(() => {
      expect(jsonpath(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=web'], '{.items[0].endpoints[0].addresses[0]} {.items[0].endpoints[0].conditions.ready}')).toBe(`${podIP} true`);
    });
    expect(jsonpath(['get', 'svc', 'kubernetes'], '{.spec.clusterIP}')).toBe('10.96.0.1');
  });

  it('enforces a ResourceQuota with kube\'s message and reports usage in status', async () => {
    k(server, ['create', 'namespace', 'quota-a']);
    k(server, ['create', 'quota', 'q', '-n', 'quota-a', '--hard=pods=2']);
    k(server, ['create', '-n', 'quota-a', '-f', '-'], { input: pod('p1') });
    k(server, ['create', '-n', 'quota-a', '-f', '-'], { input: pod('p2') });
    const r = kubectl(server, ['create', '-n', 'quota-a', '-f', '-'], { input: pod('p3') });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('pods "p3" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2');
    await eventually(() => expect(jsonpath(['get', 'quota', 'q', '-n', 'quota-a'], '{.status.used.pods}/{.status.hard.pods}')).toBe('2/2'));
  });

  it('removes a gracefully deleted pod (the kubelet finishes the deletion)', async () => {
    await eventually(() => expect(jsonpath(['get', 'pod', 'sandboxed'], '{.status.phase}')).toBe('Running'));
    k(server, ['delete', 'pod', 'sandboxed', '--wait=false']);
    expect(jsonpath(['get', 'pod', 'sandboxed'], '{.metadata.deletionTimestamp}')).not.toBe('');
    await eventually(() => {
      const r = kubectl(server, ['get', 'pod', 'sandboxed']);
      expect(r.stderr).toContain('pods "sandboxed" not found');
    }, 5000);
  });

  it('admits exactly as many concurrent creates as the quota has room for', async () => {
    k(server, ['create', 'namespace', 'quota-b']);
    k(server, ['create', 'quota', 'q', '-n', 'quota-b', '--hard=pods=12']);
    k(server, ['create', '-n', 'quota-b', '-f', '-'], { input: pod('existing-1') });
    k(server, ['create', '-n', 'quota-b', '-f', '-'], { input: pod('existing-2') });
    const c = client(server.kubeconfig);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => c.request('POST', '/api/v1/namespaces/quota-b/pods', JSON.parse(pod(`burst-${i}`)) as object)),
    );
    c.agent.destroy();
    const created = results.filter((r) => r.code === 201).length;
    const refused = results.filter((r) => r.code === 403);
    expect(created).toBe(10);
    expect(refused).toHaveLength(10);
    for (const r of refused) expect(JSON.parse(r.body).message).toMatch(/^pods "burst-\d+" is forbidden: exceeded quota: q, requested: pods=1, used: pods=12, limited: pods=12$/);
    expect(k(server, ['get', 'pods', '-n', 'quota-b', '--no-headers']).trim().split('\n')).toHaveLength(12);
    await eventually(() => expect(jsonpath(['get', 'quota', 'q', '-n', 'quota-b'], '{.status.used.pods}')).toBe('12'));
  });
});
