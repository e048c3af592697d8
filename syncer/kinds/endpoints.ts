// Endpoints of selector-less services: the tenant wrote them by hand, so they
// are copied down (the super's endpoints controller owns the endpoints of
// services with a selector, and those are never touched). Target references
// name tenant objects; their namespace is mapped.

import { CORE, asObj, clone, objs, str, type KubeObject } from '../types.js';
import type { KindSync, SyncContext } from '../engine/kind.js';

function hasSelector(svc: KubeObject | undefined): boolean {
  return Object.keys(asObj(asObj(svc?.spec)?.selector) ?? {}).length > 0;
}

function mapSubsets(subsets: unknown, ctx: SyncContext): unknown {
  const out = clone(objs(subsets));
  for (const s of out) {
    for (const list of ['addresses', 'notReadyAddresses']) {
      for (const a of objs(s[list])) {
        const ref = asObj(a.targetRef);
        if (ref && str(ref.namespace)) ref.namespace = ctx.superNamespace(str(ref.namespace));
        if (ref) delete ref.uid;
        if (ref) delete ref.resourceVersion;
      }
    }
  }
  return out.length > 0 ? out : undefined;
}

export const endpoints: KindSync = {
  ref: CORE('endpoints', 'Endpoints'),
  fields: ['subsets'],
  skip: (ep, ctx) => hasSelector(ctx.view.tenantGet('services', ep.metadata?.namespace ?? '', ep.metadata?.name ?? '')),
  toSuper: (ep, ctx) => ({ subsets: mapSubsets(ep.subsets, ctx) }),
};
