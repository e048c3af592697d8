import { afterEach, describe, expect, it } from 'vitest';
import type { StoredObject } from '../api/types.js';
import { garbageCollectorController } from './gc.js';
import { jobController } from './job.js';
import { controllerEnv, type ControllerEnv } from './testkit.js';
import { ttlAfterFinishedController } from './ttl-after-finished.js';

const JOBS = 'batch/v1/jobs';
const PODS = '/v1/pods';
let env: ControllerEnv;
let offset = 0;
const clock = () => Date.now() + offset;

afterEach(async () => {
  offset = 0;
  await env?.close();
});

const start = () => controllerEnv((r, s) => [jobController(r, s, { clock }), garbageCollectorController(r, s), ttlAfterFinishedController(r, s)]);

function job(name: string, spec: Record<string, unknown> = {}) {
  return { metadata: { name }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } }, ...spec } };
}

const st = async (name: string) => ((await env.get(JOBS, name))?.status ?? {}) as Record<string, unknown>;
const conds = async (name: string) => (((await st(name)).conditions ?? []) as { type: string; reason: string; status: string; message: string }[]).map((c) => `${c.type}/${c.reason}`);
const podsOf = async (name: string) => (await env.list(PODS)).filter((p) => p.metadata.labels?.['batch.kubernetes.io/job-name'] === name && !p.metadata.deletionTimestamp);
const phase = (p: StoredObject) => (p.status as { phase?: string })?.phase;

async function activePods(name: string, n: number): Promise<StoredObject[]> {
  return env.until(async () => {
    const ps = (await podsOf(name)).filter((p) => phase(p) === 'Pending');
    return ps.length === n && ps;
  });
}

