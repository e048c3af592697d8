// What kube-apiserver's JSON decoder (sigs.k8s.io/json decoding into the Go
// types) reports about a request body, reproduced from the OpenAPI
// definitions: unknown fields with their strict-decoding paths
// (`spec.template.spec.containers[0].imagee`), and type mismatches with
// encoding/json's wording (`json: cannot unmarshal string into Go struct field
// DeploymentSpec.spec.replicas of type int32`). Plus the `required` lists, for
// the registry's `Required value` errors.
//
// Definitions are compiled once into a graph of nodes ($refs resolved to the
// target node), so checking an object never parses a ref or looks a schema up
// by name.
//
// Measured (Node 20, 2-core box shared with other jobs, load ~2.4): a typical
// 3-container Deployment (260 JSON values, 4 KB) checked 10,000 times:
// checkFields ~15 µs/op, requiredMissing ~9 µs/op, against ~59 µs/op for just
// JSON.parse of the same body on that box. compileSchemas on the full v1.34
// spec: ~16 ms. (schema-check.test.ts "timing" prints the figures; under a
// parallel vitest run they come out about 2x higher.)

import type { OpenApiV2, SchemaObject } from './spec.js';

export type NodeKind =
  | 'any' // anything goes (RawExtension, FieldsV1, JSON, preserve-unknown-fields, `{}`)
  | 'struct'
  | 'map'
  | 'array'
  | 'string'
  | 'bytes' // format: byte, a Go []byte: base64 text
  | 'integer'
  | 'number'
  | 'boolean'
  | 'intOrString'
  | 'quantity'
  | 'time';

/** A struct field: its type node plus the list/patch metadata kube attaches to the field. */
export interface FieldInfo {
  readonly name: string;
  readonly node: SchemaNode;
  readonly patchStrategy: string | undefined;
  readonly patchMergeKey: string | undefined;
  readonly listType: string | undefined;
  readonly listMapKeys: readonly string[] | undefined;
  readonly mapType: string | undefined;
}

export interface SchemaNode {
  readonly kind: NodeKind;
  /** The Go type encoding/json names in `of type X` (`int32`, `[]v1.Container`, `v1.ObjectMeta`). */
  readonly goType: string;
  /** For structs: the Go type name that prefixes field paths in type errors (`DeploymentSpec`). */
  readonly structName: string;
  /** The definition this node is, or '' for an inline schema. */
  readonly definition: string;
  readonly fields: ReadonlyMap<string, FieldInfo> | null;
  readonly required: readonly string[];
  readonly preserveUnknown: boolean;
  /** Array items / map values. */
  readonly elem: SchemaNode | null;
  /** 32 or 64 for integers. */
  readonly intBits: number;
  /** Whether a `required` list exists anywhere below (lets requiredMissing skip subtrees). */
  readonly mayRequire: boolean;
}

export interface SchemaIndex {
  readonly definitions: ReadonlyMap<string, SchemaNode>;
  /** `group/version/Kind` → definition name, from `x-kubernetes-group-version-kind`. */
  readonly byGvk: ReadonlyMap<string, string>;
}

type MutableNode = { -readonly [K in keyof SchemaNode]: SchemaNode[K] };

const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const TIME_TYPES = new Set(['io.k8s.apimachinery.pkg.apis.meta.v1.Time', 'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime']);
// `type: object` without properties, but in Go a type with its own
// UnmarshalJSON that keeps any JSON (the others without properties are empty
// structs, whose every key is unknown).
const ANY_OBJECT_TYPES = new Set([
  'io.k8s.apimachinery.pkg.runtime.RawExtension',
  'io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1',
  'io.k8s.apimachinery.pkg.apis.meta.v1.Patch',
]);

function newNode(kind: NodeKind, goType: string, definition = ''): MutableNode {
  return {
    kind,
    goType,
    structName: '',
    definition,
    fields: null,
    required: [],
    preserveUnknown: false,
    elem: null,
    intBits: 0,
    mayRequire: false,
  };
}

