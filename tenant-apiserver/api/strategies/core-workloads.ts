// Core workload-adjacent kinds: ReplicationControllers, PodTemplates and
// Endpoints (pkg/registry/core/{replicationcontroller,podtemplate,endpoint}).

import type { FieldError } from '../errors.js';
import type { Strategy, StrategyContext } from '../strategy.js';
import type { KubeObject } from '../types.js';
import { defaultPodTemplateSpec, podSpecQuantityError, validatePodTemplateSpec } from './pod-spec.js';
import { registerStrategy } from './register.js';
import { asObj, clone, decodeError, ensureObj, forbidden, goStringMap, invalidGo, metaOf, notSupported, objs, required, setDefault, setDefaultStr, specOf, str } from './util.js';
import { dnsLabel, dnsSubdomain, mapSelectorMatches, nonNegative, nonSpecialIP, oneOf, portNumErrors, qualifiedName, validIP, validateLabels } from './validators.js';
import { invalid } from './util.js';
import { validateWorkloadStatus } from './apps.js';

function checkQuantities(tspec: unknown, ctx: StrategyContext): void {
  const s = asObj(tspec);
  const err = s ? podSpecQuantityError(s) : undefined;
  if (err) throw decodeError(ctx, err);
}

// ---- ReplicationControllers -----------------------------------------------------------------------------------------

/** SetDefaults_ReplicationController: selector and labels from the template, one replica. */
export function defaultReplicationController(rc: KubeObject): void {
  const spec = specOf(rc);
  const t = asObj(spec.template);
  if (t) defaultPodTemplateSpec(t);
  const labels = asObj(asObj(t?.metadata)?.labels);
  if (labels) {
    if (Object.keys(asObj(spec.selector) ?? {}).length === 0) spec.selector = clone(labels);
    const meta = metaOf(rc);
    if (Object.keys(asObj(meta.labels) ?? {}).length === 0) meta.labels = clone(labels);
  }
  setDefault(spec, 'replicas', 1);
}

export function validateReplicationController(rc: KubeObject): FieldError[] {
  const spec = asObj(rc.spec) ?? {};
  const errs = nonNegative('spec.minReadySeconds', spec.minReadySeconds);
  const selector = asObj(spec.selector) ?? {};
  if (Object.keys(selector).length === 0) errs.push(required('spec.selector'));
  errs.push(...validateLabels(spec.selector, 'spec.selector'));
  errs.push(...nonNegative('spec.replicas', spec.replicas));
  const t = asObj(spec.template);
  if (!t) return [...errs, required('spec.template')];
  const tlabels = asObj(t.metadata)?.labels;
  if (Object.keys(selector).length > 0 && !mapSelectorMatches(selector, tlabels)) {
    errs.push(invalidGo('spec.template.metadata.labels', goStringMap(tlabels), '`selector` does not match template `labels`'));
  }
  errs.push(...validatePodTemplateSpec(t, 'spec.template'));
  const tspec = asObj(t.spec) ?? {};
  if (tspec.restartPolicy !== 'Always') errs.push(notSupported('spec.template.spec.restartPolicy', tspec.restartPolicy ?? '', ['Always']));
  if (tspec.activeDeadlineSeconds !== undefined && tspec.activeDeadlineSeconds !== null) {
    errs.push(forbidden('spec.template.spec.activeDeadlineSeconds', 'activeDeadlineSeconds in ReplicationController is not Supported'));
  }
  return errs;
}

export const replicationControllerStrategy: Strategy = {
  prepareForCreate(obj, ctx) {
    checkQuantities(asObj(asObj(obj.spec)?.template)?.spec, ctx);
    obj.status = { replicas: 0 };
  },
  prepareForUpdate(obj, _old, ctx) {
    if (ctx.subresource !== 'status') checkQuantities(asObj(asObj(obj.spec)?.template)?.spec, ctx);
  },
  defaults: (obj) => defaultReplicationController(obj),
  validate: (obj) => validateReplicationController(obj),
  validateUpdate(obj, old, ctx) {
    if (ctx.subresource === 'status') return validateWorkloadStatus('ReplicaSet', obj, old);
    return validateReplicationController(obj);
  },
  selectableFields: (obj) => ({ 'status.replicas': String(asObj(obj.status)?.replicas ?? 0) }),
};

// ---- PodTemplates ---------------------------------------------------------------------------------------------------

export const podTemplateStrategy: Strategy = {
  // kube bumps a pod template's generation when its template changes.
  tracksGeneration: true,
  prepareForCreate(obj, ctx) {
    checkQuantities(asObj(obj.template)?.spec, ctx);
  },
  prepareForUpdate(obj, _old, ctx) {
    checkQuantities(asObj(obj.template)?.spec, ctx);
  },
  defaults(obj) {
    defaultPodTemplateSpec(ensureObj(obj as Record<string, unknown>, 'template'));
  },
  validate: (obj) => validatePodTemplateSpec(obj.template, 'template'),
};

// ---- Endpoints ------------------------------------------------------------------------------------------------------

export function defaultEndpoints(ep: KubeObject): void {
  for (const ss of objs(ep.subsets)) for (const p of objs(ss.ports)) setDefaultStr(p, 'protocol', 'TCP');
}

export function validateEndpoints(ep: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  objs(ep.subsets).forEach((ss, i) => {
    const p = `subsets[${i}]`;
    const addrs = objs(ss.addresses);
    const notReady = objs(ss.notReadyAddresses);
    if (addrs.length === 0 && notReady.length === 0) errs.push(required(p, 'must specify `addresses` or `notReadyAddresses`'));
    const addr = (a: Record<string, unknown>, ap: string) => {
      const ip = str(a.ip);
      errs.push(...validIP(`${ap}.ip`, ip));
      if (str(a.hostname)) errs.push(...dnsLabel(`${ap}.hostname`, str(a.hostname)));
      if (typeof a.nodeName === 'string') errs.push(...dnsSubdomain(`${ap}.nodeName`, a.nodeName));
      errs.push(...nonSpecialIP(`${ap}.ip`, ip));
    };
    addrs.forEach((a, j) => addr(a, `${p}.addresses[${j}]`));
    notReady.forEach((a, j) => addr(a, `${p}.notReadyAddresses[${j}]`));
    const ports = objs(ss.ports);
    ports.forEach((port, j) => {
      const pp = `${p}.ports[${j}]`;
      const name = str(port.name);
      if (ports.length > 1 && !name) errs.push(required(`${pp}.name`));
      else if (name) errs.push(...dnsLabel(`${pp}.name`, name));
      const n = typeof port.port === 'number' ? port.port : 0;
      for (const m of portNumErrors(n)) errs.push(invalid(`${pp}.port`, n, m));
      errs.push(...oneOf(`${pp}.protocol`, port.protocol, ['SCTP', 'TCP', 'UDP']));
      if (typeof port.appProtocol === 'string') errs.push(...qualifiedName(`${pp}.appProtocol`, port.appProtocol));
    });
  });
  return errs;
}

export const endpointsStrategy: Strategy = {
  allowCreateOnUpdate: true,
  tracksGeneration: false,
  defaults: (obj) => defaultEndpoints(obj),
  validate: (obj) => validateEndpoints(obj),
};

registerStrategy('', 'replicationcontrollers', replicationControllerStrategy);
registerStrategy('', 'podtemplates', podTemplateStrategy);
registerStrategy('', 'endpoints', endpointsStrategy);
