// Pods (pkg/registry/core/pod/strategy.go): server-owned status on create, the
// narrow set of spec fields an update may touch, kube's graceful-deletion rules,
// and the field selectors kubelets and schedulers rely on.

import { conflict, invalid as invalidError, type FieldError } from '../errors.js';
import type { Strategy, StrategyContext } from '../strategy.js';
import { rfc3339, type KubeObject } from '../types.js';
import { registerStrategy } from './register.js';
import { defaultPodSpec, podQosClass, podSpecQuantityError, validatePodSpec, validateTolerations, type QosClass } from './pod-spec.js';
import {
  asArr,
  asObj,
  canonicalJson,
  clone,
  decodeError,
  deepEqual,
  forbidden,
  invalid,
  notSupported,
  objs,
  required,
  specOf,
  str,
  type Obj,
} from './util.js';
import { dnsSubdomain, inclusiveRangeError, qualifiedName, validIP } from './validators.js';

const MAX_INT32 = 2147483647;

/** The fields a pod update may change, as kube lists them in its refusal. */
export const UPDATABLE_POD_SPEC_FIELDS = [
  '`spec.containers[*].image`',
  '`spec.initContainers[*].image`',
  '`spec.activeDeadlineSeconds`',
  '`spec.tolerations` (only additions to existing tolerations)',
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
];

/** Defaults a whole Pod: spec defaults including the Pod-only ones. */
export function defaultPod(pod: KubeObject): void {
  defaultPodSpec(specOf(pod), { pod: true });
}

function checkQuantities(pod: KubeObject, ctx: StrategyContext): void {
  const err = podSpecQuantityError(specOf(pod));
  if (err) throw decodeError(ctx, err);
}

/** The QoS class recorded in status, or computed when absent (qos.GetPodQOS). */
export function podQos(pod: KubeObject): QosClass {
  const recorded = str(asObj(pod.status)?.qosClass);
  if (recorded === 'Guaranteed' || recorded === 'Burstable' || recorded === 'BestEffort') return recorded;
  return podQosClass(pod.spec);
}

// ---- update rules ---------------------------------------------------------------------------------------------------

/** A short, path-per-line rendering of what differs, in place of kube's cmp.Diff. */
export function specDiff(before: unknown, after: unknown, path = 'spec'): string[] {
  const a = canonicalJson(before);
  const b = canonicalJson(after);
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  const ao = asObj(a);
  const bo = asObj(b);
  if (ao && bo) {
    const keys = [...new Set([...Object.keys(ao), ...Object.keys(bo)])].sort();
    return keys.flatMap((k) => specDiff(ao[k], bo[k], `${path}.${k}`));
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    return a.flatMap((x, i) => specDiff(x, b[i], `${path}[${i}]`));
  }
  const out: string[] = [];
  if (a !== undefined) out.push(`- \t${path}: ${JSON.stringify(a)}`);
  if (b !== undefined) out.push(`+ \t${path}: ${JSON.stringify(b)}`);
  return out;
}

function containerUpdates(next: Obj[], prev: Obj[], field: string): { errs: FieldError[]; stop: boolean } {
  if (next.length !== prev.length) return { errs: [forbidden(field, 'pod updates may not add or remove containers')], stop: true };
  const errs: FieldError[] = [];
  next.forEach((c, i) => {
    const image = str(c.image);
    if (!image) errs.push(required(`${field}[${i}].image`));
    if (image.trim() !== image) errs.push(invalid(`${field}[${i}].image`, image, 'must not have leading or trailing whitespace'));
  });
  return { errs, stop: false };
}

function onlyAddedTolerations(next: unknown, prev: unknown, field: string): FieldError[] {
  const nt = objs(next);
  for (const old of objs(prev)) {
    const found = nt.some((t) => deepEqual({ ...old, tolerationSeconds: t.tolerationSeconds }, t));
    if (!found) return [forbidden(field, 'existing toleration can not be modified except its tolerationSeconds')];
  }
  return validateTolerations(next, field);
}

