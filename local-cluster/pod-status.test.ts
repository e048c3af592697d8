import { describe, expect, it } from 'vitest';
import {
  backoffMs,
  completedStatus,
  containerPhase,
  crashLoopStatus,
  imageID,
  normalizeImage,
  restartedStatus,
  restarts,
  runningStatus,
  simulatedExit,
} from './pod-status.js';

const now = new Date('2025-01-02T03:04:05Z');
const later = new Date('2025-01-02T03:04:09Z');

function pod(extra: Record<string, unknown> = {}) {
  return {
    metadata: { name: 'p', namespace: 'ns', uid: 'uid-1', annotations: {} as Record<string, string> },
    spec: { containers: [{ name: 'web', image: 'nginx' }, { name: 'a-sidecar', image: 'ghcr.io/x/y:1' }], ...extra },
    status: { phase: 'Pending', qosClass: 'BestEffort', conditions: [{ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: '2025-01-02T03:04:00Z' }] },
  };
}

describe('images', () => {
  it('normalises references as containerd reports them', () => {
    expect(normalizeImage('nginx')).toBe('docker.io/library/nginx:latest');
    expect(normalizeImage('bitnami/redis:7')).toBe('docker.io/bitnami/redis:7');
    expect(normalizeImage('ghcr.io/x/y')).toBe('ghcr.io/x/y:latest');
    expect(normalizeImage('localhost:5000/app')).toBe('localhost:5000/app:latest');
    expect(normalizeImage('nginx@sha256:abc')).toBe('docker.io/library/nginx@sha256:abc');
    expect(imageID('nginx')).toMatch(/^docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/);
    expect(imageID('nginx@sha256:abc')).toBe('docker.io/library/nginx@sha256:abc');
  });
});

describe('running', () => {
  it('reports every condition True, IPs, and sorted ready container statuses', () => {
    const s = runningStatus(pod({ initContainers: [{ name: 'setup', image: 'busybox' }] }), { hostIP: '10.0.0.1', podIP: '10.244.1.2' }, now);
    expect(s.phase).toBe('Running');
    expect((s.conditions as { type: string; status: string }[]).map((c) => `${c.type}=${c.status}`)).toEqual([
      'PodReadyToStartContainers=True',
      'Initialized=True',
      'Ready=True',
      'ContainersReady=True',
      'PodScheduled=True',
    ]);
    // PodScheduled keeps its transition time: its status did not change.
    expect((s.conditions as { type: string; lastTransitionTime: string }[]).find((c) => c.type === 'PodScheduled')!.lastTransitionTime).toBe('2025-01-02T03:04:00Z');
    expect(s.hostIPs).toEqual([{ ip: '10.0.0.1' }]);
    expect(s.podIPs).toEqual([{ ip: '10.244.1.2' }]);
    expect(s.startTime).toBe('2025-01-02T03:04:05Z');
    expect(s.qosClass).toBe('BestEffort');
    const cs = s.containerStatuses as Record<string, unknown>[];
    expect(cs.map((c) => c.name)).toEqual(['a-sidecar', 'web']);
    expect(cs[1]).toMatchObject({ ready: true, started: true, restartCount: 0, image: 'docker.io/library/nginx:latest', state: { running: { startedAt: '2025-01-02T03:04:05Z' } } });
    expect(String(cs[1]!.containerID)).toMatch(/^containerd:\/\/[0-9a-f]{64}$/);
    expect((s.initContainerStatuses as Record<string, unknown>[])[0]).toMatchObject({ name: 'setup', state: { terminated: { exitCode: 0, reason: 'Completed' } } });
    expect(containerPhase({ ...pod(), status: s })).toEqual({ kind: 'running', since: now.getTime() });
  });
});

