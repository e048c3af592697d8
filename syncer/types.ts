// Objects are plain JSON values on both sides of the syncer (as they arrive on
// the wire): no class instances, no Date objects. These narrow the parts the
// syncer touches; per-kind code reads the rest through small helpers.

// The API server's object types and JSON narrowing helpers: one definition for both sides.
import type { Obj } from '../tenant-apiserver/api/strategies/util.js';
import { isObject as isObj, type KubeObject } from '../tenant-apiserver/api/types.js';
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

export function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
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
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
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