/** ValidatePodUpdate's spec rules (metadata and full spec validation are separate). */
export function validatePodSpecUpdate(pod: KubeObject, old: KubeObject): FieldError[] {
  const spec = asObj(pod.spec) ?? {};
  const oldSpec = asObj(old.spec) ?? {};
  const errs: FieldError[] = [];
  for (const k of ['containers', 'initContainers'] as const) {
    const r = containerUpdates(objs(spec[k]), objs(oldSpec[k]), `spec.${k}`);
    errs.push(...r.errs);
    if (r.stop) return errs;
  }
  const ads = spec.activeDeadlineSeconds;
  const oldAds = oldSpec.activeDeadlineSeconds;
  if (typeof ads === 'number') {
    if (ads < 0 || ads > MAX_INT32) return [...errs, invalid('spec.activeDeadlineSeconds', ads, inclusiveRangeError(0, MAX_INT32))];
    if (typeof oldAds === 'number' && oldAds < ads) return [...errs, invalid('spec.activeDeadlineSeconds', ads, 'must be less than or equal to previous value')];
  } else if (typeof oldAds === 'number') {
    errs.push(invalid('spec.activeDeadlineSeconds', 'null', 'must not update from a positive integer to nil value'));
  }
  errs.push(...onlyAddedTolerations(spec.tolerations, oldSpec.tolerations, 'spec.tolerations'));
  const oldGates = new Set(objs(oldSpec.schedulingGates).map((g) => str(g.name)));
  objs(spec.schedulingGates).forEach((g, i) => {
    if (!oldGates.has(str(g.name))) {
      errs.push(forbidden(`spec.schedulingGates[${i}].name`, `only deletion is allowed, but found new scheduling gate '${str(g.name)}'`));
    }
  });
  if (deepEqual(spec, oldSpec)) return errs;

  const oldQos = podQos(old);
  if (oldQos !== podQosClass(spec)) errs.push(invalid('metadata', oldQos, 'Pod QoS is immutable'));

  // Munge the updatable fields back to their old values; anything left differing is forbidden.
  const munged = clone(spec);
  for (const k of ['containers', 'initContainers'] as const) {
    const prev = objs(oldSpec[k]);
    objs(munged[k]).forEach((c, i) => {
      if (prev[i] && 'image' in prev[i]!) c.image = prev[i]!.image;
      else delete c.image;
    });
  }
  for (const k of ['activeDeadlineSeconds', 'schedulingGates', 'tolerations']) {
    if (oldSpec[k] === undefined) delete munged[k];
    else munged[k] = clone(oldSpec[k]);
  }
  const oldTgps = oldSpec.terminationGracePeriodSeconds;
  if (typeof oldTgps === 'number' && oldTgps < 0 && munged.terminationGracePeriodSeconds === 1) munged.terminationGracePeriodSeconds = oldTgps;
  if (asArr(oldSpec.schedulingGates).length > 0) {
    // Gated pods may gain node selector entries (never lose or change them).
    const oldSel = asObj(oldSpec.nodeSelector) ?? {};
    const newSel = asObj(munged.nodeSelector) ?? {};
    if (!deepEqual(oldSel, newSel)) {
      const changed = Object.entries(oldSel).some(([k, v]) => newSel[k] !== v);
      if (changed) errs.push(invalid('spec.nodeSelector', JSON.stringify(newSel), 'only additions to spec.nodeSelector are allowed (no mutations or deletions)'));
      if (oldSpec.nodeSelector === undefined) delete munged.nodeSelector;
      else munged.nodeSelector = clone(oldSpec.nodeSelector);
    }
  }
  if (!deepEqual(munged, oldSpec)) {
    const diff = ['  core.PodSpec{', ...specDiff(oldSpec, munged), '  }'].join('\n');
    errs.push(forbidden('spec', `pod updates may not change fields other than ${UPDATABLE_POD_SPEC_FIELDS.join(',')}\n${diff}`));
  }
  return errs;
}

// ---- create-time checks ---------------------------------------------------------------------------------------------

