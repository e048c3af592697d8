// PriorityClasses (scheduling.k8s.io/v1) and RuntimeClasses (node.k8s.io/v1).

import type { FieldError } from '../errors.js';
import type { Strategy } from '../strategy.js';
import type { KubeObject } from '../types.js';
import { canonicalizeResourceList } from './quantity.js';
import { validateResourceQuantity, validateTolerations } from './pod-spec.js';
import { registerStrategy } from './register.js';
import { asObj, forbidden, immutable, str } from './util.js';
import { dnsLabel, oneOf, validateLabels } from './validators.js';

export const SYSTEM_PRIORITY_CLASS_PREFIX = 'system-';
export const HIGHEST_USER_DEFINABLE_PRIORITY = 1000000000;
const SYSTEM_CLASSES: Record<string, number> = { 'system-node-critical': 2000001000, 'system-cluster-critical': 2000000000 };

/** scheduling.IsKnownSystemPriorityClass's error, or undefined when it is one. */
function systemClassError(name: string, value: number, globalDefault: boolean): string | undefined {
  const want = SYSTEM_CLASSES[name];
  if (want === undefined) return `name ${name} is not a known system priority class`;
  if (value !== want) return `value of ${name} PriorityClass must be ${want}`;
  if (globalDefault) return `globalDefault of ${name} PriorityClass must be false`;
  return undefined;
}

export function validatePriorityClass(pc: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(pc.metadata?.name);
  const value = typeof pc.value === 'number' ? pc.value : 0;
  if (name.startsWith(SYSTEM_PRIORITY_CLASS_PREFIX)) {
    const e = systemClassError(name, value, pc.globalDefault === true);
    if (e) errs.push(forbidden('metadata.name', `priority class names with '${SYSTEM_PRIORITY_CLASS_PREFIX}' prefix are reserved for system use only. error: ${e}`));
  } else if (value > HIGHEST_USER_DEFINABLE_PRIORITY) {
    errs.push(forbidden('value', `maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`));
  }
  errs.push(...oneOf('preemptionPolicy', pc.preemptionPolicy, ['PreemptLowerPriority', 'Never'], false));
  return errs;
}

export const priorityClassStrategy: Strategy = {
  tracksGeneration: false,
  defaults(obj) {
    if (obj.preemptionPolicy === undefined || obj.preemptionPolicy === null) obj.preemptionPolicy = 'PreemptLowerPriority';
  },
  validate: (obj) => validatePriorityClass(obj),
  validateUpdate(obj, old) {
    const errs = validatePriorityClass(obj);
    if (obj.value !== old.value) errs.push(forbidden('value', 'may not be changed in an update.'));
    errs.push(...immutable('preemptionPolicy', obj.preemptionPolicy ?? null, old.preemptionPolicy ?? null));
    return errs;
  },
};

export function validateRuntimeClass(rc: KubeObject): FieldError[] {
  const errs = dnsLabel('handler', str(rc.handler));
  const overhead = asObj(asObj(rc.overhead)?.podFixed);
  for (const [k, v] of Object.entries(overhead ?? {})) errs.push(...validateResourceQuantity(k, v, `overhead.podFixed[${k}]`));
  const sched = asObj(rc.scheduling);
  if (sched) {
    errs.push(...validateLabels(sched.nodeSelector, 'scheduling.nodeSelector'));
    errs.push(...validateTolerations(sched.tolerations, 'scheduling.tolerations'));
  }
  return errs;
}

export const runtimeClassStrategy: Strategy = {
  tracksGeneration: false,
  defaults(obj) {
    canonicalizeResourceList(asObj(asObj(obj.overhead)?.podFixed));
  },
  validate: (obj) => validateRuntimeClass(obj),
  validateUpdate: (obj, old) => [...validateRuntimeClass(obj), ...immutable('handler', obj.handler ?? '', old.handler ?? '')],
};

registerStrategy('scheduling.k8s.io', 'priorityclasses', priorityClassStrategy);
registerStrategy('node.k8s.io', 'runtimeclasses', runtimeClassStrategy);
