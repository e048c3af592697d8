// RFC 7386 JSON merge patch: objects merge recursively, null deletes a key,
// everything else (arrays included) replaces.

import { badRequest } from '../errors.js';

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function merge(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = merge(out[k], v);
  }
  return out;
}

export function applyMergePatch<T>(doc: T, patch: unknown): unknown {
  if (!isPlainObject(patch)) throw badRequest('json: cannot unmarshal ' + (Array.isArray(patch) ? 'array' : typeof patch) + ' into Go value of type map[string]interface {}');
  return merge(structuredClone(doc), patch);
}
