// The scheduler's decisions as pure functions: the default profile's filter
// plugins in kube's order (NodeUnschedulable, TaintToleration, NodeAffinity,
// NodePorts, NodeResourcesFit; a node reports the first plugin that rejects
// it), a least-allocated score, and kube's FailedScheduling message.

import { asArr, asObj, objs, str, type Obj } from '../tenant-apiserver/api/strategies/util.js';
import type { KubeObject } from '../tenant-apiserver/api/types.js';
import { addInto, milli, parseResourceList, podRequests, type ResourceList } from './resources.js';

export interface NodeRejection {
  node: string;
  reasons: string[];
  /** Preemption could not help (kube's UnschedulableAndUnresolvable). */
  unresolvable: boolean;
}

export type FitResult = { node: string } | { rejections: NodeRejection[] };

export const REASON_UNSCHEDULABLE = 'node(s) were unschedulable';
export const REASON_AFFINITY = "node(s) didn't match Pod's node affinity/selector";
export const REASON_PORTS = "node(s) didn't have free ports for the requested pod ports";
export const REASON_TOO_MANY_PODS = 'Too many pods';

// ---- tolerations ----------------------------------------------------------------------------------------------------

export interface Taint {
  key: string;
  value?: string;
  effect: string;
}

/** ToleratesTaint: empty effect tolerates every effect; Exists with no key tolerates every taint. */
export function tolerates(toleration: Obj, taint: Taint): boolean {
  const effect = str(toleration.effect);
  if (effect && effect !== taint.effect) return false;
  const key = str(toleration.key);
  const op = str(toleration.operator) || 'Equal';
  if (key && key !== taint.key) return false;
  if (!key && op !== 'Exists') return false;
  if (op === 'Exists') return true;
  return str(toleration.value) === (taint.value ?? '');
}

function podTolerates(pod: KubeObject, taint: Taint): boolean {
  return objs(asObj(pod.spec)?.tolerations).some((t) => tolerates(t, taint));
}

// ---- node affinity --------------------------------------------------------------------------------------------------

function requirementMatches(req: Obj, value: string | undefined): boolean {
  const values = asArr(req.values).map(String);
  switch (str(req.operator)) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || values.length !== 1 || !/^-?\d+$/.test(value) || !/^-?\d+$/.test(values[0]!)) return false;
      const a = BigInt(value);
      const b = BigInt(values[0]!);
      return str(req.operator) === 'Gt' ? a > b : a < b;
    }
    default:
      return false;
  }
}

/** One NodeSelectorTerm: every expression and field requirement holds; an empty term matches nothing. */
export function termMatches(term: Obj, node: KubeObject): boolean {
  const exprs = objs(term.matchExpressions);
  const fields = objs(term.matchFields);
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata?.labels ?? {};
  for (const e of exprs) if (!requirementMatches(e, labels[str(e.key)])) return false;
  for (const f of fields) {
    const value = str(f.key) === 'metadata.name' ? node.metadata?.name : undefined;
    if (!requirementMatches(f, value)) return false;
  }
  return true;
}

/** nodeSelector and requiredDuringSchedulingIgnoredDuringExecution (terms ORed). */
export function nodeMatchesPod(pod: KubeObject, node: KubeObject): boolean {
  const spec = asObj(pod.spec) ?? {};
  const labels = node.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(asObj(spec.nodeSelector) ?? {})) if (labels[k] !== v) return false;
  const required = asObj(asObj(asObj(spec.affinity)?.nodeAffinity)?.requiredDuringSchedulingIgnoredDuringExecution);
  if (required) return objs(required.nodeSelectorTerms).some((t) => termMatches(t, node));
  return true;
}

// ---- host ports -----------------------------------------------------------------------------------------------------

function hostPorts(pod: KubeObject): string[] {
  const out: string[] = [];
  const spec = asObj(pod.spec) ?? {};
  for (const c of [...objs(spec.containers), ...objs(spec.initContainers)]) {
    for (const p of objs(c.ports)) {
      if (typeof p.hostPort !== 'number' || p.hostPort <= 0) continue;
      out.push(`${str(p.hostIP) || '0.0.0.0'}/${str(p.protocol) || 'TCP'}/${p.hostPort}`);
    }
  }
  return out;
}

