// RBAC with real kubectl: a user bound to `view` in one namespace can read there,
// is Forbidden elsewhere and for writes (kube-apiserver's wording), `auth can-i`
// answers a matrix of verbs and resources, and `auth whoami` reports the user.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { renderKubeconfig } from '../lib/kubeconfig.js';
import { ServiceAccountTokens } from '../tenant-apiserver/auth/serviceaccount-tokens.js';
import { CLI, eventually, k, kubectl, startServer, type ServerProcess } from './harness.js';

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
    expect(k(bob, ['get', 'configmaps', '-n', 'team', '-o', 'name'])).toContain('configmap/visible');
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

describe('service accounts and tokens', () => {
  const tokenKubeconfig = (name: string, token: string) => {
    const file = path.join(s.dataDir, `${name}.kubeconfig`);
    const caPem = fs.readFileSync(path.join(s.dataDir, 'pki', 'ca.crt'), 'utf8');
    fs.writeFileSync(file, renderKubeconfig({ server: s.url, caPem, token, clusterName: 't', userName: name, contextName: 't' }));
    return { ...s, kubeconfig: file };
  };

  it('gives every namespace a default service account and the root CA config map', async () => {
    k(s, ['create', 'namespace', 'fresh']);
    await eventually(() => {
      expect(k(s, ['get', 'sa', 'default', '-n', 'fresh', '-o', 'name']).trim()).toBe('serviceaccount/default');
      const ca = k(s, ['get', 'cm', 'kube-root-ca.crt', '-n', 'fresh', '-o', 'jsonpath={.data.ca\\.crt}']);
      expect(ca).toBe(fs.readFileSync(path.join(s.dataDir, 'pki', 'ca.crt'), 'utf8'));
    });
  });

  it('issues tokens with kubectl create token that authenticate as the service account', () => {
    k(s, ['create', 'serviceaccount', 'robot', '-n', 'team']);
    k(s, ['create', 'rolebinding', 'robot-view', '-n', 'team', '--clusterrole=view', '--serviceaccount=team:robot']);
    const token = k(s, ['create', 'token', 'robot', '-n', 'team', '--duration=15m']).trim();
    const robot = tokenKubeconfig('robot', token);
    expect(k(robot, ['auth', 'whoami'])).toMatch(/Username\s+system:serviceaccount:team:robot/);
    expect(k(robot, ['get', 'configmaps', '-n', 'team', '-o', 'name'])).toContain('configmap/visible');
    expect(kubectl(robot, ['get', 'pods', '-n', 'default']).stderr).toContain('User "system:serviceaccount:team:robot" cannot list resource "pods"');
    const tooShort = kubectl(s, ['create', 'token', 'robot', '-n', 'team', '--duration=1m']);
    expect(tooShort.stderr).toContain('may not specify a duration less than 10 minutes');
  });

  it('refuses expired tokens, forged tokens and tokens of deleted accounts', () => {
    const sa = JSON.parse(k(s, ['get', 'sa', 'robot', '-n', 'team', '-o', 'json']));
    // Sign with the server's own key so only the expiry is wrong.
    const signer = new ServiceAccountTokens(crypto.createPrivateKey(fs.readFileSync(path.join(s.dataDir, 'pki', 'sa.key'))));
    const now = Math.floor(Date.now() / 1000);
    const claims = (exp: number) => ({
      iss: signer.issuer, sub: 'system:serviceaccount:team:robot', aud: [signer.issuer], exp, iat: exp - 3600, nbf: exp - 3600, jti: 'x',
      'kubernetes.io': { namespace: 'team', serviceaccount: { name: 'robot', uid: sa.metadata.uid } },
    });
    expect(kubectl(tokenKubeconfig('fresh-forged', signer.sign(claims(now + 600))), ['auth', 'whoami']).code).toBe(0);
    const expired = kubectl(tokenKubeconfig('expired', signer.sign(claims(now - 3600))), ['get', 'cm', '-n', 'team']);
    expect(expired.stderr).toContain('You must be logged in to the server (Unauthorized)');
    const other = new ServiceAccountTokens(crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
    expect(kubectl(tokenKubeconfig('forged', other.sign(claims(now + 600))), ['get', 'cm', '-n', 'team']).stderr).toContain('Unauthorized');
    const live = tokenKubeconfig('live', k(s, ['create', 'token', 'robot', '-n', 'team']).trim());
    k(s, ['delete', 'sa', 'robot', '-n', 'team']);
    k(s, ['create', 'sa', 'robot', '-n', 'team']);
    expect(kubectl(live, ['get', 'cm', '-n', 'team']).stderr).toContain('Unauthorized');
  });

  it('publishes OIDC discovery and the JWKS for token verification', async () => {
    const token = k(s, ['create', 'token', 'default', '-n', 'team']).trim();
    const raw = k(s, ['get', '--raw', '/.well-known/openid-configuration']);
    const conf = JSON.parse(raw);
    expect(conf.jwks_uri).toBe(`${conf.issuer}/openid/v1/jwks`);
    const jwks = JSON.parse(k(s, ['get', '--raw', '/openid/v1/jwks']));
    const [h, p, sig] = token.split('.') as [string, string, string];
    const key = crypto.createPublicKey({ key: jwks.keys[0], format: 'jwk' });
    expect(crypto.verify('sha256', Buffer.from(`${h}.${p}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(sig, 'base64url'))).toBe(true);
  });
});
