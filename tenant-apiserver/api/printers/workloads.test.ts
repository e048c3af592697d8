import { describe, expect, it } from 'vitest';
import { controllerOf, controllerRevisionPrinter, daemonSetPrinter, deploymentPrinter, replicaSetPrinter, statefulSetPrinter } from './apps.js';
import { formatHPAMetrics, horizontalPodAutoscalerPrinter } from './autoscaling.js';
import { cronJobPrinter, jobCompletions, jobDuration, jobPrinter, jobStatus } from './batch.js';
import { formatLabelSelector, labelSelectorString } from './format.js';
import type { KubeObject } from './types.js';

const NOW = Date.parse('2024-05-01T12:00:00Z');
const ago = (ms: number): string => new Date(NOW - ms).toISOString();
const MIN = 60_000;
const meta = { name: 'web', creationTimestamp: ago(3 * 24 * 60 * MIN + 4 * 60 * MIN) };
const template = { spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }, { name: 'side', image: 'busybox' }] } };

describe('label selectors', () => {
  it('sorts requirements by key and values, formats every operator', () => {
    const sel = {
      matchLabels: { tier: 'web', app: 'shop' },
      matchExpressions: [
        { key: 'env', operator: 'In', values: ['prod', 'dev'] },
        { key: 'zone', operator: 'NotIn', values: ['b'] },
        { key: 'canary', operator: 'DoesNotExist' },
        { key: 'ha', operator: 'Exists' },
      ],
    };
    expect(labelSelectorString(sel)).toBe('app=shop,!canary,env in (dev,prod),ha,tier=web,zone notin (b)');
  });
  it('<none> for empty or missing, <error> for an invalid operator', () => {
    expect(formatLabelSelector({})).toBe('<none>');
    expect(formatLabelSelector(undefined)).toBe('<none>');
    expect(formatLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Near', values: ['x'] }] })).toBe('<error>');
    expect(formatLabelSelector({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] })).toBe('<error>');
  });
});

describe('deployments', () => {
  const d: KubeObject = {
    metadata: meta,
    spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template },
    status: { replicas: 3, readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
  };

  it('READY is ready/desired, UP-TO-DATE and AVAILABLE are integers, wide columns follow', () => {
    expect(deploymentPrinter.cells(d, NOW)).toEqual(['web', '2/3', 3, 2, '3d4h', 'nginx,side', 'nginx:1.27,busybox', 'app=web']);
  });

  it('a fresh deployment without status, replicas defaulted, empty selector printed as ""', () => {
    const fresh = { metadata: { name: 'x', creationTimestamp: ago(5000) }, spec: { selector: {}, template: { spec: { containers: [] } } } };
    expect(deploymentPrinter.cells(fresh, NOW)).toEqual(['x', '0/1', 0, 0, '5s', '', '', '']);
    expect(deploymentPrinter.cells({ ...fresh, spec: { replicas: 0 } }, NOW)[1]).toBe('0/0');
  });

  it('invalid selector prints <invalid>', () => {
    const bad = { ...d, spec: { ...(d.spec as object), selector: { matchExpressions: [{ key: 'a', operator: 'Bogus' }] } } };
    expect(deploymentPrinter.cells(bad, NOW)[7]).toBe('<invalid>');
  });

  it('column layout', () => {
    expect(deploymentPrinter.columns.map((c) => `${c.name}/${c.type}/${c.priority}`)).toEqual([
      'Name/string/0', 'Ready/string/0', 'Up-to-date/string/0', 'Available/string/0', 'Age/string/0',
      'Containers/string/1', 'Images/string/1', 'Selector/string/1',
    ]);
  });
});

