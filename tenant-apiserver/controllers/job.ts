// Job controller (pkg/controller/job), tracking pods with finalizers as kube
// 1.34 does: every pod carries `batch.kubernetes.io/job-tracking`; a finished
// pod's UID goes to status.uncountedTerminatedPods first, then its finalizer is
// removed, then it moves to status.succeeded / failed. A pod counts as
// succeeded when its phase is Succeeded, as failed when Failed or deleted
// before succeeding. Pods are started up to parallelism (Indexed Jobs one per
// completion index, with the index in an annotation, a label, the hostname and
// JOB_COMPLETION_INDEX), restarted after failures with exponential backoff,
// until completions succeed (SuccessCriteriaMet, then Complete once no pod is
// left running) or backoffLimit / activeDeadlineSeconds is exceeded
// (FailureTarget, then Failed).

import type { Registry, ResourceInfo } from '../api/registry.js';
import type { ResourceStore } from '../api/store.js';
import { ApiError } from '../api/errors.js';
import { selectorMatches } from '../api/strategies/validators.js';
import { asObj, clone, deepEqual, num, objs } from '../api/strategies/util.js';
import { rfc3339, type KubeObject, type StoredObject } from '../api/types.js';
import {
  claim,
  conditions,
  controllerOf,
  controllerRef,
  controllerUser,
  getOrUndefined,
  ignoreNotFound,
  isConflict,
  isPodActive,
  isPodReady,
  podFromTemplate,
  podPhase,
  resource,
  spec,
  splitKey,
  status,
  type Condition,
  unpinned,
} from './common.js';
import { createEventRecorder } from './events.js';
import {
  COMPLETION_INDEX_ANNOTATION,
  COMPLETION_INDEX_ENV,
  JOB_MESSAGE,
  JOB_REASON,
  JOB_TRACKING_FINALIZER,
  completionIndexOf,
  finishedCondition,
  finishingCondition,
  formatIndexes,
  indexesToStart,
  jobCondition,
  parseIndexes,
  remainingBackoffMs,
  wantActive,
} from './job-util.js';
import { rankPodsForDeletion } from './pod-ranking.js';
import { BURST_REPLICAS, type WorkloadControllerOptions } from './replicaset.js';
import type { Controller, ReconcileResult } from './runtime.js';
import { OwnerCache, ownerMapper, selfMapper, watchAll, watchMany } from './watch.js';

interface Uncounted {
  succeeded: Set<string>;
  failed: Set<string>;
}

function hasFinalizer(p: KubeObject): boolean {
  return (p.metadata?.finalizers ?? []).includes(JOB_TRACKING_FINALIZER);
}

function isTerminating(p: KubeObject): boolean {
  const phase = podPhase(p);
  return !!p.metadata?.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed';
}

/** isPodFailed with podReplacementPolicy TerminatingOrFailed: Failed, or deleted before it succeeded. */
function consideredFailed(p: KubeObject, job: KubeObject): boolean {
  const phase = podPhase(p);
  if (phase === 'Failed') return true;
  if (spec(job).podReplacementPolicy === 'Failed') return false;
  return !!p.metadata?.deletionTimestamp && phase !== 'Succeeded';
}

