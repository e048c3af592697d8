// HorizontalPodAutoscalers: stored as autoscaling/v2, served as v1 and v2.
// Conversion follows pkg/apis/autoscaling/v1/conversion.go: v1's
// targetCPUUtilizationPercentage is the cpu Utilization metric, and what v1
// cannot express (other metrics, their statuses, conditions, behavior) rides in
// `autoscaling.alpha.kubernetes.io/*` annotations so a round trip loses nothing.

import type { FieldError } from '../errors.js';
import type { Strategy, StrategyContext } from '../strategy.js';
import type { KubeObject } from '../types.js';
import { parseQuantity, sign, canonicalQuantity } from './quantity.js';
import { registerStrategy } from './register.js';
import { asArr, asObj, clone, decodeError, ensureObj, forbidden, invalid, notSupported, objs, required, setDefault, str, type Obj } from './util.js';
import { validateLabelSelector } from './validators.js';
import { pathSegmentErrors } from '../validation/names.js';

export const METRIC_SPECS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/metrics';
export const METRIC_STATUSES_ANNOTATION = 'autoscaling.alpha.kubernetes.io/current-metrics';
export const CONDITIONS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/conditions';
export const BEHAVIOR_ANNOTATION = 'autoscaling.alpha.kubernetes.io/behavior';
export const DEFAULT_CPU_UTILIZATION = 80;

const V1 = 'autoscaling/v1';
const V2 = 'autoscaling/v2';

function put(o: Obj, k: string, v: unknown): void {
  if (v !== undefined && v !== null) o[k] = clone(v);
}

function ref(v: unknown): Obj {
  const r = asObj(v) ?? {};
  const out: Obj = {};
  put(out, 'kind', r.kind);
  put(out, 'name', r.name);
  put(out, 'apiVersion', r.apiVersion);
  return out;
}

function metricId(name: unknown, selector: unknown): Obj {
  const m: Obj = { name: str(name) };
  put(m, 'selector', selector);
  return m;
}

// ---- metric specs ---------------------------------------------------------------------------------------------------

function metricSpecV2ToV1(m: Obj): Obj {
  const out: Obj = { type: m.type };
  const obj = asObj(m.object);
  if (obj) {
    const t = asObj(obj.target) ?? {};
    const id = asObj(obj.metric) ?? {};
    const o: Obj = { target: ref(obj.describedObject), metricName: str(id.name), targetValue: t.value ?? '0' };
    put(o, 'selector', id.selector);
    put(o, 'averageValue', t.averageValue);
    out.object = o;
  }
  const pods = asObj(m.pods);
  if (pods) {
    const t = asObj(pods.target) ?? {};
    const id = asObj(pods.metric) ?? {};
    const o: Obj = { metricName: str(id.name), targetAverageValue: t.averageValue ?? '0' };
    put(o, 'selector', id.selector);
    out.pods = o;
  }
  for (const k of ['resource', 'containerResource'] as const) {
    const r = asObj(m[k]);
    if (!r) continue;
    const t = asObj(r.target) ?? {};
    const o: Obj = { name: str(r.name) };
    put(o, 'targetAverageUtilization', t.averageUtilization);
    put(o, 'targetAverageValue', t.averageValue);
    if (k === 'containerResource') o.container = str(r.container);
    out[k] = o;
  }
  const ext = asObj(m.external);
  if (ext) {
    const t = asObj(ext.target) ?? {};
    const id = asObj(ext.metric) ?? {};
    const o: Obj = { metricName: str(id.name) };
    put(o, 'metricSelector', id.selector);
    put(o, 'targetValue', t.value);
    put(o, 'targetAverageValue', t.averageValue);
    out.external = o;
  }
  return out;
}

