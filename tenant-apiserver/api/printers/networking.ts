// networking.k8s.io/v1: ingresses, ingress classes, network policies,
// service CIDRs and IP addresses.

import { ageColumn, ageOf, col, formatLabelSelector, nameColumn, nameOf, obj, objs, optObj, str } from './format.js';
import { loadBalancerStatusString } from './services.js';
import type { Printer } from './types.js';

/**
 * Up to three rule hosts, "*" when none is set. Kube's quirk is kept: the
 * "+ N more" count is the number of rules past the third, hosts or not.
 */
export function formatIngressHosts(rules: unknown): string {
  const rs = objs(rules);
  const max = 3;
  const list: string[] = [];
  let more = false;
  for (const r of rs) {
    if (list.length === max) more = true;
    if (!more && str(r.host) !== '') list.push(str(r.host));
  }
  if (list.length === 0) return '*';
  const ret = list.join(',');
  return more ? `${ret} + ${rs.length - max} more...` : ret;
}

export const ingressPrinter: Printer = {
  columns: [
    nameColumn(),
    col('Class', 'string', 'The name of the IngressClass resource that should be used for additional configuration'),
    col('Hosts', 'string', 'Hosts that incoming requests are matched against before the ingress rule'),
    col('Address', 'string', 'Address is a list containing ingress points for the load-balancer'),
    col('Ports', 'string', 'Ports of TLS configurations that open'),
    ageColumn(),
  ],
  cells(o, now) {
    const spec = obj(o.spec);
    return [
      nameOf(o),
      typeof spec.ingressClassName === 'string' ? spec.ingressClassName : '<none>',
      formatIngressHosts(spec.rules),
      loadBalancerStatusString(obj(o.status).loadBalancer),
      objs(spec.tls).length > 0 ? '80, 443' : '80',
      ageOf(o, now),
    ];
  },
};

export const ingressClassPrinter: Printer = {
  columns: [
    nameColumn(),
    col('Controller', 'string', 'Controller that is responsible for handling this class'),
    col('Parameters', 'string', 'A reference to a resource with additional parameters'),
    ageColumn(),
  ],
  cells(o, now) {
    const spec = obj(o.spec);
    const p = optObj(spec.parameters);
    let parameters = '<none>';
    if (p) {
      parameters = str(p.kind);
      if (typeof p.apiGroup === 'string') parameters += `.${p.apiGroup}`;
      parameters += `/${str(p.name)}`;
    }
    return [nameOf(o), str(spec.controller), parameters, ageOf(o, now)];
  },
};

export const networkPolicyPrinter: Printer = {
  columns: [nameColumn(), col('Pod-Selector', 'string', 'Selects the pods to which this NetworkPolicy object applies.'), ageColumn()],
  cells(o, now) {
    // podSelector is a required struct (not a pointer): absent means empty, which prints <none>.
    return [nameOf(o), formatLabelSelector(obj(obj(o.spec).podSelector)), ageOf(o, now)];
  },
};

export const serviceCIDRPrinter: Printer = {
  columns: [nameColumn(), col('CIDRs', 'string', 'CIDRs defines the IP blocks in CIDR notation.'), ageColumn()],
  cells(o, now) {
    const cidrs = Array.isArray(obj(o.spec).cidrs) ? (obj(o.spec).cidrs as unknown[]).map(str) : [];
    return [nameOf(o), cidrs.join(','), ageOf(o, now)];
  },
};

export const ipAddressPrinter: Printer = {
  // kube declares only these two columns for IP addresses.
  columns: [nameColumn(), col('ParentRef', 'string', 'ParentRef references the resource that an IPAddress is attached to.')],
  cells(o) {
    const ref = optObj(obj(o.spec).parentRef);
    let parent = '<none>';
    if (ref) {
      const gr = str(ref.group) ? `${str(ref.resource)}.${str(ref.group)}` : str(ref.resource);
      parent = gr.toLowerCase();
      if (str(ref.namespace)) parent += `/${str(ref.namespace)}`;
      parent += `/${str(ref.name)}`;
    }
    return [nameOf(o), parent];
  },
};
