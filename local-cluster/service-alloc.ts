// Service IP and node port allocation, the part of kube's service REST that
// runs before validation: a ClusterIP from the service CIDR, node ports for
// NodePort/LoadBalancer services (and a health-check port for LoadBalancers
// with externalTrafficPolicy Local), requested values checked for range and
// conflicts. What is in use is read from the stored services themselves, under
// one lock held until the write lands, so two creates never get the same value.
// Immutability afterwards is the service strategy's (validation) job.

import { invalid as invalidError, type FieldError } from '../tenant-apiserver/api/errors.js';
import type { ResourceInfo } from '../tenant-apiserver/api/registry.js';
import type { AdmissionPlugin, ResourceStore } from '../tenant-apiserver/api/store.js';
import { asArr, asObj, invalid, invalidGo, goStringSlice, objs, specOf, str, type Obj } from '../tenant-apiserver/api/strategies/util.js';
import { randomInt } from 'node:crypto';
import { cidrContains, intToIp, ipToInt, parseCidr } from './ipam.js';
import { KeyedMutex } from './util.js';

export const SERVICE_CIDR = '10.96.0.0/12';
export const KUBERNETES_SERVICE_IP = '10.96.0.1';
export const NODE_PORT_RANGE = { min: 30000, max: 32767 };

export interface InUse {
  ips: Set<string>;
  /** "protocol/port" would be exact; kube's allocator is per port number, so numbers it is. */
  ports: Set<number>;
}

/** Values held by every stored service except the one being written. */
export function inUse(services: Obj[], except?: { namespace: string; name: string }): InUse {
  const ips = new Set<string>();
  const ports = new Set<number>();
  for (const svc of services) {
    const meta = asObj(svc.metadata) ?? {};
    if (except && meta.namespace === except.namespace && meta.name === except.name) continue;
    const spec = asObj(svc.spec) ?? {};
    for (const ip of asArr(spec.clusterIPs)) if (typeof ip === 'string' && ip !== 'None') ips.add(ip);
    for (const p of objs(spec.ports)) if (typeof p.nodePort === 'number' && p.nodePort > 0) ports.add(p.nodePort);
    if (typeof spec.healthCheckNodePort === 'number' && spec.healthCheckNodePort > 0) ports.add(spec.healthCheckNodePort);
  }
  return { ips, ports };
}

/** A random free address in the dynamic band (kube keeps the low addresses for static assignment). */
export function nextServiceIP(cidr: string, used: ReadonlySet<string>, random: (lo: number, hi: number) => number = randomInt): string | undefined {
  const c = parseCidr(cidr);
  const first = c.base + 1;
  const last = c.base + c.size - 2;
  const staticBand = Math.min(Math.max(16, Math.floor(c.size / 16)), 256);
  const lo = Math.min(first + staticBand, last);
  for (let i = 0; i < 64; i++) {
    const ip = intToIp(random(lo, last + 1));
    if (!used.has(ip)) return ip;
  }
  // Crowded: scan, dynamic band first, then the static one.
  for (let n = lo; n <= last; n++) if (!used.has(intToIp(n))) return intToIp(n);
  for (let n = first; n < lo; n++) if (!used.has(intToIp(n))) return intToIp(n);
  return undefined;
}

export function nextNodePort(used: ReadonlySet<number>, random: (lo: number, hi: number) => number = randomInt): number | undefined {
  const { min, max } = NODE_PORT_RANGE;
  const staticBand = Math.min(Math.max(16, Math.floor((max - min + 1) / 16)), 128);
  const lo = min + staticBand;
  for (let i = 0; i < 64; i++) {
    const p = random(lo, max + 1);
    if (!used.has(p)) return p;
  }
  for (let p = lo; p <= max; p++) if (!used.has(p)) return p;
  for (let p = min; p < lo; p++) if (!used.has(p)) return p;
  return undefined;
}

function isHeadless(spec: Obj): boolean {
  return str(spec.clusterIP) === 'None' || (asArr(spec.clusterIPs).length === 1 && asArr(spec.clusterIPs)[0] === 'None');
}

function needsNodePorts(spec: Obj): boolean {
  const t = str(spec.type);
  return t === 'NodePort' || (t === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false);
}

class AllocationError extends Error {
  constructor(readonly errors: FieldError[]) {
    super('allocation failed');
  }
}