describe('replica sets, stateful sets, daemon sets, controller revisions', () => {
  it('replica set', () => {
    const rs = { metadata: meta, spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template }, status: { replicas: 2, readyReplicas: 1 } };
    expect(replicaSetPrinter.cells(rs, NOW)).toEqual(['web', 2, 2, 1, '3d4h', 'nginx,side', 'nginx:1.27,busybox', 'app=web']);
  });

  it('stateful set', () => {
    const ss = { metadata: meta, spec: { replicas: 3, template }, status: { readyReplicas: 3 } };
    expect(statefulSetPrinter.cells(ss, NOW)).toEqual(['web', '3/3', '3d4h', 'nginx,side', 'nginx:1.27,busybox']);
  });

  it('daemon set', () => {
    const ds = {
      metadata: meta,
      spec: { selector: { matchLabels: { app: 'agent' } }, template: { spec: { ...template.spec, nodeSelector: { 'kubernetes.io/os': 'linux' } } } },
      status: { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 3, numberAvailable: 2 },
    };
    expect(daemonSetPrinter.cells(ds, NOW)).toEqual([
      'web', 3, 3, 2, 3, 2, 'kubernetes.io/os=linux', '3d4h', 'nginx,side', 'nginx:1.27,busybox', 'app=agent',
    ]);
    expect(daemonSetPrinter.columns.map((c) => c.name)).toEqual([
      'Name', 'Desired', 'Current', 'Ready', 'Up-to-date', 'Available', 'Node Selector', 'Age', 'Containers', 'Images', 'Selector',
    ]);
  });

  it('controller revision names its controller as kind.group/name', () => {
    const cr = {
      metadata: { ...meta, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'fluentd', controller: true }] },
      revision: 4,
    };
    expect(controllerRevisionPrinter.cells(cr, NOW)).toEqual(['web', 'daemonset.apps/fluentd', 4, '3d4h']);
    expect(controllerOf({ metadata: { ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'p', controller: true }] } })).toBe('pod/p');
    expect(controllerOf({ metadata: { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'X', name: 'n' }] } })).toBe('<none>');
  });
});