function metricSpecV1ToV2(m: Obj): Obj {
  const out: Obj = { type: m.type };
  const obj = asObj(m.object);
  if (obj) {
    const target: Obj = { type: obj.averageValue === undefined || obj.averageValue === null ? 'Value' : 'AverageValue', value: obj.targetValue ?? '0' };
    put(target, 'averageValue', obj.averageValue);
    out.object = { describedObject: ref(obj.target), target, metric: metricId(obj.metricName, obj.selector) };
  }
  const pods = asObj(m.pods);
  if (pods) {
    out.pods = { metric: metricId(pods.metricName, pods.selector), target: { type: 'AverageValue', averageValue: pods.targetAverageValue ?? '0' } };
  }
  for (const k of ['resource', 'containerResource'] as const) {
    const r = asObj(m[k]);
    if (!r) continue;
    const util = r.targetAverageUtilization;
    const target: Obj = { type: util === undefined || util === null ? 'AverageValue' : 'Utilization' };
    put(target, 'averageValue', r.targetAverageValue);
    put(target, 'averageUtilization', util);
    const o: Obj = { name: str(r.name), target };
    if (k === 'containerResource') o.container = str(r.container);
    out[k] = o;
  }
  const ext = asObj(m.external);
  if (ext) {
    const target: Obj = { type: ext.targetValue === undefined || ext.targetValue === null ? 'AverageValue' : 'Value' };
    put(target, 'value', ext.targetValue);
    put(target, 'averageValue', ext.targetAverageValue);
    out.external = { metric: metricId(ext.metricName, ext.metricSelector), target };
  }
  return out;
}

// ---- metric statuses ------------------------------------------------------------------------------------------------

function metricStatusV2ToV1(m: Obj): Obj {
  const out: Obj = { type: m.type };
  const obj = asObj(m.object);
  if (obj) {
    const c = asObj(obj.current) ?? {};
    const id = asObj(obj.metric) ?? {};
    const o: Obj = { target: ref(obj.describedObject), metricName: str(id.name), currentValue: c.value ?? '0' };
    put(o, 'selector', id.selector);
    put(o, 'averageValue', c.averageValue);
    out.object = o;
  }
  const pods = asObj(m.pods);
  if (pods) {
    const c = asObj(pods.current) ?? {};
    const id = asObj(pods.metric) ?? {};
    const o: Obj = { metricName: str(id.name), currentAverageValue: c.averageValue ?? '0' };
    put(o, 'selector', id.selector);
    out.pods = o;
  }
  for (const k of ['resource', 'containerResource'] as const) {
    const r = asObj(m[k]);
    if (!r) continue;
    const c = asObj(r.current) ?? {};
    const o: Obj = { name: str(r.name) };
    put(o, 'currentAverageUtilization', c.averageUtilization);
    o.currentAverageValue = c.averageValue ?? '0';
    if (k === 'containerResource') o.container = str(r.container);
    out[k] = o;
  }
  const ext = asObj(m.external);
  if (ext) {
    const c = asObj(ext.current) ?? {};
    const id = asObj(ext.metric) ?? {};
    const o: Obj = { metricName: str(id.name), currentValue: c.value ?? '0' };
    put(o, 'metricSelector', id.selector);
    put(o, 'currentAverageValue', c.averageValue);
    out.external = o;
  }
  return out;
}

function metricStatusV1ToV2(m: Obj): Obj {
  const out: Obj = { type: m.type };
  const obj = asObj(m.object);
  if (obj) {
    const current: Obj = { value: obj.currentValue ?? '0' };
    put(current, 'averageValue', obj.averageValue);
    out.object = { metric: metricId(obj.metricName, obj.selector), current, describedObject: ref(obj.target) };
  }
  const pods = asObj(m.pods);
  if (pods) out.pods = { metric: metricId(pods.metricName, pods.selector), current: { averageValue: pods.currentAverageValue ?? '0' } };
  for (const k of ['resource', 'containerResource'] as const) {
    const r = asObj(m[k]);
    if (!r) continue;
    const current: Obj = { averageValue: r.currentAverageValue ?? '0' };
    put(current, 'averageUtilization', r.currentAverageUtilization);
    const o: Obj = { name: str(r.name), current };
    if (k === 'containerResource') o.container = str(r.container);
    out[k] = o;
  }
  const ext = asObj(m.external);
  if (ext) {
    const current: Obj = { value: ext.currentValue ?? '0' };
    put(current, 'averageValue', ext.currentAverageValue);
    out.external = { metric: metricId(ext.metricName, ext.metricSelector), current };
  }
  return out;
}

// ---- whole objects --------------------------------------------------------------------------------------------------

function isCpuUtilization(m: Obj): boolean {
  const r = asObj(m.resource);
  return m.type === 'Resource' && !!r && r.name === 'cpu' && asObj(r.target)?.averageUtilization !== undefined && asObj(r.target)?.averageUtilization !== null;
}

