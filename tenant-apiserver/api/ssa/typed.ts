// structured-merge-diff's typed operations over plain JSON values: the schema
// atoms kube derives from OpenAPI (kube-openapi schemaconv), validation,
// ToFieldSet, Compare, Merge, RemoveItems and EnsureNamedFieldsAreMembers,
// each following the Go walker of sigs.k8s.io/structured-merge-diff/v6/typed.
//
// Types come from the compiled SchemaNodes (openapi/schema-check.ts):
// - struct → a map with declared fields (atomic if `x-kubernetes-map-type:
//   atomic`, on the property or on the definition); unknown keys only under
//   x-kubernetes-preserve-unknown-fields (or a struct without properties),
//   where they are "deduced";
// - additionalProperties → a granular map unless the property says atomic;
// - array → atomic, unless `x-kubernetes-list-type: set|map` or the legacy
//   `x-kubernetes-patch-strategy: merge` (keyed by the merge key, a set
//   without one);
// - strings, numbers, booleans, IntOrString, Quantity, Time → scalars;
//   RawExtension → atomic; `{}` / free-form → deduced: maps granular, lists
//   atomic, decided per value.
// No definition at all (a CRD without schema) makes the whole object deduced.
//
// Built-in objects are Go structs in kube, so Compare sees their Go zero
// values (see tables.ts); `fill` flags switch that view on per side.

import type { FieldInfo, SchemaIndex, SchemaNode } from '../openapi/schema-check.js';
import {
  FieldSet,
  fieldElement,
  goFloat,
  indexElement,
  isJsonObject,
  keyElement,
  peString,
  valueElement,
  valuesEqual,
  compareStrings,
  type Json,
  type JsonObject,
  type PathElement,
} from './fieldpath.js';
import { goQuote } from '../goquote.js';
import {
  ATOMIC_STRUCT_DEFINITIONS,
  LIST_KEY_DEFAULTS,
  OBJECT_META,
  RAW_EXTENSION,
  ZERO_NULL_FIELDS,
  ZERO_STRUCT_FIELDS,
} from './tables.js';

// ---------------------------------------------------------------------------
// Types

export interface ScalarType {
  readonly k: 'scalar';
  readonly scalar: 'string' | 'numeric' | 'boolean' | 'untyped';
}
export interface ZeroInfo {
  /** Non-pointer struct fields: `{}` when absent or null. */
  readonly structs: ReadonlySet<string>;
  /** Fields without omitempty: `null` when absent. */
  readonly nulls: ReadonlySet<string>;
}
export interface MapType {
  readonly k: 'map';
  readonly fields: ReadonlyMap<string, FieldInfo> | null;
  /** Type of keys that are not declared fields; null when such keys are not allowed. */
  readonly elem: SType | null;
  readonly atomic: boolean;
  /** Go zero-value view (built-in structs only). */
  readonly zero: ZeroInfo | null;
  /** Field types that replace the schema's (a CRD's metadata is ObjectMeta). */
  readonly overrides: ReadonlyMap<string, SType> | null;
  /** childType's memo (present when there are declared fields or overrides). */
  readonly memo?: Map<string, SType>;
}
export interface ListType {
  readonly k: 'list';
  readonly elem: SType;
  readonly associative: boolean;
  readonly keys: readonly string[];
  readonly keyDefaults: Readonly<Record<string, Json>> | null;
}
export interface DeducedType {
  readonly k: 'deduced';
}
export interface UntypedAtomicType {
  readonly k: 'untypedAtomic';
}
export type SType = ScalarType | MapType | ListType | DeducedType | UntypedAtomicType;

const STRING: ScalarType = { k: 'scalar', scalar: 'string' };
const NUMERIC: ScalarType = { k: 'scalar', scalar: 'numeric' };
const BOOLEAN: ScalarType = { k: 'scalar', scalar: 'boolean' };
const UNTYPED_SCALAR: ScalarType = { k: 'scalar', scalar: 'untyped' };
export const DEDUCED: DeducedType = { k: 'deduced' };
const UNTYPED_ATOMIC: UntypedAtomicType = { k: 'untypedAtomic' };
const DEDUCED_MAP: MapType = { k: 'map', fields: null, elem: DEDUCED, atomic: false, zero: null, overrides: null };
const ATOMIC_LIST: ListType = { k: 'list', elem: UNTYPED_ATOMIC, associative: false, keys: [], keyDefaults: null };
const ATOMIC_MAP: MapType = { k: 'map', fields: null, elem: UNTYPED_ATOMIC, atomic: true, zero: null, overrides: null };

const nodeTypes = new WeakMap<SchemaNode, SType>();
const fieldTypes = new WeakMap<FieldInfo, SType>();
const zeroInfos = new WeakMap<SchemaNode, ZeroInfo | null>();

export function nodeType(node: SchemaNode): SType {
  let t = nodeTypes.get(node);
  if (t === undefined) {
    t = buildType(node, undefined);
    nodeTypes.set(node, t);
  }
  return t;
}

/** The type of a struct field: the node's, adjusted by the property's list/map tags. */
export function fieldType(fi: FieldInfo): SType {
  let t = fieldTypes.get(fi);
  if (t === undefined) {
    const node = fi.node;
    const tagged = node.kind === 'array' || ((node.kind === 'struct' || node.kind === 'map') && fi.mapType !== undefined);
    t = tagged ? buildType(node, fi) : nodeType(node);
    fieldTypes.set(fi, t);
  }
  return t;
}