function validatePodCommon(pod: KubeObject): FieldError[] {
  const spec = asObj(pod.spec) ?? {};
  const errs = validatePodSpec(spec, 'spec', { pod: true });
  const annotations = asObj(pod.metadata?.annotations) ?? {};
  const mirror = annotations['kubernetes.io/config.mirror'];
  if (mirror !== undefined && !str(spec.nodeName)) {
    errs.push(invalid('metadata.annotations[kubernetes.io/config.mirror]', mirror, 'must set spec.nodeName if mirror pod annotation is set'));
  }
  if (!str(spec.serviceAccountName)) {
    objs(spec.volumes).forEach((v, vi) => {
      objs(asObj(v.projected)?.sources).forEach((s, si) => {
        if (s.serviceAccountToken) {
          errs.push(forbidden(`spec.volumes[${vi}].projected.sources[${si}].serviceAccountToken`, 'must not be specified when serviceAccountName is not set'));
        }
      });
    });
  }
  return errs;
}

function validatePodStatus(pod: KubeObject, old: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const status = asObj(pod.status) ?? {};
  if (str(asObj(pod.spec)?.nodeName) !== str(asObj(old.spec)?.nodeName)) errs.push(forbidden('status.nodeName', 'may not be changed directly'));
  const nominated = str(status.nominatedNodeName);
  if (nominated && nominated !== str(asObj(old.status)?.nominatedNodeName)) errs.push(...dnsSubdomain('status.nominatedNodeName', nominated));
  const system = new Set(['PodScheduled', 'Ready', 'Initialized']);
  // kube roots condition errors at `metadata` (validatePodConditions is handed that path).
  objs(status.conditions).forEach((c, i) => {
    if (!system.has(str(c.type))) errs.push(...qualifiedName(`metadata.conditions[${i}].Type`, str(c.type)));
  });
  const podIPs = objs(status.podIPs);
  podIPs.forEach((ip, i) => errs.push(...validIP(`status.podIPs[${i}]`, str(ip.ip))));
  const hostIPs = objs(status.hostIPs);
  if (hostIPs.length > 0 && str(status.hostIP) !== str(hostIPs[0]!.ip)) errs.push(invalid('status.hostIPs[0].ip', str(hostIPs[0]!.ip), 'must be equal to `hostIP`'));
  return errs;
}

// ---- binding --------------------------------------------------------------------------------------------------------

/** ValidatePodBinding: the Binding body a scheduler posts to pods/binding. */
export function validateBinding(binding: KubeObject): FieldError[] {
  const target = asObj(binding.target) ?? {};
  const errs: FieldError[] = [];
  const kind = str(target.kind);
  if (kind && kind !== 'Node') errs.push(notSupported('target.kind', kind, ['Node', '<empty>']));
  if (!str(target.name)) errs.push(required('target.name'));
  return errs;
}

/**
 * Apply a Binding to a stored pod the way kube's BindingREST does: set
 * spec.nodeName, merge the binding's annotations, mark PodScheduled. Throws
 * kube's errors (422 for a bad binding, 409 when already bound, gated or deleting).
 * Mutates and returns `pod`.
 */
export function bindPod(pod: KubeObject, binding: KubeObject, now: Date): KubeObject {
  const name = str(pod.metadata?.name);
  const errs = validateBinding(binding);
  if (errs.length > 0) throw invalidError('Binding', '', str(binding.metadata?.name) || name, errs);
  const gr = { group: '', resource: 'pods/binding' };
  const spec = specOf(pod);
  if (pod.metadata?.deletionTimestamp) throw conflict(gr, name, `pod ${name} is being deleted, cannot be assigned to a host`);
  if (str(spec.nodeName)) throw conflict(gr, name, `pod ${name} is already assigned to node ${JSON.stringify(str(spec.nodeName))}`);
  if (asArr(spec.schedulingGates).length > 0) throw conflict(gr, name, `pod ${name} has non-empty .spec.schedulingGates`);
  spec.nodeName = str(asObj(binding.target)?.name);
  const ann = asObj(binding.metadata?.annotations);
  if (ann && Object.keys(ann).length > 0) pod.metadata = { ...pod.metadata, annotations: { ...(pod.metadata?.annotations ?? {}), ...(ann as Record<string, string>) } };
  const status = (asObj(pod.status) ?? {}) as Obj;
  const conditions = objs(status.conditions);
  const existing = conditions.find((c) => c.type === 'PodScheduled');
  if (existing) {
    if (existing.status !== 'True') existing.lastTransitionTime = rfc3339(now);
    existing.status = 'True';
    delete existing.reason;
    delete existing.message;
  } else {
    conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: rfc3339(now) });
  }
  status.conditions = conditions;
  pod.status = status;
  return pod;
}

