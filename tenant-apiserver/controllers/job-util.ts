// Pure pieces of the Job controller (pkg/controller/job): completion-index
// sets in kube's compressed "0-2,5" form, how many pods to run, which indexes
// to start, pod failure backoff, and the conditions kube 1.34 writes.

import { rfc3339 } from '../api/types.js';
import type { Condition } from './common.js';

export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
export const COMPLETION_INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';
export const COMPLETION_INDEX_ENV = 'JOB_COMPLETION_INDEX';
/** DefaultJobPodFailureBackOff and MaxJobPodFailureBackOff. */
export const POD_FAILURE_BACKOFF_MS = 10_000;
export const MAX_POD_FAILURE_BACKOFF_MS = 10 * 60_000;

export const JOB_REASON = {
  BackoffLimitExceeded: 'BackoffLimitExceeded',
  DeadlineExceeded: 'DeadlineExceeded',
  CompletionsReached: 'CompletionsReached',
} as const;

export const JOB_MESSAGE = {
  BackoffLimitExceeded: 'Job has reached the specified backoff limit',
  DeadlineExceeded: 'Job was active longer than specified deadline',
  CompletionsReached: 'Reached expected number of succeeded pods',
} as const;

/** Parse "1,3-5" into a sorted list of indexes (invalid parts are skipped, as kube does). */
export function parseIndexes(s: string | undefined, completions: number): number[] {
  const out = new Set<number>();
  for (const part of (s ?? '').split(',')) {
    if (part === '') continue;
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) continue;
    const lo = Number(m[1]);
    const hi = m[2] !== undefined ? Number(m[2]) : lo;
    for (let i = lo; i <= hi && i < completions; i++) out.add(i);
  }
  return [...out].sort((a, b) => a - b);
}

/** Render a set of indexes compressed into intervals: [0,1,2,5] → "0-2,5". */
export function formatIndexes(indexes: Iterable<number>): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** The completion index a pod carries (annotation, then label); undefined when missing or invalid. */
export function completionIndexOf(pod: { metadata?: { annotations?: Record<string, string>; labels?: Record<string, string> } }): number | undefined {
  const v = pod.metadata?.annotations?.[COMPLETION_INDEX_ANNOTATION] ?? pod.metadata?.labels?.[COMPLETION_INDEX_ANNOTATION];
  if (v === undefined || !/^\d+$/.test(v)) return undefined;
  return Number(v);
}

/**
 * How many pods a NonIndexed Job wants running: the remaining completions
 * capped by parallelism; a work-queue Job (no completions) runs `parallelism`
 * until one pod succeeds, then starts no more.
 */
export function wantActive(completions: number | undefined, parallelism: number, succeeded: number, active: number): number {
  if (completions === undefined) return succeeded > 0 ? active : parallelism;
  return Math.max(0, Math.min(parallelism, completions - succeeded));
}

/** The lowest indexes neither completed nor running, at most `count` of them. */
export function indexesToStart(completions: number, completed: Set<number>, running: Set<number>, count: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < completions && out.length < count; i++) if (!completed.has(i) && !running.has(i)) out.push(i);
  return out;
}

/** The delay before a new pod after `failures` consecutive failures, the last at lastFailureMs. */
export function remainingBackoffMs(failures: number, lastFailureMs: number, nowMs: number): number {
  if (failures <= 0) return 0;
  const backoff = Math.min(POD_FAILURE_BACKOFF_MS * 2 ** (failures - 1), MAX_POD_FAILURE_BACKOFF_MS);
  return Math.max(0, lastFailureMs + backoff - nowMs);
}

export function jobCondition(type: string, reason: string, message: string, nowMs: number, status = 'True'): Condition {
  const t = rfc3339(new Date(nowMs));
  return { type, status, lastProbeTime: t, lastTransitionTime: t, reason, message };
}

/** The condition that says a Job is done (Complete or Failed, True), if any. */
export function finishedCondition(conds: Condition[]): Condition | undefined {
  return conds.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

/** The interim condition (SuccessCriteriaMet / FailureTarget, True) a finishing Job carries, if any. */
export function finishingCondition(conds: Condition[]): Condition | undefined {
  return conds.find((c) => (c.type === 'SuccessCriteriaMet' || c.type === 'FailureTarget') && c.status === 'True');
}