/** autoscaling/v2 → autoscaling/v1. */
export function hpaV2ToV1(hpa: KubeObject): KubeObject {
  const spec = asObj(hpa.spec) ?? {};
  const metrics = objs(spec.metrics);
  const meta = clone(hpa.metadata ?? {});
  const outSpec: Obj = { scaleTargetRef: clone(spec.scaleTargetRef ?? {}) };
  put(outSpec, 'minReplicas', spec.minReplicas);
  outSpec.maxReplicas = spec.maxReplicas ?? 0;
  for (const m of metrics) {
    const r = asObj(m.resource);
    if (m.type === 'Resource' && r && r.name === 'cpu') {
      const u = asObj(r.target)?.averageUtilization;
      if (u !== undefined && u !== null) outSpec.targetCPUUtilizationPercentage = u;
      break;
    }
  }
  const annotations: Record<string, string> = { ...(meta.annotations ?? {}) };
  const other = metrics.filter((m) => !isCpuUtilization(m)).map(metricSpecV2ToV1);
  if (other.length > 0) annotations[METRIC_SPECS_ANNOTATION] = JSON.stringify(other);
  const status = asObj(hpa.status);
  let outStatus: Obj | undefined;
  if (status) {
    outStatus = {};
    put(outStatus, 'observedGeneration', status.observedGeneration);
    put(outStatus, 'lastScaleTime', status.lastScaleTime);
    outStatus.currentReplicas = status.currentReplicas ?? 0;
    outStatus.desiredReplicas = status.desiredReplicas ?? 0;
    const current = objs(status.currentMetrics);
    for (const m of current) {
      const r = asObj(m.resource);
      const u = asObj(r?.current)?.averageUtilization;
      if (m.type === 'Resource' && r?.name === 'cpu' && u !== undefined && u !== null) outStatus.currentCPUUtilizationPercentage = u;
    }
    // The raw values are kept even for cpu, so v2 readers see them again.
    if (current.length > 0) annotations[METRIC_STATUSES_ANNOTATION] = JSON.stringify(current.map(metricStatusV2ToV1));
    const conds = objs(status.conditions);
    if (conds.length > 0) annotations[CONDITIONS_ANNOTATION] = JSON.stringify(conds);
  }
  if (spec.behavior !== undefined && spec.behavior !== null) annotations[BEHAVIOR_ANNOTATION] = JSON.stringify(spec.behavior);
  if (Object.keys(annotations).length > 0) meta.annotations = annotations;
  const out: Obj = { apiVersion: V1, kind: 'HorizontalPodAutoscaler', metadata: meta, spec: outSpec };
  if (outStatus) out.status = outStatus;
  return out as KubeObject;
}

function parseAnnotation(annotations: Record<string, unknown>, key: string): unknown[] | Obj | undefined {
  const raw = annotations[key];
  if (typeof raw !== 'string') return undefined;
  delete annotations[key];
  return JSON.parse(raw) as unknown[] | Obj;
}

/** autoscaling/v1 → autoscaling/v2. Throws on malformed annotations (a decode error in kube). */
export function hpaV1ToV2(hpa: KubeObject): KubeObject {
  const spec = asObj(hpa.spec) ?? {};
  const meta = clone(hpa.metadata ?? {});
  const annotations: Record<string, unknown> = { ...(meta.annotations ?? {}) };
  const outSpec: Obj = { scaleTargetRef: clone(spec.scaleTargetRef ?? {}) };
  put(outSpec, 'minReplicas', spec.minReplicas);
  outSpec.maxReplicas = spec.maxReplicas ?? 0;
  let metrics: Obj[] = [];
  if (typeof spec.targetCPUUtilizationPercentage === 'number') {
    metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: spec.targetCPUUtilizationPercentage } } }];
  }
  const other = parseAnnotation(annotations, METRIC_SPECS_ANNOTATION);
  if (other !== undefined) metrics = [...objs(other).map(metricSpecV1ToV2), ...metrics];
  // v1 always implied a cpu target; v2 makes it explicit.
  if (metrics.length === 0) metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION } } }];
  outSpec.metrics = metrics;
  const behavior = parseAnnotation(annotations, BEHAVIOR_ANNOTATION);
  if (behavior !== undefined) outSpec.behavior = behavior;
  const status = asObj(hpa.status);
  const currentAnn = parseAnnotation(annotations, METRIC_STATUSES_ANNOTATION);
  const condAnn = parseAnnotation(annotations, CONDITIONS_ANNOTATION);
  let outStatus: Obj | undefined;
  if (status || currentAnn !== undefined || condAnn !== undefined) {
    const s = status ?? {};
    outStatus = {};
    put(outStatus, 'observedGeneration', s.observedGeneration);
    put(outStatus, 'lastScaleTime', s.lastScaleTime);
    put(outStatus, 'currentReplicas', s.currentReplicas);
    outStatus.desiredReplicas = s.desiredReplicas ?? 0;
    if (currentAnn !== undefined) outStatus.currentMetrics = objs(currentAnn).map(metricStatusV1ToV2);
    else if (typeof s.currentCPUUtilizationPercentage === 'number') {
      outStatus.currentMetrics = [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: s.currentCPUUtilizationPercentage } } }];
    }
    if (condAnn !== undefined) outStatus.conditions = objs(condAnn);
  }
  if (Object.keys(annotations).length > 0) meta.annotations = annotations as Record<string, string>;
  else delete meta.annotations;
  const out: Obj = { apiVersion: V2, kind: 'HorizontalPodAutoscaler', metadata: meta, spec: outSpec };
  if (outStatus) out.status = outStatus;
  return out as KubeObject;
}

