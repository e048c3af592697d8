// Tenant ⇄ super names and ownership marks: pure functions.
//
// A tenant namespace maps to one super namespace named
//   <tenant>-<key>-<namespace>
// where <key> is a short hash of the tenant's name and identity (the UID of the
// tenant's kube-system namespace). Objects keep their names inside the mapped
// namespace, so the namespace mapping is the only name mapping there is.
// - deterministic: the same tenant incarnation always maps a namespace the same way;
// - a deleted and re-created tenant (same name, new kube-system UID) gets new
//   super namespaces, so it never adopts an earlier incarnation's leftovers;
// - at most 63 characters: longer results keep a readable prefix and end in a
//   hash of the whole untruncated name.
// The name alone is not what keeps tenants apart: every super object carries
// ownership marks, and the syncer only touches objects whose marks name the
// tenant's identity and the tenant namespace (see ownedBy).

import { createHash } from 'node:crypto';
import type { KubeObject, ObjectMeta } from './types.js';

export const RESERVED_PREFIX = 'tenantry.io/';
/** Label on every super object: the tenant's name. Super informers select on it. */
export const LABEL_TENANT = 'tenantry.io/tenant';
/** Label on every super object: the tenant namespace it belongs to (for a super namespace, the one it mirrors). */
export const LABEL_TENANT_NAMESPACE = 'tenantry.io/tenant-namespace';
export const ANN_TENANT = 'tenantry.io/tenant';
export const ANN_TENANT_UID = 'tenantry.io/tenant-uid';
export const ANN_OBJECT_NAME = 'tenantry.io/object-name';
export const ANN_OBJECT_UID = 'tenantry.io/object-uid';
export const ANN_NAMESPACE_UID = 'tenantry.io/namespace-uid';
/**
 * The tenant label and annotation keys copied onto a super object, so a later
 * sync can remove the ones the tenant dropped while leaving alone what
 * super-cluster components add (kubernetes.io/metadata.name, binder annotations).
 */
export const ANN_SYNCED_LABELS = 'tenantry.io/synced-labels';
export const ANN_SYNCED_ANNOTATIONS = 'tenantry.io/synced-annotations';
/** Label on nodes the syncer made in a tenant (virtual nodes). */
export const LABEL_VIRTUAL_NODE = 'tenantry.io/virtual-node';

const MAX_NAME = 63;
const KEY_LEN = 6;
const TRUNC_HASH_LEN = 10;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Annotations that mean something only to the tenant's own clients. */
const TENANT_ONLY_ANNOTATIONS = new Set(['kubectl.kubernetes.io/last-applied-configuration']);

export interface TenantIdentity {
  /** The operator's name for the tenant (a DNS-1123 label). */
  name: string;
  /** A UID that changes when the tenant's control plane is re-created (its kube-system namespace UID). */
  uid: string;
}

function hash36(input: string, len: number): string {
  const digest = createHash('sha256').update(input).digest();
  let n = 0n;
  for (const b of digest.subarray(0, 16)) n = (n << 8n) | BigInt(b);
  return n.toString(36).padStart(len, '0').slice(-len);
}

export function isDnsLabel(s: string): boolean {
  return s.length > 0 && s.length <= MAX_NAME && DNS_LABEL.test(s);
}

/** Why a tenant name cannot be used, or undefined when it can. */
export function tenantNameError(name: string): string | undefined {
  if (!isDnsLabel(name)) return `tenant name ${JSON.stringify(name)} must be a DNS-1123 label (lowercase alphanumerics and '-', at most 63 characters)`;
  return undefined;
}

/** The short key that stands for one incarnation of a tenant. */
export function tenantKey(t: TenantIdentity): string {
  return hash36(`${t.name}\u0000${t.uid}`, KEY_LEN);
}

/** The super namespace holding a tenant namespace's objects. */
export function superNamespace(t: TenantIdentity, tenantNamespace: string): string {
  const full = `${t.name}-${tenantKey(t)}-${tenantNamespace}`;
  if (full.length <= MAX_NAME) return full;
  const head = full.slice(0, MAX_NAME - TRUNC_HASH_LEN - 1).replace(/-+$/, '');
  return `${head}-${hash36(full, TRUNC_HASH_LEN)}`;
}

/** Whether a label or annotation key sits under the reserved prefix (tenantry.io/ or any *.tenantry.io/). */
export function isReservedKey(key: string): boolean {
  const slash = key.indexOf('/');
  if (slash < 0) return false;
  const prefix = key.slice(0, slash);
  return prefix === 'tenantry.io' || prefix.endsWith('.tenantry.io');
}