function listRelation(fi: FieldInfo | undefined): { associative: boolean; keys: readonly string[] } {
  if (fi === undefined) return { associative: false, keys: [] };
  if (fi.listType !== undefined) {
    if (fi.listType === 'set') return { associative: true, keys: [] };
    if (fi.listType === 'map') return { associative: true, keys: fi.listMapKeys ?? [] };
    return { associative: false, keys: [] };
  }
  if (fi.patchStrategy === 'merge' || fi.patchStrategy === 'merge,retainKeys') {
    return { associative: true, keys: fi.patchMergeKey !== undefined ? [fi.patchMergeKey] : [] };
  }
  return { associative: false, keys: [] };
}

function buildType(node: SchemaNode, fi: FieldInfo | undefined): SType {
  switch (node.kind) {
    case 'string':
    case 'bytes':
      return STRING;
    case 'integer':
    case 'number':
      return NUMERIC;
    case 'boolean':
      return BOOLEAN;
    case 'intOrString':
    case 'quantity':
    case 'time':
      return UNTYPED_SCALAR;
    case 'any':
      return node.definition === RAW_EXTENSION ? UNTYPED_ATOMIC : DEDUCED;
    case 'struct': {
      const fields = node.fields ?? new Map<string, FieldInfo>();
      const atomic = fi?.mapType !== undefined ? fi.mapType === 'atomic' : ATOMIC_STRUCT_DEFINITIONS.has(node.definition);
      return {
        k: 'map',
        fields,
        elem: node.preserveUnknown || fields.size === 0 ? DEDUCED : null,
        atomic,
        zero: zeroInfo(node),
        overrides: null,
        memo: new Map(),
      };
    }
    case 'map':
      return {
        k: 'map',
        fields: null,
        elem: node.elem ? nodeType(node.elem) : DEDUCED,
        atomic: fi?.mapType === 'atomic',
        zero: null,
        overrides: null,
      };
    case 'array': {
      const rel = listRelation(fi);
      const elem = node.elem ? nodeType(node.elem) : UNTYPED_ATOMIC;
      const keyDefaults = node.elem ? LIST_KEY_DEFAULTS.get(node.elem.definition) ?? null : null;
      return { k: 'list', elem, associative: rel.associative, keys: rel.keys, keyDefaults };
    }
  }
}

function zeroInfo(node: SchemaNode): ZeroInfo | null {
  let z = zeroInfos.get(node);
  if (z !== undefined) return z;
  z = null;
  if (node.definition.startsWith('io.k8s.') && node.fields) {
    const structs = new Set<string>(ZERO_STRUCT_FIELDS.get(node.definition) ?? []);
    const nulls = new Set<string>(ZERO_NULL_FIELDS.get(node.definition) ?? []);
    const f = node.fields;
    // A kind: its metadata, spec and status are struct values.
    if (f.has('apiVersion') && f.has('kind') && f.has('metadata')) {
      for (const name of ['metadata', 'spec', 'status']) if (f.get(name)?.node.kind === 'struct') structs.add(name);
    }
    // `required` = no omitempty: a struct is a value, a slice or map is null when unset.
    for (const name of node.required) {
      const kind = f.get(name)?.node.kind;
      if (kind === 'struct') structs.add(name);
      else if (kind === 'array' || kind === 'map') nulls.add(name);
    }
    z = { structs, nulls };
  }
  zeroInfos.set(node, z);
  return z;
}

const roots = new WeakMap<SchemaIndex, Map<string, { type: SType; typed: boolean }>>();

/** The root type of objects of `definition` (undefined or unknown: deduced). */
export function rootType(index: SchemaIndex, definition: string | undefined): { type: SType; typed: boolean } {
  if (definition === undefined) return { type: DEDUCED, typed: false };
  let byDef = roots.get(index);
  if (byDef === undefined) {
    byDef = new Map();
    roots.set(index, byDef);
  }
  let r = byDef.get(definition);
  if (r === undefined) {
    r = buildRoot(index, definition);
    byDef.set(definition, r);
  }
  return r;
}

function buildRoot(index: SchemaIndex, definition: string): { type: SType; typed: boolean } {
  const node = index.definitions.get(definition);
  if (node === undefined) return { type: DEDUCED, typed: false };
  const t = nodeType(node);
  const typed = node.definition.startsWith('io.k8s.');
  if (t.k === 'map' && !typed) {
    // kube serves a CRD's metadata as ObjectMeta whatever the schema says.
    const meta = index.definitions.get(OBJECT_META);
    const declared = t.fields?.get('metadata');
    if (meta && declared?.node.definition !== OBJECT_META) {
      return { type: { ...t, overrides: new Map([['metadata', nodeType(meta)]]), memo: new Map() }, typed };
    }
  }
  return { type: t, typed };
}

/** The type of key `key` of a map: its field's, else the element type (null: the key is not allowed). */
export function childType(m: MapType, key: string): SType | null {
  const memo = m.memo;
  if (memo === undefined) return m.elem; // no declared fields
  const hit = memo.get(key);
  if (hit !== undefined) return hit;
  let t = m.overrides?.get(key);
  if (t === undefined) {
    const fi = m.fields?.get(key);
    if (fi === undefined) return m.elem; // arbitrary keys are not memoised
    t = fieldType(fi);
  }
  memo.set(key, t);
  return t;
}

function declared(m: MapType, key: string): boolean {
  return (m.fields?.has(key) ?? false) || (m.overrides?.has(key) ?? false);
}

/** deduceAtom + handleAtom's choice: the concrete atom a value is handled as. */
function atomOf(t: SType, v: Json | undefined): ScalarType | MapType | ListType {
  switch (t.k) {
    case 'deduced':
      if (v === null || v === undefined || typeof v === 'object') return Array.isArray(v) ? ATOMIC_LIST : DEDUCED_MAP;
      return UNTYPED_SCALAR;
    case 'untypedAtomic':
      if (v === null || v === undefined || typeof v === 'object') return Array.isArray(v) ? ATOMIC_LIST : ATOMIC_MAP;
      return UNTYPED_SCALAR;
    default:
      return t;
  }
}

