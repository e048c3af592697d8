// Pods and pod templates. The STATUS column is the one kubectl users read
// most, so it follows kube's derivation step by step: pod phase or reason,
// then init-container progress (Init:1/3, Init:CrashLoopBackOff...), then the
// last container's waiting/terminated reason, then Terminating/Unknown for a
// pod being deleted.

import { humanDuration, parseTimestamp } from './age.js';
import {
  ageColumn,
  col,
  formatLabels,
  int,
  isDeleting,
  layoutContainerCells,
  nameColumn,
  nameOf,
  obj,
  objs,
  optObj,
  str,
  ageOf,
  type Json,
} from './format.js';
import type { KubeObject, Printer, TableRowCondition } from './types.js';

/** Reason the node lifecycle controller sets on pods of an unreachable node. */
const NODE_UNREACHABLE_POD_REASON = 'NodeLost';

function isRestartableInitContainer(c: Json | undefined): boolean {
  return !!c && str(c.restartPolicy) === 'Always';
}

function hasCondition(conditions: Json[], type: string): boolean {
  return conditions.some((c) => str(c.type) === type && str(c.status) === 'True');
}

/** isPodInitializedConditionTrue: the first Initialized condition decides. */
function initializedConditionTrue(conditions: Json[]): boolean {
  const c = conditions.find((x) => str(x.type) === 'Initialized');
  return !!c && str(c.status) === 'True';
}

function lastTerminationFinishedAt(cs: Json): number | null {
  const terminated = optObj(obj(cs.lastState).terminated);
  return terminated ? parseTimestamp(terminated.finishedAt) : null;
}

function later(a: number | null, b: number | null): number | null {
  if (b === null) return a;
  if (a === null) return b;
  return b > a ? b : a;
}

export interface PodSummary {
  ready: string;
  status: string;
  restarts: string;
}