export function convertHpa(obj: KubeObject, toVersion: string): KubeObject {
  const from = str(obj.apiVersion) || V2;
  if (from === toVersion) return obj;
  if (from === V1 && toVersion === V2) return hpaV1ToV2(obj);
  if (from === V2 && toVersion === V1) return hpaV2ToV1(obj);
  return obj;
}

// ---- defaults -------------------------------------------------------------------------------------------------------

function scalingRules(from: Obj | undefined, defaults: Obj): Obj {
  if (!from) return defaults;
  const out = { ...defaults };
  for (const k of ['selectPolicy', 'stabilizationWindowSeconds', 'policies', 'tolerance']) if (from[k] !== undefined && from[k] !== null) out[k] = from[k];
  return out;
}

/** SetDefaults_HorizontalPodAutoscaler for v2: minReplicas 1, cpu 80%, behavior rules filled in. */
export function defaultHpaV2(hpa: KubeObject): void {
  const spec = ensureObj(hpa as Obj, 'spec');
  setDefault(spec, 'minReplicas', 1);
  if (asArr(spec.metrics).length === 0) {
    spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION } } }];
  }
  const b = asObj(spec.behavior);
  if (b) {
    b.scaleUp = scalingRules(asObj(b.scaleUp), {
      stabilizationWindowSeconds: 0,
      selectPolicy: 'Max',
      policies: [
        { type: 'Pods', value: 4, periodSeconds: 15 },
        { type: 'Percent', value: 100, periodSeconds: 15 },
      ],
    });
    b.scaleDown = scalingRules(asObj(b.scaleDown), { selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] });
  }
  for (const m of objs(spec.metrics)) {
    for (const k of ['object', 'pods', 'resource', 'containerResource', 'external']) {
      const t = asObj(asObj(m[k])?.target);
      if (!t) continue;
      for (const q of ['value', 'averageValue']) {
        if (t[q] === undefined || t[q] === null) continue;
        try {
          t[q] = canonicalQuantity(t[q] as string);
        } catch {
          /* reported by validation */
        }
      }
    }
  }
}

// ---- validation (v2 shape) ------------------------------------------------------------------------------------------

const METRIC_TYPES = ['Object', 'Pods', 'Resource', 'External', 'ContainerResource'];
const TYPE_FIELD: Record<string, string> = { Object: 'object', Pods: 'pods', Resource: 'resource', External: 'external', ContainerResource: 'containerResource' };

function validateCrossVersionRef(r: unknown, field: string): FieldError[] {
  const o = asObj(r) ?? {};
  const errs: FieldError[] = [];
  for (const k of ['kind', 'name']) {
    const v = str(o[k]);
    if (!v) errs.push(required(`${field}.${k}`));
    else for (const m of pathSegmentErrors(v)) errs.push(invalid(`${field}.${k}`, v, m));
  }
  return errs;
}

function positiveQuantity(field: string, v: unknown): FieldError[] {
  if (v === undefined || v === null) return [];
  try {
    if (sign(parseQuantity(v as string)) !== 1) return [invalid(field, String(v), 'must be positive')];
  } catch (e) {
    return [invalid(field, v, (e as Error).message)];
  }
  return [];
}

