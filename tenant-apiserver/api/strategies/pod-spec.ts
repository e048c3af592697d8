// Pod spec defaulting and validation shared by every resource that embeds a pod
// template (pods, replication controllers, pod templates, apps, batch). Mirrors
// pkg/apis/core/v1/defaults.go (SetDefaults_PodSpec, _Container, _Volume, _Probe …)
// and pkg/apis/core/validation ValidatePodSpec, with kube's messages.

import type { FieldError } from '../errors.js';
import { isObject } from '../types.js';
import {
  QUANTITY_FORMAT_ERROR,
  canonicalizeResourceList,
  compareQuantities,
  addQuantities,
  isInteger,
  parseQuantity,
  sign,
  type Quantity,
} from './quantity.js';
import {
  asArr,
  asObj,
  duplicate,
  ensureObj,
  forbidden,
  invalid,
  notFound,
  notSupported,
  objs,
  required,
  setDefault,
  setDefaultStr,
  str,
  type Obj,
} from './util.js';
import {
  NEGATIVE_ERROR,
  dnsLabel,
  dnsSubdomain,
  inclusiveRangeError,
  labelName,
  nonNegative,
  oneOf,
  portNameErrors,
  portNumErrors,
  portNumOrName,
  qualifiedName,
  validIP,
  validateLabelSelector,
  validateLabels,
} from './validators.js';
import { labelValueErrors } from '../validation/names.js';

export type QosClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

export interface PodSpecOptions {
  /**
   * The spec belongs to a Pod rather than a template: apply the defaults kube
   * only materialises on Pods (enableServiceLinks, requests from limits, host
   * ports for hostNetwork, the `default` service account) and the pod-only checks.
   */
  pod?: boolean;
}

const MAX_INT32 = 2147483647;
const FILE_MODE_ERROR = 'must be a number between 0 and 0777 (octal), both inclusive';

// ---- defaulting -----------------------------------------------------------------------------------------------------

/** A docker reference the kubelet's parser accepts (domain, lowercase path). */
function parsesAsReference(repo: string): boolean {
  if (repo === '') return false;
  const parts = repo.split('/');
  const first = parts[0]!;
  const hasDomain = parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (hasDomain && !/^[a-zA-Z0-9.-]+(:\d+)?$/.test(first)) return false;
  const path = hasDomain ? parts.slice(1) : parts;
  return path.length > 0 && path.every((c) => /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/.test(c));
}

/**
 * `Always` when the tag is `latest`, or absent without a digest; else
 * `IfNotPresent` (SetDefaults_Container). An unparseable reference has no tag.
 */
export function imagePullPolicyFor(image: string): 'Always' | 'IfNotPresent' {
  const at = image.indexOf('@');
  const name = at >= 0 ? image.slice(0, at) : image;
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  const hasTag = colon > slash;
  const tag = hasTag ? name.slice(colon + 1) : '';
  const repo = hasTag ? name.slice(0, colon) : name;
  if (!parsesAsReference(repo)) return 'IfNotPresent';
  if (tag === 'latest' || (tag === '' && at < 0)) return 'Always';
  return 'IfNotPresent';
}

function defaultHandler(h: Obj | undefined): void {
  const http = asObj(h?.httpGet);
  if (http) {
    setDefaultStr(http, 'path', '/');
    setDefaultStr(http, 'scheme', 'HTTP');
  }
}

/** SetDefaults_Probe and its handler. */
export function defaultProbe(p: Obj): void {
  setDefault(p, 'timeoutSeconds', 1);
  setDefault(p, 'periodSeconds', 10);
  setDefault(p, 'successThreshold', 1);
  setDefault(p, 'failureThreshold', 3);
  defaultHandler(p);
  const grpc = asObj(p.grpc);
  if (grpc) setDefault(grpc, 'service', '');
}

/** SetDefaults_Container plus its ports, probes, lifecycle, env field refs; quantities canonicalised. */
export function defaultContainer(c: Obj): void {
  if (!c.imagePullPolicy) c.imagePullPolicy = imagePullPolicyFor(str(c.image));
  setDefaultStr(c, 'terminationMessagePath', '/dev/termination-log');
  setDefaultStr(c, 'terminationMessagePolicy', 'File');
  for (const p of objs(c.ports)) setDefaultStr(p, 'protocol', 'TCP');
  const res = ensureObj(c, 'resources');
  canonicalizeResourceList(res.limits);
  canonicalizeResourceList(res.requests);
  for (const k of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
    const p = asObj(c[k]);
    if (p) defaultProbe(p);
  }
  const lc = asObj(c.lifecycle);
  if (lc) {
    defaultHandler(asObj(lc.postStart));
    defaultHandler(asObj(lc.preStop));
  }
  for (const e of objs(c.env)) {
    const fr = asObj(asObj(e.valueFrom)?.fieldRef);
    if (fr) setDefaultStr(fr, 'apiVersion', 'v1');
  }
}

const VOLUME_SOURCES = [
  'emptyDir',
  'hostPath',
  'gitRepo',
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'secret',
  'nfs',
  'iscsi',
  'glusterfs',
  'flocker',
  'persistentVolumeClaim',
  'rbd',
  'cinder',
  'cephfs',
  'quobyte',
  'downwardAPI',
  'fc',
  'flexVolume',
  'configMap',
  'azureFile',
  'vsphereVolume',
  'photonPersistentDisk',
  'portworxVolume',
  'azureDisk',
  'storageos',
  'projected',
  'scaleIO',
  'csi',
  'ephemeral',
  'image',
] as const;

/** SetDefaults_Volume and its sources (defaultMode 0644 = 420, emptyDir when no source). */
export function defaultVolume(v: Obj): void {
  if (!VOLUME_SOURCES.some((k) => v[k] !== undefined && v[k] !== null)) v.emptyDir = {};
  for (const k of ['secret', 'configMap', 'downwardAPI', 'projected'] as const) {
    const src = asObj(v[k]);
    if (src) setDefault(src, 'defaultMode', 420);
  }
  const hp = asObj(v.hostPath);
  if (hp) setDefault(hp, 'type', '');
  const iscsi = asObj(v.iscsi);
  if (iscsi) setDefaultStr(iscsi, 'iscsiInterface', 'default');
  const rbd = asObj(v.rbd);
  if (rbd) {
    setDefaultStr(rbd, 'pool', 'rbd');
    setDefaultStr(rbd, 'user', 'admin');
    setDefaultStr(rbd, 'keyring', '/etc/ceph/keyring');
  }
  const azd = asObj(v.azureDisk);
  if (azd) {
    setDefault(azd, 'cachingMode', 'ReadWrite');
    setDefault(azd, 'fsType', 'ext4');
    setDefault(azd, 'readOnly', false);
    setDefault(azd, 'kind', 'Shared');
  }
  const sio = asObj(v.scaleIO);
  if (sio) {
    setDefaultStr(sio, 'storageMode', 'ThinProvisioned');
    setDefaultStr(sio, 'fsType', 'xfs');
  }
  for (const s of objs(asObj(v.projected)?.sources)) {
    const sat = asObj(s.serviceAccountToken);
    if (sat) setDefault(sat, 'expirationSeconds', 3600);
    const fr = objs(asObj(s.downwardAPI)?.items);
    for (const it of fr) {
      const f = asObj(it.fieldRef);
      if (f) setDefaultStr(f, 'apiVersion', 'v1');
    }
  }
  for (const it of objs(asObj(v.downwardAPI)?.items)) {
    const f = asObj(it.fieldRef);
    if (f) setDefaultStr(f, 'apiVersion', 'v1');
  }
  const eph = asObj(asObj(v.ephemeral)?.volumeClaimTemplate);
  const ephSpec = asObj(eph?.spec);
  if (ephSpec) {
    setDefaultStr(ephSpec, 'volumeMode', 'Filesystem');
    const r = asObj(ephSpec.resources);
    canonicalizeResourceList(r?.requests);
    canonicalizeResourceList(r?.limits);
  }
  const ed = asObj(v.emptyDir);
  if (ed && (typeof ed.sizeLimit === 'string' || typeof ed.sizeLimit === 'number')) {
    const holder: Obj = { sizeLimit: ed.sizeLimit };
    canonicalizeResourceList(holder);
    ed.sizeLimit = holder.sizeLimit;
  }
}

