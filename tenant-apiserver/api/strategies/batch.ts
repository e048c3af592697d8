// batch/v1 Jobs and CronJobs (pkg/apis/batch/v1/defaults.go,
// pkg/apis/batch/validation, pkg/registry/batch/*/strategy.go): defaults, the
// selector and `controller-uid`/`job-name` labels generated from the Job's uid,
// OnFailure/Never templates, the update rules, and cron schedules.

import type { FieldError } from '../errors.js';
import type { Strategy, StrategyContext } from '../strategy.js';
import type { KubeObject } from '../types.js';
import { cronScheduleError, isTimeZone } from './cron.js';
import { defaultPodTemplateSpec, podSpecQuantityError, validatePodTemplateSpec } from './pod-spec.js';
import { registerStrategy } from './register.js';
import {
  asObj,
  clone,
  decodeError,
  deepEqual,
  ensureObj,
  goLabelSelector,
  goStringMap,
  immutable,
  invalid,
  invalidGo,
  metaOf,
  notSupported,
  objs,
  required,
  setDefault,
  specOf,
  str,
  type Obj,
} from './util.js';
import { nonNegative, selectorEmpty, selectorMatches, validateLabelSelector } from './validators.js';

export const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';
export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const LEGACY_JOB_NAME_LABEL = 'job-name';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';

const MAX_INT32 = 2147483647;

// ---- defaults -------------------------------------------------------------------------------------------------------

/** SetDefaults_Job's JobSpec part (also used for CronJob job templates' pod templates). */
function defaultJobSpec(spec: Obj): void {
  if ((spec.completions === undefined || spec.completions === null) && (spec.parallelism === undefined || spec.parallelism === null)) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  setDefault(spec, 'parallelism', 1);
  if (spec.backoffLimit === undefined || spec.backoffLimit === null) {
    spec.backoffLimit = spec.backoffLimitPerIndex !== undefined && spec.backoffLimitPerIndex !== null ? MAX_INT32 : 6;
  }
  setDefault(spec, 'completionMode', 'NonIndexed');
  setDefault(spec, 'suspend', false);
  const pfp = asObj(spec.podFailurePolicy);
  if (pfp) {
    for (const rule of objs(pfp.rules)) for (const c of objs(rule.onPodConditions)) setDefault(c, 'status', 'True');
  }
  setDefault(spec, 'podReplacementPolicy', pfp ? 'Failed' : 'TerminatingOrFailed');
  defaultPodTemplateSpec(ensureObj(spec, 'template'));
}

/** SetDefaults_Job: spec defaults, and job labels from the template when it has none. */
export function defaultJob(job: KubeObject): void {
  const spec = specOf(job);
  defaultJobSpec(spec);
  const tLabels = asObj(asObj(asObj(spec.template)?.metadata)?.labels);
  const meta = metaOf(job);
  if (tLabels && Object.keys(asObj(meta.labels) ?? {}).length === 0) meta.labels = clone(tLabels);
}

/** generateSelector: template labels and a selector keyed on the Job's uid (unless manualSelector). */
export function generateJobSelector(job: KubeObject): void {
  const spec = specOf(job);
  if (spec.manualSelector === true) return;
  const meta = job.metadata ?? {};
  const tmeta = ensureObj(ensureObj(spec, 'template'), 'metadata');
  const labels = ensureObj(tmeta, 'labels');
  // Labels the user set are kept; a conflict is validation's to report.
  for (const k of [LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL]) if (!(k in labels)) labels[k] = str(meta.name);
  for (const k of [LEGACY_CONTROLLER_UID_LABEL, CONTROLLER_UID_LABEL]) if (!(k in labels)) labels[k] = str(meta.uid);
  const sel = ensureObj(spec, 'selector');
  const ml = ensureObj(sel, 'matchLabels');
  if (!(CONTROLLER_UID_LABEL in ml)) ml[CONTROLLER_UID_LABEL] = str(meta.uid);
}

export function defaultCronJob(cj: KubeObject): void {
  const spec = specOf(cj);
  setDefault(spec, 'concurrencyPolicy', 'Allow');
  setDefault(spec, 'suspend', false);
  setDefault(spec, 'successfulJobsHistoryLimit', 3);
  setDefault(spec, 'failedJobsHistoryLimit', 1);
  const jt = ensureObj(spec, 'jobTemplate');
  defaultPodTemplateSpec(ensureObj(ensureObj(jt, 'spec'), 'template'));
}

