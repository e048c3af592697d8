// The PATCH content types and which a resource accepts: small, so the request
// path can check a patch's type without loading the patch engines (they load
// with the first PATCH; see resources.ts).

import { unsupportedMediaType } from '../api/errors.js';
import type { ResourceInfo } from '../api/registry.js';

export const JSON_PATCH = 'application/json-patch+json';
export const MERGE_PATCH = 'application/merge-patch+json';
export const STRATEGIC_PATCH = 'application/strategic-merge-patch+json';
export const APPLY_PATCH = 'application/apply-patch+yaml';

export const PATCH_TYPES = [JSON_PATCH, MERGE_PATCH, STRATEGIC_PATCH, APPLY_PATCH];

/** Patch types a resource accepts: custom resources have no strategic-merge metadata, as in kube. */
export function patchTypesFor(info: ResourceInfo): string[] {
  return info.definition ? PATCH_TYPES : PATCH_TYPES.filter((t) => t !== STRATEGIC_PATCH);
}

export function checkPatchType(info: ResourceInfo, contentType: string): void {
  const allowed = patchTypesFor(info);
  if (!allowed.includes(contentType)) throw unsupportedMediaType(contentType, allowed);
}