// ---------------------------------------------------------------------------
// Errors

/** A structured-merge-diff validation/processing error (ValidationErrors). */
export class SmdError extends Error {
  readonly errors: ReadonlyArray<{ path: string; message: string }>;
  constructor(errors: ReadonlyArray<{ path: string; message: string }>) {
    super(formatErrors(errors));
    this.errors = errors;
  }
}

function formatErrors(errors: ReadonlyArray<{ path: string; message: string }>): string {
  const one = (e: { path: string; message: string }): string => (e.path === '' ? e.message : `${e.path}: ${e.message}`);
  if (errors.length === 1) return one(errors[0]!);
  return ['errors:', ...errors.map((e) => '  ' + one(e))].join('\n');
}

class ItemError extends Error {}

function isEmptyJson(v: Json): boolean {
  if (Array.isArray(v)) return v.length === 0;
  if (isJsonObject(v)) {
    for (const _ in v) return false;
    return true;
  }
  return false;
}

// Go's fmt rendering of unstructured values, for validation messages.
function goV(v: Json): string {
  if (v === null) return '<nil>';
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
      return Number.isInteger(v) ? String(v) : goFloat(v);
    case 'boolean':
      return String(v);
  }
  if (Array.isArray(v)) return '[' + v.map(goV).join(' ') + ']';
  return 'map[' + Object.keys(v).sort(compareStrings).map((k) => `${k}:${goV(v[k]!)}`).join(' ') + ']';
}

function goSharpV(v: Json): string {
  if (v === null) return 'interface {}(nil)';
  switch (typeof v) {
    case 'string':
      return goQuote(v);
    case 'number':
      return Number.isInteger(v) ? String(v) : goFloat(v);
    case 'boolean':
      return String(v);
  }
  if (Array.isArray(v)) return '[]interface {}{' + v.map(goSharpV).join(', ') + '}';
  return (
    'map[string]interface {}{' +
    Object.keys(v)
      .sort(compareStrings)
      .map((k) => `${goQuote(k)}:${goSharpV(v[k]!)}`)
      .join(', ') +
    '}'
  );
}

function goT(v: Json): string {
  if (v === null) return '<nil>';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'number':
      return Number.isInteger(v) ? 'int64' : 'float64';
    case 'boolean':
      return 'bool';
  }
  return Array.isArray(v) ? '[]interface {}' : 'map[string]interface {}';
}

/** `%v` of a value.Value: a pointer to a struct holding the unstructured value. */
function valueV(v: Json): string {
  return `&{${goV(v)}}`;
}

function scalarError(t: ScalarType, v: Json | undefined): string | null {
  if (v === undefined || v === null) return null;
  switch (t.scalar) {
    case 'numeric':
      return typeof v === 'number' ? null : `expected numeric (int or float), got ${goT(v)}`;
    case 'string':
      return typeof v === 'string' ? null : `expected string, got &value.valueUnstructured{Value:${goSharpV(v)}}`;
    case 'boolean':
      return typeof v === 'boolean' ? null : `expected boolean, got ${valueV(v)}`;
    case 'untyped':
      return typeof v === 'object' ? `expected any scalar, got ${valueV(v)}` : null;
  }
}

// ---------------------------------------------------------------------------
// List item path elements

/** listItemToPathElement: the key (or set value) that names an item of an associative list. */
export function listItemPE(t: ListType, item: Json): PathElement {
  if (!t.associative) throw new ItemError('invalid indexing of non-associative list');
  if (t.keys.length > 0) {
    if (item === null) throw new ItemError('associative list with keys may not have a null element');
    if (!isJsonObject(item)) throw new ItemError('associative list with keys may not have non-map elements');
    const fields: Array<readonly [string, Json]> = [];
    for (const k of t.keys) {
      if (Object.prototype.hasOwnProperty.call(item, k)) fields.push([k, item[k]!]);
      else if (t.keyDefaults !== null && t.keyDefaults[k] !== undefined) fields.push([k, t.keyDefaults[k]!]);
      else throw new ItemError(`associative list with keys has an element that omits key field ${goQuote(k)} (and doesn't have default value)`);
    }
    return keyElement(fields);
  }
  if (Array.isArray(item)) throw new ItemError('not supported: associative list with lists as elements');
  if (item === null) throw new ItemError("associative list without keys has an element that's an explicit null");
  if (typeof item === 'object') throw new ItemError("associative list without keys has an element that's a map type");
  return valueElement(item);
}

function tryItemPE(t: ListType, item: Json): PathElement | null {
  try {
    return listItemPE(t, item);
  } catch (e) {
    if (e instanceof ItemError) return null;
    throw e;
  }
}

// ---------------------------------------------------------------------------
// Validate (TypedValue.Validate)

export function validate(v: Json, t: SType, allowDuplicates: boolean): void {
  const errs: Array<{ path: string; message: string }> = [];
  validateWalk(v, t, [], errs, allowDuplicates);
  if (errs.length > 0) throw new SmdError(errs);
}

