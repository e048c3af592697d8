// apps/v1 workloads (pkg/apis/apps/v1/defaults.go, pkg/apis/apps/validation,
// pkg/registry/apps/*/strategy.go): defaults, selector/template agreement,
// immutable selectors, the StatefulSet update allow-list and the DaemonSet
// template generation annotation.

import type { FieldError } from '../errors.js';
import type { Strategy } from '../strategy.js';
import type { KubeObject } from '../types.js';
import { defaultPodTemplateSpec, podSpecQuantityError, validatePodTemplateSpec } from './pod-spec.js';
import { registerStrategy } from './register.js';
import {
  asObj,
  clone,
  decodeError,
  deepEqual,
  ensureObj,
  forbidden,
  goIntOrString,
  goLabelSelector,
  goStringMap,
  immutable,
  invalid,
  invalidGo,
  metaOf,
  notSupported,
  objs,
  required,
  setDefault,
  setDefaultStr,
  specOf,
  str,
  type Obj,
} from './util.js';
import {
  intOrPercentValue,
  nonNegative,
  notMoreThan100Percent,
  positiveIntOrPercent,
  selectorEmpty,
  selectorMatches,
  validateLabelSelector,
  validateLabels,
} from './validators.js';
import type { StrategyContext } from '../strategy.js';

export const DAEMONSET_TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

function template(spec: Obj): Obj {
  return ensureObj(spec, 'template');
}

function checkTemplateQuantities(obj: KubeObject, ctx: StrategyContext): void {
  const tspec = asObj(asObj(asObj(obj.spec)?.template)?.spec);
  const err = tspec ? podSpecQuantityError(tspec) : undefined;
  if (err) throw decodeError(ctx, err);
}

// ---- defaults -------------------------------------------------------------------------------------------------------

export function defaultDeployment(d: KubeObject): void {
  const spec = specOf(d);
  setDefault(spec, 'replicas', 1);
  const strategy = ensureObj(spec, 'strategy');
  setDefaultStr(strategy, 'type', 'RollingUpdate');
  if (strategy.type === 'RollingUpdate') {
    const ru = ensureObj(strategy, 'rollingUpdate');
    setDefault(ru, 'maxUnavailable', '25%');
    setDefault(ru, 'maxSurge', '25%');
  }
  setDefault(spec, 'revisionHistoryLimit', 10);
  setDefault(spec, 'progressDeadlineSeconds', 600);
  defaultPodTemplateSpec(template(spec));
}

export function defaultReplicaSet(rs: KubeObject): void {
  const spec = specOf(rs);
  setDefault(spec, 'replicas', 1);
  defaultPodTemplateSpec(template(spec));
}

export function defaultStatefulSet(ss: KubeObject): void {
  const spec = specOf(ss);
  setDefaultStr(spec, 'podManagementPolicy', 'OrderedReady');
  const us = ensureObj(spec, 'updateStrategy');
  if (!us.type) {
    us.type = 'RollingUpdate';
    setDefault(us, 'rollingUpdate', {});
  }
  const ru = asObj(us.rollingUpdate);
  if (us.type === 'RollingUpdate' && ru) setDefault(ru, 'partition', 0);
  const ret = ensureObj(spec, 'persistentVolumeClaimRetentionPolicy');
  setDefaultStr(ret, 'whenDeleted', 'Retain');
  setDefaultStr(ret, 'whenScaled', 'Retain');
  setDefault(spec, 'replicas', 1);
  setDefault(spec, 'revisionHistoryLimit', 10);
  defaultPodTemplateSpec(template(spec));
  for (const pvc of objs(spec.volumeClaimTemplates)) {
    // Claim templates are whole PVCs to kube, printed with their type and a Pending status.
    setDefault(pvc, 'apiVersion', 'v1');
    setDefault(pvc, 'kind', 'PersistentVolumeClaim');
    setDefaultStr(ensureObj(pvc, 'spec'), 'volumeMode', 'Filesystem');
    setDefaultStr(ensureObj(pvc, 'status'), 'phase', 'Pending');
  }
}