/** `io.k8s.api.core.v1.PodSpec` → `v1.PodSpec`, as reflect.Type.String() prints it. */
function goTypeOfDefinition(name: string): string {
  const segs = name.split('.');
  const type = segs[segs.length - 1] ?? name;
  const pkg = segs.length >= 2 ? segs[segs.length - 2] : '';
  return pkg ? `${pkg}.${type}` : type;
}

function shortName(name: string): string {
  const i = name.lastIndexOf('.');
  return i === -1 ? name : name.slice(i + 1);
}

class Compiler {
  readonly defs = new Map<string, MutableNode>();
  readonly all: MutableNode[] = [];
  private readonly prims = new Map<string, MutableNode>();

  constructor(private readonly definitions: Record<string, SchemaObject>) {
    for (const name of Object.keys(definitions)) {
      const n = newNode('any', goTypeOfDefinition(name), name);
      this.defs.set(name, n);
      this.all.push(n);
    }
  }

  compileAll(): void {
    for (const [name, node] of this.defs) this.fill(node, this.definitions[name]!, name);
  }

  private ref(ref: string): MutableNode {
    const name = ref.startsWith('#/definitions/') ? ref.slice('#/definitions/'.length) : ref;
    const n = this.defs.get(name);
    if (!n) throw new Error(`OpenAPI: unresolvable schema reference ${ref}`);
    return n;
  }

  private prim(kind: NodeKind, goType: string, intBits = 0): MutableNode {
    const key = `${kind}:${goType}`;
    let n = this.prims.get(key);
    if (!n) {
      n = newNode(kind, goType);
      n.intBits = intBits;
      this.prims.set(key, n);
      this.all.push(n);
    }
    return n;
  }

  /** The node for a schema used inline (a property, items, additionalProperties). */
  private inline(s: SchemaObject): MutableNode {
    if (s.$ref) return this.ref(s.$ref);
    const n = newNode('any', 'interface {}');
    this.fill(n, s, '');
    if (n.kind !== 'struct' && n.kind !== 'map' && n.kind !== 'array') {
      // Share scalar nodes: thousands of properties are plain strings/ints.
      const p = this.prim(n.kind, n.goType, n.intBits);
      return p;
    }
    this.all.push(n);
    return n;
  }

  private fill(n: MutableNode, s: SchemaObject, defName: string): void {
    if (defName === QUANTITY) {
      n.kind = 'quantity';
      return;
    }
    if (TIME_TYPES.has(defName)) {
      n.kind = 'time';
      return;
    }
    if (ANY_OBJECT_TYPES.has(defName)) {
      n.kind = 'any';
      return;
    }
    if (defName === INT_OR_STRING || s.format === 'int-or-string' || s['x-kubernetes-int-or-string'] === true) {
      n.kind = 'intOrString';
      if (!defName) n.goType = 'intstr.IntOrString';
      return;
    }
    if (s.$ref) {
      // kube-openapi never emits a definition that is only a $ref; accept anything rather than guess.
      n.kind = 'any';
      return;
    }
    const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
    const type = s.type;
    if (s.properties || type === 'object') {
      if (s.properties) {
        this.struct(n, s, defName, preserve);
      } else if (s.additionalProperties !== undefined && s.additionalProperties !== false) {
        const elem = s.additionalProperties === true ? this.prim('any', 'interface {}') : this.inline(s.additionalProperties);
        n.kind = 'map';
        n.elem = elem;
        if (!defName) n.goType = `map[string]${elem.goType}`;
      } else if (preserve) {
        n.kind = 'any';
        if (!defName) n.goType = 'map[string]interface {}';
      } else {
        // An empty Go struct (or a CRD object the schema prunes to nothing).
        this.struct(n, s, defName, false);
      }
      return;
    }
    switch (type) {
      case 'array': {
        const elem = s.items ? this.inline(s.items) : this.prim('any', 'interface {}');
        n.kind = 'array';
        n.elem = elem;
        if (!defName) n.goType = `[]${elem.goType}`;
        return;
      }
      case 'string':
        if (s.format === 'byte') {
          n.kind = 'bytes';
          if (!defName) n.goType = '[]uint8';
        } else {
          n.kind = 'string';
          if (!defName) n.goType = 'string';
        }
        return;
      case 'integer':
        n.kind = 'integer';
        n.intBits = s.format === 'int32' ? 32 : 64;
        if (!defName) n.goType = s.format === 'int32' ? 'int32' : 'int64';
        return;
      case 'number':
        n.kind = 'number';
        if (!defName) n.goType = s.format === 'float' ? 'float32' : 'float64';
        return;
      case 'boolean':
        n.kind = 'boolean';
        if (!defName) n.goType = 'bool';
        return;
      default:
        n.kind = 'any';
    }
  }

