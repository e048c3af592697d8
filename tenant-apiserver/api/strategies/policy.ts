// policy/v1 PodDisruptionBudgets (pkg/apis/policy/validation, pkg/registry/policy/poddisruptionbudget).

import type { FieldError } from '../errors.js';
import type { Strategy } from '../strategy.js';
import type { KubeObject } from '../types.js';
import { registerStrategy } from './register.js';
import { asObj, goIntOrString, goLabelSelector, invalidGo, notSupported, type Obj } from './util.js';
import { nonNegative, notMoreThan100Percent, positiveIntOrPercent, validateLabelSelector } from './validators.js';

function goPtrIntOrString(v: unknown): string {
  return v === undefined || v === null ? '(*intstr.IntOrString)(nil)' : `&${goIntOrString(v)}`;
}

/** policy.PodDisruptionBudgetSpec as `%#v` prints it (kube shows pointers; we show their values). */
function goPdbSpec(spec: Obj): string {
  const sel = spec.selector === undefined || spec.selector === null ? '(*v1.LabelSelector)(nil)' : `&${goLabelSelector(spec.selector)}`;
  const policy = typeof spec.unhealthyPodEvictionPolicy === 'string' ? `&"${spec.unhealthyPodEvictionPolicy}"` : '(*policy.UnhealthyPodEvictionPolicyType)(nil)';
  return `policy.PodDisruptionBudgetSpec{MinAvailable:${goPtrIntOrString(spec.minAvailable)}, Selector:${sel}, MaxUnavailable:${goPtrIntOrString(spec.maxUnavailable)}, UnhealthyPodEvictionPolicy:${policy}}`;
}

export function validatePdb(pdb: KubeObject): FieldError[] {
  const spec = asObj(pdb.spec) ?? {};
  const errs: FieldError[] = [];
  const hasMin = spec.minAvailable !== undefined && spec.minAvailable !== null;
  const hasMax = spec.maxUnavailable !== undefined && spec.maxUnavailable !== null;
  if (hasMin && hasMax) errs.push(invalidGo('spec', goPdbSpec(spec), 'minAvailable and maxUnavailable cannot be both set'));
  for (const k of ['minAvailable', 'maxUnavailable']) {
    if (spec[k] === undefined || spec[k] === null) continue;
    errs.push(...positiveIntOrPercent(`spec.${k}`, spec[k]), ...notMoreThan100Percent(`spec.${k}`, spec[k]));
  }
  errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  const uep = spec.unhealthyPodEvictionPolicy;
  if (uep !== undefined && uep !== null && uep !== 'AlwaysAllow' && uep !== 'IfHealthyBudget') {
    errs.push(notSupported('spec.unhealthyPodEvictionPolicy', uep, ['AlwaysAllow', 'IfHealthyBudget']));
  }
  return errs;
}

function validatePdbStatus(pdb: KubeObject): FieldError[] {
  const s = asObj(pdb.status) ?? {};
  const errs: FieldError[] = [];
  for (const k of ['disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods']) errs.push(...nonNegative(`status.${k}`, s[k]));
  return errs;
}

export const pdbStrategy: Strategy = {
  prepareForCreate(obj) {
    // The status counters are plain ints in v1: always serialised.
    obj.status = { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
  },
  validate: (obj) => validatePdb(obj),
  validateUpdate(obj, _old, ctx) {
    if (ctx.subresource === 'status') return validatePdbStatus(obj);
    return validatePdb(obj);
  },
};

registerStrategy('policy', 'poddisruptionbudgets', pdbStrategy);
