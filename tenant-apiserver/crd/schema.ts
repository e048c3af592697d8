// The structural-schema engine for custom resources, in the order
// apiextensions-apiserver applies it to a request body and to stored data:
// prune unknown fields (structural pruning), drop non-nullable nulls, apply
// `default`s, then validate values with kube-openapi's rules and messages
// (`spec.replicas in body must be of type integer: "string"`).
//
// Paths follow kube-openapi: `spec.items[0].name`, map values as `.key`.
// `x-kubernetes-validations` (CEL) rules are not evaluated: there is no CEL
// interpreter here; the CRD is accepted and the rules are published in OpenAPI.

import type { FieldError } from '../api/errors.js';
import { isObject } from '../api/types.js';
import { goQuote } from '../api/goquote.js';
import type { JSONSchemaProps } from './types.js';

export type Json = unknown;

function child(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function index(path: string, i: number): string {
  return `${path}[${i}]`;
}

function itemsOf(s: JSONSchemaProps): JSONSchemaProps | undefined {
  return isObject(s.items) ? (s.items as JSONSchemaProps) : undefined;
}

function additionalOf(s: JSONSchemaProps): JSONSchemaProps | boolean | undefined {
  const a = s.additionalProperties;
  if (a === undefined || a === null) return undefined;
  return typeof a === 'boolean' ? a : isObject(a) ? (a as JSONSchemaProps) : undefined;
}

// ---- pruning --------------------------------------------------------------------------------------------------------

export interface PruneOptions {
  /** The schema is a resource's root: apiVersion, kind and metadata are never pruned here. */
  isResourceRoot?: boolean;
}

/**
 * Structural pruning: removes every field the schema does not specify (unless
 * under `x-kubernetes-preserve-unknown-fields`), mutating `value`. Returns the
 * removed paths, as kube's `unknown field "spec.foo"` warnings name them.
 */
export function pruneUnknownFields(value: Json, schema: JSONSchemaProps | undefined, opts: PruneOptions = {}): string[] {
  const pruned: string[] = [];
  pruneWalk(value, schema, '', opts.isResourceRoot ?? true, pruned);
  return pruned;
}

function pruneWalk(value: Json, s: JSONSchemaProps | undefined, path: string, resourceRoot: boolean, out: string[]): void {
  if (!s) return;
  if (Array.isArray(value)) {
    const items = itemsOf(s);
    if (items) value.forEach((v, i) => pruneWalk(v, items, index(path, i), false, out));
    return;
  }
  if (!isObject(value)) return;
  const embedded = resourceRoot || s['x-kubernetes-embedded-resource'] === true;
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
  const props = isObject(s.properties) ? s.properties : undefined;
  const additional = additionalOf(s);
  for (const key of Object.keys(value)) {
    // TypeMeta and ObjectMeta of a resource (and of embedded ones) are the server's to check, not the schema's.
    if (embedded && (key === 'apiVersion' || key === 'kind' || key === 'metadata')) {
      if (key === 'metadata' || !props?.[key]) continue;
    }
    const p = props?.[key];
    if (p) {
      pruneWalk(value[key], p, child(path, key), false, out);
    } else if (isObject(additional)) {
      pruneWalk(value[key], additional, child(path, key), false, out);
    } else if (additional === true || preserve) {
      continue;
    } else {
      delete value[key];
      out.push(child(path, key));
    }
  }
}

// ---- nulls and defaults ---------------------------------------------------------------------------------------------

function isNonNullableNull(v: Json, s: JSONSchemaProps): boolean {
  return v === null && s.nullable !== true;
}

/**
 * kube's PruneNonNullableNullsWithoutDefaults: a `null` for a field that is
 * neither nullable nor defaulted is dropped, so it reads as absent.
 */
export function pruneNonNullableNulls(value: Json, s: JSONSchemaProps | undefined): void {
  if (!s) return;
  if (Array.isArray(value)) {
    const items = itemsOf(s);
    if (items) for (const v of value) pruneNonNullableNulls(v, items);
    return;
  }
  if (!isObject(value)) return;
  const props = isObject(s.properties) ? s.properties : {};
  const additional = additionalOf(s);
  for (const key of Object.keys(value)) {
    const p = props[key] ?? (isObject(additional) ? additional : undefined);
    if (!p) continue;
    if (isNonNullableNull(value[key], p) && p.default === undefined) delete value[key];
    else pruneNonNullableNulls(value[key], p);
  }
}

/**
 * Structural defaulting: every missing (or non-nullable null) property with a
 * `default` gets a copy of it; then defaults inside are applied too. Mutates.
 */
export function applyDefaults(value: Json, s: JSONSchemaProps | undefined): void {
  if (!s) return;
  if (Array.isArray(value)) {
    const items = itemsOf(s);
    if (items) for (const v of value) applyDefaults(v, items);
    return;
  }
  if (!isObject(value)) return;
  const props = isObject(s.properties) ? s.properties : {};
  for (const [key, p] of Object.entries(props)) {
    if (!isObject(p) || p.default === undefined) continue;
    if (!(key in value) || isNonNullableNull(value[key], p)) value[key] = structuredClone(p.default);
  }
  const additional = additionalOf(s);
  for (const key of Object.keys(value)) {
    const p = props[key] ?? (isObject(additional) ? additional : undefined);
    if (p) applyDefaults(value[key], p);
  }
}

// ---- validation -----------------------------------------------------------------------------------------------------

/** The JSON type kube-openapi reports for a value (int64 → integer, float64 → number). */
export function jsonType(v: Json): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'boolean';
    case 'number':
      return Number.isInteger(v) ? 'integer' : 'number';
    default:
      return 'object';
  }
}