/** An update through pods/binding may only have set nodeName on an unbound pod. */
function validateBindingUpdate(pod: KubeObject, old: KubeObject): FieldError[] {
  const spec = { ...(asObj(pod.spec) ?? {}) };
  const oldSpec = { ...(asObj(old.spec) ?? {}) };
  const errs: FieldError[] = [];
  if (str(oldSpec.nodeName)) errs.push(forbidden('spec.nodeName', 'may not be changed directly'));
  delete spec.nodeName;
  delete oldSpec.nodeName;
  if (!deepEqual(spec, oldSpec)) errs.push(forbidden('spec', 'a binding may only set spec.nodeName'));
  return errs;
}

// ---- ephemeral containers and resize --------------------------------------------------------------------------------

// Fields an ephemeral container may carry (allowedEphemeralContainerFields).
const EPHEMERAL_FORBIDDEN = ['ports', 'resources', 'livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle', 'resizePolicy', 'restartPolicy'];

/** ValidatePodEphemeralContainersUpdate: containers may be added, never removed or changed. */
function validateEphemeralUpdate(pod: KubeObject, old: KubeObject): FieldError[] {
  const spec = asObj(pod.spec) ?? {};
  const oldSpec = asObj(old.spec) ?? {};
  const errs: FieldError[] = [];
  const a = { ...spec };
  const b = { ...oldSpec };
  delete a.ephemeralContainers;
  delete b.ephemeralContainers;
  if (!deepEqual(a, b)) errs.push(forbidden('spec', 'only ephemeralContainers may be changed through the ephemeralcontainers subresource'));
  const next = objs(spec.ephemeralContainers);
  const byName = new Map(next.map((c) => [str(c.name), c]));
  for (const prev of objs(oldSpec.ephemeralContainers)) {
    const cur = byName.get(str(prev.name));
    if (!cur) errs.push(forbidden('spec.ephemeralContainers', `existing ephemeral containers ${JSON.stringify(str(prev.name))} may not be removed\n`));
    else if (!deepEqual(cur, prev)) {
      errs.push(forbidden('spec.ephemeralContainers', `existing ephemeral containers ${JSON.stringify(str(prev.name))} may not be changed\n${specDiff(prev, cur, 'container').join('\n')}`));
    }
  }
  const others = new Set([...objs(spec.containers), ...objs(spec.initContainers)].map((c) => str(c.name)));
  const seen = new Set(others);
  next.forEach((c, i) => {
    const p = `spec.ephemeralContainers[${i}]`;
    const name = str(c.name);
    if (!name) errs.push(required(`${p}.name`));
    else if (seen.has(name)) errs.push({ type: 'FieldValueDuplicate', field: `${p}.name`, value: name });
    seen.add(name);
    if (!str(c.image)) errs.push(required(`${p}.image`));
    const target = str(c.targetContainerName);
    if (target && !others.has(target)) errs.push(invalid(`${p}.targetContainerName`, target, 'not found'));
    for (const k of EPHEMERAL_FORBIDDEN) {
      const v = c[k];
      if (v === undefined || v === null || (k === 'resources' && deepEqual(v, {}))) continue;
      errs.push(forbidden(`${p}.${k}`, 'cannot be set for an Ephemeral Container'));
    }
  });
  return errs;
}

/** pods/resize: only cpu and memory of container resources may change, and the QoS class may not. */
function validateResize(pod: KubeObject, old: KubeObject): FieldError[] {
  const spec = clone(asObj(pod.spec) ?? {});
  const oldSpec = asObj(old.spec) ?? {};
  const errs: FieldError[] = [];
  const oldContainers = objs(oldSpec.containers);
  objs(spec.containers).forEach((c, i) => {
    const prev = asObj(oldContainers[i]?.resources) ?? {};
    const res = asObj(c.resources) ?? {};
    for (const kind of ['requests', 'limits']) {
      const list = { ...(asObj(res[kind]) ?? {}) };
      const prevList = asObj(prev[kind]) ?? {};
      delete list.cpu;
      delete list.memory;
      for (const r of ['cpu', 'memory']) if (r in prevList) list[r] = prevList[r];
      if (Object.keys(list).length > 0 || res[kind] !== undefined) res[kind] = list;
    }
    c.resources = res;
  });
  if (!deepEqual(spec, oldSpec)) errs.push(forbidden('spec', 'only cpu and memory resources are mutable'));
  const oldQos = podQos(old);
  if (oldQos !== podQosClass(pod.spec)) errs.push(invalid('spec.containers', oldQos, 'Pod QOS Class may not change as a result of resizing'));
  return errs;
}

