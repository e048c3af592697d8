// PersistentVolumeClaims: the claim goes down without a volume name (tenant
// volume names mean nothing in the super cluster: the super binds or
// provisions). Only the requested size can change afterwards (expansion).
// Up: the status, and the name of the super volume bound to the claim, which
// the tenant API server lets be set once, as the binder does.

import { CORE, asObj, clone, semanticEqual, str, type KubeObject } from '../types.js';
import type { Action, KindSync } from '../engine/kind.js';

const requests = (o: KubeObject): unknown => asObj(asObj(asObj(o.spec)?.resources))?.requests;

export const persistentvolumeclaims: KindSync = {
  ref: CORE('persistentvolumeclaims', 'PersistentVolumeClaim'),
  fields: ['spec'],
  toSuper(pvc) {
    const spec = clone(asObj(pvc.spec) ?? {});
    delete spec.volumeName;
    return { spec };
  },
  equal: (desired, superObj) => semanticEqual(requests(desired), requests(superObj)),
  merge(desired, superObj) {
    const out = clone(superObj);
    const spec = (asObj(out.spec) ?? {}) as Record<string, unknown>;
    const resources = { ...(asObj(spec.resources) ?? {}) };
    resources.requests = clone(requests(desired));
    spec.resources = resources;
    out.spec = spec;
    return out;
  },
  backToTenant(superObj, tenantObj) {
    const actions: Action[] = [];
    const volume = str(asObj(superObj.spec)?.volumeName);
    if (volume && !str(asObj(tenantObj.spec)?.volumeName)) {
      const next = clone(tenantObj);
      (next.spec as Record<string, unknown>).volumeName = volume;
      actions.push({ op: 'update-tenant', ref: persistentvolumeclaims.ref, object: next, why: 'bound volume' });
    }
    if (superObj.status !== undefined && !semanticEqual(superObj.status, tenantObj.status)) {
      actions.push({ op: 'update-tenant', ref: persistentvolumeclaims.ref, object: { ...clone(tenantObj), status: clone(superObj.status) }, subresource: 'status' });
    }
    return { actions };
  },
};
