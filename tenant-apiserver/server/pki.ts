// The tenant API server's certificate authority and the certificates it signs.
//
// Layout under `<dir>/pki/`:
//   ca.crt / ca.key                 self-signed CA, CN=tenantry-ca
//   apiserver.crt / apiserver.key   serving certificate (serverAuth)
//   admin.crt / admin.key           client certificate CN=admin, O=system:masters
//
// Keys are ECDSA P-256: generating one takes microseconds (RSA-2048 takes
// tens to hundreds of milliseconds, which adds up in tests that start many
// servers) and kubectl/client-go accept them for both serving and client auth.
//
// Validity: every certificate is issued for 10 years. That is deliberately
// generous for now because nothing rotates certificates yet; a serving cert
// within 30 days of expiry is re-issued on start-up, which is the only rotation.

import { servingNames, type FreshPki, type SanSet } from '../../lib/x509-lite.js';
import { createPrivateKey, createPublicKey, randomBytes, webcrypto } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { isIP } from 'node:net';
import * as path from 'node:path';
import { writeFileAtomic } from '../../lib/kubeconfig.js';
import type * as X509 from '@peculiar/x509';
import { x509 } from './x509.js';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

/** The files in `<dataDir>/pki`: the same shape the light issuer (lib/x509-lite.ts) writes. */
export type Pki = FreshPki;

export interface PkiOptions {
  /** Extra names/addresses for the serving certificate; IPs become IP SANs, everything else DNS SANs. */
  hosts: string[];
}

export const CA_COMMON_NAME = 'tenantry-ca';
export const SERVER_COMMON_NAME = 'tenantry-apiserver';
export const ADMIN_USER = 'admin';
export const ADMIN_GROUP = 'system:masters';

const DAY_MS = 24 * 60 * 60 * 1000;
const TEN_YEARS_DAYS = 3650;
/** Re-issue a serving/admin certificate this close to expiry. */
const RENEW_BEFORE_MS = 30 * DAY_MS;
/** Backdate notBefore so a client whose clock is a little behind still accepts a fresh cert. */
const BACKDATE_MS = 60 * 60 * 1000;

const EC_KEYGEN: webcrypto.EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
const FILES = {
  caCert: 'ca.crt',
  caKey: 'ca.key',
  serverCert: 'apiserver.crt',
  serverKey: 'apiserver.key',
  adminCert: 'admin.crt',
  adminKey: 'admin.key',
} as const;

interface KeyPairPem {
  certPem: string;
  keyPem: string;
}

/**
 * Loads the PKI from `<dir>/pki/`, creating whatever is missing. A CA that is
 * present is always reused (so kubeconfigs handed out earlier stay valid); the
 * serving certificate is re-issued from that CA when it lacks a SAN for a
 * requested host, does not chain to the CA, does not match its key, or is about
 * to expire; the admin certificate likewise (minus the SAN rule).
 */
export async function loadOrCreatePki(dir: string, opts: PkiOptions): Promise<Pki> {
  const pkiDir = path.join(dir, 'pki');
  await fsp.mkdir(pkiDir, { recursive: true, mode: 0o700 });
  const file = (name: string): string => path.join(pkiDir, name);

  // --- CA ---
  let ca = await readPair(file(FILES.caCert), file(FILES.caKey));
  if (ca && !(await isUsableCa(ca))) ca = null;
  let caIsNew = false;
  if (!ca) {
    ca = await createCa();
    await writePair(file(FILES.caCert), file(FILES.caKey), ca);
    caIsNew = true;
  }
  const caCert = new x509.X509Certificate(ca.certPem);
  const caKey = await importPrivateKey(ca.keyPem);

  // --- serving certificate ---
  const wanted = servingNames(opts.hosts);
  let server = caIsNew ? null : await readPair(file(FILES.serverCert), file(FILES.serverKey));
  if (server && !(await leafIsUsable(server, caCert) && hasAllNames(server.certPem, wanted))) {
    // Keep the existing key when it is intact: only the certificate changes.
    server = await issueLeaf(caCert, caKey, {
      subject: [{ CN: [SERVER_COMMON_NAME] }],
      usage: x509.ExtendedKeyUsage.serverAuth,
      san: wanted,
      days: TEN_YEARS_DAYS,
      keyPem: keyMatches(server) ? server.keyPem : undefined,
    });
    await writePair(file(FILES.serverCert), file(FILES.serverKey), server);
  } else if (!server) {
    server = await issueLeaf(caCert, caKey, {
      subject: [{ CN: [SERVER_COMMON_NAME] }],
      usage: x509.ExtendedKeyUsage.serverAuth,
      san: wanted,
      days: TEN_YEARS_DAYS,
    });
    await writePair(file(FILES.serverCert), file(FILES.serverKey), server);
  }

  // --- admin client certificate ---
  let admin = caIsNew ? null : await readPair(file(FILES.adminCert), file(FILES.adminKey));
  if (!admin || !(await leafIsUsable(admin, caCert))) {
    admin = await issueLeaf(caCert, caKey, {
      subject: clientSubject(ADMIN_USER, [ADMIN_GROUP]),
      usage: x509.ExtendedKeyUsage.clientAuth,
      days: TEN_YEARS_DAYS,
    });
    await writePair(file(FILES.adminCert), file(FILES.adminKey), admin);
  }

  return {
    dir: pkiDir,
    caPem: ca.certPem,
    caKeyPem: ca.keyPem,
    serverCertPem: server.certPem,
    serverKeyPem: server.keyPem,
    adminCertPem: admin.certPem,
    adminKeyPem: admin.keyPem,
  };
}

