import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadClusterAccess } from './kubeconfig.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantry-kubeconfig-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('loadClusterAccess', () => {
  it('reads the current context: inline CA and client certificate, other contexts ignored', async () => {
    const f = write(
      'a.kubeconfig',
      `apiVersion: v1
kind: Config
current-context: mine
contexts:
  - name: other
    context: { cluster: far, user: nobody }
  - name: mine
    context:
      cluster: near
      user: admin
clusters:
  - name: far
    cluster: { server: "https://far:6443" }
  - name: near
    cluster:
      server: https://127.0.0.1:6443
      certificate-authority-data: ${b64('CA')}
      tls-server-name: api.local
users:
  - name: admin
    user:
      client-certificate-data: ${b64('CERT')}
      client-key-data: ${b64('KEY')}
`,
    );
    const a = await loadClusterAccess(f);
    expect(a.server).toBe('https://127.0.0.1:6443');
    expect(a.tls.ca?.toString()).toBe('CA');
    expect(a.tls.cert?.toString()).toBe('CERT');
    expect(a.tls.key?.toString()).toBe('KEY');
    expect(a.tls.rejectUnauthorized).toBe(true);
    expect(a.tls.servername).toBe('api.local');
    expect(await a.headers()).toEqual({});
  });

  it('resolves file references against the kubeconfig, reads tokens, and only a real true skips verification', async () => {
    fs.writeFileSync(path.join(dir, 'ca.crt'), 'FILE-CA');
    const f = write(
      't.kubeconfig',
      `current-context: c
contexts: [{ name: c, context: { cluster: k, user: u } }]
clusters: [{ name: k, cluster: { server: "https://h:1", certificate-authority: ca.crt, insecure-skip-tls-verify: "true" } }]
users: [{ name: u, user: { token: abc } }]
`,
    );
    const a = await loadClusterAccess(f, { server: 'https://override:2' });
    expect(a.server).toBe('https://override:2');
    expect(a.tls.ca?.toString()).toBe('FILE-CA');
    // A quoted "true" is a string, as kubectl's YAML reads it, not the boolean.
    expect(a.tls.rejectUnauthorized).toBe(true);
    expect(await a.headers()).toEqual({ Authorization: 'Bearer abc' });

    const insecure = write('i.kubeconfig', fs.readFileSync(f, 'utf8').replace('"true"', 'true'));
    expect((await loadClusterAccess(insecure)).tls.rejectUnauthorized).toBe(false);
  });

  it('names the file and the problem for broken kubeconfigs', async () => {
    await expect(loadClusterAccess(write('bad.kubeconfig', 'clusters: [unclosed\n'))).rejects.toThrow(/bad\.kubeconfig: not a valid kubeconfig/);
    await expect(loadClusterAccess(write('list.kubeconfig', '- a\n- b\n'))).rejects.toThrow(/not a mapping/);
    await expect(loadClusterAccess(write('empty.kubeconfig', ''))).rejects.toThrow(/empty\.kubeconfig: no current context/);
    await expect(loadClusterAccess(write('gone.kubeconfig', 'current-context: x\ncontexts: []\n'))).rejects.toThrow(/x is not defined/);
  });
});
