// networking.k8s.io/v1: Ingresses, IngressClasses, NetworkPolicies
// (pkg/apis/networking/v1/defaults.go, pkg/apis/networking/validation).

import type { FieldError } from '../errors.js';
import type { Strategy } from '../strategy.js';
import type { KubeObject } from '../types.js';
import { registerStrategy } from './register.js';
import { asArr, asObj, ensureObj, forbidden, immutable, invalid, invalidGo, goStringSlice, notSupported, objs, required, setDefault, specOf, str } from './util.js';
import {
  dns1035Label,
  dnsSubdomain,
  isIP,
  oneOf,
  portNameErrors,
  portNumErrors,
  validCIDR,
  validateLabelSelector,
} from './validators.js';
import { dns1123SubdomainErrors } from '../validation/names.js';

// ---- Ingresses ------------------------------------------------------------------------------------------------------

const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'];
const INVALID_PATH_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];
const INVALID_PATH_SUFFIXES = ['/..', '/.'];

function validateBackend(b: unknown, field: string): FieldError[] {
  const backend = asObj(b) ?? {};
  const errs: FieldError[] = [];
  const res = asObj(backend.resource);
  const svc = asObj(backend.service);
  if (res && svc) return [invalid(field, '', 'cannot set both resource and service backends')];
  if (res) {
    if (!str(res.kind)) errs.push(required(`${field}.resource.kind`));
    if (!str(res.name)) errs.push(required(`${field}.resource.name`));
    if (typeof res.apiGroup === 'string' && res.apiGroup !== '') errs.push(...dnsSubdomain(`${field}.resource.apiGroup`, res.apiGroup));
    return errs;
  }
  if (!svc) return [invalid(field, '', 'resource or service backend is required')];
  const name = str(svc.name);
  if (!name) errs.push(required(`${field}.service.name`));
  else errs.push(...dns1035Label(`${field}.service.name`, name));
  const port = asObj(svc.port) ?? {};
  const pn = str(port.name);
  const num = typeof port.number === 'number' ? port.number : 0;
  if (pn && num) errs.push(invalid(field, '', 'cannot set both port name & port number'));
  else if (pn) for (const m of portNameErrors(pn)) errs.push(invalid(`${field}.service.port.name`, pn, m));
  else if (num) for (const m of portNumErrors(num)) errs.push(invalid(`${field}.service.port.number`, num, m));
  else errs.push(required(field, 'port name or number is required'));
  return errs;
}