// ---- validation -----------------------------------------------------------------------------------------------------

/** validateJobSpec: the part shared by Jobs and CronJob job templates. `p` is the spec's path. */
function validateJobSpecCommon(spec: Obj, p: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const k of ['parallelism', 'completions', 'activeDeadlineSeconds', 'backoffLimit', 'ttlSecondsAfterFinished', 'backoffLimitPerIndex', 'maxFailedIndexes']) {
    errs.push(...nonNegative(`${p}.${k}`, spec[k]));
  }
  const mode = spec.completionMode;
  if (mode !== undefined && mode !== null && mode !== 'NonIndexed' && mode !== 'Indexed') {
    errs.push(notSupported(`${p}.completionMode`, mode, ['NonIndexed', 'Indexed']));
  }
  if (mode === 'Indexed') {
    if (spec.completions === undefined || spec.completions === null) errs.push(required(`${p}.completions`, 'when completion mode is Indexed'));
    if (typeof spec.parallelism === 'number' && spec.parallelism > 100000) errs.push(invalid(`${p}.parallelism`, spec.parallelism, 'must be less than or equal to 100000 when completion mode is Indexed'));
  }
  if (spec.backoffLimitPerIndex !== undefined && spec.backoffLimitPerIndex !== null && mode !== 'Indexed') {
    errs.push(invalid(`${p}.backoffLimitPerIndex`, spec.backoffLimitPerIndex, 'requires indexed completion mode'));
  }
  if (spec.podReplacementPolicy !== undefined && spec.podReplacementPolicy !== null) {
    const allowed = ['Failed', 'TerminatingOrFailed'];
    if (!allowed.includes(str(spec.podReplacementPolicy))) errs.push(notSupported(`${p}.podReplacementPolicy`, spec.podReplacementPolicy, allowed));
    else if (asObj(spec.podFailurePolicy) && spec.podReplacementPolicy !== 'Failed') {
      errs.push(notSupported(`${p}.podReplacementPolicy`, spec.podReplacementPolicy, ['Failed']));
    }
  }
  errs.push(...validatePodTemplateSpec(spec.template, `${p}.template`));
  const tspec = asObj(asObj(spec.template)?.spec) ?? {};
  const rp = tspec.restartPolicy;
  if (rp !== 'OnFailure' && rp !== 'Never') errs.push(notSupported(`${p}.template.spec.restartPolicy`, rp ?? '', ['OnFailure', 'Never']));
  else if (asObj(spec.podFailurePolicy) && rp !== 'Never') {
    errs.push(invalid(`${p}.template.spec.restartPolicy`, rp, 'only "Never" is supported when podFailurePolicy is specified'));
  }
  return errs;
}

/** ValidateHasLabel. */
function hasLabel(tmeta: Obj, field: string, key: string, want: string): FieldError[] {
  const labels = asObj(tmeta.labels) ?? {};
  if (!(key in labels)) return [required(`${field}.labels[${key}]`, `must be '${want}'`)];
  if (labels[key] !== want) return [invalidGo(`${field}.labels[${key}]`, goStringMap(labels), `must be '${want}'`)];
  return [];
}

/** ValidateJob's spec checks (selector present, matching, generated-selector consistency). */
export function validateJob(job: KubeObject): FieldError[] {
  const spec = asObj(job.spec) ?? {};
  const errs = validateJobSpecCommon(spec, 'spec');
  const sel = spec.selector;
  const tmeta = asObj(asObj(spec.template)?.metadata) ?? {};
  if (sel === undefined || sel === null) errs.push(required('spec.selector'));
  else errs.push(...validateLabelSelector(sel, 'spec.selector'));
  // A missing selector matches nothing; an empty one everything.
  if ((!asObj(sel) || !selectorEmpty(sel)) && !selectorMatches(sel, tmeta.labels)) {
    errs.push(invalidGo('spec.template.metadata.labels', goStringMap(tmeta.labels), '`selector` does not match template `labels`'));
  }
  if (spec.manualSelector !== true) {
    const uid = str(job.metadata?.uid);
    const name = str(job.metadata?.name);
    const p = 'spec.template.metadata';
    errs.push(...hasLabel(tmeta, p, LEGACY_CONTROLLER_UID_LABEL, uid), ...hasLabel(tmeta, p, LEGACY_JOB_NAME_LABEL, name));
    errs.push(...hasLabel(tmeta, p, CONTROLLER_UID_LABEL, uid), ...hasLabel(tmeta, p, JOB_NAME_LABEL, name));
    if (asObj(sel) && !selectorMatches(sel, { [CONTROLLER_UID_LABEL]: uid })) {
      errs.push(invalidGo('spec.selector', goLabelSelector(sel), '`selector` not auto-generated'));
    }
  }
  return errs;
}