/**
 * Issues a client certificate for `user` (CN) in `groups` (one O each), the
 * identity kube-apiserver's x509 authenticator reads. Nothing is written to disk.
 */
export async function issueClientCert(
  pki: Pick<Pki, 'caPem' | 'caKeyPem'>,
  user: string,
  groups: string[],
  days = 365,
): Promise<{ certPem: string; keyPem: string }> {
  if (!user) throw new Error('issueClientCert: user must not be empty');
  if (!(days > 0)) throw new Error('issueClientCert: days must be positive');
  const caCert = new x509.X509Certificate(pki.caPem);
  const caKey = await importPrivateKey(pki.caKeyPem);
  return issueLeaf(caCert, caKey, {
    subject: clientSubject(user, groups),
    usage: x509.ExtendedKeyUsage.clientAuth,
    days,
  });
}

// ---------------------------------------------------------------------------

function clientSubject(user: string, groups: string[]): X509.JsonName {
  // Organisations first, then CN: the order Go's pkix.Name serialises them in,
  // so `openssl x509 -subject` reads like a kubeadm-issued certificate.
  return [...groups.map((g) => ({ O: [g] })), { CN: [user] }];
}

/** Canonical text of an IP so `::1` and `0:0:0:0:0:0:0:1` compare equal. */
function canonicalIp(ip: string): string {
  return isIP(ip) === 6 ? new URL(`http://[${ip}]/`).hostname.slice(1, -1) : new URL(`http://${ip}/`).hostname;
}

function certNames(certPem: string): SanSet {
  const cert = new x509.X509Certificate(certPem);
  const ext = cert.getExtension(x509.SubjectAlternativeNameExtension);
  const out: SanSet = { dns: [], ips: [] };
  for (const n of ext?.names.items ?? []) {
    if (n.type === 'dns') out.dns.push(n.value.toLowerCase());
    else if (n.type === 'ip') out.ips.push(canonicalIp(n.value));
  }
  return out;
}

function hasAllNames(certPem: string, wanted: SanSet): boolean {
  const have = certNames(certPem);
  return wanted.dns.every((d) => have.dns.includes(d)) && wanted.ips.every((i) => have.ips.includes(i));
}

