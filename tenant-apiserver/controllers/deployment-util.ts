// The Deployment controller's arithmetic, as pure functions over plain
// objects (pkg/controller/deployment/util and the rolling/sync steps):
// maxSurge/maxUnavailable fenceposts, how far the new ReplicaSet may scale
// up, how far old ones may scale down, proportional scaling during a
// rollout, revisions and annotations, status and conditions.

import { asObj, deepEqual, num, str } from '../api/strategies/util.js';
import { rfc3339, type KubeObject } from '../api/types.js';
import { semanticNormalize } from './hash.js';
import { byCreation, getCondition, scaledValue, spec, specReplicas, status, statusNum, type Condition } from './common.js';

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';
export const ROLLBACK_TO_ANNOTATION = 'deprecated.deployment.rollback.to';
export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';
/** The revision-history annotation is capped (kube's --deployment-controller max revision history length). */
export const MAX_REV_HISTORY_CHARS = 2000;
const MAX_INT32 = 2147483647;

const SKIP_COPY = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  ROLLBACK_TO_ANNOTATION,
]);

// Reasons and condition types (pkg/controller/deployment/util).
export const REASON = {
  NewReplicaSet: 'NewReplicaSetCreated',
  FoundNewRS: 'FoundNewReplicaSet',
  NewRSAvailable: 'NewReplicaSetAvailable',
  ReplicaSetUpdated: 'ReplicaSetUpdated',
  TimedOut: 'ProgressDeadlineExceeded',
  Paused: 'DeploymentPaused',
  Resumed: 'DeploymentResumed',
  FailedRSCreate: 'ReplicaSetCreateError',
  MinimumReplicasAvailable: 'MinimumReplicasAvailable',
  MinimumReplicasUnavailable: 'MinimumReplicasUnavailable',
} as const;

type RS = KubeObject;

// ---- strategy ---------------------------------------------------------------------------------------------------------

export function isRollingUpdate(d: KubeObject): boolean {
  return str(asObj(spec(d).strategy)?.type) === 'RollingUpdate';
}

function rollingParams(d: KubeObject): { maxSurge: unknown; maxUnavailable: unknown } {
  const ru = asObj(asObj(spec(d).strategy)?.rollingUpdate) ?? {};
  return { maxSurge: ru.maxSurge, maxUnavailable: ru.maxUnavailable };
}

/**
 * ResolveFenceposts: maxSurge rounds up, maxUnavailable rounds down, and when
 * both come out zero one pod may be unavailable (otherwise nothing could move).
 */