function validateWalk(v: Json, t: SType, trail: PathElement[], errs: Array<{ path: string; message: string }>, dup: boolean): void {
  const a = atomOf(t, v);
  switch (a.k) {
    case 'scalar': {
      const m = scalarError(a, v);
      if (m !== null) errs.push({ path: pathText(trail), message: m });
      return;
    }
    case 'list': {
      if (v === null) return;
      if (!Array.isArray(v)) {
        errs.push({ path: pathText(trail), message: `expected list, got ${valueV(v)}` });
        return;
      }
      if (!a.associative && a.elem.k === 'scalar') {
        // Atomic list of scalars: only the element types to check.
        for (let i = 0; i < v.length; i++) {
          const m = scalarError(a.elem, v[i]);
          if (m !== null) errs.push({ path: pathText(trail) + `[${i}]`, message: m });
        }
        return;
      }
      const seen = new Set<string>();
      for (let i = 0; i < v.length; i++) {
        const child = v[i]!;
        let pe: PathElement;
        if (!a.associative) pe = indexElement(i);
        else {
          try {
            pe = listItemPE(a, child);
          } catch (e) {
            if (!(e instanceof ItemError)) throw e;
            errs.push({ path: pathText(trail), message: `element ${i}: ${e.message}` });
            return;
          }
          if (seen.has(pe.s) && !dup) errs.push({ path: pathText(trail), message: `duplicate entries for key ${peString(pe)}` });
          seen.add(pe.s);
        }
        trail.push(pe);
        validateWalk(child, a.elem, trail, errs, dup);
        trail.pop();
      }
      return;
    }
    case 'map': {
      if (v === null) return;
      if (!isJsonObject(v)) {
        errs.push({ path: pathText(trail), message: `expected map, got ${valueV(v)}` });
        return;
      }
      for (const key in v) {
        const ct = childType(a, key);
        trail.push(fieldElement(key));
        if (ct === null) {
          errs.push({ path: pathText(trail), message: 'field not declared in schema' });
          trail.pop();
          return;
        }
        const child = v[key]!;
        // Scalars of the expected type need no call.
        if (ct.k !== 'scalar' || scalarError(ct, child) !== null) validateWalk(child, ct, trail, errs, dup);
        trail.pop();
      }
      return;
    }
  }
}

// ---------------------------------------------------------------------------
// ToFieldSet

/**
 * Every leaf field and list item the value mentions (TypedValue.ToFieldSet).
 * `named`: also EnsureNamedFieldsAreMembers, in the same walk.
 */
export function toFieldSet(v: Json, t: SType, named = false): FieldSet {
  const root = new FieldSet();
  const a = atomOf(t, v);
  if (a.k === 'map' && isJsonObject(v) && !a.atomic) mapItemsToSet(v, a, root, named);
  else if (a.k === 'list' && Array.isArray(v) && a.associative) listItemsToSet(v, a, root, named);
  return root;
}

/** The node at parent+pe. */
function nodeToSet(v: Json, t: SType, parent: FieldSet, pe: PathElement, named: boolean): void {
  const a = atomOf(t, v);
  switch (a.k) {
    case 'scalar':
      parent.addMember(pe);
      return;
    case 'list':
      if (!a.associative) {
        parent.addMember(pe);
        return;
      }
      if (Array.isArray(v) && v.length > 0) {
        const sub = new FieldSet();
        listItemsToSet(v, a, sub, named);
        parent.attach(pe, sub);
      }
      return;
    case 'map':
      if (a.atomic) {
        parent.addMember(pe);
        return;
      }
      if (isJsonObject(v)) {
        const sub = new FieldSet();
        mapItemsToSet(v, a, sub, named);
        parent.attach(pe, sub);
      }
      return;
  }
}

function mapItemsToSet(m: JsonObject, t: MapType, out: FieldSet, named: boolean): void {
  for (const key in m) {
    const val = m[key]!;
    const pe = fieldElement(key);
    const ct = childType(t, key) ?? DEDUCED;
    nodeToSet(val, ct, out, pe, named);
    const isField = declared(t, key);
    if (val === null || (isJsonObject(val) && isEmptyJson(val)) || !isField || (named && out.hasChildren(pe))) out.addMember(pe);
  }
}

function listItemsToSet(list: Json[], t: ListType, out: FieldSet, named: boolean): void {
  const pes: Array<PathElement | null> = list.map((item) => tryItemPE(t, item));
  const seen = new Set<string>();
  const dups = new Set<string>();
  for (const pe of pes) {
    if (pe === null) continue;
    if (seen.has(pe.s)) {
      if (!dups.has(pe.s)) {
        out.addMember(pe);
        dups.add(pe.s);
      }
    } else seen.add(pe.s);
  }
  for (let i = 0; i < list.length; i++) {
    const pe = pes[i];
    if (pe === null || pe === undefined || dups.has(pe.s)) continue;
    nodeToSet(list[i]!, t.elem, out, pe, named);
    out.addMember(pe);
  }
}

// ---------------------------------------------------------------------------
// Typed (Go zero-value) view

const EMPTY_OBJECT: JsonObject = Object.freeze({}) as JsonObject;

function hasOwn(o: JsonObject, k: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, k);
}

/**
 * A key of a built-in struct as Go sees it (the "typed view"): value structs
 * are there (`{}`) even when absent or null, slices and maps without
 * omitempty are `null` when absent, and empty omitempty slices/maps are not
 * there at all (undefined). `z` null: the plain JSON.
 */
function viewGet(obj: JsonObject, k: string, m: MapType, z: ZeroInfo | null): Json | undefined {
  const v = obj[k];
  if (z === null) return v === undefined && !hasOwn(obj, k) ? undefined : v;
  if (v === undefined) {
    if (z.structs.has(k)) return EMPTY_OBJECT;
    if (z.nulls.has(k)) return null;
    return undefined;
  }
  if (v === null) return z.structs.has(k) ? EMPTY_OBJECT : null;
  if (typeof v === 'object' && isEmptyJson(v) && !z.nulls.has(k) && !z.structs.has(k)) {
    const kind = m.fields?.get(k)?.node.kind;
    if (kind === 'map' || kind === 'array') return undefined;
  }
  return v;
}