/**
 * Fill in what the service needs (mutates `svc`). `old` is the stored service
 * on update: values it already had are not re-checked.
 */
export function allocate(svc: Obj, old: Obj | undefined, used: InUse, cidr = SERVICE_CIDR): FieldError[] {
  const spec = specOf(svc);
  const oldSpec = asObj(old?.spec) ?? {};
  const errs: FieldError[] = [];
  const type = str(spec.type) || 'ClusterIP';
  if (type !== 'ExternalName' && !isHeadless(spec)) {
    for (const [i, fam] of asArr(spec.ipFamilies).entries()) {
      if (fam === 'IPv6') errs.push(invalid(`spec.ipFamilies[${i}]`, fam, 'not configured on this cluster'));
    }
    if (spec.ipFamilyPolicy === 'RequireDualStack') errs.push(invalid('spec.ipFamilyPolicy', 'RequireDualStack', 'this cluster is not configured for dual-stack services'));
    if (errs.length > 0) return errs;
    const hadIPs = asArr(oldSpec.clusterIPs).length > 0;
    const ips = asArr(spec.clusterIPs).map(String);
    if (ips.length === 0) {
      const ip = nextServiceIP(cidr, used.ips);
      if (!ip) throw new Error('failed to allocate a serviceIP: range is full');
      spec.clusterIP = ip;
      spec.clusterIPs = [ip];
    } else if (!hadIPs) {
      const ip = ips[0]!;
      if (ipToInt(ip) !== undefined) {
        const why = !cidrContains(parseCidr(cidr), ip)
          ? `the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${cidr}`
          : used.ips.has(ip)
            ? 'provided IP is already allocated'
            : undefined;
        if (why) return [invalidGo('spec.clusterIPs', goStringSlice(ips), `failed to allocate IP ${ip}: ${why}`)];
      }
    }
    if (asArr(spec.ipFamilies).length === 0) spec.ipFamilies = ['IPv4'];
    if (spec.ipFamilyPolicy === undefined || spec.ipFamilyPolicy === null) spec.ipFamilyPolicy = 'SingleStack';
  }
  const taken = new Set(used.ports);
  if (needsNodePorts(spec)) {
    const oldPorts = new Set(objs(oldSpec.ports).map((p) => p.nodePort));
    objs(spec.ports).forEach((p, i) => {
      if (typeof p.nodePort === 'number' && p.nodePort > 0) {
        if (oldPorts.has(p.nodePort)) return;
        const why =
          p.nodePort < NODE_PORT_RANGE.min || p.nodePort > NODE_PORT_RANGE.max
            ? `provided port is not in the valid range. The range of valid ports is ${NODE_PORT_RANGE.min}-${NODE_PORT_RANGE.max}`
            : taken.has(p.nodePort)
              ? 'provided port is already allocated'
              : undefined;
        if (why) errs.push(invalid(`spec.ports[${i}].nodePort`, p.nodePort, why));
        taken.add(p.nodePort);
        return;
      }
      const port = nextNodePort(taken);
      if (port === undefined) throw new Error('failed to allocate a nodePort: range is full');
      p.nodePort = port;
      taken.add(port);
    });
  }
  if (type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local' && !(typeof spec.healthCheckNodePort === 'number' && spec.healthCheckNodePort > 0)) {
    const port = nextNodePort(taken);
    if (port === undefined) throw new Error('failed to allocate a nodePort: range is full');
    spec.healthCheckNodePort = port;
  }
  return errs;
}

export function serviceAllocation(store: ResourceStore, services: ResourceInfo, cidr = SERVICE_CIDR): AdmissionPlugin {
  const lock = new KeyedMutex();
  return {
    name: 'ServiceAllocation',
    async admit(req) {
      if (req.subresource || req.info.group !== '' || req.info.resource !== 'services') return;
      const release = await lock.acquire('services');
      try {
        const all = (await store.list(services, undefined)).items;
        const except = req.operation === 'UPDATE' ? { namespace: req.namespace ?? '', name: req.name } : undefined;
        const errs = allocate(req.object as Obj, req.oldObject, inUse(all, except), cidr);
        if (errs.length > 0) throw new AllocationError(errs);
        return release;
      } catch (e) {
        release();
        if (e instanceof AllocationError) throw invalidError('Service', '', req.name || str(req.object.metadata?.name), e.errors);
        throw e;
      }
    },
  };
}
