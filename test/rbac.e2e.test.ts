// RBAC with real kubectl: a user bound to `view` in one namespace can read there,
// is Forbidden elsewhere and for writes (kube-apiserver's wording), `auth can-i`
// answers a matrix of verbs and resources, and `auth whoami` reports the user.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { CLI, k, kubectl, startServer, type ServerProcess } from './harness.js';

let s: ServerProcess;
let bob: ServerProcess;

beforeAll(async () => {
  s = await startServer();
  const out = path.join(s.dataDir, 'bob.kubeconfig');
  const r = spawnSync(process.execPath, [CLI, 'kubeconfig', '--data-dir', s.dataDir, '--user', 'bob', '--group', 'devs', '--out', out], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  bob = { ...s, kubeconfig: out };
  k(s, ['create', 'namespace', 'team']);
  k(s, ['create', 'rolebinding', 'bob-view', '-n', 'team', '--clusterrole=view', '--user=bob']);
  k(s, ['create', 'configmap', 'visible', '-n', 'team', '--from-literal=a=b']);
});
afterAll(async () => {
  await s?.stop();
});

describe('RBAC', () => {
  it('lets a view user read in its namespace', () => {
    expect(k(bob, ['get', 'configmaps', '-n', 'team', '-o', 'name']).trim()).toBe('configmap/visible');
    expect(k(bob, ['get', 'pods', '-n', 'team'])).toBe('');
  });

  it('forbids reads elsewhere and writes anywhere, in kube-apiserver wording', () => {
    const other = kubectl(bob, ['get', 'pods', '-n', 'default']);
    expect(other.stderr).toContain('Error from server (Forbidden): pods is forbidden: User "bob" cannot list resource "pods" in API group "" in the namespace "default"');
    const write = kubectl(bob, ['create', 'configmap', 'nope', '-n', 'team', '--from-literal=a=b']);
    expect(write.stderr).toContain('configmaps is forbidden: User "bob" cannot create resource "configmaps" in API group "" in the namespace "team"');
    const named = kubectl(bob, ['delete', 'configmap', 'visible', '-n', 'team']);
    expect(named.stderr).toContain('configmaps "visible" is forbidden: User "bob" cannot delete resource "configmaps" in API group "" in the namespace "team"');
    const cluster = kubectl(bob, ['get', 'nodes']);
    expect(cluster.stderr).toContain('nodes is forbidden: User "bob" cannot list resource "nodes" in API group "" at the cluster scope');
    const secrets = kubectl(bob, ['get', 'secrets', '-n', 'team']);
    expect(secrets.stderr).toContain('secrets is forbidden: User "bob" cannot list resource "secrets" in API group "" in the namespace "team"');
    expect(k(s, ['get', 'configmap', 'visible', '-n', 'team', '-o', 'name']).trim()).toBe('configmap/visible');
  });

  it('answers auth can-i for a matrix of verbs and resources', () => {
    const can = (args: string[]) => kubectl(bob, ['auth', 'can-i', ...args]).stdout.trim();
    const matrix: [string[], string][] = [
      [['get', 'pods', '-n', 'team'], 'yes'],
      [['list', 'deployments.apps', '-n', 'team'], 'yes'],
      [['watch', 'jobs.batch', '-n', 'team'], 'yes'],
      [['get', 'pods/log', '-n', 'team'], 'yes'],
      [['create', 'pods', '-n', 'team'], 'no'],
      [['delete', 'deployments.apps', '-n', 'team'], 'no'],
      [['get', 'secrets', '-n', 'team'], 'no'],
      [['get', 'pods', '-n', 'default'], 'no'],
      [['list', 'nodes'], 'no'],
      [['create', 'rolebindings.rbac.authorization.k8s.io', '-n', 'team'], 'no'],
    ];
    for (const [args, want] of matrix) expect(can(args), args.join(' ')).toBe(want);
    expect(kubectl(s, ['auth', 'can-i', 'delete', 'nodes']).stdout.trim()).toBe('yes');
    // Edit grants writes but still not RBAC changes; admin grants those.
    k(s, ['create', 'rolebinding', 'bob-edit', '-n', 'team', '--clusterrole=edit', '--user=bob']);
    expect(can(['create', 'pods', '-n', 'team'])).toBe('yes');
    expect(can(['get', 'secrets', '-n', 'team'])).toBe('yes');
    expect(can(['create', 'rolebindings.rbac.authorization.k8s.io', '-n', 'team'])).toBe('no');
    k(s, ['create', 'rolebinding', 'devs-admin', '-n', 'team', '--clusterrole=admin', '--group=devs']);
    expect(can(['create', 'rolebindings.rbac.authorization.k8s.io', '-n', 'team'])).toBe('yes');
    expect(can(['create', 'pods', '-n', 'default'])).toBe('no');
  });

  it('reports the user with auth whoami', () => {
    const out = k(bob, ['auth', 'whoami']);
    expect(out).toMatch(/Username\s+bob/);
    expect(out).toMatch(/Groups\s+\[devs system:authenticated\]/);
  });
});