function validateMetricTarget(t: unknown, field: string): FieldError[] {
  const mt = asObj(t) ?? {};
  const errs: FieldError[] = [];
  const type = str(mt.type);
  if (!type) errs.push(required(`${field}.type`, 'must specify a metric target type'));
  if (type !== 'Utilization' && type !== 'Value' && type !== 'AverageValue') {
    errs.push(invalid(`${field}.type`, type, 'must be either Utilization, Value, or AverageValue'));
  }
  errs.push(...positiveQuantity(`${field}.value`, mt.value), ...positiveQuantity(`${field}.averageValue`, mt.averageValue));
  if (typeof mt.averageUtilization === 'number' && mt.averageUtilization < 1) {
    errs.push(invalid(`${field}.averageUtilization`, mt.averageUtilization, 'must be greater than 0'));
  }
  return errs;
}

function validateMetricSpec(m: Obj, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const type = str(m.type);
  if (!type) errs.push(required(`${field}.type`, 'must specify a metric source type'));
  const present = Object.values(TYPE_FIELD).filter((k) => m[k] !== undefined && m[k] !== null);
  const expected = TYPE_FIELD[type];
  if (!expected) errs.push(notSupported(`${field}.type`, type, METRIC_TYPES));
  else if (!present.includes(expected)) errs.push(required(`${field}.${expected}`, 'must populate information for the given metric source'));
  if (present.length !== 1) {
    for (const k of present) if (k !== expected) errs.push(forbidden(`${field}.${k}`, 'must populate the given metric source only'));
  }
  const obj = asObj(m.object);
  if (obj) {
    const p = `${field}.object`;
    errs.push(...validateCrossVersionRef(obj.describedObject, `${p}.describedObject`));
    const id = asObj(obj.metric) ?? {};
    if (!str(id.name)) errs.push(required(`${p}.metric.name`, 'must specify a metric name'));
    errs.push(...validateLabelSelector(id.selector, `${p}.metric.selector`), ...validateMetricTarget(obj.target, `${p}.target`));
    const t = asObj(obj.target) ?? {};
    if ((t.value === undefined || t.value === null) && (t.averageValue === undefined || t.averageValue === null)) {
      errs.push(required(`${p}.target.averageValue`, 'must set either a target value or averageValue'));
    }
  }
  for (const k of ['pods', 'external'] as const) {
    const s = asObj(m[k]);
    if (!s) continue;
    const p = `${field}.${k}`;
    const id = asObj(s.metric) ?? {};
    if (!str(id.name)) errs.push(required(`${p}.metric.name`, 'must specify a metric name'));
    errs.push(...validateLabelSelector(id.selector, `${p}.metric.selector`), ...validateMetricTarget(s.target, `${p}.target`));
    const t = asObj(s.target) ?? {};
    if (k === 'pods' && (t.averageValue === undefined || t.averageValue === null)) errs.push(required(`${p}.target.averageValue`, 'must specify a positive target averageValue'));
    if (k === 'external' && (t.value === undefined || t.value === null) && (t.averageValue === undefined || t.averageValue === null)) {
      errs.push(required(`${p}.target.averageValue`, 'must set either a target value for metric or a per-pod target'));
    }
  }
  for (const k of ['resource', 'containerResource'] as const) {
    const r = asObj(m[k]);
    if (!r) continue;
    const p = `${field}.${k}`;
    if (!str(r.name)) errs.push(required(`${p}.name`, 'must specify a resource name'));
    if (k === 'containerResource' && !str(r.container)) errs.push(required(`${p}.container`, 'must specify a container'));
    errs.push(...validateMetricTarget(r.target, `${p}.target`));
    const t = asObj(r.target) ?? {};
    const hasUtil = t.averageUtilization !== undefined && t.averageUtilization !== null;
    const hasValue = t.averageValue !== undefined && t.averageValue !== null;
    if (!hasUtil && !hasValue) errs.push(required(`${p}.target.averageUtilization`, 'must set either a target raw value or a target utilization'));
    if (hasUtil && hasValue) errs.push(forbidden(`${p}.target.averageValue`, 'may not set both a target raw value and a target utilization'));
  }
  return errs;
}

