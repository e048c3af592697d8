// Nodes, ResourceQuotas and LimitRanges (pkg/registry/core/{node,resourcequota,limitrange}).

import type { FieldError } from '../errors.js';
import type { Strategy, StrategyContext } from '../strategy.js';
import type { KubeObject } from '../types.js';
import { isHugePageResource, isOvercommitAllowed, validateContainerResourceName, validateResourceName, validateResourceQuantity } from './pod-spec.js';
import { canonicalizeResourceList, compareQuantities, parseQuantity, type Quantity } from './quantity.js';
import { registerStrategy } from './register.js';
import { asArr, asObj, clone, decodeError, duplicate, forbidden, invalid, invalidGo, notSupported, objs, required, str, type Obj } from './util.js';
import { labelName, validCIDR } from './validators.js';
import { goQuote } from '../goquote.js';
import { labelValueErrors } from '../validation/names.js';

function checkLists(ctx: StrategyContext, ...lists: unknown[]): void {
  for (const l of lists) {
    for (const v of Object.values(asObj(l) ?? {})) {
      try {
        parseQuantity(v as string);
      } catch (e) {
        throw decodeError(ctx, (e as Error).message);
      }
    }
  }
}

// ---- Nodes ----------------------------------------------------------------------------------------------------------

const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

function validateTaints(taints: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Map<string, Set<string>>();
  objs(taints).forEach((t, i) => {
    const p = `${field}[${i}]`;
    errs.push(...labelName(`${p}.key`, str(t.key)));
    const msgs = labelValueErrors(str(t.value));
    if (msgs.length > 0) errs.push(invalid(`${p}.value`, str(t.value), msgs.join(';')));
    const effect = str(t.effect);
    if (!effect) errs.push(required(`${p}.effect`));
    else if (!TAINT_EFFECTS.includes(effect)) errs.push(notSupported(`${p}.effect`, effect, TAINT_EFFECTS));
    const keys = seen.get(effect) ?? new Set<string>();
    if (keys.has(str(t.key))) {
      errs.push({ ...duplicate(p, JSON.stringify(t)), detail: 'taints must be unique by key and effect pair' });
      return;
    }
    keys.add(str(t.key));
    seen.set(effect, keys);
  });
  return errs;
}

function validateNodeCommon(node: KubeObject): FieldError[] {
  const spec = asObj(node.spec) ?? {};
  // kube roots node taint errors at `metadata` (its fldPath there).
  const errs = validateTaints(spec.taints, 'metadata.taints');
  const status = asObj(node.status) ?? {};
  for (const k of ['capacity', 'allocatable'] as const) {
    for (const [r, v] of Object.entries(asObj(status[k]) ?? {})) errs.push(...validateResourceQuantity(r, v, `status.${k}.${r}`));
  }
  const cidrs = asArr(spec.podCIDRs).map(String);
  cidrs.forEach((c, i) => errs.push(...validCIDR(`spec.podCIDRs[${i}]`, c)));
  if (cidrs.length > 1) {
    const v6 = cidrs.map((c) => c.includes(':'));
    if (cidrs.length > 2 || v6[0] === v6[1]) errs.push(invalid('spec.podCIDRs', JSON.stringify(cidrs), 'may specify no more than one CIDR for each IP family'));
    const seen = new Set<string>();
    cidrs.forEach((c, i) => {
      if (seen.has(c)) errs.push(duplicate(`spec.podCIDRs[${i}]`, c));
      seen.add(c);
    });
  }
  return errs;
}

export function defaultNode(node: KubeObject): void {
  const status = asObj(node.status);
  if (!status) return;
  canonicalizeResourceList(status.capacity);
  canonicalizeResourceList(status.allocatable);
  // SetDefaults_NodeStatus: allocatable is capacity until the kubelet says otherwise.
  if ((status.allocatable === undefined || status.allocatable === null) && asObj(status.capacity)) status.allocatable = clone(status.capacity);
}

