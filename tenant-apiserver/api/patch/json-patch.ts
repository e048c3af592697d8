// RFC 6902 JSON Patch with the behaviour kube-apiserver gets from
// gopkg.in/evanphx/json-patch.v4 (handlers/patch.go, jsonPatcher):
//
// - A body that does not decode as a list of operation objects is 400
//   BadRequest with Go's decoding error text.
// - More than 10000 operations is 413 RequestEntityTooLarge.
// - Any operation that fails (a `test` that does not hold, a missing path,
//   a bad index) is 422 Invalid with the fixed text of
//   errors.NewGenericServerResponse: "the server rejected our request due to
//   an error in our request" — the library's own reason is not sent.
//
// v4 quirks kept on purpose, because clients see them on a real cluster:
// negative array indices count from the end (-1 on `add` appends);
// `replace` of a missing object key adds it; `copy` from a missing object key
// writes null; `test` compares objects one way only (every key of the
// document's value must be in the test value, extra keys in the test value
// are ignored); `replace`/`test` with path "" act on the whole document; a
// path that does not start with "/" has its first segment ignored.

import { ApiError, badRequest } from '../errors.js';
import { JsonSyntaxError, parseJson } from '../codec/json.js';
import { goQuote } from '../goquote.js';

export const MAX_JSON_PATCH_OPERATIONS = 10000;
/** kube-apiserver's default JSONPatchMaxCopyBytes. */
export const JSON_PATCH_MAX_COPY_BYTES = 3 * 1024 * 1024;

export const JSON_PATCH_REJECTED = 'the server rejected our request due to an error in our request';

/** One operation as sent; fields are whatever JSON the client put there. */
export type JsonPatchOperation = Record<string, unknown>;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Container = Json[] | { [k: string]: Json };

class OpFailed extends Error {}

function goKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  return typeof v === 'object' ? 'object' : typeof v;
}

/** metav1 fieldValidation directives; kube treats an absent one as Warn. */
export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/** json.Unmarshal into jsonpatch.Patch: null is an empty patch, elements must be objects (or null). */
function checkShape(patch: unknown): JsonPatchOperation[] {
  if (patch === null || patch === undefined) return [];
  if (!Array.isArray(patch)) throw badRequest(`json: cannot unmarshal ${goKind(patch)} into Go value of type jsonpatch.Patch`);
  for (const op of patch) {
    if (op !== null && (typeof op !== 'object' || Array.isArray(op))) {
      throw badRequest(`json: cannot unmarshal ${goKind(op)} into Go value of type jsonpatch.Operation`);
    }
  }
  if (patch.length > MAX_JSON_PATCH_OPERATIONS) {
    throw new ApiError(
      413,
      'RequestEntityTooLarge',
      `Request entity too large: The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${patch.length}`,
    );
  }
  return patch.map((op) => (op ?? {}) as JsonPatchOperation);
}

const OP_FIELDS = new Set(['op', 'path', 'from', 'value']);

/**
 * The Strict/Warn pre-pass (kjson.UnmarshalStrict into []jsonPatchOp): type
 * errors are 400 `error decoding patch: ...`; unknown and repeated fields come
 * back as `json patch unknown field "[0].x"` for warnings or a later 422.
 */
function strictPrepass(value: unknown, duplicates: string[]): string[] {
  const fail = (why: string): never => {
    throw badRequest(`error decoding patch: ${why}`);
  };
  if (value === null) return [];
  if (!Array.isArray(value)) return fail(`json: cannot unmarshal ${goKind(value)} into Go value of type []handlers.jsonPatchOp`);
  const errs: string[] = [];
  value.forEach((op, i) => {
    if (op === null) return;
    if (typeof op !== 'object' || Array.isArray(op)) return fail(`json: cannot unmarshal ${goKind(op)} into Go value of type handlers.jsonPatchOp`);
    for (const [k, v] of Object.entries(op as Record<string, unknown>)) {
      if (!OP_FIELDS.has(k)) errs.push(`json patch unknown field "[${i}].${k}"`);
      else if (k !== 'value' && v !== null && typeof v !== 'string') {
        fail(`json: cannot unmarshal ${goKind(v)} into Go struct field jsonPatchOp.${k} of type string`);
      }
    }
  });
  return [...errs, ...duplicates.map((d) => `json patch duplicate field "${d}"`)];
}

export interface DecodedJsonPatch {
  operations: JsonPatchOperation[];
  /** Strict-decoding complaints: warnings under Warn, a 422 after applying under Strict. */
  strictErrors: string[];
}