export function defaultDaemonSet(ds: KubeObject): void {
  const spec = specOf(ds);
  const us = ensureObj(spec, 'updateStrategy');
  setDefaultStr(us, 'type', 'RollingUpdate');
  if (us.type === 'RollingUpdate') {
    const ru = ensureObj(us, 'rollingUpdate');
    setDefault(ru, 'maxUnavailable', 1);
    setDefault(ru, 'maxSurge', 0);
  }
  setDefault(spec, 'revisionHistoryLimit', 10);
  defaultPodTemplateSpec(template(spec));
}

// ---- validation -----------------------------------------------------------------------------------------------------

/**
 * The selector/template agreement every controller checks, plus pod template
 * validation and the restartPolicy/activeDeadlineSeconds rules. `kindName` goes
 * into kube's "activeDeadlineSeconds in X is not Supported".
 */
export function validateTemplateForSelector(spec: Obj, kindName: string, opts: { validatePodSpec: boolean; emptySelectorKind: string }): FieldError[] {
  const errs: FieldError[] = [];
  const sel = spec.selector;
  if (sel === undefined || sel === null) errs.push(required('spec.selector'));
  else {
    errs.push(...validateLabelSelector(sel, 'spec.selector'));
    if (selectorEmpty(sel)) errs.push(invalidGo('spec.selector', goLabelSelector(sel), `empty selector is invalid for ${opts.emptySelectorKind}`));
  }
  const t = asObj(spec.template);
  if (!t) return [...errs, required('spec.template')];
  const labels = asObj(t.metadata)?.labels;
  // A missing selector converts to kube's "nothing" selector, which matches no labels either.
  if ((!asObj(sel) || !selectorEmpty(sel)) && !selectorMatches(sel, labels)) {
    errs.push(invalidGo('spec.template.metadata.labels', goStringMap(labels), '`selector` does not match template `labels`'));
  }
  if (opts.validatePodSpec) errs.push(...validatePodTemplateSpec(t, 'spec.template'));
  else errs.push(...validateLabels(labels, 'spec.template.labels'));
  const tspec = asObj(t.spec) ?? {};
  if (tspec.restartPolicy !== 'Always') errs.push(notSupported('spec.template.spec.restartPolicy', tspec.restartPolicy ?? '', ['Always']));
  if (tspec.activeDeadlineSeconds !== undefined && tspec.activeDeadlineSeconds !== null) {
    errs.push(forbidden('spec.template.spec.activeDeadlineSeconds', `activeDeadlineSeconds in ${kindName} is not Supported`));
  }
  return errs;
}