export function validateNodeUpdate(node: KubeObject, old: KubeObject): FieldError[] {
  const errs = validateNodeCommon(node);
  const spec = asObj(node.spec) ?? {};
  const oldSpec = asObj(old.spec) ?? {};
  const addrs = new Set<string>();
  objs(asObj(node.status)?.addresses).forEach((a, i) => {
    const key = `${str(a.type)}/${str(a.address)}`;
    if (addrs.has(key)) errs.push(duplicate(`status.addresses[${i}]`, JSON.stringify(a)));
    addrs.add(key);
  });
  const oldCidrs = asArr(oldSpec.podCIDRs).map(String);
  const cidrs = asArr(spec.podCIDRs).map(String);
  if (oldCidrs.length > 0) {
    const msg = 'node updates may not change podCIDR except from "" to valid';
    if (oldCidrs.length !== cidrs.length) errs.push(forbidden('spec.podCIDRs', msg));
    else oldCidrs.forEach((c, i) => c !== cidrs[i] && errs.push(forbidden('spec.podCIDRs', msg)));
  }
  if (str(oldSpec.providerID) && oldSpec.providerID !== spec.providerID) {
    errs.push(forbidden('spec.providerID', 'node updates may not change providerID except from "" to valid'));
  }
  if (str(spec.externalID) !== str(oldSpec.externalID)) errs.push(forbidden('spec.externalID', 'may not be updated'));
  return errs;
}

export const nodeStrategy: Strategy = {
  tracksGeneration: false,
  prepareForCreate(obj, ctx) {
    const st = asObj(obj.status);
    checkLists(ctx, st?.capacity, st?.allocatable);
    const spec = asObj(obj.spec);
    // The dynamic kubelet config source is gone; kube drops it.
    if (spec) delete spec.configSource;
    if (st) delete st.config;
  },
  prepareForUpdate(obj, old, ctx) {
    const st = asObj(obj.status);
    checkLists(ctx, st?.capacity, st?.allocatable);
    if (ctx.subresource !== 'status') {
      const spec = asObj(obj.spec);
      if (spec && asObj(old.spec)?.configSource === undefined) delete spec.configSource;
    }
  },
  defaults: (obj) => defaultNode(obj),
  validate: (obj) => validateNodeCommon(obj),
  validateUpdate: (obj, old) => validateNodeUpdate(obj, old),
  selectableFields: (obj) => ({ 'spec.unschedulable': String(asObj(obj.spec)?.unschedulable === true) }),
};

// ---- ResourceQuotas -------------------------------------------------------------------------------------------------

const QUOTA_RESOURCES = new Set([
  'cpu',
  'memory',
  'ephemeral-storage',
  'requests.cpu',
  'requests.memory',
  'requests.storage',
  'requests.ephemeral-storage',
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
  'pods',
  'services',
  'replicationcontrollers',
  'resourcequotas',
  'secrets',
  'persistentvolumeclaims',
  'configmaps',
  'services.nodeports',
  'services.loadbalancers',
]);
const QUOTA_SCOPES = ['Terminating', 'NotTerminating', 'BestEffort', 'NotBestEffort', 'PriorityClass', 'CrossNamespacePodAffinity', 'VolumeAttributesClass'];

/** ValidateResourceQuotaResourceName. */
export function quotaResourceNameErrors(name: string, field: string): FieldError[] {
  const errs = validateResourceName(name, field);
  if (!name.includes('/') && !QUOTA_RESOURCES.has(name) && !name.startsWith('requests.hugepages-') && !isHugePageResource(name)) {
    errs.push(invalid(field, name, 'must be a standard resource for quota'));
  }
  return errs;
}

function quotaLists(list: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(asObj(list) ?? {})) {
    errs.push(...quotaResourceNameErrors(k, `${field}[${k}]`), ...validateResourceQuantity(k, v, `${field}[${k}]`));
  }
  return errs;
}

