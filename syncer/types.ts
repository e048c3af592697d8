// Objects are plain JSON values on both sides of the syncer (as they arrive on
// the wire): no class instances, no Date objects. These narrow the parts the
// syncer touches; per-kind code reads the rest through small helpers.

export type Obj = Record<string, unknown>;

// The same narrowed object types the API server uses: one definition for both sides.
import type { KubeObject } from '../tenant-apiserver/api/types.js';
export type { ObjectMeta, KubeObject } from '../tenant-apiserver/api/types.js';

/** Where a resource lives in the API: enough to build its paths. */
export interface ResourceRef {
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
}

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function asObj(v: unknown): Obj | undefined {
  return isObj(v) ? v : undefined;
}

export function asArr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** Array elements that are objects. */
export function objs(v: unknown): Obj[] {
  return asArr(v).filter(isObj);
}

export function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
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
