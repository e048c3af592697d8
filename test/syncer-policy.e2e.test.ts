// The syncer's policy enforcement end to end: a local super cluster and a
// tenant control plane as real processes (the tenant without its own policy
// admission, so the syncer's re-check is what is tested), the syncer
// in-process with a static policy. A violating pod is not synced and gets a
// Warning; each super namespace gets the backstop quota, default limits and
// isolation NetworkPolicy; a super pod gets the allowed runtime class.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, eventually, k, kubectl, startServer, tempDir, type ServerProcess } from './harness.js';
import { superNamespace } from '../syncer/mapping.js';
import { startSyncer, type RunningSyncer } from '../syncer/syncer.js';
import { createLogger } from '../lib/log.js';
import { defaultPolicy, staticPolicySource, type ResolvedPolicy } from '../policy/types.js';
import { parseResourceList } from '../local-cluster/resources.js';

type Cluster = { kubeconfig: string; dataDir: string };

let superCluster: Cluster & { stop(): Promise<void> };
let tenant: ServerProcess;
let syncer: RunningSyncer;

function policyFor(t: string): ResolvedPolicy {
  const p = defaultPolicy(t);
  p.sources = ['e2e.yaml (policy e2e)'];
  p.runtimeClasses.allowed = ['kata', 'gvisor'];
  p.quota.hard = parseResourceList({ pods: '10', 'requests.cpu': '4' });
  p.quota.defaultRequests = parseResourceList({ cpu: '100m', memory: '64Mi' });
  p.quota.defaultLimits = parseResourceList({ memory: '128Mi' });
  p.weight = 3;
  return p;
}