/**
 * SetDefaults_PodSpec (restartPolicy Always, dnsPolicy ClusterFirst,
 * terminationGracePeriodSeconds 30, schedulerName default-scheduler,
 * securityContext {}), containers, init containers, volumes; the deprecated
 * `serviceAccount` mirrors `serviceAccountName` as v1 conversion does. With
 * `pod: true`, also the Pod-only defaults (see PodSpecOptions). Mutates.
 */
export function defaultPodSpec(spec: Obj, opts: PodSpecOptions = {}): void {
  setDefaultStr(spec, 'dnsPolicy', 'ClusterFirst');
  setDefaultStr(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'securityContext', {});
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefaultStr(spec, 'schedulerName', 'default-scheduler');
  // v1 conversion: serviceAccountName wins, the deprecated alias fills it when alone, and is then mirrored.
  if (!spec.serviceAccountName && typeof spec.serviceAccount === 'string' && spec.serviceAccount !== '') {
    spec.serviceAccountName = spec.serviceAccount;
  }
  if (opts.pod) {
    // The ServiceAccount admission plugin gives every pod an account.
    setDefaultStr(spec, 'serviceAccountName', 'default');
    setDefault(spec, 'enableServiceLinks', true);
  }
  if (typeof spec.serviceAccountName === 'string' && spec.serviceAccountName !== '') spec.serviceAccount = spec.serviceAccountName;
  else delete spec.serviceAccount;
  const all = [...objs(spec.initContainers), ...objs(spec.containers), ...objs(spec.ephemeralContainers)];
  for (const c of all) defaultContainer(c);
  for (const v of objs(spec.volumes)) defaultVolume(v);
  if (spec.overhead !== undefined) canonicalizeResourceList(spec.overhead);
  const podRes = asObj(spec.resources);
  if (podRes) {
    canonicalizeResourceList(podRes.limits);
    canonicalizeResourceList(podRes.requests);
  }
  if (opts.pod) {
    // SetDefaults_Pod: requests default to limits, on Pods only (not templates).
    for (const c of [...objs(spec.containers), ...objs(spec.initContainers)]) {
      const res = ensureObj(c, 'resources');
      const limits = asObj(res.limits);
      if (!limits) continue;
      const requests = ensureObj(res, 'requests');
      for (const [k, v] of Object.entries(limits)) if (!(k in requests)) requests[k] = v;
    }
    if (podRes && asObj(podRes.limits)) {
      const requests = ensureObj(podRes, 'requests');
      for (const [k, v] of Object.entries(asObj(podRes.limits)!)) if (!(k in requests)) requests[k] = v;
    }
  }
  if (opts.pod && spec.hostNetwork === true) {
    for (const c of [...objs(spec.containers), ...objs(spec.initContainers)]) {
      for (const p of objs(c.ports)) if (!p.hostPort) p.hostPort = p.containerPort;
    }
  }
}

/** Defaults for a PodTemplateSpec (`{metadata, spec}`), as embedded in workloads. */
export function defaultPodTemplateSpec(template: Obj): void {
  defaultPodSpec(ensureObj(template, 'spec'));
}

/** Every ResourceList in a pod spec, for canonicalisation or decode checks. */
export function podSpecResourceLists(spec: Obj): unknown[] {
  const lists: unknown[] = [];
  for (const c of [...objs(spec.initContainers), ...objs(spec.containers), ...objs(spec.ephemeralContainers)]) {
    const r = asObj(c.resources);
    if (r) lists.push(r.limits, r.requests);
  }
  const pr = asObj(spec.resources);
  if (pr) lists.push(pr.limits, pr.requests);
  if (spec.overhead !== undefined) lists.push(spec.overhead);
  return lists.filter((l) => l !== undefined);
}

/**
 * The first malformed quantity message in a pod spec (kube fails those while
 * decoding, with a 400), or undefined when all parse.
 */
export function podSpecQuantityError(spec: Obj): string | undefined {
  for (const l of podSpecResourceLists(spec)) {
    const o = asObj(l);
    if (!o) continue;
    for (const v of Object.values(o)) {
      if (typeof v !== 'string' && typeof v !== 'number') return QUANTITY_FORMAT_ERROR;
      try {
        parseQuantity(v);
      } catch (e) {
        return (e as Error).message;
      }
    }
  }
  for (const v of objs(spec.volumes)) {
    const sl = asObj(v.emptyDir)?.sizeLimit;
    if (sl === undefined || sl === null) continue;
    try {
      parseQuantity(sl as string);
    } catch (e) {
      return (e as Error).message;
    }
  }
  return undefined;
}

// ---- QoS ------------------------------------------------------------------------------------------------------------

function sumQos(list: unknown, into: Map<string, Quantity>): Set<string> {
  const found = new Set<string>();
  for (const [name, raw] of Object.entries(asObj(list) ?? {})) {
    if (name !== 'cpu' && name !== 'memory') continue;
    let q: Quantity;
    try {
      q = parseQuantity(raw as string);
    } catch {
      continue;
    }
    if (sign(q) <= 0) continue;
    found.add(name);
    const prev = into.get(name);
    into.set(name, prev ? addQuantities(q, prev) : q);
  }
  return found;
}

/** Pod QoS class as qos.ComputePodQOS (regular and init containers, or pod-level resources when set). */
export function podQosClass(spec: unknown): QosClass {
  const s = asObj(spec) ?? {};
  const requests = new Map<string, Quantity>();
  const limits = new Map<string, Quantity>();
  let guaranteed = true;
  const podRes = asObj(s.resources);
  if (podRes && (asObj(podRes.requests) || asObj(podRes.limits))) {
    sumQos(podRes.requests, requests);
    const found = sumQos(podRes.limits, limits);
    if (!(found.has('cpu') && found.has('memory'))) guaranteed = false;
  } else {
    for (const c of [...objs(s.containers), ...objs(s.initContainers)]) {
      const r = asObj(c.resources) ?? {};
      sumQos(r.requests, requests);
      const found = sumQos(r.limits, limits);
      if (!(found.has('cpu') && found.has('memory'))) guaranteed = false;
    }
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [name, req] of requests) {
      const lim = limits.get(name);
      if (!lim || compareQuantities(lim, req) !== 0) {
        guaranteed = false;
        break;
      }
    }
  }
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}

// ---- resource names -------------------------------------------------------------------------------------------------

