// Request-body decoding with kube-apiserver's strictness and wording.
//
// - Duplicate object keys are reported by path in sigs.k8s.io/json's strict
//   form (`metadata.labels.a`, `spec.containers[0].name`), which kube turns
//   into `strict decoding error: duplicate field "<path>"` (Strict) or a
//   warning (Warn). The value keeps the last occurrence, as Go does.
// - Malformed JSON is reported with Go encoding/json's scanner message
//   (`invalid character 'x' looking for beginning of value`, `unexpected end
//   of JSON input`), because that is the text kube embeds in its 400s.
//
// Strategy, measured by codec/json.bench.ts on a 50 KB pod-like object
// (Node 20, 2 shared cores, median of runs):
//   JSON.parse alone ........................................ ~0.41 ms
//   JSON.parse + findDuplicateKeys (chosen) ................. ~0.83 ms
//   one hand-written parser building values + duplicates .... ~1.3 ms
// so V8's parser builds the value and a light scanner that allocates only
// for keys finds duplicates. Go's error text is computed only after
// JSON.parse has already failed.

import type { LineCounter, Node as YamlNode, YAMLError } from 'yaml';
import { yaml } from '../../../lib/lazy.js';
import { badRequest } from '../errors.js';
import { goEscapeRune, goQuote } from '../goquote.js';

/** Go's json.SyntaxError: message only, offset in UTF-16 units of the input. */
export class JsonSyntaxError extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.name = 'JsonSyntaxError';
    this.offset = offset;
  }
}

/** Go refuses documents nested deeper than this (encoding/json maxNestingDepth). */
export const MAX_NESTING_DEPTH = 10000;

// ---------------------------------------------------------------------------
// Go's scanner, for error text only.

/** First UTF-8 byte of the character at i: Go's scanner reports bytes, not runes. */
function firstByte(s: string, i: number): number {
  const cp = s.codePointAt(i)!;
  if (cp < 0x80) return cp;
  if (cp < 0x800) return 0xc0 | (cp >> 6);
  if (cp < 0x10000) return 0xe0 | (cp >> 12);
  return 0xf0 | (cp >> 18);
}

/** encoding/json quoteChar: a byte shown as a Go rune literal. */
function quoteChar(b: number): string {
  if (b === 0x27) return "'\\''";
  if (b === 0x22) return `'"'`;
  return `'${goEscapeRune(b, '"')}'`;
}

const enum P {
  ObjectKey,
  ObjectValue,
  ArrayValue,
}
const isWs = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isHex = (c: number): boolean => isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);

/**
 * Runs Go's JSON scanner state machine over `s` and returns the first syntax
 * error it would report, or undefined for valid JSON. End of input is fed as
 * a space, exactly as scanner.eof does, which is why `tru` reports the space.
 */
