import { describe, expect, it } from 'vitest';
import { podPrinter, podTemplatePrinter, summarizePod } from './pods.js';
import type { KubeObject } from './types.js';

const NOW = Date.parse('2024-05-01T12:00:00Z');
const ago = (ms: number): string => new Date(NOW - ms).toISOString();
const MIN = 60_000;

function pod(spec: Record<string, unknown>, status: Record<string, unknown>, meta: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default', creationTimestamp: ago(10 * MIN), ...meta },
    spec: { containers: [{ name: 'app', image: 'nginx' }], ...spec },
    status,
  };
}

const running = { running: { startedAt: ago(MIN) } };
const readyCond = { type: 'Ready', status: 'True' };

describe('pod READY / STATUS / RESTARTS', () => {
  it('a running, ready pod', () => {
    const p = pod({}, { phase: 'Running', conditions: [readyCond], containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: running }] });
    expect(summarizePod(p, NOW)).toEqual({ ready: '1/1', status: 'Running', restarts: '0' });
  });

  it('a pending pod with no statuses shows its phase', () => {
    expect(summarizePod(pod({}, { phase: 'Pending' }), NOW)).toEqual({ ready: '0/1', status: 'Pending', restarts: '0' });
  });

  it('a waiting container reason replaces the phase (ContainerCreating)', () => {
    const p = pod({}, { phase: 'Pending', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }] });
    expect(summarizePod(p, NOW).status).toBe('ContainerCreating');
  });

  it('CrashLoopBackOff with restarts and how long ago the last one was', () => {
    const p = pod({}, {
      phase: 'Running',
      containerStatuses: [
        {
          name: 'app',
          ready: false,
          restartCount: 5,
          state: { waiting: { reason: 'CrashLoopBackOff' } },
          lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(5 * MIN) } },
        },
      ],
    });
    expect(summarizePod(p, NOW)).toEqual({ ready: '0/1', status: 'CrashLoopBackOff', restarts: '5 (5m ago)' });
  });

  it('the most recent termination across containers is the one reported', () => {
    const p = pod({ containers: [{ name: 'a' }, { name: 'b' }] }, {
      phase: 'Running',
      containerStatuses: [
        { name: 'a', ready: true, restartCount: 1, state: running, lastState: { terminated: { exitCode: 1, finishedAt: ago(30 * MIN) } } },
        { name: 'b', ready: true, restartCount: 2, state: running, lastState: { terminated: { exitCode: 1, finishedAt: ago(90_000) } } },
      ],
    });
    expect(summarizePod(p, NOW)).toMatchObject({ ready: '2/2', restarts: '3 (90s ago)' });
  });

  it('restarts without a termination time print as a bare number', () => {
    const p = pod({}, { phase: 'Running', containerStatuses: [{ name: 'app', ready: true, restartCount: 2, state: running }] });
    expect(summarizePod(p, NOW).restarts).toBe('2');
  });

  it('the first container in the list decides the reason', () => {
    const p = pod({ containers: [{ name: 'a' }, { name: 'b' }] }, {
      phase: 'Pending',
      containerStatuses: [
        { name: 'a', state: { waiting: { reason: 'ImagePullBackOff' } } },
        { name: 'b', state: { waiting: { reason: 'ContainerCreating' } } },
      ],
    });
    expect(summarizePod(p, NOW).status).toBe('ImagePullBackOff');
  });

  describe('init containers', () => {
    const twoInits = { initContainers: [{ name: 'i1' }, { name: 'i2' }] };

    it('Init:0/2 while the first init container runs', () => {
      const p = pod(twoInits, {
        phase: 'Pending',
        initContainerStatuses: [
          { name: 'i1', state: running },
          { name: 'i2', state: { waiting: { reason: 'PodInitializing' } } },
        ],
        containerStatuses: [{ name: 'app', state: { waiting: { reason: 'PodInitializing' } } }],
      });
      expect(summarizePod(p, NOW)).toEqual({ ready: '0/1', status: 'Init:0/2', restarts: '0' });
    });

    it('Init:1/2 after the first one succeeded', () => {
      const p = pod(twoInits, {
        phase: 'Pending',
        initContainerStatuses: [
          { name: 'i1', state: { terminated: { exitCode: 0, reason: 'Completed' } } },
          { name: 'i2', state: running },
        ],
      });
      expect(summarizePod(p, NOW).status).toBe('Init:1/2');
    });

    it('a PodInitializing waiting reason still counts as progress', () => {
      const p = pod({ initContainers: [{ name: 'i1' }] }, {
        phase: 'Pending',
        initContainerStatuses: [{ name: 'i1', state: { waiting: { reason: 'PodInitializing' } } }],
      });
      expect(summarizePod(p, NOW).status).toBe('Init:0/1');
    });

    it('Init:CrashLoopBackOff and init restarts count while initialising', () => {
      const p = pod(twoInits, {
        phase: 'Pending',
        initContainerStatuses: [
          { name: 'i1', restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, finishedAt: ago(2 * MIN) } } },
        ],
        containerStatuses: [{ name: 'app', restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }],
      });
      expect(summarizePod(p, NOW)).toEqual({ ready: '0/1', status: 'Init:CrashLoopBackOff', restarts: '3 (2m ago)' });
    });

    it.each([
      [{ exitCode: 1, reason: 'Error' }, 'Init:Error'],
      [{ exitCode: 2 }, 'Init:ExitCode:2'],
      [{ exitCode: 137, signal: 9 }, 'Init:Signal:9'],
    ])('a failed init container %j -> %s', (terminated, want) => {
      const p = pod(twoInits, { phase: 'Pending', initContainerStatuses: [{ name: 'i1', state: { terminated } }] });
      expect(summarizePod(p, NOW).status).toBe(want);
    });

    it('sidecars (restartable init containers) count towards READY and do not block', () => {
      const p = pod({ initContainers: [{ name: 'proxy', restartPolicy: 'Always' }] }, {
        phase: 'Running',
        conditions: [readyCond, { type: 'Initialized', status: 'True' }],
        initContainerStatuses: [{ name: 'proxy', started: true, ready: true, restartCount: 1, state: running }],
        containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: running }],
      });
      expect(summarizePod(p, NOW)).toEqual({ ready: '2/2', status: 'Running', restarts: '1' });
    });

    it('a sidecar that has not started yet keeps the pod initialising', () => {
      const p = pod({ initContainers: [{ name: 'proxy', restartPolicy: 'Always' }] }, {
        phase: 'Pending',
        initContainerStatuses: [{ name: 'proxy', started: false, ready: false, state: running }],
      });
      expect(summarizePod(p, NOW)).toMatchObject({ ready: '0/2', status: 'Init:0/1' });
    });
  });

  it('Completed pods', () => {
    const p = pod({}, {
      phase: 'Succeeded',
      containerStatuses: [{ name: 'app', ready: false, state: { terminated: { exitCode: 0, reason: 'Completed' } } }],
    });
    expect(summarizePod(p, NOW).status).toBe('Completed');
  });

  it('a completed container next to a ready running one reads Running when the pod is Ready', () => {
    const p = pod({ containers: [{ name: 'a' }, { name: 'b' }] }, {
      phase: 'Running',
      conditions: [readyCond],
      containerStatuses: [
        { name: 'a', ready: false, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
        { name: 'b', ready: true, state: running },
      ],
    });
    expect(summarizePod(p, NOW)).toMatchObject({ ready: '1/2', status: 'Running' });
  });

  it('...and NotReady when the pod is not Ready', () => {
    const p = pod({ containers: [{ name: 'a' }, { name: 'b' }] }, {
      phase: 'Running',
      containerStatuses: [
        { name: 'a', ready: false, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
        { name: 'b', ready: true, state: running },
      ],
    });
    expect(summarizePod(p, NOW).status).toBe('NotReady');
  });

  it('...and the failing container\'s reason when another one failed', () => {
    const p = pod({ containers: [{ name: 'a' }, { name: 'b' }] }, {
      phase: 'Running',
      containerStatuses: [
        { name: 'a', ready: false, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
        { name: 'b', ready: false, state: { terminated: { exitCode: 3, reason: 'OOMKilled' } } },
      ],
    });
    // b is visited first (reverse order), then a sets Completed; b's failure wins.
    expect(summarizePod(p, NOW).status).toBe('OOMKilled');
    const q = pod({ containers: [{ name: 'a' }, { name: 'b' }] }, {
      phase: 'Running',
      containerStatuses: [
        { name: 'a', ready: false, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
        { name: 'b', ready: true, state: { terminated: { exitCode: 3 } } },
      ],
    });
    // Without a terminated reason the exit code is the reason.
    expect(summarizePod(q, NOW).status).toBe('ExitCode:3');
  });

  it('status.reason (Evicted) replaces the phase', () => {
    const p = pod({}, { phase: 'Failed', reason: 'Evicted', message: 'low on memory' });
    expect(summarizePod(p, NOW).status).toBe('Evicted');
  });

  it('SchedulingGated', () => {
    const p = pod({}, { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] });
    expect(summarizePod(p, NOW).status).toBe('SchedulingGated');
  });

  it('Terminating while being deleted, unless already terminal', () => {
    const deleting = { deletionTimestamp: ago(0) };
    const live = pod({}, { phase: 'Running', containerStatuses: [{ name: 'app', ready: true, state: running }] }, deleting);
    expect(summarizePod(live, NOW).status).toBe('Terminating');
    const done = pod({}, { phase: 'Succeeded', containerStatuses: [{ name: 'app', state: { terminated: { exitCode: 0, reason: 'Completed' } } }] }, deleting);
    expect(summarizePod(done, NOW).status).toBe('Completed');
  });

  it('Unknown for a pod deleted on a lost node', () => {
    const p = pod({}, { phase: 'Running', reason: 'NodeLost' }, { deletionTimestamp: ago(0) });
    expect(summarizePod(p, NOW).status).toBe('Unknown');
    // Without deletion the NodeLost reason shows as is.
    expect(summarizePod(pod({}, { phase: 'Running', reason: 'NodeLost' }), NOW).status).toBe('NodeLost');
  });
});

describe('podPrinter', () => {
  it('has kube\'s columns and one cell per column', () => {
    expect(podPrinter.columns.map((c) => [c.name, c.type, c.priority])).toEqual([
      ['Name', 'string', 0],
      ['Ready', 'string', 0],
      ['Status', 'string', 0],
      ['Restarts', 'string', 0],
      ['Age', 'string', 0],
      ['IP', 'string', 1],
      ['Node', 'string', 1],
      ['Nominated Node', 'string', 1],
      ['Readiness Gates', 'string', 1],
    ]);
    expect(podPrinter.columns[0]!.format).toBe('name');
  });

  it('fills the wide columns', () => {
    const p = pod(
      { nodeName: 'n1', readinessGates: [{ conditionType: 'a' }, { conditionType: 'b' }] },
      {
        phase: 'Running',
        podIP: '10.0.0.7',
        podIPs: [{ ip: '10.0.0.7' }, { ip: 'fd00::7' }],
        nominatedNodeName: '',
        conditions: [readyCond, { type: 'a', status: 'True' }, { type: 'b', status: 'False' }],
        containerStatuses: [{ name: 'app', ready: true, state: running }],
      },
    );
    expect(podPrinter.cells(p, NOW)).toEqual(['p', '1/1', 'Running', '0', '10m', '10.0.0.7', 'n1', '<none>', '1/2']);
  });

  it('uses <none> for unscheduled pods and podIPs when podIP is unset', () => {
    const p = pod({}, { phase: 'Pending', podIPs: [{ ip: '10.1.1.1' }] });
    const cells = podPrinter.cells(p, NOW);
    expect(cells.slice(5)).toEqual(['10.1.1.1', '<none>', '<none>', '<none>']);
    expect(podPrinter.cells(pod({}, {}), NOW)[5]).toBe('<none>');
  });

  it('marks finished pods with a Completed row condition', () => {
    expect(podPrinter.rowConditions!(pod({}, { phase: 'Succeeded' }))).toEqual([
      { type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' },
    ]);
    expect(podPrinter.rowConditions!(pod({}, { phase: 'Failed' }))?.[0]?.reason).toBe('Failed');
    expect(podPrinter.rowConditions!(pod({}, { phase: 'Running' }))).toBeUndefined();
  });

  it('survives a pod with nothing but a name', () => {
    const cells = podPrinter.cells({ metadata: { name: 'bare' } }, NOW);
    expect(cells).toEqual(['bare', '0/0', '', '0', '<unknown>', '<none>', '<none>', '<none>', '<none>']);
  });
});

describe('podTemplatePrinter', () => {
  it('lists containers, images and pod labels', () => {
    const t = {
      metadata: { name: 't' },
      template: { metadata: { labels: { b: '2', a: '1' } }, spec: { containers: [{ name: 'x', image: 'i1' }, { name: 'y', image: 'i2' }] } },
    };
    expect(podTemplatePrinter.cells(t, NOW)).toEqual(['t', 'x,y', 'i1,i2', 'a=1,b=2']);
  });
});
