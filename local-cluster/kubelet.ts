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

/**
 * Pod starts in flight at once, per node and overall. A real kubelet runs one worker per pod, so
 * starts on a node overlap; the controller runner is serial, and a committed status write per
 * pod one after another capped a whole simulated cluster at a few dozen starts a second. Bounded
 * so a burst of thousands of bound pods does not become thousands of concurrent writes.
 */
const STARTS_PER_NODE = 8;
const STARTS_OVERALL = 32;

/** At most `overall` tasks running, and at most `perKey` for one key; the rest wait in arrival order. */
export class StartPool {
  private running = 0;
  private readonly perKeyRunning = new Map<string, number>();
  private readonly waiting: { key: string; go: () => void }[] = [];

  constructor(
    private readonly overall: number,
    private readonly perKey: number,
  ) {}

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    await new Promise<void>((go) => {
      this.waiting.push({ key, go });
      this.pump();
    });
    try {
      return await task();
    } finally {
      this.running--;
      const n = (this.perKeyRunning.get(key) ?? 1) - 1;
      if (n === 0) this.perKeyRunning.delete(key);
      else this.perKeyRunning.set(key, n);
      this.pump();
    }
  }

  private pump(): void {
    for (let i = 0; i < this.waiting.length && this.running < this.overall; ) {
      const w = this.waiting[i]!;
      const n = this.perKeyRunning.get(w.key) ?? 0;
      if (n >= this.perKey) {
        i++;
        continue;
      }
      this.waiting.splice(i, 1);
      this.running++;
      this.perKeyRunning.set(w.key, n + 1);
      w.go();
    }
  }
}