export function jobController(registry: Registry, store: ResourceStore, opts: WorkloadControllerOptions = {}): Controller {
  const clock = opts.clock ?? Date.now;
  const user = controllerUser('job-controller');
  const events = opts.events ?? createEventRecorder(registry, store, 'job-controller', opts.log, clock);
  const jobsInfo = (): ResourceInfo => resource(registry, 'batch', 'v1', 'jobs');
  const podsInfo = (): ResourceInfo => resource(registry, '', 'v1', 'pods');
  /** Pod failure backoff per Job UID, in memory as kube's backoffRecordStore. */
  const backoff = new Map<string, { failures: number; lastFailureMs: number }>();

  async function removeFinalizer(p: StoredObject): Promise<void> {
    await ignoreNotFound(
      store.update(
        podsInfo(),
        p.metadata.namespace,
        p.metadata.name,
        (cur) => {
          if (!cur || cur.metadata.uid !== p.metadata.uid) throw new ApiError(404, 'NotFound', 'gone');
          const fins = (cur.metadata.finalizers ?? []).filter((f) => f !== JOB_TRACKING_FINALIZER);
          const meta = { ...cur.metadata, finalizers: fins };
          if (fins.length === 0) delete (meta as Record<string, unknown>).finalizers;
          return unpinned({ ...cur, metadata: meta });
        },
        { user },
      ),
    );
  }

  /** Pods still tracked for a Job that is gone (or replaced by a namesake) lose the finalizer. */
  async function cleanupOrphans(pods: StoredObject[], namespace: string | undefined, name: string, liveUid: string | undefined): Promise<void> {
    for (const p of pods) {
      const ref = controllerOf(p);
      if (!hasFinalizer(p) || !ref || ref.kind !== 'Job' || ref.name !== name || ref.uid === liveUid) continue;
      if (p.metadata.namespace !== namespace) continue;
      await removeFinalizer(p);
    }
  }

  function podForIndex(job: StoredObject, index: number | undefined): KubeObject {
    const pod = podFromTemplate(spec(job).template, job, controllerRef(job));
    const meta = pod.metadata!;
    meta.finalizers = [...(meta.finalizers ?? []), JOB_TRACKING_FINALIZER];
    if (index !== undefined) {
      meta.generateName = `${job.metadata.name}-${index}-`;
      meta.annotations = { ...(meta.annotations ?? {}), [COMPLETION_INDEX_ANNOTATION]: String(index) };
      meta.labels = { ...(meta.labels ?? {}), [COMPLETION_INDEX_ANNOTATION]: String(index) };
      const ps = pod.spec as Record<string, unknown>;
      if (!ps.hostname) ps.hostname = `${job.metadata.name}-${index}`;
      const env = { name: COMPLETION_INDEX_ENV, valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: `metadata.annotations['${COMPLETION_INDEX_ANNOTATION}']` } } };
      for (const key of ['initContainers', 'containers']) {
        for (const c of objs(ps[key])) {
          const list = objs(c.env);
          if (!list.some((e) => e.name === COMPLETION_INDEX_ENV)) c.env = [...list, clone(env)];
        }
      }
    }
    return pod;
  }

  async function createPods(job: StoredObject, indexes: (number | undefined)[]): Promise<Error | undefined> {
    let i = 0;
    for (let batch = 1; i < indexes.length; batch *= 2) {
      const slice = indexes.slice(i, i + batch);
      const results = await Promise.allSettled(slice.map((ix) => store.create(podsInfo(), job.metadata.namespace, podForIndex(job, ix), { user })));
      let err: Error | undefined;
      for (const r of results) {
        if (r.status === 'fulfilled') events.event(job, 'Normal', 'SuccessfulCreate', `Created pod: ${r.value.metadata.name}`);
        else {
          err ??= r.reason as Error;
          events.event(job, 'Warning', 'FailedCreate', `Error creating: ${(r.reason as Error).message}`);
        }
      }
      if (err) return err;
      i += slice.length;
    }
    return undefined;
  }

  async function deletePods(job: StoredObject, pods: StoredObject[]): Promise<void> {
    for (const p of pods) {
      try {
        await store.delete(podsInfo(), p.metadata.namespace, p.metadata.name, { preconditions: { uid: p.metadata.uid } }, { user });
        events.event(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`);
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 404)) {
          events.event(job, 'Warning', 'FailedDelete', `Error deleting: ${(e as Error).message}`);
          throw e;
        }
      }
    }
  }

  async function writeStatus(job: StoredObject, st: Record<string, unknown>): Promise<StoredObject> {
    if (deepEqual(status(job), st)) return job;
    const r = await store.update(
      jobsInfo(),
      job.metadata.namespace,
      job.metadata.name,
      (cur) => {
        if (!cur || cur.metadata.uid !== job.metadata.uid) throw new ApiError(404, 'NotFound', 'gone');
        return unpinned({ ...cur, status: st });
      },
      { user, subresource: 'status' },
    );
    return r.object;
  }

  function serialStatus(base: Record<string, unknown>, f: { conditions: Condition[]; active: number; ready: number; terminating: number; succeeded: number; failed: number; uncounted: Uncounted; completedIndexes?: string }): Record<string, unknown> {
    const st: Record<string, unknown> = { ...base };
    if (f.conditions.length) st.conditions = f.conditions;
    else delete st.conditions;
    for (const [k, v] of [['active', f.active], ['succeeded', f.succeeded], ['failed', f.failed]] as const) {
      if (v) st[k] = v;
      else delete st[k];
    }
    st.ready = f.ready;
    st.terminating = f.terminating;
    const u: Record<string, string[]> = {};
    if (f.uncounted.succeeded.size) u.succeeded = [...f.uncounted.succeeded];
    if (f.uncounted.failed.size) u.failed = [...f.uncounted.failed];
    st.uncountedTerminatedPods = u;
    if (f.completedIndexes) st.completedIndexes = f.completedIndexes;
    else delete st.completedIndexes;
    return st;
  }

  async function syncJob(namespace: string | undefined, name: string): Promise<ReconcileResult> {
    let job = await getOrUndefined(store, jobsInfo(), namespace, name);
    const all = (await store.list(podsInfo(), namespace)).items;
    await cleanupOrphans(all, namespace, name, job?.metadata.uid);
    if (!job) return;
    const jobUid = job.metadata.uid;
    const conds0 = conditions(job);
    const finished = finishedCondition(conds0);
    const owned = await claim(
      {
        store,
        info: podsInfo(),
        owner: job,
        user,
        matches: (p) => selectorMatches(spec(job!).selector, p.metadata.labels ?? {}),
        recheck: async () => {
          const fresh = await getOrUndefined(store, jobsInfo(), namespace, name);
          return fresh && !finishedCondition(conditions(fresh)) ? fresh : undefined;
        },
        adoptFinalizer: finished ? undefined : JOB_TRACKING_FINALIZER,
      },
      all,
    );
    if (finished) {
      for (const p of owned) if (hasFinalizer(p)) await removeFinalizer(p);
      backoff.delete(jobUid);
      return;
    }
    const now = clock();
    const js = spec(job);
    const indexed = js.completionMode === 'Indexed';
    const completions = num(js.completions);
    const parallelism = num(js.parallelism) ?? 1;
    const backoffLimit = num(js.backoffLimit) ?? 6;
    const suspended = js.suspend === true;
    const st0 = status(job);
    const u0 = asObj(st0.uncountedTerminatedPods) ?? {};
    const uncounted: Uncounted = {
      succeeded: new Set((u0.succeeded as string[] | undefined) ?? []),
      failed: new Set((u0.failed as string[] | undefined) ?? []),
    };
    let countedSucceeded = num(st0.succeeded) ?? 0;
    let countedFailed = num(st0.failed) ?? 0;
    const completed = new Set(indexed && completions !== undefined ? parseIndexes(st0.completedIndexes as string | undefined, completions) : []);
    const byUid = new Map(owned.map((p) => [p.metadata.uid, p]));
    const validIndex = (p: KubeObject): number | undefined => {
      const ix = completionIndexOf(p);
      return ix !== undefined && completions !== undefined && ix < completions ? ix : undefined;
    };
    // Indexes of succeeded pods not yet counted.
    const uncountedIndexes = new Set<number>();
    for (const uid of uncounted.succeeded) {
      const p = byUid.get(uid);
      const ix = p && validIndex(p);
      if (ix !== undefined) uncountedIndexes.add(ix);
    }

    // getNewFinishedPods: finished pods still tracked and not yet in uncounted.
    let newSucceeded = 0;
    let newFailed = 0;
    for (const p of owned) {
      if (!hasFinalizer(p) || uncounted.succeeded.has(p.metadata.uid) || uncounted.failed.has(p.metadata.uid)) continue;
      if (podPhase(p) === 'Succeeded') {
        if (!indexed) newSucceeded++;
        else {
          const ix = validIndex(p);
          if (ix !== undefined && !completed.has(ix) && !uncountedIndexes.has(ix)) newSucceeded++;
        }
      } else if (consideredFailed(p, job) && (!indexed || validIndex(p) !== undefined)) newFailed++;
    }
    const succeededTotal = indexed ? completed.size + uncountedIndexes.size + newSucceeded : countedSucceeded + uncounted.succeeded.size + newSucceeded;
    const failedTotal = countedFailed + uncounted.failed.size + newFailed;
    const rec = backoff.get(jobUid) ?? { failures: 0, lastFailureMs: 0 };
    if (newSucceeded > 0) rec.failures = 0;
    if (newFailed > 0) {
      rec.failures += newFailed;
      rec.lastFailureMs = now;
    }
    backoff.set(jobUid, rec);

    let conds = conds0.map((c) => ({ ...c }));
    let startTime = st0.startTime as string | undefined;
    if (!startTime && !suspended) startTime = rfc3339(new Date(now));
    // Suspension.
    const suspendedCond = conds.find((c) => c.type === 'Suspended');
    if (suspended && suspendedCond?.status !== 'True') {
      conds = [...conds.filter((c) => c.type !== 'Suspended'), jobCondition('Suspended', 'JobSuspended', 'Job suspended', now)];
      events.event(job, 'Normal', 'Suspended', 'Job suspended');
    } else if (!suspended && suspendedCond?.status === 'True') {
      conds = [...conds.filter((c) => c.type !== 'Suspended'), jobCondition('Suspended', 'JobResumed', 'Job resumed', now, 'False')];
      events.event(job, 'Normal', 'Resumed', 'Job resumed');
      startTime = rfc3339(new Date(now));
    }

    const active = owned.filter(isPodActive);
    let finishing = finishingCondition(conds);
    const deadline = num(js.activeDeadlineSeconds);
    if (!finishing) {
      const pastDeadline = !suspended && deadline !== undefined && startTime !== undefined && Date.parse(startTime) + deadline * 1000 <= now;
      let c: Condition | undefined;
      if (failedTotal > backoffLimit) c = jobCondition('FailureTarget', JOB_REASON.BackoffLimitExceeded, JOB_MESSAGE.BackoffLimitExceeded, now);
      else if (pastDeadline) c = jobCondition('FailureTarget', JOB_REASON.DeadlineExceeded, JOB_MESSAGE.DeadlineExceeded, now);
      else {
        const done = completions === undefined ? succeededTotal > 0 && active.length === 0 : succeededTotal >= completions && active.length === 0;
        if (done) c = jobCondition('SuccessCriteriaMet', JOB_REASON.CompletionsReached, JOB_MESSAGE.CompletionsReached, now);
      }
      if (c) {
        conds = [...conds, c];
        finishing = c;
      }
    }

    // Pods: stop everything when finishing or suspended, else converge on the wanted count.
    let requeueMs: number | undefined;
    let manageErr: Error | undefined;
    if (finishing || suspended) {
      await deletePods(job, active);
    } else if (!indexed) {
      const want = wantActive(completions, parallelism, succeededTotal, active.length);
      if (active.length > want) {
        await deletePods(job, rankPodsForDeletion(active, [], now).slice(0, active.length - want) as StoredObject[]);
      } else if (active.length < want) {
        const wait = remainingBackoffMs(rec.failures, rec.lastFailureMs, now);
        if (wait > 0) requeueMs = wait;
        else manageErr = await createPods(job, Array.from({ length: Math.min(want - active.length, BURST_REPLICAS) }, () => undefined));
      }
    } else if (completions !== undefined) {
      const done = new Set([...completed, ...uncountedIndexes]);
      for (const p of owned) if (podPhase(p) === 'Succeeded' && hasFinalizer(p)) {
        const ix = validIndex(p);
        if (ix !== undefined) done.add(ix);
      }
      const running = new Map<number, StoredObject[]>();
      const excess: StoredObject[] = [];
      for (const p of [...active].sort((a, b) => Date.parse(a.metadata.creationTimestamp) - Date.parse(b.metadata.creationTimestamp))) {
        const ix = validIndex(p);
        if (ix === undefined || done.has(ix)) excess.push(p);
        else if (running.has(ix)) excess.push(p);
        else running.set(ix, [p]);
      }
      if (excess.length) await deletePods(job, excess);
      const room = Math.min(parallelism - running.size, BURST_REPLICAS);
      if (room > 0) {
        const start = indexesToStart(completions, done, new Set(running.keys()), room);
        if (start.length) {
          const wait = remainingBackoffMs(rec.failures, rec.lastFailureMs, now);
          if (wait > 0) requeueMs = wait;
          else manageErr = await createPods(job, start);
        }
      }
    }

    // trackJobStatusAndRemoveFinalizers: record finished pods, drop their finalizers, then count them.
    const podsNow = async () => (await store.list(podsInfo(), namespace)).items.filter((p) => controllerOf(p)?.uid === jobUid);
    const countsOf = (ps: StoredObject[]) => ({
      active: ps.filter(isPodActive).length,
      ready: ps.filter((p) => isPodActive(p) && isPodReady(p)).length,
      terminating: ps.filter(isTerminating).length,
    });
    const build = (ps: StoredObject[], extra: Record<string, unknown> = {}) => {
      const base: Record<string, unknown> = { ...st0, ...extra };
      if (startTime) base.startTime = startTime;
      return serialStatus(base, {
        conditions: conds,
        ...countsOf(ps),
        succeeded: indexed ? completed.size : countedSucceeded,
        failed: countedFailed,
        uncounted,
        completedIndexes: indexed ? formatIndexes(completed) : undefined,
      });
    };
    const fresh = await podsNow();
    const toRemove: StoredObject[] = [];
    for (const p of fresh) {
      if (!hasFinalizer(p)) continue;
      if (uncounted.succeeded.has(p.metadata.uid) || uncounted.failed.has(p.metadata.uid)) {
        toRemove.push(p);
        continue;
      }
      const failedNow = consideredFailed(p, job);
      const phase = podPhase(p);
      if (!(job.metadata.deletionTimestamp || finishing || phase === 'Succeeded' || failedNow)) continue;
      toRemove.push(p);
      if (phase === 'Succeeded') {
        if (!indexed) uncounted.succeeded.add(p.metadata.uid);
        else {
          const ix = validIndex(p);
          if (ix !== undefined && !completed.has(ix) && !uncountedIndexes.has(ix)) {
            uncounted.succeeded.add(p.metadata.uid);
            uncountedIndexes.add(ix);
            byUid.set(p.metadata.uid, p);
          }
        }
      } else if (failedNow || (finishing && finishing.type !== 'SuccessCriteriaMet')) {
        // When the Job is failing, every pod not yet finished counts as failed.
        if (!indexed || validIndex(p) !== undefined) uncounted.failed.add(p.metadata.uid);
      }
    }
    job = await writeStatus(job, build(fresh));
    for (const p of toRemove) await removeFinalizer(p);
    // Pods whose finalizer is gone (or that are gone) are counted now.
    const after = await podsNow();
    const afterByUid = new Map(after.map((p) => [p.metadata.uid, p]));
    for (const uid of [...uncounted.succeeded]) {
      const p = afterByUid.get(uid);
      if (p && hasFinalizer(p)) continue;
      uncounted.succeeded.delete(uid);
      if (indexed) {
        const ix = validIndex(p ?? byUid.get(uid) ?? {});
        if (ix !== undefined) completed.add(ix);
      } else countedSucceeded++;
    }
    for (const uid of [...uncounted.failed]) {
      const p = afterByUid.get(uid);
      if (p && hasFinalizer(p)) continue;
      uncounted.failed.delete(uid);
      countedFailed++;
    }
    // The terminal condition waits until no pod of the Job is left running or terminating.
    const c = countsOf(after);
    let extra: Record<string, unknown> = {};
    if (finishing && c.active === 0 && c.terminating === 0 && uncounted.succeeded.size === 0 && uncounted.failed.size === 0) {
      const success = finishing.type === 'SuccessCriteriaMet';
      const final = jobCondition(success ? 'Complete' : 'Failed', finishing.reason ?? '', finishing.message ?? '', now);
      conds = [...conds, final];
      if (success) {
        extra = { completionTime: rfc3339(new Date(now)) };
        events.event(job, 'Normal', 'Completed', 'Job completed');
      } else {
        events.event(job, 'Warning', final.reason ?? 'Failed', final.message ?? '');
      }
      backoff.delete(jobUid);
    }
    job = await writeStatus(job, build(after, extra));
    if (manageErr) throw manageErr;
    if (!finishing && deadline !== undefined && startTime && !suspended) {
      const left = Date.parse(startTime) + deadline * 1000 - now;
      requeueMs = Math.min(requeueMs ?? Infinity, Math.max(left, 0) + 50);
    }
    return requeueMs !== undefined ? { requeueAfterMs: requeueMs } : undefined;
  }

  const owners = new OwnerCache();
  const jobsMatching = (pod: StoredObject): string[] => owners.matching(pod.metadata.namespace, (j) => selectorMatches(spec(j).selector, pod.metadata.labels ?? {}));

  return {
    name: 'job',
    async start(enqueue) {
      const pods = ownerMapper({ ownerKind: 'Job', ownerGroup: 'batch', enqueue, orphanOwners: jobsMatching });
      return watchMany([
        watchAll(store, jobsInfo(), owners.feed(selfMapper(enqueue))),
        watchAll(store, podsInfo(), (type, pod) => {
          pods(type, pod);
          // A tracked pod nobody controls any more still needs its finalizer removed.
          if (type !== 'DELETED' && hasFinalizer(pod) && !controllerOf(pod)) enqueue(`pod:${pod.metadata.namespace}/${pod.metadata.name}`);
        }),
      ]);
    },
    async reconcile(key) {
      if (key.startsWith('pod:')) {
        const { namespace, name } = splitKey(key.slice(4));
        const p = await getOrUndefined(store, podsInfo(), namespace, name);
        if (p && hasFinalizer(p) && !controllerOf(p)) await removeFinalizer(p);
        return;
      }
      const { namespace, name } = splitKey(key);
      try {
        return await syncJob(namespace, name);
      } catch (e) {
        if (isConflict(e) && !(e instanceof ApiError && e.reason === 'AlreadyExists')) return { requeueAfterMs: 20 };
        throw e;
      }
    },
  };
}
