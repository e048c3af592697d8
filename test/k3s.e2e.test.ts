// The syncer against a real Kubernetes super cluster: k3s in a container
// (@testcontainers/k3s), a tenant control plane and `tenantry syncer` as
// processes. Runs only where a Docker engine answers; elsewhere it skips and
// says why.
//
// k3s ships no Kata Containers, and the syncer forces every pod onto the `kata`
// RuntimeClass. The test therefore creates a `kata` class whose handler is
// `runc` (k3s's containerd has that runtime configured): pods run as ordinary
// containers, which is enough to check that the syncer's pods are accepted and
// run on a real cluster. Production clusters map `kata` to the Kata handler.

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { loadClusterAccess } from '../syncer/kubeconfig.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubeClient, type KubeClient } from '../syncer/client.js';
import { superNamespace } from '../syncer/mapping.js';
import { CORE, type KubeObject } from '../syncer/types.js';
import { CLI, eventually, startServer, tempDir, type ServerProcess } from './harness.js';

const K3S_IMAGE = process.env.TENANTRY_K3S_IMAGE ?? 'rancher/k3s:v1.31.5-k3s1';
const POD_IMAGE = process.env.TENANTRY_K3S_POD_IMAGE ?? 'registry.k8s.io/pause:3.10';

/** Where a Docker engine would be: DOCKER_HOST, else the usual sockets. */
function dockerEndpoints(): ({ path: string } | { host: string; port: number; tls: boolean })[] {
  const h = process.env.DOCKER_HOST;
  if (h) {
    if (h.startsWith('unix://')) return [{ path: h.slice('unix://'.length) }];
    if (h.startsWith('tcp://')) {
      const u = new URL(h.replace(/^tcp:/, 'http:'));
      return [{ host: u.hostname, port: Number(u.port || 2375), tls: !!process.env.DOCKER_TLS_VERIFY }];
    }
    return [];
  }
  const home = process.env.HOME ?? '';
  const run = process.env.XDG_RUNTIME_DIR;
  return ['/var/run/docker.sock', ...(run ? [`${run}/docker.sock`] : []), ...(home ? [`${home}/.docker/run/docker.sock`] : [])].filter((p) => fs.existsSync(p)).map((p) => ({ path: p }));
}

/**
 * Whether an engine answers GET /_ping with OK within a second, on a raw
 * socket: testcontainers itself would retry for a long time when none is there.
 * (Behind TLS a successful connect has to do.)
 */
async function dockerAvailable(): Promise<boolean> {
  for (const ep of dockerEndpoints()) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = 'path' in ep ? net.connect(ep.path) : net.connect(ep.port, ep.host);
      const done = (v: boolean) => {
        sock.destroy();
        resolve(v);
      };
      sock.setTimeout(1000, () => done(false));
      sock.on('error', () => done(false));
      sock.on('connect', () => {
        if (!('path' in ep) && ep.tls) return done(true);
        sock.write('GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n');
      });
      let reply = '';
      sock.on('data', (d) => {
        reply += d;
        if (/\r\n\r\n[\s\S]*OK/.test(reply) || /^HTTP\/1\.[01] 200/.test(reply)) done(true);
      });
      sock.on('end', () => done(/^HTTP\/1\.[01] 200/.test(reply)));
    });
    if (ok) return true;
  }
  return false;
}

const docker = await dockerAvailable();
if (!docker) {
  console.warn(
    `k3s e2e skipped: no Docker engine at ${process.env.DOCKER_HOST ? `DOCKER_HOST=${process.env.DOCKER_HOST}` : '/var/run/docker.sock (DOCKER_HOST unset)'}; ` +
      'the k3s e2e needs one to run k3s through @testcontainers/k3s.',
  );
}

const NS = CORE('namespaces', 'Namespace', false);
const PODS = CORE('pods', 'Pod');
const SERVICES = CORE('services', 'Service');
const NODES = CORE('nodes', 'Node', false);
const RUNTIME_CLASSES = { group: 'node.k8s.io', version: 'v1', plural: 'runtimeclasses', kind: 'RuntimeClass', namespaced: false };