export function validateDeploymentSpec(d: KubeObject): FieldError[] {
  const spec = asObj(d.spec) ?? {};
  const errs = nonNegative('spec.replicas', spec.replicas);
  errs.push(...validateTemplateForSelector(spec, 'ReplicaSet', { validatePodSpec: true, emptySelectorKind: 'deployment' }));
  const strategy = asObj(spec.strategy) ?? {};
  const type = str(strategy.type);
  if (type === 'Recreate') {
    if (strategy.rollingUpdate !== undefined && strategy.rollingUpdate !== null) {
      errs.push(forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'"));
    }
  } else if (type === 'RollingUpdate') {
    const ru = asObj(strategy.rollingUpdate);
    if (!ru) errs.push(required('spec.strategy.rollingUpdate', 'this should be defaulted and never be nil'));
    else {
      const p = 'spec.strategy.rollingUpdate';
      errs.push(...positiveIntOrPercent(`${p}.maxUnavailable`, ru.maxUnavailable), ...positiveIntOrPercent(`${p}.maxSurge`, ru.maxSurge));
      if (intOrPercentValue(ru.maxUnavailable) === 0 && intOrPercentValue(ru.maxSurge) === 0) {
        errs.push(invalidGo(`${p}.maxUnavailable`, goIntOrString(ru.maxUnavailable), 'may not be 0 when `maxSurge` is 0'));
      }
      errs.push(...notMoreThan100Percent(`${p}.maxUnavailable`, ru.maxUnavailable));
    }
  } else {
    errs.push(notSupported('spec.strategy', type, ['Recreate', 'RollingUpdate']));
  }
  errs.push(...nonNegative('spec.minReadySeconds', spec.minReadySeconds), ...nonNegative('spec.revisionHistoryLimit', spec.revisionHistoryLimit));
  const pds = spec.progressDeadlineSeconds;
  if (typeof pds === 'number') {
    errs.push(...nonNegative('spec.progressDeadlineSeconds', pds));
    const mrs = typeof spec.minReadySeconds === 'number' ? spec.minReadySeconds : 0;
    if (pds <= mrs) errs.push(invalid('spec.progressDeadlineSeconds', pds, 'must be greater than minReadySeconds'));
  }
  return errs;
}

function selectorImmutable(obj: KubeObject, old: KubeObject): FieldError[] {
  return immutable('spec.selector', asObj(obj.spec)?.selector, asObj(old.spec)?.selector, goLabelSelector);
}

const STATUS_COUNTERS: Record<string, string[]> = {
  Deployment: ['replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas', 'observedGeneration', 'collisionCount'],
  ReplicaSet: ['replicas', 'fullyLabeledReplicas', 'readyReplicas', 'availableReplicas', 'observedGeneration'],
  StatefulSet: ['replicas', 'readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas', 'observedGeneration', 'collisionCount'],
  DaemonSet: [
    'currentNumberScheduled',
    'numberMisscheduled',
    'desiredNumberScheduled',
    'numberReady',
    'observedGeneration',
    'updatedNumberScheduled',
    'numberAvailable',
    'numberUnavailable',
    'collisionCount',
  ],
};

/** Status subresource checks: non-negative counters, ≤ replicas, collisionCount never decreasing. */
export function validateWorkloadStatus(kind: string, obj: KubeObject, old: KubeObject): FieldError[] {
  const s = asObj(obj.status) ?? {};
  const errs: FieldError[] = [];
  for (const k of STATUS_COUNTERS[kind] ?? []) errs.push(...nonNegative(`status.${k}`, s[k]));
  const replicas = typeof s.replicas === 'number' ? s.replicas : 0;
  if (kind !== 'DaemonSet') {
    for (const k of ['updatedReplicas', 'readyReplicas', 'availableReplicas', 'currentReplicas', 'fullyLabeledReplicas']) {
      if (typeof s[k] === 'number' && (s[k] as number) > replicas && (STATUS_COUNTERS[kind] ?? []).includes(k)) {
        errs.push(invalid(`status.${k}`, s[k], 'cannot be greater than status.replicas'));
      }
    }
    const ready = typeof s.readyReplicas === 'number' ? s.readyReplicas : 0;
    if (typeof s.availableReplicas === 'number' && s.availableReplicas > ready) {
      const msg = kind === 'StatefulSet' ? 'cannot be greater than status.readyReplicas' : 'cannot be greater than readyReplicas';
      errs.push(invalid('status.availableReplicas', s.availableReplicas, msg));
    }
  }
  const cc = s.collisionCount;
  const oldCc = asObj(old.status)?.collisionCount;
  if (typeof oldCc === 'number' && (typeof cc !== 'number' || cc < oldCc)) errs.push(invalid('status.collisionCount', typeof cc === 'number' ? cc : 0, 'cannot be decremented'));
  return errs;
}

// ---- Deployments ----------------------------------------------------------------------------------------------------

export const deploymentStrategy: Strategy = {
  prepareForCreate(obj, ctx) {
    checkTemplateQuantities(obj, ctx);
    obj.status = {};
  },
  prepareForUpdate(obj, old, ctx) {
    if (ctx.subresource === 'status') return;
    checkTemplateQuantities(obj, ctx);
    // Deployments also move their generation on annotation changes (rollback history lives there).
    const meta = metaOf(obj);
    if (!deepEqual(meta.annotations ?? {}, old.metadata?.annotations ?? {}) && meta.generation === old.metadata?.generation) {
      meta.generation = (old.metadata?.generation ?? 1) + 1;
    }
  },
  defaults: (obj) => defaultDeployment(obj),
  validate: (obj) => validateDeploymentSpec(obj),
  validateUpdate(obj, old, ctx) {
    if (ctx.subresource === 'status') return validateWorkloadStatus('Deployment', obj, old);
    return [...validateDeploymentSpec(obj), ...selectorImmutable(obj, old)];
  },
};

// ---- ReplicaSets ----------------------------------------------------------------------------------------------------

export function validateReplicaSetSpec(rs: KubeObject): FieldError[] {
  const spec = asObj(rs.spec) ?? {};
  const errs = [...nonNegative('spec.replicas', spec.replicas), ...nonNegative('spec.minReadySeconds', spec.minReadySeconds)];
  // kube's ReplicaSet validation really does say "for deployment" here.
  errs.push(...validateTemplateForSelector(spec, 'ReplicaSet', { validatePodSpec: true, emptySelectorKind: 'deployment' }));
  return errs;
}

export const replicaSetStrategy: Strategy = {
  prepareForCreate(obj, ctx) {
    checkTemplateQuantities(obj, ctx);
    // Counters without omitempty appear from the start.
    obj.status = { replicas: 0 };
  },
  prepareForUpdate(obj, _old, ctx) {
    if (ctx.subresource !== 'status') checkTemplateQuantities(obj, ctx);
  },
  defaults: (obj) => defaultReplicaSet(obj),
  validate: (obj) => validateReplicaSetSpec(obj),
  validateUpdate(obj, old, ctx) {
    if (ctx.subresource === 'status') return validateWorkloadStatus('ReplicaSet', obj, old);
    return [...validateReplicaSetSpec(obj), ...selectorImmutable(obj, old)];
  },
  selectableFields: (obj) => ({ 'status.replicas': String(asObj(obj.status)?.replicas ?? 0) }),
};

// ---- StatefulSets ---------------------------------------------------------------------------------------------------

export function validateStatefulSetSpec(ss: KubeObject): FieldError[] {
  const spec = asObj(ss.spec) ?? {};
  const errs: FieldError[] = [];
  const pmp = str(spec.podManagementPolicy);
  if (!pmp) errs.push(required('spec.podManagementPolicy'));
  else if (pmp !== 'OrderedReady' && pmp !== 'Parallel') errs.push(invalid('spec.podManagementPolicy', pmp, "must be 'OrderedReady' or 'Parallel'"));
  const us = asObj(spec.updateStrategy) ?? {};
  const ut = str(us.type);
  const ru = asObj(us.rollingUpdate);
  if (!ut) errs.push(required('spec.updateStrategy'));
  else if (ut === 'OnDelete') {
    if (ru) errs.push(invalid('spec.updateStrategy.rollingUpdate', JSON.stringify(ru), "only allowed for updateStrategy 'RollingUpdate'"));
  } else if (ut === 'RollingUpdate') {
    if (ru) {
      errs.push(...nonNegative('spec.updateStrategy.rollingUpdate.partition', ru.partition));
      if (ru.maxUnavailable !== undefined && ru.maxUnavailable !== null) {
        const p = 'spec.updateStrategy.rollingUpdate.maxUnavailable';
        errs.push(...positiveIntOrPercent(p, ru.maxUnavailable));
        if (intOrPercentValue(ru.maxUnavailable) === 0) errs.push(invalidGo(p, goIntOrString(ru.maxUnavailable), 'cannot be 0'));
        errs.push(...notMoreThan100Percent(p, ru.maxUnavailable));
      }
    }
  } else {
    errs.push(invalid('spec.updateStrategy', JSON.stringify(us), "must be 'RollingUpdate' or 'OnDelete'"));
  }
  const ret = asObj(spec.persistentVolumeClaimRetentionPolicy);
  if (ret) {
    for (const k of ['whenDeleted', 'whenScaled']) {
      if (ret[k] !== 'Retain' && ret[k] !== 'Delete') errs.push(notSupported(`spec.persistentVolumeClaimRetentionPolicy.${k}`, ret[k] ?? '', ['Retain', 'Delete']));
    }
  }
  errs.push(...nonNegative('spec.replicas', spec.replicas), ...nonNegative('spec.minReadySeconds', spec.minReadySeconds));
  const ord = asObj(spec.ordinals);
  if (ord) errs.push(...nonNegative('spec.ordinals.start', ord.start));
  // kube leaves the pod spec of a StatefulSet template unvalidated (volumes come from claim templates).
  errs.push(...validateTemplateForSelector(spec, 'StatefulSet', { validatePodSpec: false, emptySelectorKind: 'statefulset' }));
  return errs;
}

const STATEFULSET_MUTABLE = ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];

