// Services (pkg/registry/core/service, SetDefaults_Service, ValidateService):
// DNS-1035 names, type/port/affinity/traffic-policy defaults, the
// clusterIP ↔ clusterIPs pairing, values a sparse update leaves out carried
// over from the stored object, and kube's "may not change once set".
// Allocation of cluster IPs and node ports is not a strategy's job (see report).

import type { FieldError } from '../errors.js';
import type { Strategy } from '../strategy.js';
import type { KubeObject } from '../types.js';
import { goQuote } from '../goquote.js';
import { registerStrategy } from './register.js';
import {
  asArr,
  asObj,
  clone,
  deepEqual,
  duplicate,
  duplicateGo,
  forbidden,
  goIntOrString,
  goStringSlice,
  invalid,
  invalidGo,
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
  dnsLabel,
  dnsSubdomain,
  isIPv6,
  nonSpecialIP,
  oneOf,
  portNumErrors,
  portNumOrName,
  qualifiedName,
  validCIDR,
  validIP,
  validateLabels,
} from './validators.js';

const TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const KUBELET_PORT = 10250;

function type(spec: Obj): string {
  return str(spec.type);
}

/** ExternallyAccessible: NodePort, LoadBalancer, or ClusterIP with external IPs. */
export function externallyAccessible(spec: Obj): boolean {
  const t = type(spec);
  return t === 'LoadBalancer' || t === 'NodePort' || (t === 'ClusterIP' && asArr(spec.externalIPs).length > 0);
}

function needsClusterIP(spec: Obj): boolean {
  return type(spec) !== 'ExternalName';
}

function needsNodePort(spec: Obj): boolean {
  const t = type(spec);
  return t === 'NodePort' || (t === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false);
}

function needsHealthCheck(spec: Obj): boolean {
  return type(spec) === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local';
}

export function isHeadless(spec: Obj): boolean {
  const ips = asArr(spec.clusterIPs);
  return ips.length === 1 && ips[0] === 'None';
}

/** SetDefaults_Service. */
export function defaultService(svc: KubeObject): void {
  const spec = specOf(svc);
  setDefaultStr(spec, 'sessionAffinity', 'None');
  if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === 'ClientIP') {
    const cfg = asObj(spec.sessionAffinityConfig);
    const cip = asObj(cfg?.clientIP);
    if (!cip || typeof cip.timeoutSeconds !== 'number') spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 10800 } };
  }
  setDefaultStr(spec, 'type', 'ClusterIP');
  for (const p of objs(spec.ports)) {
    setDefaultStr(p, 'protocol', 'TCP');
    if (p.targetPort === undefined || p.targetPort === null || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
  }
  if (externallyAccessible(spec)) setDefaultStr(spec, 'externalTrafficPolicy', 'Cluster');
  if (['NodePort', 'LoadBalancer', 'ClusterIP'].includes(type(spec))) setDefault(spec, 'internalTrafficPolicy', 'Cluster');
  if (type(spec) === 'LoadBalancer') {
    setDefault(spec, 'allocateLoadBalancerNodePorts', true);
    for (const ing of objs(asObj(asObj(svc.status)?.loadBalancer)?.ingress)) {
      if (str(ing.ip) && (ing.ipMode === undefined || ing.ipMode === null)) ing.ipMode = 'VIP';
    }
  }
  defaultIPFamilies(spec);
}

/**
 * Once a service has cluster IPs, record their families and a policy, as the
 * allocator does (a single-stack IPv4/IPv6 control plane: SingleStack, except
 * selector-less headless services, which kube makes RequireDualStack).
 */
function defaultIPFamilies(spec: Obj): void {
  if (!needsClusterIP(spec)) return;
  const ips = asArr(spec.clusterIPs).map(String);
  if (ips.length === 0) return;
  if (isHeadless(spec)) {
    const noSelector = Object.keys(asObj(spec.selector) ?? {}).length === 0;
    setDefault(spec, 'ipFamilyPolicy', noSelector ? 'RequireDualStack' : 'SingleStack');
    if (asArr(spec.ipFamilies).length === 0) spec.ipFamilies = ['IPv4'];
    return;
  }
  if (asArr(spec.ipFamilies).length === 0) spec.ipFamilies = ips.map((ip) => (isIPv6(ip) ? 'IPv6' : 'IPv4'));
  setDefault(spec, 'ipFamilyPolicy', ips.length > 1 ? 'RequireDualStack' : 'SingleStack');
}