async function readPair(certPath: string, keyPath: string): Promise<KeyPairPem | null> {
  try {
    const [certPem, keyPem] = await Promise.all([fsp.readFile(certPath, 'utf8'), fsp.readFile(keyPath, 'utf8')]);
    return { certPem, keyPem };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

async function writePair(certPath: string, keyPath: string, pair: KeyPairPem): Promise<void> {
  // Key first: a crash between the two writes leaves a key that does not match
  // the old certificate, which the next start detects (keyMatches) and repairs.
  await writeFileAtomic(keyPath, pair.keyPem, 0o600);
  await writeFileAtomic(certPath, pair.certPem, 0o644);
}

/** True when the private key in `pair` belongs to the public key in its certificate. */
function keyMatches(pair: KeyPairPem | null): boolean {
  if (!pair) return false;
  try {
    const cert = new x509.X509Certificate(pair.certPem);
    const fromKey = createPublicKey(createPrivateKey(pair.keyPem)).export({ type: 'spki', format: 'der' });
    return Buffer.from(cert.publicKey.rawData).equals(fromKey);
  } catch {
    return false;
  }
}

async function isUsableCa(pair: KeyPairPem): Promise<boolean> {
  try {
    const cert = new x509.X509Certificate(pair.certPem);
    const bc = cert.getExtension(x509.BasicConstraintsExtension);
    return !!bc?.ca && keyMatches(pair) && cert.notAfter.getTime() > Date.now();
  } catch {
    return false;
  }
}

async function leafIsUsable(pair: KeyPairPem, ca: X509.X509Certificate): Promise<boolean> {
  try {
    const cert = new x509.X509Certificate(pair.certPem);
    if (cert.notAfter.getTime() - Date.now() < RENEW_BEFORE_MS) return false;
    if (!keyMatches(pair)) return false;
    return await cert.verify({ publicKey: ca.publicKey, signatureOnly: true });
  } catch {
    return false;
  }
}

function serialNumber(): string {
  const b = randomBytes(16);
  b[0] = (b[0]! & 0x7f) | 0x01; // positive and without a leading zero byte, as RFC 5280 asks
  return b.toString('hex');
}

function validity(days: number): { notBefore: Date; notAfter: Date } {
  const now = Date.now();
  return { notBefore: new Date(now - BACKDATE_MS), notAfter: new Date(now + days * DAY_MS) };
}

async function exportPrivateKeyPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return ensureNewline(x509.PemConverter.encode(der, 'PRIVATE KEY'));
}

function ensureNewline(s: string): string {
  const unix = s.replace(/\r\n/g, '\n');
  return unix.endsWith('\n') ? unix : `${unix}\n`;
}

function signingAlgorithmFor(key: CryptoKey): webcrypto.EcdsaParams | webcrypto.RsaHashedImportParams {
  if (key.algorithm.name === 'ECDSA') {
    const curve = (key.algorithm as webcrypto.EcKeyAlgorithm).namedCurve;
    return { name: 'ECDSA', hash: curve === 'P-384' ? 'SHA-384' : curve === 'P-521' ? 'SHA-512' : 'SHA-256' };
  }
  return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
}

/**
 * Imports a PEM private key (PKCS#8, SEC1 "EC PRIVATE KEY" or PKCS#1 RSA) as
 * a signing CryptoKey, so an operator-supplied CA in any common format works.
 */
async function importPrivateKey(pem: string): Promise<CryptoKey> {
  const ko = createPrivateKey(pem);
  const der = ko.export({ type: 'pkcs8', format: 'der' });
  if (ko.asymmetricKeyType === 'ec') {
    const curve = ko.asymmetricKeyDetails?.namedCurve;
    const named = curve === 'prime256v1' ? 'P-256' : curve === 'secp384r1' ? 'P-384' : curve === 'secp521r1' ? 'P-521' : null;
    if (!named) throw new Error(`unsupported EC curve ${curve ?? '<unknown>'} in private key`);
    return webcrypto.subtle.importKey('pkcs8', der, { name: 'ECDSA', namedCurve: named }, false, ['sign']);
  }
  if (ko.asymmetricKeyType === 'rsa') {
    return webcrypto.subtle.importKey('pkcs8', der, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']);
  }
  throw new Error(`unsupported private key type ${ko.asymmetricKeyType ?? '<unknown>'}`);
}

async function createCa(): Promise<KeyPairPem> {
  const keys = (await webcrypto.subtle.generateKey(EC_KEYGEN, true, ['sign', 'verify'])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: [{ CN: [CA_COMMON_NAME] }],
    ...validity(TEN_YEARS_DAYS),
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: ensureNewline(cert.toString('pem')), keyPem: await exportPrivateKeyPem(keys.privateKey) };
}

interface LeafSpec {
  subject: X509.JsonName;
  usage: X509.ExtendedKeyUsage;
  san?: SanSet;
  days: number;
  /** Reuse this key instead of generating a new one. */
  keyPem?: string;
}

async function issueLeaf(caCert: X509.X509Certificate, caKey: CryptoKey, spec: LeafSpec): Promise<KeyPairPem> {
  let publicKey: CryptoKey;
  let keyPem: string;
  if (spec.keyPem) {
    keyPem = spec.keyPem;
    const spki = createPublicKey(createPrivateKey(keyPem)).export({ type: 'spki', format: 'der' });
    publicKey = await new x509.PublicKey(spki).export();
  } else {
    const keys = (await webcrypto.subtle.generateKey(EC_KEYGEN, true, ['sign', 'verify'])) as CryptoKeyPair;
    publicKey = keys.publicKey;
    keyPem = await exportPrivateKeyPem(keys.privateKey);
  }

  const extensions: X509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    new x509.ExtendedKeyUsageExtension([spec.usage]),
    await x509.SubjectKeyIdentifierExtension.create(publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
  ];
  if (spec.san) {
    extensions.push(
      new x509.SubjectAlternativeNameExtension([
        ...spec.san.dns.map((value) => ({ type: 'dns' as const, value })),
        ...spec.san.ips.map((value) => ({ type: 'ip' as const, value })),
      ]),
    );
  }

  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: spec.subject,
    issuer: caCert.subjectName,
    ...validity(spec.days),
    signingAlgorithm: signingAlgorithmFor(caKey),
    publicKey,
    signingKey: caKey,
    extensions,
  });
  return { certPem: ensureNewline(cert.toString('pem')), keyPem };
}
