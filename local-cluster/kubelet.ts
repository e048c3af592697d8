// The kubelets of the simulated nodes: a pod bound to one of them starts
// (Running, with a pod IP from the node's CIDR) after a short delay; with the
// simulate-exit annotation its containers then exit, and the restart policy
// decides between Succeeded/Failed and a crash-loop restart; a pod being
// deleted is stopped and then removed for good (the final delete with grace
// 0 a kubelet issues), after min(grace period, a short simulated shutdown).
// Timing is remembered in memory only as an optimisation: after a restart
// every pod is re-read and moved on from what its status says.

import type { Logger } from 'pino';
import { asObj, objs, str } from '../tenant-apiserver/api/strategies/util.js';
import type { ResourceStore } from '../tenant-apiserver/api/store.js';
import type { KubeObject, StoredObject } from '../tenant-apiserver/api/types.js';
import type { Controller } from '../tenant-apiserver/controllers/runtime.js';
import { createRecorder, type Recorder } from './events.js';
import { isTerminal } from './fit.js';
import { pickPodIP } from './ipam.js';
import { nodeIndex, nodeInternalIP, nodePodCIDR } from './nodes.js';
import {
  backoffMs,
  completedStatus,
  containerPhase,
  crashLoopStatus,
  restartedStatus,
  restarts,
  runningStatus,
  simulatedExit,
  type Placement,
} from './pod-status.js';
import { USERS, ignoring, isCode, msUntil, nsKey, splitKey, type CoreResources } from './util.js';

export interface KubeletOptions {
  nodeCount: number;
  /** Delay between a pod being bound and it running (and, with simulate-exit, between running and exiting). */
  podStartDelayMs: number;
  /** Longest simulated container shutdown; the pod's grace period caps it. */
  podStopDelayMs: number;
}