function sameClusterIPs(a: Obj, b: Obj): boolean {
  return deepEqual(asArr(a.clusterIPs), asArr(b.clusterIPs));
}

/** NormalizeClusterIPs: keep clusterIP and clusterIPs in step for clients that set only one. */
export function normalizeClusterIPs(spec: Obj, oldSpec?: Obj): void {
  if (!oldSpec) {
    if (str(spec.clusterIP) && asArr(spec.clusterIPs).length === 0) spec.clusterIPs = [spec.clusterIP];
    return;
  }
  if (asArr(oldSpec.clusterIPs).length > 0 && asArr(spec.clusterIPs).length === 0 && str(oldSpec.clusterIP) === str(spec.clusterIP)) {
    spec.clusterIPs = clone(oldSpec.clusterIPs);
  }
  if (str(oldSpec.clusterIP) !== str(spec.clusterIP)) {
    if (str(oldSpec.clusterIP) && !str(spec.clusterIP) && sameClusterIPs(oldSpec, spec)) delete spec.clusterIPs;
    if (str(spec.clusterIP) && sameClusterIPs(oldSpec, spec)) spec.clusterIPs = [spec.clusterIP];
  }
}

/** patchAllocatedValues: a sparse update keeps the allocated IPs and node ports. */
function patchAllocatedValues(spec: Obj, oldSpec: Obj): void {
  if (needsClusterIP(oldSpec) && needsClusterIP(spec)) {
    if (!str(spec.clusterIP) && str(oldSpec.clusterIP)) spec.clusterIP = oldSpec.clusterIP;
    if (asArr(spec.clusterIPs).length === 0 && asArr(oldSpec.clusterIPs).length > 0) spec.clusterIPs = clone(oldSpec.clusterIPs);
    if (asArr(spec.ipFamilies).length === 0 && asArr(oldSpec.ipFamilies).length > 0 && sameClusterIPs(oldSpec, spec)) {
      spec.ipFamilies = clone(oldSpec.ipFamilies);
    }
    if ((spec.ipFamilyPolicy === undefined || spec.ipFamilyPolicy === null) && oldSpec.ipFamilyPolicy !== undefined && sameClusterIPs(oldSpec, spec)) {
      spec.ipFamilyPolicy = oldSpec.ipFamilyPolicy;
    }
  }
  if (needsNodePort(oldSpec) && needsNodePort(spec)) {
    const used = (s: Obj) => new Set(objs(s.ports).map((p) => p.nodePort).filter((n) => typeof n === 'number' && n !== 0));
    const newUsed = used(spec);
    const taken = new Set([...used(oldSpec)].filter((n) => newUsed.has(n)));
    const byName = new Map(objs(oldSpec.ports).map((p) => [str(p.name), p.nodePort]));
    for (const p of objs(spec.ports)) {
      if (p.nodePort === undefined || p.nodePort === null || p.nodePort === 0) {
        const oldVal = byName.get(str(p.name));
        if (typeof oldVal === 'number' && oldVal !== 0 && !taken.has(oldVal)) p.nodePort = oldVal;
      }
    }
  }
  if (needsHealthCheck(oldSpec) && needsHealthCheck(spec) && !spec.healthCheckNodePort) {
    if (oldSpec.healthCheckNodePort !== undefined) spec.healthCheckNodePort = oldSpec.healthCheckNodePort;
  }
}