function validateScalingRules(rules: unknown, field: string): FieldError[] {
  const r = asObj(rules);
  if (!r) return [];
  const errs: FieldError[] = [];
  const sw = r.stabilizationWindowSeconds;
  if (typeof sw === 'number') {
    if (sw < 0) errs.push(invalid(`${field}.stabilizationWindowSeconds`, sw, 'must be greater than or equal to zero'));
    if (sw > 3600) errs.push(invalid(`${field}.stabilizationWindowSeconds`, sw, 'must be less than or equal to 3600'));
  }
  if (r.selectPolicy !== undefined && r.selectPolicy !== null && !['Max', 'Min', 'Disabled'].includes(str(r.selectPolicy))) {
    errs.push(notSupported(`${field}.selectPolicy`, r.selectPolicy, ['Disabled', 'Max', 'Min']));
  }
  const policies = objs(r.policies);
  if (policies.length === 0) errs.push(required(`${field}.policies`, 'must specify at least one Policy'));
  policies.forEach((pol, i) => {
    const p = `${field}.policies[${i}]`;
    if (pol.type !== 'Pods' && pol.type !== 'Percent') errs.push(notSupported(`${p}.type`, pol.type ?? '', ['Percent', 'Pods']));
    if (typeof pol.value !== 'number' || pol.value <= 0) errs.push(invalid(`${p}.value`, pol.value ?? 0, 'must be greater than zero'));
    const ps = pol.periodSeconds;
    if (typeof ps !== 'number' || ps <= 0) errs.push(invalid(`${p}.periodSeconds`, ps ?? 0, 'must be greater than zero'));
    else if (ps > 1800) errs.push(invalid(`${p}.periodSeconds`, ps, 'must be less than or equal to 1800'));
  });
  return errs;
}

/** ValidateHorizontalPodAutoscaler on the v2 shape. */
export function validateHpaV2(hpa: KubeObject): FieldError[] {
  const spec = asObj(hpa.spec) ?? {};
  const errs = validateCrossVersionRef(spec.scaleTargetRef, 'spec.scaleTargetRef');
  const min = spec.minReplicas;
  if (typeof min === 'number' && min < 1) errs.push(invalid('spec.minReplicas', min, 'must be greater than or equal to 1'));
  const max = typeof spec.maxReplicas === 'number' ? spec.maxReplicas : 0;
  if (max < 1) errs.push(invalid('spec.maxReplicas', max, 'must be greater than 0'));
  if (typeof min === 'number' && max < min) errs.push(invalid('spec.maxReplicas', max, 'must be greater than or equal to `minReplicas`'));
  objs(spec.metrics).forEach((m, i) => errs.push(...validateMetricSpec(m, `spec.metrics[${i}]`)));
  const b = asObj(spec.behavior);
  if (b) {
    errs.push(...validateScalingRules(b.scaleUp, 'spec.behavior.scaleUp'), ...validateScalingRules(b.scaleDown, 'spec.behavior.scaleDown'));
  }
  return errs;
}

function asV2(obj: KubeObject, ctx: StrategyContext): KubeObject {
  if (str(obj.apiVersion) !== V1) return obj;
  try {
    return hpaV1ToV2(obj);
  } catch (e) {
    throw decodeError(ctx, (e as Error).message);
  }
}

function validateStatus(hpa: KubeObject): FieldError[] {
  const s = asObj(hpa.status) ?? {};
  const errs: FieldError[] = [];
  for (const k of ['currentReplicas', 'desiredReplicas']) {
    const v = s[k];
    if (typeof v === 'number' && v < 0) errs.push(invalid(`status.${k}`, v, 'must be greater than or equal to 0'));
  }
  return errs;
}

export const hpaStrategy: Strategy = {
  tracksGeneration: false,
  prepareForCreate(obj, ctx) {
    asV2(obj, ctx);
    obj.status = {};
  },
  prepareForUpdate(obj, _old, ctx) {
    asV2(obj, ctx);
  },
  defaults(obj) {
    if (str(obj.apiVersion) === V1) {
      setDefault(ensureObj(obj as Obj, 'spec'), 'minReplicas', 1);
      const st = asObj(obj.status);
      if (st) {
        setDefault(st, 'currentReplicas', 0);
        setDefault(st, 'desiredReplicas', 0);
      }
      return;
    }
    defaultHpaV2(obj);
    const st = asObj(obj.status);
    if (st) setDefault(st, 'desiredReplicas', 0);
  },
  validate: (obj, ctx) => validateHpaV2(asV2(obj, ctx)),
  validateUpdate(obj, _old, ctx) {
    if (ctx.subresource === 'status') return validateStatus(asV2(obj, ctx));
    return validateHpaV2(asV2(obj, ctx));
  },
  convert: convertHpa,
};

registerStrategy('autoscaling', 'horizontalpodautoscalers', hpaStrategy);
