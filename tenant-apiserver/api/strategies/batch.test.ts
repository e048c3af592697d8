import { describe, expect, it } from 'vitest';
import './index.js';
import { CONTROLLER_UID_LABEL, JOB_NAME_LABEL } from './batch.js';
import { cronScheduleError } from './cron.js';
import { strategyFor } from './register.js';
import { create, info, update } from './testkit.js';
import type { KubeObject } from '../types.js';

const jobs = info({ group: 'batch', resource: 'jobs', kind: 'Job' });
const cronjobs = info({ group: 'batch', resource: 'cronjobs', kind: 'CronJob' });
const UID = '11111111-2222-3333-4444-555555555555';

function job(spec: Record<string, unknown> = {}, podSpec: Record<string, unknown> = { restartPolicy: 'Never' }): KubeObject {
  return { metadata: { name: 'pi' }, spec: { template: { spec: { containers: [{ name: 'pi', image: 'perl:5' }], ...podSpec } }, ...spec } };
}

describe('jobs', () => {
  it('default the spec and generate selector and labels from the uid', () => {
    const r = create(jobs, job());
    expect(r.errors).toEqual([]);
    const spec = r.obj.spec as Record<string, unknown>;
    expect(spec).toMatchObject({ completions: 1, parallelism: 1, backoffLimit: 6, completionMode: 'NonIndexed', suspend: false, podReplacementPolicy: 'TerminatingOrFailed' });
    expect(spec.selector).toEqual({ matchLabels: { [CONTROLLER_UID_LABEL]: UID } });
    const labels = { 'controller-uid': UID, [CONTROLLER_UID_LABEL]: UID, 'job-name': 'pi', [JOB_NAME_LABEL]: 'pi' };
    expect((spec.template as { metadata: unknown }).metadata).toEqual({ labels });
    // Jobs without labels take their template's, generated ones included.
    expect(r.obj.metadata!.labels).toEqual(labels);
    expect(r.obj.status).toEqual({});
  });

  it('refuses restartPolicy Always with kube\'s message', () => {
    expect(create(jobs, job({}, {})).errors).toEqual(['spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"']);
  });

  it('keeps a manual selector as given and requires it to match', () => {
    const r = create(jobs, job({ manualSelector: true, selector: { matchLabels: { a: 'b' } } }));
    expect(r.errors).toEqual(['spec.template.metadata.labels: Invalid value: map[string]string(nil): `selector` does not match template `labels`']);
    expect(create(jobs, job({ manualSelector: true })).errors).toEqual([
      'spec.selector: Required value',
      'spec.template.metadata.labels: Invalid value: map[string]string(nil): `selector` does not match template `labels`',
    ]);
  });

  it('rejects a selector that was not generated', () => {
    const sel = `v1.LabelSelector{MatchLabels:map[string]string{"app":"x", "batch.kubernetes.io/controller-uid":"${UID}"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}`;
    const r = create(jobs, job({ selector: { matchLabels: { app: 'x' } } }));
    expect(r.errors).toHaveLength(2);
    expect(r.errors[0]).toMatch(/^spec\.template\.metadata\.labels: Invalid value: map\[string\]string\{.*\}: `selector` does not match template `labels`$/);
    expect(r.errors[1]).toBe(`spec.selector: Invalid value: ${sel}: \`selector\` not auto-generated`);
  });

  it('requires completions in Indexed mode', () => {
    expect(create(jobs, job({ completionMode: 'Indexed', parallelism: 2 })).errors).toEqual(['spec.completions: Required value: when completion mode is Indexed']);
  });

  it('keeps selector, completions and template fixed', () => {
    const old = create(jobs, job()).obj;
    const next = structuredClone(old);
    (next.spec as Record<string, unknown>).completions = 5;
    expect(update(jobs, next, old).errors).toEqual(['spec.completions: Invalid value: 5: field is immutable']);
    const t = structuredClone(old);
    ((t.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0]!).image = 'perl:6';
    expect(update(jobs, t, old).errors).toHaveLength(1);
    expect(update(jobs, t, old).errors[0]).toMatch(/^spec\.template: Invalid value: .*: field is immutable$/);
  });

  it('lets a suspended, unstarted job change scheduling directives', () => {
    const old = create(jobs, job({ suspend: true })).obj;
    const next = structuredClone(old);
    (next.spec as { template: { spec: Record<string, unknown> } }).template.spec.nodeSelector = { zone: 'a' };
    expect(update(jobs, next, old).errors).toEqual([]);
  });

  it('selects on status.successful', () => {
    expect(strategyFor(jobs).selectableFields!({ status: { succeeded: 2 } })).toEqual({ 'status.successful': '2' });
  });
});