/** READY, STATUS and RESTARTS for a pod, exactly as kube derives them. */
export function summarizePod(pod: KubeObject, now: number): PodSummary {
  const spec = obj(pod.spec);
  const status = obj(pod.status);
  const conditions = objs(status.conditions);
  const initSpecs = objs(spec.initContainers);

  let restarts = 0;
  let restartableInitRestarts = 0;
  let totalContainers = objs(spec.containers).length;
  let readyContainers = 0;
  let lastRestart: number | null = null;
  let lastRestartableInitRestart: number | null = null;

  const phase = str(status.phase);
  let reason = str(status.reason) || phase;

  // A pod held back by scheduling gates says so instead of "Pending".
  for (const c of conditions) {
    if (str(c.type) === 'PodScheduled' && str(c.reason) === 'SchedulingGated') reason = 'SchedulingGated';
  }

  const initByName = new Map<string, Json>();
  for (const c of initSpecs) {
    initByName.set(str(c.name), c);
    // Sidecars (restartable init containers) count towards READY like regular containers.
    if (isRestartableInitContainer(c)) totalContainers++;
  }

  let initializing = false;
  const initStatuses = objs(status.initContainerStatuses);
  for (let i = 0; i < initStatuses.length; i++) {
    const cs = initStatuses[i]!;
    const state = obj(cs.state);
    const terminated = optObj(state.terminated);
    const waiting = optObj(state.waiting);
    const restartable = isRestartableInitContainer(initByName.get(str(cs.name)));

    restarts += int(cs.restartCount);
    lastRestart = later(lastRestart, lastTerminationFinishedAt(cs));
    if (restartable) {
      restartableInitRestarts += int(cs.restartCount);
      lastRestartableInitRestart = later(lastRestartableInitRestart, lastTerminationFinishedAt(cs));
    }

    if (terminated && int(terminated.exitCode) === 0) continue;
    if (restartable && cs.started === true) {
      if (cs.ready === true) readyContainers++;
      continue;
    }
    if (terminated) {
      // Initialisation failed.
      const r = str(terminated.reason);
      if (r) reason = `Init:${r}`;
      else if (int(terminated.signal) !== 0) reason = `Init:Signal:${int(terminated.signal)}`;
      else reason = `Init:ExitCode:${int(terminated.exitCode)}`;
    } else if (waiting && str(waiting.reason) !== '' && str(waiting.reason) !== 'PodInitializing') {
      reason = `Init:${str(waiting.reason)}`;
    } else {
      reason = `Init:${i}/${initSpecs.length}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || initializedConditionTrue(conditions)) {
    restarts = restartableInitRestarts;
    lastRestart = lastRestartableInitRestart;
    let hasRunning = false;
    let errorReason = '';
    const statuses = objs(status.containerStatuses);
    // Walk backwards so the first container's state wins, as in kube.
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i]!;
      const state = obj(cs.state);
      const terminated = optObj(state.terminated);
      const waiting = optObj(state.waiting);
      restarts += int(cs.restartCount);
      lastRestart = later(lastRestart, lastTerminationFinishedAt(cs));

      if (waiting && str(waiting.reason) !== '') {
        reason = str(waiting.reason);
      } else if (terminated) {
        const r = str(terminated.reason);
        if (r) reason = r;
        else if (int(terminated.signal) !== 0) reason = `Signal:${int(terminated.signal)}`;
        else reason = `ExitCode:${int(terminated.exitCode)}`;
        if (int(terminated.exitCode) !== 0) errorReason = reason;
      } else if (cs.ready === true && optObj(state.running)) {
        hasRunning = true;
        readyContainers++;
      }
    }

    // A "Completed" container next to a still-running one does not make the pod completed.
    if (reason === 'Completed') {
      if (hasRunning && hasCondition(conditions, 'Ready')) reason = 'Running';
      else if (errorReason !== '') reason = errorReason;
      else if (hasRunning) reason = 'NotReady';
    }
  }

  if (isDeleting(pod) && str(status.reason) === NODE_UNREACHABLE_POD_REASON) {
    reason = 'Unknown';
  } else if (isDeleting(pod) && phase !== 'Succeeded' && phase !== 'Failed') {
    reason = 'Terminating';
  }

  let restartsText = String(restarts);
  if (restarts !== 0 && lastRestart !== null) {
    restartsText = `${restarts} (${humanDuration(now - lastRestart)} ago)`;
  }

  return { ready: `${readyContainers}/${totalContainers}`, status: reason, restarts: restartsText };
}

function podIP(status: Json): string {
  // v1 keeps podIP and podIPs[0] equal; older writers only set podIP.
  const ip = str(status.podIP) || str(objs(status.podIPs)[0]?.ip);
  return ip || '<none>';
}

function readinessGates(pod: KubeObject): string {
  const gates = objs(obj(pod.spec).readinessGates);
  if (gates.length === 0) return '<none>';
  const conditions = objs(obj(pod.status).conditions);
  let trueCount = 0;
  for (const g of gates) {
    const c = conditions.find((x) => str(x.type) === str(g.conditionType));
    if (c && str(c.status) === 'True') trueCount++;
  }
  return `${trueCount}/${gates.length}`;
}

export const podPrinter: Printer = {
  columns: [
    nameColumn(),
    col('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
    col('Status', 'string', 'The aggregate status of the containers in this pod.'),
    col(
      'Restarts',
      'string',
      'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
    ),
    ageColumn(),
    col('IP', 'string', 'IP address allocated to the pod.', 1),
    col('Node', 'string', 'The node the pod is scheduled onto.', 1),
    col('Nominated Node', 'string', 'The node the scheduler nominated for this pod while preempting others.', 1),
    col('Readiness Gates', 'string', 'Readiness gates of the pod: how many of their conditions are true.', 1),
  ],
  cells(pod, now) {
    const s = summarizePod(pod, now);
    const status = obj(pod.status);
    return [
      nameOf(pod),
      s.ready,
      s.status,
      s.restarts,
      ageOf(pod, now),
      podIP(status),
      str(obj(pod.spec).nodeName) || '<none>',
      str(status.nominatedNodeName) || '<none>',
      readinessGates(pod),
    ];
  },
  rowConditions(pod) {
    const phase = str(obj(pod.status).phase);
    const cond = (reason: string, message: string): TableRowCondition[] => [
      { type: 'Completed', status: 'True', reason, message },
    ];
    if (phase === 'Succeeded') return cond('Succeeded', 'The pod has completed successfully.');
    if (phase === 'Failed') return cond('Failed', 'The pod failed.');
    return undefined;
  },
};

export const podTemplatePrinter: Printer = {
  columns: [
    nameColumn(),
    col('Containers', 'string', 'Names of each container in the template.'),
    col('Images', 'string', 'Images referenced by each container in the template.'),
    col('Pod Labels', 'string', 'The labels for the pod template.'),
  ],
  cells(o) {
    const template = obj(o.template);
    const [names, images] = layoutContainerCells(obj(template.spec).containers);
    return [nameOf(o), names, images, formatLabels(obj(template.metadata).labels)];
  },
};