export function goJsonSyntaxError(s: string): JsonSyntaxError | undefined {
  type State = (c: number, i: number) => void;
  const stack: P[] = [];
  let endTop = false;
  let state: State;
  class Stop {
    constructor(readonly err: JsonSyntaxError) {}
  }
  const fail = (c: number, i: number, ctx: string): never => {
    // At end of input the scanner is fed a space (see below); otherwise report the byte Go would see.
    throw new Stop(new JsonSyntaxError(`invalid character ${quoteChar(i >= s.length ? c : firstByte(s, i))} ${ctx}`, i));
  };
  const push = (p: P, c: number, i: number, next: State): void => {
    stack.push(p);
    if (stack.length > MAX_NESTING_DEPTH) fail(c, i, 'exceeded max depth');
    state = next;
  };
  const pop = (): void => {
    stack.pop();
    if (stack.length === 0) {
      state = endTopState;
      endTop = true;
    } else state = endValue;
  };

  const beginValueOrEmpty: State = (c, i) => {
    if (isWs(c)) return;
    if (c === 0x5d) return endValue(c, i);
    beginValue(c, i);
  };
  const beginValue: State = (c, i) => {
    if (isWs(c)) return;
    switch (c) {
      case 0x7b: return push(P.ObjectKey, c, i, beginStringOrEmpty);
      case 0x5b: return push(P.ArrayValue, c, i, beginValueOrEmpty);
      case 0x22: state = inString; return;
      case 0x2d: state = neg; return;
      case 0x30: state = zero; return;
      case 0x74: state = lit('true', 1); return;
      case 0x66: state = lit('false', 1); return;
      case 0x6e: state = lit('null', 1); return;
    }
    if (c > 0x30 && c <= 0x39) {
      state = one;
      return;
    }
    fail(c, i, 'looking for beginning of value');
  };
  const beginStringOrEmpty: State = (c, i) => {
    if (isWs(c)) return;
    if (c === 0x7d) {
      stack[stack.length - 1] = P.ObjectValue;
      return endValue(c, i);
    }
    beginString(c, i);
  };
  const beginString: State = (c, i) => {
    if (isWs(c)) return;
    if (c === 0x22) {
      state = inString;
      return;
    }
    fail(c, i, 'looking for beginning of object key string');
  };
  const endValue: State = (c, i) => {
    const n = stack.length;
    if (n === 0) {
      state = endTopState;
      endTop = true;
      return endTopState(c, i);
    }
    if (isWs(c)) {
      state = endValue;
      return;
    }
    switch (stack[n - 1]) {
      case P.ObjectKey:
        if (c === 0x3a) {
          stack[n - 1] = P.ObjectValue;
          state = beginValue;
          return;
        }
        return fail(c, i, 'after object key');
      case P.ObjectValue:
        if (c === 0x2c) {
          stack[n - 1] = P.ObjectKey;
          state = beginString;
          return;
        }
        if (c === 0x7d) return pop();
        return fail(c, i, 'after object key:value pair');
      default:
        if (c === 0x2c) {
          state = beginValue;
          return;
        }
        if (c === 0x5d) return pop();
        return fail(c, i, 'after array element');
    }
  };
  const endTopState: State = (c, i) => {
    if (!isWs(c)) fail(c, i, 'after top-level value');
  };
  const inString: State = (c, i) => {
    if (c === 0x22) state = endValue;
    else if (c === 0x5c) state = inStringEsc;
    else if (c < 0x20) fail(c, i, 'in string literal');
  };
  const inStringEsc: State = (c, i) => {
    if ('bfnrt\\/"'.includes(String.fromCharCode(c))) state = inString;
    else if (c === 0x75) state = hexDigits(4);
    else fail(c, i, 'in string escape code');
  };
  const hexDigits = (left: number): State => (c, i) => {
    if (!isHex(c)) fail(c, i, 'in \\u hexadecimal character escape');
    state = left === 1 ? inString : hexDigits(left - 1);
  };
  const neg: State = (c, i) => {
    if (c === 0x30) state = zero;
    else if (c > 0x30 && c <= 0x39) state = one;
    else fail(c, i, 'in numeric literal');
  };
  const one: State = (c, i) => {
    if (isDigit(c)) return;
    zero(c, i);
  };
  const zero: State = (c, i) => {
    if (c === 0x2e) state = dot;
    else if (c === 0x65 || c === 0x45) state = exp;
    else endValue(c, i);
  };
  const dot: State = (c, i) => {
    if (isDigit(c)) state = dot0;
    else fail(c, i, 'after decimal point in numeric literal');
  };
  const dot0: State = (c, i) => {
    if (isDigit(c)) return;
    if (c === 0x65 || c === 0x45) state = exp;
    else endValue(c, i);
  };
  const exp: State = (c, i) => {
    if (c === 0x2b || c === 0x2d) state = expSign;
    else expSign(c, i);
  };
  const expSign: State = (c, i) => {
    if (isDigit(c)) state = exp0;
    else fail(c, i, 'in exponent of numeric literal');
  };
  const exp0: State = (c, i) => {
    if (!isDigit(c)) endValue(c, i);
  };
  const lit = (word: string, at: number): State => (c, i) => {
    const want = word.charCodeAt(at);
    if (c !== want) fail(c, i, `in literal ${word} (expecting ${quoteChar(want)})`);
    state = at + 1 === word.length ? endValue : lit(word, at + 1);
  };

  state = beginValue;
  try {
    for (let i = 0; i < s.length; i++) state(s.charCodeAt(i), i);
    if (!endTop) {
      state(0x20, s.length);
      if (!endTop) return new JsonSyntaxError('unexpected end of JSON input', s.length);
    }
  } catch (e) {
    if (e instanceof Stop) return e.err;
    throw e;
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// Duplicate keys.

// Classes of the characters the duplicate scan stops at; everything else
// (whitespace, digits, literals, ':') is skipped in a tight loop.
const K_STRING = 1;
const K_OPEN = 2;
const K_CLOSE = 3;
const K_COMMA = 4;
const KIND = new Uint8Array(128);
KIND[0x22] = K_STRING;
KIND[0x7b] = K_OPEN;
KIND[0x5b] = K_OPEN;
KIND[0x7d] = K_CLOSE;
KIND[0x5d] = K_CLOSE;
KIND[0x2c] = K_COMMA;

/** Small objects are searched linearly; a Set takes over past this many keys. */
const LINEAR_KEYS = 8;

interface Frame {
  obj: boolean;
  keys: string[];
  set: Set<string> | undefined;
  /** Current key (objects) or index (arrays). */
  key: string;
  index: number;
}

function framePath(stack: Frame[], upto: number, last: string): string {
  let p = '';
  for (let f = 0; f < upto; f++) {
    const fr = stack[f]!;
    p += fr.obj ? (p === '' ? fr.key : '.' + fr.key) : `[${fr.index}]`;
  }
  return p === '' ? last : `${p}.${last}`;
}

/** Records `key` in the object frame; true when it was already there. */
function seenBefore(fr: Frame, key: string): boolean {
  if (fr.set !== undefined) {
    if (fr.set.has(key)) return true;
    fr.set.add(key);
    return false;
  }
  const keys = fr.keys;
  for (let k = 0; k < keys.length; k++) if (keys[k] === key) return true;
  keys.push(key);
  if (keys.length > LINEAR_KEYS) fr.set = new Set(keys);
  return false;
}

/**
 * Walks text already known to be valid JSON and returns the path of every
 * repeated object key (each repeat once), in document order. Also enforces
 * Go's nesting limit, which JSON.parse does not have.
 */
export function findDuplicateKeys(text: string): string[] {
  const dups: string[] = [];
  // Frames are reused by depth, so a document allocates one per nesting level.
  const pool: Frame[] = [];
  let depth = 0;
  const n = text.length;
  let nextBackslash = text.indexOf('\\');
  if (nextBackslash < 0) nextBackslash = n;
  let i = 0;
  while (i < n) {
    let c = text.charCodeAt(i);
    while (c >= 128 || KIND[c] === 0) {
      if (++i >= n) return dups;
      c = text.charCodeAt(i);
    }
    const kind = KIND[c];
    if (kind === K_STRING) {
      // Closing quote: the first one not preceded by an odd run of backslashes.
      let end = text.indexOf('"', i + 1);
      let escaped = false;
      if (nextBackslash < end) {
        escaped = true;
        for (;;) {
          let b = end - 1;
          while (text.charCodeAt(b) === 0x5c) b--;
          if ((end - 1 - b) % 2 === 0) break;
          end = text.indexOf('"', end + 1);
        }
        nextBackslash = text.indexOf('\\', end);
        if (nextBackslash < 0) nextBackslash = n;
      }
      const top = depth > 0 ? pool[depth - 1]! : undefined;
      if (top !== undefined && top.obj) {
        let j = end + 1;
        let d = text.charCodeAt(j);
        while (d === 0x20 || d === 0x0a || d === 0x0d || d === 0x09) d = text.charCodeAt(++j);
        if (d === 0x3a) {
          const key = escaped ? (JSON.parse(text.slice(i, end + 1)) as string) : text.slice(i + 1, end);
          if (seenBefore(top, key)) dups.push(framePath(pool, depth - 1, key));
          top.key = key;
          i = j + 1;
          continue;
        }
      }
      i = end + 1;
    } else if (kind === K_OPEN) {
      if (depth >= MAX_NESTING_DEPTH) throw new JsonSyntaxError(`invalid character ${quoteChar(c)} exceeded max depth`, i);
      let fr = pool[depth];
      if (fr === undefined) {
        fr = { obj: false, keys: [], set: undefined, key: '', index: 0 };
        pool.push(fr);
      }
      fr.obj = c === 0x7b;
      if (fr.keys.length !== 0) fr.keys = [];
      fr.set = undefined;
      fr.key = '';
      fr.index = 0;
      depth++;
      i++;
    } else if (kind === K_CLOSE) {
      depth--;
      i++;
    } else {
      const top = pool[depth - 1]!;
      if (!top.obj) top.index++;
      i++;
    }
  }
  return dups;
}

export interface StrictJson {
  value: unknown;
  /** Paths of repeated keys, `metadata.labels.a` / `spec.containers[0].name`. */
  duplicates: string[];
}

/** JSON.parse plus duplicate detection; throws JsonSyntaxError with Go's text. */
export function parseJson(text: string): StrictJson {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw goJsonSyntaxError(text) ?? new JsonSyntaxError('unexpected end of JSON input', text.length);
  }
  return { value, duplicates: findDuplicateKeys(text) };
}

// ---------------------------------------------------------------------------
// kube-apiserver wording.

/** handlers.summarizeData: the body excerpt kube appends to an undecodable body. */
export function summarizeData(text: string, maxLength = 30): string {
  const data = Buffer.from(text, 'utf8');
  if (data.length === 0) return '<empty>';
  if (data[0] === 0x7b) return data.length > maxLength ? data.subarray(0, maxLength).toString('utf8') + ' ...' : text;
  return data.length > maxLength ? data.subarray(0, maxLength).toString('hex') + ' ...' : data.toString('hex');
}

/**
 * handlers.transformDecodeError for a body whose apiVersion/kind could not be
 * read: `the object provided is unrecognized (must be of type Pod): <why> (<summary>)`.
 */
export function unrecognizedObjectMessage(expectKind: string, cause: string, body: string): string {
  return `the object provided is unrecognized (must be of type ${expectKind}): ${cause} (${summarizeData(body)})`;
}

/** handlers.transformDecodeError once apiVersion/kind are known. */
export function cannotBeHandledMessage(kind: string, version: string, expectKind: string, cause: string): string {
  return `${kind} in version ${goQuote(version)} cannot be handled as a ${expectKind}: ${cause}`;
}

/** One strict-decoding complaint about a repeated key. */
export function duplicateFieldError(path: string): string {
  return `duplicate field ${goQuote(path)}`;
}

/** runtime.NewStrictDecodingError(errs).Error(). */
export function strictDecodingMessage(errs: string[]): string {
  return `strict decoding error: ${errs.join(', ')}`;
}

const TYPE_META_GO_TYPE = 'struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }';

function goJsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  return typeof v === 'object' ? 'object' : typeof v;
}