export function kubeletController(res: CoreResources, store: ResourceStore, opts: KubeletOptions, log: Logger): Controller {
  const firstSeen = new Map<string, number>();
  const stopAt = new Map<string, number>();
  const recorders = new Map<string, Recorder>();
  const recorder = (node: string): Recorder => {
    let r = recorders.get(node);
    if (!r) recorders.set(node, (r = createRecorder(store, res.events, { component: 'kubelet', host: node }, USERS.node(node), log)));
    return r;
  };
  const ours = (pod: KubeObject): string | undefined => {
    const node = str(asObj(pod.spec)?.nodeName);
    return node && nodeIndex(node, opts.nodeCount) !== undefined ? node : undefined;
  };

  async function writeStatus(pod: StoredObject, node: string, build: (cur: StoredObject) => Record<string, unknown>): Promise<StoredObject | undefined> {
    const r = await store
      .update(res.pods, pod.metadata.namespace, pod.metadata.name, (cur) => {
        if (!cur || cur.metadata.uid !== pod.metadata.uid) throw Object.assign(new Error('pod replaced'), { replaced: true });
        return { ...cur, status: build(cur) };
      }, { user: USERS.node(node), subresource: 'status' })
      .catch((e: unknown) => {
        if ((e as { replaced?: boolean }).replaced || isCode(e, 404)) return undefined;
        throw e;
      });
    return r?.object;
  }

  /** Addresses held by the node's live pods (terminal pods have released theirs). */
  async function placement(pod: StoredObject, node: string): Promise<Placement> {
    const index = nodeIndex(node, opts.nodeCount)!;
    const hostIP = nodeInternalIP(index);
    if (asObj(pod.spec)?.hostNetwork === true) return { hostIP, podIP: hostIP };
    const existing = str(asObj(pod.status)?.podIP);
    if (existing) return { hostIP, podIP: existing };
    const all = (await store.list(res.pods, undefined)).items;
    const used = new Set<string>();
    for (const p of all) {
      if (p.metadata.uid === pod.metadata.uid || str(asObj(p.spec)?.nodeName) !== node || isTerminal(p)) continue;
      for (const ip of objs(asObj(p.status)?.podIPs)) used.add(str(ip.ip));
    }
    const podIP = pickPodIP(nodePodCIDR(index), used);
    if (!podIP) throw new Error(`node ${node}: pod CIDR exhausted`);
    return { hostIP, podIP };
  }

  async function start(pod: StoredObject, node: string): Promise<void> {
    const at = await placement(pod, node);
    const written = await writeStatus(pod, node, (cur) => runningStatus(cur, at, new Date()));
    if (!written) return;
    const rec = recorder(node);
    for (const c of objs(asObj(pod.spec)?.containers)) {
      const path = `spec.containers{${str(c.name)}}`;
      await rec.record(written, 'Normal', 'Pulled', `Container image ${JSON.stringify(str(c.image))} already present on machine`, path);
      await rec.record(written, 'Normal', 'Created', `Created container: ${str(c.name)}`, path);
      await rec.record(written, 'Normal', 'Started', `Started container ${str(c.name)}`, path);
    }
  }

  async function stop(pod: StoredObject, node: string, now: number): Promise<{ requeueAfterMs: number } | void> {
    const uid = pod.metadata.uid;
    let at = stopAt.get(uid);
    if (at === undefined) {
      const graceMs = (pod.metadata.deletionGracePeriodSeconds ?? 0) * 1000;
      at = now + (isTerminal(pod) ? 0 : Math.min(graceMs, opts.podStopDelayMs));
      stopAt.set(uid, at);
      if (!isTerminal(pod)) {
        for (const c of objs(asObj(pod.spec)?.containers)) {
          await recorder(node).record(pod, 'Normal', 'Killing', `Stopping container ${str(c.name)}`, `spec.containers{${str(c.name)}}`);
        }
      }
    }
    if (now < at) return { requeueAfterMs: at - now };
    await store
      .delete(res.pods, pod.metadata.namespace, pod.metadata.name, { gracePeriodSeconds: 0, preconditions: { uid } }, { user: USERS.node(node) })
      .catch((e) => {
        if (!isCode(e, 404, 409)) throw e;
      });
    stopAt.delete(uid);
    firstSeen.delete(uid);
  }

  return {
    name: 'local-kubelet',
    async start(enqueue) {
      const w = await store.watch(res.pods, undefined, { resourceVersion: '' }, (type, pod) => {
        if (type === 'DELETED') {
          firstSeen.delete(pod.metadata.uid);
          stopAt.delete(pod.metadata.uid);
          return;
        }
        if (ours(pod)) enqueue(nsKey(pod.metadata.namespace, pod.metadata.name));
      });
      return () => w.stop();
    },
    async reconcile(key) {
      const { namespace, name } = splitKey(key);
      const pod = await ignoring(() => store.get(res.pods, namespace, name));
      if (!pod) return;
      const node = ours(pod);
      if (!node) return;
      const now = Date.now();
      const uid = pod.metadata.uid;
      if (pod.metadata.deletionTimestamp) return stop(pod, node, now);
      const state = containerPhase(pod);
      switch (state.kind) {
        case 'done':
          return;
        case 'pending': {
          const seen = firstSeen.get(uid) ?? now;
          firstSeen.set(uid, seen);
          const due = seen + opts.podStartDelayMs;
          if (now < due) return { requeueAfterMs: due - now };
          await start(pod, node);
          return;
        }
        case 'running': {
          const code = simulatedExit(pod);
          if (code === undefined) return;
          // Containers run for one start delay. startedAt has second precision, so the (more precise)
          // moment we first saw the pod waiting, plus the start delay, bounds it from below.
          const due = Math.max(state.since + opts.podStartDelayMs, (firstSeen.get(uid) ?? 0) + opts.podStartDelayMs * 2);
          if (now < due) return { requeueAfterMs: msUntil(due, now) };
          await writeStatus(pod, node, (cur) => (restarts(cur, code) ? crashLoopStatus(cur, code, new Date()) : completedStatus(cur, code, new Date())));
          return;
        }
        case 'backoff': {
          const due = state.since + backoffMs(state.restarts);
          if (now < due) return { requeueAfterMs: due - now };
          const at = await placement(pod, node);
          firstSeen.set(uid, Date.now());
          await writeStatus(pod, node, (cur) => restartedStatus(cur, at, new Date()));
          return;
        }
      }
    },
  };
}