export function validateResourceQuotaSpec(rq: KubeObject): FieldError[] {
  const spec = asObj(rq.spec) ?? {};
  const errs = quotaLists(spec.hard, 'spec.hard');
  const scopes = asArr(spec.scopes).map(String);
  const goScopes = `[]core.ResourceQuotaScope{${scopes.map((s) => goQuote(s)).join(', ')}}`;
  for (const s of scopes) if (!QUOTA_SCOPES.includes(s)) errs.push(invalidGo('spec.scopes', goScopes, 'unsupported scope'));
  const has = (s: string) => scopes.includes(s);
  if ((has('BestEffort') && has('NotBestEffort')) || (has('Terminating') && has('NotTerminating'))) {
    errs.push(invalidGo('spec.scopes', goScopes, 'conflicting scopes'));
  }
  const sel = asObj(spec.scopeSelector);
  for (const req of objs(sel?.matchExpressions)) {
    const p = 'spec.scopeSelector.matchExpressions';
    const scope = str(req.scopeName);
    if (!QUOTA_SCOPES.includes(scope)) errs.push(invalid(`${p}.scopeName`, scope, 'unsupported scope'));
    const op = str(req.operator);
    const vals = asArr(req.values);
    if (op === 'In' || op === 'NotIn') {
      if (vals.length === 0) errs.push(required(`${p}.values`, "must be at least one value when `operator` is 'In' or 'NotIn' for scope selector"));
    } else if (op === 'Exists' || op === 'DoesNotExist') {
      if (vals.length > 0) errs.push(invalid(`${p}.values`, JSON.stringify(vals), "must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector"));
    } else errs.push(invalid(`${p}.operator`, op, 'not a valid selector operator'));
  }
  return errs;
}

export const resourceQuotaStrategy: Strategy = {
  tracksGeneration: false,
  prepareForCreate(obj, ctx) {
    checkLists(ctx, asObj(obj.spec)?.hard);
    obj.status = {};
  },
  prepareForUpdate(obj, _old, ctx) {
    const st = asObj(obj.status);
    checkLists(ctx, asObj(obj.spec)?.hard, st?.hard, st?.used);
  },
  defaults(obj) {
    canonicalizeResourceList(asObj(obj.spec)?.hard);
    const st = asObj(obj.status);
    canonicalizeResourceList(st?.hard);
    canonicalizeResourceList(st?.used);
  },
  validate: (obj) => validateResourceQuotaSpec(obj),
  validateUpdate(obj, old, ctx) {
    if (ctx.subresource === 'status') {
      const st = asObj(obj.status) ?? {};
      return [...quotaLists(st.hard, 'status.hard'), ...quotaLists(st.used, 'status.used')];
    }
    const errs = validateResourceQuotaSpec(obj);
    const a = new Set(asArr(asObj(obj.spec)?.scopes).map(String));
    const b = new Set(asArr(asObj(old.spec)?.scopes).map(String));
    if (a.size !== b.size || [...a].some((s) => !b.has(s))) {
      const scopes = asArr(asObj(obj.spec)?.scopes).map(String);
      errs.push(invalidGo('spec.scopes', `[]core.ResourceQuotaScope{${scopes.map((s) => goQuote(s)).join(', ')}}`, 'field is immutable'));
    }
    return errs;
  },
};

// ---- LimitRanges ----------------------------------------------------------------------------------------------------

const LIMIT_TYPES = ['Pod', 'Container', 'PersistentVolumeClaim'];