describe('Job controller', () => {
  it('runs pods to completions, tracking them with a finalizer', async () => {
    env = await start();
    await env.create(JOBS, job('two', { completions: 2, parallelism: 1 }));
    const [p1] = await activePods('two', 1);
    expect(p1!.metadata.finalizers).toEqual(['batch.kubernetes.io/job-tracking']);
    expect(p1!.metadata.generateName).toBe('two-');
    await env.until(async () => (await st('two')).active === 1);
    expect(await st('two')).toMatchObject({ active: 1, ready: 0, terminating: 0, uncountedTerminatedPods: {} });
    expect((await st('two')).startTime).toBeDefined();
    await env.setPod(p1!.metadata.name, 'Succeeded');
    const [p2] = await env.until(async () => {
      const ps = (await podsOf('two')).filter((p) => p.metadata.name !== p1!.metadata.name);
      return ps.length === 1 && ps;
    });
    await env.until(async () => (await st('two')).succeeded === 1);
    await env.setPod(p2!.metadata.name, 'Succeeded');
    await env.until(async () => (await conds('two')).includes('Complete/CompletionsReached'));
    expect(await conds('two')).toEqual(['SuccessCriteriaMet/CompletionsReached', 'Complete/CompletionsReached']);
    const s = await st('two');
    expect(s).toMatchObject({ succeeded: 2, ready: 0, terminating: 0, uncountedTerminatedPods: {} });
    expect(s.active).toBeUndefined();
    expect(s.completionTime).toBeDefined();
    for (const p of await podsOf('two')) expect(p.metadata.finalizers).toBeUndefined();
    const reasons = (await env.list('/v1/events')).filter((e) => (e.involvedObject as { name: string }).name === 'two').map((e) => e.reason);
    expect(reasons).toEqual(expect.arrayContaining(['SuccessfulCreate', 'Completed']));
  });

  it('fails once failures pass backoffLimit', async () => {
    env = await start();
    await env.create(JOBS, job('flaky', { backoffLimit: 1 }));
    const [p1] = await activePods('flaky', 1);
    await env.setPod(p1!.metadata.name, 'Failed');
    await env.until(async () => (await st('flaky')).failed === 1);
    // The replacement waits out the 10s pod failure backoff.
    expect((await podsOf('flaky')).filter((p) => phase(p) === 'Pending')).toEqual([]);
    offset = 11_000;
    await env.update(JOBS, 'flaky', (j) => ({ ...j, metadata: { ...j.metadata, annotations: { poke: '1' } } }));
    const [p2] = await activePods('flaky', 1);
    await env.setPod(p2!.metadata.name, 'Failed');
    await env.until(async () => (await conds('flaky')).includes('Failed/BackoffLimitExceeded'));
    expect(await conds('flaky')).toEqual(['FailureTarget/BackoffLimitExceeded', 'Failed/BackoffLimitExceeded']);
    expect(await st('flaky')).toMatchObject({ failed: 2 });
    expect((await st('flaky')).completionTime).toBeUndefined();
    const warning = (await env.list('/v1/events')).find((e) => e.reason === 'BackoffLimitExceeded');
    expect(warning).toMatchObject({ type: 'Warning', message: 'Job has reached the specified backoff limit' });
  });

  it('runs Indexed Jobs one pod per index', async () => {
    env = await start();
    await env.create(JOBS, job('idx', { completions: 3, parallelism: 3, completionMode: 'Indexed' }));
    const pods = await activePods('idx', 3);
    const byIndex = new Map(pods.map((p) => [p.metadata.annotations?.['batch.kubernetes.io/job-completion-index'], p]));
    expect([...byIndex.keys()].sort()).toEqual(['0', '1', '2']);
    const p1 = byIndex.get('1')!;
    expect(p1.metadata.labels?.['batch.kubernetes.io/job-completion-index']).toBe('1');
    expect(p1.metadata.generateName).toBe('idx-1-');
    expect((p1.spec as { hostname: string }).hostname).toBe('idx-1');
    expect((p1.spec as { containers: { env: unknown[] }[] }).containers[0]!.env).toEqual([
      { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } },
    ]);
    await env.setPod(p1.metadata.name, 'Succeeded');
    await env.until(async () => (await st('idx')).completedIndexes === '1');
    expect(await st('idx')).toMatchObject({ succeeded: 1, active: 2 });
    for (const ix of ['0', '2']) await env.setPod(byIndex.get(ix)!.metadata.name, 'Succeeded');
    await env.until(async () => (await conds('idx')).includes('Complete/CompletionsReached'));
    expect(await st('idx')).toMatchObject({ succeeded: 3, completedIndexes: '0-2' });
  });

  it('fails a Job past activeDeadlineSeconds and stops its pods', async () => {
    env = await start();
    await env.create(JOBS, job('slow', { activeDeadlineSeconds: 1 }));
    await activePods('slow', 1);
    await env.until(async () => (await conds('slow')).includes('Failed/DeadlineExceeded'), 4000);
    expect(await conds('slow')).toEqual(['FailureTarget/DeadlineExceeded', 'Failed/DeadlineExceeded']);
    expect(await podsOf('slow')).toEqual([]);
    // The running pod was stopped: it counts as failed.
    expect(await st('slow')).toMatchObject({ failed: 1 });
  });

  it('starts nothing while suspended and resumes', async () => {
    env = await start();
    await env.create(JOBS, job('later', { suspend: true }));
    await env.until(async () => (await conds('later')).includes('Suspended/JobSuspended'));
    expect(await podsOf('later')).toEqual([]);
    expect((await st('later')).startTime).toBeUndefined();
    await env.update(JOBS, 'later', (j) => ({ ...j, spec: { ...(j.spec as object), suspend: false } }));
    await activePods('later', 1);
    expect(await conds('later')).toEqual(['Suspended/JobResumed']);
  });

  it('deletes a finished Job after ttlSecondsAfterFinished, pods first', async () => {
    env = await start();
    await env.create(JOBS, job('short', { ttlSecondsAfterFinished: 0 }));
    const [p] = await activePods('short', 1);
    await env.setPod(p!.metadata.name, 'Succeeded');
    await env.until(async () => !(await env.get(JOBS, 'short')));
    await env.until(async () => (await env.list(PODS)).length === 0);
  });

  it('lets the pods of a deleted Job go (their tracking finalizer is removed)', async () => {
    env = await start();
    await env.create(JOBS, job('gone', { parallelism: 2, completions: 2 }));
    await activePods('gone', 2);
    await env.delete(JOBS, 'gone', { propagationPolicy: 'Background' });
    await env.until(async () => (await env.list(PODS)).length === 0);
  });
});
