import { X509Certificate as NodeX509 } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket, PeerCertificate } from 'node:tls';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { issueClientCert, loadOrCreatePki, type Pki } from './pki.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'tenantry-pki-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface SeenByServer {
  authorized: boolean;
  subject: PeerCertificate['subject'] | undefined;
}

/** Starts an HTTPS server with the PKI, makes one request with the given client cert, reports what the server saw. */
async function roundTrip(
  pki: Pki,
  client: { certPem?: string; keyPem?: string; servername?: string },
): Promise<{ status: number; seen: SeenByServer }> {
  let seen: SeenByServer = { authorized: false, subject: undefined };
  const server = https.createServer(
    { cert: pki.serverCertPem, key: pki.serverKeyPem, ca: pki.caPem, requestCert: true, rejectUnauthorized: false },
    (req, res) => {
      const sock = req.socket as TLSSocket;
      const peer = sock.getPeerCertificate();
      seen = { authorized: sock.authorized, subject: peer && Object.keys(peer).length ? peer.subject : undefined };
      res.end('ok');
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    const status = await new Promise<number>((resolve, reject) => {
      const req = https.request(
        {
          host: '127.0.0.1',
          port,
          path: '/',
          ca: pki.caPem,
          cert: client.certPem,
          key: client.keyPem,
          // servername (SNI) is what Node checks against the serving cert's DNS SANs;
          // without it the connect address 127.0.0.1 is checked against the IP SANs.
          servername: client.servername,
          agent: false,
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end();
    });
    return { status, seen };
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe('loadOrCreatePki', () => {
  it('creates a CA, serving and admin certificate that work for mutual TLS', async () => {
    const pki = await loadOrCreatePki(dir, { hosts: ['tenant-a.example', '10.1.2.3'] });

    const { status, seen } = await roundTrip(pki, { certPem: pki.adminCertPem, keyPem: pki.adminKeyPem });
    expect(status).toBe(200);
    expect(seen.authorized).toBe(true);
    expect(seen.subject?.CN).toBe('admin');
    expect(seen.subject?.O).toBe('system:masters');
  });

  it('a client without a certificate connects but is not authorized', async () => {
    const pki = await loadOrCreatePki(dir, { hosts: [] });
    const { status, seen } = await roundTrip(pki, {});
    expect(status).toBe(200);
    expect(seen.authorized).toBe(false);
    expect(seen.subject).toBeUndefined();
  });

  it('a certificate from another CA is not authorized', async () => {
    const pki = await loadOrCreatePki(dir, { hosts: [] });
    const other = await loadOrCreatePki(path.join(dir, 'other'), { hosts: [] });
    const { seen } = await roundTrip(pki, { certPem: other.adminCertPem, keyPem: other.adminKeyPem });
    expect(seen.authorized).toBe(false);
  });

  it('puts localhost, loopback and the requested hosts into the serving certificate', async () => {
    const pki = await loadOrCreatePki(dir, { hosts: ['tenant-a.example', '10.1.2.3', '[fd00::5]', ''] });
    const cert = new NodeX509(pki.serverCertPem);
    const san = cert.subjectAltName ?? '';
    expect(san).toContain('DNS:localhost');
    expect(san).toContain('DNS:tenant-a.example');
    expect(san).toContain('IP Address:127.0.0.1');
    expect(san).toContain('IP Address:10.1.2.3');
    // IP literals must not leak into DNS SANs.
    expect(san).not.toContain('DNS:10.1.2.3');
    expect(san).toMatch(/IP Address:0:0:0:0:0:0:0:1|IP Address:::1/i);
    expect(san).toMatch(/IP Address:FD00:0:0:0:0:0:0:5|IP Address:fd00::5/i);
    expect(cert.checkIssued(new NodeX509(pki.caPem))).toBe(true);
    expect(cert.keyUsage).toContain('1.3.6.1.5.5.7.3.1');
    expect(cert.ca).toBe(false);

    const ca = new NodeX509(pki.caPem);
    expect(ca.ca).toBe(true);
    expect(ca.subject).toBe('CN=tenantry-ca');
    const years = (Date.parse(ca.validTo) - Date.now()) / (365 * 24 * 3600 * 1000);
    expect(years).toBeGreaterThan(9.9);

    const admin = new NodeX509(pki.adminCertPem);
    expect(admin.keyUsage).toContain('1.3.6.1.5.5.7.3.2');
    expect(admin.keyUsage).not.toContain('1.3.6.1.5.5.7.3.1');
    expect(admin.publicKey.asymmetricKeyType).toBe('ec');
  });

  it('passes client hostname verification for requested names and fails for others', async () => {
    const pki = await loadOrCreatePki(dir, { hosts: ['tenant-a.example'] });
    for (const servername of ['localhost', 'tenant-a.example']) {
      const { status } = await roundTrip(pki, { certPem: pki.adminCertPem, keyPem: pki.adminKeyPem, servername });
      expect(status).toBe(200);
    }
    await expect(
      roundTrip(pki, { certPem: pki.adminCertPem, keyPem: pki.adminKeyPem, servername: 'elsewhere.example' }),
    ).rejects.toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });

  it('writes key files 0600 and leaves no temp files behind', async () => {
    await loadOrCreatePki(dir, { hosts: [] });
    const pkiDir = path.join(dir, 'pki');
    for (const f of ['ca.key', 'apiserver.key', 'admin.key']) {
      expect(statSync(path.join(pkiDir, f)).mode & 0o777).toBe(0o600);
    }
    expect(readdirSync(pkiDir).sort()).toEqual(
      ['admin.crt', 'admin.key', 'apiserver.crt', 'apiserver.key', 'ca.crt', 'ca.key'].sort(),
    );
    expect(readFileSync(path.join(pkiDir, 'ca.key'), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
  });

  it('reuses every file on restart', async () => {
    const first = await loadOrCreatePki(dir, { hosts: ['a.example'] });
    const second = await loadOrCreatePki(dir, { hosts: ['a.example'] });
    expect(second).toEqual(first);
  });

  it('re-issues only the serving certificate, from the same CA, when a new host is requested', async () => {
    const first = await loadOrCreatePki(dir, { hosts: ['a.example'] });
    const second = await loadOrCreatePki(dir, { hosts: ['a.example', 'b.example', '192.168.7.7'] });
    expect(second.caPem).toBe(first.caPem);
    expect(second.caKeyPem).toBe(first.caKeyPem);
    expect(second.adminCertPem).toBe(first.adminCertPem);
    expect(second.serverCertPem).not.toBe(first.serverCertPem);
    // Only the certificate changes; its key is kept.
    expect(second.serverKeyPem).toBe(first.serverKeyPem);
    const san = new NodeX509(second.serverCertPem).subjectAltName ?? '';
    expect(san).toContain('DNS:b.example');
    expect(san).toContain('IP Address:192.168.7.7');
    expect(new NodeX509(second.serverCertPem).checkIssued(new NodeX509(first.caPem))).toBe(true);

    const { seen } = await roundTrip(second, { certPem: first.adminCertPem, keyPem: first.adminKeyPem });
    expect(seen.authorized).toBe(true);
  });

  it('regenerates a leaf whose key no longer matches (torn write) but keeps the CA', async () => {
    const first = await loadOrCreatePki(dir, { hosts: [] });
    const other = await loadOrCreatePki(path.join(dir, 'x'), { hosts: [] });
    writeFileSync(path.join(dir, 'pki', 'admin.key'), other.adminKeyPem);
    const second = await loadOrCreatePki(dir, { hosts: [] });
    expect(second.caPem).toBe(first.caPem);
    expect(second.adminCertPem).not.toBe(first.adminCertPem);
    const { seen } = await roundTrip(second, { certPem: second.adminCertPem, keyPem: second.adminKeyPem });
    expect(seen.authorized).toBe(true);
  });
});

describe('issueClientCert', () => {
  it('issues a client certificate with CN=user and one O per group', async () => {
    const pki = await loadOrCreatePki(dir, { hosts: [] });
    const { certPem, keyPem } = await issueClientCert(pki, 'jane', ['dev', 'ops'], 30);
    const { seen } = await roundTrip(pki, { certPem, keyPem });
    expect(seen.authorized).toBe(true);
    expect(seen.subject?.CN).toBe('jane');
    expect(seen.subject?.O).toEqual(['dev', 'ops']);

    const cert = new NodeX509(certPem);
    const days = (Date.parse(cert.validTo) - Date.now()) / (24 * 3600 * 1000);
    expect(days).toBeGreaterThan(29);
    expect(days).toBeLessThan(31);
  });

  it('supports a user with no groups', async () => {
    const pki = await loadOrCreatePki(dir, { hosts: [] });
    const { certPem } = await issueClientCert(pki, 'solo', []);
    expect(new NodeX509(certPem).subject).toBe('CN=solo');
  });

  it('rejects an empty user name', async () => {
    const pki = await loadOrCreatePki(dir, { hosts: [] });
    await expect(issueClientCert(pki, '', [])).rejects.toThrow(/user/);
  });
});
