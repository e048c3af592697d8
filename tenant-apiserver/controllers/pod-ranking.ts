// Which pods a ReplicaSet / ReplicationController deletes first when scaling
// down: controller.ActivePodsWithRanks. Unscheduled before scheduled, Pending
// before Unknown before Running, not ready before ready, lower
// pod-deletion-cost first, pods doubled up on a node first, ready for less
// time first (logarithmic buckets), more restarts first, newer first.

import type { KubeObject } from '../api/types.js';
import { asObj, num, objs, str } from '../api/strategies/util.js';
import { isPodActive, isPodReady, podPhase, podReadyCondition } from './common.js';

const PHASE_ORDINAL: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };
export const POD_DELETION_COST = 'controller.kubernetes.io/pod-deletion-cost';

function nodeName(p: KubeObject): string {
  return str(asObj(p.spec)?.nodeName);
}

function deletionCost(p: KubeObject): number {
  const v = p.metadata?.annotations?.[POD_DELETION_COST];
  if (v === undefined) return 0;
  const n = Number(v);
  return Number.isInteger(n) ? n : 0;
}

function readyTime(p: KubeObject): number | undefined {
  const t = podReadyCondition(p)?.lastTransitionTime;
  return t ? Date.parse(t) : undefined;
}

function maxRestarts(p: KubeObject): number {
  let m = 0;
  for (const c of objs(asObj(p.status)?.containerStatuses)) m = Math.max(m, num(c.restartCount) ?? 0);
  return m;
}

/** afterOrZero: a zero time sorts first, then the later time. */
function afterOrZero(a: number | undefined, b: number | undefined): boolean {
  if (!a || !b) return !a;
  return a > b;
}

/** logarithmicRankDiff: compare ages in power-of-two buckets, so near-equal ages tie. */
function logRankDiff(a: number, b: number, now: number): number {
  const rank = (t: number) => {
    const d = (now - t) * 1e6; // Go compares nanosecond durations
    return d > 0 ? Math.floor(Math.log2(d)) : -1;
  };
  return rank(a) - rank(b);
}

/** Pods sorted so the first `n` are the ones to delete. `related` are pods of sibling ReplicaSets (for the doubled-up rank). */
export function rankPodsForDeletion(pods: KubeObject[], related: KubeObject[], now: number): KubeObject[] {
  const onNode = new Map<string, number>();
  const seen = new Set<string>();
  for (const p of [...pods, ...related]) {
    const uid = p.metadata?.uid ?? '';
    if (seen.has(uid) || !isPodActive(p)) continue;
    seen.add(uid);
    const n = nodeName(p);
    if (n) onNode.set(n, (onNode.get(n) ?? 0) + 1);
  }
  const rank = (p: KubeObject) => onNode.get(nodeName(p)) ?? 0;
  const less = (a: KubeObject, b: KubeObject): boolean | undefined => {
    const na = nodeName(a);
    const nb = nodeName(b);
    if (na !== nb && (!na || !nb)) return !na;
    const pa = PHASE_ORDINAL[podPhase(a)] ?? 0;
    const pb = PHASE_ORDINAL[podPhase(b)] ?? 0;
    if (pa !== pb) return pa < pb;
    if (isPodReady(a) !== isPodReady(b)) return !isPodReady(a);
    const ca = deletionCost(a);
    const cb = deletionCost(b);
    if (ca !== cb) return ca < cb;
    if (rank(a) !== rank(b)) return rank(a) > rank(b);
    if (isPodReady(a) && isPodReady(b)) {
      const ta = readyTime(a);
      const tb = readyTime(b);
      if (ta !== tb) {
        if (!ta || !tb) return afterOrZero(ta, tb);
        const d = logRankDiff(ta, tb, now);
        if (d === 0) return (a.metadata?.uid ?? '') < (b.metadata?.uid ?? '');
        return d < 0;
      }
    }
    const ra = maxRestarts(a);
    const rb = maxRestarts(b);
    if (ra !== rb) return ra > rb;
    const ka = a.metadata?.creationTimestamp ? Date.parse(a.metadata.creationTimestamp) : 0;
    const kb = b.metadata?.creationTimestamp ? Date.parse(b.metadata.creationTimestamp) : 0;
    if (ka !== kb) {
      if (!ka || !kb) return afterOrZero(ka, kb);
      const d = logRankDiff(ka, kb, now);
      if (d === 0) return (a.metadata?.uid ?? '') < (b.metadata?.uid ?? '');
      return d < 0;
    }
    return undefined;
  };
  // A stable sort: ties keep their list order, as Go's sort over a cache list gives no better guarantee.
  return [...pods].sort((a, b) => {
    const ab = less(a, b);
    if (ab === true) return -1;
    const ba = less(b, a);
    if (ba === true) return 1;
    return 0;
  });
}