describe.skipIf(!docker)('syncer against k3s (testcontainers)', () => {
  let container: { stop(): Promise<unknown> } | undefined;
  let k3s: KubeClient;
  let tenantServer: ServerProcess;
  let tenant: KubeClient;
  let syncer: ChildProcess | undefined;
  let syncerOut = '';

  const client = async (name: string, kubeconfig: string) => {
    return createKubeClient(name, await loadClusterAccess(kubeconfig));
  };

  beforeAll(async () => {
    // Imported here so that machines without Docker never load testcontainers.
    const { K3sContainer } = await import('@testcontainers/k3s');
    const dir = tempDir('k3s');
    // Both at once, each kept as soon as it is up so that afterAll stops whatever did start.
    const [k, t] = await Promise.allSettled([new K3sContainer(K3S_IMAGE).start(), startServer({ dataDir: path.join(dir, 'tenant') })]);
    if (k.status === 'fulfilled') container = k.value;
    if (t.status === 'fulfilled') tenantServer = t.value;
    if (k.status === 'rejected') throw k.reason;
    if (t.status === 'rejected') throw t.reason;
    const started = k.value;
    const superKubeconfig = path.join(dir, 'k3s.kubeconfig');
    fs.writeFileSync(superKubeconfig, started.getKubeConfig(), { mode: 0o600 });
    k3s = await client('k3s', superKubeconfig);
    tenant = await client('acme', tenantServer.kubeconfig);
    await k3s.create(RUNTIME_CLASSES, '', { apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: { name: 'kata' }, handler: 'runc' } as KubeObject);

    syncer = spawn(process.execPath, [CLI, 'syncer', '--super-kubeconfig', superKubeconfig, '--tenant', `acme=${tenantServer.kubeconfig}`, '--runtime-class', 'kata', '--patrol-interval', '10s'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    syncer.stdout!.on('data', (d) => (syncerOut += d));
    syncer.stderr!.on('data', (d) => (syncerOut += d));
    await eventually(() => expect(syncerOut).toMatch(/Syncer running: 1 tenant\(s\) synced/), 60_000, 100);
  }, 300_000);

  afterAll(async () => {
    if (syncer && syncer.exitCode === null) {
      syncer.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 1000));
    }
    k3s?.close();
    tenant?.close();
    await tenantServer?.stop();
    await container?.stop();
  }, 120_000);

  it('maps a tenant namespace, pod and service into k3s; the pod runs there and shows Running in the tenant', async () => {
    await tenant.create(NS, '', { metadata: { name: 'shop' } });
    await tenant.create(PODS, 'shop', {
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: { runtimeClassName: 'gvisor', terminationGracePeriodSeconds: 1, containers: [{ name: 'web', image: POD_IMAGE }] },
    });
    await tenant.create(SERVICES, 'shop', { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } });
    const uid = (await tenant.get(NS, '', 'kube-system'))!.metadata!.uid!;
    const ns = superNamespace({ name: 'acme', uid }, 'shop');

    const superPod = await eventually(async () => {
      const p = await k3s.get(PODS, ns, 'web');
      expect(p).toBeDefined();
      return p!;
    }, 30_000, 250);
    expect((superPod.spec as { runtimeClassName?: string }).runtimeClassName).toBe('kata');
    expect(superPod.metadata?.labels).toMatchObject({ 'tenantry.io/tenant': 'acme', 'tenantry.io/tenant-namespace': 'shop', app: 'web' });
    expect((await k3s.get(NS, '', ns))?.metadata?.labels?.['tenantry.io/tenant']).toBe('acme');

    // A real kubelet runs it (image pull included); the tenant sees it Running with the k3s pod IP and node.
    const running = await eventually(async () => {
      const p = (await tenant.get(PODS, 'shop', 'web')) as KubeObject & { status?: { phase?: string; podIP?: string } };
      expect(p.status?.phase).toBe('Running');
      expect(p.status?.podIP).toBeTruthy();
      return p;
    }, 180_000, 1000);
    const live = (await k3s.get(PODS, ns, 'web')) as KubeObject & { status?: { podIP?: string }; spec?: { nodeName?: string } };
    expect(running.status?.podIP).toBe(live.status?.podIP);
    const node = live.spec?.nodeName ?? '';
    await eventually(async () => expect((await tenant.list(NODES)).items.map((n) => n.metadata?.name)).toContain(node), 30_000, 500);

    // The tenant service ends with the cluster IP k3s gave its copy.
    const superIP = await eventually(async () => {
      const s = (await k3s.get(SERVICES, ns, 'web')) as KubeObject & { spec?: { clusterIP?: string } };
      expect(s?.spec?.clusterIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      return s.spec!.clusterIP!;
    }, 30_000, 250);
    await eventually(async () => expect(((await tenant.get(SERVICES, 'shop', 'web')) as { spec?: { clusterIP?: string } })?.spec?.clusterIP).toBe(superIP), 30_000, 250);
  }, 300_000);

  it('deleting the tenant namespace removes its copy from k3s', async () => {
    const uid = (await tenant.get(NS, '', 'kube-system'))!.metadata!.uid!;
    const ns = superNamespace({ name: 'acme', uid }, 'shop');
    await tenant.delete(NS, '', 'shop');
    await eventually(async () => expect(await k3s.get(NS, '', ns)).toBeUndefined(), 120_000, 1000);
  }, 180_000);
});