async function startLocalSuper(): Promise<Cluster & { stop(): Promise<void> }> {
  const dataDir = tempDir('policy-super');
  const proc = spawn(process.execPath, [CLI, 'super', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--nodes', '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  await eventually(() => {
    if (proc.exitCode !== null) throw new Error(`super exited:\n${out}`);
    expect(out).toMatch(/Local super cluster ready at/);
  }, 30_000, 25);
  return {
    dataDir,
    kubeconfig: path.join(dataDir, 'admin.kubeconfig'),
    async stop() {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    },
  };
}

const json = (c: Cluster, args: string[]) => JSON.parse(k(c, [...args, '-o', 'json'])) as Record<string, any>;
const superNs = (ns: string) => superNamespace({ name: 'acme', uid: k(tenant, ['get', 'ns', 'kube-system', '-o', 'jsonpath={.metadata.uid}']).trim() }, ns);

const localSuperBuilt = fs.existsSync(path.join(path.dirname(CLI), '..', 'dist', 'local-cluster', 'super.js'));

describe.skipIf(!localSuperBuilt)('syncer policy enforcement', () => {
  beforeAll(async () => {
    [superCluster, tenant] = await Promise.all([startLocalSuper(), startServer({ dataDir: tempDir('policy-tenant'), args: ['--tenant-policy=false'] })]);
    k(superCluster, ['create', '-f', '-'], { input: 'apiVersion: node.k8s.io/v1\nkind: RuntimeClass\nmetadata: {name: gvisor}\nhandler: runsc\n' });
    syncer = await startSyncer({
      superKubeconfig: superCluster.kubeconfig,
      tenants: [{ name: 'acme', kubeconfig: tenant.kubeconfig }],
      policy: staticPolicySource({ forTenant: policyFor }),
      patrolIntervalMs: 2000,
      workers: 4,
      log: createLogger('syncer', process.env.E2E_SYNCER_LOG ?? 'warn'),
    });
    await syncer.ready;
  }, 60_000);

  afterAll(async () => {
    await syncer?.close();
    await Promise.all([tenant?.stop(), superCluster?.stop()]);
  });

  it('syncs a benign pod with its allowed runtime class; refuses host network and a disallowed class with Warnings', async () => {
    k(tenant, ['create', 'ns', 'shop']);
    k(tenant, ['apply', '-f', '-'], {
      input: `
apiVersion: v1
kind: Pod
metadata: {name: benign, namespace: shop, labels: {app: web}}
spec:
  runtimeClassName: gvisor
  containers: [{name: web, image: nginx}]
---
apiVersion: v1
kind: Pod
metadata: {name: escape, namespace: shop}
spec:
  hostNetwork: true
  containers: [{name: web, image: nginx}]
---
apiVersion: v1
kind: Pod
metadata: {name: runc, namespace: shop}
spec:
  runtimeClassName: runc
  containers: [{name: web, image: nginx}]
`,
    });
    const ns = superNs('shop');
    const pod = await eventually(() => json(superCluster, ['get', 'pod', '-n', ns, 'benign']), 15_000);
    expect(pod.spec.runtimeClassName).toBe('gvisor');
    // The super's LimitRanger filled in the policy's container defaults from tenantry-defaults (so the backstop quota counts it).
    expect(pod.spec.containers[0].resources).toEqual({ requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '128Mi' } });

    const warnings = await eventually(() => {
      const evs = json(tenant, ['get', 'events', '-n', 'shop', '--field-selector', 'reason=PolicyViolation']).items as Record<string, any>[];
      const by = new Map(evs.map((e) => [e.involvedObject.name, e]));
      expect([...by.keys()].sort()).toEqual(['escape']);
      return by;
    }, 15_000);
    expect(warnings.get('escape')).toMatchObject({ type: 'Warning', involvedObject: { kind: 'Pod' }, message: 'violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true)' });
    // kubectl describe shows it on the pod, as it is.
    expect(k(tenant, ['describe', 'pod', '-n', 'shop', 'escape'])).toMatch(/Warning\s+PolicyViolation\s+.*host namespaces \(hostNetwork=true\)/);
    expect(kubectl(superCluster, ['get', 'pod', '-n', ns, 'escape']).code).not.toBe(0);
    // A class the policy does not allow is not refused here but replaced by the default: a sandbox whatever the tenant wrote.
    await eventually(() => expect(json(superCluster, ['get', 'pod', '-n', ns, 'runc']).spec.runtimeClassName).toBe('kata'), 15_000);
  });

  it('keeps a backstop quota, default limits and an isolation policy covering every pod of the namespace', async () => {
    const ns = superNs('shop');
    const quota = await eventually(() => json(superCluster, ['get', 'resourcequota', '-n', ns, 'tenantry-backstop']), 15_000);
    expect(quota.spec.hard).toEqual({ pods: '10' });
    expect(quota.metadata.labels).toMatchObject({ 'tenantry.io/tenant': 'acme', 'tenantry.io/tenant-namespace': 'shop' });
    const lr = json(superCluster, ['get', 'limitrange', '-n', ns, 'tenantry-defaults']);
    expect(lr.spec.limits).toEqual([{ type: 'Container', default: { memory: '128Mi' }, defaultRequest: { cpu: '100m', memory: '64Mi' } }]);

    const np = await eventually(() => json(superCluster, ['get', 'networkpolicy', '-n', ns, 'tenantry-isolation']), 15_000);
    expect(np.spec.podSelector).toEqual({});
    expect(np.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    // The peers it admits are namespaces carrying this tenant's label: the super namespace of every tenant namespace does.
    const peer = np.spec.ingress[0].from[0].namespaceSelector.matchLabels as Record<string, string>;
    const nsLabels = json(superCluster, ['get', 'ns', ns]).metadata.labels as Record<string, string>;
    for (const [key, v] of Object.entries(peer)) expect(nsLabels[key]).toBe(v);
    // Every super pod of the tenant sits in a namespace whose policy selects all pods.
    const pods = json(superCluster, ['get', 'pods', '-A', '-l', 'tenantry.io/tenant=acme']).items as Record<string, any>[];
    expect(pods.length).toBeGreaterThan(0);
    for (const p of pods) expect(json(superCluster, ['get', 'networkpolicy', '-n', p.metadata.namespace, 'tenantry-isolation']).spec.podSelector).toEqual({});
    expect(np.spec.egress.at(-1)).toEqual({ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', '100.64.0.0/10'] } }] });
  });

  it('heals a backstop quota widened out of band', async () => {
    const ns = superNs('shop');
    k(superCluster, ['patch', 'resourcequota', '-n', ns, 'tenantry-backstop', '--type', 'merge', '-p', '{"spec":{"hard":{"pods":"1000"}}}']);
    await eventually(() => expect(json(superCluster, ['get', 'resourcequota', '-n', ns, 'tenantry-backstop']).spec.hard.pods).toBe('10'), 15_000);
  });
});
