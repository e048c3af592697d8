// A pod's effective resource requests and limits, as kube's resource helper
// computes them for the scheduler and for quota: the sum over app containers
// (and restartable init "sidecar" containers), at least the largest init
// container's, pod-level resources where set, plus the RuntimeClass overhead.

import { addQuantities, compareQuantities, formatQuantity, parseQuantity, type Quantity } from '../tenant-apiserver/api/strategies/quantity.js';
import { asObj, objs, str, type Obj } from '../tenant-apiserver/api/strategies/util.js';
import type { KubeObject } from '../tenant-apiserver/api/types.js';

export type ResourceList = Map<string, Quantity>;

/** A ResourceList from JSON; unparsable values are skipped (validation refused them already). */
export function parseResourceList(v: unknown): ResourceList {
  const out: ResourceList = new Map();
  for (const [k, raw] of Object.entries(asObj(v) ?? {})) {
    if (typeof raw !== 'string' && typeof raw !== 'number') continue;
    try {
      out.set(k, parseQuantity(raw));
    } catch {
      // Skipped: the store refuses malformed quantities on write.
    }
  }
  return out;
}

export function addInto(into: ResourceList, add: ResourceList): ResourceList {
  for (const [k, q] of add) {
    const prev = into.get(k);
    into.set(k, prev ? addQuantities(prev, q) : q);
  }
  return into;
}

function maxInto(into: ResourceList, other: ResourceList): void {
  for (const [k, q] of other) {
    const prev = into.get(k);
    if (!prev || compareQuantities(q, prev) > 0) into.set(k, q);
  }
}

/** JSON form with kube's canonical quantity spelling, keys sorted. */
export function formatResourceList(list: ResourceList): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of [...list.keys()].sort()) out[k] = formatQuantity(list.get(k)!);
  return out;
}

function containerList(c: Obj, kind: 'requests' | 'limits'): ResourceList {
  return parseResourceList(asObj(c.resources)?.[kind]);
}

/** Requests or limits of the whole pod (resourcehelper.PodRequests / PodLimits). */
function podResources(pod: KubeObject, kind: 'requests' | 'limits'): ResourceList {
  const spec = asObj(pod.spec) ?? {};
  const sum: ResourceList = new Map();
  for (const c of objs(spec.containers)) addInto(sum, containerList(c, kind));
  // Init containers run one at a time, next to the sidecars started before them.
  const sidecars: ResourceList = new Map();
  const initPeak: ResourceList = new Map();
  for (const c of objs(spec.initContainers)) {
    const own = containerList(c, kind);
    if (str(c.restartPolicy) === 'Always') {
      addInto(sum, own);
      addInto(sidecars, own);
      maxInto(initPeak, new Map(sidecars));
    } else {
      maxInto(initPeak, addInto(new Map(own), sidecars));
    }
  }
  maxInto(sum, initPeak);
  // Pod-level resources (cpu and memory) replace the container sums where set.
  const podLevel = parseResourceList(asObj(spec.resources)?.[kind]);
  for (const r of ['cpu', 'memory']) {
    const q = podLevel.get(r);
    if (q) sum.set(r, q);
  }
  const overhead = parseResourceList(spec.overhead);
  if (kind === 'requests') addInto(sum, overhead);
  else for (const [k, q] of overhead) if (sum.has(k)) sum.set(k, addQuantities(sum.get(k)!, q));
  return sum;
}

export function podRequests(pod: KubeObject): ResourceList {
  return podResources(pod, 'requests');
}

export function podLimits(pod: KubeObject): ResourceList {
  return podResources(pod, 'limits');
}

/** Value in thousandths as a number (cpu millicores); exact enough for the sizes a node has. */
export function milli(q: Quantity | undefined): number {
  if (!q) return 0;
  const e = q.exp10 + 3;
  if (e >= 0) return Number(q.mantissa * 10n ** BigInt(e));
  const div = 10n ** BigInt(-e);
  const abs = q.mantissa < 0n ? -q.mantissa : q.mantissa;
  let r = abs / div;
  if (r * div !== abs) r += 1n;
  return Number(q.mantissa < 0n ? -r : r);
}