/** Whether the typed view of obj has no keys. */
function viewEmpty(obj: JsonObject, m: MapType, z: ZeroInfo | null): boolean {
  if (z !== null && (z.structs.size > 0 || z.nulls.size > 0)) return false;
  for (const k in obj) if (viewGet(obj, k, m, z) !== undefined) return false;
  return true;
}

/** Calls f for every key of either view once (lhs keys, then rhs-only keys, then zero keys neither has). */
function zipView(
  lm: JsonObject | null,
  rm: JsonObject | null,
  m: MapType,
  zl: ZeroInfo | null,
  zr: ZeroInfo | null,
  f: (k: string, l: Json | undefined, r: Json | undefined) => boolean | void,
): boolean {
  if (lm !== null) {
    for (const k in lm) {
      const l = viewGet(lm, k, m, zl);
      const r = rm === null ? undefined : viewGet(rm, k, m, zr);
      if ((l !== undefined || r !== undefined) && f(k, l, r) === false) return false;
    }
  }
  if (rm !== null) {
    for (const k in rm) {
      if (lm !== null && hasOwn(lm, k)) continue;
      const l = lm === null ? undefined : viewGet(lm, k, m, zl);
      const r = viewGet(rm, k, m, zr);
      if ((l !== undefined || r !== undefined) && f(k, l, r) === false) return false;
    }
  }
  // Zero-value keys neither object spells out: equal when both sides are Go
  // views of an object, present on one side only otherwise.
  const lz = lm !== null ? zl : null;
  const rz = rm !== null ? zr : null;
  const z = lz ?? rz;
  if (z !== null && (lz === null) !== (rz === null) && (z.structs.size > 0 || z.nulls.size > 0)) {
    for (const set of [z.structs, z.nulls]) {
      for (const k of set) {
        if ((lm !== null && hasOwn(lm, k)) || (rm !== null && hasOwn(rm, k))) continue;
        const l = lm === null ? undefined : viewGet(lm, k, m, zl);
        const r = rm === null ? undefined : viewGet(rm, k, m, zr);
        if ((l !== undefined || r !== undefined) && f(k, l, r) === false) return false;
      }
    }
  }
  return true;
}

/** value.Equals over the typed views. */
export function typedEqual(a: Json | undefined, b: Json | undefined, t: SType, fa: boolean, fb: boolean): boolean {
  if (!fa && !fb) return valuesEqual(a, b);
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  if (t.k === 'map' && isJsonObject(a) && isJsonObject(b)) {
    if (t.zero === null && t.atomic) return valuesEqual(a, b);
    const za = fa ? t.zero : null;
    const zb = fb ? t.zero : null;
    return zipView(a, b, t, za, zb, (k, l, r) => l !== undefined && r !== undefined && typedEqual(l, r, childType(t, k) ?? DEDUCED, fa, fb));
  }
  if (t.k === 'list' && Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    if (t.elem.k !== 'map' && t.elem.k !== 'list') return valuesEqual(a, b);
    for (let i = 0; i < a.length; i++) if (!typedEqual(a[i], b[i], t.elem, fa, fb)) return false;
    return true;
  }
  return valuesEqual(a, b);
}

// ---------------------------------------------------------------------------
// Compare

export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

/** A list item whose path element is only computed if a path through it is recorded. */
interface LazyItem {
  readonly t: ListType;
  readonly item: Json;
}
type Step = string | PathElement | LazyItem;

function stepPE(x: Step): PathElement {
  if (typeof x === 'string') return fieldElement(x);
  if ('s' in x) return x;
  return listItemPE(x.t, x.item);
}

interface CompareWalk {
  readonly c: Comparison;
  /** Field names stay strings (and list items unkeyed) until a path is recorded. */
  readonly path: Step[];
  readonly fl: boolean;
  readonly fr: boolean;
  readonly errs: Array<{ path: string; message: string }>;
}

/** TypedValue.Compare: what changed from lhs to rhs. fl/fr: view that side as a Go typed object. */
export function compare(lhs: Json, rhs: Json, t: SType, fl: boolean, fr: boolean): Comparison {
  const w: CompareWalk = {
    c: { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() },
    path: [],
    fl,
    fr,
    errs: [],
  };
  compareNode(w, lhs, rhs, t);
  if (w.errs.length > 0) throw new SmdError(w.errs);
  return w.c;
}

function toPath(p: readonly Step[]): PathElement[] {
  return p.map(stepPE);
}

function pathText(p: readonly Step[]): string {
  let s = '';
  for (const x of p) s += typeof x === 'string' ? '.' + x : peString(stepPE(x));
  return s;
}

/**
 * Whether two list items have the same key (or, in a set, are the same
 * value), decided without building path elements. Null when a key is missing
 * (the slow path then reports it).
 */
function sameKey(t: ListType, a: Json, b: Json): boolean | null {
  if (t.keys.length === 0) {
    if (a === null || b === null || typeof a === 'object' || typeof b === 'object') return null;
    return a === b;
  }
  if (!isJsonObject(a) || !isJsonObject(b)) return null;
  for (const k of t.keys) {
    const va = hasOwn(a, k) ? a[k] : t.keyDefaults?.[k];
    const vb = hasOwn(b, k) ? b[k] : t.keyDefaults?.[k];
    if (va === undefined || vb === undefined) return null;
    if (!valuesEqual(va, vb)) return false;
  }
  return true;
}