describe('jobs', () => {
  const job = (spec: Record<string, unknown>, status: Record<string, unknown>, m: Record<string, unknown> = {}): KubeObject => ({
    metadata: { ...meta, ...m },
    spec: { template, selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u1' } }, ...spec },
    status,
  });

  it('completions', () => {
    expect(jobCompletions(job({ completions: 5 }, { succeeded: 3 }))).toBe('3/5');
    expect(jobCompletions(job({ parallelism: 4 }, {}))).toBe('0/1 of 4');
    expect(jobCompletions(job({ parallelism: 1 }, { succeeded: 1 }))).toBe('1/1');
    expect(jobCompletions(job({}, {}))).toBe('0/1');
  });

  it('duration: empty before start, running time so far, start to completion once done', () => {
    expect(jobDuration(job({}, {}), NOW)).toBe('');
    expect(jobDuration(job({}, { startTime: ago(150_000) }), NOW)).toBe('2m30s');
    expect(jobDuration(job({}, { startTime: ago(60 * MIN), completionTime: ago(50 * MIN) }), NOW)).toBe('10m');
  });

  it('status precedence', () => {
    const cond = (type: string, status = 'True') => ({ conditions: [{ type, status }] });
    expect(jobStatus(job({}, {}))).toBe('Running');
    expect(jobStatus(job({}, cond('Complete')))).toBe('Complete');
    expect(jobStatus(job({}, cond('Failed')))).toBe('Failed');
    expect(jobStatus(job({}, cond('Suspended')))).toBe('Suspended');
    expect(jobStatus(job({}, cond('FailureTarget')))).toBe('FailureTarget');
    expect(jobStatus(job({}, cond('SuccessCriteriaMet')))).toBe('SuccessCriteriaMet');
    expect(jobStatus(job({}, cond('Complete', 'False')))).toBe('Running');
    expect(jobStatus(job({}, cond('Suspended'), { deletionTimestamp: ago(0) }))).toBe('Terminating');
    expect(jobStatus(job({}, { conditions: [{ type: 'SuccessCriteriaMet', status: 'True' }, { type: 'Complete', status: 'True' }] }))).toBe('Complete');
  });

  it('full row', () => {
    const j = job({ completions: 1 }, { succeeded: 1, startTime: ago(20 * MIN), completionTime: ago(19 * MIN), conditions: [{ type: 'Complete', status: 'True' }] });
    expect(jobPrinter.cells(j, NOW)).toEqual([
      'web', 'Complete', '1/1', '60s', '3d4h', 'nginx,side', 'nginx:1.27,busybox', 'batch.kubernetes.io/controller-uid=u1',
    ]);
  });

  it('cron job', () => {
    const cj = {
      metadata: meta,
      spec: { schedule: '*/5 * * * *', suspend: false, jobTemplate: { spec: { template } } },
      status: { active: [{ name: 'a' }], lastScheduleTime: ago(3 * MIN) },
    };
    expect(cronJobPrinter.cells(cj, NOW)).toEqual(['web', '*/5 * * * *', '<none>', 'False', 1, '3m', '3d4h', 'nginx,side', 'nginx:1.27,busybox', '<none>']);
    const tz = { ...cj, spec: { ...cj.spec, timeZone: 'Europe/Paris', suspend: undefined }, status: {} };
    expect(cronJobPrinter.cells(tz, NOW).slice(2, 6)).toEqual(['Europe/Paris', '<unset>', 0, '<none>']);
    expect(cronJobPrinter.columns.map((c) => c.name).slice(0, 7)).toEqual(['Name', 'Schedule', 'Timezone', 'Suspend', 'Active', 'Last Schedule', 'Age']);
  });
});

describe('horizontal pod autoscalers', () => {
  it('formats resource metrics with current values matched by index', () => {
    const specs = [
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } },
      { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '1Gi' } } },
    ];
    expect(formatHPAMetrics(specs, [])).toBe('cpu: <unknown>/80%, memory: <unknown>/1Gi');
    const statuses = [
      { type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 42, averageValue: '100m' } } },
      { type: 'Resource', resource: { name: 'memory', current: { averageValue: '512Mi' } } },
    ];
    expect(formatHPAMetrics(specs, statuses)).toBe('cpu: 42%/80%, memory: 512Mi/1Gi');
  });

  it('truncates after two metrics and handles the other source types', () => {
    const specs = [
      { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } } },
      { type: 'External', external: { metric: { name: 'queue' }, target: { type: 'AverageValue', averageValue: '30' } } },
      { type: 'Object', object: { metric: { name: 'hits' }, target: { type: 'Value', value: '5k' } } },
    ];
    expect(formatHPAMetrics(specs, [{ type: 'Pods', pods: { current: { averageValue: '7' } } }])).toBe('7/10, <unknown>/30 (avg) + 1 more...');
    expect(formatHPAMetrics([specs[2]!], [{ type: 'Object', object: { current: { value: '4k' } } }])).toBe('4k/5k');
    expect(formatHPAMetrics([], [])).toBe('<none>');
    expect(formatHPAMetrics([{ type: 'Weird' }], [])).toBe('<unknown type>');
    expect(formatHPAMetrics([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization' } } }], [])).toBe('cpu: <unknown>/<auto>');
  });

  it('prints v2 and v1 objects', () => {
    const v2 = {
      metadata: meta,
      spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, minReplicas: 2, maxReplicas: 10, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }] },
      status: { currentReplicas: 3, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 30 } } }] },
    };
    expect(horizontalPodAutoscalerPrinter.cells(v2, NOW)).toEqual(['web', 'Deployment/web', 'cpu: 30%/50%', '2', 10, 3, '3d4h']);
    const v1 = {
      metadata: meta,
      spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 4, targetCPUUtilizationPercentage: 70 },
      status: { currentReplicas: 1, currentCPUUtilizationPercentage: 12 },
    };
    expect(horizontalPodAutoscalerPrinter.cells(v1, NOW)).toEqual(['web', 'Deployment/web', 'cpu: 12%/70%', '<unset>', 4, 1, '3d4h']);
  });
});
