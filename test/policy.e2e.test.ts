// Tenant policy end to end, as a platform team runs it: `tenantry up
// --policy-dir DIR` with a tier file and tenant files; tenants drive their
// control planes with plain kubectl; we look at what reaches the super cluster.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CLI, client, eventually, k, kubectl, tempDir } from './harness.js';

let dir: string;
let policyDir: string;
let proc: ChildProcess | undefined;
let output = '';

const TIER = `apiVersion: tenantry.io/v1alpha1
kind: TenantPolicy
metadata: {name: standard}
spec:
  tier: standard
  quota:
    hard: {pods: "3"}
  runtimeClasses: {default: kata, allowed: [kata]}
`;

const small = (pods: number) => `apiVersion: tenantry.io/v1alpha1
kind: TenantPolicy
metadata: {name: small}
spec:
  tenants: [small]
  tierRef: standard
  quota:
    hard: {pods: "${pods}"}
`;

const CPU = `apiVersion: tenantry.io/v1alpha1
kind: TenantPolicy
metadata: {name: cpu}
spec:
  tenants: [cpu]
  quota:
    hard: {requests.cpu: 1200m, pods: "20"}
    defaults:
      requests: {cpu: 100m, memory: 64Mi}
      limits: {cpu: 200m, memory: 128Mi}
  runtimeClasses: {default: kata, allowed: [kata, kata-fc]}
---
apiVersion: tenantry.io/v1alpha1
kind: TenantPolicy
metadata: {name: burst}
spec:
  tenants: [burst]
  quota:
    hard: {pods: "10"}
`;

const TENANTS = ['small', 'cpu', 'burst', 'plain'];

async function startUp(): Promise<void> {
  output = '';
  proc = spawn(process.execPath, [CLI, 'up', '--dir', dir, '--tenants', TENANTS.join(','), '--nodes', '2', '--policy-dir', policyDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TENANTRY_LOG_LEVEL: 'info' },
  });
  proc.stdout!.on('data', (d) => (output += d));
  proc.stderr!.on('data', (d) => (output += d));
  await eventually(() => expect(output).toContain('Ready. Try'), 90_000, 100);
}

const as = (tenant: string) => ({ kubeconfig: path.join(dir, `${tenant}.kubeconfig`), dataDir: dir });
const superCluster = () => as('super');
const pod = (name: string, ns: string, spec: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, ...extra },
    spec: { containers: [{ name: 'app', image: 'nginx' }], ...spec },
  });
const create = (tenant: string, manifest: string) => kubectl(as(tenant), ['create', '-f', '-'], { input: manifest });
const superPods = (tenant: string) =>
  (JSON.parse(k(superCluster(), ['get', 'pods', '-A', '-l', `tenantry.io/tenant=${tenant}`, '-o', 'json'])).items as { metadata: { name: string; namespace: string; labels: Record<string, string> }; spec: Record<string, any> }[]);

