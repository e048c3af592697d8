// The pod status a kubelet reports, as pure functions of the pod and the
// moment: started (Running, every condition True, IPs, container statuses),
// exited (Succeeded/Failed, terminated containers), crashed and waiting to
// restart (CrashLoopBackOff), restarted.

import { createHash } from 'node:crypto';
import { asArr, asObj, objs, str, type Obj } from '../tenant-apiserver/api/strategies/util.js';
import { rfc3339, type KubeObject } from '../tenant-apiserver/api/types.js';

/** Annotation: containers exit with this code once started (so Jobs complete). */
export const SIMULATE_EXIT_ANNOTATION = 'tenantry.io/simulate-exit';

export interface Placement {
  hostIP: string;
  podIP: string;
}

/** How a runtime reports an image reference: `nginx` → `docker.io/library/nginx:latest`. */
export function normalizeImage(image: string): string {
  let name = image;
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  const hasRegistry = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (!hasRegistry) name = `docker.io/${slash < 0 ? 'library/' : ''}${name}`;
  const lastPart = name.slice(name.lastIndexOf('/') + 1);
  if (!name.includes('@') && !lastPart.includes(':')) name += ':latest';
  return name;
}

export function imageID(image: string): string {
  const norm = normalizeImage(image);
  const at = norm.indexOf('@');
  if (at >= 0) return norm;
  const repo = norm.slice(0, norm.lastIndexOf(':'));
  return `${repo}@sha256:${createHash('sha256').update(norm).digest('hex')}`;
}

export function containerID(podUid: string, container: string, attempt: number): string {
  return `containerd://${createHash('sha256').update(`${podUid}/${container}/${attempt}`).digest('hex')}`;
}

function condition(type: string, status: 'True' | 'False', now: string, previous: Obj[], reason?: string): Obj {
  const prev = previous.find((c) => c.type === type);
  const lastTransitionTime = prev && prev.status === status && str(prev.lastTransitionTime) ? prev.lastTransitionTime : now;
  const c: Obj = { type, status, lastProbeTime: null, lastTransitionTime };
  if (reason) c.reason = reason;
  return c;
}

function byName(a: Obj, b: Obj): number {
  return str(a.name) < str(b.name) ? -1 : str(a.name) > str(b.name) ? 1 : 0;
}

function baseStatus(pod: KubeObject): Obj {
  return { ...(asObj(pod.status) ?? {}) };
}

function podUid(pod: KubeObject): string {
  return str(pod.metadata?.uid);
}

function restartCountOf(pod: KubeObject, name: string): number {
  const s = objs(asObj(pod.status)?.containerStatuses).find((c) => c.name === name);
  return typeof s?.restartCount === 'number' ? s.restartCount : 0;
}

function runningContainer(pod: KubeObject, c: Obj, startedAt: string, restartCount: number, lastState: Obj = {}): Obj {
  return {
    name: c.name,
    state: { running: { startedAt } },
    lastState,
    ready: true,
    restartCount,
    image: normalizeImage(str(c.image)),
    imageID: imageID(str(c.image)),
    containerID: containerID(podUid(pod), str(c.name), restartCount),
    started: true,
  };
}

/** Running: what the kubelet reports once the sandbox and every container are up. */
export function runningStatus(pod: KubeObject, at: Placement, now: Date): Obj {
  const ts = rfc3339(now);
  const spec = asObj(pod.spec) ?? {};
  const status = baseStatus(pod);
  const prev = objs(status.conditions);
  const initStatuses = objs(spec.initContainers).map((c) =>
    str(c.restartPolicy) === 'Always'
      ? runningContainer(pod, c, ts, 0)
      : {
          name: c.name,
          state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: ts, finishedAt: ts, containerID: containerID(podUid(pod), str(c.name), 0) } },
          lastState: {},
          ready: true,
          restartCount: 0,
          image: normalizeImage(str(c.image)),
          imageID: imageID(str(c.image)),
          containerID: containerID(podUid(pod), str(c.name), 0),
          started: false,
        },
  );
  const out: Obj = {
    ...status,
    phase: 'Running',
    conditions: [
      condition('PodReadyToStartContainers', 'True', ts, prev),
      condition('Initialized', 'True', ts, prev),
      condition('Ready', 'True', ts, prev),
      condition('ContainersReady', 'True', ts, prev),
      condition('PodScheduled', 'True', ts, prev),
    ],
    hostIP: at.hostIP,
    hostIPs: [{ ip: at.hostIP }],
    podIP: at.podIP,
    podIPs: [{ ip: at.podIP }],
    startTime: str(status.startTime) || ts,
    containerStatuses: objs(spec.containers).map((c) => runningContainer(pod, c, ts, restartCountOf(pod, str(c.name)))).sort(byName),
  };
  if (initStatuses.length > 0) out.initContainerStatuses = initStatuses.sort(byName);
  else delete out.initContainerStatuses;
  return out;
}