const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);
const STANDARD_RESOURCES = new Set([
  'cpu',
  'memory',
  'ephemeral-storage',
  'requests.cpu',
  'requests.memory',
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
  'storage',
  'requests.storage',
  'services.nodeports',
  'services.loadbalancers',
]);
const INTEGER_RESOURCES = new Set([
  'pods',
  'services',
  'replicationcontrollers',
  'resourcequotas',
  'secrets',
  'configmaps',
  'persistentvolumeclaims',
  'services.nodeports',
  'services.loadbalancers',
]);

export function isHugePageResource(name: string): boolean {
  return name.startsWith('hugepages-');
}

export function isNativeResource(name: string): boolean {
  return !name.includes('/') || name.includes('kubernetes.io/');
}

/** Extended resources and hugepages may not be overcommitted (IsOvercommitAllowed is false). */
export function isOvercommitAllowed(name: string): boolean {
  return isNativeResource(name) && !isHugePageResource(name);
}

export function isStandardResourceName(name: string): boolean {
  return STANDARD_RESOURCES.has(name) || isHugePageResource(name) || name.startsWith('requests.hugepages-');
}

function isExtendedResourceName(name: string): boolean {
  if (isNativeResource(name) || name.startsWith('requests.')) return false;
  return labelName('x', 'requests.' + name).length === 0;
}

export function isIntegerResourceName(name: string): boolean {
  return INTEGER_RESOURCES.has(name) || isExtendedResourceName(name);
}

/** validateResourceName: qualified, and standard unless fully qualified. */
export function validateResourceName(name: string, field: string): FieldError[] {
  const errs = qualifiedName(field, name);
  if (errs.length > 0) return errs;
  if (!name.includes('/') && !isStandardResourceName(name)) errs.push(invalid(field, name, 'must be a standard resource type or fully qualified'));
  return errs;
}

/** validateContainerResourceName. */
export function validateContainerResourceName(name: string, field: string): FieldError[] {
  const errs = validateResourceName(name, field);
  if (!name.includes('/')) {
    if (!STANDARD_CONTAINER_RESOURCES.has(name) && !isHugePageResource(name)) errs.push(invalid(field, name, 'must be a standard resource for containers'));
  } else if (!isNativeResource(name) && !isExtendedResourceName(name)) {
    errs.push(invalid(field, name, "doesn't follow extended resource name standard"));
  }
  return errs;
}

/** ValidateResourceQuantityValue: non-negative, integral for integer resources. */
export function validateResourceQuantity(name: string, raw: unknown, field: string): FieldError[] {
  let q: Quantity;
  try {
    q = parseQuantity(raw as string);
  } catch (e) {
    return [invalid(field, raw, (e as Error).message)];
  }
  const errs: FieldError[] = [];
  if (sign(q) < 0) errs.push(invalid(field, String(raw), NEGATIVE_ERROR));
  if (isIntegerResourceName(name) && !isInteger(q)) errs.push(invalid(field, String(raw), 'must be an integer'));
  return errs;
}

/** ValidateResourceRequirements (containers and pod-level). */
export function validateResourceRequirements(res: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const r = asObj(res) ?? {};
  const limits = asObj(r.limits) ?? {};
  const requests = asObj(r.requests) ?? {};
  let limCpuMem = false;
  let reqCpuMem = false;
  let hugePages = false;
  for (const [name, q] of Object.entries(limits)) {
    const p = `${field}.limits[${name}]`;
    errs.push(...validateContainerResourceName(name, p), ...validateResourceQuantity(name, q, p));
    if (isHugePageResource(name)) hugePages = true;
    if (name === 'cpu' || name === 'memory') limCpuMem = true;
  }
  for (const [name, q] of Object.entries(requests)) {
    const p = `${field}.requests[${name}]`;
    errs.push(...validateContainerResourceName(name, p), ...validateResourceQuantity(name, q, p));
    if (name in limits) {
      let rq: Quantity | undefined;
      let lq: Quantity | undefined;
      try {
        rq = parseQuantity(q as string);
        lq = parseQuantity(limits[name] as string);
      } catch {
        /* reported above */
      }
      if (rq && lq) {
        const c = compareQuantities(rq, lq);
        if (c !== 0 && !isOvercommitAllowed(name)) {
          errs.push(invalid(`${field}.requests`, String(q), `must be equal to ${name} limit of ${String(limits[name])}`));
        } else if (c > 0) {
          errs.push(invalid(`${field}.requests`, String(q), `must be less than or equal to ${name} limit of ${String(limits[name])}`));
        }
      }
    } else if (!isOvercommitAllowed(name)) {
      errs.push(required(`${field}.limits`, 'Limit must be set for non overcommitable resources'));
    }
    if (isHugePageResource(name)) hugePages = true;
    if (name === 'cpu' || name === 'memory') reqCpuMem = true;
  }
  if (hugePages && !limCpuMem && !reqCpuMem) errs.push(forbidden(field, 'HugePages require cpu or memory'));
  return errs;
}

// ---- volumes --------------------------------------------------------------------------------------------------------

// kube's per-source paths in "more than 1 volume type" errors, quirks included.
const FORBIDDEN_PATH: Partial<Record<(typeof VOLUME_SOURCES)[number], string>> = { cephfs: 'cephFS', downwardAPI: 'downwarAPI' };

function fileMode(field: string, v: unknown): FieldError[] {
  return typeof v === 'number' && (v < 0 || v > 0o777) ? [invalid(field, v, FILE_MODE_ERROR)] : [];
}

function pathErrors(field: string, p: string): FieldError[] {
  const errs: FieldError[] = [];
  if (p.startsWith('/')) errs.push(invalid(field, p, 'must be a relative path'));
  if (p.split('/').includes('..')) errs.push(invalid(field, p, "must not contain '..'"));
  else if (p.startsWith('..')) errs.push(invalid(field, p, "must not start with '..'"));
  return errs;
}

function keyToPaths(items: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  objs(items).forEach((kp, i) => {
    const p = `${field}[${i}]`;
    if (!str(kp.key)) errs.push(required(`${p}.key`));
    if (!str(kp.path)) errs.push(required(`${p}.path`));
    errs.push(...pathErrors(`${p}.path`, str(kp.path)), ...fileMode(`${p}.mode`, kp.mode));
  });
  return errs;
}