function validateHost(host: string, field: string): FieldError[] {
  if (isIP(host)) return [invalid(field, host, 'must be a DNS name, not an IP address')];
  if (host.startsWith('*.')) {
    const rest = host.slice(2);
    const msgs = dns1123SubdomainErrors(rest);
    if (msgs.length === 0) return [];
    return [
      invalid(
        field,
        host,
        "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      ),
    ];
  }
  return dnsSubdomain(field, host);
}

export function validateIngress(ing: KubeObject): FieldError[] {
  const spec = asObj(ing.spec) ?? {};
  const errs: FieldError[] = [];
  const rules = objs(spec.rules);
  if (!asObj(spec.defaultBackend) && rules.length === 0) {
    errs.push(invalid('spec', JSON.stringify(spec), 'either `defaultBackend` or `rules` must be specified'));
  }
  if (asObj(spec.defaultBackend)) errs.push(...validateBackend(spec.defaultBackend, 'spec.defaultBackend'));
  rules.forEach((r, i) => {
    const p = `spec.rules[${i}]`;
    const host = str(r.host);
    if (host) errs.push(...validateHost(host, `${p}.host`));
    const http = asObj(r.http);
    if (!http) return;
    const paths = objs(http.paths);
    if (paths.length === 0) errs.push(required(`${p}.http.paths`));
    paths.forEach((path, j) => {
      const pp = `${p}.http.paths[${j}]`;
      const pt = path.pathType;
      const pathStr = str(path.path);
      if (pt === undefined || pt === null) {
        errs.push(required(`${pp}.pathType`, 'pathType must be specified'));
        return;
      }
      if (pt === 'Exact' || pt === 'Prefix') {
        if (!pathStr.startsWith('/')) errs.push(invalid(`${pp}.path`, pathStr, 'must be an absolute path'));
        if (pathStr) {
          for (const seq of INVALID_PATH_SEQUENCES) if (pathStr.includes(seq)) errs.push(invalid(`${pp}.path`, pathStr, `must not contain '${seq}'`));
          for (const suf of INVALID_PATH_SUFFIXES) if (pathStr.endsWith(suf)) errs.push(invalid(`${pp}.path`, pathStr, `cannot end with '${suf}'`));
        }
      } else if (pt === 'ImplementationSpecific') {
        if (pathStr && !pathStr.startsWith('/')) errs.push(invalid(`${pp}.path`, pathStr, 'must be an absolute path'));
      } else {
        errs.push(notSupported(`${pp}.pathType`, pt, PATH_TYPES));
      }
      errs.push(...validateBackend(path.backend, `${pp}.backend`));
    });
  });
  objs(spec.tls).forEach((t, i) => {
    asArr(t.hosts).forEach((h, j) => errs.push(...validateHost(String(h), `spec.tls[${i}].hosts[${j}]`)));
    if (str(t.secretName)) errs.push(...dnsSubdomain(`spec.tls[${i}].secretName`, str(t.secretName)));
  });
  if (typeof spec.ingressClassName === 'string') errs.push(...dnsSubdomain('spec.ingressClassName', spec.ingressClassName));
  return errs;
}

function validateIngressStatus(ing: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  objs(asObj(asObj(ing.status)?.loadBalancer)?.ingress).forEach((lb, i) => {
    const p = `status.loadBalancer.ingress[${i}]`;
    if (str(lb.ip) && !isIP(str(lb.ip))) errs.push(invalid(`${p}.ip`, str(lb.ip), 'must be a valid IP address'));
    if (str(lb.hostname)) {
      errs.push(...dnsSubdomain(`${p}.hostname`, str(lb.hostname)));
      if (isIP(str(lb.hostname))) errs.push(invalid(`${p}.hostname`, str(lb.hostname), 'must be a DNS name, not an IP address'));
    }
  });
  return errs;
}

export const ingressStrategy: Strategy = {
  prepareForCreate(obj) {
    obj.status = { loadBalancer: {} };
  },
  validate: (obj) => validateIngress(obj),
  validateUpdate(obj, _old, ctx) {
    if (ctx.subresource === 'status') return validateIngressStatus(obj);
    return validateIngress(obj);
  },
};

// ---- IngressClasses -------------------------------------------------------------------------------------------------

export function validateIngressClass(ic: KubeObject): FieldError[] {
  const spec = asObj(ic.spec) ?? {};
  const errs: FieldError[] = [];
  const controller = str(spec.controller);
  if (!controller) errs.push(required('spec.controller'));
  else {
    if (controller.length > 250) errs.push({ type: 'FieldValueTooLong', field: 'spec.controller', detail: 'may not be more than 250 bytes' });
    // A domain-prefixed path: example.com/ingress-controller.
    const [domain, ...rest] = controller.split('/');
    if (rest.length === 0 || !domain) errs.push(invalid('spec.controller', controller, "must be a domain-prefixed path (such as \"acme.io/foo\")"));
    else errs.push(...dnsSubdomain('spec.controller', domain));
  }
  const params = asObj(spec.parameters);
  if (params) {
    const p = 'spec.parameters';
    if (!str(params.kind)) errs.push(required(`${p}.kind`));
    if (!str(params.name)) errs.push(required(`${p}.name`));
    const scope = params.scope;
    if (scope !== 'Cluster' && scope !== 'Namespace') errs.push(notSupported(`${p}.scope`, scope ?? '', ['Cluster', 'Namespace']));
    if (scope === 'Namespace' && !str(params.namespace)) errs.push(required(`${p}.namespace`, "`parameters.scope` is set to 'Namespace'"));
    if (scope === 'Cluster' && params.namespace !== undefined && params.namespace !== null) {
      errs.push(forbidden(`${p}.namespace`, "`parameters.scope` is set to 'Cluster'"));
    }
  }
  return errs;
}

export const ingressClassStrategy: Strategy = {
  defaults(obj) {
    const params = asObj(specOf(obj).parameters);
    if (params) setDefault(params, 'scope', 'Cluster');
  },
  validate: (obj) => validateIngressClass(obj),
  validateUpdate: (obj, old) => [...validateIngressClass(obj), ...immutable('spec.controller', asObj(obj.spec)?.controller ?? '', asObj(old.spec)?.controller ?? '')],
};

// ---- NetworkPolicies ------------------------------------------------------------------------------------------------

/** SetDefaults_NetworkPolicy(Port): TCP ports, Ingress (and Egress when egress rules exist) policy types. */
export function defaultNetworkPolicy(np: KubeObject): void {
  const spec = specOf(np);
  for (const dir of ['ingress', 'egress']) for (const r of objs(spec[dir])) for (const p of objs(r.ports)) setDefault(p, 'protocol', 'TCP');
  if (asArr(spec.policyTypes).length === 0) {
    spec.policyTypes = asArr(spec.egress).length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
  }
  ensureObj(spec, 'podSelector');
}

function validatePeers(peers: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  objs(peers).forEach((peer, i) => {
    const p = `${field}[${i}]`;
    const n = ['podSelector', 'namespaceSelector'].filter((k) => peer[k]).length > 0 ? 1 : 0;
    const ip = asObj(peer.ipBlock);
    if (n === 0 && !ip) errs.push(required(p, 'must specify a peer'));
    if (n > 0 && ip) errs.push(forbidden(p, 'may not specify both ipBlock and another peer'));
    errs.push(...validateLabelSelector(peer.podSelector, `${p}.podSelector`), ...validateLabelSelector(peer.namespaceSelector, `${p}.namespaceSelector`));
    if (ip) {
      const cidr = str(ip.cidr);
      if (!cidr) errs.push(required(`${p}.ipBlock.cidr`));
      else errs.push(...validCIDR(`${p}.ipBlock.cidr`, cidr));
      asArr(ip.except).forEach((e, j) => errs.push(...validCIDR(`${p}.ipBlock.except[${j}]`, String(e))));
    }
  });
  return errs;
}

function validatePorts(ports: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  objs(ports).forEach((port, i) => {
    const p = `${field}[${i}]`;
    if (port.protocol !== undefined && port.protocol !== null) errs.push(...oneOf(`${p}.protocol`, port.protocol, ['SCTP', 'TCP', 'UDP']));
    const v = port.port;
    if (typeof v === 'number') for (const m of portNumErrors(v)) errs.push(invalid(`${p}.port`, v, m));
    else if (typeof v === 'string') for (const m of portNameErrors(v)) errs.push(invalid(`${p}.port`, v, m));
    if (port.endPort !== undefined && port.endPort !== null) {
      const ep = port.endPort as number;
      if (typeof v !== 'number') errs.push(required(`${p}.port`, 'must be specified when endPort is specified'));
      else {
        if (ep < v) errs.push(invalid(`${p}.endPort`, ep, 'must be greater than or equal to `port`'));
        for (const m of portNumErrors(ep)) errs.push(invalid(`${p}.endPort`, ep, m));
      }
    }
  });
  return errs;
}

export function validateNetworkPolicy(np: KubeObject): FieldError[] {
  const spec = asObj(np.spec) ?? {};
  const errs = validateLabelSelector(spec.podSelector, 'spec.podSelector');
  objs(spec.ingress).forEach((r, i) => {
    errs.push(...validatePorts(r.ports, `spec.ingress[${i}].ports`), ...validatePeers(r.from, `spec.ingress[${i}].from`));
  });
  objs(spec.egress).forEach((r, i) => {
    errs.push(...validatePorts(r.ports, `spec.egress[${i}].ports`), ...validatePeers(r.to, `spec.egress[${i}].to`));
  });
  const types = asArr(spec.policyTypes).map(String);
  types.forEach((t, i) => {
    if (t !== 'Ingress' && t !== 'Egress') errs.push(notSupported(`spec.policyTypes[${i}]`, t, ['Ingress', 'Egress']));
  });
  if (types.length > 2) errs.push(invalidGo('spec.policyTypes', goStringSlice(types), 'may not specify more than two policyTypes'));
  return errs;
}

export const networkPolicyStrategy: Strategy = {
  defaults: (obj) => defaultNetworkPolicy(obj),
  validate: (obj) => validateNetworkPolicy(obj),
};

registerStrategy('networking.k8s.io', 'ingresses', ingressStrategy);
registerStrategy('networking.k8s.io', 'ingressclasses', ingressClassStrategy);
registerStrategy('networking.k8s.io', 'networkpolicies', networkPolicyStrategy);

