// Field paths and field sets as sigs.k8s.io/structured-merge-diff (fieldpath)
// has them: path elements (a field name, an associative-list key, a set value,
// a list index), their total order, the tree-shaped Set with kube's set
// algebra, and the FieldsV1 wire form stored in metadata.managedFields.
//
// A path element carries its FieldsV1 serialisation (`f:name`,
// `k:{"name":"web"}`, `v:"x"`, `i:0`) as its identity: two elements are equal
// exactly when their serialisations are (keys are sorted and values encoded
// canonically), so sets index children by that string and only sort when they
// are iterated or serialised.

import { goQuote } from '../goquote.js';

export type Json = null | boolean | number | string | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

export interface FieldElement {
  readonly t: 0;
  readonly name: string;
  readonly s: string;
}
export interface KeyElement {
  readonly t: 1;
  /** Sorted by name. */
  readonly fields: ReadonlyArray<readonly [string, Json]>;
  readonly s: string;
}
export interface ValueElement {
  readonly t: 2;
  readonly value: Json;
  readonly s: string;
}
export interface IndexElement {
  readonly t: 3;
  readonly index: number;
  readonly s: string;
}
export type PathElement = FieldElement | KeyElement | ValueElement | IndexElement;
export type Path = readonly PathElement[];

export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// ---------------------------------------------------------------------------
// Go-compatible encodings

/** strings.Compare: byte order of the UTF-8 encodings, i.e. code point order. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let ca = a.charCodeAt(i);
    let cb = b.charCodeAt(i);
    if (ca === cb) continue;
    // UTF-16 code units order surrogates (supplementary planes) below
    // U+E000..U+FFFF; UTF-8 bytes order them above. Shift both ranges.
    if (ca >= 0xd800 && cb >= 0xd800) {
      ca = ca >= 0xe000 ? ca - 0x800 : ca + 0x2000;
      cb = cb >= 0xe000 ? cb - 0x800 : cb + 0x2000;
    }
    return ca < cb ? -1 : 1;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

function hex4(c: number): string {
  return '\\u' + c.toString(16).padStart(4, '0');
}

/** A JSON string literal as Go's encoding/json writes it (HTML-safe, invalid UTF-16 → U+FFFD). */
const PLAIN = /^[\x20-\x21\x23-\x25\x27-\x3b\x3d\x3f-\x5b\x5d-\x7e]*$/;

export function goJsonString(s: string): string {
  if (PLAIN.test(s)) return '"' + s + '"';
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let rep: string | undefined;
    if (c < 0x20) {
      switch (c) {
        case 0x08:
          rep = '\\b';
          break;
        case 0x09:
          rep = '\\t';
          break;
        case 0x0a:
          rep = '\\n';
          break;
        case 0x0c:
          rep = '\\f';
          break;
        case 0x0d:
          rep = '\\r';
          break;
        default:
          rep = hex4(c);
      }
    } else if (c === 0x22) rep = '\\"';
    else if (c === 0x5c) rep = '\\\\';
    else if (c === 0x3c || c === 0x3e || c === 0x26 || c === 0x2028 || c === 0x2029) rep = hex4(c);
    else if (c >= 0xd800 && c <= 0xdfff) {
      const next = s.charCodeAt(i + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      rep = '\ufffd';
    }
    if (rep !== undefined) {
      out += s.slice(start, i) + rep;
      start = i + 1;
    }
  }
  return out + s.slice(start) + '"';
}

/** encoding/json.Marshal of a JSON value: map keys sorted, Go's string escaping. */
export function goJson(v: Json | undefined): string {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'string':
      return goJsonString(v);
    case 'number':
      return JSON.stringify(v);
    case 'boolean':
      return v ? 'true' : 'false';
  }
  if (Array.isArray(v)) return '[' + v.map(goJson).join(',') + ']';
  const keys = Object.keys(v).sort(compareStrings);
  return '{' + keys.map((k) => goJsonString(k) + ':' + goJson(v[k])).join(',') + '}';
}

