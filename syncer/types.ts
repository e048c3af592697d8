// Objects are plain JSON values on both sides of the syncer (as they arrive on
// the wire): no class instances, no Date objects. These narrow the parts the
// syncer touches; per-kind code reads the rest through small helpers.

// The API server's object types and JSON narrowing helpers: one definition for both sides.
import type { Obj } from '../tenant-apiserver/api/strategies/util.js';
import { deepClone, isObject as isObj, type KubeObject } from '../tenant-apiserver/api/types.js';
export type { Obj } from '../tenant-apiserver/api/strategies/util.js';
export type { ObjectMeta, KubeObject } from '../tenant-apiserver/api/types.js';
export { asArr, asObj, objs, str } from '../tenant-apiserver/api/strategies/util.js';
export { isObj };

/** Where a resource lives in the API: enough to build its paths. */
export interface ResourceRef {
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
}

/** A deep copy (a recursive one: ~10x faster than a JSON round trip, and the syncer copies every object it plans). */
export function clone<T>(v: T): T {
  return v === undefined ? v : deepClone(v);
}

export function nameOf(o: KubeObject | undefined): string {
  return o?.metadata?.name ?? '';
}

export function namespaceOf(o: KubeObject | undefined): string {
  return o?.metadata?.namespace ?? '';
}

export function uidOf(o: KubeObject | undefined): string {
  return o?.metadata?.uid ?? '';
}

export function isDeleting(o: KubeObject | undefined): boolean {
  return !!o?.metadata?.deletionTimestamp;
}

/**
 * Semantic equality of JSON values: a key holding undefined or null is the
 * same as a missing key (the wire drops them, and servers differ in which
 * empty values they write), and an empty object/array equals a missing one.
 */
export function semanticEqual(a: unknown, b: unknown): boolean {
  // Equal exactly when the canonical forms (below) serialise alike, walked without building them:
  // the syncer compares every object it plans, and copying both sides cost more than the rest.
  const ma = isMissing(a);
  const mb = isMissing(b);
  if (ma || mb) return ma && mb;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) {
      // In an array a missing item is a null, not a gap.
      const xa = isMissing(a[i]);
      if (xa !== isMissing(b[i]) || (!xa && !semanticEqual(a[i], b[i]))) return false;
    }
    return true;
  }
  if (isObj(a)) {
    if (!isObj(b)) return false;
    // Own keys only: a key such as "constructor" missing on one side must read as missing, not as Object's.
    for (const k of Object.keys(a)) if (!semanticEqual(a[k], Object.hasOwn(b, k) ? b[k] : undefined)) return false;
    for (const k of Object.keys(b)) if (!Object.hasOwn(a, k) && !isMissing(b[k])) return false;
    return true;
  }
  return typeof a === 'number' && typeof b === 'number' ? JSON.stringify(a) === JSON.stringify(b) : a === b;
}

/** Whether canonical(v) is undefined: null, undefined, and containers holding only such. */
function isMissing(v: unknown): boolean {
  if (v === null || v === undefined) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (isObj(v)) {
    for (const k in v) if (!isMissing(v[k])) return false;
    return true;
  }
  return false;
}

/** Sorted keys, empty containers and nulls removed (undefined when nothing is left). */
export function canonical(v: unknown): unknown {
  if (v === null || v === undefined) return undefined;
  if (Array.isArray(v)) {
    const items = v.map((x) => canonical(x) ?? null);
    return items.length === 0 ? undefined : items;
  }
  if (isObj(v)) {
    const out: Obj = {};
    for (const k of Object.keys(v).sort()) {
      const c = canonical(v[k]);
      if (c !== undefined) out[k] = c;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  return v;
}

/** apiVersion string of a ref. */
export function apiVersionOf(ref: ResourceRef): string {
  return ref.group ? `${ref.group}/${ref.version}` : ref.version;
}

export const CORE = (plural: string, kind: string, namespaced = true): ResourceRef => ({ group: '', version: 'v1', plural, kind, namespaced });
