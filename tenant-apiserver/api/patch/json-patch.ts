// RFC 6902 JSON patch (add, remove, replace, move, copy, test) over a copy of
// the document. Failures are kube-apiserver's 422/400 shapes.

import { ApiError, badRequest } from '../errors.js';

type Json = unknown;
interface Op {
  op: string;
  path: string;
  from?: string;
  value?: Json;
}

function parsePointer(p: string): string[] {
  if (p === '') return [];
  if (!p.startsWith('/')) throw badRequest(`the server rejected our request due to an error in our request: invalid JSON pointer ${JSON.stringify(p)}`);
  return p.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function fail(msg: string): ApiError {
  // A well-formed patch that does not apply to the object is 422, as kube-apiserver answers.
  return new ApiError(422, 'Invalid', msg);
}

function container(doc: Json, tokens: string[], path: string): { parent: Record<string, Json> | Json[]; key: string } {
  let cur = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) {
      const i = Number(t);
      if (!/^\d+$/.test(t) || i >= cur.length) throw fail(`doc is missing path: "${path}": missing value`);
      cur = cur[i];
    } else if (cur !== null && typeof cur === 'object') {
      if (!(t in (cur as Record<string, Json>))) throw fail(`doc is missing path: "${path}": missing value`);
      cur = (cur as Record<string, Json>)[t];
    } else {
      throw fail(`doc is missing path: "${path}": missing value`);
    }
  }
  if (cur === null || typeof cur !== 'object') throw fail(`doc is missing path: "${path}": missing value`);
  return { parent: cur as Record<string, Json> | Json[], key: tokens[tokens.length - 1]! };
}

function get(doc: Json, path: string): Json {
  let cur = doc;
  for (const t of parsePointer(path)) {
    if (Array.isArray(cur) && /^\d+$/.test(t) && Number(t) < cur.length) cur = cur[Number(t)];
    else if (cur !== null && typeof cur === 'object' && !Array.isArray(cur) && t in cur) cur = (cur as Record<string, Json>)[t];
    else throw fail(`doc is missing path: "${path}": missing value`);
  }
  return cur;
}

function add(doc: Json, path: string, value: Json): Json {
  const tokens = parsePointer(path);
  if (tokens.length === 0) return value;
  const { parent, key } = container(doc, tokens, path);
  if (Array.isArray(parent)) {
    const i = key === '-' ? parent.length : Number(key);
    if (!/^\d+$/.test(key) && key !== '-') throw fail(`add operation does not apply: doc is missing path: "${path}": missing value`);
    if (i > parent.length) throw fail(`add operation does not apply: doc is missing path: "${path}": missing value`);
    parent.splice(i, 0, value);
  } else {
    parent[key] = value;
  }
  return doc;
}

function remove(doc: Json, path: string): Json {
  const tokens = parsePointer(path);
  const { parent, key } = container(doc, tokens, path);
  if (Array.isArray(parent)) {
    const i = Number(key);
    if (!/^\d+$/.test(key) || i >= parent.length) throw fail(`remove operation does not apply: doc is missing path: "${path}": missing value`);
    parent.splice(i, 1);
  } else {
    if (!(key in parent)) throw fail(`remove operation does not apply: doc is missing path: "${path}": missing value`);
    delete parent[key];
  }
  return doc;
}

function deepEqual(a: Json, b: Json): boolean {
  return JSON.stringify(canon(a)) === JSON.stringify(canon(b));
}
function canon(v: Json): Json {
  if (Array.isArray(v)) return v.map(canon);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon((v as Record<string, Json>)[k])]));
  return v;
}

export function applyJsonPatch(doc: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  let out: Json = structuredClone(doc);
  for (const raw of patch as Op[]) {
    if (raw === null || typeof raw !== 'object' || typeof raw.op !== 'string' || typeof raw.path !== 'string') {
      throw badRequest('the server rejected our request due to an error in our request');
    }
    switch (raw.op) {
      case 'add':
        if (!('value' in raw)) throw badRequest(`add operation: missing value`);
        out = add(out, raw.path, structuredClone(raw.value));
        break;
      case 'remove':
        out = remove(out, raw.path);
        break;
      case 'replace': {
        get(out, raw.path);
        const tokens = parsePointer(raw.path);
        if (tokens.length === 0) out = structuredClone(raw.value);
        else {
          const { parent, key } = container(out, tokens, raw.path);
          if (Array.isArray(parent)) parent[Number(key)] = structuredClone(raw.value);
          else parent[key] = structuredClone(raw.value);
        }
        break;
      }
      case 'move': {
        if (typeof raw.from !== 'string') throw badRequest('move operation: missing from');
        const v = get(out, raw.from);
        out = remove(out, raw.from);
        out = add(out, raw.path, v);
        break;
      }
      case 'copy': {
        if (typeof raw.from !== 'string') throw badRequest('copy operation: missing from');
        out = add(out, raw.path, structuredClone(get(out, raw.from)));
        break;
      }
      case 'test':
        if (!deepEqual(get(out, raw.path), raw.value)) throw fail(`testing value ${raw.path} failed: test failed`);
        break;
      default:
        throw badRequest(`Unexpected kind: ${raw.op}`);
    }
  }
  return out;
}
