// The scale subresource (autoscaling/v1 Scale) for workloads: reads spec.replicas,
// status.replicas and the selector; writes spec.replicas back to the parent.

import { badRequest, methodNotAllowed, notFound } from '../api/errors.js';
import type { ResourceInfo } from '../api/registry.js';
import { labelSelectorFromObject, labelSelectorToString } from '../api/selectors.js';
import { isObject, type KubeObject, type StoredObject } from '../api/types.js';
import { parseJsonStrict } from '../api/codec/json.js';
import { applyJsonPatch } from '../api/patch/json-patch.js';
import { applyMergePatch } from '../api/patch/merge-patch.js';
import { negotiate } from './negotiate.js';
import { getPath, setPath } from '../crd/jsonpath.js';
import { send } from './respond.js';
import { fieldManagerOf } from './field-manager.js';
import type { ResourceContext, ResourceDeps } from './resources.js';

interface Scale {
  kind: 'Scale';
  apiVersion: 'autoscaling/v1';
  metadata: Record<string, unknown>;
  spec: { replicas?: number };
  status: { replicas: number; selector?: string };
}

export function toScale(obj: StoredObject, info?: ResourceInfo): Scale {
  // Hook (CRDs): a custom resource's scale subresource names where replicas and the selector live.
  if (info?.scale) return customScale(obj, info.scale);
  const spec = (obj.spec ?? {}) as { replicas?: number; selector?: unknown };
  const status = (obj.status ?? {}) as { replicas?: number };
  let selector: string | undefined;
  if (isObject(spec.selector)) {
    const ls = labelSelectorFromObject(spec.selector as Parameters<typeof labelSelectorFromObject>[0]);
    selector = ls ? labelSelectorToString(ls) : undefined;
  } else if (isObject(spec.selector) === false && spec.selector && typeof spec.selector === 'object') {
    selector = undefined;
  }
  const m = obj.metadata;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: spec.replicas ?? 0 },
    status: { replicas: status.replicas ?? 0, ...(selector !== undefined ? { selector } : {}) },
  };
}

function customScale(obj: StoredObject, paths: NonNullable<ResourceInfo['scale']>): Scale {
  const num = (v: unknown) => (typeof v === 'number' ? v : 0);
  const selector = paths.labelSelectorPath ? getPath(obj, paths.labelSelectorPath) : undefined;
  const m = obj.metadata;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: num(getPath(obj, paths.specReplicasPath)) },
    status: { replicas: num(getPath(obj, paths.statusReplicasPath)), ...(typeof selector === 'string' ? { selector } : {}) },
  };
}

export async function scaleHandlers(deps: ResourceDeps, ctx: ResourceContext, info: ResourceInfo, namespace: string | undefined): Promise<void> {
  const { ri, query } = ctx;
  const format = negotiate(ctx.req.headers.accept, query, []);
  const gr = { group: info.group, resource: info.resource };
  const dryRun = query.getAll('dryRun').includes('All');
  const write = async (newScale: (current: Scale) => unknown) => {
    const r = await deps.store.update(
      info,
      namespace,
      ri.name,
      (current) => {
        if (!current) throw notFound(gr, ri.name);
        const scale = newScale(toScale(current, info)) as KubeObject;
        if (!isObject(scale) || !isObject(scale.spec)) throw badRequest('Scale spec is required');
        const replicas = (scale.spec as { replicas?: unknown }).replicas;
        const rv = scale.metadata?.resourceVersion;
        if (replicas !== undefined && (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0)) {
          throw badRequest(`Scale.autoscaling "${ri.name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`);
        }
        let next: KubeObject = { ...current, spec: { ...(current.spec as object), replicas: replicas ?? 0 } };
        if (info.scale) {
          next = structuredClone(current) as KubeObject;
          setPath(next, info.scale.specReplicasPath, replicas ?? 0);
        }
        // A resourceVersion in the Scale body is a precondition on the parent.
        next.metadata = { ...current.metadata, resourceVersion: typeof rv === 'string' && rv !== '' ? rv : undefined };
        return next;
      },
      { user: ctx.user, dryRun, subresource: 'scale', fieldManager: fieldManagerOf(ctx) },
    );
    send(ctx.res, 200, toScale(r.object, info), format);
  };
  switch (ri.verb) {
    case 'get':
      send(ctx.res, 200, toScale(await deps.store.get(info, namespace, ri.name), info), format);
      return;
    case 'update': {
      const { value } = parseJsonStrict(await deps.decoder.readBody(ctx));
      await write(() => value);
      return;
    }
    case 'patch': {
      const ct = (ctx.req.headers['content-type'] ?? '').split(';')[0]!.trim();
      const { value: patch } = parseJsonStrict(await deps.decoder.readBody(ctx));
      await write((current) => {
        if (ct === 'application/json-patch+json') return applyJsonPatch(current, patch);
        // Scale has no lists, so strategic merge and merge patch agree.
        return applyMergePatch(current, patch);
      });
      return;
    }
    default:
      throw methodNotAllowed();
  }
}