export function kubeletController(res: CoreResources, store: ResourceStore, opts: KubeletOptions, log: Logger): Controller {
  const firstSeen = new Map<string, number>();
  const pool = new StartPool(STARTS_OVERALL, STARTS_PER_NODE);
  /** Failed starts per pod uid, for the retry backoff. */
  const startFailures = new Map<string, number>();
  /** Pods whose start is queued or being written (uid), so a repeat reconcile does not start them twice. */
  const starting = new Set<string>();
  /** Pod IPs picked by starts whose status write is not back yet (node → uid → IP): concurrent starts must not pick the same one. */
  const reserved = new Map<string, Map<string, string>>();
  let enqueueKey: (key: string) => void = () => undefined;
  const retryTimers = new Set<NodeJS.Timeout>();
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

  // Pod IPs held on each node (node → pod uid → IPs), kept from the pod watch and from our own
  // status writes (their events may still be in flight): listing every pod per start made
  // starting n pods cost n² decodes. Terminal pods have released theirs.
  const addressesOn = new Map<string, Map<string, string[]>>();
  const nodeOfUid = new Map<string, string>();
  const versionOf = new Map<string, number>();
  const trackAddresses = (pod: KubeObject, removed: boolean): void => {
    const uid = pod.metadata?.uid ?? '';
    const rv = Number(pod.metadata?.resourceVersion ?? 0);
    if (rv < (versionOf.get(uid) ?? 0)) return;
    const before = nodeOfUid.get(uid);
    if (before !== undefined) addressesOn.get(before)?.delete(uid);
    nodeOfUid.delete(uid);
    if (removed) {
      versionOf.delete(uid);
      return;
    }
    versionOf.set(uid, rv);
    const node = str(asObj(pod.spec)?.nodeName);
    const ips = objs(asObj(pod.status)?.podIPs).map((ip) => str(ip.ip)).filter(Boolean);
    if (!node || isTerminal(pod) || ips.length === 0) return;
    let m = addressesOn.get(node);
    if (!m) addressesOn.set(node, (m = new Map()));
    m.set(uid, ips);
    nodeOfUid.set(uid, node);
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
    if (r) trackAddresses(r.object, false);
    return r?.object;
  }

  /** Addresses held by the node's live pods (terminal pods have released theirs). */
  async function placement(pod: StoredObject, node: string): Promise<Placement> {
    const index = nodeIndex(node, opts.nodeCount)!;
    const hostIP = nodeInternalIP(index);
    if (asObj(pod.spec)?.hostNetwork === true) return { hostIP, podIP: hostIP };
    const existing = str(asObj(pod.status)?.podIP);
    if (existing) return { hostIP, podIP: existing };
    const used = new Set<string>();
    for (const [uid, ips] of addressesOn.get(node) ?? []) if (uid !== pod.metadata.uid) for (const ip of ips) used.add(ip);
    for (const [uid, ip] of reserved.get(node) ?? []) if (uid !== pod.metadata.uid) used.add(ip);
    const podIP = pickPodIP(nodePodCIDR(index), used);
    if (!podIP) throw new Error(`node ${node}: pod CIDR exhausted`);
    return { hostIP, podIP };
  }

  async function start(pod: StoredObject, node: string): Promise<void> {
    const at = await placement(pod, node);
    let held = reserved.get(node);
    if (!held) reserved.set(node, (held = new Map()));
    held.set(pod.metadata.uid, at.podIP);
    let written: StoredObject | undefined;
    try {
      written = await writeStatus(pod, node, (cur) => runningStatus(cur, at, new Date()));
    } finally {
      // Written: addressesOn holds the IP now. Not written: the pod is gone or the next try picks again.
      held.delete(pod.metadata.uid);
      if (held.size === 0) reserved.delete(node);
    }
    if (!written) return;
    const rec = recorder(node);
    // Not awaited: a kubelet's event recorder is asynchronous, and waiting for three event
    // writes per container made this (serial) simulation start pods at a fraction of the rate.
    for (const c of objs(asObj(pod.spec)?.containers)) {
      const path = `spec.containers{${str(c.name)}}`;
      void rec.record(written, 'Normal', 'Pulled', `Container image ${JSON.stringify(str(c.image))} already present on machine`, path);
      void rec.record(written, 'Normal', 'Created', `Created container: ${str(c.name)}`, path);
      void rec.record(written, 'Normal', 'Started', `Started container ${str(c.name)}`, path);
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

  /**
   * Start a pod in the pool, outside the (serial) reconcile. The status write's watch event brings
   * the pod back to reconcile; a failed start is retried with backoff like a failed reconcile.
   */
  function startInPool(key: string, pod: StoredObject, node: string): void {
    const uid = pod.metadata.uid;
    if (starting.has(uid)) return;
    starting.add(uid);
    pool
      .run(node, async () => {
        // Re-read: the pod may have changed or gone while waiting for a slot.
        const cur = await ignoring(() => store.get(res.pods, pod.metadata.namespace, pod.metadata.name));
        if (!cur || cur.metadata.uid !== uid || cur.metadata.deletionTimestamp || containerPhase(cur).kind !== 'pending') return;
        await start(cur, node);
      })
      .then(
        () => {
          starting.delete(uid);
          startFailures.delete(uid);
        },
        (e: unknown) => {
          starting.delete(uid);
          const attempt = startFailures.get(uid) ?? 0;
          startFailures.set(uid, attempt + 1);
          const delay = Math.min(30_000, 50 * 2 ** attempt);
          log.warn({ controller: 'local-kubelet', key, err: e, retryInMs: delay }, 'pod start failed');
          const t = setTimeout(() => {
            retryTimers.delete(t);
            enqueueKey(key);
          }, delay);
          t.unref();
          retryTimers.add(t);
        },
      );
  }

  return {
    name: 'local-kubelet',
    async start(enqueue) {
      enqueueKey = enqueue;
      const w = await store.watch(res.pods, undefined, { resourceVersion: '', sharedObjects: true }, (type, pod) => {
        trackAddresses(pod, type === 'DELETED');
        if (type === 'DELETED') {
          firstSeen.delete(pod.metadata.uid);
          startFailures.delete(pod.metadata.uid);
          stopAt.delete(pod.metadata.uid);
          return;
        }
        if (ours(pod)) enqueue(nsKey(pod.metadata.namespace, pod.metadata.name));
      });
      return () => {
        w.stop();
        enqueueKey = () => undefined;
        for (const t of retryTimers) clearTimeout(t);
      };
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
          startInPool(key, pod, node);
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