/** dropTypeDependentFields: values that only made sense for the old type go, unless the user changed them. */
function dropTypeDependentFields(spec: Obj, oldSpec: Obj): void {
  if (needsClusterIP(oldSpec) && !needsClusterIP(spec)) {
    if (str(spec.clusterIP) === str(oldSpec.clusterIP)) delete spec.clusterIP;
    if (sameClusterIPs(oldSpec, spec)) delete spec.clusterIPs;
    if (deepEqual(spec.ipFamilies, oldSpec.ipFamilies)) delete spec.ipFamilies;
    if (spec.ipFamilyPolicy === oldSpec.ipFamilyPolicy) delete spec.ipFamilyPolicy;
  }
  if (needsNodePort(oldSpec) && !needsNodePort(spec)) {
    const oldPorts = new Map(objs(oldSpec.ports).map((p) => [str(p.name), p.nodePort]));
    for (const p of objs(spec.ports)) if (p.nodePort !== undefined && p.nodePort === oldPorts.get(str(p.name))) delete p.nodePort;
  }
  if (needsHealthCheck(oldSpec) && !needsHealthCheck(spec) && spec.healthCheckNodePort === oldSpec.healthCheckNodePort) delete spec.healthCheckNodePort;
  if (externallyAccessible(oldSpec) && !externallyAccessible(spec) && spec.externalTrafficPolicy === oldSpec.externalTrafficPolicy) {
    delete spec.externalTrafficPolicy;
  }
  if (needsClusterIP(oldSpec) && !needsClusterIP(spec) && deepEqual(spec.internalTrafficPolicy, oldSpec.internalTrafficPolicy)) {
    delete spec.internalTrafficPolicy;
  }
  if (type(oldSpec) === 'LoadBalancer' && type(spec) !== 'LoadBalancer') {
    if (spec.allocateLoadBalancerNodePorts === oldSpec.allocateLoadBalancerNodePorts) delete spec.allocateLoadBalancerNodePorts;
    if (spec.loadBalancerClass === oldSpec.loadBalancerClass) delete spec.loadBalancerClass;
  }
}

// ---- validation -----------------------------------------------------------------------------------------------------

/** The (protocol, port) key kube reports for duplicate ports, as `%#v` prints a core.ServicePort. */
function goServicePortKey(p: Obj): string {
  return (
    `core.ServicePort{Name:"", Protocol:${goQuote(str(p.protocol))}, AppProtocol:(*string)(nil), Port:${Number(p.port) || 0}, ` +
    `TargetPort:${goIntOrString(0)}, NodePort:0}`
  );
}

function validateServicePort(p: Obj, requireName: boolean, names: Set<string>, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(p.name);
  if (requireName && !name) errs.push(required(`${field}.name`));
  else if (name) {
    errs.push(...dnsLabel(`${field}.name`, name));
    if (names.has(name)) errs.push(duplicate(`${field}.name`, name));
    else names.add(name);
  }
  const port = typeof p.port === 'number' ? p.port : 0;
  for (const m of portNumErrors(port)) errs.push(invalid(`${field}.port`, port, m));
  errs.push(...oneOf(`${field}.protocol`, p.protocol, ['SCTP', 'TCP', 'UDP']));
  errs.push(...portNumOrName(`${field}.targetPort`, p.targetPort));
  if (typeof p.appProtocol === 'string') errs.push(...qualifiedName(`${field}.appProtocol`, p.appProtocol));
  return errs;
}