function validateVolumeSource(v: Obj, field: string): FieldError[] {
  const errs: FieldError[] = [];
  let n = 0;
  for (const k of VOLUME_SOURCES) {
    const src = v[k];
    if (src === undefined || src === null) continue;
    if (n > 0) {
      errs.push(forbidden(`${field}.${FORBIDDEN_PATH[k] ?? k}`, 'may not specify more than 1 volume type'));
      continue;
    }
    n++;
    const s = asObj(src) ?? {};
    const p = `${field}.${k}`;
    switch (k) {
      case 'hostPath':
        if (!str(s.path)) errs.push(required(`${p}.path`));
        else if (str(s.path).split('/').includes('..')) errs.push(invalid(`${p}.path`, s.path, "must not contain '..'"));
        if (s.type !== undefined && s.type !== null) {
          const types = ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'];
          if (!types.includes(str(s.type))) errs.push(notSupported(`${p}.type`, s.type, types));
        }
        break;
      case 'secret':
        if (!str(s.secretName)) errs.push(required(`${p}.secretName`));
        errs.push(...fileMode(`${p}.defaultMode`, s.defaultMode), ...keyToPaths(s.items, `${p}.items`));
        break;
      case 'configMap':
        if (!str(s.name)) errs.push(required(`${p}.name`));
        errs.push(...fileMode(`${p}.defaultMode`, s.defaultMode), ...keyToPaths(s.items, `${p}.items`));
        break;
      case 'persistentVolumeClaim':
        if (!str(s.claimName)) errs.push(required(`${p}.claimName`));
        break;
      case 'nfs':
        if (!str(s.server)) errs.push(required(`${p}.server`));
        if (!str(s.path)) errs.push(required(`${p}.path`));
        if (!str(s.path).startsWith('/')) errs.push(invalid(`${p}.path`, str(s.path), 'must be an absolute path'));
        break;
      case 'csi':
        if (!str(s.driver)) errs.push(required(`${p}.driver`));
        break;
      case 'downwardAPI':
        errs.push(...fileMode(`${p}.defaultMode`, s.defaultMode));
        for (const it of objs(s.items)) {
          if (!str(it.path)) errs.push(required(`${p}.path`));
          errs.push(...pathErrors(`${p}.path`, str(it.path)));
          if (!it.fieldRef && !it.resourceFieldRef) errs.push(required(p, 'one of fieldRef and resourceFieldRef is required'));
        }
        break;
      case 'projected':
        errs.push(...fileMode(`${p}.defaultMode`, s.defaultMode));
        objs(s.sources).forEach((src2, i) => {
          const sp = `${p}.sources[${i}]`;
          const kinds = ['secret', 'configMap', 'downwardAPI', 'serviceAccountToken', 'clusterTrustBundle', 'podCertificate'].filter((x) => src2[x]);
          if (kinds.length > 1) errs.push(forbidden(sp, 'may not specify more than 1 volume type'));
          const sat = asObj(src2.serviceAccountToken);
          if (sat) {
            const exp = sat.expirationSeconds;
            if (typeof exp === 'number' && exp < 600) errs.push(invalid(`${sp}.serviceAccountToken.expirationSeconds`, exp, 'may not specify a duration less than 10 minutes'));
            if (typeof exp === 'number' && exp > 2 ** 32) errs.push(invalid(`${sp}.serviceAccountToken.expirationSeconds`, exp, 'may not specify a duration larger than 2^32 seconds'));
            if (!str(sat.path)) errs.push(required(`${p}.path`));
          }
          for (const kind of ['secret', 'configMap'] as const) {
            const ref = asObj(src2[kind]);
            if (ref) {
              if (!str(ref.name)) errs.push(required(`${sp}.${kind}.name`));
              errs.push(...keyToPaths(ref.items, `${sp}.${kind}.items`));
            }
          }
        });
        break;
      case 'ephemeral':
        if (!asObj(s.volumeClaimTemplate)) errs.push(required(`${p}.volumeClaimTemplate`));
        break;
      case 'emptyDir':
        if (s.sizeLimit !== undefined && s.sizeLimit !== null) {
          try {
            if (sign(parseQuantity(s.sizeLimit as string)) < 0) errs.push(forbidden(`${p}.sizeLimit`, 'SizeLimit field must be a valid resource quantity'));
          } catch (e) {
            errs.push(invalid(`${p}.sizeLimit`, s.sizeLimit, (e as Error).message));
          }
        }
        break;
      case 'gitRepo':
        if (!str(s.repository)) errs.push(required(`${p}.repository`));
        break;
      case 'image':
        if (!str(s.reference)) errs.push(required(`${p}.reference`));
        break;
      default:
        break;
    }
  }
  if (n === 0) errs.push(required(field, 'must specify a volume type'));
  return errs;
}

/** ValidateVolumes: returns the valid volume names (for mount checks) and errors. */
export function validateVolumes(volumes: unknown, field: string): { names: Map<string, Obj>; errors: FieldError[] } {
  const names = new Map<string, Obj>();
  const errors: FieldError[] = [];
  objs(volumes).forEach((v, i) => {
    const p = `${field}[${i}]`;
    const el = validateVolumeSource(v, p);
    const name = str(v.name);
    if (!name) el.push(required(`${p}.name`));
    else el.push(...dnsLabel(`${p}.name`, name));
    if (names.has(name)) el.push(duplicate(`${p}.name`, name));
    if (el.length === 0) names.set(name, v);
    else errors.push(...el);
  });
  return { names, errors };
}

// ---- containers -----------------------------------------------------------------------------------------------------

function validatePorts(ports: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  objs(ports).forEach((port, i) => {
    const p = `${field}[${i}]`;
    const name = str(port.name);
    if (name) {
      const msgs = portNameErrors(name);
      if (msgs.length > 0) for (const m of msgs) errs.push(invalid(`${p}.name`, name, m));
      else if (seen.has(name)) errs.push(duplicate(`${p}.name`, name));
      else seen.add(name);
    }
    const cp = port.containerPort;
    if (cp === undefined || cp === null || cp === 0) errs.push(required(`${p}.containerPort`));
    else for (const m of portNumErrors(cp as number)) errs.push(invalid(`${p}.containerPort`, cp, m));
    const hp = port.hostPort;
    if (hp !== undefined && hp !== null && hp !== 0) for (const m of portNumErrors(hp as number)) errs.push(invalid(`${p}.hostPort`, hp, m));
    errs.push(...oneOf(`${p}.protocol`, port.protocol, ['SCTP', 'TCP', 'UDP']));
  });
  return errs;
}

function relaxedEnvNameErrors(name: string): string[] {
  if (name === '') return ['environment variable name must be non-empty'];
  for (const ch of name) {
    const cp = ch.codePointAt(0)!;
    if (cp > 0x7e || cp < 0x20 || ch === '=') return ["a valid environment variable name must consist only of printable ASCII characters other than '='"];
  }
  return [];
}

