// Small shared pieces for strategies: typed access into plain JSON objects,
// field-error constructors worded like k8s.io/apimachinery's field package,
// Go `%#v` renderings for values kube prints that way, and semantic equality.

import { badRequest, fieldErrorMessage, type FieldError } from '../errors.js';
import { goQuote } from '../goquote.js';
import type { StrategyContext } from '../strategy.js';
import { deepClone, isObject, type KubeObject } from '../types.js';

export type Obj = Record<string, unknown>;

// ---- typed access ---------------------------------------------------------------------------------------------------

export function asObj(v: unknown): Obj | undefined {
  return isObject(v) ? v : undefined;
}

/** parent[key] as an object, created (and stored) when missing. */
export function ensureObj(parent: Obj, key: string): Obj {
  const v = parent[key];
  if (isObject(v)) return v;
  const o: Obj = {};
  parent[key] = o;
  return o;
}

export function asArr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** Array elements that are objects (others are skipped: schema validation reports them). */
export function objs(v: unknown): Obj[] {
  return asArr(v).filter(isObject);
}

export function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function strMap(v: unknown): Record<string, string> | undefined {
  if (!isObject(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return out;
}

/** obj.spec, created when missing (strategies default into it). */
export function specOf(o: KubeObject): Obj {
  return ensureObj(o as Obj, 'spec');
}

export function metaOf(o: KubeObject): Obj {
  return ensureObj(o as Obj, 'metadata');
}

/** Set key to value when it is absent (undefined or null): kube's `if x == nil { x = default }`. */
export function setDefault(o: Obj, key: string, value: unknown): void {
  if (o[key] === undefined || o[key] === null) o[key] = value;
}

/** Set key when absent or the empty string: kube's `if x == "" { x = default }`. */
export function setDefaultStr(o: Obj, key: string, value: string): void {
  if (o[key] === undefined || o[key] === null || o[key] === '') o[key] = value;
}

// ---- equality -------------------------------------------------------------------------------------------------------

/** Key-sorted copy without undefined members, so equality ignores property order. */
export function canonicalJson(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonicalJson);
  if (isObject(v)) {
    const out: Obj = {};
    for (const k of Object.keys(v).sort()) if (v[k] !== undefined) out[k] = canonicalJson(v[k]);
    return out;
  }
  return v;
}

/** Deep equality of JSON values (apiequality.Semantic.DeepEqual for our plain objects). */
export function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonicalJson(a)) === JSON.stringify(canonicalJson(b));
}

export function clone<T>(v: T): T {
  return v === undefined ? v : deepClone(v);
}

// ---- field errors ---------------------------------------------------------------------------------------------------

export const FIELD_IMMUTABLE = 'field is immutable';

export function required(field: string, detail = ''): FieldError {
  return detail ? { type: 'FieldValueRequired', field, detail } : { type: 'FieldValueRequired', field };
}

export function invalid(field: string, value: unknown, detail: string): FieldError {
  return { type: 'FieldValueInvalid', field, value: value === undefined ? null : value, detail };
}

/**
 * An Invalid error whose value kube prints with `%#v` (maps, slices, structs):
 * the Go rendering is placed verbatim, unquoted, where the value goes.
 */
export function invalidGo(field: string, goValue: string, detail: string): FieldError {
  return { type: 'FieldValueInvalid', field, detail: detail ? `${goValue}: ${detail}` : goValue };
}

/** `Unsupported value: "X": supported values: "A", "B"` (values quoted as strconv.Quote does). */
export function notSupported(field: string, value: unknown, supported: readonly string[]): FieldError {
  const e: FieldError = { type: 'FieldValueNotSupported', field, value: value === undefined ? '' : value };
  if (supported.length > 0) e.detail = 'supported values: ' + supported.map((s) => goQuote(s)).join(', ');
  return e;
}

export function forbidden(field: string, detail: string): FieldError {
  return { type: 'FieldValueForbidden', field, detail };
}

export function duplicate(field: string, value: unknown): FieldError {
  return { type: 'FieldValueDuplicate', field, value };
}

/** Duplicate whose value kube prints with `%#v`. */
export function duplicateGo(field: string, goValue: string, detail = ''): FieldError {
  return { type: 'FieldValueDuplicate', field, detail: detail ? `${goValue}: ${detail}` : goValue };
}