/** Both lists name the same items in the same order (so items pair up by position). */
function sameItemOrder(t: ListType, ll: Json[], rl: Json[]): boolean {
  if (ll.length !== rl.length) return false;
  for (let i = 0; i < ll.length; i++) if (sameKey(t, ll[i]!, rl[i]!) !== true) return false;
  // Keys must also be unique, or the pairing differs from kube's.
  if (ll.length > 1) {
    for (let i = 0; i < ll.length; i++) for (let j = i + 1; j < ll.length; j++) if (sameKey(t, ll[i]!, ll[j]!) !== false) return false;
  }
  return true;
}

function compareNode(w: CompareWalk, l: Json | undefined, r: Json | undefined, t: SType): void {
  const al = atomOf(t, l);
  const ar = atomOf(t, r);
  let leaf: boolean;
  if (r === undefined) leaf = compareAtom(w, al, l, r);
  else if (l === undefined || al === ar) leaf = compareAtom(w, ar, l, r);
  else {
    compareAtom(w, al, l, r);
    leaf = compareAtom(w, ar, l, r);
  }
  if (!leaf) {
    if (l === undefined) w.c.added.insert(toPath(w.path));
    else if (r === undefined) w.c.removed.insert(toPath(w.path));
  }
}

function compareLeaf(w: CompareWalk, l: Json | undefined, r: Json | undefined, t: SType): void {
  if (l === undefined) w.c.added.insert(toPath(w.path));
  else if (r === undefined) w.c.removed.insert(toPath(w.path));
  else if (!typedEqual(r, l, t, w.fr, w.fl)) w.c.modified.insert(toPath(w.path));
}

/** Returns whether the node was handled as a leaf. */
function compareAtom(w: CompareWalk, a: ScalarType | MapType | ListType, l: Json | undefined, r: Json | undefined): boolean {
  switch (a.k) {
    case 'scalar': {
      const le = scalarError(a, l);
      const re = scalarError(a, r);
      if (le !== null && re !== null) {
        const p = pathText(w.path);
        w.errs.push({ path: p, message: 'lhs: ' + le }, { path: p, message: 'rhs: ' + re });
        return false;
      }
      compareLeaf(w, l, r, a);
      return true;
    }
    case 'list': {
      const ll = Array.isArray(l) ? l : null;
      const rl = Array.isArray(r) ? r : null;
      if (!a.associative || ((ll === null || ll.length === 0) && (rl === null || rl.length === 0))) {
        compareLeaf(w, l, r, a);
        return true;
      }
      compareListItems(w, a, ll ?? [], rl ?? []);
      return false;
    }
    case 'map': {
      const lm = isJsonObject(l) ? l : null;
      const rm = isJsonObject(r) ? r : null;
      const zl = w.fl ? a.zero : null;
      const zr = w.fr ? a.zero : null;
      if (a.atomic || ((lm === null || viewEmpty(lm, a, zl)) && (rm === null || viewEmpty(rm, a, zr)))) {
        compareLeaf(w, l, r, a);
        return true;
      }
      zipView(lm, rm, a, zl, zr, (k, lv, rv) => {
        w.path.push(k);
        compareNode(w, lv, rv, childType(a, k) ?? DEDUCED);
        w.path.pop();
      });
      return false;
    }
  }
}

function compareListItems(w: CompareWalk, t: ListType, ll: Json[], rl: Json[]): void {
  if (ll.length <= 8 && sameItemOrder(t, ll, rl)) {
    // The common case (same items, same order): pair them up without keying them.
    for (let i = 0; i < ll.length; i++) {
      w.path.push({ t, item: rl[i]! });
      compareNode(w, ll[i], rl[i], t.elem);
      w.path.pop();
    }
    return;
  }
  // PE → the item, or every item when the key repeats (duplicates compare as one atomic value).
  const all: PathElement[] = [];
  const lv = new Map<string, Json>();
  const rv = new Map<string, Json>();
  let ldup: Map<string, Json[]> | null = null;
  let rdup: Map<string, Json[]> | null = null;
  const index = (list: Json[], into: Map<string, Json>, other: Map<string, Json> | null): Map<string, Json[]> | null => {
    let dup: Map<string, Json[]> | null = null;
    for (let i = 0; i < list.length; i++) {
      const child = list[i]!;
      let pe: PathElement;
      try {
        pe = listItemPE(t, child);
      } catch (e) {
        if (!(e instanceof ItemError)) throw e;
        w.errs.push({ path: pathText(w.path), message: `element ${i}: ${e.message}` });
        continue;
      }
      if (into.has(pe.s)) {
        dup ??= new Map();
        const d = dup.get(pe.s);
        if (d !== undefined) d.push(child);
        else dup.set(pe.s, [into.get(pe.s)!, child]);
      } else {
        into.set(pe.s, child);
        if (other === null || !other.has(pe.s)) all.push(pe);
      }
    }
    return dup;
  };
  ldup = index(ll, lv, null);
  rdup = index(rl, rv, lv);
  for (const pe of all) {
    const ls = ldup?.get(pe.s);
    const rs = rdup?.get(pe.s);
    w.path.push(pe);
    if (ls === undefined && rs === undefined) {
      compareNode(w, lv.get(pe.s), rv.get(pe.s), t.elem);
    } else if (ls !== undefined && rs !== undefined) {
      if (ls.length !== rs.length || ls.some((x, i) => !valuesEqual(x, rs[i]))) w.c.modified.insert(toPath(w.path));
    } else if (ls !== undefined) {
      const r = rv.get(pe.s);
      if (r !== undefined) compareNode(w, undefined, r, t.elem);
      w.c.removed.insert(toPath(w.path));
    } else {
      const l = lv.get(pe.s);
      if (l !== undefined) compareNode(w, l, undefined, t.elem);
      w.c.added.insert(toPath(w.path));
    }
    w.path.pop();
  }
}

