// RuntimeClass admission (plugin/pkg/admission/runtimeclass) on pod creates:
// a pod naming a missing class is refused; the class's overhead becomes the
// pod's spec.overhead (a different one already set is refused) and its
// scheduling constraints are merged into nodeSelector and tolerations.
// Also the RuntimeClass the local cluster offers from the start.

import { forbidden } from '../tenant-apiserver/api/errors.js';
import type { ResourceInfo } from '../tenant-apiserver/api/registry.js';
import type { AdmissionPlugin, AdmissionRequest, ResourceStore } from '../tenant-apiserver/api/store.js';
import { asObj, deepEqual, objs, specOf, str, clone, type Obj } from '../tenant-apiserver/api/strategies/util.js';
import type { KubeObject } from '../tenant-apiserver/api/types.js';
import { parseResourceList } from './resources.js';
import { compareQuantities } from '../tenant-apiserver/api/strategies/quantity.js';
import { ignoring } from './util.js';
import { goQuote } from '../tenant-apiserver/api/goquote.js';

/** The class the local cluster starts with: Kata Containers, with the overhead kata-deploy declares. */
export const KATA_RUNTIME_CLASS: KubeObject = {
  apiVersion: 'node.k8s.io/v1',
  kind: 'RuntimeClass',
  metadata: { name: 'kata' },
  handler: 'kata',
  overhead: { podFixed: { cpu: '250m', memory: '160Mi' } },
};

/** admission.NewForbidden's subject: the request's name, else the object's, else "Unknown". */
export function admissionForbidden(req: AdmissionRequest, message: string) {
  const name = req.name || str(req.object.metadata?.name) || 'Unknown';
  return forbidden({ group: req.info.group, resource: req.info.resource }, name, message);
}

/** Semantic equality of resource lists (quantities compared by value). */
function sameResources(a: unknown, b: unknown): boolean {
  const x = parseResourceList(a);
  const y = parseResourceList(b);
  if (x.size !== y.size) return false;
  for (const [k, q] of x) {
    const o = y.get(k);
    if (!o || compareQuantities(q, o) !== 0) return false;
  }
  return true;
}

/** MergeTolerations: the pod's, plus the class's that no existing one already covers. */
export function mergeTolerations(pod: Obj[], extra: Obj[]): Obj[] {
  const out = pod.map((t) => clone(t));
  for (const t of extra) if (!out.some((o) => deepEqual(o, t))) out.push(clone(t));
  return out;
}

/** Apply a RuntimeClass to a pod spec, as the plugin's Admit and Validate do; returns the refusal message, if any. */
export function applyRuntimeClass(pod: KubeObject, rc: KubeObject | undefined): string | undefined {
  const spec = specOf(pod);
  const overhead = asObj(asObj(rc?.overhead)?.podFixed);
  const podOverhead = asObj(spec.overhead);
  if (overhead) {
    if (podOverhead && Object.keys(podOverhead).length > 0 && !sameResources(podOverhead, overhead)) {
      return "pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead";
    }
    spec.overhead = clone(overhead);
  } else if (podOverhead && Object.keys(podOverhead).length > 0) {
    return 'pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead';
  }
  const scheduling = asObj(rc?.scheduling);
  if (scheduling) {
    const selector = { ...(asObj(spec.nodeSelector) ?? {}) };
    for (const [k, v] of Object.entries(asObj(scheduling.nodeSelector) ?? {})) {
      if (k in selector && selector[k] !== v) {
        return `conflict: runtimeClass.scheduling.nodeSelector[${k}] = ${String(v)}; pod.spec.nodeSelector[${k}] = ${String(selector[k])}`;
      }
      selector[k] = v;
    }
    if (Object.keys(selector).length > 0) spec.nodeSelector = selector;
    const tolerations = mergeTolerations(objs(spec.tolerations), objs(scheduling.tolerations));
    if (tolerations.length > 0) spec.tolerations = tolerations;
  }
  return undefined;
}

export function runtimeClassAdmission(store: ResourceStore, runtimeClasses: ResourceInfo): AdmissionPlugin {
  return {
    name: 'RuntimeClass',
    async admit(req) {
      if (req.operation !== 'CREATE' || req.subresource || req.info.group !== '' || req.info.resource !== 'pods') return;
      const className = str(asObj(req.object.spec)?.runtimeClassName);
      let rc: KubeObject | undefined;
      if (className) {
        rc = await ignoring(() => store.get(runtimeClasses, undefined, className));
        if (!rc) throw admissionForbidden(req, `pod rejected: RuntimeClass ${goQuote(className)} not found`);
      }
      const refusal = applyRuntimeClass(req.object, rc);
      if (refusal) throw admissionForbidden(req, refusal);
    },
  };
}