  private struct(n: MutableNode, s: SchemaObject, defName: string, preserve: boolean): void {
    n.kind = 'struct';
    n.structName = defName ? shortName(defName) : '';
    if (!defName) n.goType = 'struct';
    n.preserveUnknown = preserve;
    n.required = s.required ? [...s.required] : [];
    const fields = new Map<string, FieldInfo>();
    n.fields = fields; // set before recursing: properties may reach this node again
    for (const [name, ps] of Object.entries(s.properties ?? {})) {
      fields.set(name, {
        name,
        node: this.inline(ps),
        patchStrategy: ps['x-kubernetes-patch-strategy'],
        patchMergeKey: ps['x-kubernetes-patch-merge-key'],
        listType: ps['x-kubernetes-list-type'],
        listMapKeys: ps['x-kubernetes-list-map-keys'],
        mapType: ps['x-kubernetes-map-type'],
      });
    }
  }

  /** Fixed point of "some node below has a required list" (the graph has cycles: JSONSchemaProps). */
  markMayRequire(): void {
    for (const n of this.all) n.mayRequire = n.required.length > 0;
    let changed = true;
    while (changed) {
      changed = false;
      for (const n of this.all) {
        if (n.mayRequire) continue;
        let below = n.elem?.mayRequire ?? false;
        if (!below && n.fields) {
          for (const f of n.fields.values()) {
            if (f.node.mayRequire) {
              below = true;
              break;
            }
          }
        }
        if (below) {
          n.mayRequire = true;
          changed = true;
        }
      }
    }
  }
}

/**
 * Compiles every definition of the spec (or any `{definitions}` bag, e.g. one
 * holding CRD schemas) into a lookup of nodes. Do it once and share the index.
 */
export function compileSchemas(spec: Pick<OpenApiV2, 'definitions'>): SchemaIndex {
  const c = new Compiler(spec.definitions);
  c.compileAll();
  c.markMayRequire();
  const byGvk = new Map<string, string>();
  for (const [name, s] of Object.entries(spec.definitions)) {
    for (const gvk of s['x-kubernetes-group-version-kind'] ?? []) {
      const key = `${gvk.group}/${gvk.version}/${gvk.kind}`;
      if (!byGvk.has(key)) byGvk.set(key, name);
    }
  }
  return { definitions: c.defs, byGvk };
}

/** The definition that declares this group/version/kind (`'' , 'v1', 'Pod'` → `io.k8s.api.core.v1.Pod`). */
export function definitionForGvk(index: SchemaIndex, group: string, version: string, kind: string): string | undefined {
  return index.byGvk.get(`${group}/${version}/${kind}`);
}

// ---------------------------------------------------------------------------
// checkFields

export interface FieldTypeError {
  /** Strict-decoding style path of the offending value (`spec.template.spec.containers[0].ports[0].containerPort`). */
  path: string;
  /** The decoder's message, e.g. `json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32`. */
  message: string;
  /**
   * A custom UnmarshalJSON (IntOrString, Quantity, Time) failed: Go's decoder
   * stops there and returns this error, dropping any earlier type error.
   * Non-fatal errors are saved and decoding goes on; Go reports the first.
   */
  fatal: boolean;
}

