// CronJob controller (pkg/controller/cronjob, the v2 controller): at each
// activation of spec.schedule (in spec.timeZone, else UTC) create a Job named
// `<cronjob>-<scheduled time in minutes since the epoch>` from the job
// template. Missed activations collapse to the most recent one (more than 100
// missed → a TooManyMissedTimes warning); startingDeadlineSeconds bounds how
// late a start may be; concurrencyPolicy Forbid skips while a Job runs, Replace
// deletes the running ones first; suspend stops new Jobs. Status keeps the
// active Job references, lastScheduleTime and lastSuccessfulTime; finished
// Jobs beyond the history limits are deleted, oldest first.

import type { Registry, ResourceInfo } from '../api/registry.js';
import type { ResourceStore } from '../api/store.js';
import { ApiError } from '../api/errors.js';
import { isTimeZone } from '../api/strategies/cron.js';
import { asObj, clone, deepEqual, num, objs, str } from '../api/strategies/util.js';
import { rfc3339, type KubeObject, type StoredObject } from '../api/types.js';
import { conditions, controllerOf, controllerRef, controllerUser, getOrUndefined, ignoreNotFound, isConflict, resource, spec, splitKey, status, unpinned } from './common.js';
import { dueScheduleTime, nextScheduleDelayMs, parseSchedule, rfc3339In, type Schedule, type ScheduleState } from './cron-schedule.js';
import { createEventRecorder } from './events.js';
import { finishedCondition } from './job-util.js';
import type { WorkloadControllerOptions } from './replicaset.js';
import type { Controller, ReconcileResult } from './runtime.js';
import { ownerMapper, selfMapper, watchAll, watchMany } from './watch.js';

export const SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

interface ObjectReference {
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiVersion?: string;
  resourceVersion?: string;
}

/** getJobName: the scheduled time in minutes makes the name deterministic, so a Job is never made twice. */
export function jobNameFor(cronJobName: string, scheduledMs: number): string {
  return `${cronJobName}-${Math.floor(Math.floor(scheduledMs / 1000) / 60)}`;
}

/** formatSchedule: spec.timeZone becomes a TZ= prefix (a TZ in the schedule itself wins). */
export function effectiveSchedule(cj: KubeObject): string {
  const s = str(spec(cj).schedule);
  const tz = spec(cj).timeZone;
  if (s.includes('TZ')) return s;
  if (typeof tz === 'string' && isTimeZone(tz)) return `TZ=${tz} ${s}`;
  return s;
}

/** getJobFromTemplate2. */
export function jobFromTemplate(cj: StoredObject, scheduledMs: number): KubeObject {
  const jt = asObj(spec(cj).jobTemplate) ?? {};
  const jm = asObj(jt.metadata) ?? {};
  const tz = typeof spec(cj).timeZone === 'string' ? (spec(cj).timeZone as string) : 'UTC';
  const annotations = { ...((asObj(jm.annotations) ?? {}) as Record<string, string>), [SCHEDULED_TIMESTAMP_ANNOTATION]: rfc3339In(scheduledMs, tz) };
  const meta: Record<string, unknown> = {
    name: jobNameFor(cj.metadata.name, scheduledMs),
    annotations,
    ownerReferences: [controllerRef(cj)],
  };
  const labels = asObj(jm.labels);
  if (labels && Object.keys(labels).length) meta.labels = clone(labels);
  return { apiVersion: 'batch/v1', kind: 'Job', metadata: meta, spec: clone(asObj(jt.spec) ?? {}) } as KubeObject;
}

function jobRef(j: StoredObject): ObjectReference {
  return { kind: 'Job', namespace: j.metadata.namespace, name: j.metadata.name, uid: j.metadata.uid, apiVersion: 'batch/v1', resourceVersion: j.metadata.resourceVersion };
}

function finishedType(j: KubeObject): string | undefined {
  return finishedCondition(conditions(j))?.type;
}