export function validateStatefulSetUpdate(ss: KubeObject, old: KubeObject): FieldError[] {
  const errs = validateStatefulSetSpec(ss);
  const a = clone(asObj(ss.spec) ?? {});
  const b = clone(asObj(old.spec) ?? {});
  for (const k of STATEFULSET_MUTABLE) {
    delete a[k];
    delete b[k];
  }
  if (!deepEqual(a, b)) {
    errs.push(
      forbidden(
        'spec',
        "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
      ),
    );
  }
  return errs;
}

export const statefulSetStrategy: Strategy = {
  nameRule: 'label',
  prepareForCreate(obj, ctx) {
    checkTemplateQuantities(obj, ctx);
    obj.status = { replicas: 0 };
  },
  prepareForUpdate(obj, _old, ctx) {
    if (ctx.subresource !== 'status') checkTemplateQuantities(obj, ctx);
  },
  defaults: (obj) => defaultStatefulSet(obj),
  validate: (obj) => validateStatefulSetSpec(obj),
  validateUpdate(obj, old, ctx) {
    if (ctx.subresource === 'status') return validateWorkloadStatus('StatefulSet', obj, old);
    return validateStatefulSetUpdate(obj, old);
  },
};

// ---- DaemonSets -----------------------------------------------------------------------------------------------------