export function resolveFenceposts(maxSurge: unknown, maxUnavailable: unknown, desired: number): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge ?? 0, desired, true);
  let unavailable = scaledValue(maxUnavailable ?? 0, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

export function maxUnavailable(d: KubeObject): number {
  const replicas = specReplicas(d);
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  const p = rollingParams(d);
  const { unavailable } = resolveFenceposts(p.maxSurge, p.maxUnavailable, replicas);
  return Math.min(unavailable, replicas);
}

export function maxSurge(d: KubeObject): number {
  if (!isRollingUpdate(d)) return 0;
  const p = rollingParams(d);
  return resolveFenceposts(p.maxSurge, p.maxUnavailable, specReplicas(d)).surge;
}

// ---- counting ---------------------------------------------------------------------------------------------------------

const defined = (rss: (RS | undefined)[]): RS[] => rss.filter((r): r is RS => !!r);

/** Sum of spec.replicas. */
export function replicaCount(rss: (RS | undefined)[]): number {
  return defined(rss).reduce((n, r) => n + specReplicas(r), 0);
}

/** Sum of status.replicas. */
export function actualReplicaCount(rss: (RS | undefined)[]): number {
  return defined(rss).reduce((n, r) => n + statusNum(r, 'replicas'), 0);
}

export function readyReplicaCount(rss: (RS | undefined)[]): number {
  return defined(rss).reduce((n, r) => n + statusNum(r, 'readyReplicas'), 0);
}

export function availableReplicaCount(rss: (RS | undefined)[]): number {
  return defined(rss).reduce((n, r) => n + statusNum(r, 'availableReplicas'), 0);
}

/** ReplicaSets with spec.replicas > 0. */
export function filterActive(rss: (RS | undefined)[]): RS[] {
  return defined(rss).filter((r) => specReplicas(r) > 0);
}

// ---- revisions and templates ------------------------------------------------------------------------------------------

export function revisionOf(o: KubeObject | undefined): number {
  const v = o?.metadata?.annotations?.[REVISION_ANNOTATION];
  if (v === undefined) return 0;
  const n = Number(v);
  return Number.isInteger(n) ? n : 0;
}

export function maxRevision(rss: RS[]): number {
  return rss.reduce((m, r) => Math.max(m, revisionOf(r)), 0);
}

function withoutHashLabel(t: unknown): unknown {
  const o = asObj(t);
  if (!o) return t;
  const meta = asObj(o.metadata) ?? {};
  const labels = { ...(asObj(meta.labels) ?? {}) };
  delete labels[POD_TEMPLATE_HASH_LABEL];
  const m2: Record<string, unknown> = { ...meta };
  if (Object.keys(labels).length) m2.labels = labels;
  else delete m2.labels;
  return { ...o, metadata: m2 };
}

/** EqualIgnoreHash: templates equal apart from the pod-template-hash label. */
export function equalIgnoreHash(a: unknown, b: unknown): boolean {
  return deepEqual(semanticNormalize(withoutHashLabel(a)), semanticNormalize(withoutHashLabel(b)));
}

/** FindNewReplicaSet: the oldest ReplicaSet whose template is the Deployment's. */
export function findNewReplicaSet(d: KubeObject, rss: RS[]): RS | undefined {
  return [...rss].sort(byCreation).find((r) => equalIgnoreHash(spec(r).template, spec(d).template));
}

/** FindOldReplicaSets: every other ReplicaSet. */
export function findOldReplicaSets(d: KubeObject, rss: RS[]): RS[] {
  const n = findNewReplicaSet(d, rss);
  return rss.filter((r) => !n || r.metadata?.uid !== n.metadata?.uid);
}

// ---- annotations ------------------------------------------------------------------------------------------------------

function annotations(o: KubeObject): Record<string, string> {
  const m = (o.metadata ??= {});
  return (m.annotations ??= {});
}

/** copyDeploymentAnnotationsToReplicaSet (mutates rs). */
export function copyDeploymentAnnotations(d: KubeObject, rs: RS): boolean {
  let changed = false;
  const ra = annotations(rs);
  for (const [k, v] of Object.entries(d.metadata?.annotations ?? {})) {
    if (SKIP_COPY.has(k) || ra[k] === v) continue;
    ra[k] = v;
    changed = true;
  }
  return changed;
}

/** SetReplicasAnnotations (mutates rs). */
export function setReplicasAnnotations(rs: RS, desired: number, max: number): boolean {
  const a = annotations(rs);
  let changed = false;
  if (a[DESIRED_REPLICAS_ANNOTATION] !== String(desired)) {
    a[DESIRED_REPLICAS_ANNOTATION] = String(desired);
    changed = true;
  }
  if (a[MAX_REPLICAS_ANNOTATION] !== String(max)) {
    a[MAX_REPLICAS_ANNOTATION] = String(max);
    changed = true;
  }
  return changed;
}

/**
 * SetNewReplicaSetAnnotations (mutates rs): the Deployment's annotations, the
 * new revision when it is higher (keeping the superseded one in the
 * revision-history annotation: a rollback reused this ReplicaSet), and the
 * replica annotations for a ReplicaSet about to be created.
 */
export function setNewReplicaSetAnnotations(d: KubeObject, rs: RS, newRevision: number, exists: boolean, limitChars = MAX_REV_HISTORY_CHARS): boolean {
  let changed = copyDeploymentAnnotations(d, rs);
  const a = annotations(rs);
  const had = Object.prototype.hasOwnProperty.call(a, REVISION_ANNOTATION);
  const oldRev = a[REVISION_ANNOTATION] ?? '';
  let oldRevInt = 0;
  if (oldRev !== '') {
    const n = Number(oldRev);
    if (!Number.isInteger(n)) return false;
    oldRevInt = n;
  }
  if (oldRevInt < newRevision) {
    a[REVISION_ANNOTATION] = String(newRevision);
    changed = true;
    if (had) {
      const hist = a[REVISION_HISTORY_ANNOTATION] ?? '';
      const olds = hist.split(',');
      if (olds[0] === '') a[REVISION_HISTORY_ANNOTATION] = oldRev;
      else {
        let total = hist.length + oldRev.length + 1;
        let start = 0;
        while (total > limitChars && start < olds.length) {
          total -= olds[start]!.length + 1;
          start++;
        }
        if (total <= limitChars) a[REVISION_HISTORY_ANNOTATION] = [...olds.slice(start), oldRev].join(',');
      }
    }
  }
  if (!exists && setReplicasAnnotations(rs, specReplicas(d), specReplicas(d) + maxSurge(d))) changed = true;
  return changed;
}

function annotationInt(rs: RS, key: string): number | undefined {
  const v = rs.metadata?.annotations?.[key];
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isInteger(n) ? n : undefined;
}

// ---- scaling ----------------------------------------------------------------------------------------------------------

/** NewRSNewReplicas: how big the new ReplicaSet may be now. */
export function newRSNewReplicas(d: KubeObject, allRSs: (RS | undefined)[], newRS: RS): number {
  const replicas = specReplicas(d);
  if (!isRollingUpdate(d)) return replicas;
  const surge = scaledValue(rollingParams(d).maxSurge ?? 0, replicas, true);
  const current = replicaCount(allRSs);
  const maxTotal = replicas + surge;
  if (current >= maxTotal) return specReplicas(newRS);
  const up = Math.min(maxTotal - current, replicas - specReplicas(newRS));
  return specReplicas(newRS) + up;
}

export interface ScaleStep {
  rs: RS;
  replicas: number;
}

/**
 * reconcileOldReplicaSets' plan: first scale down old ReplicaSets' unhealthy
 * replicas (oldest first, within what may be scaled down), then scale old
 * ReplicaSets down while availability stays above replicas − maxUnavailable.
 * Returns the new sizes, in order, of the ReplicaSets that change.
 */
export function planOldReplicaSetsScaleDown(d: KubeObject, oldRSs: RS[], newRS: RS | undefined): ScaleStep[] {
  const olds = filterActive(oldRSs).sort(byCreation);
  const oldPods = replicaCount(olds);
  if (oldPods === 0) return [];
  const sizes = new Map<RS, number>(olds.map((r) => [r, specReplicas(r)]));
  const allPods = oldPods + (newRS ? specReplicas(newRS) : 0);
  const minAvailable = specReplicas(d) - maxUnavailable(d);
  const newUnavailable = newRS ? specReplicas(newRS) - statusNum(newRS, 'availableReplicas') : 0;
  const maxScaledDown = allPods - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return [];
  // cleanupUnhealthyReplicas
  let cleaned = 0;
  for (const r of olds) {
    if (cleaned >= maxScaledDown) break;
    const size = sizes.get(r)!;
    const avail = statusNum(r, 'availableReplicas');
    if (size === 0 || size === avail) continue;
    const down = Math.min(maxScaledDown - cleaned, size - avail);
    sizes.set(r, size - down);
    cleaned += down;
  }
  // scaleDownOldReplicaSetsForRollingUpdate
  const available = availableReplicaCount([...olds, newRS]);
  if (available > minAvailable) {
    const total = available - minAvailable;
    let done = 0;
    for (const r of olds) {
      if (done >= total) break;
      const size = sizes.get(r)!;
      if (size === 0) continue;
      const down = Math.min(size, total - done);
      sizes.set(r, size - down);
      done += down;
    }
  }
  return olds.filter((r) => sizes.get(r) !== specReplicas(r)).map((r) => ({ rs: r, replicas: sizes.get(r)! }));
}

/** IsSaturated: the new ReplicaSet has the full count, annotated and available. */
export function isSaturated(d: KubeObject, rs: RS | undefined): boolean {
  if (!rs) return false;
  const desired = annotationInt(rs, DESIRED_REPLICAS_ANNOTATION);
  if (desired === undefined) return false;
  const replicas = specReplicas(d);
  return specReplicas(rs) === replicas && desired === replicas && statusNum(rs, 'availableReplicas') === replicas;
}

/** FindActiveOrLatest: the one active ReplicaSet, or the newest when none is active; undefined with several active. */
export function findActiveOrLatest(newRS: RS | undefined, oldRSs: RS[]): RS | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const olds = [...oldRSs].sort((a, b) => byCreation(b, a));
  const active = filterActive([...olds, newRS]);
  if (active.length === 0) return newRS ?? olds[0];
  if (active.length === 1) return active[0];
  return undefined;
}

