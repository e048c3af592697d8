// ConfigMaps, Secrets and ServiceAccounts (pkg/registry/core/{configmap,secret,
// serviceaccount}): config-key rules, the 1 MiB limit, base64 `data` decoded the
// way Go's encoding/json does (errors are 400s at decode time in kube), Secret
// type rules, stringData folded into data, and `immutable`.

import type { FieldError } from '../errors.js';
import type { Strategy, StrategyContext } from '../strategy.js';
import type { KubeObject } from '../types.js';
import { registerStrategy } from './register.js';
import { asObj, decodeError, deepEqual, forbidden, immutable, invalid, required, tooLong, type Obj } from './util.js';
import { configMapKeyErrors } from './validators.js';

/** core.MaxSecretSize, shared by ConfigMaps. */
export const MAX_SECRET_SIZE = 1024 * 1024;

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DECODE = new Int16Array(256).fill(-1);
for (let i = 0; i < B64.length; i++) DECODE[B64.charCodeAt(i)] = i;

export type Base64Result = { ok: true; bytes: Buffer } | { ok: false; offset: number };

/**
 * base64.StdEncoding.Decode as encoding/json applies it to []byte: padding
 * required, CR/LF skipped, errors at Go's byte offsets (CorruptInputError).
 */
export function goBase64Decode(s: string): Base64Result {
  const src = Buffer.from(s, 'utf8');
  const out: number[] = [];
  let si = 0;
  const isNL = (c: number | undefined) => c === 0x0a || c === 0x0d;
  for (;;) {
    const dbuf = [0, 0, 0, 0];
    let dlen = 4;
    let end = false;
    for (let j = 0; j < 4; j++) {
      if (si === src.length) {
        if (j === 0) return { ok: true, bytes: Buffer.from(out) };
        return { ok: false, offset: si - j };
      }
      const c = src[si]!;
      si++;
      const v = DECODE[c]!;
      if (v >= 0) {
        dbuf[j] = v;
        continue;
      }
      if (isNL(c)) {
        j--;
        continue;
      }
      if (c !== 0x3d) return { ok: false, offset: si - 1 };
      if (j === 0 || j === 1) return { ok: false, offset: si - 1 };
      if (j === 2) {
        while (si < src.length && isNL(src[si])) si++;
        if (si === src.length) return { ok: false, offset: src.length };
        if (src[si] !== 0x3d) return { ok: false, offset: si - 1 };
        si++;
      }
      while (si < src.length && isNL(src[si])) si++;
      if (si < src.length) return { ok: false, offset: si };
      dlen = j;
      end = true;
      break;
    }
    const val = (dbuf[0]! << 18) | (dbuf[1]! << 12) | (dbuf[2]! << 6) | dbuf[3]!;
    const b = [(val >> 16) & 0xff, (val >> 8) & 0xff, val & 0xff];
    out.push(...b.slice(0, dlen - 1));
    if (end) return { ok: true, bytes: Buffer.from(out) };
  }
}

/**
 * Decode every value of a `[]byte` map (Secret.data, ConfigMap.binaryData),
 * throwing kube's decode error for the first bad one. Returns total decoded bytes.
 */
function checkBytesMap(map: unknown, ctx: StrategyContext, goField: string): number {
  const m = asObj(map);
  if (!m) return 0;
  let total = 0;
  for (const v of Object.values(m)) {
    if (v === null) continue;
    if (typeof v !== 'string') {
      const t = typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'bool' : Array.isArray(v) ? 'array' : 'object';
      throw decodeError(ctx, `json: cannot unmarshal ${t} into Go struct field ${goField} of type []uint8`);
    }
    const r = goBase64Decode(v);
    if (!r.ok) throw decodeError(ctx, `illegal base64 data at input byte ${r.offset}`);
    total += r.bytes.length;
  }
  return total;
}

