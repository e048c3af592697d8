// A first-start PKI issued with node:crypto and a few lines of DER, so a fresh
// data dir does not pay for loading the full X.509 library (@peculiar/x509 and
// its ASN.1 stack cost ~250 ms and ~25 MB, more than the rest of start-up). It
// only ever creates a complete set from nothing: repairing or re-issuing part of
// an existing PKI stays with tenant-apiserver/server/pki.ts, which parses what
// it finds. The output matches pki.ts: same files, key types, names, extensions.

import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { writeFileAtomic } from './kubeconfig.js';

/** A tenant control plane's PKI as files in `<dir>` (the same shape whichever code issued it). */
export interface FreshPki extends IssuedPki {
  dir: string;
}

const FILES = ['ca.crt', 'ca.key', 'apiserver.crt', 'apiserver.key', 'admin.crt', 'admin.key'] as const;
const DAY_MS = 24 * 60 * 60 * 1000;
const VALID_DAYS = 3650;
const BACKDATE_MS = 60 * 60 * 1000;

// --- DER ---------------------------------------------------------------------

function der(tag: number, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const n = body.length;
  let len: Buffer;
  if (n < 0x80) len = Buffer.from([n]);
  else {
    const bytes: number[] = [];
    for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
    len = Buffer.from([0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([Buffer.from([tag]), len, body]);
}

const seq = (...p: Buffer[]): Buffer => der(0x30, ...p);
const set = (...p: Buffer[]): Buffer => der(0x31, ...p);
const octets = (b: Buffer): Buffer => der(0x04, b);
const utf8 = (s: string): Buffer => der(0x0c, Buffer.from(s, 'utf8'));
const bool = (v: boolean): Buffer => der(0x01, Buffer.from([v ? 0xff : 0]));
/** BIT STRING with `unused` trailing bits in the last byte. */
const bits = (b: Buffer, unused = 0): Buffer => der(0x03, Buffer.from([unused]), b);

function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number);
  const out = [40 * arcs[0]! + arcs[1]!];
  for (const a of arcs.slice(2)) {
    const chunk = [a & 0x7f];
    for (let v = Math.floor(a / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return der(0x06, Buffer.from(out));
}

/** UTCTime through 2049, GeneralizedTime after, as RFC 5280 §4.1.2.5 requires. */
function time(d: Date): Buffer {
  const p = (n: number): string => String(n).padStart(2, '0');
  const rest = `${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
  const y = d.getUTCFullYear();
  return y < 2050 ? der(0x17, Buffer.from(`${p(y % 100)}${rest}`)) : der(0x18, Buffer.from(`${y}${rest}`));
}

/** Reads one TLV at `off`: where its contents start and end. */
function tlv(buf: Buffer, off: number): { start: number; end: number } {
  let n = buf[off + 1]!;
  let start = off + 2;
  if (n & 0x80) {
    const k = n & 0x7f;
    n = 0;
    for (let i = 0; i < k; i++) n = n * 256 + buf[start + i]!;
    start += k;
  }
  return { start, end: start + n };
}

// --- certificates --------------------------------------------------------------

const ECDSA_SHA256 = seq(oid('1.2.840.10045.4.3.2'));
const OID = {
  cn: '2.5.4.3',
  o: '2.5.4.10',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectKeyId: '2.5.29.14',
  authorityKeyId: '2.5.29.35',
  subjectAltName: '2.5.29.17',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
};

/** A Name of one RDN per attribute, in the given order (organisations before CN, as Go's pkix.Name writes them). */
function name(attrs: [type: 'cn' | 'o', value: string][]): Buffer {
  return seq(...attrs.map(([t, v]) => set(seq(oid(OID[t]), utf8(v)))));
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical ? seq(oid(id), bool(true), octets(value)) : seq(oid(id), octets(value));
}

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. */
function keyId(spki: Buffer): Buffer {
  const outer = tlv(spki, 0);
  const alg = tlv(spki, outer.start);
  const key = tlv(spki, alg.end);
  return createHash('sha1').update(spki.subarray(key.start + 1, key.end)).digest();
}

function serial(): Buffer {
  const b = randomBytes(16);
  b[0] = (b[0]! & 0x7f) | 0x01; // positive, no leading zero byte
  return der(0x02, b);
}

interface CertSpec {
  subject: Buffer;
  issuer: Buffer;
  spki: Buffer;
  signer: KeyObject;
  extensions: Buffer[];
}

function certificate(s: CertSpec): Buffer {
  const now = Date.now();
  const tbs = seq(
    der(0xa0, der(0x02, Buffer.from([2]))), // v3
    serial(),
    ECDSA_SHA256,
    s.issuer,
    seq(time(new Date(now - BACKDATE_MS)), time(new Date(now + VALID_DAYS * DAY_MS))),
    s.subject,
    s.spki,
    der(0xa3, seq(...s.extensions)),
  );
  return seq(tbs, ECDSA_SHA256, bits(sign('sha256', tbs, s.signer)));
}

function pem(derBytes: Buffer): string {
  const b64 = derBytes.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}

function ecKey(): { key: KeyObject; keyPem: string; spki: Buffer } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    key: privateKey,
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    spki: publicKey.export({ type: 'spki', format: 'der' }),
  };
}

// keyUsage bits (RFC 5280 §4.2.1.3), first byte: digitalSignature 0x80, keyEncipherment 0x20, keyCertSign 0x04, cRLSign 0x02.
const CA_KEY_USAGE = bits(Buffer.from([0x86]), 1);
const LEAF_KEY_USAGE = bits(Buffer.from([0xa0]), 5);

export interface SanSet {
  dns: string[];
  ips: string[];
}

function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number));
  // Expand "::" and any embedded IPv4 tail into eight 16-bit groups.
  let text = ip;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const b = v4[1]!.split('.').map(Number);
    text = text.slice(0, -v4[1]!.length) + `${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

function sanExtension(san: SanSet): Buffer {
  const names = [...san.dns.map((d) => der(0x82, Buffer.from(d, 'ascii'))), ...san.ips.map((ip) => der(0x87, ipBytes(ip)))];
  return extension(OID.subjectAltName, false, seq(...names));
}

/** The serving certificate's names: localhost and loopback always, plus every listen host (IPs as IP SANs). */
export function servingNames(hosts: string[]): SanSet {
  const dns = new Set<string>(['localhost']);
  const ips = new Set<string>(['127.0.0.1', '::1']);
  for (const raw of hosts) {
    let h = raw.trim();
    if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
    if (!h) continue;
    if (isIP(h)) ips.add(isIP(h) === 6 ? new URL(`http://[${h}]/`).hostname.slice(1, -1) : new URL(`http://${h}/`).hostname);
    else dns.add(h.toLowerCase());
  }
  return { dns: [...dns], ips: [...ips] };
}

export interface IssuedPki {
  caPem: string;
  caKeyPem: string;
  serverCertPem: string;
  serverKeyPem: string;
  adminCertPem: string;
  adminKeyPem: string;
}

/** A CA (CN=tenantry-ca), a serving certificate for `hosts` and an admin client certificate (CN=admin, O=system:masters). */
export function issuePki(hosts: string[]): IssuedPki {
  const ca = ecKey();
  const caName = name([['cn', 'tenantry-ca']]);
  const caId = keyId(ca.spki);
  const caCert = certificate({
    subject: caName,
    issuer: caName,
    spki: ca.spki,
    signer: ca.key,
    extensions: [
      extension(OID.basicConstraints, true, seq(bool(true))),
      extension(OID.keyUsage, true, CA_KEY_USAGE),
      extension(OID.subjectKeyId, false, octets(caId)),
    ],
  });
  const leaf = (subject: Buffer, usage: string, san?: SanSet): { certPem: string; keyPem: string } => {
    const k = ecKey();
    const extensions = [
      extension(OID.basicConstraints, true, seq()),
      extension(OID.keyUsage, true, LEAF_KEY_USAGE),
      extension(OID.extKeyUsage, false, seq(oid(usage))),
      extension(OID.subjectKeyId, false, octets(keyId(k.spki))),
      extension(OID.authorityKeyId, false, seq(der(0x80, caId))),
    ];
    if (san) extensions.push(sanExtension(san));
    return { certPem: pem(certificate({ subject, issuer: caName, spki: k.spki, signer: ca.key, extensions })), keyPem: k.keyPem };
  };
  const server = leaf(name([['cn', 'tenantry-apiserver']]), OID.serverAuth, servingNames(hosts));
  const admin = leaf(name([['o', 'system:masters'], ['cn', 'admin']]), OID.clientAuth);
  return {
    caPem: pem(caCert),
    caKeyPem: ca.keyPem,
    serverCertPem: server.certPem,
    serverKeyPem: server.keyPem,
    adminCertPem: admin.certPem,
    adminKeyPem: admin.keyPem,
  };
}

/**
 * On a data dir with no PKI at all, issues one and writes it under DIR/pki (keys
 * 0600, written before their certificates, each file atomically). Returns
 * undefined when any of the files exists: a partial or existing PKI is for
 * pki.ts to reuse or repair, never to be overwritten here.
 */
export async function createFreshPki(dataDir: string, hosts: string[]): Promise<FreshPki | undefined> {
  const dir = path.join(dataDir, 'pki');
  if (FILES.some((f) => fs.existsSync(path.join(dir, f)))) return undefined;
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const p = issuePki(hosts);
  const w = (f: string, data: string, mode: number): Promise<void> => writeFileAtomic(path.join(dir, f), data, mode);
  await Promise.all([w('ca.key', p.caKeyPem, 0o600), w('apiserver.key', p.serverKeyPem, 0o600), w('admin.key', p.adminKeyPem, 0o600)]);
  await Promise.all([w('ca.crt', p.caPem, 0o644), w('apiserver.crt', p.serverCertPem, 0o644), w('admin.crt', p.adminCertPem, 0o644)]);
  return { dir, ...p };
}