// ---------------------------------------------------------------------------
// Merge

/**
 * TypedValue.Merge with ruleKeepRHS: rhs (the applied configuration) wins
 * leaf by leaf; granular maps merge key by key, associative lists item by
 * item (in kube's order). The result is built fresh: it shares no object with
 * either input.
 */
export function merge(lhs: Json, rhs: Json, t: SType): Json {
  sawNull = false;
  const errs: Array<{ path: string; message: string }> = [];
  const out = mergeNode(lhs, rhs, t, errs, [] as Step[]);
  if (errs.length > 0) throw new SmdError(errs);
  return out === undefined ? null : out;
}

/** Whether the last merge copied a null into its result (dropNulls then has work to do). */
let sawNull = false;

export function mergeSawNull(): boolean {
  return sawNull;
}

export function cloneJson(v: Json): Json {
  if (v === null) {
    sawNull = true;
    return v;
  }
  if (typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(cloneJson);
  const o: JsonObject = {};
  for (const k in v) o[k] = cloneJson(v[k]!);
  return o;
}

function keepRHS(l: Json | undefined, r: Json | undefined): Json | undefined {
  if (r !== undefined) return cloneJson(r);
  return l === undefined ? undefined : cloneJson(l);
}

function mergeNode(l: Json | undefined, r: Json | undefined, t: SType, errs: Array<{ path: string; message: string }>, path: Step[]): Json | undefined {
  const al = atomOf(t, l);
  const ar = atomOf(t, r);
  if (r === undefined) return mergeAtom(al, l, r, errs, path);
  if (l === undefined || al === ar) return mergeAtom(ar, l, r, errs, path);
  mergeAtom(al, l, r, errs, path);
  return mergeAtom(ar, l, r, errs, path);
}

function mergeAtom(
  a: ScalarType | MapType | ListType,
  l: Json | undefined,
  r: Json | undefined,
  errs: Array<{ path: string; message: string }>,
  path: Step[],
): Json | undefined {
  switch (a.k) {
    case 'scalar': {
      const le = scalarError(a, l);
      const re = scalarError(a, r);
      if (le !== null && re !== null) {
        const p = pathText(path);
        errs.push({ path: p, message: 'lhs: ' + le }, { path: p, message: 'rhs: ' + re });
        return undefined;
      }
      return keepRHS(l, r);
    }
    case 'list': {
      const ll = Array.isArray(l) ? l : null;
      const rl = Array.isArray(r) ? r : null;
      if (!a.associative || ((ll === null || ll.length === 0) && (rl === null || rl.length === 0))) return keepRHS(l, r);
      return mergeListItems(a, ll ?? [], rl ?? [], errs, path);
    }
    case 'map': {
      const lm = isJsonObject(l) ? l : null;
      const rm = isJsonObject(r) ? r : null;
      if (a.atomic || ((lm === null || isEmptyJson(lm)) && (rm === null || isEmptyJson(rm)))) return keepRHS(l, r);
      const out: JsonObject = {};
      let n = 0;
      if (lm !== null) {
        for (const k in lm) {
          path.push(k);
          const v = mergeNode(lm[k], rm !== null && hasOwn(rm, k) ? rm[k] : undefined, childType(a, k) ?? DEDUCED, errs, path);
          path.pop();
          if (v !== undefined) {
            out[k] = v;
            n++;
          }
        }
      }
      if (rm !== null) {
        for (const k in rm) {
          if (lm !== null && hasOwn(lm, k)) continue;
          path.push(k);
          const v = mergeNode(undefined, rm[k], childType(a, k) ?? DEDUCED, errs, path);
          path.pop();
          if (v !== undefined) {
            out[k] = v;
            n++;
          }
        }
      }
      return n > 0 ? out : undefined;
    }
  }
}

function indexItems(
  t: ListType,
  list: Json[],
  allowDuplicates: boolean,
  errs: Array<{ path: string; message: string }>,
  path: Step[],
): { pes: PathElement[]; observed: Map<string, Json> } {
  const pes: PathElement[] = [];
  const observed = new Map<string, Json>();
  for (let i = 0; i < list.length; i++) {
    const child = list[i]!;
    let pe: PathElement;
    try {
      pe = listItemPE(t, child);
    } catch (e) {
      if (!(e instanceof ItemError)) throw e;
      errs.push({ path: pathText(path), message: `element ${i}: ${e.message}` });
      continue;
    }
    if (observed.has(pe.s)) {
      if (!allowDuplicates) {
        errs.push({ path: pathText(path), message: `duplicate entries for key ${peString(pe)}` });
        continue;
      }
      // Duplicated live items are not merged with the applied one.
      observed.set(pe.s, null);
    } else observed.set(pe.s, child);
    pes.push(pe);
  }
  return { pes, observed };
}

/** mergingWalker.visitListItems: items keep the live order, applied items slot in where the applied order asks. */
function mergeListItems(t: ListType, ll: Json[], rl: Json[], errs: Array<{ path: string; message: string }>, path: Step[]): Json | undefined {
  if (ll.length <= 8 && sameItemOrder(t, ll, rl)) {
    // Same items in the same order: kube's walk pairs them up by position.
    const out: Json[] = [];
    for (let i = 0; i < ll.length; i++) {
      path.push({ t, item: rl[i]! });
      const v = mergeNode(ll[i], rl[i], t.elem, errs, path);
      path.pop();
      if (v !== undefined) out.push(v);
    }
    return out.length > 0 ? out : undefined;
  }
  const before = errs.length;
  const r = indexItems(t, rl, false, errs, path);
  const l = indexItems(t, ll, true, errs, path);
  if (errs.length > before) return undefined;
  const out: Json[] = [];
  const shared = r.pes.filter((pe) => l.observed.has(pe.s));
  let si = 0;
  let nextShared: PathElement | undefined = shared[si++];
  const mergedRHS = new Set<string>();
  const item = (pe: PathElement, lc: Json | undefined, rc: Json | undefined): void => {
    path.push(pe);
    const v = mergeNode(lc, rc, t.elem, errs, path);
    path.pop();
    if (v !== undefined) out.push(v);
  };
  const lLen = l.pes.length;
  const rLen = r.pes.length;
  let lI = 0;
  let rI = 0;
  while (lI < lLen || rI < rLen) {
    if (lI < lLen && rI < rLen) {
      const pe = l.pes[lI]!;
      if (pe.s === r.pes[rI]!.s) {
        mergedRHS.add(pe.s);
        item(pe, l.observed.get(pe.s), r.observed.get(pe.s));
        lI++;
        rI++;
        nextShared = shared[si++];
        continue;
      }
      if (r.observed.has(pe.s) && nextShared !== undefined && nextShared.s !== pe.s) {
        // A shared item, but not the one due now.
        lI++;
        continue;
      }
    }
    if (lI < lLen) {
      const pe = l.pes[lI]!;
      if (!r.observed.has(pe.s)) {
        item(pe, ll[lI], undefined);
        lI++;
        continue;
      } else if (mergedRHS.has(pe.s)) {
        lI++;
      }
    }
    if (rI < rLen) {
      const pe = r.pes[rI]!;
      mergedRHS.add(pe.s);
      item(pe, l.observed.get(pe.s), r.observed.get(pe.s));
      rI++;
      if (nextShared !== undefined && nextShared.s === pe.s) nextShared = shared[si++];
    }
  }
  return out.length > 0 ? out : undefined;
}

/**
 * What a Go struct keeps of explicit nulls: nothing (a null decodes to the
 * zero value, which encodes as absent). Applied to built-in objects after a
 * merge, so a `null` in an apply body unsets the field rather than storing it.
 */
export function dropNulls(v: Json): Json {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = dropNulls(v[i]!);
    return v;
  }
  for (const k of Object.keys(v)) {
    if (v[k] === null) delete v[k];
    else v[k] = dropNulls(v[k]!);
  }
  return v;
}