function decodedSize(map: unknown): number {
  let total = 0;
  for (const v of Object.values(asObj(map) ?? {})) {
    if (typeof v !== 'string') continue;
    const r = goBase64Decode(v);
    if (r.ok) total += r.bytes.length;
  }
  return total;
}

function keyErrors(map: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const key of Object.keys(asObj(map) ?? {})) for (const m of configMapKeyErrors(key)) errs.push(invalid(`${field}[${key}]`, key, m));
  return errs;
}

function immutableUpdate(obj: KubeObject, old: KubeObject, fields: string[]): FieldError[] {
  if (old.immutable !== true) return [];
  const errs: FieldError[] = [];
  if (obj.immutable !== true) errs.push(forbidden('immutable', 'field is immutable when `immutable` is set'));
  for (const f of fields) if (!deepEqual(obj[f] ?? null, old[f] ?? null)) errs.push(forbidden(f, 'field is immutable when `immutable` is set'));
  return errs;
}

// ---- ConfigMaps -----------------------------------------------------------------------------------------------------

/** ValidateConfigMap (metadata aside). */
export function validateConfigMap(cm: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const data = asObj(cm.data) ?? {};
  const binary = asObj(cm.binaryData) ?? {};
  let size = 0;
  for (const [key, value] of Object.entries(data)) {
    for (const m of configMapKeyErrors(key)) errs.push(invalid(`data[${key}]`, key, m));
    if (key in binary) errs.push(invalid(`data[${key}]`, key, 'duplicate of key present in binaryData'));
    size += Buffer.byteLength(typeof value === 'string' ? value : '', 'utf8');
  }
  errs.push(...keyErrors(binary, 'binaryData'));
  size += decodedSize(binary);
  // kube reports the whole object (an empty path, printed `[]`).
  if (size > MAX_SECRET_SIZE) errs.push(tooLong('[]', MAX_SECRET_SIZE));
  return errs;
}

export const configMapStrategy: Strategy = {
  tracksGeneration: false,
  prepareForCreate(obj, ctx) {
    checkBytesMap(obj.binaryData, ctx, 'ConfigMap.binaryData');
  },
  prepareForUpdate(obj, _old, ctx) {
    checkBytesMap(obj.binaryData, ctx, 'ConfigMap.binaryData');
  },
  validate: (obj) => validateConfigMap(obj),
  validateUpdate: (obj, old) => [...immutableUpdate(obj, old, ['data', 'binaryData']), ...validateConfigMap(obj)],
};

registerStrategy('', 'configmaps', configMapStrategy);

// ---- Secrets --------------------------------------------------------------------------------------------------------

const LITERALS: Record<string, string> = { n: 'null', t: 'true', f: 'false' };

/**
 * Go's encoding/json complaint for a body that is not a JSON object (dockercfg
 * checks). Exact for the common shapes: bad first character, bad literal,
 * truncation, non-object values; a generic syntax message otherwise.
 */
export function goJsonObjectError(text: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    const t = text.replace(/^[ \t\r\n]+/, '');
    if (t === '') return 'unexpected end of JSON input';
    const c = t[0]!;
    const lit = LITERALS[c];
    if (lit) {
      for (let i = 1; i < lit.length; i++) {
        if (i >= t.length) return 'unexpected end of JSON input';
        if (t[i] !== lit[i]) return `invalid character '${t[i]}' in literal ${lit} (expecting '${lit[i]}')`;
      }
      return `invalid character '${t[lit.length]}' after top-level value`;
    }
    if (!'{["-0123456789'.includes(c)) return `invalid character '${c}' looking for beginning of value`;
    return 'unexpected end of JSON input';
  }
  if (parsed === null || (typeof parsed === 'object' && !Array.isArray(parsed))) return undefined;
  const kind = Array.isArray(parsed) ? 'array' : typeof parsed === 'number' ? 'number' : typeof parsed === 'boolean' ? 'bool' : 'string';
  return `json: cannot unmarshal ${kind} into Go value of type map[string]interface {}`;
}