// ---- strategy -------------------------------------------------------------------------------------------------------

export const podStrategy: Strategy = {
  nameRule: 'subdomain',
  returnDeletedObject: true,

  prepareForCreate(obj, ctx) {
    checkQuantities(obj, ctx);
    // kube defaults while decoding, so QoS sees requests copied from limits.
    defaultPod(obj);
    const spec = specOf(obj);
    const status: Obj = { phase: 'Pending', qosClass: podQosClass(spec) };
    if (asArr(spec.schedulingGates).length > 0) {
      status.conditions = [
        {
          type: 'PodScheduled',
          status: 'False',
          lastProbeTime: null,
          lastTransitionTime: rfc3339(ctx.now),
          reason: 'SchedulingGated',
          message: 'Scheduling is blocked due to non-empty scheduling gates',
        },
      ];
    }
    obj.status = status;
  },

  prepareForUpdate(obj, _old, ctx) {
    if (ctx.subresource !== 'status') checkQuantities(obj, ctx);
  },

  defaults(obj) {
    defaultPod(obj);
  },

  validate(obj) {
    const errs = validatePodCommon(obj);
    const spec = asObj(obj.spec) ?? {};
    if (asArr(spec.ephemeralContainers).length > 0) errs.push(forbidden('spec.ephemeralContainers', 'cannot be set on create'));
    if (str(spec.nodeName) && asArr(spec.schedulingGates).length > 0) {
      errs.push(forbidden('spec.nodeName', 'cannot be set until all schedulingGates have been cleared'));
    }
    return errs;
  },

  validateUpdate(obj, old, ctx) {
    if (ctx.subresource === 'status') return validatePodStatus(obj, old);
    if (ctx.subresource === 'binding') return [...validatePodCommon(obj), ...validateBindingUpdate(obj, old)];
    if (ctx.subresource === 'ephemeralcontainers') return [...validatePodCommon(obj), ...validateEphemeralUpdate(obj, old)];
    if (ctx.subresource === 'resize') return [...validatePodCommon(obj), ...validateResize(obj, old)];
    return [...validatePodCommon(obj), ...validatePodSpecUpdate(obj, old)];
  },

  selectableFields(obj) {
    const spec = asObj(obj.spec) ?? {};
    const status = asObj(obj.status) ?? {};
    const ips = objs(status.podIPs);
    return {
      'spec.nodeName': str(spec.nodeName),
      'spec.restartPolicy': str(spec.restartPolicy),
      'spec.schedulerName': str(spec.schedulerName),
      'spec.serviceAccountName': str(spec.serviceAccountName),
      'spec.hostNetwork': String(spec.hostNetwork === true),
      'status.phase': str(status.phase),
      'status.podIP': ips.length > 0 ? str(ips[0]!.ip) : str(status.podIP),
      'status.nominatedNodeName': str(status.nominatedNodeName),
    };
  },

  gracePeriodSeconds(obj, requested) {
    const spec = asObj(obj.spec) ?? {};
    const phase = str(asObj(obj.status)?.phase);
    const fallback = typeof spec.terminationGracePeriodSeconds === 'number' ? spec.terminationGracePeriodSeconds : 30;
    let period = requested ?? fallback;
    // Nothing runs an unscheduled pod, and a finished one has nothing left to stop.
    if (!str(spec.nodeName)) period = 0;
    if (phase === 'Failed' || phase === 'Succeeded') period = 0;
    if (period < 0) period = 1;
    return period;
  },
};

registerStrategy('', 'pods', podStrategy);

/** Whether a pod's spec is fully defaulted the way the store leaves it (used by tests and syncers). */
export function isDefaultedPod(pod: KubeObject): boolean {
  const copy = clone(pod);
  defaultPod(copy);
  return deepEqual(copy, pod);
}