function portsConflict(wanted: string[], used: Set<string>): boolean {
  for (const w of wanted) {
    const [ip, proto, port] = w.split('/');
    for (const u of used) {
      const [uip, uproto, uport] = u.split('/');
      if (proto !== uproto || port !== uport) continue;
      if (ip === '0.0.0.0' || uip === '0.0.0.0' || ip === uip) return true;
    }
  }
  return false;
}

// ---- resources ------------------------------------------------------------------------------------------------------

/** A node's running load: non-terminal pods bound to it. */
export interface NodeLoad {
  pods: number;
  requested: ResourceList;
  hostPorts: Set<string>;
  /** cpu (millicores) and memory (milli-bytes) with kube's non-zero defaults, for scoring only. */
  nonZeroCpu: number;
  nonZeroMemory: number;
}

export function isTerminal(pod: KubeObject): boolean {
  const phase = str(asObj(pod.status)?.phase);
  return phase === 'Succeeded' || phase === 'Failed';
}

// Requests of zero count as these for spreading (kube's non-zero defaults), never for fitting.
const DEFAULT_MILLI_CPU = 100;
const DEFAULT_MEMORY_MILLI = 200 * 1024 * 1024 * 1000;

function nonZero(req: ResourceList): { cpu: number; memory: number } {
  return { cpu: milli(req.get('cpu')) || DEFAULT_MILLI_CPU, memory: milli(req.get('memory')) || DEFAULT_MEMORY_MILLI };
}

/** What one bound pod adds to its node's load, computed once per pod version rather than per placement. */
export interface PodLoad {
  requests: ResourceList;
  nonZeroCpu: number;
  nonZeroMemory: number;
  hostPorts: string[];
  /** Equal for two versions of a pod that load a node the same (status-only changes). */
  signature: string;
}

export function podLoad(pod: KubeObject): PodLoad {
  const requests = podRequests(pod);
  const nz = nonZero(requests);
  const ports = hostPorts(pod);
  let signature = `${nz.cpu}/${nz.memory}/${ports.join(',')}`;
  for (const [k, q] of requests) signature += `/${k}=${milli(q)}`;
  return { requests, nonZeroCpu: nz.cpu, nonZeroMemory: nz.memory, hostPorts: ports, signature };
}

export function emptyLoad(): NodeLoad {
  return { pods: 0, requested: new Map(), hostPorts: new Set(), nonZeroCpu: 0, nonZeroMemory: 0 };
}

export function addPodLoad(load: NodeLoad, p: PodLoad): void {
  load.pods++;
  addInto(load.requested, p.requests);
  load.nonZeroCpu += p.nonZeroCpu;
  load.nonZeroMemory += p.nonZeroMemory;
  for (const hp of p.hostPorts) load.hostPorts.add(hp);
}

export function nodeLoads(pods: KubeObject[]): Map<string, NodeLoad> {
  const out = new Map<string, NodeLoad>();
  for (const p of pods) {
    const node = str(asObj(p.spec)?.nodeName);
    if (!node || isTerminal(p)) continue;
    let load = out.get(node);
    if (!load) out.set(node, (load = emptyLoad()));
    addPodLoad(load, podLoad(p));
  }
  return out;
}

/** A node's allocatable, parsed once per node object (the scheduler reuses its node list across placements). */
const allocatableOf = new WeakMap<KubeObject, ResourceList>();
function allocatable(node: KubeObject): ResourceList {
  let a = allocatableOf.get(node);
  if (!a) allocatableOf.set(node, (a = parseResourceList(asObj(node.status)?.allocatable)));
  return a;
}

function insufficient(req: ResourceList, node: KubeObject, load: NodeLoad | undefined): string[] {
  const alloc = allocatable(node);
  const reasons: string[] = [];
  const allowedPods = milli(alloc.get('pods')) / 1000;
  if ((load?.pods ?? 0) + 1 > allowedPods) reasons.push(REASON_TOO_MANY_PODS);
  const order = ['cpu', 'memory', 'ephemeral-storage', ...[...req.keys()].filter((k) => !['cpu', 'memory', 'ephemeral-storage'].includes(k)).sort()];
  for (const r of order) {
    const want = milli(req.get(r));
    if (want <= 0) continue;
    const free = milli(alloc.get(r)) - milli(load?.requested.get(r));
    if (want > free) reasons.push(`Insufficient ${r}`);
  }
  return reasons;
}

