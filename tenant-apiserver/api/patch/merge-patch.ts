// RFC 7386 JSON merge patch, as kube-apiserver applies it with
// gopkg.in/evanphx/json-patch.v4's MergePatch (handlers/patch.go):
// null deletes a key, objects merge recursively, anything else — arrays
// included — replaces. A body that is not a JSON object is 400 BadRequest:
// `error decoding patch: ...` from the Strict/Warn pre-decode, or "Invalid
// JSON Patch" (the library's ErrBadJSONPatch) for null and under Ignore.
//
// One v4 detail is kept: a value that lands where there was nothing to merge
// into (a new key, or a key whose current value is not an object) has its
// null-valued keys pruned, recursively, including inside objects within
// arrays — while an array that replaces an existing object is taken as is.
//
// Deviation: under fieldValidation=Ignore kube applies an array body and then
// fails to decode the result (422); here every non-object body is a 400.

import { badRequest } from '../errors.js';
import { duplicateFieldError, JsonSyntaxError, parseJson } from '../codec/json.js';
import type { FieldValidation } from './json-patch.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

export const INVALID_MERGE_PATCH = 'Invalid JSON Patch';

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const has = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

function setKey(o: Obj, k: string, v: Json): void {
  // A plain assignment to "__proto__" would change the prototype instead.
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

/** pruneNulls: drops null-valued keys from objects; null array elements stay. */
function pruneNulls(v: Json): Json {
  if (Array.isArray(v)) return v.map((x) => (x === null ? null : pruneNulls(x)));
  if (!isObj(v)) return v;
  const out: Obj = {};
  for (const [k, x] of Object.entries(v)) if (x !== null) setKey(out, k, pruneNulls(x));
  return out;
}

function mergeDocs(doc: Obj, patch: Obj): void {
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) {
      delete doc[k];
      continue;
    }
    const cur = has(doc, k) ? doc[k]! : null;
    if (cur === null) setKey(doc, k, pruneNulls(v));
    else if (!isObj(cur)) setKey(doc, k, pruneNulls(v));
    else if (!isObj(v)) setKey(doc, k, v);
    else mergeDocs(cur, v);
  }
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

export interface DecodedMergePatch {
  patch: { [k: string]: unknown };
  /** `duplicate field "<path>"` per repeated key: warnings under Warn, a 422 after applying under Strict. */
  strictErrors: string[];
}

/**
 * Decodes a merge-patch body as kube does for the given fieldValidation.
 * Strict/Warn (the default) first decode into a map, so malformed or
 * non-object bodies are `error decoding patch: <Go error>`; under Ignore, and
 * for a `null` body, the merge itself refuses with "Invalid JSON Patch".
 */
export function decodeMergePatch(text: string, fieldValidation: FieldValidation = 'Warn'): DecodedMergePatch {
  const strict = fieldValidation !== 'Ignore';
  let parsed: { value: unknown; duplicates: string[] };
  try {
    parsed = parseJson(text);
  } catch (e) {
    if (!(e instanceof JsonSyntaxError)) throw e;
    throw badRequest(strict ? `error decoding patch: ${e.message}` : INVALID_MERGE_PATCH);
  }
  const v = parsed.value;
  if (!isObj(v)) {
    if (strict && v !== null) {
      const kind = Array.isArray(v) ? 'array' : typeof v === 'boolean' ? 'bool' : typeof v;
      throw badRequest(`error decoding patch: json: cannot unmarshal ${kind} into Go value of type map[string]interface {}`);
    }
    throw badRequest(INVALID_MERGE_PATCH);
  }
  return { patch: v, strictErrors: strict ? parsed.duplicates.map(duplicateFieldError) : [] };
}

/** Merges `patch` into a deep copy of `doc` (an object) and returns the copy. */
export function applyMergePatch<T>(doc: T, patch: unknown): T {
  if (!isObj(patch)) throw badRequest(INVALID_MERGE_PATCH);
  const out = clone(doc) as unknown;
  if (!isObj(out)) return pruneNulls(clone(patch)) as unknown as T;
  mergeDocs(out, clone(patch));
  return out as T;
}