export function tooLong(field: string, maxBytes: number): FieldError {
  return { type: 'FieldValueTooLong', field, detail: `may not be more than ${maxBytes} ${maxBytes === 1 ? 'byte' : 'bytes'}` };
}

export function tooMany(field: string, actual: number, max: number): FieldError {
  return { type: 'FieldValueTooMany', field, value: actual, detail: `must have at most ${max} items` };
}

// errors.ts has no FieldValueNotFound yet; use it when it appears, else the
// closest wording we can render (`Invalid value: "x": not found`).
const NOT_FOUND_SUPPORTED = (() => {
  try {
    return fieldErrorMessage({ type: 'FieldValueNotFound' as FieldError['type'], field: 'f', value: 'v' }) === 'f: Not found: "v"';
  } catch {
    return false;
  }
})();

/** `Not found: "x"` (field.NotFound). */
export function notFound(field: string, value: unknown, detail = ''): FieldError {
  if (NOT_FOUND_SUPPORTED) {
    const e: FieldError = { type: 'FieldValueNotFound' as FieldError['type'], field, value };
    if (detail) e.detail = detail;
    return e;
  }
  return { type: 'FieldValueInvalid', field, value, detail: detail ? `not found: ${detail}` : 'not found' };
}

/** ValidateImmutableField: `Invalid value: <new>: field is immutable`. */
export function immutable(field: string, newVal: unknown, oldVal: unknown, goValue?: (v: unknown) => string): FieldError[] {
  if (deepEqual(newVal, oldVal)) return [];
  if (goValue) return [invalidGo(field, goValue(newVal), FIELD_IMMUTABLE)];
  return [invalid(field, newVal === undefined ? null : newVal, FIELD_IMMUTABLE)];
}

/** Prefix every error's field (`spec` + `.template`), for validators written relative to a sub-path. */
export function under(prefix: string, errs: FieldError[]): FieldError[] {
  return errs.map((e) => ({ ...e, field: e.field ? `${prefix}.${e.field}` : prefix }));
}

// ---- decode errors --------------------------------------------------------------------------------------------------

/**
 * kube rejects some malformed values while decoding the body (quantities,
 * base64 bytes) — a 400, not a 422: `Pod in version "v1" cannot be handled as a Pod: …`.
 */
export function decodeError(ctx: Pick<StrategyContext, 'info'>, message: string): Error {
  const kind = ctx.info.kind;
  return badRequest(`${kind} in version "${ctx.info.version}" cannot be handled as a ${kind}: ${message}`);
}

// ---- Go %#v renderings ----------------------------------------------------------------------------------------------

/** `map[string]string{"a":"b", "c":"d"}` (keys sorted, as fmt prints maps). */
export function goStringMap(m: unknown): string {
  if (!isObject(m)) return 'map[string]string(nil)';
  const keys = Object.keys(m).sort();
  return `map[string]string{${keys.map((k) => `${goQuote(k)}:${goQuote(String(m[k]))}`).join(', ')}}`;
}

/** `[]string{"a", "b"}`. */
export function goStringSlice(v: unknown): string {
  if (!Array.isArray(v)) return '[]string(nil)';
  return `[]string{${v.map((s) => goQuote(String(s))).join(', ')}}`;
}

/** `v1.LabelSelector{MatchLabels:map[string]string{…}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}`. */
export function goLabelSelector(sel: unknown): string {
  const s = asObj(sel) ?? {};
  const exprs = s.matchExpressions;
  let e: string;
  if (!Array.isArray(exprs)) e = '[]v1.LabelSelectorRequirement(nil)';
  else {
    e = `[]v1.LabelSelectorRequirement{${exprs
      .map((x) => {
        const r = asObj(x) ?? {};
        return `v1.LabelSelectorRequirement{Key:${goQuote(str(r.key))}, Operator:${goQuote(str(r.operator))}, Values:${goStringSlice(r.values)}}`;
      })
      .join(', ')}}`;
  }
  return `v1.LabelSelector{MatchLabels:${goStringMap(s.matchLabels)}, MatchExpressions:${e}}`;
}

/** intstr.IntOrString as `%#v` prints it. */
export function goIntOrString(v: unknown): string {
  if (typeof v === 'number') return `intstr.IntOrString{Type:0, IntVal:${v}, StrVal:""}`;
  if (typeof v === 'string') return `intstr.IntOrString{Type:1, IntVal:0, StrVal:${goQuote(v)}}`;
  return 'intstr.IntOrString{Type:0, IntVal:0, StrVal:""}';
}
