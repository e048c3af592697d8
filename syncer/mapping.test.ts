import { describe, expect, it } from 'vitest';
import {
  ANN_OBJECT_NAME,
  ANN_SYNCED_ANNOTATIONS,
  ANN_TENANT_UID,
  LABEL_TENANT,
  LABEL_TENANT_NAMESPACE,
  isDnsLabel,
  isReservedKey,
  ownedAs,
  ownedBy,
  superMetadata,
  superNamespace,
  syncedKeys,
  tenantKey,
  tenantKeys,
  tenantNameError,
  tenantOrigin,
  type TenantIdentity,
} from './mapping.js';

// A small seeded generator (mulberry32) so failures reproduce.
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
const INNER = ALNUM + '---';

/** A random DNS-1123 label; `len` picks the length (biased towards the 63-character limit). */
function label(r: () => number, len?: number): string {
  const n = len ?? (r() < 0.3 ? 63 : 1 + Math.floor(r() * 63));
  let s = ALNUM[Math.floor(r() * ALNUM.length)]!;
  for (let i = 1; i < n - 1; i++) s += INNER[Math.floor(r() * INNER.length)]!;
  if (n > 1) s += ALNUM[Math.floor(r() * ALNUM.length)]!;
  return s;
}

function uid(r: () => number): string {
  const h = () => Math.floor(r() * 0x10000).toString(16).padStart(4, '0');
  return `${h()}${h()}-${h()}-${h()}-${h()}-${h()}${h()}${h()}`;
}

describe('superNamespace', () => {
  it('is within 63 characters, a DNS label, stable, and collision-free over many generated tenants and namespaces', () => {
    const r = rng(42);
    const tenants: TenantIdentity[] = [];
    for (let i = 0; i < 60; i++) tenants.push({ name: label(r), uid: uid(r) });
    // Names that share prefixes, and the same name in a new incarnation.
    tenants.push({ name: 'a', uid: uid(r) }, { name: 'a-b', uid: uid(r) }, { name: 'a', uid: uid(r) });
    const namespaces = new Set<string>(['default', 'kube-system', 'b', 'b-default', 'a', 'x'.repeat(63), `${'y'.repeat(62)}z`]);
    while (namespaces.size < 300) namespaces.add(label(r));
    const seen = new Map<string, string>();
    const bad: string[] = [];
    for (const t of tenants) {
      for (const ns of namespaces) {
        const out = superNamespace(t, ns);
        const who = `${t.name}/${t.uid}/${ns}`;
        if (out.length > 63 || !isDnsLabel(out)) bad.push(`${who} → ${out}: not a DNS label within 63 characters`);
        if (superNamespace({ ...t }, ns) !== out) bad.push(`${who}: unstable`);
        const prev = seen.get(out);
        if (prev !== undefined && prev !== who) bad.push(`${who} collides with ${prev} on ${out}`);
        seen.set(out, who);
      }
    }
    expect(bad).toEqual([]);
    expect(seen.size).toBe(tenants.length * namespaces.size);
  });

  it('keeps short names readable and truncates long ones with a hash of the whole name', () => {
    const t = { name: 'acme', uid: '6f1c1a9e-0000-4000-8000-000000000001' };
    const key = tenantKey(t);
    expect(key).toMatch(/^[a-z0-9]{6}$/);
    expect(superNamespace(t, 'default')).toBe(`acme-${key}-default`);
    const long = 'n'.repeat(60);
    const a = superNamespace(t, long);
    const b = superNamespace(t, 'n'.repeat(59) + 'm');
    expect(a).toHaveLength(63);
    expect(a.startsWith(`acme-${key}-nnn`)).toBe(true);
    expect(a).not.toBe(b);
  });

  it('pins the format (a change here strands every existing super namespace)', () => {
    expect(superNamespace({ name: 'acme', uid: 'uid-1' }, 'default')).toBe('acme-c0qo24-default');
    expect(superNamespace({ name: 't'.repeat(63), uid: 'uid-1' }, 'default')).toBe(`${'t'.repeat(52)}-hry2xhd7df`);
  });

  it('gives a re-created tenant (same name, new identity) different namespaces', () => {
    const r = rng(7);
    for (let i = 0; i < 200; i++) {
      const name = label(r);
      const ns = label(r);
      expect(superNamespace({ name, uid: uid(r) }, ns)).not.toBe(superNamespace({ name, uid: uid(r) }, ns));
    }
  });
});