/** SetDefaults_LimitRangeItem: container default limits from max, default requests from default or min. */
export function defaultLimitRange(lr: KubeObject): void {
  for (const item of objs(asObj(lr.spec)?.limits)) {
    for (const k of ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio']) canonicalizeResourceList(item[k]);
    if (item.type !== 'Container') continue;
    const def: Obj = { ...(asObj(item.default) ?? {}) };
    const defReq: Obj = { ...(asObj(item.defaultRequest) ?? {}) };
    for (const [k, v] of Object.entries(asObj(item.max) ?? {})) if (!(k in def)) def[k] = v;
    for (const [k, v] of Object.entries(def)) if (!(k in defReq)) defReq[k] = v;
    for (const [k, v] of Object.entries(asObj(item.min) ?? {})) if (!(k in defReq)) defReq[k] = v;
    if (Object.keys(def).length > 0) item.default = def;
    if (Object.keys(defReq).length > 0) item.defaultRequest = defReq;
  }
}

function q(v: unknown): Quantity | undefined {
  try {
    return parseQuantity(v as string);
  } catch {
    return undefined;
  }
}

export function validateLimitRange(lr: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const types = new Set<string>();
  objs(asObj(lr.spec)?.limits).forEach((item, i) => {
    const p = `spec.limits[${i}]`;
    const type = str(item.type);
    const qn = labelName(`${p}.type`, type);
    if (qn.length > 0) errs.push(...qn);
    else if (!type.includes('/') && !LIMIT_TYPES.includes(type)) errs.push(invalid(`${p}.type`, type, 'must be a standard limit type or fully qualified'));
    if (types.has(type)) errs.push(duplicate(`${p}.type`, type));
    types.add(type);
    const nameCheck = (k: string, name: string) =>
      type === 'Pod' || type === 'Container' ? validateContainerResourceName(name, `${p}.${k}[${name}]`) : validateResourceName(name, `${p}.${k}[${name}]`);
    const lists: Record<string, Obj> = {};
    for (const k of ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio']) {
      const l = asObj(item[k]) ?? {};
      lists[k] = l;
      if (type === 'Pod' && (k === 'default' || k === 'defaultRequest')) {
        if (Object.keys(l).length > 0) errs.push(forbidden(`${p}.${k}`, "may not be specified when `type` is 'Pod'"));
        continue;
      }
      for (const name of Object.keys(l)) errs.push(...nameCheck(k, name));
    }
    if (type === 'PersistentVolumeClaim' && !('storage' in lists.min!) && !('storage' in lists.max!)) {
      errs.push(required(`${p}.limits`, 'either minimum or maximum storage value is required, but neither was provided'));
    }
    const keys = new Set(Object.values(lists).flatMap((l) => Object.keys(l)));
    for (const k of keys) {
      const min = q(lists.min![k]);
      const max = q(lists.max![k]);
      const def = type === 'Pod' ? undefined : q(lists.default![k]);
      const dreq = type === 'Pod' ? undefined : q(lists.defaultRequest![k]);
      const s = (name: string) => String(lists[name]![k]);
      if (min && max && compareQuantities(min, max) > 0) errs.push(invalid(`${p}.min[${k}]`, s('min'), `min value ${s('min')} is greater than max value ${s('max')}`));
      if (dreq && min && compareQuantities(min, dreq) > 0) {
        errs.push(invalid(`${p}.defaultRequest[${k}]`, s('defaultRequest'), `min value ${s('min')} is greater than default request value ${s('defaultRequest')}`));
      }
      if (dreq && max && compareQuantities(dreq, max) > 0) {
        errs.push(invalid(`${p}.defaultRequest[${k}]`, s('defaultRequest'), `default request value ${s('defaultRequest')} is greater than max value ${s('max')}`));
      }
      if (dreq && def && compareQuantities(dreq, def) > 0) {
        errs.push(invalid(`${p}.defaultRequest[${k}]`, s('defaultRequest'), `default request value ${s('defaultRequest')} is greater than default limit value ${s('default')}`));
      }
      if (def && min && compareQuantities(min, def) > 0) errs.push(invalid(`${p}.default[${k}]`, s('min'), `min value ${s('min')} is greater than default value ${s('default')}`));
      if (def && max && compareQuantities(def, max) > 0) errs.push(invalid(`${p}.default[${k}]`, s('max'), `default value ${s('default')} is greater than max value ${s('max')}`));
      const ratio = q(lists.maxLimitRequestRatio![k]);
      if (ratio && compareQuantities(ratio, parseQuantity('1')) < 0) {
        errs.push(invalid(`${p}.maxLimitRequestRatio[${k}]`, s('maxLimitRequestRatio'), `ratio ${s('maxLimitRequestRatio')} is less than 1`));
      }
      if (!isOvercommitAllowed(k) && def && dreq && compareQuantities(def, dreq) !== 0) {
        errs.push(invalid(`${p}.defaultRequest[${k}]`, s('defaultRequest'), `default value ${s('default')} must equal to defaultRequest value ${s('defaultRequest')} in ${k}`));
      }
    }
  });
  return errs;
}

export const limitRangeStrategy: Strategy = {
  allowCreateOnUpdate: true,
  tracksGeneration: false,
  prepareForCreate(obj, ctx) {
    for (const item of objs(asObj(obj.spec)?.limits)) checkLists(ctx, item.max, item.min, item.default, item.defaultRequest, item.maxLimitRequestRatio);
  },
  prepareForUpdate(obj, _old, ctx) {
    for (const item of objs(asObj(obj.spec)?.limits)) checkLists(ctx, item.max, item.min, item.default, item.defaultRequest, item.maxLimitRequestRatio);
  },
  defaults: (obj) => defaultLimitRange(obj),
  validate: (obj) => validateLimitRange(obj),
};

registerStrategy('', 'nodes', nodeStrategy);
registerStrategy('', 'resourcequotas', resourceQuotaStrategy);
registerStrategy('', 'limitranges', limitRangeStrategy);

