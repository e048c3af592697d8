// Small cluster-level kinds: scheduling.k8s.io PriorityClass,
// node.k8s.io RuntimeClass, coordination.k8s.io Lease / LeaseCandidate,
// discovery.k8s.io EndpointSlice.

import { ageColumn, ageOf, col, int, listWithMore, nameColumn, nameOf, obj, objs, str } from './format.js';
import type { Printer } from './types.js';

export const priorityClassPrinter: Printer = {
  columns: [
    nameColumn(),
    col('Value', 'integer', 'The priority value; higher values mean higher priority.'),
    col('Global-Default', 'boolean', 'Whether this priority class is the default for pods without one.'),
    ageColumn(),
    col('PreemptionPolicy', 'string', 'Policy for preempting pods with lower priority.'),
  ],
  cells(o, now) {
    return [
      nameOf(o),
      int(o.value),
      o.globalDefault === true,
      ageOf(o, now),
      typeof o.preemptionPolicy === 'string' ? o.preemptionPolicy : '',
    ];
  },
};

export const runtimeClassPrinter: Printer = {
  columns: [nameColumn(), col('Handler', 'string', 'The underlying runtime and configuration used for this class.'), ageColumn()],
  cells(o, now) {
    return [nameOf(o), str(o.handler), ageOf(o, now)];
  },
};

export const leasePrinter: Printer = {
  columns: [nameColumn(), col('Holder', 'string', 'The identity of the holder of the lease.'), ageColumn()],
  cells(o, now) {
    return [nameOf(o), str(obj(o.spec).holderIdentity), ageOf(o, now)];
  },
};

export const leaseCandidatePrinter: Printer = {
  columns: [
    nameColumn(),
    col('LeaseName', 'string', 'The name of the lease for which this candidate is contending.'),
    col('BinaryVersion', 'string', 'Binary version of the candidate.'),
    col('EmulationVersion', 'string', 'Emulation version of the candidate.'),
    ageColumn(),
  ],
  cells(o, now) {
    const spec = obj(o.spec);
    return [nameOf(o), str(spec.leaseName), str(spec.binaryVersion), str(spec.emulationVersion), ageOf(o, now)];
  },
};

/** Up to three port numbers (name, or "*" for a port without either), then "+ N more...". */
export function formatDiscoveryPorts(ports: unknown): string {
  const max = 3;
  const list: string[] = [];
  let more = false;
  let count = 0;
  for (const p of objs(ports)) {
    if (list.length < max) {
      if (typeof p.port === 'number') list.push(String(int(p.port)));
      else if (typeof p.name === 'string') list.push(p.name);
      else list.push('*');
    } else if (list.length === max) {
      more = true;
    }
    count++;
  }
  return listWithMore(list, more, count, max);
}

/** Up to three endpoint addresses across all endpoints, then "+ N more...". */
export function formatDiscoveryEndpoints(endpoints: unknown): string {
  const max = 3;
  const list: string[] = [];
  let more = false;
  let count = 0;
  for (const e of objs(endpoints)) {
    for (const a of Array.isArray(e.addresses) ? e.addresses : []) {
      if (list.length < max) list.push(str(a));
      else if (list.length === max) more = true;
      count++;
    }
  }
  return listWithMore(list, more, count, max);
}

export const endpointSlicePrinter: Printer = {
  columns: [
    nameColumn(),
    col('AddressType', 'string', 'The type of address carried by this EndpointSlice.'),
    col('Ports', 'string', 'The network ports exposed by each endpoint of this slice.'),
    col('Endpoints', 'string', 'The unique endpoints in this slice.'),
    ageColumn(),
  ],
  cells(o, now) {
    return [nameOf(o), str(o.addressType), formatDiscoveryPorts(o.ports), formatDiscoveryEndpoints(o.endpoints), ageOf(o, now)];
  },
};