/**
 * SimpleMetaFactory.Interpret: reads apiVersion/kind from a decoded body the
 * way kube's first decoding pass does. A body that is not an object, or whose
 * apiVersion/kind are not strings, is 400 `couldn't get version/kind; json
 * parse error: json: cannot unmarshal ...` (wrapped in the unrecognized-object
 * wording when `expectKind` is given). null reads as empty.
 */
export function interpretTypeMeta(value: unknown, opts: ParseBodyOptions & { body?: string } = {}): { apiVersion: string; kind: string } {
  const fail = (why: string): never => {
    const cause = `couldn't get version/kind; json parse error: ${why}`;
    throw badRequest(opts.expectKind ? unrecognizedObjectMessage(opts.expectKind, cause, opts.body ?? JSON.stringify(value)) : cause);
  };
  if (value === null) return { apiVersion: '', kind: '' };
  if (typeof value !== 'object' || Array.isArray(value)) return fail(`json: cannot unmarshal ${goJsonKind(value)} into Go value of type ${TYPE_META_GO_TYPE}`);
  const o = value as Record<string, unknown>;
  const field = (name: string): string => {
    const v = Object.prototype.hasOwnProperty.call(o, name) ? o[name] : undefined;
    if (v === undefined || v === null) return '';
    if (typeof v !== 'string') return fail(`json: cannot unmarshal ${goJsonKind(v)} into Go struct field .${name} of type string`);
    return v;
  };
  return { apiVersion: field('apiVersion'), kind: field('kind') };
}