/** Go's math.Round: half away from zero. */
function roundHalfAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

function replicaSetFraction(rs: RS, d: KubeObject): number {
  const replicas = specReplicas(d);
  if (replicas === 0) return -specReplicas(rs);
  const deploymentMax = replicas + maxSurge(d);
  let before = annotationInt(rs, MAX_REPLICAS_ANNOTATION);
  if (before === undefined || before === 0) before = statusNum(d, 'replicas');
  if (before === 0) return 0;
  return roundHalfAway((specReplicas(rs) * deploymentMax) / before) - specReplicas(rs);
}

function proportion(rs: RS, d: KubeObject, toAdd: number, added: number): number {
  if (specReplicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

/**
 * The scale() step of a scaling event: one active ReplicaSet takes the whole
 * count; a saturated new ReplicaSet zeroes the old ones; otherwise (rolling
 * update) the change is spread proportionally over the active ReplicaSets,
 * leftovers to the largest. Returns the sizes to set, in the order to set them.
 */
export function planScale(d: KubeObject, newRS: RS | undefined, oldRSs: RS[]): { steps: ScaleStep[]; direction: 'up' | 'down' | '' } {
  const replicas = specReplicas(d);
  const one = findActiveOrLatest(newRS, oldRSs);
  if (one) {
    if (specReplicas(one) === replicas) return { steps: [], direction: '' };
    return { steps: [{ rs: one, replicas }], direction: specReplicas(one) < replicas ? 'up' : 'down' };
  }
  if (isSaturated(d, newRS)) {
    return { steps: filterActive(oldRSs).map((r) => ({ rs: r, replicas: 0 })), direction: 'down' };
  }
  if (!isRollingUpdate(d)) return { steps: [], direction: '' };
  const all = filterActive([...oldRSs, newRS]);
  const allowed = replicas > 0 ? replicas + maxSurge(d) : 0;
  const toAdd = allowed - replicaCount(all);
  let direction: 'up' | 'down' | '' = '';
  if (toAdd > 0) {
    // Larger first; among equals the newer first when growing.
    all.sort((a, b) => specReplicas(b) - specReplicas(a) || byCreation(b, a));
    direction = 'up';
  } else if (toAdd < 0) {
    // Larger first; among equals the older first when shrinking.
    all.sort((a, b) => specReplicas(b) - specReplicas(a) || byCreation(a, b));
    direction = 'down';
  }
  let added = 0;
  const sizes = all.map((r) => {
    if (toAdd === 0) return specReplicas(r);
    const p = proportion(r, d, toAdd, added);
    added += p;
    return specReplicas(r) + p;
  });
  if (toAdd !== 0 && sizes.length > 0) sizes[0] = Math.max(0, sizes[0]! + (toAdd - added));
  return { steps: all.map((r, i) => ({ rs: r, replicas: sizes[i]! })), direction };
}

// ---- status and conditions --------------------------------------------------------------------------------------------

export function hasProgressDeadline(d: KubeObject): boolean {
  const p = num(spec(d).progressDeadlineSeconds);
  return p !== undefined && p !== MAX_INT32;
}

export function newCondition(type: string, st: string, reason: string, message: string, nowMs: number): Condition {
  const t = rfc3339(new Date(nowMs));
  return { type, status: st, lastUpdateTime: t, lastTransitionTime: t, reason, message };
}

/** SetDeploymentCondition: same status and reason → unchanged; same status → keep the transition time. */
export function setCondition(list: Condition[], c: Condition): Condition[] {
  const cur = getCondition(list, c.type);
  if (cur && cur.status === c.status && cur.reason === c.reason) return list;
  const next = { ...c };
  if (cur && cur.status === c.status) next.lastTransitionTime = cur.lastTransitionTime;
  return [...list.filter((x) => x.type !== c.type), next];
}

export interface DeploymentStatus {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  unavailableReplicas?: number;
  collisionCount?: number;
  conditions?: Condition[];
  [k: string]: unknown;
}

/** calculateStatus, with the Available condition. */
export function calculateStatus(allRSs: (RS | undefined)[], newRS: RS | undefined, d: KubeObject, nowMs: number): DeploymentStatus {
  const available = availableReplicaCount(allRSs);
  const total = actualReplicaCount(allRSs);
  const st: DeploymentStatus = {
    observedGeneration: d.metadata?.generation,
    replicas: total,
    updatedReplicas: actualReplicaCount([newRS]),
    readyReplicas: readyReplicaCount(allRSs),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, total - available),
  };
  const cc = num(status(d).collisionCount);
  if (cc !== undefined) st.collisionCount = cc;
  let conds = ((status(d).conditions as Condition[] | undefined) ?? []).map((c) => ({ ...c }));
  if (available >= specReplicas(d) - maxUnavailable(d)) {
    conds = setCondition(conds, newCondition('Available', 'True', REASON.MinimumReplicasAvailable, 'Deployment has minimum availability.', nowMs));
  } else {
    conds = setCondition(conds, newCondition('Available', 'False', REASON.MinimumReplicasUnavailable, 'Deployment does not have minimum availability.', nowMs));
  }
  st.conditions = conds;
  return st;
}

/** DeploymentComplete: every replica updated and available, and the latest generation observed. */
export function deploymentComplete(d: KubeObject, st: DeploymentStatus): boolean {
  const r = specReplicas(d);
  return (st.updatedReplicas ?? 0) === r && (st.replicas ?? 0) === r && (st.availableReplicas ?? 0) === r && (st.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0);
}

/** DeploymentProgressing: more updated, fewer old, or more ready/available replicas than last observed. */
export function deploymentProgressing(d: KubeObject, st: DeploymentStatus): boolean {
  const old = status(d);
  const oldOld = (num(old.replicas) ?? 0) - (num(old.updatedReplicas) ?? 0);
  const newOld = (st.replicas ?? 0) - (st.updatedReplicas ?? 0);
  return (
    (st.updatedReplicas ?? 0) > (num(old.updatedReplicas) ?? 0) ||
    newOld < oldOld ||
    (st.readyReplicas ?? 0) > (num(old.readyReplicas) ?? 0) ||
    (st.availableReplicas ?? 0) > (num(old.availableReplicas) ?? 0)
  );
}

/** DeploymentTimedOut: no progress reported for progressDeadlineSeconds. */
export function deploymentTimedOut(d: KubeObject, st: DeploymentStatus, nowMs: number): boolean {
  if (!hasProgressDeadline(d)) return false;
  const c = getCondition(st.conditions, 'Progressing');
  if (!c) return false;
  if (c.reason === REASON.NewRSAvailable) return false;
  if (c.reason === REASON.TimedOut) return true;
  const from = c.lastUpdateTime ? Date.parse(c.lastUpdateTime) : 0;
  return from + (num(spec(d).progressDeadlineSeconds) ?? 0) * 1000 < nowMs;
}

/**
 * syncRolloutStatus's status: calculateStatus plus the Progressing condition
 * (complete, progressing, timed out) and ReplicaFailure carried up from the
 * ReplicaSets.
 */
export function rolloutStatus(allRSs: (RS | undefined)[], newRS: RS | undefined, d: KubeObject, nowMs: number): DeploymentStatus {
  const st = calculateStatus(allRSs, newRS, d, nowMs);
  let conds = st.conditions ?? [];
  if (!hasProgressDeadline(d)) conds = conds.filter((c) => c.type !== 'Progressing');
  const cur = getCondition(status(d).conditions as Condition[] | undefined, 'Progressing');
  const complete = st.replicas === st.updatedReplicas && cur?.reason === REASON.NewRSAvailable;
  if (hasProgressDeadline(d) && !complete) {
    const rsName = newRS?.metadata?.name;
    if (deploymentComplete(d, st)) {
      const msg = rsName ? `ReplicaSet "${rsName}" has successfully progressed.` : `Deployment "${d.metadata?.name}" has successfully progressed.`;
      conds = setCondition(conds, newCondition('Progressing', 'True', REASON.NewRSAvailable, msg, nowMs));
    } else if (deploymentProgressing(d, st)) {
      const msg = rsName ? `ReplicaSet "${rsName}" is progressing.` : `Deployment "${d.metadata?.name}" is progressing.`;
      const c = newCondition('Progressing', 'True', REASON.ReplicaSetUpdated, msg, nowMs);
      // Progress refreshes lastUpdateTime even with an unchanged reason; the transition time stays while True.
      const existing = getCondition(conds, 'Progressing');
      if (existing) {
        if (existing.status === 'True') c.lastTransitionTime = existing.lastTransitionTime;
        conds = conds.filter((x) => x.type !== 'Progressing');
      }
      conds = [...conds, c];
    } else if (deploymentTimedOut(d, { ...st, conditions: conds }, nowMs)) {
      const msg = rsName ? `ReplicaSet "${rsName}" has timed out progressing.` : `Deployment "${d.metadata?.name}" has timed out progressing.`;
      conds = setCondition(conds, newCondition('Progressing', 'False', REASON.TimedOut, msg, nowMs));
    }
  }
  const failure = replicaFailure(allRSs, newRS);
  if (failure) conds = setCondition(conds, failure);
  else conds = conds.filter((c) => c.type !== 'ReplicaFailure');
  st.conditions = conds;
  return st;
}

/** getReplicaFailures: the new ReplicaSet's ReplicaFailure condition first, else any old one's. */
function replicaFailure(allRSs: (RS | undefined)[], newRS: RS | undefined): Condition | undefined {
  const from = (r: RS | undefined) => getCondition(status(r).conditions as Condition[] | undefined, 'ReplicaFailure');
  const order = newRS ? [newRS, ...defined(allRSs).filter((r) => r !== newRS)] : defined(allRSs);
  for (const r of order) {
    const c = from(r);
    if (c && c.status === 'True') {
      return { type: 'ReplicaFailure', status: c.status, lastUpdateTime: c.lastTransitionTime, lastTransitionTime: c.lastTransitionTime, reason: c.reason, message: c.message };
    }
  }
  return undefined;
}

/** When to look at a stuck rollout again (requeueStuckDeployment), in ms; undefined when not needed. */
export function stuckRequeueMs(d: KubeObject, st: DeploymentStatus, nowMs: number): number | undefined {
  const c = getCondition(st.conditions, 'Progressing');
  if (!hasProgressDeadline(d) || !c || deploymentComplete(d, st) || c.reason === REASON.TimedOut) return undefined;
  if (c.reason === REASON.Paused) return undefined;
  const from = c.lastUpdateTime ? Date.parse(c.lastUpdateTime) : nowMs;
  const after = from + (num(spec(d).progressDeadlineSeconds) ?? 0) * 1000 - nowMs;
  return Math.max(after + 1000, 1000);
}

/** ReplicaSetsByRevision: lower revision first, then older. */
export function byRevision(a: RS, b: RS): number {
  return revisionOf(a) - revisionOf(b) || byCreation(a, b);
}