/**
 * Decodes a JSON Patch body as kube does for the given fieldValidation:
 * under Strict/Warn (the default) malformed bodies are
 * `error decoding patch: <Go error>`; under Ignore they are the bare Go error.
 */
export function decodeJsonPatch(text: string, fieldValidation: FieldValidation = 'Warn'): DecodedJsonPatch {
  let parsed: { value: unknown; duplicates: string[] };
  try {
    parsed = parseJson(text);
  } catch (e) {
    if (!(e instanceof JsonSyntaxError)) throw e;
    throw badRequest(fieldValidation === 'Ignore' ? e.message : `error decoding patch: ${e.message}`);
  }
  const strictErrors = fieldValidation === 'Ignore' ? [] : strictPrepass(parsed.value, parsed.duplicates);
  return { operations: checkShape(parsed.value), strictErrors };
}

/**
 * The 422 kube returns under fieldValidation=Strict when the patch (or the
 * patched object) had strict-decoding problems:
 * ` "" is invalid: patch: Invalid value: "<patched JSON>": strict decoding error: ...`.
 */
export function strictPatchError(patched: unknown, strictErrors: string[]): ApiError {
  const detail = `strict decoding error: ${strictErrors.join(', ')}`;
  const shown = goQuote(JSON.stringify(patched));
  return new ApiError(422, 'Invalid', ` "" is invalid: patch: Invalid value: ${shown}: ${detail}`, {
    causes: [{ reason: 'FieldValueInvalid', message: `Invalid value: ${shown}: ${detail}`, field: 'patch' }],
  });
}

const isContainer = (v: unknown): v is Container => v !== null && typeof v === 'object';
const has = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

function setKey(o: { [k: string]: Json }, k: string, v: Json): void {
  // A plain assignment to "__proto__" would change the prototype instead.
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

/** strconv.Atoi; undefined when Go would fail. */
function atoi(s: string): number | undefined {
  return /^[+-]?[0-9]+$/.test(s) ? Number(s) : undefined;
}

/** RFC 6901 unescaping, `~1` before `~0`. */
const unescapeToken = (t: string): string => t.replace(/~1/g, '/').replace(/~0/g, '~');

/** Resolves an index for get/set/remove: negatives count from the end. */
function existingIndex(a: Json[], key: string): number {
  let idx = atoi(key);
  if (idx === undefined) throw new OpFailed(`value was not a proper array index: '${key}'`);
  if (idx < 0) {
    if (idx < -a.length) throw new OpFailed(`Unable to access invalid index: ${idx}`);
    idx += a.length;
  }
  if (idx >= a.length) throw new OpFailed(`Unable to access invalid index: ${idx}`);
  return idx;
}

/** The value at key; undefined for a missing object key (v4's get never fails on objects). */
function get(c: Container, key: string): Json | undefined {
  if (Array.isArray(c)) return c[existingIndex(c, key)];
  return has(c, key) ? c[key] : undefined;
}

function add(c: Container, key: string, v: Json): void {
  if (!Array.isArray(c)) return setKey(c, key, v);
  if (key === '-') {
    c.push(v);
    return;
  }
  let idx = atoi(key);
  if (idx === undefined) throw new OpFailed(`value was not a proper array index: '${key}'`);
  const size = c.length + 1;
  if (idx >= size || idx < -size) throw new OpFailed(`Unable to access invalid index: ${idx}`);
  if (idx < 0) idx += size;
  c.splice(idx, 0, v);
}

function remove(c: Container, key: string): void {
  if (Array.isArray(c)) {
    c.splice(existingIndex(c, key), 1);
    return;
  }
  if (!has(c, key)) throw new OpFailed(`Unable to remove nonexistent key: ${key}: missing value`);
  delete c[key];
}

function set(c: Container, key: string, v: Json): void {
  if (Array.isArray(c)) c[existingIndex(c, key)] = v;
  else setKey(c, key, v);
}

/** findObject: the container holding the last path token, or undefined. */
function findObject(doc: Container, path: string): { con: Container; key: string } | undefined {
  const split = path.split('/');
  if (split.length < 2) return undefined;
  let con: Container = doc;
  for (const part of split.slice(1, -1)) {
    let next: Json | undefined;
    try {
      next = get(con, unescapeToken(part));
    } catch {
      return undefined;
    }
    if (!isContainer(next)) return undefined;
    con = next;
  }
  return { con, key: unescapeToken(split[split.length - 1]!) };
}

function stringField(op: JsonPatchOperation, name: 'path' | 'from', verb: string): string {
  const v = op[name];
  if (typeof v !== 'string') throw new OpFailed(`${verb} operation failed to decode ${name}`);
  return v;
}

function must(found: ReturnType<typeof findObject>, verb: string, path: string): { con: Container; key: string } {
  if (!found) throw new OpFailed(`${verb} operation does not apply: doc is missing path: "${path}": missing value`);
  return found;
}

/** lazyNode.equal from v4: `d` comes from the document, `t` from the test op. */
function v4Equal(d: Json | undefined, t: Json | undefined): boolean {
  if (d === undefined || d === null || t === undefined || t === null) return (d ?? null) === (t ?? null);
  if (Array.isArray(d)) {
    if (!Array.isArray(t) || d.length !== t.length) return false;
    return d.every((x, i) => v4Equal(x, t[i]));
  }
  if (typeof d === 'object') {
    if (!isContainer(t) || Array.isArray(t)) return false;
    return Object.keys(d).every((k) => has(t, k) && v4Equal(d[k], t[k]));
  }
  return JSON.stringify(d) === JSON.stringify(t);
}

const clone = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));