export interface ParseBodyOptions {
  /**
   * The kind the endpoint decodes into (`Pod`). With it, errors carry kube's
   * full create/update wording; without it, just the decoder's message.
   */
  expectKind?: string;
}

/**
 * Decodes a JSON request body. Malformed JSON is a 400 BadRequest worded as
 * kube-apiserver words an undecodable create/update body:
 * `the object provided is unrecognized (must be of type Pod): couldn't get
 * version/kind; json parse error: invalid character 'x' looking for beginning
 * of value ({"x ...)`.
 */
export function parseJsonStrict(text: string, opts: ParseBodyOptions = {}): StrictJson {
  try {
    return parseJson(text);
  } catch (e) {
    if (!(e instanceof JsonSyntaxError)) throw e;
    const cause = `couldn't get version/kind; json parse error: ${e.message}`;
    throw badRequest(opts.expectKind ? unrecognizedObjectMessage(opts.expectKind, cause, text) : cause);
  }
}

// ---------------------------------------------------------------------------
// YAML.

export interface DecodedBody extends StrictJson {
  /**
   * kube's strict-decoding complaints, ready for `strict decoding error: ...`
   * or for Warning headers. JSON: one `duplicate field "<path>"` per repeat.
   * YAML: goyaml's single `yaml: unmarshal errors:\n  line N: key "k" already set in map`.
   */
  strictErrors: string[];
}

