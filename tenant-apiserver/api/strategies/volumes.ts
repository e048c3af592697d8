// PersistentVolumeClaims and PersistentVolumes (pkg/registry/core/
// persistentvolume{,claim}, ValidatePersistentVolume{,Claim}{,Update}).

import type { FieldError } from '../errors.js';
import type { Strategy, StrategyContext } from '../strategy.js';
import { rfc3339, type KubeObject } from '../types.js';
import { canonicalizeResourceList, compareQuantities, parseQuantity, sign, type Quantity } from './quantity.js';
import { specDiff } from './pods.js';
import { registerStrategy } from './register.js';
import {
  asArr,
  asObj,
  clone,
  decodeError,
  deepEqual,
  ensureObj,
  forbidden,
  immutable,
  invalid,
  notSupported,
  required,
  setDefaultStr,
  specOf,
  str,
  type Obj,
} from './util.js';
import { NOT_POSITIVE_ERROR, dnsSubdomain, validateLabelSelector } from './validators.js';
import { validateResourceQuantity } from './pod-spec.js';

const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
const VOLUME_MODES = ['Block', 'Filesystem'];
const RECLAIM_POLICIES = ['Delete', 'Recycle', 'Retain'];
const BETA_STORAGE_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

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

function accessModeErrors(modes: unknown, field: string, requiredDetail: string): FieldError[] {
  const errs: FieldError[] = [];
  const list = asArr(modes).map(String);
  if (list.length === 0) errs.push(required(field, requiredDetail));
  let rwop = false;
  let other = false;
  for (const m of list) {
    if (!ACCESS_MODES.includes(m)) errs.push(notSupported(field, m, ACCESS_MODES));
    if (m === 'ReadWriteOncePod') rwop = true;
    else if (ACCESS_MODES.includes(m)) other = true;
  }
  if (rwop && other) errs.push(forbidden(field, 'may not use ReadWriteOncePod with other access modes'));
  return errs;
}

function positive(field: string, raw: unknown): FieldError[] {
  let q: Quantity;
  try {
    q = parseQuantity(raw as string);
  } catch (e) {
    return [invalid(field, raw, (e as Error).message)];
  }
  return sign(q) <= 0 ? [invalid(field, String(raw), NOT_POSITIVE_ERROR)] : [];
}

// ---- PVCs -----------------------------------------------------------------------------------------------------------

/** SetDefaults_PersistentVolumeClaim(Spec): volumeMode Filesystem, phase Pending; quantities canonical. */
export function defaultPvc(pvc: KubeObject): void {
  const spec = specOf(pvc);
  setDefaultStr(spec, 'volumeMode', 'Filesystem');
  const res = asObj(spec.resources);
  canonicalizeResourceList(res?.requests);
  canonicalizeResourceList(res?.limits);
  setDefaultStr(ensureObj(pvc as Obj, 'status'), 'phase', 'Pending');
}

/** ValidatePersistentVolumeClaimSpec at `p`. */
export function validatePvcSpec(specIn: unknown, p: string): FieldError[] {
  const spec = asObj(specIn) ?? {};
  const errs = accessModeErrors(spec.accessModes, `${p}.accessModes`, 'at least 1 access mode is required');
  if (spec.selector !== undefined && spec.selector !== null) errs.push(...validateLabelSelector(spec.selector, `${p}.selector`));
  const storage = asObj(asObj(spec.resources)?.requests)?.storage;
  const sp = `${p}.resources[storage]`;
  if (storage === undefined || storage === null) errs.push(required(sp));
  else {
    const pe = positive(sp, storage);
    errs.push(...(pe.length > 0 ? pe : validateResourceQuantity('storage', storage, sp)));
  }
  if (typeof spec.storageClassName === 'string' && spec.storageClassName !== '') errs.push(...dnsSubdomain(`${p}.storageClassName`, spec.storageClassName));
  if (spec.volumeMode !== undefined && spec.volumeMode !== null && !VOLUME_MODES.includes(str(spec.volumeMode))) {
    errs.push(notSupported(`${p}.volumeMode`, spec.volumeMode, VOLUME_MODES));
  }
  for (const k of ['dataSource', 'dataSourceRef'] as const) {
    const ds = asObj(spec[k]);
    if (!ds) continue;
    if (!str(ds.name)) errs.push(required(`${p}.${k}.name`));
    if (!str(ds.kind)) errs.push(required(`${p}.${k}.kind`));
    const group = str(ds.apiGroup);
    if (!group && ds.kind !== 'PersistentVolumeClaim') errs.push(invalid(`${p}.${k}`, str(ds.kind), "must be 'PersistentVolumeClaim' when referencing the default apiGroup"));
    if (group) errs.push(...dnsSubdomain(`${p}.${k}.apiGroup`, group));
  }
  if (typeof spec.volumeAttributesClassName === 'string' && spec.volumeAttributesClassName !== '') {
    errs.push(...dnsSubdomain(`${p}.volumeAttributesClassName`, spec.volumeAttributesClassName));
  }
  return errs;
}