function nodeTaints(node: KubeObject): Taint[] {
  return objs(asObj(node.spec)?.taints).map((t) => ({ key: str(t.key), value: str(t.value), effect: str(t.effect) }));
}

/** The first filter plugin rejecting the pod on this node, or undefined when it fits. */
export function filterNode(pod: KubeObject, node: KubeObject, load: NodeLoad | undefined, own: PodLoad = podLoad(pod)): NodeRejection | undefined {
  const name = str(node.metadata?.name);
  if (asObj(node.spec)?.unschedulable === true && !podTolerates(pod, { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' })) {
    return { node: name, reasons: [REASON_UNSCHEDULABLE], unresolvable: true };
  }
  for (const t of nodeTaints(node)) {
    if (t.effect !== 'NoSchedule' && t.effect !== 'NoExecute') continue;
    if (!podTolerates(pod, t)) return { node: name, reasons: [`node(s) had untolerated taint {${t.key}: ${t.value ?? ''}}`], unresolvable: true };
  }
  if (!nodeMatchesPod(pod, node)) return { node: name, reasons: [REASON_AFFINITY], unresolvable: true };
  if (load && portsConflict(own.hostPorts, load.hostPorts)) return { node: name, reasons: [REASON_PORTS], unresolvable: false };
  const res = insufficient(own.requests, node, load);
  if (res.length > 0) return { node: name, reasons: res, unresolvable: false };
  return undefined;
}

/** LeastAllocated over cpu and memory, 0–100: emptier nodes score higher. */
export function score(own: PodLoad, node: KubeObject, load: NodeLoad | undefined): number {
  const alloc = allocatable(node);
  const part = (used: number, cap: number) => (cap <= 0 ? 0 : Math.max(0, ((cap - used) * 100) / cap));
  return (part(own.nonZeroCpu + (load?.nonZeroCpu ?? 0), milli(alloc.get('cpu'))) + part(own.nonZeroMemory + (load?.nonZeroMemory ?? 0), milli(alloc.get('memory')))) / 2;
}

/** Pick a node for the pod: the best-scoring feasible one (ties: fewer pods, then name), or every node's rejection. */
export function schedule(pod: KubeObject, nodes: KubeObject[], loads: Map<string, NodeLoad>): FitResult {
  const rejections: NodeRejection[] = [];
  let best: { node: string; score: number; pods: number } | undefined;
  const own = podLoad(pod);
  for (const node of nodes) {
    const name = str(node.metadata?.name);
    const load = loads.get(name);
    const r = filterNode(pod, node, load, own);
    if (r) {
      rejections.push(r);
      continue;
    }
    const s = score(own, node, load);
    const pods = load?.pods ?? 0;
    if (!best || s > best.score || (s === best.score && (pods < best.pods || (pods === best.pods && name < best.node)))) best = { node: name, score: s, pods };
  }
  return best ? { node: best.node } : { rejections };
}

function histogram(reasons: string[]): string {
  const counts = new Map<string, number>();
  for (const r of reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  // kube sorts the "<count> <reason>" strings themselves.
  return [...counts].map(([r, n]) => `${n} ${r}`).sort().join(', ');
}

/** kube-scheduler's FailedScheduling message, including the default preemption plugin's verdict. */
export function failedSchedulingMessage(pod: KubeObject, nodeCount: number, rejections: NodeRejection[]): string {
  if (nodeCount === 0) return 'no nodes available to schedule pods';
  let msg = `0/${nodeCount} nodes are available: ${histogram(rejections.flatMap((r) => r.reasons))}.`;
  if (str(asObj(pod.spec)?.preemptionPolicy) === 'Never') return `${msg} preemption: not eligible due to preemptionPolicy=Never.`;
  const verdicts = rejections.map((r) => (r.unresolvable ? 'Preemption is not helpful for scheduling' : 'No preemption victims found for incoming pod'));
  msg += ` preemption: 0/${nodeCount} nodes are available: ${histogram(verdicts)}.`;
  return msg;
}
