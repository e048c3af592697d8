// Leases (coordination.k8s.io/v1) and EndpointSlices (discovery.k8s.io/v1).

import type { FieldError } from '../errors.js';
import type { Strategy } from '../strategy.js';
import type { KubeObject } from '../types.js';
import { registerStrategy } from './register.js';
import { asArr, asObj, forbidden, immutable, invalid, notSupported, objs, required, setDefault, str, tooMany } from './util.js';
import { dnsLabel, dnsSubdomain, oneOf, portNumErrors, qualifiedName, validIP, isIPv4, isIPv6 } from './validators.js';

// ---- Leases ---------------------------------------------------------------------------------------------------------

export function validateLease(lease: KubeObject): FieldError[] {
  const spec = asObj(lease.spec) ?? {};
  const errs: FieldError[] = [];
  const lds = spec.leaseDurationSeconds;
  if (typeof lds === 'number' && lds <= 0) errs.push(invalid('spec.leaseDurationSeconds', lds, 'must be greater than 0'));
  const lt = spec.leaseTransitions;
  if (typeof lt === 'number' && lt < 0) errs.push(invalid('spec.leaseTransitions', lt, 'must be greater than or equal to 0'));
  if (typeof spec.strategy === 'string') errs.push(...qualifiedName('spec.strategy', spec.strategy));
  if (typeof spec.preferredHolder === 'string' && spec.preferredHolder !== '' && spec.strategy === undefined) {
    errs.push(forbidden('spec.preferredHolder', 'may only be specified if `strategy` is defined'));
  }
  return errs;
}

export const leaseStrategy: Strategy = {
  allowCreateOnUpdate: true,
  tracksGeneration: false,
  validate: (obj) => validateLease(obj),
};

// ---- EndpointSlices -------------------------------------------------------------------------------------------------

const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];
const MAX_ENDPOINTS = 1000;
const MAX_PORTS = 100;
const MAX_ADDRESSES = 100;

export function defaultEndpointSlice(es: KubeObject): void {
  for (const p of objs(es.ports)) {
    setDefault(p, 'protocol', 'TCP');
    setDefault(p, 'name', '');
  }
}

export function validateEndpointSlice(es: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const type = str(es.addressType);
  const endpoints = objs(es.endpoints);
  if (endpoints.length > MAX_ENDPOINTS) errs.push(tooMany('endpoints', endpoints.length, MAX_ENDPOINTS));
  endpoints.forEach((ep, i) => {
    const p = `endpoints[${i}]`;
    const addrs = asArr(ep.addresses).map(String);
    if (addrs.length === 0) errs.push(required(`${p}.addresses`, 'must contain at least 1 address'));
    else if (addrs.length > MAX_ADDRESSES) errs.push(tooMany(`${p}.addresses`, addrs.length, MAX_ADDRESSES));
    addrs.forEach((a, j) => {
      const ap = `${p}.addresses[${j}]`;
      if (type === 'IPv4') {
        errs.push(...validIP(ap, a));
        if (isIPv6(a)) errs.push(invalid(ap, a, 'must be an IPv4 address'));
      } else if (type === 'IPv6') {
        errs.push(...validIP(ap, a));
        if (isIPv4(a)) errs.push(invalid(ap, a, 'must be an IPv6 address'));
      } else if (type === 'FQDN') errs.push(...dnsSubdomain(ap, a));
    });
    if (typeof ep.nodeName === 'string') errs.push(...dnsSubdomain(`${p}.nodeName`, ep.nodeName));
    const hostname = ep.hostname;
    if (typeof hostname === 'string') errs.push(...dnsLabel(`${p}.hostname`, hostname));
  });
  const ports = objs(es.ports);
  if (ports.length > MAX_PORTS) errs.push(tooMany('ports', ports.length, MAX_PORTS));
  const names = new Set<string>();
  ports.forEach((port, i) => {
    const p = `ports[${i}]`;
    const name = str(port.name);
    if (name) errs.push(...dnsLabel(`${p}.name`, name));
    if (names.has(name)) errs.push({ type: 'FieldValueDuplicate', field: `${p}.name`, value: name });
    names.add(name);
    errs.push(...oneOf(`${p}.protocol`, port.protocol, ['SCTP', 'TCP', 'UDP']));
    if (typeof port.port === 'number') for (const m of portNumErrors(port.port)) errs.push(invalid(`${p}.port`, port.port, m));
    if (typeof port.appProtocol === 'string') errs.push(...qualifiedName(`${p}.appProtocol`, port.appProtocol));
  });
  return errs;
}

function addressTypeErrors(type: unknown): FieldError[] {
  if (type === undefined || type === null || type === '') return [required('addressType')];
  return ADDRESS_TYPES.includes(String(type)) ? [] : [notSupported('addressType', type, ADDRESS_TYPES)];
}

export const endpointSliceStrategy: Strategy = {
  // kube sets generation 1 and bumps it on any change outside metadata.
  tracksGeneration: true,
  defaults: (obj) => defaultEndpointSlice(obj),
  validate: (obj) => [...validateEndpointSlice(obj), ...addressTypeErrors(obj.addressType)],
  validateUpdate: (obj, old) => [...validateEndpointSlice(obj), ...immutable('addressType', obj.addressType ?? '', old.addressType ?? '')],
};

registerStrategy('coordination.k8s.io', 'leases', leaseStrategy);
registerStrategy('discovery.k8s.io', 'endpointslices', endpointSliceStrategy);