beforeAll(async () => {
  dir = tempDir('policy-up');
  policyDir = tempDir('policies');
  fs.writeFileSync(path.join(policyDir, 'tiers.yaml'), TIER);
  fs.writeFileSync(path.join(policyDir, 'small.yaml'), small(3));
  fs.writeFileSync(path.join(policyDir, 'teams.yaml'), CPU);
  await startUp();
  // The platform offers a second sandboxed class in the super cluster; the cpu tenant's policy allows it.
  k(superCluster(), ['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: { name: 'kata-fc' }, handler: 'kata-fc' }) });
}, 120_000);

afterAll(async () => {
  if (proc && proc.exitCode === null) {
    const exited = new Promise((r) => proc!.once('exit', r));
    proc.kill('SIGINT');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (proc.exitCode === null) proc.kill('SIGKILL');
  }
});

describe('tenant-wide quota', () => {
  it('counts pods across namespaces, refuses the fourth with kube\'s message, and frees a slot on delete', async () => {
    k(as('small'), ['create', 'namespace', 'one']);
    k(as('small'), ['create', 'namespace', 'two']);
    expect(create('small', pod('a', 'one')).code).toBe(0);
    expect(create('small', pod('b', 'one')).code).toBe(0);
    expect(create('small', pod('c', 'two')).code).toBe(0);
    const refused = create('small', pod('d', 'two'));
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('pods "d" is forbidden: exceeded quota: tenant-quota, requested: pods=1, used: pods=3, limited: pods=3');
    // The tenant sees the tenant-wide figures in every namespace.
    await eventually(() => {
      const q = JSON.parse(k(as('small'), ['get', 'resourcequota', 'tenant-quota', '-n', 'two', '-o', 'json']));
      expect(q.status.hard.pods).toBe('3');
      expect(q.status.used.pods).toBe('3');
    }, 15_000);
    expect(k(as('small'), ['describe', 'quota', 'tenant-quota', '-n', 'one'])).toMatch(/pods\s+3\s+3/);
    // Read-only to the tenant.
    const edit = kubectl(as('small'), ['patch', 'resourcequota', 'tenant-quota', '-n', 'one', '--type=merge', '-p', '{"spec":{"hard":{"pods":"100"}}}']);
    expect(edit.code).not.toBe(0);
    expect(edit.stderr).toContain('read-only');

    k(as('small'), ['delete', 'pod', 'a', '-n', 'one', '--grace-period=0', '--force', '--wait=true']);
    await eventually(() => expect(create('small', pod('d', 'two')).code).toBe(0), 15_000, 250);
  });

  it('gives containers without requests the defaults, counts them, and refuses a Deployment\'s pods past the CPU quota', async () => {
    k(as('cpu'), ['create', 'namespace', 'app']);
    expect(create('cpu', pod('bare', 'app')).code).toBe(0);
    const bare = JSON.parse(k(as('cpu'), ['get', 'pod', 'bare', '-n', 'app', '-o', 'json']));
    expect(bare.spec.containers[0].resources).toEqual({ requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } });
    await eventually(() => {
      const q = JSON.parse(k(as('cpu'), ['get', 'resourcequota', 'tenant-quota', '-n', 'app', '-o', 'json']));
      expect(q.status.used['requests.cpu']).toBe('100m');
    }, 15_000);
    // 300m each: with 100m used, three fit (1 CPU of 1.2), the other two are refused; 200m stay free for the runtime class test.
    k(as('cpu'), ['create', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'big', namespace: 'app' },
        spec: {
          replicas: 5,
          selector: { matchLabels: { app: 'big' } },
          template: {
            metadata: { labels: { app: 'big' } },
            spec: { containers: [{ name: 'app', image: 'nginx', resources: { requests: { cpu: '300m' }, limits: { cpu: '300m' } } }] },
          },
        },
      }),
    });
    await eventually(() => {
      const rsList = JSON.parse(k(as('cpu'), ['get', 'rs', '-n', 'app', '-l', 'app=big', '-o', 'json'])).items as any[];
      const current = rsList.find((r) => r.spec.template.spec.containers[0].resources?.requests?.cpu === '300m');
      expect(current).toBeDefined();
      const failure = (current.status.conditions ?? []).find((c: any) => c.type === 'ReplicaFailure');
      expect(failure?.reason).toBe('FailedCreate');
      expect(failure?.message).toContain('exceeded quota: tenant-quota');
    }, 30_000, 250);
    const events = k(as('cpu'), ['get', 'events', '-n', 'app', '--field-selector', 'reason=FailedCreate', '-o', 'jsonpath={.items[*].message}']);
    expect(events).toContain('exceeded quota: tenant-quota');
    expect(events).toContain('requested: requests.cpu=300m');
    const running = (JSON.parse(k(as('cpu'), ['get', 'pods', '-n', 'app', '-l', 'app=big', '-o', 'json'])).items as any[]).filter(
      (p) => p.spec.containers[0].resources?.requests?.cpu === '300m' && !p.metadata.deletionTimestamp,
    );
    expect(running).toHaveLength(3);
    // What the tenant admitted runs in the super cluster too (the backstop must not refuse it).
    await eventually(() => {
      const phases = (JSON.parse(k(as('cpu'), ['get', 'pods', '-n', 'app', '-o', 'json'])).items as any[]).map((p) => p.status.phase);
      expect(phases).toEqual(['Running', 'Running', 'Running', 'Running']);
    }, 30_000, 500);
  });

  it('admits exactly 10 of 20 simultaneous creates against 10 free slots', async () => {
    k(as('burst'), ['create', 'namespace', 'load']);
    const c = client(as('burst').kubeconfig, 20);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => c.request('POST', '/api/v1/namespaces/load/pods', JSON.parse(pod(`p${i}`, 'load')))),
    );
    const codes = results.map((r) => r.code);
    expect(codes.filter((x) => x === 201)).toHaveLength(10);
    expect(codes.filter((x) => x === 403)).toHaveLength(10);
    for (const r of results.filter((x) => x.code === 403)) expect(JSON.parse(r.body).message).toContain('exceeded quota: tenant-quota');
    expect(JSON.parse(k(as('burst'), ['get', 'pods', '-n', 'load', '-o', 'json'])).items).toHaveLength(10);
    c.agent.destroy();
  });
});

