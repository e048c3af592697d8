// batch/v1: jobs and cron jobs.

import { humanDuration, parseTimestamp, translateTimestampSince } from './age.js';
import {
  ageColumn,
  ageOf,
  boolPtr,
  col,
  containersColumn,
  formatLabelSelector,
  imagesColumn,
  int,
  isDeleting,
  layoutContainerCells,
  nameColumn,
  nameOf,
  obj,
  objs,
  str,
  type Json,
} from './format.js';
import type { KubeObject, Printer } from './types.js';

/** The first condition of the type decides, as in kube's hasJobCondition. */
function jobCondition(conditions: Json[], type: string): boolean {
  const c = conditions.find((x) => str(x.type) === type);
  return !!c && str(c.status) === 'True';
}

export function jobStatus(job: KubeObject): string {
  const conditions = objs(obj(job.status).conditions);
  if (jobCondition(conditions, 'Complete')) return 'Complete';
  if (jobCondition(conditions, 'Failed')) return 'Failed';
  if (isDeleting(job)) return 'Terminating';
  if (jobCondition(conditions, 'Suspended')) return 'Suspended';
  if (jobCondition(conditions, 'FailureTarget')) return 'FailureTarget';
  if (jobCondition(conditions, 'SuccessCriteriaMet')) return 'SuccessCriteriaMet';
  return 'Running';
}

/** "3/5", or for a work-queue job without completions "0/1" / "0/1 of 4" (parallelism). */
export function jobCompletions(job: KubeObject): string {
  const spec = obj(job.spec);
  const succeeded = int(obj(job.status).succeeded);
  if (typeof spec.completions === 'number') return `${succeeded}/${int(spec.completions)}`;
  const parallelism = int(spec.parallelism);
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

/** Run time so far (running job) or start-to-completion time; "" before the job started. */
export function jobDuration(job: KubeObject, now: number): string {
  const status = obj(job.status);
  const start = parseTimestamp(status.startTime);
  if (start === null) return '';
  const completion = parseTimestamp(status.completionTime);
  return humanDuration((completion ?? now) - start);
}

export const jobPrinter: Printer = {
  columns: [
    nameColumn(),
    col('Status', 'string', 'Status of the job.'),
    col('Completions', 'string', 'The number of pods which reached phase Succeeded.'),
    col('Duration', 'string', 'Time required to complete the job.'),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    col('Selector', 'string', 'A label query over pods that should match the pod count.', 1),
  ],
  cells(job, now) {
    const spec = obj(job.spec);
    const [names, images] = layoutContainerCells(obj(obj(spec.template).spec).containers);
    return [
      nameOf(job),
      jobStatus(job),
      jobCompletions(job),
      jobDuration(job, now),
      ageOf(job, now),
      names,
      images,
      formatLabelSelector(spec.selector),
    ];
  },
};

export const cronJobPrinter: Printer = {
  columns: [
    nameColumn(),
    col('Schedule', 'string', 'The schedule in Cron format.'),
    col('Timezone', 'string', 'The time zone name for the given schedule.'),
    col('Suspend', 'boolean', 'Whether the controller suspends subsequent executions.'),
    col('Active', 'integer', 'A list of pointers to currently running jobs.'),
    col('Last Schedule', 'string', 'Information when was the last time the job was successfully scheduled.'),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    col('Selector', 'string', 'A label query over pods that should match the pod count.', 1),
  ],
  cells(cj, now) {
    const spec = obj(cj.spec);
    const status = obj(cj.status);
    const jobSpec = obj(obj(spec.jobTemplate).spec);
    const [names, images] = layoutContainerCells(obj(obj(jobSpec.template).spec).containers);
    const last = status.lastScheduleTime ? translateTimestampSince(status.lastScheduleTime, now) : '<none>';
    return [
      nameOf(cj),
      str(spec.schedule),
      typeof spec.timeZone === 'string' ? spec.timeZone : '<none>',
      boolPtr(spec.suspend),
      objs(status.active).length,
      last,
      ageOf(cj, now),
      names,
      images,
      formatLabelSelector(jobSpec.selector),
    ];
  },
};