function isYamlMediaType(contentType: string): boolean {
  const mt = contentType.split(';', 1)[0]!.trim().toLowerCase();
  return mt === 'application/yaml' || mt === 'text/yaml' || mt === 'application/x-yaml' || mt.endsWith('+yaml');
}


function yamlKeyText(key: unknown): string {
  if (yaml().isScalar(key)) return String(key.value);
  return String(key);
}

/** goyaml prints the key with %#v: strings quoted, booleans and numbers bare. */
function yamlKeyShown(key: unknown): string {
  const v = yaml().isScalar(key) ? key.value : key;
  return typeof v === 'string' ? goQuote(v) : String(v);
}

function collectYamlDuplicates(node: YamlNode | null | undefined, path: string, lc: LineCounter, paths: string[], lines: string[]): void {
  const { isMap, isPair, isScalar, isSeq } = yaml();
  if (isMap(node)) {
    const seen = new Set<string>();
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const k = yamlKeyText(pair.key);
      const childPath = path === '' ? k : `${path}.${k}`;
      if (seen.has(k)) {
        paths.push(childPath);
        const off = isScalar(pair.key) && pair.key.range ? pair.key.range[0] : 0;
        lines.push(`line ${lc.linePos(off).line}: key ${yamlKeyShown(pair.key)} already set in map`);
      } else seen.add(k);
      collectYamlDuplicates(pair.value as YamlNode | null, childPath, lc, paths, lines);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => collectYamlDuplicates(item as YamlNode | null, `${path}[${i}]`, lc, paths, lines));
  }
}