describe('sandbox', () => {
  const ATTEMPTS: [string, string, RegExp][] = [
    ['host-net', pod('host-net', 'bat', { hostNetwork: true }), /hostNetwork=true/],
    ['host-pid', pod('host-pid', 'bat', { hostPID: true }), /hostPID=true/],
    ['host-ipc', pod('host-ipc', 'bat', { hostIPC: true }), /hostIPC=true/],
    ['privileged', pod('privileged', 'bat', { containers: [{ name: 'app', image: 'nginx', securityContext: { privileged: true } }] }), /privileged/],
    ['sys-admin', pod('sys-admin', 'bat', { containers: [{ name: 'app', image: 'nginx', securityContext: { capabilities: { add: ['SYS_ADMIN'] } } }] }), /SYS_ADMIN/],
    ['host-path', pod('host-path', 'bat', { volumes: [{ name: 'root', hostPath: { path: '/' } }], containers: [{ name: 'app', image: 'nginx', volumeMounts: [{ name: 'root', mountPath: '/host' }] }] }), /hostPath/],
    ['other-class', pod('other-class', 'bat', { runtimeClassName: 'runc' }), /runc/],
    ['system-priority', pod('system-priority', 'bat', { priorityClassName: 'system-node-critical' }), /system-node-critical/],
    ['tolerate-all', pod('tolerate-all', 'bat', { tolerations: [{ operator: 'Exists' }] }), /toleration/i],
    ['unconfined', pod('unconfined', 'bat', { securityContext: { seccompProfile: { type: 'Unconfined' } } }), /Unconfined/],
    ['forged-label', pod('forged-label', 'bat', {}, { labels: { 'tenantry.io/tenant': 'small' } }), /tenantry\.io\/tenant/],
  ];

  it('refuses every escape attempt with a clear message, sends none of them down, and runs a benign pod beside them', async () => {
    k(as('plain'), ['create', 'namespace', 'bat']);
    for (const [name, manifest, why] of ATTEMPTS) {
      const r = create('plain', manifest);
      expect(r.code, name).not.toBe(0);
      expect(r.stderr, name).toContain(`pods "${name}" is forbidden`);
      expect(r.stderr, name).toMatch(why);
    }
    const svc = kubectl(as('plain'), ['create', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'ext', namespace: 'bat' }, spec: { ports: [{ port: 80 }], externalIPs: ['1.2.3.4'] } }),
    });
    expect(svc.code).not.toBe(0);
    expect(svc.stderr).toContain('services "ext" is forbidden');
    expect(svc.stderr).toContain('externalIPs');

    expect(create('plain', pod('benign', 'bat')).code).toBe(0);
    await eventually(() => expect(k(as('plain'), ['get', 'pod', 'benign', '-n', 'bat', '-o', 'jsonpath={.status.phase}'])).toBe('Running'), 30_000, 250);
    const names = superPods('plain').map((p) => p.metadata.name);
    expect(names).toEqual(['benign']);
    expect(k(superCluster(), ['get', 'svc', '-A', '-l', 'tenantry.io/tenant=plain', '-o', 'name'])).not.toContain('ext');
  });
});