describe('cron schedules', () => {
  it.each([
    ['*/5 * * * *', undefined],
    ['0 0 1 JAN-MAR MON', undefined],
    ['@hourly', undefined],
    ['@every 1h30m', undefined],
    ['0 0 ? * *', undefined],
    ['', 'empty spec string'],
    ['* * * *', 'expected exactly 5 fields, found 4: [* * * *]'],
    ['60 * * * *', 'end of range (60) above maximum (59): 60'],
    ['* * 0 * *', 'beginning of range (0) below minimum (1): 0'],
    ['5-1 * * * *', 'beginning of range (5) beyond end of range (1): 5-1'],
    ['x * * * *', 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'],
    ['*/0 * * * *', 'step of range should be a positive number: */0'],
    ['1-2-3 * * * *', 'too many hyphens: 1-2-3'],
    ['@often', 'unrecognized descriptor: @often'],
    ['@every soon', 'failed to parse duration @every soon: time: invalid duration "soon"'],
  ])('%s', (schedule, want) => {
    expect(cronScheduleError(schedule)).toBe(want);
  });
});

describe('cronjobs', () => {
  function cj(spec: Record<string, unknown> = {}, name = 'nightly'): KubeObject {
    return {
      metadata: { name },
      spec: { schedule: '0 3 * * *', jobTemplate: { spec: { template: { spec: { containers: [{ name: 'a', image: 'busybox:1' }], restartPolicy: 'OnFailure' } } } }, ...spec },
    };
  }

  it('apply defaults', () => {
    const r = create(cronjobs, cj());
    expect(r.errors).toEqual([]);
    expect(r.obj.spec).toMatchObject({ concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 });
    expect((r.obj.spec as { jobTemplate: { spec: { template: { spec: Record<string, unknown> } } } }).jobTemplate.spec.template.spec.dnsPolicy).toBe('ClusterFirst');
  });

  it('validate the schedule and the time zone', () => {
    expect(create(cronjobs, cj({ schedule: '61 * * * *' })).errors).toEqual(['spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61']);
    expect(create(cronjobs, cj({ schedule: 'CRON_TZ=UTC 0 * * * *' })).errors).toEqual([
      'spec.schedule: Invalid value: "CRON_TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
    ]);
    expect(create(cronjobs, cj({ timeZone: 'Mars/Olympus' })).errors).toEqual(['spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus']);
    expect(create(cronjobs, cj({ timeZone: 'Europe/Paris' })).errors).toEqual([]);
    expect(create(cronjobs, cj({})).errors).toEqual([]);
  });

  it('limit names to 52 characters and forbid a job template selector', () => {
    expect(create(cronjobs, cj({}, 'a'.repeat(53))).errors).toEqual([`metadata.name: Invalid value: "${'a'.repeat(53)}": must be no more than 52 characters`]);
    const withSel = cj();
    (withSel.spec as { jobTemplate: { spec: Record<string, unknown> } }).jobTemplate.spec.selector = { matchLabels: { a: 'b' } };
    expect(create(cronjobs, withSel).errors).toContain(
      'spec.jobTemplate.spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"a":"b"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: `selector` will be auto-generated',
    );
  });

  it('refuse an unsupported concurrency policy', () => {
    expect(create(cronjobs, cj({ concurrencyPolicy: 'Sometimes' })).errors).toEqual([
      'spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"',
    ]);
  });
});