function validateClusterIPs(spec: Obj): FieldError[] {
  if (type(spec) === 'ExternalName') return [];
  const errs: FieldError[] = [];
  const ips = asArr(spec.clusterIPs).map(String);
  const clusterIP = str(spec.clusterIP);
  if (clusterIP) {
    if (ips.length === 0) errs.push(required('spec.clusterIPs'));
    else if (ips[0] !== clusterIP) errs.push(invalidGo('spec.clusterIPs', goStringSlice(ips), 'first value must match `clusterIP`'));
  } else if (ips.length > 0) {
    errs.push(invalidGo('spec.clusterIPs', goStringSlice(ips), 'must be empty when `clusterIP` is not specified'));
  }
  const seen = new Set<string>();
  asArr(spec.ipFamilies).forEach((f, i) => {
    const fam = String(f);
    if (fam !== 'IPv4' && fam !== 'IPv6') errs.push(notSupported(`spec.ipFamilies[${i}]`, fam, ['IPv4', 'IPv6']));
    if (seen.has(fam)) errs.push(duplicate(`spec.ipFamilies[${i}]`, fam));
    seen.add(fam);
  });
  if (spec.ipFamilyPolicy !== undefined && spec.ipFamilyPolicy !== null) {
    const pols = ['PreferDualStack', 'RequireDualStack', 'SingleStack'];
    if (!pols.includes(str(spec.ipFamilyPolicy))) errs.push(notSupported('spec.ipFamilyPolicy', spec.ipFamilyPolicy, pols));
  }
  let bad = false;
  ips.forEach((ip, i) => {
    if (i === 0 && ip === 'None') {
      if (ips.length > 1) {
        bad = true;
        errs.push(invalidGo('spec.clusterIPs', goStringSlice(ips), "'None' must be the first and only value"));
      }
      return;
    }
    const e = validIP(`spec.clusterIPs[${i}]`, ip);
    if (e.length > 0) bad = true;
    errs.push(...e);
  });
  if (ips.length > 2) errs.push(invalidGo('spec.clusterIPs', goStringSlice(ips), 'may only hold up to 2 values'));
  if (bad) return errs;
  if (ips.length > 1 && isIPv6(ips[0]!) === isIPv6(ips[1]!)) {
    errs.push(invalidGo('spec.clusterIPs', goStringSlice(ips), 'may specify no more than one IP for each IP family'));
  }
  const fams = asArr(spec.ipFamilies).map(String);
  if (!isHeadless(spec)) {
    ips.forEach((ip, i) => {
      if (i >= fams.length) return;
      if (fams[i] === 'IPv4' && isIPv6(ip)) errs.push(invalid(`spec.clusterIPs[${i}]`, ip, `expected an IPv4 value as indicated by \`ipFamilies[${i}]\``));
      if (fams[i] === 'IPv6' && !isIPv6(ip)) errs.push(invalid(`spec.clusterIPs[${i}]`, ip, `expected an IPv6 value as indicated by \`ipFamilies[${i}]\``));
    });
  }
  return errs;
}