export function validatePvcUpdate(pvc: KubeObject, old: KubeObject): FieldError[] {
  const errs = validatePvcSpec(pvc.spec, 'spec');
  const spec = clone(asObj(pvc.spec) ?? {});
  const oldSpec = clone(asObj(old.spec) ?? {});
  // The binder sets volumeName once.
  if (!str(oldSpec.volumeName)) {
    if (spec.volumeName === undefined) delete oldSpec.volumeName;
    else oldSpec.volumeName = spec.volumeName;
  }
  // Upgrading from the beta storage-class annotation to the field is allowed.
  const oldAnn = old.metadata?.annotations?.[BETA_STORAGE_CLASS_ANNOTATION];
  if (oldSpec.storageClassName === undefined && spec.storageClassName !== undefined) {
    if (oldAnn === undefined || spec.storageClassName === oldAnn) oldSpec.storageClassName = spec.storageClassName;
  } else {
    const newAnn = pvc.metadata?.annotations?.[BETA_STORAGE_CLASS_ANNOTATION];
    if ((newAnn ?? '') !== (oldAnn ?? '')) errs.push(invalid(`metadata.annotations.${BETA_STORAGE_CLASS_ANNOTATION}`, newAnn ?? '', 'field is immutable'));
  }
  const bound = str(asObj(pvc.status)?.phase) === 'Bound';
  const newReq = asObj(asObj(spec.resources)?.requests);
  if (bound && newReq) {
    const oldStorage = asObj(asObj(oldSpec.resources)?.requests)?.storage;
    if (oldStorage === undefined) delete newReq.storage;
    else newReq.storage = oldStorage;
  }
  spec.volumeAttributesClassName = oldSpec.volumeAttributesClassName;
  if (spec.volumeAttributesClassName === undefined) delete spec.volumeAttributesClassName;
  if (!deepEqual(spec, oldSpec)) {
    const diff = ['  core.PersistentVolumeClaimSpec{', ...specDiff(oldSpec, spec, 'spec'), '  }'].join('\n');
    errs.push(forbidden('spec', `spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n${diff}`));
  }
  const get = (o: KubeObject, where: 'spec' | 'status') =>
    where === 'spec' ? asObj(asObj(asObj(o.spec)?.resources)?.requests)?.storage : asObj(asObj(o.status)?.capacity)?.storage;
  try {
    const newSize = parseQuantity((get(pvc, 'spec') ?? '0') as string);
    const oldSize = parseQuantity((get(old, 'spec') ?? '0') as string);
    const statusSize = parseQuantity((get(old, 'status') ?? '0') as string);
    // Shrinking is allowed only to recover from a failed expansion, never to or below the actual capacity.
    if (compareQuantities(newSize, oldSize) < 0 && compareQuantities(newSize, statusSize) <= 0) {
      errs.push(forbidden('spec.resources.requests.storage', 'field can not be less than status.capacity'));
    }
  } catch {
    /* malformed sizes are reported above */
  }
  errs.push(...immutable('volumeMode', asObj(pvc.spec)?.volumeMode ?? null, asObj(old.spec)?.volumeMode ?? null));
  return errs;
}

