// The default scheduler: binds Pending, unassigned pods of `default-scheduler`
// to a node through the pods/binding rules (spec.nodeName and PodScheduled in
// one write); a pod nothing fits gets PodScheduled=False/Unschedulable with
// kube's message and a FailedScheduling event, and is retried when nodes or
// other pods change, or after a while. One pod at a time, reading state fresh,
// so two pods never claim the same capacity.

import type { Logger } from 'pino';
import { bindPod } from '../tenant-apiserver/api/strategies/pods.js';
import { asArr, asObj, objs, str } from '../tenant-apiserver/api/strategies/util.js';
import type { ResourceStore } from '../tenant-apiserver/api/store.js';
import { rfc3339, type KubeObject, type StoredObject } from '../tenant-apiserver/api/types.js';
import type { Controller } from '../tenant-apiserver/controllers/runtime.js';
import { createRecorder } from './events.js';
import { addPodLoad, emptyLoad, failedSchedulingMessage, isTerminal, podLoad, schedule, type NodeLoad, type PodLoad } from './fit.js';
import { StartPool } from './kubelet.js';
import { USERS, ignoring, isCode, nsKey, splitKey, type CoreResources } from './util.js';

export const SCHEDULER_NAME = 'default-scheduler';
/** Unschedulable pods are retried at least this often (kube: podMaxInUnschedulablePodsDuration, 5 min). */
const RETRY_UNSCHEDULABLE_MS = 60_000;
/**
 * Binds in flight at once. Like kube-scheduler, placement is decided one pod at a time (against
 * loads that count the pods being bound as placed: "assumed") and the bind writes go on in the
 * background: awaiting each committed write in turn capped a cluster at a few dozen pods a second.
 */
const BINDS_IN_FLIGHT = 16;

/** Whether this scheduler should place the pod now. */
export function wantsScheduling(pod: KubeObject): boolean {
  const spec = asObj(pod.spec) ?? {};
  if (str(spec.nodeName)) return false;
  if (pod.metadata?.deletionTimestamp) return false;
  if ((str(spec.schedulerName) || SCHEDULER_NAME) !== SCHEDULER_NAME) return false;
  if (asArr(spec.schedulingGates).length > 0) return false;
  return !isTerminal(pod);
}

/** What about a node matters to placement; heartbeats alone do not wake pending pods. */
function nodeFingerprint(node: KubeObject): string {
  const spec = asObj(node.spec) ?? {};
  const ready = objs(asObj(node.status)?.conditions).find((c) => c.type === 'Ready');
  return JSON.stringify([node.metadata?.labels ?? {}, spec.taints ?? [], spec.unschedulable ?? false, asObj(node.status)?.allocatable ?? {}, ready?.status ?? '']);
}

/** Status with PodScheduled=False/Unschedulable; unchanged when it already says so. */
export function unschedulableStatus(pod: KubeObject, message: string, now: Date): Record<string, unknown> | undefined {
  const status = { ...(asObj(pod.status) ?? {}) };
  const conditions = objs(status.conditions).map((c) => ({ ...c }));
  const existing = conditions.find((c) => c.type === 'PodScheduled');
  if (existing && existing.status === 'False' && existing.reason === 'Unschedulable' && existing.message === message) return undefined;
  const cond = { type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: rfc3339(now), reason: 'Unschedulable', message };
  if (existing) {
    if (existing.status === 'False') cond.lastTransitionTime = str(existing.lastTransitionTime) || cond.lastTransitionTime;
    Object.assign(existing, cond);
  } else conditions.push(cond);
  status.conditions = conditions;
  return status;
}