// ---------------------------------------------------------------------------
// RemoveItems

/**
 * TypedValue.RemoveItems: drops every map key and list item whose path is in
 * `toRemove`. Where Go leaves a `null` for a map or list emptied this way, the
 * key is dropped instead (a Go object serialises the nil map/slice as absent).
 */
export function removeItems(v: Json, toRemove: FieldSet, t: SType): Json {
  if (toRemove.empty()) return v;
  const out = removeNode(v, toRemove, t);
  if (out !== undefined) return out;
  return isJsonObject(v) ? {} : Array.isArray(v) ? [] : null;
}

function removeNode(v: Json, toRemove: FieldSet, t: SType): Json | undefined {
  const a = atomOf(t, v);
  switch (a.k) {
    case 'scalar':
      return v;
    case 'list': {
      if (!Array.isArray(v) || v.length === 0 || !a.associative) return v;
      const items: Json[] = [];
      for (const item of v) {
        const pe = tryItemPE(a, item);
        if (pe === null) {
          items.push(item);
          continue;
        }
        if (toRemove.hasMember(pe)) continue;
        const sub = toRemove.withPrefix(pe);
        if (!sub.empty()) {
          const r = removeNode(item, sub, a.elem);
          items.push(r === undefined ? (isJsonObject(item) ? {} : null) : r);
        } else items.push(item);
      }
      return items.length > 0 ? items : undefined;
    }
    case 'map': {
      if (!isJsonObject(v) || a.atomic || isEmptyJson(v)) return v;
      const out: JsonObject = {};
      let n = 0;
      for (const k in v) {
        const pe = fieldElement(k);
        if (toRemove.hasMember(pe)) continue;
        let val: Json | undefined = v[k]!;
        const sub = toRemove.withPrefix(pe);
        if (!sub.empty()) val = removeNode(val, sub, childType(a, k) ?? DEDUCED);
        if (val === undefined) continue;
        out[k] = val;
        n++;
      }
      return n > 0 ? out : undefined;
    }
  }
}

// ---------------------------------------------------------------------------
// EnsureNamedFieldsAreMembers

/** Adds, as members, the struct fields that are only parents in `s` (so removing them removes the whole field). */
export function ensureNamedFieldsAreMembers(s: FieldSet, t: SType | null): FieldSet {
  // A deduced atom is a map and a list at once.
  const multi = t !== null && (t.k === 'deduced' || t.k === 'untypedAtomic');
  const asMap = t === null ? null : t.k === 'deduced' ? DEDUCED_MAP : t.k === 'untypedAtomic' ? ATOMIC_MAP : t.k === 'map' ? t : null;
  const asList = multi ? ATOMIC_LIST : t !== null && t.k === 'list' ? t : null;
  let hasChildren = false;
  for (const n of s.entries()) if (n.set !== null) hasChildren = true;
  if (!hasChildren) return s;
  return s.map((n) => {
    if (n.set === null) return n;
    let ct: SType | null = null;
    let member = n.member;
    if (n.pe.t === 0 && asMap !== null) {
      if (declared(asMap, n.pe.name)) member = true;
      ct = childType(asMap, n.pe.name);
    } else if (n.pe.t === 1 && asList !== null) {
      ct = asList.elem;
    }
    return { pe: n.pe, member, set: ensureNamedFieldsAreMembers(n.set, ct) };
  });
}