export const pvcStrategy: Strategy = {
  tracksGeneration: false,
  prepareForCreate(obj, ctx) {
    const res = asObj(asObj(obj.spec)?.resources);
    checkLists(ctx, res?.requests, res?.limits);
    obj.status = {};
  },
  prepareForUpdate(obj, _old, ctx) {
    const res = asObj(asObj(obj.spec)?.resources);
    if (ctx.subresource === 'status') checkLists(ctx, asObj(obj.status)?.capacity, asObj(obj.status)?.allocatedResources);
    else checkLists(ctx, res?.requests, res?.limits);
  },
  defaults(obj) {
    defaultPvc(obj);
    canonicalizeResourceList(asObj(obj.status)?.capacity);
  },
  validate: (obj) => validatePvcSpec(obj.spec, 'spec'),
  validateUpdate(obj, old, ctx) {
    if (ctx.subresource === 'status') {
      const errs: FieldError[] = [];
      if (asArr(asObj(obj.spec)?.accessModes).length === 0) errs.push(required('Spec.accessModes'));
      for (const [k, v] of Object.entries(asObj(asObj(obj.status)?.capacity) ?? {})) errs.push(...validateResourceQuantity(k, v, `status.capacity[${k}]`));
      return errs;
    }
    return validatePvcUpdate(obj, old);
  },
};

// ---- PVs ------------------------------------------------------------------------------------------------------------

const PV_SOURCES = [
  'hostPath',
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'glusterfs',
  'flocker',
  'nfs',
  'rbd',
  'quobyte',
  'cephfs',
  'iscsi',
  'cinder',
  'fc',
  'flexVolume',
  'azureFile',
  'vsphereVolume',
  'photonPersistentDisk',
  'portworxVolume',
  'azureDisk',
  'scaleIO',
  'local',
  'storageos',
  'csi',
];

export function defaultPv(pv: KubeObject): void {
  const spec = specOf(pv);
  setDefaultStr(spec, 'persistentVolumeReclaimPolicy', 'Retain');
  setDefaultStr(spec, 'volumeMode', 'Filesystem');
  canonicalizeResourceList(spec.capacity);
  setDefaultStr(ensureObj(pv as Obj, 'status'), 'phase', 'Pending');
  const hp = asObj(spec.hostPath);
  if (hp && (hp.type === undefined || hp.type === null)) hp.type = '';
}

export function validatePv(pv: KubeObject): FieldError[] {
  const spec = asObj(pv.spec) ?? {};
  const errs = accessModeErrors(spec.accessModes, 'spec.accessModes', '');
  const cap = asObj(spec.capacity) ?? {};
  if (Object.keys(cap).length === 0) errs.push(required('spec.capacity'));
  if (!('storage' in cap) || Object.keys(cap).length > 1) errs.push(notSupported('spec.capacity', JSON.stringify(cap), ['storage']));
  for (const [k, v] of Object.entries(cap)) errs.push(...positive(`spec.capacity[${k}]`, v));
  const rp = spec.persistentVolumeReclaimPolicy;
  if (rp && !RECLAIM_POLICIES.includes(str(rp))) errs.push(notSupported('spec.persistentVolumeReclaimPolicy', rp, RECLAIM_POLICIES));
  let n = 0;
  for (const k of PV_SOURCES) {
    const src = asObj(spec[k]);
    if (!src) continue;
    // kube does not count flexVolume against "more than 1", a historical quirk.
    if (n > 0 && k !== 'flexVolume') {
      errs.push(forbidden(`spec.${k === 'cephfs' ? 'cephFS' : k}`, 'may not specify more than 1 volume type'));
      continue;
    }
    n++;
    if ((k === 'hostPath' || k === 'local' || k === 'nfs') && !str(src.path)) errs.push(required(`spec.${k}.path`));
    if (k === 'nfs' && !str(src.server)) errs.push(required('spec.nfs.server'));
    if (k === 'csi') {
      if (!str(src.driver)) errs.push(required('spec.csi.driver'));
      if (!str(src.volumeHandle)) errs.push(required('spec.csi.volumeHandle'));
    }
    if (k === 'local') {
      const na = asObj(spec.nodeAffinity);
      if (!na) errs.push(required('spec.nodeAffinity', 'Local volume requires node affinity'));
    }
  }
  if (n === 0) errs.push(required('spec', 'must specify a volume type'));
  const hp = asObj(spec.hostPath);
  if (hp && str(hp.path).replace(/\/+$/, '') === '' && str(hp.path).startsWith('/') && rp === 'Recycle') {
    errs.push(forbidden('spec.persistentVolumeReclaimPolicy', "may not be 'recycle' for a hostPath mount of '/'"));
  }
  if (typeof spec.storageClassName === 'string' && spec.storageClassName !== '') errs.push(...dnsSubdomain('spec.storageClassName', spec.storageClassName));
  if (spec.volumeMode !== undefined && spec.volumeMode !== null && !VOLUME_MODES.includes(str(spec.volumeMode))) {
    errs.push(notSupported('spec.volumeMode', spec.volumeMode, VOLUME_MODES));
  }
  const na = asObj(spec.nodeAffinity);
  if (na && !asObj(na.required)) errs.push(required('spec.nodeAffinity.required', 'must specify required node constraints'));
  return errs;
}