/**
 * What decoding the body would report. Kube's order of precedence: any type
 * error (decodeErrorMessage) fails the request with 400 whatever
 * fieldValidation says; only a body without one gets to strict/warn handling
 * of `unknown`.
 */
export interface CheckResult {
  /** Unknown fields in strict-decoding path form, in document order (at most 100, like sigs.k8s.io/json). */
  unknown: string[];
  /**
   * The same fields as segments (keys as strings, list indexes as numbers):
   * unambiguous where a map key contains a dot, for pruning them.
   */
  unknownSegments: Array<Array<string | number>>;
  typeErrors: FieldTypeError[];
}

const MAX_STRICT_ERRORS = 100;

/** `unknown field "…"`: kube's text for one unknown field (a Warn-mode warning is exactly this). */
export function unknownFieldMessage(path: string): string {
  return `unknown field ${JSON.stringify(path)}`;
}

/** The error text of fieldValidation=Strict: `strict decoding error: unknown field "a", unknown field "b"`. */
export function strictDecodingErrorMessage(unknown: readonly string[]): string {
  return `strict decoding error: ${unknown.map(unknownFieldMessage).join(', ')}`;
}

/** The error Go's decoder returns for the body, if any: a fatal error wins, else the first type error. */
export function decodeErrorMessage(r: CheckResult): string | undefined {
  if (r.typeErrors.length === 0) return undefined;
  const fatal = r.typeErrors.find((e) => e.fatal);
  return (fatal ?? r.typeErrors[0]!).message;
}

/**
 * The 400 message kube-apiserver wraps a decode error in:
 * `Deployment in version "v1" cannot be handled as a Deployment: <err>`.
 */
export function decodeFailureMessage(kind: string, version: string, err: string): string {
  return `${kind} in version ${JSON.stringify(version)} cannot be handled as a ${kind}: ${err}`;
}

interface Walk {
  unknown: string[];
  unknownSegments: Array<Array<string | number>>;
  typeErrors: FieldTypeError[];
  fatal: boolean;
  /** Strict path: field names and map keys as strings, list indexes as numbers. */
  path: Array<string | number>;
  /** encoding/json's errorContext.FieldStack: struct field names only (no indexes, no map keys). */
  goFields: string[];
}

function formatPath(path: ReadonlyArray<string | number>, last?: string): string {
  let s = '';
  for (const seg of path) {
    if (typeof seg === 'number') s += `[${seg}]`;
    else s += s === '' ? seg : `.${seg}`;
  }
  if (last !== undefined) s += s === '' ? last : `.${last}`;
  return s;
}

function describe(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'number':
      return 'number';
    case 'boolean':
      return 'bool';
    default:
      return Array.isArray(v) ? 'array' : 'object';
  }
}

function goTypeError(w: Walk, structName: string, value: string, goType: string): string {
  if (structName !== '' || w.goFields.length > 0) {
    return `json: cannot unmarshal ${value} into Go struct field ${structName}.${w.goFields.join('.')} of type ${goType}`;
  }
  return `json: cannot unmarshal ${value} into Go value of type ${goType}`;
}

function saveTypeError(w: Walk, structName: string, value: string, goType: string, fatal = false): void {
  w.typeErrors.push({ path: formatPath(w.path), message: goTypeError(w, structName, value, goType), fatal });
  if (fatal) w.fatal = true;
}

