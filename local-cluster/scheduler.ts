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
import { failedSchedulingMessage, isTerminal, nodeLoads, schedule } from './fit.js';
import { USERS, ignoring, isCode, nsKey, splitKey, type CoreResources } from './util.js';

export const SCHEDULER_NAME = 'default-scheduler';
/** Unschedulable pods are retried at least this often (kube: podMaxInUnschedulablePodsDuration, 5 min). */
const RETRY_UNSCHEDULABLE_MS = 60_000;

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

  return {
    name: 'local-scheduler',
    async start(enqueue) {
      const wakeAll = () => {
        for (const k of pending) enqueue(k);
      };
      const pods = await store.watch(res.pods, undefined, { resourceVersion: '' }, (type, pod) => {
        const key = nsKey(pod.metadata.namespace, pod.metadata.name);
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
      const nodes = await store.watch(res.nodes, undefined, { resourceVersion: '' }, (type, node) => {
        const name = node.metadata.name;
        if (type === 'DELETED') {
          fingerprints.delete(name);
          return;
        }
        const fp = nodeFingerprint(node);
        if (fingerprints.get(name) === fp) return;
        fingerprints.set(name, fp);
        wakeAll();
      });
      return () => {
        pods.stop();
        nodes.stop();
      };
    },
    async reconcile(key) {
      const { namespace, name } = splitKey(key);
      const pod = await ignoring(() => store.get(res.pods, namespace, name));
      if (!pod || !wantsScheduling(pod)) {
        pending.delete(key);
        podFingerprints.delete(key);
        return;
      }
      const nodes = (await store.list(res.nodes, undefined)).items;
      const allPods = (await store.list(res.pods, undefined)).items;
      const result = schedule(pod, nodes, nodeLoads(allPods));
      if ('node' in result) {
        await bind(pod, result.node);
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

  async function bind(pod: StoredObject, node: string): Promise<void> {
    const { namespace, name } = pod.metadata;
    const binding = { apiVersion: 'v1', kind: 'Binding', metadata: { name, namespace }, target: { apiVersion: 'v1', kind: 'Node', name: node } };
    try {
      const r = await store.update(res.pods, namespace, name, (cur) => {
        if (!cur) throw new Error('pod vanished');
        if (cur.metadata.uid !== pod.metadata.uid) throw new Error('pod replaced');
        return bindPod(cur, binding, new Date());
      }, { user, subresource: 'binding' });
      await recorder.record(r.object, 'Normal', 'Scheduled', `Successfully assigned ${namespace}/${name} to ${node}`);
    } catch (e) {
      // Bound meanwhile, being deleted, or gone: nothing left to do for this pod.
      if (isCode(e, 404, 409)) return;
      if (e instanceof Error && (e.message === 'pod vanished' || e.message === 'pod replaced')) return;
      throw e;
    }
  }
}