function terminatedState(pod: KubeObject, c: Obj, exitCode: number, ts: string): Obj {
  const prev = objs(asObj(pod.status)?.containerStatuses).find((s) => s.name === c.name);
  const startedAt = str(asObj(asObj(prev?.state)?.running)?.startedAt) || ts;
  return {
    terminated: {
      exitCode,
      reason: exitCode === 0 ? 'Completed' : 'Error',
      startedAt,
      finishedAt: ts,
      containerID: containerID(podUid(pod), str(c.name), restartCountOf(pod, str(c.name))),
    },
  };
}

/** Every app container exited with `exitCode` and the pod will not restart them: Succeeded or Failed. */
export function completedStatus(pod: KubeObject, exitCode: number, now: Date): Obj {
  const ts = rfc3339(now);
  const spec = asObj(pod.spec) ?? {};
  const status = baseStatus(pod);
  const prev = objs(status.conditions);
  return {
    ...status,
    phase: exitCode === 0 ? 'Succeeded' : 'Failed',
    conditions: [
      condition('PodReadyToStartContainers', 'False', ts, prev),
      condition('Initialized', 'True', ts, prev, 'PodCompleted'),
      condition('Ready', 'False', ts, prev, 'PodCompleted'),
      condition('ContainersReady', 'False', ts, prev, 'PodCompleted'),
      condition('PodScheduled', 'True', ts, prev),
    ],
    containerStatuses: objs(spec.containers)
      .map((c) => ({
        ...(objs(status.containerStatuses).find((s) => s.name === c.name) ?? {}),
        name: c.name,
        state: terminatedState(pod, c, exitCode, ts),
        ready: false,
        started: false,
        restartCount: restartCountOf(pod, str(c.name)),
        image: normalizeImage(str(c.image)),
        imageID: imageID(str(c.image)),
        containerID: containerID(podUid(pod), str(c.name), restartCountOf(pod, str(c.name))),
      }))
      .sort(byName),
  };
}

/** kubelet's crash-loop back-off before restart number `restarts + 1`: 10 s doubling to 5 min. */
export function backoffMs(restarts: number): number {
  return Math.min(300_000, 10_000 * 2 ** Math.min(restarts, 5));
}

/** Containers exited and will be restarted: waiting in CrashLoopBackOff, not ready. */
export function crashLoopStatus(pod: KubeObject, exitCode: number, now: Date): Obj {
  const ts = rfc3339(now);
  const spec = asObj(pod.spec) ?? {};
  const status = baseStatus(pod);
  const prev = objs(status.conditions);
  const containers = objs(spec.containers);
  const names = containers.map((c) => str(c.name)).sort();
  const meta = pod.metadata ?? {};
  return {
    ...status,
    phase: 'Running',
    conditions: [
      condition('PodReadyToStartContainers', 'True', ts, prev),
      condition('Initialized', 'True', ts, prev),
      { ...condition('Ready', 'False', ts, prev, 'ContainersNotReady'), message: `containers with unready status: [${names.join(' ')}]` },
      { ...condition('ContainersReady', 'False', ts, prev, 'ContainersNotReady'), message: `containers with unready status: [${names.join(' ')}]` },
      condition('PodScheduled', 'True', ts, prev),
    ],
    containerStatuses: containers
      .map((c) => {
        const restarts = restartCountOf(pod, str(c.name));
        return {
          name: c.name,
          state: {
            waiting: {
              reason: 'CrashLoopBackOff',
              message: `back-off ${backoffMs(restarts) / 1000}s restarting failed container=${str(c.name)} pod=${str(meta.name)}_${str(meta.namespace)}(${str(meta.uid)})`,
            },
          },
          lastState: terminatedState(pod, c, exitCode, ts),
          ready: false,
          restartCount: restarts,
          image: normalizeImage(str(c.image)),
          imageID: imageID(str(c.image)),
          containerID: containerID(podUid(pod), str(c.name), restarts),
          started: false,
        };
      })
      .sort(byName),
  };
}

