// LimitRanger admission: a pod's containers that set no request or limit for
// a resource get the defaults of the namespace's LimitRanges (type
// Container), as kube's LimitRanger does before quota admission charges the
// pod. As the API server's defaulting of a LimitRange item does, a resource
// with a default limit and no default request is requested at its limit.
// Only defaulting: min/max/ratio enforcement is not simulated.

import type { Registry } from '../tenant-apiserver/api/registry.js';
import type { AdmissionPlugin, ResourceStore } from '../tenant-apiserver/api/store.js';
import { asObj, objs } from '../tenant-apiserver/api/strategies/util.js';
import type { KubeObject } from '../tenant-apiserver/api/types.js';
import { resource } from './util.js';

type Defaults = { limits: Record<string, unknown>; requests: Record<string, unknown> };

/** The container defaults of a namespace's LimitRanges (earlier ranges win on a resource both set). */
export function containerDefaults(ranges: KubeObject[]): Defaults {
  const out: Defaults = { limits: {}, requests: {} };
  for (const lr of ranges) {
    for (const item of objs(asObj(lr.spec)?.limits)) {
      if (item.type !== 'Container') continue;
      const def = asObj(item.default) ?? {};
      const req = { ...def, ...(asObj(item.defaultRequest) ?? {}) };
      for (const [k, v] of Object.entries(def)) if (!(k in out.limits)) out.limits[k] = v;
      for (const [k, v] of Object.entries(req)) if (!(k in out.requests)) out.requests[k] = v;
    }
  }
  return out;
}

/** Fill the defaults into a pod's containers and init containers, in place. */
export function applyContainerDefaults(pod: KubeObject, d: Defaults): void {
  const spec = asObj(pod.spec) ?? {};
  if (Object.keys(d.limits).length === 0 && Object.keys(d.requests).length === 0) return;
  for (const list of ['initContainers', 'containers']) {
    for (const c of objs(spec[list])) {
      const resources = (c.resources = asObj(c.resources) ?? {});
      for (const kind of ['limits', 'requests'] as const) {
        const defaults = d[kind];
        if (Object.keys(defaults).length === 0) continue;
        const have = (resources[kind] = asObj(resources[kind]) ?? {});
        for (const [k, v] of Object.entries(defaults)) if (have[k] === undefined) have[k] = v;
      }
    }
  }
}

export function limitRangerAdmission(registry: Registry, store: ResourceStore): AdmissionPlugin {
  const limitRanges = resource(registry, '', 'v1', 'limitranges');
  return {
    name: 'LimitRanger',
    async admit(req) {
      if (req.operation !== 'CREATE' || req.subresource || req.info.group !== '' || req.info.resource !== 'pods' || !req.namespace) return;
      const ranges = (await store.list(limitRanges, req.namespace)).items;
      if (ranges.length > 0) applyContainerDefaults(req.object, containerDefaults(ranges));
    },
  };
}