function savePlainError(w: Walk, message: string, fatal: boolean): void {
  w.typeErrors.push({ path: formatPath(w.path), message, fatal });
  if (fatal) w.fatal = true;
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const TWO_63 = 9223372036854775808;

function intFits(v: number, bits: number): boolean {
  if (!Number.isInteger(v)) return false;
  return bits === 32 ? v >= INT32_MIN && v <= INT32_MAX : v >= -TWO_63 && v < TWO_63;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// apimachinery's resource.ParseQuantity errors.
const QUANTITY_FORMAT_WRONG = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const QUANTITY_SUFFIX = "unable to parse quantity's suffix";
const SUFFIX_CHARS = 'eEinumkKMGTP';
const KNOWN_SUFFIXES = new Set(['', 'n', 'u', 'm', 'k', 'M', 'G', 'T', 'P', 'E', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei']);

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

/** Why ParseQuantity rejects `str` (already trimmed), or undefined if it parses. */
export function quantityParseError(str: string): string | undefined {
  if (str.length === 0) return QUANTITY_FORMAT_WRONG;
  const end = str.length;
  let pos = 0;
  if (str[0] === '-' || str[0] === '+') pos++;
  while (pos < end && str[pos] === '0') pos++;
  if (pos >= end) return undefined;
  while (isDigit(str[pos])) pos++;
  if (pos >= end) return undefined;
  if (str[pos] === '.') {
    pos++;
    while (isDigit(str[pos])) pos++;
    if (pos >= end) return undefined;
  }
  const suffixStart = pos;
  while (pos < end && SUFFIX_CHARS.includes(str[pos]!)) pos++;
  if (pos < end) {
    if (str[pos] === '-' || str[pos] === '+') pos++;
    while (isDigit(str[pos])) pos++;
    if (pos < end) return QUANTITY_FORMAT_WRONG;
  }
  const suffix = str.slice(suffixStart);
  if (KNOWN_SUFFIXES.has(suffix)) return undefined;
  if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E') && /^[+-]?\d+$/.test(suffix.slice(1))) {
    const exp = Number(suffix.slice(1));
    if (Math.abs(exp) <= Number.MAX_SAFE_INTEGER) return undefined;
  }
  return QUANTITY_SUFFIX;
}

function isBase64Char(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47;
}

/**
 * Where Go's base64.StdEncoding.Decode fails on these bytes (its
 * CorruptInputError offset), or -1. Newlines are skipped; padding is required.
 */
export function base64ErrorOffset(src: ArrayLike<number>): number {
  const n = src.length;
  let si = 0;
  while (si < n) {
    for (let j = 0; j < 4; j++) {
      if (si === n) {
        if (j === 0) return -1;
        return si - j;
      }
      const c = src[si]!;
      si++;
      if (isBase64Char(c)) continue;
      if (c === 10 || c === 13) {
        j--;
        continue;
      }
      if (c !== 61) return si - 1;
      // Padding: only after two or three data characters.
      if (j < 2) return si - 1;
      if (j === 2) {
        while (si < n && (src[si] === 10 || src[si] === 13)) si++;
        if (si === n) return n;
        if (src[si] !== 61) return si - 1;
        si++;
      }
      while (si < n && (src[si] === 10 || src[si] === 13)) si++;
      return si < n ? si : -1;
    }
  }
  return -1;
}

/** The UTF-8 bytes Go sees: offsets in its errors are byte offsets. */
function stringBytes(s: string): ArrayLike<number> {
  return Buffer.from(s, 'utf8');
}

/**
 * The common leaves (strings, bools, ints, anything-goes) checked without a
 * call and without touching the path stacks; only a mismatch takes the slow
 * path through walk, which builds the error.
 */
function leafOk(node: SchemaNode, v: unknown): boolean {
  switch (node.kind) {
    case 'any':
      return true;
    case 'string':
      return typeof v === 'string';
    case 'boolean':
      return typeof v === 'boolean';
    case 'integer':
      return typeof v === 'number' && intFits(v, node.intBits);
    default:
      return false;
  }
}

function walk(node: SchemaNode, v: unknown, w: Walk, structName: string): void {
  if (v === null || v === undefined) return; // null decodes to the zero value, never an error
  switch (node.kind) {
    case 'any':
      return;
    case 'struct': {
      if (!isPlainObject(v)) return saveTypeError(w, structName, describe(v), node.goType);
      const fields = node.fields!;
      for (const key in v) {
        const f = fields.get(key);
        if (f === undefined) {
          if (!node.preserveUnknown && w.unknown.length < MAX_STRICT_ERRORS) {
            w.unknown.push(formatPath(w.path, key));
            w.unknownSegments.push([...w.path, key]);
          }
          continue;
        }
        const child = v[key];
        if (child === null || leafOk(f.node, child)) continue;
        w.path.push(key);
        w.goFields.push(key);
        walk(f.node, child, w, node.structName);
        w.path.pop();
        w.goFields.pop();
        if (w.fatal) return;
      }
      return;
    }
    case 'map': {
      if (!isPlainObject(v)) return saveTypeError(w, structName, describe(v), node.goType);
      const elem = node.elem!;
      if (elem.kind === 'any') return;
      if (elem.kind === 'string') {
        // Fast path for labels/annotations/data: map[string]string.
        for (const key in v) {
          const x = v[key];
          if (typeof x !== 'string' && x !== null) {
            w.path.push(key);
            saveTypeError(w, structName, describe(x), elem.goType);
            w.path.pop();
          }
        }
        return;
      }
      for (const key in v) {
        w.path.push(key);
        walk(elem, v[key], w, structName);
        w.path.pop();
        if (w.fatal) return;
      }
      return;
    }
    case 'array': {
      if (!Array.isArray(v)) return saveTypeError(w, structName, describe(v), node.goType);
      const elem = node.elem!;
      if (elem.kind === 'any') return;
      for (let i = 0; i < v.length; i++) {
        const child: unknown = v[i];
        if (child === null || leafOk(elem, child)) continue;
        w.path.push(i);
        walk(elem, child, w, structName);
        w.path.pop();
        if (w.fatal) return;
      }
      return;
    }
    case 'string':
      if (typeof v !== 'string') saveTypeError(w, structName, describe(v), node.goType);
      return;
    case 'boolean':
      if (typeof v !== 'boolean') saveTypeError(w, structName, describe(v), node.goType);
      return;
    case 'number':
      if (typeof v !== 'number') saveTypeError(w, structName, describe(v), node.goType);
      return;
    case 'integer':
      if (typeof v !== 'number') saveTypeError(w, structName, describe(v), node.goType);
      else if (!intFits(v, node.intBits)) saveTypeError(w, structName, `number ${String(v)}`, node.goType);
      return;
    case 'bytes':
      if (typeof v === 'string') {
        const off = base64ErrorOffset(stringBytes(v));
        if (off >= 0) savePlainError(w, `illegal base64 data at input byte ${off}`, false);
      } else if (Array.isArray(v)) {
        // A JSON array decodes into []byte element by element.
        for (let i = 0; i < v.length; i++) {
          const x: unknown = v[i];
          if (x === null) continue;
          w.path.push(i);
          if (typeof x !== 'number') saveTypeError(w, structName, describe(x), 'uint8');
          else if (!Number.isInteger(x) || x < 0 || x > 255) saveTypeError(w, structName, `number ${String(x)}`, 'uint8');
          w.path.pop();
        }
      } else {
        saveTypeError(w, structName, describe(v), node.goType);
      }
      return;
    case 'intOrString':
      // IntOrString.UnmarshalJSON: a quoted value is the string, anything
      // else is json.Unmarshal'd into an int32 and its error ends decoding.
      if (typeof v === 'string') return;
      if (typeof v === 'number') {
        if (!intFits(v, 32)) saveTypeError(w, structName, `number ${String(v)}`, 'int32', true);
        return;
      }
      saveTypeError(w, structName, describe(v), 'int32', true);
      return;
    case 'quantity':
      // Quantity.UnmarshalJSON parses the (unquoted) text; a bad one ends decoding.
      if (typeof v === 'number') return;
      if (typeof v === 'string') {
        const err = quantityParseError(v.trim());
        if (err) savePlainError(w, err, true);
        return;
      }
      savePlainError(w, QUANTITY_FORMAT_WRONG, true);
      return;
    case 'time':
      // metav1.Time/MicroTime.UnmarshalJSON unmarshal a string first.
      if (typeof v !== 'string') saveTypeError(w, structName, describe(v), 'string', true);
      return;
  }
}

function definitionNode(index: SchemaIndex, definitionName: string): SchemaNode {
  const node = index.definitions.get(definitionName);
  if (!node) throw new Error(`OpenAPI: no definition ${definitionName}`);
  return node;
}

/**
 * Walks `obj` as kube's strict decoder would decode it into the Go type of
 * `definitionName`: unknown fields (maps such as metadata.labels take any key;
 * x-kubernetes-preserve-unknown-fields, RawExtension, FieldsV1 take anything)
 * and type mismatches. Time values are checked for being strings, not parsed.
 */
export function checkFields(index: SchemaIndex, definitionName: string, obj: unknown): CheckResult {
  const w: Walk = { unknown: [], unknownSegments: [], typeErrors: [], fatal: false, path: [], goFields: [] };
  walk(definitionNode(index, definitionName), obj, w, '');
  return { unknown: w.unknown, unknownSegments: w.unknownSegments, typeErrors: w.typeErrors };
}

// ---------------------------------------------------------------------------
// requiredMissing

/** field.Path form: `a.b[0].c`, map keys as `[key]`. */
function fieldPath(path: ReadonlyArray<string | number>, mapKey: ReadonlyArray<boolean>, last: string): string {
  let s = '';
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    if (typeof seg === 'number' || mapKey[i]) s += `[${seg}]`;
    else s += s === '' ? seg : `.${seg}`;
  }
  return s === '' ? last : `${s}.${last}`;
}

interface RequiredWalk {
  out: string[];
  path: Array<string | number>;
  mapKey: boolean[];
}

function requiredWalk(node: SchemaNode, v: object, r: RequiredWalk): void {
  switch (node.kind) {
    case 'struct': {
      if (Array.isArray(v)) return;
      const obj = v as Record<string, unknown>;
      for (const name of node.required) {
        const x = obj[name];
        if (x === undefined || x === null) r.out.push(fieldPath(r.path, r.mapKey, name));
      }
      const fields = node.fields!;
      for (const key in obj) {
        const f = fields.get(key);
        if (f === undefined || !f.node.mayRequire) continue;
        const child = obj[key];
        if (child === null || typeof child !== 'object') continue;
        r.path.push(key);
        r.mapKey.push(false);
        requiredWalk(f.node, child, r);
        r.path.pop();
        r.mapKey.pop();
      }
      return;
    }
    case 'array': {
      if (!Array.isArray(v)) return;
      const elem = node.elem!;
      for (let i = 0; i < v.length; i++) {
        const child: unknown = v[i];
        if (child === null || typeof child !== 'object') continue;
        r.path.push(i);
        r.mapKey.push(false);
        requiredWalk(elem, child, r);
        r.path.pop();
        r.mapKey.pop();
      }
      return;
    }
    case 'map': {
      if (Array.isArray(v)) return;
      const obj = v as Record<string, unknown>;
      const elem = node.elem!;
      for (const key in obj) {
        const child = obj[key];
        if (child === null || typeof child !== 'object') continue;
        r.path.push(key);
        r.mapKey.push(true);
        requiredWalk(elem, child, r);
        r.path.pop();
        r.mapKey.pop();
      }
      return;
    }
    default:
      return;
  }
}

/**
 * Fields the definitions' `required` lists name that are absent (or null) in
 * `obj`, as field paths (`spec.template.spec.containers[0].name`, map values
 * as `[key]`), in document order. Values of the wrong type are skipped: the
 * decode errors from checkFields come first.
 */
export function requiredMissing(index: SchemaIndex, definitionName: string, obj: unknown): string[] {
  const node = definitionNode(index, definitionName);
  const r: RequiredWalk = { out: [], path: [], mapKey: [] };
  if (node.mayRequire && obj !== null && typeof obj === 'object') requiredWalk(node, obj, r);
  return r.out;
}