/** After the back-off: the containers run again, one restart more. */
export function restartedStatus(pod: KubeObject, at: Placement, now: Date): Obj {
  const ts = rfc3339(now);
  const out = runningStatus(pod, at, now);
  const prevStatuses = objs(asObj(pod.status)?.containerStatuses);
  out.containerStatuses = objs(asObj(pod.spec)?.containers)
    .map((c) => {
      const prev = prevStatuses.find((s) => s.name === c.name);
      return runningContainer(pod, c, ts, restartCountOf(pod, str(c.name)) + 1, asObj(prev?.lastState) ?? {});
    })
    .sort(byName);
  return out;
}

/** What the pod's containers are doing, read back from its status. */
export type ContainerPhase = { kind: 'pending' } | { kind: 'running'; since: number } | { kind: 'backoff'; since: number; restarts: number } | { kind: 'done' };

export function containerPhase(pod: KubeObject): ContainerPhase {
  const status = asObj(pod.status) ?? {};
  const phase = str(status.phase);
  if (phase === 'Succeeded' || phase === 'Failed') return { kind: 'done' };
  const statuses = objs(status.containerStatuses);
  if (phase !== 'Running' || statuses.length === 0) return { kind: 'pending' };
  const first = statuses[0]!;
  const state = asObj(first.state) ?? {};
  const waiting = asObj(state.waiting);
  if (waiting && waiting.reason === 'CrashLoopBackOff') {
    const finished = Date.parse(str(asObj(asObj(first.lastState)?.terminated)?.finishedAt));
    return { kind: 'backoff', since: Number.isNaN(finished) ? 0 : finished, restarts: typeof first.restartCount === 'number' ? first.restartCount : 0 };
  }
  const started = Date.parse(str(asObj(state.running)?.startedAt));
  return { kind: 'running', since: Number.isNaN(started) ? 0 : started };
}

/**
 * The simulated exit code: the annotation when a pod asks for one; otherwise,
 * when every container runs a command whose outcome is plain from its text
 * (`true`, `false`, `sh -c "exit 3"`, `echo …`, `date`, `sleep 5`, kube's
 * `perl … print bpi(2000)` Job example), that command's code; undefined for
 * anything that may run for long (servers, `sleep 3600`).
 */
export function simulatedExit(pod: KubeObject): number | undefined {
  const v = pod.metadata?.annotations?.[SIMULATE_EXIT_ANNOTATION];
  if (v !== undefined && /^\d{1,3}$/.test(v)) return Number(v);
  const containers = asArr(asObj(pod.spec)?.containers);
  if (containers.length === 0) return undefined;
  let code = 0;
  for (const c of containers) {
    const co = asObj(c) ?? {};
    const argv = [...asArr(co.command), ...asArr(co.args)].map(String);
    const exit = commandExit(argv);
    if (exit === undefined) return undefined;
    if (code === 0) code = exit;
  }
  return code;
}

const SHORT_SLEEP_SECONDS = 60;

/** The exit code of a command line whose outcome its text makes plain, else undefined. */
export function commandExit(argv: string[]): number | undefined {
  if (argv.length === 0) return undefined;
  const [cmd, ...rest] = argv as [string, ...string[]];
  const base = cmd.split('/').pop()!;
  if ((base === 'sh' || base === 'bash' || base === 'ash') && rest[0] === '-c' && rest[1] !== undefined) return scriptExit(rest[1]);
  return simpleExit(base, rest);
}

function simpleExit(base: string, args: string[]): number | undefined {
  switch (base) {
    case 'true':
    case 'echo':
    case 'date':
    case 'printf':
      return 0;
    case 'false':
      return 1;
    case 'exit':
      return args[0] !== undefined && /^\d{1,3}$/.test(args[0]) ? Number(args[0]) : 0;
    case 'sleep': {
      const n = Number(args[0]);
      return Number.isFinite(n) && n <= SHORT_SLEEP_SECONDS ? 0 : undefined;
    }
    case 'perl':
      return args.some((a) => /print/.test(a)) ? 0 : undefined;
    default:
      return undefined;
  }
}

/** `a; b && exit 2`: every statement must be plain; the last exit (or 0) is the code. */
function scriptExit(script: string): number | undefined {
  let code = 0;
  for (const stmt of script.split(/;|&&|\n/).map((x) => x.trim()).filter(Boolean)) {
    const words = stmt.split(/\s+/);
    const c = simpleExit(words[0]!.split('/').pop()!, words.slice(1));
    if (c === undefined) return undefined;
    if (words[0] === 'exit') return c;
    code = c;
  }
  return code;
}

/** Whether the kubelet restarts containers that exited with this code. */
export function restarts(pod: KubeObject, exitCode: number): boolean {
  const policy = str(asObj(pod.spec)?.restartPolicy) || 'Always';
  return policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0);
}
