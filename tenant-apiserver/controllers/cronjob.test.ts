import { afterEach, describe, expect, it } from 'vitest';
import { rfc3339, type StoredObject } from '../api/types.js';
import { cronJobController, jobNameFor } from './cronjob.js';
import { controllerEnv, type ControllerEnv } from './testkit.js';

const CJ = 'batch/v1/cronjobs';
const JOBS = 'batch/v1/jobs';
let env: ControllerEnv;
let now = 0;

afterEach(async () => env?.close());

/** The controller's clock is ours: minutes pass when the test says so. */
const start = async () => {
  now = Date.now();
  env = await controllerEnv((r, s) => [cronJobController(r, s, { clock: () => now })]);
};

function cronJob(name: string, spec: Record<string, unknown> = {}) {
  return {
    metadata: { name },
    spec: {
      schedule: '*/1 * * * *',
      jobTemplate: { metadata: { labels: { team: 'a' } }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } },
      ...spec,
    },
  };
}

const minute = (ms: number) => Math.floor(ms / 60_000) * 60_000;
const st = async (name: string) => ((await env.get(CJ, name))?.status ?? {}) as { active?: { name: string; uid: string }[]; lastScheduleTime?: string; lastSuccessfulTime?: string };
/** Requeue the CronJob now (what its timer would do), after moving the clock. */
const tick = (name: string) => env.update(CJ, name, (o) => ({ ...o, metadata: { ...o.metadata, annotations: { tick: String(Math.random()) } } }));
const finish = (j: StoredObject, type: 'Complete' | 'Failed', at: number) =>
  env.update(
    JOBS,
    j.metadata.name,
    (o) => ({
      ...o,
      status: {
        startTime: rfc3339(new Date(at - 1000)),
        ...(type === 'Complete' ? { completionTime: rfc3339(new Date(at)), succeeded: 1 } : { failed: 1 }),
        conditions: [
          { type: type === 'Complete' ? 'SuccessCriteriaMet' : 'FailureTarget', status: 'True', reason: 'X', message: 'x' },
          { type, status: 'True', reason: 'X', message: 'x' },
        ],
      },
    }),
    { sub: 'status' },
  );

describe('CronJob controller', () => {
  it('creates the Job for the most recent missed activation only', async () => {
    await start();
    const cj = await env.create(CJ, cronJob('tick'));
    now += 5 * 60_000;
    await tick('tick');
    const jobs = await env.until(async () => {
      const js = await env.list(JOBS);
      return js.length > 0 && js;
    });
    await new Promise((r) => setTimeout(r, 100));
    expect((await env.list(JOBS)).length).toBe(1);
    const scheduled = minute(now);
    const j = jobs[0]!;
    expect(j.metadata.name).toBe(jobNameFor('tick', scheduled));
    expect(j.metadata.labels).toEqual({ team: 'a' });
    expect(j.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp']).toBe(rfc3339(new Date(scheduled)));
    expect(j.metadata.ownerReferences).toEqual([{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'tick', uid: cj.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    await env.until(async () => (await st('tick')).lastScheduleTime === rfc3339(new Date(scheduled)));
    expect((await st('tick')).active?.map((a) => a.name)).toEqual([j.metadata.name]);
  });

  it('warns about more than 100 missed activations', async () => {
    await start();
    await env.create(CJ, cronJob('late'));
    now += 3 * 3600_000;
    await tick('late');
    await env.until(async () => (await env.list('/v1/events')).some((e) => e.reason === 'TooManyMissedTimes'));
    const ev = (await env.list('/v1/events')).find((e) => e.reason === 'TooManyMissedTimes')!;
    expect(ev).toMatchObject({ type: 'Warning', message: 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew' });
    await env.until(async () => (await env.list(JOBS)).length === 1);
  });

  it('skips activations older than startingDeadlineSeconds', async () => {
    await start();
    // A whole minute ahead of the next activation, then 30s past it: outside a 10s deadline.
    now = minute(now) + 60_000;
    await env.create(CJ, cronJob('strict', { startingDeadlineSeconds: 10 }));
    now += 90_000;
    await tick('strict');
    await new Promise((r) => setTimeout(r, 150));
    expect(await env.list(JOBS)).toEqual([]);
  });

  it('Forbid skips while a Job runs; Replace swaps it', async () => {
    await start();
    await env.create(CJ, cronJob('single', { concurrencyPolicy: 'Forbid' }));
    now += 2 * 60_000;
    await tick('single');
    await env.until(async () => (await st('single')).active?.length === 1);
    now += 60_000;
    await tick('single');
    await env.until(async () => (await env.list('/v1/events')).some((e) => e.reason === 'JobAlreadyActive'));
    expect((await env.list(JOBS)).length).toBe(1);

    await env.update(CJ, 'single', (o) => ({ ...o, spec: { ...(o.spec as object), concurrencyPolicy: 'Replace' } }));
    const first = (await env.list(JOBS))[0]!;
    now += 60_000;
    await tick('single');
    await env.until(async () => {
      const js = await env.list(JOBS);
      return js.length === 1 && js[0]!.metadata.uid !== first.metadata.uid;
    });
    await env.until(async () => (await st('single')).active?.length === 1 && (await st('single')).active![0]!.uid !== first.metadata.uid);
  });

  it('records lastSuccessfulTime, forgets finished Jobs and keeps the history limits', async () => {
    await start();
    await env.create(CJ, cronJob('hist', { successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 1 }));
    const created: StoredObject[] = [];
    for (let i = 0; i < 3; i++) {
      now += 60_000;
      await tick('hist');
      const j = await env.until(async () => (await env.list(JOBS)).find((x) => !created.some((c) => c.metadata.uid === x.metadata.uid)));
      created.push(j);
      await finish(j, 'Complete', now - 1000 + i);
    }
    await env.until(async () => (await env.list(JOBS)).length === 1);
    expect((await env.list(JOBS))[0]!.metadata.name).toBe(created[2]!.metadata.name);
    await env.until(async () => !(await st('hist')).active);
    expect((await st('hist')).lastSuccessfulTime).toBeDefined();
  });

  it('does nothing while suspended', async () => {
    await start();
    await env.create(CJ, cronJob('off', { suspend: true }));
    now += 10 * 60_000;
    await tick('off');
    await new Promise((r) => setTimeout(r, 150));
    expect(await env.list(JOBS)).toEqual([]);
  });
});
