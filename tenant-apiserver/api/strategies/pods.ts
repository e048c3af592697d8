// Pods (pkg/registry/core/pod/strategy.go): server-owned status on create, the
// narrow set of spec fields an update may touch, kube's graceful-deletion rules,
// and the field selectors kubelets and schedulers rely on.

import type { FieldError } from '../errors.js';
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

