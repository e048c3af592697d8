import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFreshPki, issuePki } from './x509-lite.js';
import { loadPkiFast } from '../tenant-apiserver/server/pki-fast.js';
import { loadOrCreatePki } from '../tenant-apiserver/server/pki.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantry-x509-lite-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const spki = (pem: string): string => createPublicKey(pem).export({ type: 'spki', format: 'der' }).toString('hex');

describe('issuePki', () => {
  it('issues a CA and leaves that node:crypto parses, chains and matches to their keys', () => {
    const p = issuePki(['10.1.2.3', 'API.Example', 'fd00::1']);
    const ca = new X509Certificate(p.caPem);
    const server = new X509Certificate(p.serverCertPem);
    const admin = new X509Certificate(p.adminCertPem);
    expect(ca.ca).toBe(true);
    expect(ca.subject).toBe('CN=tenantry-ca');
    expect(ca.verify(ca.publicKey)).toBe(true);
    expect(server.ca).toBe(false);
    expect(server.verify(ca.publicKey)).toBe(true);
    expect(admin.verify(ca.publicKey)).toBe(true);
    expect(server.checkIssued(ca)).toBe(true);
    expect(server.subject).toBe('CN=tenantry-apiserver');
    expect(admin.subject).toBe('O=system:masters\nCN=admin');
    expect(server.subjectAltName).toBe('DNS:localhost, DNS:api.example, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, IP Address:10.1.2.3, IP Address:FD00:0:0:0:0:0:0:1');
    expect(server.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(admin.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(spki(p.serverCertPem)).toBe(spki(createPublicKey(createPrivateKey(p.serverKeyPem)).export({ type: 'spki', format: 'pem' }) as string));
    expect(Date.parse(server.validTo) - Date.now()).toBeGreaterThan(3000 * 24 * 3600 * 1000);
  });

  it('passes openssl verify with the purposes kube clients and servers check', () => {
    const p = issuePki([]);
    fs.writeFileSync(path.join(dir, 'ca.crt'), p.caPem);
    fs.writeFileSync(path.join(dir, 'server.crt'), p.serverCertPem);
    fs.writeFileSync(path.join(dir, 'admin.crt'), p.adminCertPem);
    const verify = (purpose: string, file: string) =>
      spawnSync('openssl', ['verify', '-x509_strict', '-purpose', purpose, '-CAfile', path.join(dir, 'ca.crt'), path.join(dir, file)], { encoding: 'utf8' });
    expect(verify('sslserver', 'server.crt').stdout).toContain('OK');
    expect(verify('sslclient', 'admin.crt').stdout).toContain('OK');
    expect(verify('sslclient', 'server.crt').status).not.toBe(0);
  });

  it('serves TLS with client-certificate authentication end to end', async () => {
    const p = issuePki([]);
    let subject: string | undefined;
    let authorized = false;
    const server = https.createServer({ cert: p.serverCertPem, key: p.serverKeyPem, ca: p.caPem, requestCert: true, rejectUnauthorized: false }, (req, res) => {
      const sock = req.socket as TLSSocket;
      authorized = sock.authorized;
      subject = JSON.stringify(sock.getPeerCertificate().subject);
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const status = await new Promise<number>((resolve, reject) => {
        const req = https.request(
          { host: '127.0.0.1', port: (server.address() as AddressInfo).port, ca: p.caPem, cert: p.adminCertPem, key: p.adminKeyPem, servername: 'localhost', agent: false },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        req.end();
      });
      expect(status).toBe(200);
      expect(authorized).toBe(true);
      expect(JSON.parse(subject!)).toEqual({ O: 'system:masters', CN: 'admin' });
    } finally {
      server.close();
    }
  });
});

describe('createFreshPki', () => {
  it('writes a PKI that the restart fast path and the full PKI loader both accept unchanged', async () => {
    const created = await createFreshPki(dir, ['127.0.0.1']);
    expect(created).toBeDefined();
    expect(fs.statSync(path.join(dir, 'pki', 'ca.key')).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(dir, 'pki', 'apiserver.crt')).mode & 0o777).toBe(0o644);
    expect(loadPkiFast(dir, ['127.0.0.1'])).toEqual(created);
    const full = await loadOrCreatePki(dir, { hosts: ['127.0.0.1'] });
    expect(full.caPem).toBe(created!.caPem);
    expect(full.serverCertPem).toBe(created!.serverCertPem);
    expect(full.adminCertPem).toBe(created!.adminCertPem);
  });

  it('leaves an existing or partial PKI to the full loader', async () => {
    fs.mkdirSync(path.join(dir, 'pki'));
    fs.writeFileSync(path.join(dir, 'pki', 'ca.crt'), 'operator supplied');
    expect(await createFreshPki(dir, [])).toBeUndefined();
    expect(fs.readFileSync(path.join(dir, 'pki', 'ca.crt'), 'utf8')).toBe('operator supplied');
  });
});
