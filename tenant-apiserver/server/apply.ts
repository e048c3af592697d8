// Server-side apply (PATCH with application/apply-patch+yaml): create-or-update
// with field ownership. The merge and the conflict rules live in api/ssa; this
// file is the HTTP side: options, create-vs-update, and retries when a racing
// writer creates or deletes the object between our read and our write.

import { yaml } from '../../lib/lazy.js';
import { ApiError, badRequest, notFound } from '../api/errors.js';
import type { ResourceInfo } from '../api/registry.js';
import { applyServerSide, validateApplyBody, type SsaContext } from '../api/ssa/ssa.js';
import { apiVersionOf } from '../api/store.js';
import { isObject, type KubeObject, type StoredObject } from '../api/types.js';
import type { ResourceContext, ResourceDeps } from './resources.js';
import { fieldManagerOf } from './field-manager.js';

export function ssaContext(deps: ResourceDeps, info: ResourceInfo, subresource: string | undefined): SsaContext {
  const hasStatus = info.subresources.has('status');
  // Fields a write through this endpoint cannot change are not owned through it (kube's reset fields).
  const resetFields = subresource === 'status' ? [['spec'], ['metadata']] : hasStatus ? [['status']] : undefined;
  return { index: deps.schemaIndex(), definition: info.definition, apiVersion: apiVersionOf(info), subresource, now: new Date(), resetFields, kind: info.kind };
}

export async function serveApply(
  deps: ResourceDeps,
  ctx: ResourceContext,
  info: ResourceInfo,
  namespace: string | undefined,
  name: string,
  raw: string,
  dryRun: boolean,
  subresource?: string,
): Promise<{ object: StoredObject; created: boolean }> {
  const manager = ctx.query.get('fieldManager');
  if (!manager) throw new ApiError(422, 'Invalid', 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
  fieldManagerOf(ctx);
  const forceParam = ctx.query.get('force');
  const force = forceParam === 'true' || forceParam === '1';
  let applied: unknown;
  try {
    applied = yaml().parse(raw, { uniqueKeys: true });
  } catch (e) {
    throw badRequest(`error decoding YAML: ${(e as Error).message}`);
  }
  validateApplyBody(applied, apiVersionOf(info), info.kind);
  const body = applied as KubeObject;
  if (!isObject(body.metadata)) body.metadata = {};
  if (body.metadata!.name !== undefined && body.metadata!.name !== name) {
    throw badRequest(`the name of the object (${String(body.metadata!.name)}) does not match the name on the URL (${name})`);
  }
  const wc = { user: ctx.user, dryRun, subresource, managedFieldsComputed: true };
  for (let attempt = 0; attempt < 5; attempt++) {
    let current: StoredObject | undefined;
    try {
      current = await deps.store.get(info, namespace, name);
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 404)) throw e;
    }
    if (!current) {
      if (subresource) throw notFound({ group: info.group, resource: info.resource }, name);
      const desired = applyServerSide(ssaContext(deps, info, subresource), undefined, { ...body, metadata: { ...body.metadata, name } }, manager, force);
      try {
        return { object: await deps.store.create(info, namespace, desired, wc), created: true };
      } catch (e) {
        if (e instanceof ApiError && e.reason === 'AlreadyExists') continue; // someone created it meanwhile: apply as update
        throw e;
      }
    }
    try {
      const r = await deps.store.update(
        info,
        namespace,
        name,
        (cur) => {
          if (!cur) throw notFound({ group: info.group, resource: info.resource }, name);
          const next = applyServerSide(ssaContext(deps, info, subresource), cur, body, manager, force);
          // The apply body never pins a version: ownership, not resourceVersion, guards the fields.
          if (next.metadata) next.metadata.resourceVersion = body.metadata?.resourceVersion as string | undefined;
          return next;
        },
        wc,
      );
      return r;
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) continue; // deleted meanwhile: apply as create
      throw e;
    }
  }
  throw new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${info.resource} "${name}": the object kept changing, please retry`);
}
