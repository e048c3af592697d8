// The restart fast path for the PKI: when every certificate under DIR/pki is
// present and still good (chains to the CA, matches its key, covers the hosts,
// not about to expire), load it with node:crypto alone. The full X.509 library
// (pki.ts) costs ~250 ms and ~25 MB to load; it is needed only to create or
// re-issue certificates, so a restart should not pay for it.

import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import fs from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import type { Pki } from './pki.js';

const RENEW_BEFORE_MS = 30 * 24 * 60 * 60 * 1000;

function read(dir: string, name: string): string | undefined {
  try {
    return fs.readFileSync(path.join(dir, name), 'utf8');
  } catch {
    return undefined;
  }
}

function spki(pem: string): string {
  return createPublicKey(createPrivateKey(pem)).export({ format: 'der', type: 'spki' }).toString('base64');
}

function leafOk(certPem: string, keyPem: string, ca: X509Certificate, now: number): X509Certificate | undefined {
  const cert = new X509Certificate(certPem);
  if (!cert.verify(ca.publicKey)) return undefined;
  if (Date.parse(cert.validTo) - now < RENEW_BEFORE_MS || Date.parse(cert.validFrom) > now + 3600_000) return undefined;
  if (cert.publicKey.export({ format: 'der', type: 'spki' }).toString('base64') !== spki(keyPem)) return undefined;
  return cert;
}

export function loadPkiFast(dataDir: string, hosts: string[]): Pki | undefined {
  const dir = path.join(dataDir, 'pki');
  const caPem = read(dir, 'ca.crt');
  const caKeyPem = read(dir, 'ca.key');
  const serverCertPem = read(dir, 'apiserver.crt');
  const serverKeyPem = read(dir, 'apiserver.key');
  const adminCertPem = read(dir, 'admin.crt');
  const adminKeyPem = read(dir, 'admin.key');
  if (!caPem || !caKeyPem || !serverCertPem || !serverKeyPem || !adminCertPem || !adminKeyPem) return undefined;
  try {
    const now = Date.now();
    const ca = new X509Certificate(caPem);
    if (!ca.ca || ca.publicKey.export({ format: 'der', type: 'spki' }).toString('base64') !== spki(caKeyPem)) return undefined;
    const server = leafOk(serverCertPem, serverKeyPem, ca, now);
    if (!server || !leafOk(adminCertPem, adminKeyPem, ca, now)) return undefined;
    for (const h of ['localhost', '127.0.0.1', ...hosts]) {
      const covered = isIP(h) ? server.checkIP(h) !== undefined : server.checkHost(h) !== undefined;
      // Wildcard listen addresses are not names a client uses; pki.ts decides how to cover them.
      if (!covered && h !== '0.0.0.0' && h !== '::') return undefined;
    }
    return { dir, caPem, caKeyPem, serverCertPem, serverKeyPem, adminCertPem, adminKeyPem };
  } catch {
    return undefined;
  }
}