export function validateDaemonSetSpec(ds: KubeObject): FieldError[] {
  const spec = asObj(ds.spec) ?? {};
  const errs: FieldError[] = [];
  const sel = spec.selector;
  errs.push(...validateLabelSelector(sel, 'spec.selector'));
  const t = asObj(spec.template) ?? {};
  const labels = asObj(t.metadata)?.labels;
  // kube's DaemonSet validation has no Required for the selector: a missing one just matches nothing.
  if ((!asObj(sel) || !selectorEmpty(sel)) && !selectorMatches(sel, labels)) {
    errs.push(invalidGo('spec.template.metadata.labels', goStringMap(labels), '`selector` does not match template `labels`'));
  }
  if (asObj(sel) && selectorEmpty(sel)) errs.push(invalidGo('spec.selector', goLabelSelector(sel), 'empty selector is invalid for daemonset'));
  errs.push(...validatePodTemplateSpec(t, 'spec.template'));
  const tspec = asObj(t.spec) ?? {};
  if (tspec.restartPolicy !== 'Always') errs.push(notSupported('spec.template.spec.restartPolicy', tspec.restartPolicy ?? '', ['Always']));
  if (tspec.activeDeadlineSeconds !== undefined && tspec.activeDeadlineSeconds !== null) {
    errs.push(forbidden('spec.template.spec.activeDeadlineSeconds', 'activeDeadlineSeconds in DaemonSet is not Supported'));
  }
  errs.push(...nonNegative('spec.minReadySeconds', spec.minReadySeconds));
  const us = asObj(spec.updateStrategy) ?? {};
  const ut = str(us.type);
  if (ut === 'RollingUpdate') {
    const ru = asObj(us.rollingUpdate);
    if (!ru) errs.push(required('spec.updateStrategy.rollingUpdate'));
    else {
      const p = 'spec.updateStrategy.rollingUpdate';
      errs.push(...positiveIntOrPercent(`${p}.maxUnavailable`, ru.maxUnavailable), ...positiveIntOrPercent(`${p}.maxSurge`, ru.maxSurge));
      errs.push(...notMoreThan100Percent(`${p}.maxUnavailable`, ru.maxUnavailable), ...notMoreThan100Percent(`${p}.maxSurge`, ru.maxSurge));
      const hasU = intOrPercentValue(ru.maxUnavailable) !== 0;
      const hasS = intOrPercentValue(ru.maxSurge) !== 0;
      if (hasU && hasS) errs.push(invalidGo(`${p}.maxSurge`, goIntOrString(ru.maxSurge), 'may not be set when maxUnavailable is non-zero'));
      if (!hasU && !hasS) errs.push(required(`${p}.maxUnavailable`, 'cannot be 0 when maxSurge is 0'));
    }
  } else if (ut !== 'OnDelete') {
    errs.push(notSupported('spec.updateStrategy', ut, ['RollingUpdate', 'OnDelete']));
  }
  errs.push(...nonNegative('spec.revisionHistoryLimit', spec.revisionHistoryLimit));
  return errs;
}