function pvSource(spec: Obj): Obj {
  const out: Obj = {};
  for (const k of PV_SOURCES) if (spec[k] !== undefined) out[k] = spec[k];
  return out;
}

export function validatePvUpdate(pv: KubeObject, old: KubeObject): FieldError[] {
  const errs = validatePv(pv);
  const spec = asObj(pv.spec) ?? {};
  const oldSpec = asObj(old.spec) ?? {};
  const a = clone(pvSource(spec));
  const b = pvSource(oldSpec);
  // A CSI volume may gain its controllerExpandSecretRef later.
  const aCsi = asObj(a.csi);
  if (aCsi && asObj(b.csi) && asObj(b.csi)!.controllerExpandSecretRef === undefined) delete aCsi.controllerExpandSecretRef;
  if (!deepEqual(a, b)) {
    errs.push(forbidden('spec.persistentvolumesource', `spec.persistentvolumesource is immutable after creation\n${specDiff(b, a, 'spec').join('\n')}`));
  }
  errs.push(...immutable('volumeMode', spec.volumeMode ?? null, oldSpec.volumeMode ?? null));
  if (oldSpec.nodeAffinity !== undefined && !deepEqual(spec.nodeAffinity, oldSpec.nodeAffinity)) {
    errs.push(invalid('nodeAffinity', JSON.stringify(spec.nodeAffinity ?? null), 'field is immutable, except for updating from beta label to GA'));
  }
  return errs;
}

export const pvStrategy: Strategy = {
  tracksGeneration: false,
  prepareForCreate(obj, ctx) {
    checkLists(ctx, asObj(obj.spec)?.capacity);
    obj.status = { phase: 'Pending', lastPhaseTransitionTime: rfc3339(ctx.now) };
  },
  prepareForUpdate(obj, old, ctx) {
    if (ctx.subresource !== 'status') {
      checkLists(ctx, asObj(obj.spec)?.capacity);
      return;
    }
    // The phase clock moves only when the phase does.
    const st = asObj(obj.status);
    const oldPhase = str(asObj(old.status)?.phase);
    if (st && str(st.phase) !== oldPhase) st.lastPhaseTransitionTime = rfc3339(ctx.now);
  },
  defaults: (obj) => defaultPv(obj),
  validate: (obj) => validatePv(obj),
  validateUpdate(obj, old, ctx) {
    if (ctx.subresource === 'status') return [];
    return validatePvUpdate(obj, old);
  },
};

registerStrategy('', 'persistentvolumeclaims', pvcStrategy);
registerStrategy('', 'persistentvolumes', pvStrategy);