/** goyaml-style `yaml: line N: <problem>`, from the yaml package's first error. */
function yamlErrorText(err: YAMLError): string {
  const line = err.linePos?.[0]?.line;
  const msg = err.message.split(/ at line \d+, column \d+/)[0]!.trim();
  return line ? `yaml: line ${line}: ${msg}` : `yaml: ${msg}`;
}

/**
 * Decodes a YAML body the way kube's yaml serializer does: YAML→JSON (errors
 * read `error converting YAML to JSON: yaml: line N: ...`; the problem text is
 * the yaml package's, not goyaml's), then the JSON rules. Only the first
 * document of a multi-document stream is read, as goyaml's Unmarshal does.
 * Repeated keys are kept last-wins and reported both as paths and as goyaml's
 * strict message.
 */
export function parseYamlStrict(text: string, opts: ParseBodyOptions = {}): DecodedBody {
  const { LineCounter, parseAllDocuments } = yaml();
  const lc = new LineCounter();
  const fail = (cause: string): never => {
    throw badRequest(opts.expectKind ? unrecognizedObjectMessage(opts.expectKind, cause, text) : cause);
  };
  // YAML 1.1 scalars (yes/no/on/off booleans, merge keys) as goyaml v2 resolves
  // them; timestamps stay strings, as goyaml leaves them for untyped targets.
  const docs = parseAllDocuments(text, {
    version: '1.1',
    uniqueKeys: false,
    merge: true,
    lineCounter: lc,
    customTags: (tags) => tags.filter((t) => typeof t === 'string' || t.tag !== 'tag:yaml.org,2002:timestamp'),
  });
  const doc = docs[0];
  if (doc === undefined) return { value: null, duplicates: [], strictErrors: [] };
  const firstError = doc.errors[0];
  if (firstError) return fail(`error converting YAML to JSON: ${yamlErrorText(firstError)}`);
  let value: unknown;
  try {
    // The yaml package's default alias budget stands in for goyaml's own
    // billion-laughs guard.
    value = doc.toJS();
  } catch {
    return fail('error converting YAML to JSON: yaml: document contains excessive aliasing');
  }
  const nonJson = findNonJson(value);
  if (nonJson) return fail(`error converting YAML to JSON: ${nonJson}`);
  const duplicates: string[] = [];
  const lines: string[] = [];
  collectYamlDuplicates(doc.contents as YamlNode | null, '', lc, duplicates, lines);
  const strictErrors = lines.length ? [`yaml: unmarshal errors:\n  ${lines.join('\n  ')}`] : [];
  return { value, duplicates, strictErrors };
}

/** YAML for the yaml media types (`application/yaml`, `+yaml`, ...), JSON otherwise. */
export function parseYamlOrJson(text: string, contentType: string, opts: ParseBodyOptions = {}): DecodedBody {
  if (isYamlMediaType(contentType)) return parseYamlStrict(text, opts);
  const r = parseJsonStrict(text, opts);
  return { ...r, strictErrors: r.duplicates.map(duplicateFieldError) };
}

/** Things YAML can say that JSON cannot: non-string keys are stringified by toJS; NaN/Inf are not. */
function findNonJson(v: unknown): string | undefined {
  if (typeof v === 'number' && !Number.isFinite(v)) return `json: unsupported value: ${Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf'}`;
  if (Array.isArray(v)) {
    for (const x of v) {
      const r = findNonJson(x);
      if (r) return r;
    }
  } else if (v !== null && typeof v === 'object') {
    if (v instanceof Map || v instanceof Set) return 'yaml: unsupported collection';
    for (const x of Object.values(v)) {
      const r = findNonJson(x);
      if (r) return r;
    }
  }
  return undefined;
}
