// PATCH bodies by content type. The patch is applied to the current object inside
// the store's read-modify-write loop, so a conflicting writer makes us re-apply
// to the fresh object rather than lose either change.

import type { ResourceInfo } from '../api/registry.js';
import type { KubeObject, StoredObject } from '../api/types.js';
import { applyJsonPatch, decodeJsonPatch, strictPatchError } from '../api/patch/json-patch.js';
import { applyMergePatch, decodeMergePatch } from '../api/patch/merge-patch.js';
import { applyStrategicMergePatch } from '../api/patch/strategic.js';
import { fieldValidationMode } from './decode.js';
import { unsupportedMediaType } from '../api/errors.js';
import { JSON_PATCH, MERGE_PATCH, patchTypesFor, STRATEGIC_PATCH } from './patch-types.js';
import type { ResourceContext, ResourceDeps } from './resources.js';

export function applyPatch(
  deps: ResourceDeps,
  ctx: ResourceContext,
  info: ResourceInfo,
  contentType: string,
  raw: string,
  current: StoredObject,
): KubeObject {
  const mode = fieldValidationMode(ctx.query);
  let result: unknown;
  let strictErrors: string[];
  switch (contentType) {
    case JSON_PATCH: {
      const d = decodeJsonPatch(raw, mode);
      strictErrors = d.strictErrors;
      result = applyJsonPatch(current, d.operations);
      break;
    }
    case MERGE_PATCH: {
      const d = decodeMergePatch(raw, mode);
      strictErrors = d.strictErrors;
      result = applyMergePatch(current, d.patch);
      break;
    }
    case STRATEGIC_PATCH: {
      const d = decodeMergePatch(raw, mode);
      strictErrors = d.strictErrors;
      result = applyStrategicMergePatch(deps.schemaIndex(), info.definition!, current, d.patch);
      break;
    }
    default:
      throw unsupportedMediaType(contentType, patchTypesFor(info));
  }
  if (strictErrors.length > 0) {
    if (mode === 'Strict') throw strictPatchError(result, strictErrors);
    ctx.warnings.push(...strictErrors);
  }
  return deps.decoder.checkObject(ctx, info, result, []);
}
