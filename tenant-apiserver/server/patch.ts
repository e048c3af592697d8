// PATCH bodies by content type. The patch is applied to the current object inside
// the store's read-modify-write loop, so a conflicting writer makes us re-apply
// to the fresh object rather than lose either change.

import { badRequest } from '../api/errors.js';
import type { ResourceInfo } from '../api/registry.js';
import type { KubeObject, StoredObject } from '../api/types.js';
import { parseJsonStrict } from '../api/codec/json.js';
import { applyJsonPatch } from '../api/patch/json-patch.js';
import { applyMergePatch } from '../api/patch/merge-patch.js';
import type { ResourceContext, ResourceDeps } from './resources.js';

export const PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json'];

export function applyPatch(
  deps: ResourceDeps,
  ctx: ResourceContext,
  info: ResourceInfo,
  contentType: string,
  raw: string,
  current: StoredObject,
): KubeObject {
  const { value: patch } = parseJsonStrict(raw);
  let result: unknown;
  switch (contentType) {
    case 'application/json-patch+json':
      result = applyJsonPatch(current, patch);
      break;
    case 'application/merge-patch+json':
      result = applyMergePatch(current, patch);
      break;
    default:
      throw badRequest(`unsupported patch type ${contentType}`);
  }
  const obj = deps.decoder.checkObject(ctx, info, result, []);
  // A patch that sets metadata.resourceVersion pins the update to that version (optimistic lock).
  return obj;
}
