// Services: the super cluster allocates; the tenant shows what it allocated.
// Down: the spec without what the super owns (cluster IPs, IP families, node
// ports) and without externalIPs (a tenant could otherwise capture traffic
// for any address in the super cluster, CVE-2020-8554). Headless services
// stay headless. Up: the super's cluster IP (written once into the tenant's
// spec, as an allocator would; the tenant API server allows setting it from
// empty) and node ports, and the load-balancer status.

import { CORE, asArr, asObj, clone, objs, semanticEqual, str, type KubeObject, type Obj } from '../types.js';
import type { Action, KindSync } from '../engine/kind.js';

/** Spec fields the super cluster allocates or that must not cross. */
const SUPER_OWNED = ['clusterIP', 'clusterIPs', 'ipFamilies', 'ipFamilyPolicy', 'healthCheckNodePort', 'externalIPs'];

function headless(spec: Obj): boolean {
  return str(spec.clusterIP) === 'None';
}

function portKey(p: Obj): string {
  return `${str(p.protocol) || 'TCP'}/${String(p.port)}`;
}

/** The tenant-controlled part of a spec, for comparing and copying. */
function tenantPart(spec: Obj | undefined): Obj {
  const out = clone(spec ?? {});
  const keepHeadless = headless(out);
  for (const k of SUPER_OWNED) delete out[k];
  if (keepHeadless) {
    out.clusterIP = 'None';
    out.clusterIPs = ['None'];
  }
  out.ports = objs(out.ports).map((p) => {
    const q = { ...p };
    delete q.nodePort;
    return q;
  });
  return out;
}

export const services: KindSync = {
  ref: CORE('services', 'Service'),
  fields: ['spec'],
  toSuper: (svc) => ({ spec: tenantPart(asObj(svc.spec)) }),
  equal: (desired, superObj) => semanticEqual(tenantPart(asObj(desired.spec)), tenantPart(asObj(superObj.spec))),
  merge(desired, superObj) {
    const out = clone(superObj);
    const have = asObj(superObj.spec) ?? {};
    const spec = tenantPart(asObj(desired.spec));
    for (const k of SUPER_OWNED) if (k !== 'externalIPs' && have[k] !== undefined && !(k in spec)) spec[k] = clone(have[k]);
    // Keep allocated node ports for ports that are still there.
    const nodePorts = new Map(objs(have.ports).map((p) => [portKey(p), p.nodePort]));
    for (const p of objs(spec.ports)) if (nodePorts.get(portKey(p)) !== undefined) p.nodePort = nodePorts.get(portKey(p));
    out.spec = spec;
    return out;
  },
  backToTenant(superObj, tenantObj) {
    const actions: Action[] = [];
    const sup = asObj(superObj.spec) ?? {};
    const ten = clone(asObj(tenantObj.spec) ?? {});
    let changed = false;
    const ip = str(sup.clusterIP);
    if (ip && ip !== 'None' && !str(ten.clusterIP)) {
      ten.clusterIP = ip;
      ten.clusterIPs = asArr(sup.clusterIPs).length > 0 ? clone(sup.clusterIPs) : [ip];
      changed = true;
    }
    const superPorts = new Map(objs(sup.ports).map((p) => [portKey(p), p.nodePort]));
    for (const p of objs(ten.ports)) {
      const np = superPorts.get(portKey(p));
      if (typeof np === 'number' && np > 0 && !p.nodePort) {
        p.nodePort = np;
        changed = true;
      }
    }
    if (changed) actions.push({ op: 'update-tenant', ref: services.ref, object: { ...clone(tenantObj), spec: ten }, why: 'allocated values' });
    const lb = asObj(superObj.status)?.loadBalancer;
    const status: Obj = { ...(asObj(tenantObj.status) ?? {}), loadBalancer: clone(lb ?? {}) };
    const conditions = asObj(superObj.status)?.conditions;
    if (conditions !== undefined) status.conditions = clone(conditions);
    if (!semanticEqual(status, tenantObj.status)) {
      actions.push({ op: 'update-tenant', ref: services.ref, object: { ...clone(tenantObj), status }, subresource: 'status' });
    }
    return { actions };
  },
};

/** The cluster IP a tenant service shows (set once the super allocated one), or ''. */
export function tenantClusterIP(svc: KubeObject): string {
  return str(asObj(svc.spec)?.clusterIP);
}
