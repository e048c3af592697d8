// Services and Endpoints.

import {
  ageColumn,
  ageOf,
  byteCompare,
  col,
  formatLabels,
  int,
  joinHostPort,
  nameColumn,
  nameOf,
  obj,
  objs,
  str,
  type Json,
} from './format.js';
import type { KubeObject, Printer } from './types.js';

/** Width kubectl clips LoadBalancer addresses to in narrow output; the server always prints wide. */
const LOAD_BALANCER_WIDTH = 16;

/** Sorted, de-duplicated IPs (or hostnames when an ingress point has no IP) of a load balancer status. */
export function loadBalancerStatusString(lbStatus: unknown, wide = true): string {
  const set = new Set<string>();
  for (const ing of objs(obj(lbStatus).ingress)) {
    if (str(ing.ip) !== '') set.add(str(ing.ip));
    else if (str(ing.hostname) !== '') set.add(str(ing.hostname));
  }
  let r = [...set].sort(byteCompare).join(',');
  if (!wide && r.length > LOAD_BALANCER_WIDTH) r = `${r.slice(0, LOAD_BALANCER_WIDTH - 3)}...`;
  return r;
}

export function serviceExternalIP(svc: KubeObject): string {
  const spec = obj(svc.spec);
  const externalIPs = (Array.isArray(spec.externalIPs) ? spec.externalIPs : []).map(str);
  switch (str(spec.type)) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lbIps = loadBalancerStatusString(obj(svc.status).loadBalancer);
      if (externalIPs.length > 0) {
        const results = lbIps.length > 0 ? lbIps.split(',') : [];
        return [...results, ...externalIPs].join(',');
      }
      return lbIps.length > 0 ? lbIps : '<pending>';
    }
    case 'ExternalName':
      return str(spec.externalName);
    default:
      return '<unknown>';
  }
}

/** "80/TCP,443:30443/TCP"; protocol defaults to TCP as API defaulting would have set it. */
export function servicePorts(ports: unknown): string {
  return objs(ports)
    .map((p) => {
      const protocol = str(p.protocol) || 'TCP';
      const nodePort = int(p.nodePort);
      return nodePort > 0 ? `${int(p.port)}:${nodePort}/${protocol}` : `${int(p.port)}/${protocol}`;
    })
    .join(',');
}

export const servicePrinter: Printer = {
  columns: [
    nameColumn(),
    col('Type', 'string', 'Type determines how the Service is exposed.'),
    col('Cluster-IP', 'string', 'The IP address of the service, usually assigned randomly.'),
    col('External-IP', 'string', 'Addresses on which the service is reachable from outside the cluster.'),
    col('Port(s)', 'string', 'The list of ports that are exposed by this service.'),
    ageColumn(),
    col('Selector', 'string', 'Route service traffic to pods with label keys and values matching this selector.', 1),
  ],
  cells(svc, now) {
    const spec = obj(svc.spec);
    const clusterIPs = Array.isArray(spec.clusterIPs) ? spec.clusterIPs.map(str) : [];
    const clusterIP = clusterIPs[0] ?? (str(spec.clusterIP) || '<none>');
    const ports = servicePorts(spec.ports) || '<none>';
    return [
      nameOf(svc),
      str(spec.type),
      clusterIP || '<none>',
      serviceExternalIP(svc),
      ports,
      ageOf(svc, now),
      formatLabels(spec.selector),
    ];
  },
};

/**
 * The ENDPOINTS column: up to three `ip:port` pairs (bare IPs for subsets
 * without ports), then "+ N more..." counting every further address/port pair.
 */
export function formatEndpoints(endpoints: KubeObject): string {
  const subsets = objs(endpoints.subsets);
  if (subsets.length === 0) return '<none>';
  const max = 3;
  const list: string[] = [];
  let more = false;
  let count = 0;
  for (const ss of subsets) {
    const addresses: Json[] = objs(ss.addresses);
    const ports = objs(ss.ports);
    if (ports.length === 0) {
      // Headless services may have no ports.
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(str(a.ip));
      }
      continue;
    }
    for (const port of ports) {
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(joinHostPort(str(a.ip), int(port.port)));
      }
    }
  }
  const ret = list.join(',');
  return more ? `${ret} + ${count - max} more...` : ret;
}

export const endpointsPrinter: Printer = {
  columns: [nameColumn(), col('Endpoints', 'string', 'The set of addresses and ports that comprise the service.'), ageColumn()],
  cells(o, now) {
    return [nameOf(o), formatEndpoints(o), ageOf(o, now)];
  },
};