/** Template fields a suspended, never-started Job may change (kube's mutable scheduling directives). */
const SUSPENDED_MUTABLE_TEMPLATE_SPEC = ['nodeSelector', 'affinity', 'tolerations', 'schedulingGates'];

export function validateJobUpdate(job: KubeObject, old: KubeObject): FieldError[] {
  const spec = asObj(job.spec) ?? {};
  const oldSpec = asObj(old.spec) ?? {};
  const errs = validateJob(job);
  errs.push(...immutable('spec.selector', spec.selector, oldSpec.selector, goLabelSelector));
  const elastic = spec.completionMode === 'Indexed' && oldSpec.completionMode === 'Indexed' && spec.completions === spec.parallelism && oldSpec.completions === oldSpec.parallelism;
  if (!elastic) errs.push(...immutable('spec.completions', spec.completions ?? null, oldSpec.completions ?? null));
  errs.push(...immutable('spec.completionMode', spec.completionMode ?? null, oldSpec.completionMode ?? null));
  for (const k of ['podFailurePolicy', 'backoffLimitPerIndex', 'managedBy', 'successPolicy']) {
    if (!deepEqual(spec[k], oldSpec[k])) errs.push(invalid(`spec.${k}`, spec[k] === undefined ? null : JSON.stringify(spec[k]), 'field is immutable'));
  }
  const t = clone(asObj(spec.template) ?? {});
  const ot = clone(asObj(oldSpec.template) ?? {});
  const notStarted = !asObj(old.status)?.startTime;
  if (oldSpec.suspend === true && notStarted) {
    // Scheduling directives of a suspended job that never started may change.
    for (const x of [t, ot]) {
      const m = asObj(x.metadata);
      if (m) {
        delete m.labels;
        delete m.annotations;
      }
      const s = asObj(x.spec);
      if (s) for (const k of SUSPENDED_MUTABLE_TEMPLATE_SPEC) delete s[k];
    }
  }
  if (!deepEqual(t, ot)) errs.push(invalid('spec.template', JSON.stringify(spec.template ?? null), 'field is immutable'));
  return errs;
}

function checkTemplateQuantities(tspec: unknown, ctx: StrategyContext): void {
  const s = asObj(tspec);
  const err = s ? podSpecQuantityError(s) : undefined;
  if (err) throw decodeError(ctx, err);
}

function validateJobStatus(job: KubeObject): FieldError[] {
  const s = asObj(job.status) ?? {};
  const errs: FieldError[] = [];
  for (const k of ['active', 'succeeded', 'failed', 'ready', 'terminating']) errs.push(...nonNegative(`status.${k}`, s[k]));
  return errs;
}

export const jobStrategy: Strategy = {
  prepareForCreate(obj, ctx) {
    checkTemplateQuantities(asObj(asObj(obj.spec)?.template)?.spec, ctx);
    // kube defaults while decoding, before the selector is generated.
    defaultJob(obj);
    generateJobSelector(obj);
    obj.status = {};
  },
  prepareForUpdate(obj, _old, ctx) {
    if (ctx.subresource !== 'status') checkTemplateQuantities(asObj(asObj(obj.spec)?.template)?.spec, ctx);
  },
  defaults: (obj) => defaultJob(obj),
  validate: (obj) => validateJob(obj),
  validateUpdate(obj, old, ctx) {
    if (ctx.subresource === 'status') return validateJobStatus(obj);
    return validateJobUpdate(obj, old);
  },
  selectableFields: (obj) => ({ 'status.successful': String(asObj(obj.status)?.succeeded ?? 0) }),
};