export function schedulerController(res: CoreResources, store: ResourceStore, log: Logger): Controller {
  const user = USERS.scheduler;
  const recorder = createRecorder(store, res.events, { component: SCHEDULER_NAME }, user, log);
  const pending = new Set<string>();
  const fingerprints = new Map<string, string>();
  const podFingerprints = new Map<string, string>();
  // What each bound pod adds to its node, kept from the pod watch (and from our own binds, whose
  // events may still be in flight). A node's load is summed again only when a pod joins, leaves or
  // changes what it asks for: status updates of running pods, most of the watch's events, leave it
  // alone. Listing every pod per placement made scheduling n pods cost n² decodes, and summing a
  // node's pods again on every event of one of them cost n × pods-per-node parses.
  const podsOnNode = new Map<string, Map<string, PodLoad>>();
  const nodeOfPod = new Map<string, string>();
  const loadOf = new Map<string, NodeLoad>();
  const seenVersion = new Map<string, number>();
  /**
   * The node list, listed again only after a node event (listing and decoding every node per pod
   * cost more than placing it). A list, not the watch's objects: the watch may lag behind nodes
   * that already exist. `nodesGen` counts node events, so a list raced by one is not kept.
   */
  let nodeList: KubeObject[] | undefined;
  let nodesGen = 0;
  /** Pods whose bind is in flight (key), so a repeat reconcile does not place them again. */
  const binding = new Set<string>();
  const binds = new StartPool(BINDS_IN_FLIGHT, BINDS_IN_FLIGHT);
  let enqueueKey: (key: string) => void = () => undefined;
  const retryTimers = new Set<NodeJS.Timeout>();
  const track = (key: string, pod: KubeObject, removed: boolean): void => {
    // Our bind is tracked before its event arrives: an older event must not undo it.
    const rv = Number(pod.metadata?.resourceVersion ?? 0);
    if (rv < (seenVersion.get(key) ?? 0)) return;
    if (removed) seenVersion.delete(key);
    else seenVersion.set(key, rv);
    const before = nodeOfPod.get(key);
    const node = removed || isTerminal(pod) ? '' : str(asObj(pod.spec)?.nodeName);
    const load = node ? podLoad(pod) : undefined;
    if (before !== undefined) {
      const m = podsOnNode.get(before);
      if (before === node && load && m?.get(key)?.signature === load.signature) return;
      m?.delete(key);
      loadOf.delete(before);
      nodeOfPod.delete(key);
    }
    if (!node || !load) return;
    let m = podsOnNode.get(node);
    if (!m) podsOnNode.set(node, (m = new Map()));
    m.set(key, load);
    nodeOfPod.set(key, node);
    // A pod joining adds to the node's sum; one leaving or changing (above) has it summed again.
    const sum = loadOf.get(node);
    if (sum) addPodLoad(sum, load);
  };
  const currentLoads = (): Map<string, NodeLoad> => {
    const out = new Map<string, NodeLoad>();
    for (const [node, m] of podsOnNode) {
      if (m.size === 0) continue;
      let load = loadOf.get(node);
      if (!load) {
        load = emptyLoad();
        for (const p of m.values()) addPodLoad(load, p);
        loadOf.set(node, load);
      }
      out.set(node, load);
    }
    return out;
  };

  return {
    name: 'local-scheduler',
    async start(enqueue) {
      enqueueKey = enqueue;
      const wakeAll = () => {
        for (const k of pending) enqueue(k);
      };
      const pods = await store.watch(res.pods, undefined, { resourceVersion: '', sharedObjects: true }, (type, pod) => {
        const key = nsKey(pod.metadata.namespace, pod.metadata.name);
        track(key, pod, type === 'DELETED');
        if (type !== 'DELETED' && wantsScheduling(pod)) {
          // Our own status writes (Unschedulable) change nothing placement depends on.
          const fp = JSON.stringify([pod.metadata.uid, pod.spec, pod.metadata.labels ?? {}]);
          if (podFingerprints.get(key) === fp) return;
          podFingerprints.set(key, fp);
          pending.add(key);
          enqueue(key);
          return;
        }
        pending.delete(key);
        podFingerprints.delete(key);
        // A pod leaving a node (deleted, finished) frees room for the others.
        if (str(asObj(pod.spec)?.nodeName) && (type === 'DELETED' || isTerminal(pod))) wakeAll();
      });
      const nodes = await store.watch(res.nodes, undefined, { resourceVersion: '', sharedObjects: true }, (type, node) => {
        const name = node.metadata.name;
        if (type === 'DELETED') {
          fingerprints.delete(name);
          nodeList = undefined;
          nodesGen++;
          return;
        }
        nodeList = undefined;
        nodesGen++;
        const fp = nodeFingerprint(node);
        if (fingerprints.get(name) === fp) return;
        fingerprints.set(name, fp);
        wakeAll();
      });
      return () => {
        pods.stop();
        nodes.stop();
        enqueueKey = () => undefined;
        for (const t of retryTimers) clearTimeout(t);
      };
    },
    async reconcile(key) {
      const { namespace, name } = splitKey(key);
      if (binding.has(key)) return;
      const pod = await ignoring(() => store.get(res.pods, namespace, name));
      if (!pod || !wantsScheduling(pod)) {
        pending.delete(key);
        podFingerprints.delete(key);
        return;
      }
      let nodes = nodeList;
      if (!nodes) {
        const gen = nodesGen;
        nodes = (await store.list(res.nodes, undefined)).items;
        if (gen === nodesGen) nodeList = nodes;
      }
      const result = schedule(pod, nodes, currentLoads());
      if ('node' in result) {
        bindInBackground(key, pod, result.node);
        return;
      }
      const message = failedSchedulingMessage(pod, nodes.length, result.rejections);
      const now = new Date();
      const status = unschedulableStatus(pod, message, now);
      if (status) {
        await store
          .update(res.pods, namespace, name, (cur) => {
            if (!cur) throw new Error('pod vanished');
            return { ...cur, status: unschedulableStatus(cur, message, now) ?? cur.status };
          }, { user, subresource: 'status' })
          .catch((e) => {
            if (!isCode(e, 404)) throw e;
          });
      }
      await recorder.record(pod, 'Warning', 'FailedScheduling', message);
      return { requeueAfterMs: RETRY_UNSCHEDULABLE_MS };
    },
  };

  /** Assume the pod placed (the next placements count it), and bind it in the pool; a failed bind is undone and retried. */
  function bindInBackground(key: string, pod: StoredObject, node: string): void {
    binding.add(key);
    // Assumed half a version ahead: the watch event of the pod as read (same version) must not undo it.
    const assumedRv = Number(pod.metadata.resourceVersion ?? 0) + 0.5;
    track(key, { ...pod, metadata: { ...pod.metadata, resourceVersion: String(assumedRv) }, spec: { ...(asObj(pod.spec) ?? {}), nodeName: node } }, false);
    const forget = (): void => {
      // Only if nothing newer was seen meanwhile (then that is the truth).
      if (seenVersion.get(key) !== assumedRv) return;
      seenVersion.set(key, assumedRv - 0.5);
      track(key, pod, false);
    };
    binds
      .run(node, () => bind(pod, node))
      .then(
        (bound) => {
          binding.delete(key);
          // Not bound (gone, replaced, bound by someone else): forget the assumption; events tell the truth.
          if (!bound) forget();
        },
        (e: unknown) => {
          binding.delete(key);
          forget();
          log.warn({ controller: 'local-scheduler', key, err: e }, 'bind failed; retrying');
          const t = setTimeout(() => {
            retryTimers.delete(t);
            enqueueKey(key);
          }, 200);
          t.unref();
          retryTimers.add(t);
        },
      );
  }

  /** Resolves whether the pod was bound. */
  async function bind(pod: StoredObject, node: string): Promise<boolean> {
    const { namespace, name } = pod.metadata;
    const binding = { apiVersion: 'v1', kind: 'Binding', metadata: { name, namespace }, target: { apiVersion: 'v1', kind: 'Node', name: node } };
    try {
      const r = await store.update(res.pods, namespace, name, (cur) => {
        if (!cur) throw new Error('pod vanished');
        if (cur.metadata.uid !== pod.metadata.uid) throw new Error('pod replaced');
        return bindPod(cur, binding, new Date());
      }, { user, subresource: 'binding' });
      track(nsKey(namespace, name), r.object, false);
      // Not awaited, as kube's event recorder is asynchronous: the next pod need not wait for it.
      void recorder.record(r.object, 'Normal', 'Scheduled', `Successfully assigned ${namespace}/${name} to ${node}`);
      return true;
    } catch (e) {
      // Bound meanwhile, being deleted, or gone: nothing left to do for this pod.
      if (isCode(e, 404, 409)) return false;
      if (e instanceof Error && (e.message === 'pod vanished' || e.message === 'pod replaced')) return false;
      throw e;
    }
  }
}