function validateEnv(env: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  objs(env).forEach((e, i) => {
    const p = `${field}[${i}]`;
    const name = str(e.name);
    if (!name) errs.push(required(`${p}.name`));
    else for (const m of relaxedEnvNameErrors(name)) errs.push(invalid(`${p}.name`, name, m));
    const vf = asObj(e.valueFrom);
    if (!vf) return;
    const vp = `${p}.valueFrom`;
    const sources = ['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef', 'fileKeyRef'].filter((k) => vf[k]);
    if (sources.length === 0) {
      errs.push(invalid(vp, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
    } else if (str(e.value) !== '') {
      errs.push(invalid(vp, '', 'may not be specified when `value` is not empty'));
    } else if (sources.length > 1) {
      errs.push(invalid(vp, '', 'may not have more than one field specified at a time'));
    }
    const fr = asObj(vf.fieldRef);
    if (fr) {
      if (!str(fr.apiVersion)) errs.push(required(`${vp}.fieldRef.apiVersion`));
      else if (!str(fr.fieldPath)) errs.push(required(`${vp}.fieldRef.fieldPath`));
      else {
        const fp = str(fr.fieldPath);
        const allowed = [
          'metadata.annotations',
          'metadata.labels',
          'metadata.name',
          'metadata.namespace',
          'metadata.uid',
          'spec.nodeName',
          'spec.serviceAccountName',
          'status.hostIP',
          'status.hostIPs',
          'status.podIP',
          'status.podIPs',
        ];
        const sub = /^(metadata\.(?:annotations|labels))\['(.+)'\]$/.exec(fp);
        if (sub) errs.push(...qualifiedName(`${vp}.fieldRef`, sub[1] === 'metadata.annotations' ? sub[2]!.toLowerCase() : sub[2]!));
        else if (!allowed.includes(fp) || fp === 'metadata.annotations' || fp === 'metadata.labels') {
          errs.push(notSupported(`${vp}.fieldRef.fieldPath`, fp, allowed.filter((a) => a !== 'metadata.annotations' && a !== 'metadata.labels')));
        }
      }
    }
    const rf = asObj(vf.resourceFieldRef);
    if (rf) {
      const allowed = ['limits.cpu', 'limits.ephemeral-storage', 'limits.memory', 'requests.cpu', 'requests.ephemeral-storage', 'requests.memory'];
      const res = str(rf.resource);
      if (!res) errs.push(required(`${vp}.resourceFieldRef.resource`));
      else if (!allowed.includes(res) && !res.startsWith('limits.hugepages-') && !res.startsWith('requests.hugepages-')) {
        errs.push(notSupported(`${vp}.resourceFieldRef.resource`, res, allowed));
      }
    }
    for (const k of ['configMapKeyRef', 'secretKeyRef'] as const) {
      const ref = asObj(vf[k]);
      if (!ref) continue;
      for (const m of dnsSubdomainMsgs(str(ref.name))) errs.push(invalid(`${vp}.${k}.name`, str(ref.name), m));
      const key = str(ref.key);
      if (!key) errs.push(required(`${vp}.${k}.key`));
    }
  });
  return errs;
}

function dnsSubdomainMsgs(v: string): string[] {
  return dnsSubdomain('x', v).map((e) => e.detail ?? '');
}

function validateEnvFrom(envFrom: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  objs(envFrom).forEach((e, i) => {
    const p = `${field}[${i}]`;
    const prefix = str(e.prefix);
    if (prefix) for (const m of relaxedEnvNameErrors(prefix)) errs.push(invalid(`${p}.prefix`, prefix, m));
    const refs = ['configMapRef', 'secretRef'].filter((k) => e[k]);
    if (refs.length === 0) errs.push(invalid(field, '', 'must specify one of: `configMapRef` or `secretRef`'));
    else if (refs.length > 1) errs.push(invalid(field, '', 'may not have more than one field specified at a time'));
    for (const k of refs) {
      const ref = asObj(e[k]) ?? {};
      if (!str(ref.name)) errs.push(required(`${p}.${k}.name`));
      else errs.push(...dnsSubdomain(`${p}.${k}.name`, str(ref.name)));
    }
  });
  return errs;
}

function validateVolumeMounts(c: Obj, volumes: Map<string, Obj>, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const mountPaths = new Set<string>();
  const devices = new Map(objs(c.volumeDevices).map((d) => [str(d.name), str(d.devicePath)]));
  objs(c.volumeMounts).forEach((m, i) => {
    const p = `${field}[${i}]`;
    const name = str(m.name);
    const mp = str(m.mountPath);
    if (!name) errs.push(required(`${p}.name`));
    if (!volumes.has(name)) errs.push(notFound(`${p}.name`, name));
    if (!mp) errs.push(required(`${p}.mountPath`));
    if (mountPaths.has(mp)) errs.push(invalid(`${p}.mountPath`, mp, 'must be unique'));
    mountPaths.add(mp);
    if (devices.has(name)) errs.push(invalid(`${p}.name`, name, 'must not already exist in volumeDevices'));
    if ([...devices.values()].includes(mp)) errs.push(invalid(`${p}.mountPath`, mp, 'must not already exist as a path in volumeDevices'));
    const sub = str(m.subPath);
    if (sub) errs.push(...pathErrors(`${field}.subPath`, sub));
    const subExpr = str(m.subPathExpr);
    if (subExpr) {
      if (sub) errs.push(invalid(`${p}.subPathExpr`, subExpr, 'subPathExpr and subPath are mutually exclusive'));
      errs.push(...pathErrors(`${field}.subPathExpr`, subExpr));
    }
    if (m.mountPropagation !== undefined && m.mountPropagation !== null) {
      const props = ['Bidirectional', 'HostToContainer', 'None'];
      if (!props.includes(str(m.mountPropagation))) errs.push(notSupported(`${field}.mountPropagation`, m.mountPropagation, props));
      const privileged = asObj(c.securityContext)?.privileged === true;
      if (m.mountPropagation === 'Bidirectional' && !privileged) {
        errs.push(forbidden(`${field}.mountPropagation`, 'Bidirectional mount propagation is available only to privileged containers'));
      }
    }
  });
  return errs;
}

function validateHandler(h: Obj, gracePeriod: number | undefined, field: string, lifecycle: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const kinds = lifecycle ? ['exec', 'httpGet', 'tcpSocket', 'sleep'] : ['exec', 'httpGet', 'tcpSocket', 'grpc'];
  let n = 0;
  for (const k of kinds) {
    const v = asObj(h[k]);
    if (!v) continue;
    if (n > 0) {
      errs.push(forbidden(`${field}.${k}`, 'may not specify more than 1 handler type'));
      continue;
    }
    n++;
    const p = `${field}.${k}`;
    if (k === 'exec' && asArr(v.command).length === 0) errs.push(required(`${p}.command`));
    if (k === 'httpGet') {
      if (!str(v.path)) errs.push(required(`${p}.path`));
      errs.push(...portNumOrName(`${p}.port`, v.port));
      if (!['HTTP', 'HTTPS'].includes(str(v.scheme))) errs.push(notSupported(`${p}.scheme`, v.scheme, ['HTTP', 'HTTPS']));
    }
    if (k === 'tcpSocket') errs.push(...portNumOrName(`${p}.port`, v.port));
    if (k === 'grpc') errs.push(...portNumOrName(`${p}.port`, typeof v.port === 'number' ? v.port : 0));
    if (k === 'sleep') {
      const secs = typeof v.seconds === 'number' ? v.seconds : 0;
      const gp = gracePeriod ?? 30;
      if (secs <= 0 || secs > gp) errs.push(invalid(p, secs, `must be greater than 0 and less than terminationGracePeriodSeconds (${gp})`));
    }
  }
  if (n === 0) errs.push(required(field, 'must specify a handler type'));
  return errs;
}

function validateProbe(probe: unknown, gracePeriod: number | undefined, field: string, kind: 'liveness' | 'readiness' | 'startup'): FieldError[] {
  const p = asObj(probe);
  if (!p) return [];
  const errs = validateHandler(p, gracePeriod, field, false);
  for (const k of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold']) {
    errs.push(...nonNegative(`${field}.${k}`, p[k]));
  }
  const tgps = p.terminationGracePeriodSeconds;
  if (typeof tgps === 'number' && tgps <= 0) errs.push(invalid(`${field}.terminationGracePeriodSeconds`, tgps, 'must be greater than 0'));
  if (kind !== 'readiness' && p.successThreshold !== 1) errs.push(invalid(`${field}.successThreshold`, p.successThreshold, 'must be 1'));
  if (kind === 'readiness' && tgps !== undefined && tgps !== null) {
    errs.push(invalid(`${field}.terminationGracePeriodSeconds`, tgps, 'must not be set for readinessProbes'));
  }
  return errs;
}

function validateLifecycle(lc: Obj, gracePeriod: number | undefined, field: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const k of ['postStart', 'preStop']) {
    const h = asObj(lc[k]);
    if (h) errs.push(...validateHandler(h, gracePeriod, `${field}.${k}`, true));
  }
  return errs;
}

function validateContainerSecurityContext(sc: unknown, field: string): FieldError[] {
  const s = asObj(sc);
  if (!s) return [];
  const errs: FieldError[] = [];
  for (const k of ['runAsUser', 'runAsGroup']) {
    const v = s[k];
    if (typeof v === 'number' && (v < 0 || v > 2147483647)) errs.push(invalid(`${field}.${k}`, v, inclusiveRangeError(0, 2147483647)));
  }
  if (s.procMount !== undefined && s.procMount !== null) {
    if (!['Default', 'Unmasked'].includes(str(s.procMount))) errs.push(notSupported(`${field}.procMount`, s.procMount, ['Default', 'Unmasked']));
  }
  if (s.allowPrivilegeEscalation === false && s.privileged === true) {
    errs.push(invalid(field, '', 'cannot set `allowPrivilegeEscalation` to false and `privileged` to true'));
  }
  return errs;
}

/** validateContainerCommon: name, image, termination message policy, ports, env, mounts, pull policy, resources. */
function validateContainerCommon(c: Obj, volumes: Map<string, Obj>, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(c.name);
  if (!name) errs.push(required(`${field}.name`));
  else errs.push(...dnsLabel(`${field}.name`, name));
  if (!str(c.image)) errs.push(required(`${field}.image`));
  errs.push(...oneOf(`${field}.terminationMessagePolicy`, c.terminationMessagePolicy, ['File', 'FallbackToLogsOnError']));
  errs.push(...validatePorts(c.ports, `${field}.ports`));
  errs.push(...validateEnv(c.env, `${field}.env`));
  errs.push(...validateEnvFrom(c.envFrom, `${field}.envFrom`));
  errs.push(...validateVolumeMounts(c, volumes, `${field}.volumeMounts`));
  objs(c.volumeDevices).forEach((d, i) => {
    const p = `${field}.volumeDevices[${i}]`;
    const dn = str(d.name);
    if (!dn) errs.push(required(`${p}.name`));
    const vol = volumes.get(dn);
    if (!vol) errs.push(notFound(`${p}.name`, dn));
    else if (!vol.persistentVolumeClaim && !vol.ephemeral) {
      errs.push(invalid(`${p}.name`, dn, 'can only use volume source type of PersistentVolumeClaim or Ephemeral for block mode'));
    }
    if (!str(d.devicePath)) errs.push(required(`${p}.devicePath`));
  });
  errs.push(...oneOf(`${field}.imagePullPolicy`, c.imagePullPolicy, ['Always', 'IfNotPresent', 'Never']));
  errs.push(...validateResourceRequirements(c.resources, `${field}.resources`));
  for (const rp of objs(c.resizePolicy)) {
    const rn = str(rp.resourceName);
    if (!rn) errs.push(required(`${field}.resizePolicy`));
    else if (rn !== 'cpu' && rn !== 'memory') errs.push(notSupported(`${field}.resizePolicy`, rn, ['cpu', 'memory']));
    const pol = str(rp.restartPolicy);
    if (!pol) errs.push(required(`${field}.resizePolicy`));
    else if (pol !== 'NotRequired' && pol !== 'RestartContainer') errs.push(notSupported(`${field}.resizePolicy`, pol, ['NotRequired', 'RestartContainer']));
  }
  errs.push(...validateContainerSecurityContext(c.securityContext, `${field}.securityContext`));
  return errs;
}

function hostPortConflicts(containers: Obj[], field: string, seen = new Set<string>()): FieldError[] {
  const errs: FieldError[] = [];
  containers.forEach((c, ci) => {
    objs(c.ports).forEach((p, pi) => {
      const hp = p.hostPort;
      if (!hp) return;
      const key = `${str(p.protocol)}/${str(p.hostIP)}/${String(hp)}`;
      if (seen.has(key)) errs.push(duplicate(`${field}[${ci}].ports[${pi}].hostPort`, key));
      else seen.add(key);
    });
  });
  return errs;
}

function validateTolerations(tolerations: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  objs(tolerations).forEach((t, i) => {
    const p = `${field}[${i}]`;
    const key = str(t.key);
    const op = str(t.operator);
    if (key) errs.push(...labelName(`${p}.key`, key));
    if (!key && op !== 'Exists') errs.push(invalid(`${p}.operator`, op, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null && t.effect !== 'NoExecute') {
      errs.push(invalid(`${p}.effect`, str(t.effect), "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    if (op === 'Equal' || op === '') {
      const msgs = labelValueErrors(str(t.value));
      if (msgs.length > 0) errs.push(invalid(`${p}.operator`, str(t.value), msgs.join(';')));
    } else if (op === 'Exists') {
      if (str(t.value)) errs.push(invalid(`${p}.operator`, JSON.stringify(t), "value must be empty when `operator` is 'Exists'"));
    } else {
      errs.push(notSupported(`${p}.operator`, op, ['Equal', 'Exists']));
    }
    const eff = str(t.effect);
    if (eff && !['NoSchedule', 'PreferNoSchedule', 'NoExecute'].includes(eff)) {
      errs.push(notSupported(`${p}.effect`, eff, ['NoSchedule', 'PreferNoSchedule', 'NoExecute']));
    }
  });
  return errs;
}

export { validateTolerations };

function validateNodeSelectorTerms(ns: Obj, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const terms = objs(ns.nodeSelectorTerms);
  if (terms.length === 0) return [required(`${field}.nodeSelectorTerms`, 'must have at least one node selector term')];
  terms.forEach((t, i) => errs.push(...validateNodeSelectorTerm(t, `${field}.nodeSelectorTerms[${i}]`)));
  return errs;
}

function validateNodeSelectorTerm(t: Obj, field: string): FieldError[] {
  const errs: FieldError[] = [];
  objs(t.matchExpressions).forEach((rq, j) => {
    const p = `${field}.matchExpressions[${j}]`;
    const vals = asArr(rq.values);
    switch (str(rq.operator)) {
      case 'In':
      case 'NotIn':
        if (vals.length === 0) errs.push(required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (vals.length > 0) errs.push(forbidden(`${p}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        break;
      case 'Gt':
      case 'Lt':
        if (vals.length !== 1) errs.push(required(`${p}.values`, "must be specified single value when `operator` is 'Lt' or 'Gt'"));
        break;
      default:
        errs.push(invalid(`${p}.operator`, str(rq.operator), 'not a valid selector operator'));
    }
    errs.push(...labelName(`${p}.key`, str(rq.key)));
  });
  objs(t.matchFields).forEach((rq, j) => {
    const p = `${field}.matchFields[${j}]`;
    const op = str(rq.operator);
    if (op === 'In' || op === 'NotIn') {
      if (asArr(rq.values).length !== 1) errs.push(required(`${p}.values`, "must be only one value when `operator` is 'In' or 'NotIn' for node field selector"));
    } else errs.push(invalid(`${p}.operator`, op, 'not a valid selector operator'));
    if (str(rq.key) !== 'metadata.name') errs.push(invalid(`${p}.key`, str(rq.key), 'not a valid field selector key'));
  });
  return errs;
}

function validateAffinity(aff: unknown, field: string): FieldError[] {
  const a = asObj(aff);
  if (!a) return [];
  const errs: FieldError[] = [];
  const na = asObj(a.nodeAffinity);
  if (na) {
    const req = asObj(na.requiredDuringSchedulingIgnoredDuringExecution);
    if (req) errs.push(...validateNodeSelectorTerms(req, `${field}.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution`));
    objs(na.preferredDuringSchedulingIgnoredDuringExecution).forEach((t, i) => {
      const p = `${field}.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[${i}]`;
      const w = t.weight;
      if (typeof w !== 'number' || w <= 0 || w > 100) errs.push(invalid(`${p}.weight`, w ?? 0, 'must be in the range 1-100'));
      errs.push(...validateNodeSelectorTerm(asObj(t.preference) ?? {}, `${p}.preference`));
    });
  }
  for (const kind of ['podAffinity', 'podAntiAffinity'] as const) {
    const pa = asObj(a[kind]);
    if (!pa) continue;
    const termErrs = (t: Obj, p: string): FieldError[] => {
      const e = validateLabelSelector(t.labelSelector, `${p}.labelSelector`);
      e.push(...validateLabelSelector(t.namespaceSelector, `${p}.namespaceSelector`));
      if (!str(t.topologyKey)) e.push(required(`${p}.topologyKey`, 'can not be empty'));
      e.push(...labelName(`${p}.topologyKey`, str(t.topologyKey)));
      return e;
    };
    objs(pa.requiredDuringSchedulingIgnoredDuringExecution).forEach((t, i) => {
      errs.push(...termErrs(t, `${field}.${kind}.requiredDuringSchedulingIgnoredDuringExecution[${i}]`));
    });
    objs(pa.preferredDuringSchedulingIgnoredDuringExecution).forEach((t, i) => {
      const p = `${field}.${kind}.preferredDuringSchedulingIgnoredDuringExecution[${i}]`;
      const w = t.weight;
      if (typeof w !== 'number' || w <= 0 || w > 100) errs.push(invalid(`${p}.weight`, w ?? 0, 'must be in the range 1-100'));
      errs.push(...termErrs(asObj(t.podAffinityTerm) ?? {}, `${p}.podAffinityTerm`));
    });
  }
  return errs;
}

function validateTopologySpread(list: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const items = objs(list);
  items.forEach((c, i) => {
    const p = `${field}[${i}]`;
    const skew = typeof c.maxSkew === 'number' ? c.maxSkew : 0;
    if (skew <= 0) errs.push(invalid(`${p}.maxSkew`, skew, 'must be greater than zero'));
    if (!str(c.topologyKey)) errs.push(required(`${p}.topologyKey`, 'can not be empty'));
    const wu = str(c.whenUnsatisfiable);
    if (!['DoNotSchedule', 'ScheduleAnyway'].includes(wu)) errs.push(notSupported(`${p}.whenUnsatisfiable`, wu, ['DoNotSchedule', 'ScheduleAnyway']));
    for (const rest of items.slice(i + 1)) {
      if (str(rest.topologyKey) === str(c.topologyKey) && str(rest.whenUnsatisfiable) === wu) {
        errs.push(duplicate(`${p}.{topologyKey, whenUnsatisfiable}`, `{${str(c.topologyKey)}, ${wu}}`));
        break;
      }
    }
    if (c.minDomains !== undefined && c.minDomains !== null) {
      const md = c.minDomains as number;
      if (md <= 0) errs.push(invalid(`${p}.minDomains`, md, 'must be greater than zero'));
      if (wu !== 'DoNotSchedule') errs.push(invalid(`${p}.minDomains`, md, `can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ${wu}`));
    }
    errs.push(...validateLabelSelector(c.labelSelector, `${p}.labelSelector`));
  });
  return errs;
}

/**
 * ValidatePodSpec, rooted at `fieldPath` (e.g. `spec` or `spec.template.spec`).
 * Expects a defaulted spec, as kube validates after defaulting.
 */
export function validatePodSpec(specIn: unknown, fieldPath: string, opts: PodSpecOptions = {}): FieldError[] {
  const spec = asObj(specIn) ?? {};
  const f = (k: string) => `${fieldPath}.${k}`;
  const errs: FieldError[] = [];
  const tgps = spec.terminationGracePeriodSeconds;
  if (tgps === undefined || tgps === null) errs.push(required(f('terminationGracePeriodSeconds')));
  const gracePeriod = typeof tgps === 'number' ? tgps : undefined;

  const { names: volumes, errors: volErrs } = validateVolumes(spec.volumes, f('volumes'));
  errs.push(...volErrs);

  const containers = objs(spec.containers);
  if (containers.length === 0) errs.push(required(f('containers')));
  const allNames = new Set<string>();
  containers.forEach((c, i) => {
    const p = `${f('containers')}[${i}]`;
    errs.push(...validateContainerCommon(c, volumes, p));
    const name = str(c.name);
    if (allNames.has(name)) errs.push(duplicate(`${p}.name`, name));
    else allNames.add(name);
    const lc = asObj(c.lifecycle);
    if (lc) errs.push(...validateLifecycle(lc, gracePeriod, `${p}.lifecycle`));
    errs.push(...validateProbe(c.livenessProbe, gracePeriod, `${p}.livenessProbe`, 'liveness'));
    errs.push(...validateProbe(c.readinessProbe, gracePeriod, `${p}.readinessProbe`, 'readiness'));
    errs.push(...validateProbe(c.startupProbe, gracePeriod, `${p}.startupProbe`, 'startup'));
    if (c.restartPolicy !== undefined && c.restartPolicy !== null) errs.push(forbidden(`${p}.restartPolicy`, 'may not be set for non-init containers'));
    if (opts.pod) errs.push(...imageWhitespace(c, p));
  });
  errs.push(...hostPortConflicts(containers, f('containers')));

  objs(spec.initContainers).forEach((c, i) => {
    const p = `${f('initContainers')}[${i}]`;
    errs.push(...validateContainerCommon(c, volumes, p));
    let restartAlways = false;
    if (c.restartPolicy !== undefined && c.restartPolicy !== null) {
      if (c.restartPolicy !== 'Always') errs.push(notSupported(`${p}.restartPolicy`, c.restartPolicy, ['Always']));
      restartAlways = c.restartPolicy === 'Always';
    }
    const name = str(c.name);
    if (allNames.has(name)) errs.push(duplicate(`${p}.name`, name));
    else if (name) allNames.add(name);
    errs.push(...hostPortConflicts([c], f('initContainers')));
    if (restartAlways) {
      const lc = asObj(c.lifecycle);
      if (lc) errs.push(...validateLifecycle(lc, gracePeriod, `${p}.lifecycle`));
      errs.push(...validateProbe(c.livenessProbe, gracePeriod, `${p}.livenessProbe`, 'liveness'));
      errs.push(...validateProbe(c.readinessProbe, gracePeriod, `${p}.readinessProbe`, 'readiness'));
      errs.push(...validateProbe(c.startupProbe, gracePeriod, `${p}.startupProbe`, 'startup'));
    } else {
      for (const k of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe']) {
        if (c[k] !== undefined && c[k] !== null) errs.push(forbidden(`${p}.${k}`, 'may not be set for init containers without restartPolicy=Always'));
      }
    }
    if (asArr(c.resizePolicy).length > 0) errs.push(invalid(`${p}.resizePolicy`, c.resizePolicy, 'must not be set for init containers'));
    if (opts.pod) errs.push(...imageWhitespace(c, p));
  });

  if (spec.hostNetwork === true) {
    containers.forEach((c, i) => {
      objs(c.ports).forEach((port, j) => {
        const hp = typeof port.hostPort === 'number' ? port.hostPort : 0;
        if ((opts.pod || hp !== 0) && hp !== port.containerPort) {
          errs.push(invalid(`${f('containers')}[${i}].ports[${j}].hostPort`, hp, 'must match `containerPort` when `hostNetwork` is true'));
        }
      });
    });
  }

  errs.push(...oneOf(f('restartPolicy'), spec.restartPolicy, ['Always', 'OnFailure', 'Never']));
  errs.push(...oneOf(f('dnsPolicy'), spec.dnsPolicy, ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None']));
  errs.push(...validateLabels(spec.nodeSelector, f('nodeSelector')));

  const sc = asObj(spec.securityContext);
  if (sc) {
    for (const k of ['runAsUser', 'runAsGroup', 'fsGroup']) {
      const v = sc[k];
      if (typeof v === 'number' && (v < 0 || v > 2147483647)) errs.push(invalid(`${f('securityContext')}.${k}`, v, inclusiveRangeError(0, 2147483647)));
    }
    asArr(sc.supplementalGroups).forEach((g, i) => {
      if (typeof g === 'number' && (g < 0 || g > 2147483647)) errs.push(invalid(`${f('securityContext')}.supplementalGroups[${i}]`, g, inclusiveRangeError(0, 2147483647)));
    });
    if (sc.fsGroupChangePolicy !== undefined && sc.fsGroupChangePolicy !== null && !['Always', 'OnRootMismatch'].includes(str(sc.fsGroupChangePolicy))) {
      errs.push(notSupported(`${f('securityContext')}.fsGroupChangePolicy`, sc.fsGroupChangePolicy, ['Always', 'OnRootMismatch']));
    }
  }
  objs(spec.imagePullSecrets).forEach((s, i) => {
    if (Object.keys(s).some((k) => k !== 'name')) errs.push(invalid(`${f('imagePullSecrets')}[${i}]`, JSON.stringify(s), 'only name may be set'));
  });
  errs.push(...validateAffinity(spec.affinity, f('affinity')));

  const dnsPolicy = str(spec.dnsPolicy);
  const dnsConfig = asObj(spec.dnsConfig);
  if (dnsPolicy === 'None') {
    if (!dnsConfig) errs.push(required(f('dnsConfig'), 'must provide `dnsConfig` when `dnsPolicy` is None'));
    else if (asArr(dnsConfig.nameservers).length === 0) errs.push(required(`${f('dnsConfig')}.nameservers`, 'must provide at least one DNS nameserver when `dnsPolicy` is None'));
  }
  if (dnsConfig) {
    const ns = asArr(dnsConfig.nameservers);
    if (ns.length > 3) errs.push(invalid(`${f('dnsConfig')}.nameservers`, JSON.stringify(ns), 'must not have more than 3 nameservers'));
    ns.forEach((n, i) => errs.push(...validIP(`${f('dnsConfig')}.nameservers[${i}]`, String(n))));
    const searches = asArr(dnsConfig.searches).map(String);
    if (searches.length > 32) errs.push(invalid(`${f('dnsConfig')}.searches`, JSON.stringify(searches), 'must not have more than 32 search paths'));
    searches.forEach((s, i) => errs.push(...dnsSubdomain(`${f('dnsConfig')}.searches[${i}]`, s.replace(/\.$/, ''))));
    objs(dnsConfig.options).forEach((o, i) => {
      if (!str(o.name)) errs.push(required(`${f('dnsConfig')}.options[${i}]`, 'must not be empty'));
    });
  }
  objs(spec.readinessGates).forEach((g, i) => errs.push(...qualifiedName(`${f('readinessGates')}[${i}].conditionType`, str(g.conditionType))));
  const gates = new Set<string>();
  objs(spec.schedulingGates).forEach((g, i) => {
    const n = str(g.name);
    errs.push(...qualifiedName(`${f('schedulingGates')}[${i}]`, n));
    if (gates.has(n)) errs.push(duplicate(`${f('schedulingGates')}[${i}]`, n));
    gates.add(n);
  });
  errs.push(...validateTopologySpread(spec.topologySpreadConstraints, f('topologySpreadConstraints')));
  if (str(spec.serviceAccountName)) errs.push(...dnsSubdomain(f('serviceAccountName'), str(spec.serviceAccountName)));
  if (str(spec.nodeName)) errs.push(...dnsSubdomain(f('nodeName'), str(spec.nodeName)));
  const ads = spec.activeDeadlineSeconds;
  if (typeof ads === 'number' && (ads < 1 || ads > MAX_INT32)) errs.push(invalid(f('activeDeadlineSeconds'), ads, inclusiveRangeError(1, MAX_INT32)));
  if (str(spec.hostname)) errs.push(...dnsLabel(f('hostname'), str(spec.hostname)));
  if (str(spec.subdomain)) errs.push(...dnsLabel(f('subdomain'), str(spec.subdomain)));
  errs.push(...validateTolerations(spec.tolerations, f('tolerations')));
  objs(spec.hostAliases).forEach((h, i) => {
    errs.push(...validIP(`${f('hostAliases')}[${i}].ip`, str(h.ip)));
    asArr(h.hostnames).forEach((hn, j) => errs.push(...dnsSubdomain(`${f('hostAliases')}[${i}].hostnames[${j}]`, String(hn))));
  });
  if (str(spec.priorityClassName)) errs.push(...dnsSubdomain(f('priorityClassName'), str(spec.priorityClassName)));
  if (typeof spec.runtimeClassName === 'string') errs.push(...dnsSubdomain(f('runtimeClassName'), spec.runtimeClassName));
  if (spec.preemptionPolicy !== undefined && spec.preemptionPolicy !== null) {
    errs.push(...oneOf(f('preemptionPolicy'), spec.preemptionPolicy, ['PreemptLowerPriority', 'Never']));
  }
  // kube validates overhead as the limits of a requirements struct rooted at `overhead`.
  if (spec.overhead !== undefined) errs.push(...validateResourceRequirements({ limits: spec.overhead }, f('overhead')));
  if (asObj(spec.resources)) errs.push(...validateResourceRequirements(spec.resources, f('resources')));
  const os = asObj(spec.os);
  if (os) {
    if (!str(os.name)) errs.push(required(`${f('os')}.name`, 'cannot be empty'));
    else if (!['linux', 'windows'].includes(str(os.name))) errs.push(notSupported(f('os'), os.name, ['linux', 'windows']));
  }
  if (asArr(spec.ephemeralContainers).length > 0 && !opts.pod) {
    errs.push(forbidden(f('ephemeralContainers'), 'ephemeral containers not allowed in pod template'));
  }
  return errs;
}

function imageWhitespace(c: Obj, field: string): FieldError[] {
  const image = str(c.image);
  return image !== image.trim() ? [invalid(`${field}.image`, image, 'must not have leading or trailing whitespace')] : [];
}

/** ValidatePodTemplateSpec: labels, annotations, the spec. `field` is the template's path (e.g. `spec.template`). */
export function validatePodTemplateSpec(template: unknown, field: string): FieldError[] {
  const t = asObj(template);
  if (!t) return [required(field)];
  const meta = asObj(t.metadata) ?? {};
  const errs = validateLabels(meta.labels, `${field}.labels`);
  errs.push(...validatePodSpec(t.spec, `${field}.spec`));
  return errs;
}

export function isPodSpecLike(v: unknown): v is Obj {
  return isObject(v);
}