describe('ownership marks', () => {
  const t = { name: 'acme', uid: 'u-1' };
  const tenantObj = {
    metadata: {
      name: 'web',
      namespace: 'default',
      uid: 'obj-1',
      labels: { app: 'web', 'tenantry.io/tenant': 'other', 'x.tenantry.io/y': 'z' },
      annotations: { note: 'hi', 'tenantry.io/tenant-uid': 'forged', 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
    },
  };
  const owner = { tenantNamespace: 'default', namespaceUID: 'ns-1', objectName: 'web', objectUID: 'obj-1' };

  it('drops tenant keys under the reserved prefix and puts the real marks on', () => {
    const m = superMetadata(t, tenantObj, owner, { name: 'web', namespace: 'acme-x-default', copyTenantMetadata: true });
    expect(m.namespace).toBe('acme-x-default');
    expect(m.labels).toEqual({ app: 'web', [LABEL_TENANT]: 'acme', [LABEL_TENANT_NAMESPACE]: 'default' });
    expect(m.annotations).toMatchObject({ note: 'hi', [ANN_TENANT_UID]: 'u-1', [ANN_OBJECT_NAME]: 'web', 'tenantry.io/object-uid': 'obj-1', 'tenantry.io/namespace-uid': 'ns-1' });
    expect(m.annotations!['kubectl.kubernetes.io/last-applied-configuration']).toBeUndefined();
    expect(m.annotations![ANN_SYNCED_ANNOTATIONS]).toBe('note');
    expect(syncedKeys({ metadata: m }, 'annotations')).toEqual(['note']);
    expect(syncedKeys({ metadata: m }, 'labels')).toEqual(['app']);
    expect(m.annotations!['tenantry.io/synced-labels']).toBe('app');
  });

  it('copies no tenant metadata when asked not to', () => {
    const m = superMetadata(t, tenantObj, owner, { name: 'acme-x-default', copyTenantMetadata: false });
    expect(m.namespace).toBeUndefined();
    expect(Object.keys(m.labels!).sort()).toEqual([LABEL_TENANT, LABEL_TENANT_NAMESPACE]);
    expect(m.annotations!.note).toBeUndefined();
  });

  it('recognises only its own incarnation, namespace and name', () => {
    const m = superMetadata(t, tenantObj, owner, { name: 'web', namespace: 'ns', copyTenantMetadata: true });
    const obj = { metadata: m };
    expect(ownedBy(obj, t)).toBe(true);
    expect(ownedBy(obj, { name: 'acme', uid: 'u-2' })).toBe(false);
    expect(ownedBy(obj, { name: 'other', uid: 'u-1' })).toBe(false);
    expect(ownedAs(obj, t, 'default', 'web')).toBe(true);
    expect(ownedAs(obj, t, 'prod', 'web')).toBe(false);
    expect(ownedAs(obj, t, 'default', 'api')).toBe(false);
    expect(ownedBy({ metadata: { labels: { [LABEL_TENANT]: 'acme' } } }, t)).toBe(false);
    expect(tenantOrigin(obj)).toEqual({ tenant: 'acme', namespace: 'default', name: 'web' });
    expect(tenantOrigin({ metadata: { name: 'x' } })).toBeUndefined();
  });

  it('classifies reserved keys', () => {
    expect(isReservedKey('tenantry.io/tenant')).toBe(true);
    expect(isReservedKey('sub.tenantry.io/x')).toBe(true);
    expect(isReservedKey('tenantry.io')).toBe(false);
    expect(isReservedKey('nottenantry.io/x')).toBe(false);
    expect(tenantKeys({ a: '1', 'tenantry.io/b': '2' })).toEqual({ a: '1' });
  });

  it('validates tenant names', () => {
    expect(tenantNameError('acme')).toBeUndefined();
    expect(tenantNameError('Acme')).toMatch(/DNS-1123/);
    expect(tenantNameError('a'.repeat(64))).toMatch(/DNS-1123/);
    expect(tenantNameError('-a')).toMatch(/DNS-1123/);
  });
});