describe('exits', () => {
  it('reads the simulate-exit annotation and the restart policy', () => {
    const p = pod();
    expect(simulatedExit(p)).toBeUndefined();
    p.metadata.annotations['tenantry.io/simulate-exit'] = '3';
    expect(simulatedExit(p)).toBe(3);
    p.metadata.annotations['tenantry.io/simulate-exit'] = 'yes';
    expect(simulatedExit(p)).toBeUndefined();
    expect(restarts(pod(), 0)).toBe(true);
    expect(restarts(pod({ restartPolicy: 'OnFailure' }), 0)).toBe(false);
    expect(restarts(pod({ restartPolicy: 'OnFailure' }), 1)).toBe(true);
    expect(restarts(pod({ restartPolicy: 'Never' }), 1)).toBe(false);
  });

  it('completes as Succeeded or Failed with terminated containers', () => {
    const running = { ...pod(), status: runningStatus(pod(), { hostIP: '10.0.0.1', podIP: '10.244.1.2' }, now) };
    const ok = completedStatus(running, 0, later);
    expect(ok.phase).toBe('Succeeded');
    const web = (ok.containerStatuses as Record<string, unknown>[]).find((c) => c.name === 'web')!;
    expect(web.state).toEqual({ terminated: { exitCode: 0, reason: 'Completed', startedAt: '2025-01-02T03:04:05Z', finishedAt: '2025-01-02T03:04:09Z', containerID: web.containerID } });
    expect(web.ready).toBe(false);
    expect((ok.conditions as { type: string; reason?: string }[]).find((c) => c.type === 'Ready')!.reason).toBe('PodCompleted');
    expect(completedStatus(running, 2, later).phase).toBe('Failed');
    expect(containerPhase({ ...pod(), status: ok })).toEqual({ kind: 'done' });
  });

  it('crash-loops and restarts with a growing back-off', () => {
    const running = { ...pod(), status: runningStatus(pod(), { hostIP: '10.0.0.1', podIP: '10.244.1.2' }, now) };
    const crashed = crashLoopStatus(running, 1, later);
    const web = (crashed.containerStatuses as Record<string, unknown>[]).find((c) => c.name === 'web')!;
    expect(web.state).toEqual({ waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s restarting failed container=web pod=p_ns(uid-1)' } });
    expect((web.lastState as { terminated: { exitCode: number } }).terminated.exitCode).toBe(1);
    const phase = containerPhase({ ...pod(), status: crashed });
    expect(phase).toEqual({ kind: 'backoff', since: later.getTime(), restarts: 0 });
    const again = restartedStatus({ ...pod(), status: crashed }, { hostIP: '10.0.0.1', podIP: '10.244.1.2' }, later);
    const webAgain = (again.containerStatuses as Record<string, unknown>[]).find((c) => c.name === 'web')!;
    expect(webAgain.restartCount).toBe(1);
    expect(webAgain.lastState).toEqual(web.lastState);
    expect(webAgain.containerID).not.toBe(web.containerID);
    expect([0, 1, 2, 5, 9].map(backoffMs)).toEqual([10_000, 20_000, 40_000, 300_000, 300_000]);
  });
});

describe('commandExit', () => {
  it('reads the outcome of plain commands and leaves long-running ones alone', async () => {
    const { commandExit, simulatedExit } = await import('./pod-status.js');
    expect(commandExit(['sh', '-c', 'exit 3'])).toBe(3);
    expect(commandExit(['/bin/sh', '-c', 'echo hello; date'])).toBe(0);
    expect(commandExit(['false'])).toBe(1);
    expect(commandExit(['sleep', '5'])).toBe(0);
    expect(commandExit(['sleep', '3600'])).toBeUndefined();
    expect(commandExit(['nginx', '-g', 'daemon off;'])).toBeUndefined();
    expect(commandExit(['perl', '-Mbignum=bpi', '-wle', 'print bpi(2000)'])).toBe(0);
    expect(commandExit([])).toBeUndefined();
    const pod = (containers: object[]) => ({ spec: { containers } });
    expect(simulatedExit(pod([{ name: 'a', image: 'busybox', command: ['sh', '-c', 'exit 0'] }]))).toBe(0);
    expect(simulatedExit(pod([{ name: 'a', image: 'busybox', command: ['true'] }, { name: 'b', image: 'nginx' }]))).toBeUndefined();
    expect(simulatedExit({ metadata: { annotations: { 'tenantry.io/simulate-exit': '7' } }, spec: { containers: [{ name: 'a' }] } })).toBe(7);
  });
});