/** byJobStartTime: started Jobs first, by start time, then name. */
function byStartTime(a: KubeObject, b: KubeObject): number {
  const sa = status(a).startTime as string | undefined;
  const sb = status(b).startTime as string | undefined;
  if (!sb && sa) return -1;
  if (!sa && sb) return 1;
  if (sa && sb && sa !== sb) return Date.parse(sa) - Date.parse(sb);
  return (a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1;
}

export function cronJobController(registry: Registry, store: ResourceStore, opts: WorkloadControllerOptions = {}): Controller {
  const clock = opts.clock ?? Date.now;
  const user = controllerUser('cronjob-controller');
  const events = opts.events ?? createEventRecorder(registry, store, 'cronjob-controller', opts.log, clock);
  const cjInfo = (): ResourceInfo => resource(registry, 'batch', 'v1', 'cronjobs');
  const jobsInfo = (): ResourceInfo => resource(registry, 'batch', 'v1', 'jobs');

  async function deleteJob(cj: StoredObject, st: { active: ObjectReference[] }, job: StoredObject): Promise<boolean> {
    try {
      await store.delete(jobsInfo(), job.metadata.namespace, job.metadata.name, { propagationPolicy: 'Background' }, { user });
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 404)) {
        events.event(cj, 'Warning', 'FailedDelete', `Deleted job: ${(e as Error).message}`);
        return false;
      }
    }
    st.active = st.active.filter((r) => r.uid !== job.metadata.uid);
    events.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata.name}`);
    return true;
  }

  async function sync(cj: StoredObject, jobs: StoredObject[], st: Record<string, unknown> & { active: ObjectReference[] }): Promise<number | undefined> {
    const now = clock();
    const children = new Set(jobs.map((j) => j.metadata.uid));
    for (const j of jobs) {
      const inActive = st.active.some((r) => r.uid === j.metadata.uid);
      const fin = finishedType(j);
      if (!inActive && !fin) {
        events.event(cj, 'Warning', 'UnexpectedJob', `Saw a job that the controller did not create or forgot: ${j.metadata.name}`);
      } else if (inActive && fin) {
        st.active = st.active.filter((r) => r.uid !== j.metadata.uid);
        events.event(cj, 'Normal', 'SawCompletedJob', `Saw completed job: ${j.metadata.name}, condition: ${fin}`);
      }
      if (fin === 'Complete') {
        const ct = status(j).completionTime as string | undefined;
        const last = st.lastSuccessfulTime as string | undefined;
        if (ct && (!last || Date.parse(ct) > Date.parse(last))) st.lastSuccessfulTime = ct;
      }
    }
    for (const r of [...st.active]) {
      if (children.has(r.uid ?? '')) continue;
      // Not in our list: make sure it is really gone before forgetting it.
      const live = await getOrUndefined(store, jobsInfo(), r.namespace, r.name ?? '');
      if (!live) {
        events.event(cj, 'Normal', 'MissingJob', `Active job went missing: ${r.name}`);
        st.active = st.active.filter((x) => x.uid !== r.uid);
      }
    }
    if (cj.metadata.deletionTimestamp) return undefined;
    const tz = spec(cj).timeZone;
    if (typeof tz === 'string' && !isTimeZone(tz)) {
      events.event(cj, 'Warning', 'UnknownTimeZone', `invalid timeZone: "${tz}": unknown time zone ${tz}`);
      return undefined;
    }
    if (spec(cj).suspend === true) return undefined;
    const raw = str(spec(cj).schedule);
    if (raw.includes('TZ')) {
      events.event(cj, 'Warning', 'UnsupportedSchedule', `CRON_TZ or TZ used in schedule "${raw}" is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details`);
    }
    let sched: Schedule;
    try {
      sched = parseSchedule(effectiveSchedule(cj));
    } catch (e) {
      events.event(cj, 'Warning', 'UnparseableSchedule', `unparseable schedule: "${raw}" : ${(e as Error).message}`);
      return undefined;
    }
    const state = (): ScheduleState => ({
      createdMs: Date.parse(cj.metadata.creationTimestamp),
      lastScheduleMs: typeof st.lastScheduleTime === 'string' ? Date.parse(st.lastScheduleTime) : undefined,
      startingDeadlineSeconds: num(spec(cj).startingDeadlineSeconds),
    });
    const due = dueScheduleTime(sched, state(), now);
    if (due.error) {
      events.event(cj, 'Warning', 'InvalidSchedule', `invalid schedule: ${raw} : ${due.error}`);
      return undefined;
    }
    if (due.missed === 'many' && due.timeMs !== undefined) {
      events.event(cj, 'Warning', 'TooManyMissedTimes', 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew');
    }
    const scheduled = due.timeMs;
    if (scheduled === undefined) return nextScheduleDelayMs(sched, state(), now);
    const sds = num(spec(cj).startingDeadlineSeconds);
    if (sds !== undefined && scheduled + sds * 1000 < now) {
      events.event(cj, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${rfc1123z(scheduled)}`);
      return nextScheduleDelayMs(sched, state(), now);
    }
    const jobName = jobNameFor(cj.metadata.name, scheduled);
    const lastMs = typeof st.lastScheduleTime === 'string' ? Date.parse(st.lastScheduleTime) : undefined;
    if (st.active.some((r) => r.name === jobName) || lastMs === Math.floor(scheduled / 1000) * 1000) {
      return nextScheduleDelayMs(sched, state(), now);
    }
    const policy = str(spec(cj).concurrencyPolicy) || 'Allow';
    if (policy === 'Forbid' && st.active.length > 0) {
      events.event(cj, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
      return nextScheduleDelayMs(sched, state(), now);
    }
    if (policy === 'Replace') {
      for (const r of [...st.active]) {
        const j = await getOrUndefined(store, jobsInfo(), r.namespace, r.name ?? '');
        if (!j) continue;
        if (!(await deleteJob(cj, st, j))) throw new Error(`could not replace job ${r.namespace}/${r.name}`);
      }
    }
    let created: StoredObject;
    try {
      created = await store.create(jobsInfo(), cj.metadata.namespace, jobFromTemplate(cj, scheduled), { user });
      events.event(cj, 'Normal', 'SuccessfulCreate', `Created job ${created.metadata.name}`);
    } catch (e) {
      if (e instanceof ApiError && e.reason === 'AlreadyExists') {
        const existing = await getOrUndefined(store, jobsInfo(), cj.metadata.namespace, jobName);
        if (!existing) throw e;
        if (controllerOf(existing)?.uid !== cj.metadata.uid) throw new Error(`Job ${jobName} already exists but is not controlled by this CronJob`);
        created = existing;
      } else {
        if (!(e instanceof ApiError && e.code === 403 && /being terminated/.test(e.message))) {
          events.event(cj, 'Warning', 'FailedCreate', `Error creating job: ${(e as Error).message}`);
        }
        throw e;
      }
    }
    if (!st.active.some((r) => r.uid === created.metadata.uid)) st.active = [...st.active, jobRef(created)];
    st.lastScheduleTime = rfc3339(new Date(scheduled));
    return nextScheduleDelayMs(sched, state(), now);
  }

  /** cleanupFinishedJobs: keep the newest successfulJobsHistoryLimit / failedJobsHistoryLimit finished Jobs. */
  async function cleanupFinished(cj: StoredObject, jobs: StoredObject[], st: { active: ObjectReference[] }): Promise<void> {
    const s = spec(cj);
    const limits: [string, number | undefined][] = [
      ['Complete', num(s.successfulJobsHistoryLimit)],
      ['Failed', num(s.failedJobsHistoryLimit)],
    ];
    for (const [type, limit] of limits) {
      if (limit === undefined) continue;
      const done = jobs.filter((j) => finishedType(j) === type && !j.metadata.deletionTimestamp).sort(byStartTime);
      for (let i = 0; i < done.length - limit; i++) await deleteJob(cj, st, done[i]!);
    }
  }

  async function reconcileCronJob(namespace: string | undefined, name: string): Promise<ReconcileResult> {
    const cj = await getOrUndefined(store, cjInfo(), namespace, name);
    if (!cj) return;
    const jobs = (await store.list(jobsInfo(), namespace)).items.filter((j) => controllerOf(j)?.uid === cj.metadata.uid);
    const before = status(cj);
    const st = { ...clone(before), active: objs(before.active) as ObjectReference[] } as Record<string, unknown> & { active: ObjectReference[] };
    let requeue: number | undefined;
    let err: unknown;
    try {
      requeue = await sync(cj, jobs, st);
    } catch (e) {
      err = e;
    }
    if (!err) await cleanupFinished(cj, jobs, st);
    const next: Record<string, unknown> = { ...st };
    if (st.active.length === 0) delete next.active;
    if (!deepEqual(before, next)) {
      await ignoreNotFound(
        store.update(
          cjInfo(),
          namespace,
          name,
          (cur) => {
            if (!cur || cur.metadata.uid !== cj.metadata.uid) throw new ApiError(404, 'NotFound', 'gone');
            // Unpinned: this controller is the only status writer, and a spec change meanwhile does not undo a Job it started.
            return unpinned({ ...cur, status: next });
          },
          { user, subresource: 'status' },
        ),
      );
    }
    if (err) throw err;
    return requeue !== undefined ? { requeueAfterMs: Math.max(requeue, 0) } : undefined;
  }

  return {
    name: 'cronjob',
    async start(enqueue) {
      return watchMany([
        watchAll(store, cjInfo(), selfMapper(enqueue)),
        watchAll(store, jobsInfo(), ownerMapper({ ownerKind: 'CronJob', ownerGroup: 'batch', enqueue })),
      ]);
    },
    async reconcile(key) {
      const { namespace, name } = splitKey(key);
      try {
        return await reconcileCronJob(namespace, name);
      } catch (e) {
        if (isConflict(e) && !(e instanceof ApiError && e.reason === 'AlreadyExists')) return { requeueAfterMs: 20 };
        throw e;
      }
    },
  };
}

/** time.RFC1123Z in UTC: "Mon, 02 Jan 2006 15:04:05 +0000". */
function rfc1123z(ms: number): string {
  const d = new Date(ms);
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${days[d.getUTCDay()]}, ${p(d.getUTCDate())} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}