function templateGeneration(o: KubeObject): number {
  const v = Number(o.metadata?.annotations?.[DAEMONSET_TEMPLATE_GENERATION_ANNOTATION]);
  return Number.isFinite(v) ? v : 0;
}

export const daemonSetStrategy: Strategy = {
  prepareForCreate(obj, ctx) {
    checkTemplateQuantities(obj, ctx);
    obj.status = { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 };
    ensureObj(metaOf(obj), 'annotations')[DAEMONSET_TEMPLATE_GENERATION_ANNOTATION] = '1';
  },
  prepareForUpdate(obj, old, ctx) {
    if (ctx.subresource === 'status') return;
    checkTemplateQuantities(obj, ctx);
    // spec.templateGeneration (an annotation in v1) moves with the template only.
    let gen = templateGeneration(old);
    const a = clone(asObj(obj.spec)?.template);
    const b = asObj(old.spec)?.template;
    if (a !== undefined) defaultPodTemplateSpec(asObj(a) ?? {});
    if (!deepEqual(a, b)) gen += 1;
    if (gen > 0) ensureObj(metaOf(obj), 'annotations')[DAEMONSET_TEMPLATE_GENERATION_ANNOTATION] = String(gen);
  },
  defaults: (obj) => defaultDaemonSet(obj),
  validate: (obj) => validateDaemonSetSpec(obj),
  validateUpdate(obj, old, ctx) {
    if (ctx.subresource === 'status') return validateWorkloadStatus('DaemonSet', obj, old);
    return [...validateDaemonSetSpec(obj), ...selectorImmutable(obj, old)];
  },
};

// ---- ControllerRevisions --------------------------------------------------------------------------------------------

function validateControllerRevision(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  if (obj.data === undefined || obj.data === null) errs.push(required('data', 'data is mandatory'));
  errs.push(...nonNegative('revision', obj.revision));
  return errs;
}

export const controllerRevisionStrategy: Strategy = {
  tracksGeneration: false,
  validate: (obj) => validateControllerRevision(obj),
  validateUpdate(obj, old) {
    const errs = validateControllerRevision(obj);
    if (!deepEqual(obj.data, old.data)) errs.push(invalid('data', JSON.stringify(obj.data ?? null), 'field is immutable'));
    return errs;
  },
};

registerStrategy('apps', 'deployments', deploymentStrategy);
registerStrategy('apps', 'replicasets', replicaSetStrategy);
registerStrategy('apps', 'statefulsets', statefulSetStrategy);
registerStrategy('apps', 'daemonsets', daemonSetStrategy);
registerStrategy('apps', 'controllerrevisions', controllerRevisionStrategy);