/** Go's `%v` for a float64 (strconv 'g', shortest): 1e+06, 0.5, 123456. */
export function goFloat(n: number): string {
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN';
  if (n === 0) return '0';
  const [mant, expStr] = n.toExponential().split('e') as [string, string];
  const exp = Number(expStr);
  const digits = mant.replace('-', '').replace('.', '').length;
  let eprec = 6;
  if (eprec > digits && digits >= exp + 1) eprec = digits;
  if (exp < -4 || exp >= eprec) {
    const e = Math.abs(exp);
    return `${mant}e${exp < 0 ? '-' : '+'}${e < 10 ? '0' + e : e}`;
  }
  return String(n);
}

const regexCache = new Map<string, RegExp | null>();

/** Go RE2 patterns are mostly valid ECMAScript; ones that are not are reported when the CRD is validated. */
export function compilePattern(p: string): RegExp | null {
  let r = regexCache.get(p);
  if (r === undefined) {
    try {
      r = new RegExp(p, 'u');
    } catch {
      try {
        r = new RegExp(p);
      } catch {
        r = null;
      }
    }
    if (regexCache.size > 1000) regexCache.clear();
    regexCache.set(p, r);
  }
  return r;
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const UUID3 = /^[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const UUID4 = /^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i;
const UUID5 = /^[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i;
const IPV4 = /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const HOSTNAME = /^(?=.{1,255}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
const MAC = /^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$/;
const BYTE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const EMAIL = /^[^\s@]+@[^\s@]+$/;
const DURATION = /^([+-]?(\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h|d|w))+$/;
const HEXCOLOR = /^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;
const BSON = /^[0-9a-fA-F]{24}$/;

function validDate(y: number, m: number, d: number): boolean {
  const dt = new Date(Date.UTC(y, m - 1, d));
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === m - 1 && dt.getUTCDate() === d;
}

function isIPv6(s: string): boolean {
  if (!s.includes(':')) return false;
  const [head, ...rest] = s.split('::');
  if (rest.length > 1) return false;
  const groups = (x: string) => (x === '' ? [] : x.split(':'));
  const all = [...groups(head!), ...groups(rest[0] ?? '')];
  let count = 0;
  for (let i = 0; i < all.length; i++) {
    const g = all[i]!;
    if (i === all.length - 1 && IPV4.test(g)) count += 2;
    else if (/^[0-9a-fA-F]{1,4}$/.test(g)) count += 1;
    else return false;
  }
  return rest.length === 1 ? count < 8 : count === 8;
}

/** strfmt's validators for the formats kube documents; unknown formats pass. */
export function formatValid(format: string, v: string): boolean {
  switch (format) {
    case 'date-time':
    case 'datetime': {
      const m = DATE_TIME.exec(v);
      return !!m && validDate(Number(m[1]), Number(m[2]), Number(m[3])) && Number(m[4]) < 24 && Number(m[5]) < 60 && Number(m[6]) < 61;
    }
    case 'date': {
      const m = DATE.exec(v);
      return !!m && validDate(Number(m[1]), Number(m[2]), Number(m[3]));
    }
    case 'uuid':
      return UUID.test(v);
    case 'uuid3':
      return UUID3.test(v);
    case 'uuid4':
      return UUID4.test(v);
    case 'uuid5':
      return UUID5.test(v);
    case 'ipv4':
      return IPV4.test(v);
    case 'ipv6':
      return isIPv6(v);
    case 'cidr': {
      const [ip, bits, ...more] = v.split('/');
      if (more.length || bits === undefined || !/^\d+$/.test(bits)) return false;
      if (IPV4.test(ip!)) return Number(bits) <= 32;
      return isIPv6(ip!) && Number(bits) <= 128;
    }
    case 'mac':
      return MAC.test(v);
    case 'hostname':
      return HOSTNAME.test(v);
    case 'email':
      return EMAIL.test(v);
    case 'byte':
      return BYTE.test(v);
    case 'duration':
      return DURATION.test(v);
    case 'hexcolor':
      return HEXCOLOR.test(v);
    case 'bsonobjectid':
      return BSON.test(v);
    default:
      return true;
  }
}

/** Deep equality of JSON values (enum membership, set and map list keys). */
export function jsonEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && jsonEqual(a[k], b[k]));
  }
  return false;
}

function typeMatches(t: string, actual: string, intOrString: boolean): boolean {
  if (intOrString) return actual === 'integer' || actual === 'string';
  if (t === 'number') return actual === 'number' || actual === 'integer';
  return t === actual;
}

/** Go's `%v` for an enum list element in `should be one of [a b]`-style messages is not used: NotSupported lists values. */
function enumValueString(v: Json): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** A Go-ish rendering of a map value for Duplicate errors of map lists. */
function goMapValue(v: Json): string {
  if (!isObject(v)) return JSON.stringify(v);
  const parts = Object.keys(v)
    .sort()
    .map((k) => `${goQuote(k)}:${typeof v[k] === 'string' ? goQuote(v[k] as string) : JSON.stringify(v[k])}`);
  return `map[string]interface {}{${parts.join(', ')}}`;
}

function runeLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

export interface ValidateOptions {
  /** The schema is a resource's root: metadata is validated by ObjectMeta rules, not here (except name/generateName). */
  isResourceRoot?: boolean;
  /** The value's own path, when it is not a whole object (defaults are validated where they apply). */
  path?: string;
}

/**
 * Validates a value against a structural schema with kube-openapi's rules,
 * returning kube's field errors (the `kubeOpenAPIResultToFieldErrors` mapping).
 */
export function validateValue(value: Json, schema: JSONSchemaProps, opts: ValidateOptions = {}): FieldError[] {
  const errs: FieldError[] = [];
  walkValidate(value, schema, opts.path ?? '', errs, opts.isResourceRoot ?? true);
  return errs;
}

function typeError(path: string, typeName: string, actual: string): FieldError {
  return { type: 'FieldValueTypeInvalid', field: path || '<nil>', value: actual, detail: `${path} in body must be of type ${typeName}: ${goQuote(actual)}` };
}

function walkValidate(v: Json, s: JSONSchemaProps, path: string, errs: FieldError[], resourceRoot: boolean): void {
  const intOrString = s['x-kubernetes-int-or-string'] === true;
  const declared = intOrString ? 'integer,string' : typeof s.type === 'string' ? s.type : '';
  const actual = jsonType(v);
  if (v === null || v === undefined) {
    if (declared && s.nullable !== true) errs.push(typeError(path, declared, 'null'));
    return;
  }
  if (declared && !typeMatches(declared, actual, intOrString)) {
    errs.push(typeError(path, declared, actual));
    return;
  }
  // Value validations under logical junctors (structural schemas allow only these there).
  for (const sub of Array.isArray(s.allOf) ? s.allOf : []) if (isObject(sub)) walkValidate(v, sub, path, errs, false);
  if (Array.isArray(s.anyOf) && s.anyOf.length > 0) {
    const ok = s.anyOf.some((sub) => isObject(sub) && subValid(v, sub, path));
    if (!ok) errs.push({ type: 'FieldValueInvalid', field: '<nil>', value: '', detail: `${goQuote(path)} must validate at least one schema (anyOf)` });
  }
  if (Array.isArray(s.oneOf) && s.oneOf.length > 0) {
    const n = s.oneOf.filter((sub) => isObject(sub) && subValid(v, sub, path)).length;
    if (n !== 1) errs.push({ type: 'FieldValueInvalid', field: '<nil>', value: '', detail: `${goQuote(path)} must validate one and only one schema (oneOf). ${n === 0 ? 'Found none valid' : `Found ${n} valid alternatives`}` });
  }
  if (isObject(s.not) && subValid(v, s.not, path)) {
    errs.push({ type: 'FieldValueInvalid', field: '<nil>', value: '', detail: `${goQuote(path)} must not validate the schema (not)` });
  }
  if (Array.isArray(s.enum) && s.enum.length > 0 && !s.enum.some((e) => jsonEqual(e, v))) {
    const supported = s.enum.map(enumValueString);
    errs.push({ type: 'FieldValueNotSupported', field: path, value: v, detail: 'supported values: ' + supported.map((x) => goQuote(x)).join(', ') });
  }
  switch (actual) {
    case 'string':
      validateString(v as string, s, path, errs);
      break;
    case 'integer':
    case 'number':
      validateNumber(v as number, s, path, errs);
      break;
    case 'array':
      validateArray(v as Json[], s, path, errs);
      break;
    case 'object':
      validateObject(v as Record<string, Json>, s, path, errs, resourceRoot);
      break;
  }
}

function subValid(v: Json, s: JSONSchemaProps, path: string): boolean {
  const e: FieldError[] = [];
  walkValidate(v, s, path, e, false);
  return e.length === 0;
}

function validateString(v: string, s: JSONSchemaProps, path: string, errs: FieldError[]): void {
  if (typeof s.maxLength === 'number' && runeLength(v) > s.maxLength) {
    errs.push({ type: 'FieldValueTooLong', field: path, value: v, detail: `may not be more than ${s.maxLength} bytes` });
  }
  if (typeof s.minLength === 'number' && runeLength(v) < s.minLength) {
    errs.push({ type: 'FieldValueInvalid', field: path, value: v, detail: `${path} in body should be at least ${s.minLength} chars long` });
  }
  if (typeof s.pattern === 'string') {
    const re = compilePattern(s.pattern);
    if (re && !re.test(v)) errs.push({ type: 'FieldValueInvalid', field: path, value: v, detail: `${path} in body should match '${s.pattern}'` });
  }
  if (typeof s.format === 'string' && s.format !== '' && !formatValid(s.format, v)) {
    errs.push({ type: 'FieldValueTypeInvalid', field: path, value: v, detail: `${path} in body must be of type ${s.format}: ${goQuote(v)}` });
  }
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

function validateNumber(v: number, s: JSONSchemaProps, path: string, errs: FieldError[]): void {
  if (s.format === 'int32' && Number.isInteger(v) && (v < INT32_MIN || v > INT32_MAX)) {
    errs.push({ type: 'FieldValueTypeInvalid', field: path, value: v, detail: `${path} in body must be of type int32: ${goQuote(String(v))}` });
  }
  if (typeof s.multipleOf === 'number' && s.multipleOf > 0) {
    const q = v / s.multipleOf;
    if (Math.abs(q - Math.round(q)) > 1e-9) {
      errs.push({ type: 'FieldValueInvalid', field: path, value: v, detail: `${path} in body should be a multiple of ${goFloat(s.multipleOf)}` });
    }
  }
  if (typeof s.maximum === 'number') {
    const bad = s.exclusiveMaximum ? v >= s.maximum : v > s.maximum;
    if (bad) {
      errs.push({ type: 'FieldValueInvalid', field: path, value: v, detail: `${path} in body should be less than ${s.exclusiveMaximum ? '' : 'or equal to '}${goFloat(s.maximum)}` });
    }
  }
  if (typeof s.minimum === 'number') {
    const bad = s.exclusiveMinimum ? v <= s.minimum : v < s.minimum;
    if (bad) {
      errs.push({ type: 'FieldValueInvalid', field: path, value: v, detail: `${path} in body should be greater than ${s.exclusiveMinimum ? '' : 'or equal to '}${goFloat(s.minimum)}` });
    }
  }
}

function validateArray(v: Json[], s: JSONSchemaProps, path: string, errs: FieldError[]): void {
  if (typeof s.maxItems === 'number' && v.length > s.maxItems) {
    errs.push({ type: 'FieldValueTooMany', field: path, value: v.length, detail: `must have at most ${s.maxItems} items` });
  }
  if (typeof s.minItems === 'number' && v.length < s.minItems) {
    errs.push({ type: 'FieldValueInvalid', field: path, value: v.length, detail: `${path} in body should have at least ${s.minItems} items` });
  }
  const items = itemsOf(s);
  if (items) v.forEach((x, i) => walkValidate(x, items, index(path, i), errs, false));
  // x-kubernetes-list-type: set and map lists may not repeat an item / a key.
  const listType = s['x-kubernetes-list-type'];
  if (listType === 'set') {
    for (let i = 1; i < v.length; i++) {
      if (v.slice(0, i).some((x) => jsonEqual(x, v[i]))) errs.push({ type: 'FieldValueDuplicate', field: index(path, i), value: v[i] });
    }
  } else if (listType === 'map' && Array.isArray(s['x-kubernetes-list-map-keys'])) {
    const keys = s['x-kubernetes-list-map-keys'];
    const keyOf = (x: Json) => (isObject(x) ? keys.map((k) => x[k]) : [x]);
    for (let i = 1; i < v.length; i++) {
      const k = keyOf(v[i]);
      if (v.slice(0, i).some((x) => jsonEqual(keyOf(x), k))) {
        const shown: Record<string, Json> = {};
        keys.forEach((name, j) => (shown[name] = k[j]));
        errs.push({ type: 'FieldValueDuplicate', field: index(path, i), detail: goMapValue(shown) });
      }
    }
  }
}

function validateObject(v: Record<string, Json>, s: JSONSchemaProps, path: string, errs: FieldError[], resourceRoot: boolean): void {
  const n = Object.keys(v).length;
  if (typeof s.maxProperties === 'number' && n > s.maxProperties) {
    errs.push({ type: 'FieldValueTooMany', field: path, value: n, detail: `must have at most ${s.maxProperties} items` });
  }
  if (typeof s.minProperties === 'number' && n < s.minProperties) {
    errs.push({ type: 'FieldValueInvalid', field: path, value: n, detail: `${path} in body should have at least ${s.minProperties} properties` });
  }
  for (const r of Array.isArray(s.required) ? s.required : []) {
    if (!(r in v) || v[r] === undefined) errs.push({ type: 'FieldValueRequired', field: child(path, r) });
  }
  const props = isObject(s.properties) ? s.properties : {};
  const additional = additionalOf(s);
  const embedded = resourceRoot || s['x-kubernetes-embedded-resource'] === true;
  for (const key of Object.keys(v)) {
    const p = props[key];
    if (embedded && key === 'metadata') {
      // ObjectMeta is validated by the server's metadata rules; a schema may only restrict name and generateName.
      const meta = v[key];
      if (p && isObject(meta) && isObject(p.properties)) {
        for (const f of ['name', 'generateName']) {
          const fp = p.properties[f];
          if (fp && meta[f] !== undefined) walkValidate(meta[f], fp, child(child(path, 'metadata'), f), errs, false);
        }
      }
      continue;
    }
    if (p) walkValidate(v[key], p, child(path, key), errs, false);
    else if (isObject(additional)) walkValidate(v[key], additional, child(path, key), errs, false);
  }
  if (!resourceRoot && s['x-kubernetes-embedded-resource'] === true) {
    for (const f of ['apiVersion', 'kind']) {
      if (typeof v[f] !== 'string' || v[f] === '') errs.push({ type: 'FieldValueRequired', field: child(path, f), detail: 'must not be empty' });
    }
  }
}