/** stringData is write-only: folded into data (base64) at decode, as v1 conversion does. */
export function foldStringData(secret: KubeObject): void {
  const sd = asObj(secret.stringData);
  if (sd) {
    const data = (asObj(secret.data) ?? {}) as Obj;
    for (const [k, v] of Object.entries(sd)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
    secret.data = data;
  }
  delete secret.stringData;
}

function secretBytes(secret: KubeObject, key: string): Buffer | undefined {
  const v = asObj(secret.data)?.[key];
  if (typeof v !== 'string') return v === undefined ? undefined : Buffer.alloc(0);
  const r = goBase64Decode(v);
  return r.ok ? r.bytes : Buffer.alloc(0);
}

/** ValidateSecret (metadata aside). */
export function validateSecret(secret: KubeObject): FieldError[] {
  const errs = keyErrors(secret.data, 'data');
  if (decodedSize(secret.data) > MAX_SECRET_SIZE) errs.push(tooLong('data', MAX_SECRET_SIZE));
  const type = typeof secret.type === 'string' ? secret.type : '';
  const annotations = asObj(secret.metadata?.annotations) ?? {};
  const jsonKey = (key: string) => {
    const b = secretBytes(secret, key);
    if (b === undefined) return errs.push(required(`data[${key}]`));
    const e = goJsonObjectError(b.toString('utf8'));
    if (e) errs.push(invalid(`data[${key}]`, '<secret contents redacted>', e));
    return 0;
  };
  switch (type) {
    case 'kubernetes.io/service-account-token':
      if (!annotations['kubernetes.io/service-account.name']) errs.push(required('metadata.annotations[kubernetes.io/service-account.name]'));
      break;
    case 'kubernetes.io/dockercfg':
      jsonKey('.dockercfg');
      break;
    case 'kubernetes.io/dockerconfigjson':
      jsonKey('.dockerconfigjson');
      break;
    case 'kubernetes.io/basic-auth':
      if (secretBytes(secret, 'username') === undefined && secretBytes(secret, 'password') === undefined) {
        errs.push(required('data[username]'), required('data[password]'));
      }
      break;
    case 'kubernetes.io/ssh-auth':
      if ((secretBytes(secret, 'ssh-privatekey')?.length ?? 0) === 0) errs.push(required('data[ssh-privatekey]'));
      break;
    case 'kubernetes.io/tls':
      if (secretBytes(secret, 'tls.crt') === undefined) errs.push(required('data[tls.crt]'));
      if (secretBytes(secret, 'tls.key') === undefined) errs.push(required('data[tls.key]'));
      break;
    default:
      break;
  }
  return errs;
}

export const secretStrategy: Strategy = {
  tracksGeneration: false,
  prepareForCreate(obj, ctx) {
    checkBytesMap(obj.data, ctx, 'Secret.data');
    foldStringData(obj);
  },
  prepareForUpdate(obj, _old, ctx) {
    checkBytesMap(obj.data, ctx, 'Secret.data');
    foldStringData(obj);
  },
  defaults(obj) {
    if (typeof obj.type !== 'string' || obj.type === '') obj.type = 'Opaque';
  },
  validate: (obj) => validateSecret(obj),
  validateUpdate: (obj, old) => [...immutable('type', obj.type ?? '', old.type ?? ''), ...immutableUpdate(obj, old, ['data']), ...validateSecret(obj)],
  selectableFields: (obj) => ({ type: typeof obj.type === 'string' ? obj.type : '' }),
};

registerStrategy('', 'secrets', secretStrategy);

// ---- ServiceAccounts ------------------------------------------------------------------------------------------------

export const serviceAccountStrategy: Strategy = {
  tracksGeneration: false,
};

registerStrategy('', 'serviceaccounts', serviceAccountStrategy);