export interface JsonPatchOptions {
  /** Total bytes `copy` operations may add; 0 disables the limit. */
  maxCopyBytes?: number;
}

/**
 * Applies a JSON Patch (already-decoded operations, or the raw decoded body)
 * to a deep copy of `doc` and returns the copy. `doc` is left untouched.
 */
export function applyJsonPatch<T>(doc: T, patch: unknown, opts: JsonPatchOptions = {}): T {
  const ops = checkShape(patch);
  const limit = opts.maxCopyBytes ?? JSON_PATCH_MAX_COPY_BYTES;
  let root = clone(doc) as unknown as Json;
  if (!isContainer(root)) throw new ApiError(422, 'Invalid', JSON_PATCH_REJECTED);
  let copied = 0;
  try {
    for (const op of ops) {
      const kind = typeof op.op === 'string' ? op.op : 'unknown';
      // A missing "value" behaves as null in v4.
      const value = (has(op, 'value') ? clone(op.value) : null) as Json;
      const doc0: Container = root as Container;
      switch (kind) {
        case 'add': {
          const path = stringField(op, 'path', 'add');
          const { con, key } = must(findObject(doc0, path), 'add', path);
          add(con, key, value);
          break;
        }
        case 'remove': {
          const path = stringField(op, 'path', 'remove');
          const { con, key } = must(findObject(doc0, path), 'remove', path);
          remove(con, key);
          break;
        }
        case 'replace': {
          const path = stringField(op, 'path', 'replace');
          if (path === '') {
            // v4 swaps in an object/array and silently ignores anything else.
            if (isContainer(value)) root = value;
            break;
          }
          const { con, key } = must(findObject(doc0, path), 'replace', path);
          get(con, key); // fails for a bad array index; a missing object key is fine
          set(con, key, value);
          break;
        }
        case 'move': {
          const from = stringField(op, 'from', 'move');
          const src = must(findObject(doc0, from), 'move', from);
          const v = get(src.con, src.key) ?? null;
          remove(src.con, src.key);
          const path = stringField(op, 'path', 'move');
          const { con, key } = must(findObject(doc0, path), 'move', path);
          add(con, key, v);
          break;
        }
        case 'copy': {
          const from = stringField(op, 'from', 'copy');
          const src = must(findObject(doc0, from), 'copy', from);
          const v = get(src.con, src.key) ?? null;
          const path = stringField(op, 'path', 'copy');
          const { con, key } = must(findObject(doc0, path), 'copy', path);
          const text = JSON.stringify(v);
          copied += Buffer.byteLength(text, 'utf8');
          if (limit > 0 && copied > limit) {
            throw new OpFailed(`Unable to complete the copy, the accumulated size increase of copy is ${copied}, exceeding the limit ${limit}`);
          }
          add(con, key, JSON.parse(text) as Json);
          break;
        }
        case 'test': {
          const path = stringField(op, 'path', 'test');
          const expected = (has(op, 'value') ? op.value : undefined) as Json | undefined;
          if (path === '') {
            if (!v4Equal(doc0, expected)) throw new OpFailed(`testing value ${path} failed: test failed`);
            break;
          }
          const { con, key } = must(findObject(doc0, path), 'test', path);
          if (!v4Equal(get(con, key), expected)) throw new OpFailed(`testing value ${path} failed: test failed`);
          break;
        }
        default:
          throw new OpFailed(`Unexpected kind: ${kind}`);
      }
    }
  } catch (e) {
    if (!(e instanceof OpFailed)) throw e;
    const err = new ApiError(422, 'Invalid', JSON_PATCH_REJECTED);
    // Kept for logs only: kube does not send the library's reason to the client.
    (err as Error).cause = e.message;
    throw err;
  }
  return root as unknown as T;
}