/** A tenant's labels or annotations minus reserved keys (a tenant may not forge ownership marks). */
export function tenantKeys(m: Record<string, string> | undefined, dropTenantOnly = false): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(m ?? {})) {
    if (isReservedKey(k)) continue;
    if (dropTenantOnly && TENANT_ONLY_ANNOTATIONS.has(k)) continue;
    out[k] = v;
  }
  return out;
}

export interface OwnerInfo {
  /** The tenant namespace (for a namespace: its own name). */
  tenantNamespace: string;
  /** UID of the tenant namespace. */
  namespaceUID: string;
  /** The tenant object's name and UID. */
  objectName: string;
  objectUID: string;
}

export function ownershipLabels(t: TenantIdentity, tenantNamespace: string): Record<string, string> {
  return { [LABEL_TENANT]: t.name, [LABEL_TENANT_NAMESPACE]: tenantNamespace };
}

export function ownershipAnnotations(t: TenantIdentity, o: OwnerInfo): Record<string, string> {
  return {
    [ANN_TENANT]: t.name,
    [ANN_TENANT_UID]: t.uid,
    [ANN_OBJECT_NAME]: o.objectName,
    [ANN_OBJECT_UID]: o.objectUID,
    [ANN_NAMESPACE_UID]: o.namespaceUID,
  };
}

/**
 * The metadata a super object gets: mapped namespace, the tenant's labels and
 * annotations (reserved keys dropped) unless `copyTenantMetadata` is false,
 * and the ownership marks. Server-owned fields, owner references and
 * finalizers never cross: they name objects that do not exist in the super cluster.
 */
export function superMetadata(
  t: TenantIdentity,
  tenantObj: KubeObject,
  o: OwnerInfo,
  opts: { name: string; namespace?: string; copyTenantMetadata: boolean },
): ObjectMeta {
  const labels = opts.copyTenantMetadata ? tenantKeys(tenantObj.metadata?.labels) : {};
  const annotations = opts.copyTenantMetadata ? tenantKeys(tenantObj.metadata?.annotations, true) : {};
  const meta: ObjectMeta = {
    name: opts.name,
    labels: { ...labels, ...ownershipLabels(t, o.tenantNamespace) },
    annotations: { ...annotations, ...ownershipAnnotations(t, o) },
  };
  const syncedLabels = Object.keys(labels).sort();
  const syncedAnnotations = Object.keys(annotations).sort();
  if (syncedLabels.length > 0) meta.annotations![ANN_SYNCED_LABELS] = syncedLabels.join(',');
  if (syncedAnnotations.length > 0) meta.annotations![ANN_SYNCED_ANNOTATIONS] = syncedAnnotations.join(',');
  if (opts.namespace !== undefined) meta.namespace = opts.namespace;
  return meta;
}

/** Whether a super object carries this tenant incarnation's marks. */
export function ownedBy(superObj: KubeObject, t: TenantIdentity): boolean {
  const m = superObj.metadata;
  return m?.labels?.[LABEL_TENANT] === t.name && m?.annotations?.[ANN_TENANT_UID] === t.uid && m?.annotations?.[ANN_TENANT] === t.name;
}

/** Whether a super object is this tenant's copy of the given tenant namespace's object `name`. */
export function ownedAs(superObj: KubeObject, t: TenantIdentity, tenantNamespace: string, name: string): boolean {
  const m = superObj.metadata;
  return ownedBy(superObj, t) && m?.labels?.[LABEL_TENANT_NAMESPACE] === tenantNamespace && m?.annotations?.[ANN_OBJECT_NAME] === name;
}

/** Where a marked super object comes from in its tenant, read from its marks. */
export function tenantOrigin(superObj: KubeObject): { tenant: string; namespace: string; name: string } | undefined {
  const m = superObj.metadata;
  const tenant = m?.labels?.[LABEL_TENANT];
  const namespace = m?.labels?.[LABEL_TENANT_NAMESPACE];
  const name = m?.annotations?.[ANN_OBJECT_NAME] ?? m?.name;
  if (!tenant || namespace === undefined || !name) return undefined;
  return { tenant, namespace, name };
}

/** The tenant label or annotation keys a super object was last given (to remove the ones the tenant has since dropped). */
export function syncedKeys(superObj: KubeObject, which: 'labels' | 'annotations'): string[] {
  const v = superObj.metadata?.annotations?.[which === 'labels' ? ANN_SYNCED_LABELS : ANN_SYNCED_ANNOTATIONS];
  return v ? v.split(',').filter(Boolean) : [];
}