describe('runtime classes', () => {
  it('applies the default, uses an allowed class, refuses another, and lists the allowed ones', async () => {
    expect(k(as('cpu'), ['get', 'runtimeclass', '-o', 'name']).trim().split('\n').sort()).toEqual(['runtimeclass.node.k8s.io/kata', 'runtimeclass.node.k8s.io/kata-fc']);
    expect(k(as('plain'), ['get', 'runtimeclass', '-o', 'name']).trim()).toBe('runtimeclass.node.k8s.io/kata');
    k(as('cpu'), ['create', 'namespace', 'rc']);
    expect(create('cpu', pod('default-class', 'rc')).code).toBe(0);
    expect(create('cpu', pod('fc', 'rc', { runtimeClassName: 'kata-fc' })).code).toBe(0);
    const refused = create('cpu', pod('gvisor', 'rc', { runtimeClassName: 'gvisor' }));
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('gvisor');
    expect(k(as('cpu'), ['get', 'pod', 'default-class', '-n', 'rc', '-o', 'jsonpath={.spec.runtimeClassName}'])).toBe('kata');
    await eventually(() => {
      const byName = new Map(superPods('cpu').map((p) => [p.metadata.name, p.spec.runtimeClassName]));
      expect(byName.get('default-class')).toBe('kata');
      expect(byName.get('fc')).toBe('kata-fc');
    }, 30_000, 250);
    const create2 = kubectl(as('cpu'), ['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: { name: 'mine' }, handler: 'runc' }) });
    expect(create2.code).not.toBe(0);
  });
});

describe('in the super cluster', () => {
  it('isolates each tenant namespace with NetworkPolicies whose selectors cover every tenant pod, and backs the quota up', async () => {
    const pods = superPods('small');
    expect(pods.length).toBeGreaterThan(0);
    for (const ns of new Set(pods.map((p) => p.metadata.namespace))) {
      const nps = JSON.parse(k(superCluster(), ['get', 'networkpolicies', '-n', ns, '-o', 'json'])).items as any[];
      expect(nps.length).toBeGreaterThan(0);
      // Some policy selects every pod in the namespace for both directions.
      const covering = nps.filter((np) => Object.keys(np.spec.podSelector ?? {}).length === 0 || (np.spec.podSelector.matchLabels === undefined && np.spec.podSelector.matchExpressions === undefined));
      expect(covering.length).toBeGreaterThan(0);
      const types = new Set(covering.flatMap((np) => np.spec.policyTypes));
      expect(types).toEqual(new Set(['Ingress', 'Egress']));
      const rq = JSON.parse(k(superCluster(), ['get', 'resourcequota', '-n', ns, '-o', 'json'])).items as any[];
      expect(rq.map((q) => q.spec.hard.pods)).toContain('3');
    }
  });
});

describe('policy files', () => {
  it('reloads a changed file within seconds, and keeps the last good policy when a file turns bad', async () => {
    fs.writeFileSync(path.join(policyDir, 'small.yaml'), small(4));
    await eventually(() => expect(create('small', pod('e', 'two')).code).toBe(0), 20_000, 500);
    fs.writeFileSync(path.join(policyDir, 'small.yaml'), small(4).replace('pods: "4"', 'pods: "-1"'));
    await eventually(() => expect(output).toMatch(/small\.yaml.*quota\.hard.*pods/), 20_000, 500);
    const still = create('small', pod('f', 'two'));
    expect(still.stderr).toContain('limited: pods=4');
    // Reported as metrics too, on the tenant's /metrics.
    const metrics = k(as('small'), ['get', '--raw', '/metrics']);
    expect(metrics).toMatch(/^tenantry_policy_reloads_total\{result="error"\} [1-9]/m);
    expect(metrics).toMatch(/^tenantry_policy_errors [1-9]/m);
    const check = spawnSync(process.execPath, [CLI, 'policy', 'check', policyDir], { encoding: 'utf8' });
    expect(check.status).toBe(1);
    expect(check.stdout + check.stderr).toMatch(/small\.yaml(:\d+)?: spec\.quota\.hard\[pods\]: .*-1/);
    fs.writeFileSync(path.join(policyDir, 'small.yaml'), small(4));
    const ok = spawnSync(process.execPath, [CLI, 'policy', 'check', policyDir], { encoding: 'utf8' });
    expect(ok.status, ok.stdout + ok.stderr).toBe(0);
  });
});