/** ValidateService (create and the shared half of update). */
export function validateService(svc: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = asObj(svc.spec) ?? {};
  const t = type(spec);
  const ports = objs(spec.ports);
  const headless = isHeadless(spec);
  if (ports.length === 0 && !headless && t !== 'ExternalName') errs.push(required('spec.ports'));
  if (t === 'LoadBalancer') {
    ports.forEach((p, i) => {
      if (p.port === KUBELET_PORT) errs.push(invalid(`spec.ports[${i}]`, p.port, `may not expose port ${KUBELET_PORT} externally since it is used by kubelet`));
    });
    if (headless) errs.push(invalid('spec.clusterIPs[0]', 'None', "may not be set to 'None' for LoadBalancer services"));
  } else if (t === 'NodePort') {
    if (headless) errs.push(invalid('spec.clusterIPs[0]', 'None', "may not be set to 'None' for NodePort services"));
  } else if (t === 'ExternalName') {
    if (asArr(spec.clusterIPs).length > 0) errs.push(forbidden('spec.clusterIPs', 'may not be set for ExternalName services'));
    if (asArr(spec.ipFamilies).length > 0) errs.push(forbidden('spec.ipFamilies', 'may not be set for ExternalName services'));
    if (spec.ipFamilyPolicy !== undefined && spec.ipFamilyPolicy !== null) errs.push(forbidden('spec.ipFamilyPolicy', 'may not be set for ExternalName services'));
    const cname = str(spec.externalName).replace(/\.$/, '');
    if (cname) errs.push(...dnsSubdomain('spec.externalName', cname));
    else errs.push(required('spec.externalName'));
  }
  const names = new Set<string>();
  ports.forEach((p, i) => errs.push(...validateServicePort(p, ports.length > 1, names, `spec.ports[${i}]`)));
  if (spec.selector !== undefined && spec.selector !== null) errs.push(...validateLabels(spec.selector, 'spec.selector'));
  const aff = str(spec.sessionAffinity);
  if (!aff) errs.push(required('spec.sessionAffinity'));
  else if (aff !== 'ClientIP' && aff !== 'None') errs.push(notSupported('spec.sessionAffinity', aff, ['ClientIP', 'None']));
  if (aff === 'ClientIP') {
    const cfg = asObj(spec.sessionAffinityConfig);
    const detail = 'when session affinity type is ClientIP';
    if (!cfg) errs.push(required('spec.sessionAffinityConfig', detail));
    else if (!asObj(cfg.clientIP)) errs.push(required('spec.sessionAffinityConfig.clientIP', detail));
    else {
      const to = asObj(cfg.clientIP)!.timeoutSeconds;
      if (typeof to !== 'number') errs.push(required('spec.sessionAffinityConfig.clientIP.timeoutSeconds', detail));
      else if (to <= 0 || to > 86400) errs.push(invalid('spec.sessionAffinityConfig.clientIP.timeoutSeconds', to, 'must be greater than 0 and less than 86400'));
    }
  } else if (aff === 'None' && spec.sessionAffinityConfig !== undefined && spec.sessionAffinityConfig !== null) {
    errs.push(forbidden('spec.sessionAffinityConfig', 'must not be set when session affinity is None'));
  }
  errs.push(...validateClusterIPs(spec));
  asArr(spec.externalIPs).forEach((ip, i) => {
    const p = `spec.externalIPs[${i}]`;
    const e = validIP(p, String(ip));
    errs.push(...(e.length > 0 ? e : nonSpecialIP(p, String(ip))));
  });
  if (!t) errs.push(required('spec.type'));
  else if (!TYPES.includes(t)) errs.push(notSupported('spec.type', t, TYPES));
  if (t === 'ClusterIP') {
    ports.forEach((p, i) => {
      if (p.nodePort) errs.push(forbidden(`spec.ports[${i}].nodePort`, "may not be used when `type` is 'ClusterIP'"));
    });
  }
  const nodePorts = new Set<string>();
  ports.forEach((p, i) => {
    if (!p.nodePort) return;
    const key = `${str(p.protocol)}/${String(p.nodePort)}`;
    if (nodePorts.has(key)) errs.push(duplicate(`spec.ports[${i}].nodePort`, p.nodePort));
    nodePorts.add(key);
    for (const m of portNumErrors(p.nodePort as number)) errs.push(invalid(`spec.ports[${i}].nodePort`, p.nodePort, m));
  });
  const portKeys = new Set<string>();
  ports.forEach((p, i) => {
    const key = `${str(p.protocol)}/${String(p.port)}`;
    if (portKeys.has(key)) errs.push(duplicateGo(`spec.ports[${i}]`, goServicePortKey(p)));
    portKeys.add(key);
  });
  const ranges = asArr(spec.loadBalancerSourceRanges);
  if (ranges.length > 0) {
    if (t !== 'LoadBalancer') errs.push(forbidden('spec.LoadBalancerSourceRanges', "may only be used when `type` is 'LoadBalancer'"));
    ranges.forEach((r, i) => errs.push(...validCIDR(`spec.LoadBalancerSourceRanges[${i}]`, String(r).trim())));
  }
  if (spec.allocateLoadBalancerNodePorts !== undefined && spec.allocateLoadBalancerNodePorts !== null && t !== 'LoadBalancer') {
    errs.push(forbidden('spec.allocateLoadBalancerNodePorts', "may only be used when `type` is 'LoadBalancer'"));
  }
  if (t === 'LoadBalancer' && (spec.allocateLoadBalancerNodePorts === undefined || spec.allocateLoadBalancerNodePorts === null)) {
    errs.push(required('allocateLoadBalancerNodePorts'));
  }
  if (t === 'LoadBalancer') {
    if (typeof spec.loadBalancerClass === 'string') errs.push(...qualifiedName('spec.loadBalancerClass', spec.loadBalancerClass));
  } else if (spec.loadBalancerClass !== undefined && spec.loadBalancerClass !== null) {
    errs.push(forbidden('spec.loadBalancerClass', "may only be used when `type` is 'LoadBalancer'"));
  }
  const etp = spec.externalTrafficPolicy;
  if (!externallyAccessible(spec)) {
    if (etp !== undefined && etp !== null && etp !== '') errs.push(invalid('spec.externalTrafficPolicy', etp, 'may only be set for externally-accessible services'));
  } else if (etp === undefined || etp === null || etp === '') errs.push(required('spec.externalTrafficPolicy'));
  else if (etp !== 'Cluster' && etp !== 'Local') errs.push(notSupported('spec.externalTrafficPolicy', etp, ['Cluster', 'Local']));
  const hc = spec.healthCheckNodePort;
  if (!needsHealthCheck(spec)) {
    if (hc) errs.push(invalid('spec.healthCheckNodePort', hc, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"));
  }
  // A missing healthCheckNodePort is allocated, like node ports; only a bad one is refused.
  else if (hc) for (const m of portNumErrors(hc as number)) errs.push(invalid('spec.healthCheckNodePort', hc, m));
  const itp = spec.internalTrafficPolicy;
  if ((itp === undefined || itp === null) && ['NodePort', 'LoadBalancer', 'ClusterIP'].includes(t)) errs.push(required('spec.internalTrafficPolicy'));
  if (itp !== undefined && itp !== null && itp !== 'Cluster' && itp !== 'Local') errs.push(notSupported('spec.internalTrafficPolicy', itp, ['Cluster', 'Local']));
  const td = spec.trafficDistribution;
  if (td !== undefined && td !== null) {
    const tds = ['PreferClose', 'PreferSameZone', 'PreferSameNode'];
    if (!tds.includes(str(td))) errs.push(notSupported('spec.trafficDistribution', td, tds));
  }
  return errs;
}

function validateUpgradeDowngrade(spec: Obj, oldSpec: Obj): FieldError[] {
  const errs: FieldError[] = [];
  if (type(spec) === 'ExternalName' || type(oldSpec) === 'ExternalName') return errs;
  const newH = isHeadless(spec);
  const oldH = isHeadless(oldSpec);
  const ips = asArr(spec.clusterIPs).map(String);
  const oldIps = asArr(oldSpec.clusterIPs).map(String);
  if (!(newH && oldH)) {
    if (oldIps.length === ips.length) {
      oldIps.forEach((ip, i) => {
        if (ip !== ips[i]) errs.push(invalidGo(`spec.clusterIPs[${i}]`, goStringSlice(ips), 'may not change once set'));
      });
    } else if (oldIps.length > ips.length) {
      if (ips.length === 0) errs.push(invalidGo('spec.clusterIPs[0]', goStringSlice(ips), 'primary clusterIP can not be unset'));
      if (oldIps.length > 0 && ips.length > 0 && ips[0] !== oldIps[0]) errs.push(invalidGo('spec.clusterIPs[0]', goStringSlice(ips), 'may not change once set'));
      if (ips.length === 1 && spec.ipFamilyPolicy !== 'SingleStack') {
        errs.push(invalid('spec.ipFamilyPolicy', spec.ipFamilyPolicy ?? null, "must be set to 'SingleStack' when releasing the secondary clusterIP"));
      }
    } else if (oldIps.length > 0 && ips[0] !== oldIps[0]) {
      errs.push(invalidGo('spec.clusterIPs[0]', goStringSlice(ips), 'may not change once set'));
    }
  }
  if (newH !== oldH || newH) return errs;
  const fams = asArr(spec.ipFamilies).map(String);
  const oldFams = asArr(oldSpec.ipFamilies).map(String);
  const goFams = (v: string[]) => `[]core.IPFamily{${v.map((x) => goQuote(x)).join(', ')}}`;
  if (oldFams.length === fams.length) {
    if (oldFams.some((f, i) => f !== fams[i])) errs.push(invalidGo('spec.ipFamilies[0]', goFams(fams), 'may not change once set'));
  } else if (oldFams.length > fams.length) {
    if (ips.length === 0) errs.push(invalidGo('spec.ipFamilies[0]', goFams(fams), 'primary ipFamily can not be unset'));
    if (fams.length > 0 && fams[0] !== oldFams[0]) errs.push(invalidGo('spec.ipFamilies[0]', goStringSlice(ips), 'may not change once set'));
    if (fams.length === 1 && spec.ipFamilyPolicy !== 'SingleStack') {
      errs.push(invalid('spec.ipFamilyPolicy', spec.ipFamilyPolicy ?? null, "must be set to 'SingleStack' when releasing the secondary ipFamily"));
    }
  } else if (oldFams.length > 0 && fams.length > 0 && fams[0] !== oldFams[0]) {
    errs.push(invalidGo('spec.ipFamilies[0]', goStringSlice(ips), 'may not change once set'));
  }
  return errs;
}

export function validateServiceUpdate(svc: KubeObject, old: KubeObject): FieldError[] {
  const spec = asObj(svc.spec) ?? {};
  const oldSpec = asObj(old.spec) ?? {};
  const errs = validateUpgradeDowngrade(spec, oldSpec);
  if (type(oldSpec) === 'LoadBalancer' && type(spec) === 'LoadBalancer' && !deepEqual(oldSpec.loadBalancerClass, spec.loadBalancerClass)) {
    errs.push(invalid('spec.loadBalancerClass', spec.loadBalancerClass ?? null, 'may not change once set'));
  }
  if (needsHealthCheck(oldSpec) && needsHealthCheck(spec) && spec.healthCheckNodePort !== oldSpec.healthCheckNodePort) {
    errs.push(forbidden('spec.healthCheckNodePort', 'field is immutable'));
  }
  errs.push(...validateService(svc));
  return errs;
}

function validateServiceStatus(svc: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = asObj(svc.spec) ?? {};
  const ingress = objs(asObj(asObj(svc.status)?.loadBalancer)?.ingress);
  if (type(spec) !== 'LoadBalancer' && ingress.length > 0) {
    return [forbidden('status.loadBalancer.ingress', "may only be used when `spec.type` is 'LoadBalancer'")];
  }
  ingress.forEach((ing, i) => {
    const p = `status.loadBalancer.ingress[${i}]`;
    if (str(ing.ip)) errs.push(...validIP(`${p}.ip`, str(ing.ip)));
    if ((ing.ipMode === undefined || ing.ipMode === null) && str(ing.ip)) errs.push(required(`${p}.ipMode`, 'must be specified when `ip` is set'));
    else if (ing.ipMode !== undefined && ing.ipMode !== null && !str(ing.ip)) errs.push(forbidden(`${p}.ipMode`, 'may not be specified when `ip` is not set'));
    else if (ing.ipMode !== undefined && ing.ipMode !== null && ing.ipMode !== 'VIP' && ing.ipMode !== 'Proxy') {
      errs.push(notSupported(`${p}.ipMode`, ing.ipMode, ['Proxy', 'VIP']));
    }
    if (str(ing.hostname)) errs.push(...dnsSubdomain(`${p}.hostname`, str(ing.hostname)));
  });
  return errs;
}

export const serviceStrategy: Strategy = {
  nameRule: 'label1035',
  tracksGeneration: false,
  returnDeletedObject: true,

  prepareForCreate(obj) {
    // loadBalancer is a struct kube always serialises.
    obj.status = { loadBalancer: {} };
    normalizeClusterIPs(specOf(obj));
  },

  prepareForUpdate(obj, old, ctx) {
    if (ctx.subresource === 'status') return;
    const spec = specOf(obj);
    const oldSpec = asObj(old.spec) ?? {};
    // The type defaults before these run in kube (decode), so default it here too.
    setDefaultStr(spec, 'type', 'ClusterIP');
    patchAllocatedValues(spec, oldSpec);
    normalizeClusterIPs(spec, oldSpec);
    dropTypeDependentFields(spec, oldSpec);
  },

  defaults(obj) {
    defaultService(obj);
  },

  validate(obj) {
    return validateService(obj);
  },

  validateUpdate(obj, old, ctx) {
    if (ctx.subresource === 'status') return validateServiceStatus(obj);
    return validateServiceUpdate(obj, old);
  },

  selectableFields(obj) {
    const spec = asObj(obj.spec) ?? {};
    return { 'spec.clusterIP': str(spec.clusterIP), 'spec.type': str(spec.type) };
  },
};

registerStrategy('', 'services', serviceStrategy);
