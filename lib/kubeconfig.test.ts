import { KubeConfig } from '@kubernetes/client-node';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderKubeconfig, writeFileAtomic, writeFileAtomicSync } from './kubeconfig.js';

const CA = '-----BEGIN CERTIFICATE-----\nQ0E=\n-----END CERTIFICATE-----\n';
const CERT = '-----BEGIN CERTIFICATE-----\nQ0VSVA==\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nS0VZ\n-----END PRIVATE KEY-----\n';

describe('renderKubeconfig', () => {
  it('renders a client-certificate kubeconfig that client-node loads', () => {
    const text = renderKubeconfig({
      server: 'https://127.0.0.1:6443',
      caPem: CA,
      clientCertPem: CERT,
      clientKeyPem: KEY,
      clusterName: 'tenant-a',
      userName: 'admin',
      contextName: 'admin@tenant-a',
      namespace: 'team',
    });
    const doc = parse(text) as Record<string, unknown>;
    expect(doc.apiVersion).toBe('v1');
    expect(doc.kind).toBe('Config');
    expect(doc['current-context']).toBe('admin@tenant-a');

    const kc = new KubeConfig();
    kc.loadFromString(text);
    expect(kc.getCurrentContext()).toBe('admin@tenant-a');
    const cluster = kc.getCurrentCluster();
    expect(cluster?.server).toBe('https://127.0.0.1:6443');
    expect(Buffer.from(cluster?.caData ?? '', 'base64').toString()).toBe(CA);
    const user = kc.getCurrentUser();
    expect(user?.name).toBe('admin');
    expect(Buffer.from(user?.certData ?? '', 'base64').toString()).toBe(CERT);
    expect(Buffer.from(user?.keyData ?? '', 'base64').toString()).toBe(KEY);
    expect(kc.getContextObject('admin@tenant-a')?.namespace).toBe('team');
  });

  it('renders a token kubeconfig without certificate fields or namespace', () => {
    const text = renderKubeconfig({
      server: 'https://h:1',
      caPem: CA,
      token: 'abc.def',
      clusterName: 'c',
      userName: 'u',
      contextName: 'x',
    });
    const doc = parse(text) as {
      users: { name: string; user: Record<string, string> }[];
      contexts: { context: Record<string, string> }[];
    };
    expect(doc.users[0]!.user).toEqual({ token: 'abc.def' });
    expect(doc.contexts[0]!.context).toEqual({ cluster: 'c', user: 'u' });
  });

  it('quotes names YAML would otherwise read as another type or misparse', () => {
    const names = ['true', 'null', '0123', '1.5', 'a: b', 'x #y', '- item', "it's", 'üñí', ''];
    for (const n of names) {
      const doc = parse(renderKubeconfig({ server: 'https://h:1', caPem: CA, token: n, clusterName: n, userName: 'u', contextName: n, namespace: n || undefined })) as {
        'current-context': unknown;
        clusters: { name: unknown }[];
        users: { user: Record<string, unknown> }[];
      };
      expect(doc['current-context'], n).toBe(n);
      expect(doc.clusters[0]!.name, n).toBe(n);
      expect(doc.users[0]!.user.token, n).toBe(n);
    }
  });

  it('keeps long base64 data on a single line', () => {
    const big = `-----BEGIN CERTIFICATE-----\n${'A'.repeat(2000)}\n-----END CERTIFICATE-----\n`;
    const text = renderKubeconfig({ server: 's', caPem: big, clusterName: 'c', userName: 'u', contextName: 'x' });
    const line = text.split('\n').find((l) => l.includes('certificate-authority-data'));
    expect(line).toBeDefined();
    expect(line!.length).toBeGreaterThan(2000);
  });
});

describe('writeFileAtomic', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tenantry-atomic-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes content with the requested mode and no leftovers', async () => {
    const f = path.join(dir, 'secret.key');
    await writeFileAtomic(f, 'hello', 0o600);
    expect(readFileSync(f, 'utf8')).toBe('hello');
    expect(statSync(f).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['secret.key']);
  });

  it('replaces an existing file, including its mode', async () => {
    const f = path.join(dir, 'config');
    writeFileSync(f, 'old');
    chmodSync(f, 0o666);
    await writeFileAtomic(f, new Uint8Array([110, 101, 119]), 0o640);
    expect(readFileSync(f, 'utf8')).toBe('new');
    expect(statSync(f).mode & 0o777).toBe(0o640);
  });

  it('cleans up its temp file when the rename fails', async () => {
    // Renaming a file over a non-empty directory fails.
    const target = path.join(dir, 'occupied');
    await writeFileAtomic(`${target}-x`, 'x');
    mkdirSync(target);
    writeFileSync(path.join(target, 'inner'), 'y');
    await expect(writeFileAtomic(target, 'data')).rejects.toThrow();
    expect(readdirSync(dir).sort()).toEqual(['occupied', 'occupied-x']);
  });

  it('has a synchronous twin', () => {
    const f = path.join(dir, 'sync');
    writeFileAtomicSync(f, 'abc', 0o600);
    expect(readFileSync(f, 'utf8')).toBe('abc');
    expect(statSync(f).mode & 0o777).toBe(0o600);
  });
});