/** fmt's %v of a float64. */
export function goFloat(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : '-Inf';
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  const [mant = '', expText = '0'] = n.toExponential().split('e');
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) return `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return String(n);
}

/** value.ToString: how conflict paths print a key or set value. */
export function valueToString(v: Json): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'number':
      return Number.isInteger(v) ? String(v) : goFloat(v);
    case 'string':
      return goQuote(v);
    case 'boolean':
      return v ? 'true' : 'false';
  }
  if (Array.isArray(v)) return '[' + v.map(valueToString).join(',') + ']';
  return Object.keys(v)
    .sort(compareStrings)
    .map((k) => `${k}=${valueToString(v[k]!)}`)
    .join('');
}

// ---------------------------------------------------------------------------
// Values: value.Compare / value.Equals

function typeRank(v: Json): number {
  if (v === null) return 5;
  switch (typeof v) {
    case 'number':
      return 0;
    case 'string':
      return 1;
    case 'boolean':
      return 2;
  }
  return Array.isArray(v) ? 3 : 4;
}

/** value.Compare: a total order over values (numbers < strings < bools < lists < maps < null). */
export function compareValues(a: Json, b: Json): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 0:
      return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
    case 1:
      return compareStrings(a as string, b as string);
    case 2:
      return a === b ? 0 : a ? 1 : -1;
    case 3: {
      const la = a as Json[];
      const lb = b as Json[];
      for (let i = 0; i < la.length && i < lb.length; i++) {
        const c = compareValues(la[i]!, lb[i]!);
        if (c !== 0) return c;
      }
      return la.length < lb.length ? -1 : la.length > lb.length ? 1 : 0;
    }
    case 4: {
      const ma = a as JsonObject;
      const mb = b as JsonObject;
      const ka = Object.keys(ma).sort(compareStrings);
      const kb = Object.keys(mb).sort(compareStrings);
      if (ka.length === 0 && kb.length === 0) return 0;
      for (let i = 0; ; i++) {
        if (i === ka.length && i === kb.length) return 0;
        if (i === ka.length) return -1;
        if (i === kb.length) return 1;
        const c = compareStrings(ka[i]!, kb[i]!);
        if (c !== 0) return c < 0 ? 1 : -1; // a key only on the left sorts the left after
        const v = compareValues(ma[ka[i]!]!, mb[kb[i]!]!);
        if (v !== 0) return v;
      }
    }
  }
  return 0;
}

/** value.Equals. */
export function valuesEqual(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return false;
  if (typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!valuesEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  let n = 0;
  for (const k in a) {
    n++;
    if (!Object.prototype.hasOwnProperty.call(b, k) || !valuesEqual(a[k], b[k])) return false;
  }
  for (const _ in b) n--;
  return n === 0;
}

// ---------------------------------------------------------------------------
// Path elements

const fieldCache = new Map<string, FieldElement>();

export function fieldElement(name: string): FieldElement {
  let pe = fieldCache.get(name);
  if (pe === undefined) {
    pe = { t: 0, name, s: 'f:' + name };
    if (fieldCache.size < 50_000) fieldCache.set(name, pe);
  }
  return pe;
}

/** An associative-list key; `fields` need not be sorted. */
export function keyElement(fields: ReadonlyArray<readonly [string, Json]>): KeyElement {
  let sorted = fields;
  for (let i = 1; i < fields.length; i++) {
    if (fields[i - 1]![0] > fields[i]![0]) {
      sorted = [...fields].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
      break;
    }
  }
  let s = 'k:{';
  for (let i = 0; i < sorted.length; i++) {
    if (i > 0) s += ',';
    s += goJsonString(sorted[i]![0]) + ':' + goJson(sorted[i]![1]);
  }
  return { t: 1, fields: sorted, s: s + '}' };
}

export function valueElement(value: Json): ValueElement {
  return { t: 2, value, s: 'v:' + goJson(value) };
}

export function indexElement(index: number): IndexElement {
  return { t: 3, index, s: 'i:' + String(index) };
}

/** PathElement.Compare. */
export function comparePE(a: PathElement, b: PathElement): number {
  if (a.t !== b.t) return a.t < b.t ? -1 : 1;
  switch (a.t) {
    case 0:
      return compareStrings(a.name, (b as FieldElement).name);
    case 1: {
      const fa = a.fields;
      const fb = (b as KeyElement).fields;
      for (let i = 0; ; i++) {
        if (i >= fa.length && i >= fb.length) return 0;
        if (i >= fa.length) return -1;
        if (i >= fb.length) return 1;
        const c = compareStrings(fa[i]![0], fb[i]![0]);
        if (c !== 0) return c;
        const v = compareValues(fa[i]![1], fb[i]![1]);
        if (v !== 0) return v;
      }
    }
    case 2:
      return compareValues(a.value, (b as ValueElement).value);
    case 3: {
      const ib = (b as IndexElement).index;
      return a.index < ib ? -1 : a.index > ib ? 1 : 0;
    }
  }
}

/** PathElement.String: `.name`, `[name="web"]`, `[="x"]`, `[0]`. */
export function peString(pe: PathElement): string {
  switch (pe.t) {
    case 0:
      return '.' + pe.name;
    case 1:
      return '[' + pe.fields.map(([n, v]) => `${n}=${valueToString(v)}`).join(',') + ']';
    case 2:
      return `[=${valueToString(pe.value)}]`;
    case 3:
      return `[${pe.index}]`;
  }
}

/** Path.String: `.spec.template.spec.containers[name="web"].image`. */
export function pathString(p: Path): string {
  let s = '';
  for (const pe of p) s += peString(pe);
  return s;
}

/** DeserializePathElement. Unknown prefixes give null (FieldsV1 readers skip them). */
export function parsePathElement(s: string): PathElement | null {
  if (s.length < 2) throw new Error('key must be 2 characters long:');
  if (s[1] !== ':') throw new Error(`missing colon: ${s}`);
  const body = s.slice(2);
  switch (s[0]) {
    case 'f':
      return fieldElement(body);
    case 'v': {
      let v: Json;
      try {
        v = JSON.parse(body) as Json;
      } catch {
        throw new Error(`ReadAny: invalid value in ${JSON.stringify(s)}`);
      }
      return valueElement(v);
    }
    case 'k': {
      let v: unknown;
      try {
        v = JSON.parse(body);
      } catch {
        throw new Error(`ReadObjectCB: invalid key in ${JSON.stringify(s)}`);
      }
      if (!isJsonObject(v)) throw new Error(`ReadObjectCB: expect { or n in ${JSON.stringify(s)}`);
      return keyElement(Object.entries(v));
    }
    case 'i': {
      if (!/^[+-]?\d+$/.test(body)) throw new Error(`strconv.Atoi: parsing ${goQuote(body)}: invalid syntax`);
      const n = Number(body);
      if (!Number.isSafeInteger(n)) throw new Error(`strconv.Atoi: parsing ${goQuote(body)}: value out of range`);
      return indexElement(n);
    }
    default:
      return null;
  }
}

// ---------------------------------------------------------------------------
// Sets

/** One path element under a set: owned itself (`member`), and/or leading to owned paths below (`set`). */
export interface SetNode {
  readonly pe: PathElement;
  member: boolean;
  set: FieldSet | null;
}

function sortNodes(a: SetNode, b: SetNode): number {
  return comparePE(a.pe, b.pe);
}

/**
 * fieldpath.Set. Go keeps `Members` and `Children` apart; here one map holds a
 * node per path element with both facts, which halves the allocations. A
 * child set is never empty. Sets are treated as immutable once built:
 * operations share unchanged subtrees, and return `this` (or the other
 * operand) when the result is the same set, so an owner whose fields did not
 * change keeps its set object and its cached FieldsV1 encoding.
 */
export class FieldSet {
  private readonly nodes = new Map<string, SetNode>();

  static of(...paths: Path[]): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insert(p);
    return s;
  }

  // Building (only on a set under construction).

  addMember(pe: PathElement): void {
    const n = this.nodes.get(pe.s);
    if (n === undefined) this.nodes.set(pe.s, { pe, member: true, set: null });
    else n.member = true;
  }

  /** Attach a built subset under pe (ignored when empty). */
  attach(pe: PathElement, set: FieldSet): void {
    if (set.empty()) return;
    const n = this.nodes.get(pe.s);
    if (n === undefined) this.nodes.set(pe.s, { pe, member: false, set });
    else n.set = n.set === null ? set : n.set.union(set);
  }

  private descend(pe: PathElement): FieldSet {
    let n = this.nodes.get(pe.s);
    if (n === undefined) {
      n = { pe, member: false, set: new FieldSet() };
      this.nodes.set(pe.s, n);
    } else if (n.set === null) n.set = new FieldSet();
    return n.set!;
  }

  private put(n: SetNode): void {
    this.nodes.set(n.pe.s, n);
  }

  insert(p: Path): void {
    if (p.length === 0) return; // nobody owns the whole object
    let s: FieldSet = this;
    for (let i = 0; i < p.length - 1; i++) s = s.descend(p[i]!);
    s.addMember(p[p.length - 1]!);
  }

  // Queries.

  has(p: Path): boolean {
    if (p.length === 0) return false;
    let s: FieldSet | null = this;
    for (let i = 0; i < p.length - 1; i++) {
      s = s.nodes.get(p[i]!.s)?.set ?? null;
      if (s === null) return false;
    }
    return s.nodes.get(p[p.length - 1]!.s)?.member === true;
  }

  hasMember(pe: PathElement): boolean {
    return this.nodes.get(pe.s)?.member === true;
  }

  hasChildren(pe: PathElement): boolean {
    const set = this.nodes.get(pe.s)?.set;
    return set !== undefined && set !== null && !set.empty();
  }

  withPrefix(pe: PathElement): FieldSet {
    return this.nodes.get(pe.s)?.set ?? EMPTY;
  }

  /** The nodes, unordered. */
  entries(): IterableIterator<SetNode> {
    return this.nodes.values();
  }

  empty(): boolean {
    for (const n of this.nodes.values()) {
      if (n.member) return false;
      if (n.set !== null && !n.set.empty()) return false;
    }
    return true;
  }

  size(): number {
    let k = 0;
    for (const n of this.nodes.values()) {
      if (n.member) k++;
      if (n.set !== null) k += n.set.size();
    }
    return k;
  }

  // Algebra.

  union(o: FieldSet): FieldSet {
    if (o === this || o.empty()) return this;
    if (this.empty()) return o;
    let changed = false;
    const out = new FieldSet();
    for (const n of this.nodes.values()) {
      const on = o.nodes.get(n.pe.s);
      if (on === undefined) {
        out.put(n);
        continue;
      }
      const member = n.member || on.member;
      const set = n.set === null ? on.set : on.set === null ? n.set : n.set.union(on.set);
      if (member === n.member && set === n.set) out.put(n);
      else {
        changed = true;
        out.put({ pe: n.pe, member, set });
      }
    }
    for (const on of o.nodes.values()) {
      if (!this.nodes.has(on.pe.s)) {
        out.put(on);
        changed = true;
      }
    }
    return changed ? out : this;
  }

  intersection(o: FieldSet): FieldSet {
    const out = new FieldSet();
    const [small, big] = this.nodes.size <= o.nodes.size ? [this, o] : [o, this];
    for (const n of small.nodes.values()) {
      const on = big.nodes.get(n.pe.s);
      if (on === undefined) continue;
      const member = n.member && on.member;
      let set = n.set !== null && on.set !== null ? n.set.intersection(on.set) : null;
      if (set !== null && set.empty()) set = null;
      if (member || set !== null) out.put({ pe: n.pe, member, set });
    }
    return out;
  }

  private overlaps(o: FieldSet): boolean {
    const [small, big] = this.nodes.size <= o.nodes.size ? [this, o] : [o, this];
    for (const k of small.nodes.keys()) if (big.nodes.has(k)) return true;
    return false;
  }

  /** Difference: members removed exactly; a child is only narrowed by the other's children, never by a member (parent - child = parent, and child - parent = child). */
  difference(o: FieldSet): FieldSet {
    if (o === this) return new FieldSet();
    if (!this.overlaps(o)) return this;
    return this.rebuild((n) => {
      const on = o.nodes.get(n.pe.s);
      if (on === undefined) return n;
      const member = n.member && !on.member;
      let set = n.set !== null && on.set !== null ? n.set.difference(on.set) : n.set;
      if (set !== null && set !== n.set && set.empty()) set = null;
      if (member === n.member && set === n.set) return n;
      return member || set !== null ? { pe: n.pe, member, set } : null;
    });
  }

  /** RecursiveDifference: a member of the other set removes that path and everything below it. */
  recursiveDifference(o: FieldSet): FieldSet {
    if (!this.overlaps(o)) return this;
    return this.rebuild((n) => {
      const on = o.nodes.get(n.pe.s);
      if (on === undefined) return n;
      if (on.member) return null;
      let set = n.set !== null && on.set !== null ? n.set.recursiveDifference(on.set) : n.set;
      if (set !== null && set !== n.set && set.empty()) set = null;
      if (set === n.set) return n;
      return n.member || set !== null ? { pe: n.pe, member: n.member, set } : null;
    });
  }

  /** Every member of this set is a member of `o` (`this − o` is empty). */
  subsetOf(o: FieldSet): boolean {
    if (o === this) return true;
    for (const n of this.nodes.values()) {
      const on = o.nodes.get(n.pe.s);
      if (n.member && (on === undefined || !on.member)) return false;
      if (n.set !== null && !n.set.empty()) {
        if (on === undefined || on.set === null) return false;
        if (!n.set.subsetOf(on.set)) return false;
      }
    }
    return true;
  }

  /** A copy with each node replaced by f's (null: dropped); `this` when f changes nothing. */
  private rebuild(f: (n: SetNode) => SetNode | null): FieldSet {
    let out: FieldSet | null = null;
    let i = 0;
    for (const n of this.nodes.values()) {
      const r = f(n);
      if (out === null && r !== n) {
        out = new FieldSet();
        let j = 0;
        for (const m of this.nodes.values()) {
          if (j++ === i) break;
          out.put(m);
        }
      }
      if (out !== null && r !== null) out.put(r);
      i++;
    }
    return out ?? this;
  }

  /** Rebuilds the set with `f` deciding each node (used by EnsureNamedFieldsAreMembers). */
  map(f: (n: SetNode) => SetNode): FieldSet {
    const out = new FieldSet();
    for (const n of this.nodes.values()) out.put(f(n));
    return out;
  }

  equals(o: FieldSet): boolean {
    let k = 0;
    for (const n of this.nodes.values()) {
      const on = o.nodes.get(n.pe.s);
      const nSet = n.set !== null && !n.set.empty();
      if (!n.member && !nSet) continue;
      k++;
      if (on === undefined || on.member !== n.member) return false;
      const oSet = on.set !== null && !on.set.empty();
      if (nSet !== oSet || (nSet && !n.set!.equals(on.set!))) return false;
    }
    for (const on of o.nodes.values()) if (on.member || (on.set !== null && !on.set.empty())) k--;
    return k === 0;
  }

  /** Every member path, members before children at each level, each in path-element order (Set.Iterate). */
  paths(): PathElement[][] {
    const out: PathElement[][] = [];
    const walk = (s: FieldSet, prefix: PathElement[]): void => {
      const nodes = [...s.nodes.values()].sort(sortNodes);
      for (const n of nodes) if (n.member) out.push([...prefix, n.pe]);
      for (const n of nodes) if (n.set !== null) walk(n.set, [...prefix, n.pe]);
    };
    walk(this, []);
    return out;
  }

  /**
   * The FieldsV1 JSON (emitContentsV1): keys in path-element order, `.` for a
   * child that is also a member. The result is frozen and cached per set.
   */
  toFieldsV1(): JsonObject {
    let v = encoded.get(this);
    if (v === undefined) {
      v = Object.freeze(emit(this, false));
      encoded.set(this, v);
      decoded.set(v, this);
    }
    return v;
  }

  /** FieldsV1 → set (Set.FromJSON); throws with the reader's error. */
  static fromFieldsV1(v: unknown): FieldSet {
    if (v === null || v === undefined) return new FieldSet();
    if (!isJsonObject(v)) throw new Error('ReadMapCB: expect { or n, but found ' + describeJson(v));
    // Our own (frozen) encodings handed back unchanged need no parsing.
    const hit = decoded.get(v);
    if (hit !== undefined) return hit;
    return readV1(v).children ?? new FieldSet();
  }

  toString(): string {
    return this.paths().map(pathString).join('\n');
  }

  /** @internal emit's access to the nodes, sorted. */
  sortedNodes(): SetNode[] {
    return [...this.nodes.values()].sort(sortNodes);
  }
}

const EMPTY = new FieldSet();
const encoded = new WeakMap<FieldSet, JsonObject>();
const decoded = new WeakMap<object, FieldSet>();

function describeJson(v: unknown): string {
  if (typeof v === 'string') return '"';
  if (Array.isArray(v)) return '[';
  return String(v).charAt(0);
}

function emit(s: FieldSet, includeSelf: boolean): JsonObject {
  const out: JsonObject = {};
  const nodes = s.sortedNodes();
  if (includeSelf && nodes.length > 0) out['.'] = {};
  for (const n of nodes) {
    // Children are frozen with the root: the whole encoding is immutable once cached.
    if (n.set === null || n.set.empty()) out[n.pe.s] = Object.freeze({});
    else out[n.pe.s] = Object.freeze(emit(n.set, n.member));
  }
  return out;
}

/** readIterV1: the subtree's children, and whether the node itself is a member. */
function readV1(obj: JsonObject): { children: FieldSet | null; isMember: boolean } {
  let children: FieldSet | null = null;
  let isMember = false;
  for (const key in obj) {
    if (key === '.') {
      isMember = true;
      continue;
    }
    const pe = parsePathElement(key);
    const sub = obj[key];
    if (pe === null) continue; // a future element type: dropped, like kube does
    let grand: FieldSet | null = null;
    let childIsMember = true;
    if (sub !== null && sub !== undefined) {
      if (!isJsonObject(sub)) throw new Error('ReadMapCB: expect { or n, but found ' + describeJson(sub));
      const r = readV1(sub);
      grand = r.children;
      childIsMember = r.isMember;
    }
    children ??= new FieldSet();
    if (childIsMember) children.addMember(pe);
    if (grand !== null) children.attach(pe, grand);
  }
  if (children === null) isMember = true;
  return { children, isMember };
}