// ---- CronJobs -------------------------------------------------------------------------------------------------------

function validateTimeZone(tz: unknown): FieldError[] {
  if (tz === undefined || tz === null) return [];
  const s = String(tz);
  if (s === '') return [invalid('spec.timeZone', s, 'timeZone must be nil or non-empty string')];
  for (const part of s.split('/')) {
    if (part === '.' || part === '..' || part.startsWith('-') || !/^[A-Za-z._+\-0-9]+$/.test(part)) {
      return [invalid('spec.timeZone', s, `unknown time zone ${s}`)];
    }
  }
  const errs: FieldError[] = [];
  if (s.toLowerCase() === 'local') errs.push(invalid('spec.timeZone', s, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones'));
  else if (!isTimeZone(s)) errs.push(invalid('spec.timeZone', s, `unknown time zone ${s}`));
  return errs;
}

export function validateCronJob(cj: KubeObject, old?: KubeObject): FieldError[] {
  const spec = asObj(cj.spec) ?? {};
  const errs: FieldError[] = [];
  const schedule = str(spec.schedule);
  if (!schedule) errs.push(required('spec.schedule'));
  else {
    const e = cronScheduleError(schedule);
    if (e) errs.push(invalid('spec.schedule', schedule, e));
    const allowTZ = old !== undefined && str(asObj(old.spec)?.schedule).includes('TZ');
    if (allowTZ && schedule.includes('TZ') && spec.timeZone !== undefined && spec.timeZone !== null) {
      errs.push(invalid('spec.schedule', schedule, 'cannot use both timeZone field and TZ or CRON_TZ in schedule'));
    } else if (!allowTZ && schedule.includes('TZ')) {
      errs.push(invalid('spec.schedule', schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
    }
  }
  errs.push(...validateTimeZone(spec.timeZone));
  errs.push(...nonNegative('spec.startingDeadlineSeconds', spec.startingDeadlineSeconds));
  const cp = spec.concurrencyPolicy;
  if (!cp) errs.push(required('spec.concurrencyPolicy'));
  else if (!['Allow', 'Forbid', 'Replace'].includes(str(cp))) errs.push(notSupported('spec.concurrencyPolicy', cp, ['Allow', 'Forbid', 'Replace']));
  errs.push(...nonNegative('spec.successfulJobsHistoryLimit', spec.successfulJobsHistoryLimit));
  errs.push(...nonNegative('spec.failedJobsHistoryLimit', spec.failedJobsHistoryLimit));
  const jt = asObj(spec.jobTemplate) ?? {};
  const jspec = asObj(jt.spec) ?? {};
  errs.push(...validateJobSpecCommon(jspec, 'spec.jobTemplate.spec'));
  if (jspec.selector !== undefined && jspec.selector !== null) {
    errs.push(invalidGo('spec.jobTemplate.spec.selector', goLabelSelector(jspec.selector), '`selector` will be auto-generated'));
  }
  if (jspec.manualSelector === true) errs.push(notSupported('spec.jobTemplate.spec.manualSelector', true, ['nil', 'false']));
  // The controller appends an 11-character suffix to job names (63 - 11).
  const name = str(cj.metadata?.name);
  if (old === undefined && name.length > 52) errs.push(invalid('metadata.name', name, 'must be no more than 52 characters'));
  return errs;
}

export const cronJobStrategy: Strategy = {
  prepareForCreate(obj, ctx) {
    checkTemplateQuantities(asObj(asObj(asObj(asObj(obj.spec)?.jobTemplate)?.spec)?.template)?.spec, ctx);
    obj.status = {};
  },
  prepareForUpdate(obj, _old, ctx) {
    if (ctx.subresource !== 'status') checkTemplateQuantities(asObj(asObj(asObj(asObj(obj.spec)?.jobTemplate)?.spec)?.template)?.spec, ctx);
  },
  defaults: (obj) => defaultCronJob(obj),
  validate: (obj) => validateCronJob(obj),
  validateUpdate(obj, old, ctx) {
    if (ctx.subresource === 'status') return [];
    return validateCronJob(obj, old);
  },
};

registerStrategy('batch', 'jobs', jobStrategy);
registerStrategy('batch', 'cronjobs', cronJobStrategy);

