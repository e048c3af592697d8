// DaemonSet controller (pkg/controller/daemon): one pod per eligible Node of
// the tenant (the virtual nodes the syncer writes). A node is eligible when the
// template's nodeName, nodeSelector and required node affinity match it and its
// NoSchedule/NoExecute taints are tolerated (daemon pods tolerate the node
// condition taints by default). Pods are pinned with a required node affinity
// on metadata.name, as kube does, and labelled with the revision hash; a
// RollingUpdate replaces old pods while at most maxUnavailable nodes lack an
// available pod (or surges one new pod per node with maxSurge).

import type { Registry, ResourceInfo } from '../api/registry.js';
import type { ResourceStore } from '../api/store.js';
import { ApiError } from '../api/errors.js';
import { selectorMatches } from '../api/strategies/validators.js';
import { asArr, asObj, clone, deepEqual, num, objs, str, type Obj } from '../api/strategies/util.js';
import type { KubeObject, StoredObject } from '../api/types.js';
import {
  claim,
  controllerOf,
  controllerRef,
  controllerUser,
  getOrUndefined,
  isConflict,
  isPodAvailable,
  isPodReady,
  nextAvailableInMs,
  podFromTemplate,
  podPhase,
  resource,
  scaledValue,
  spec,
  splitKey,
  status,
  unpinned,
} from './common.js';
import { createEventRecorder } from './events.js';
import { CONTROLLER_REVISION_HASH_LABEL, syncRevisions, truncateHistory } from './history.js';
import type { WorkloadControllerOptions } from './replicaset.js';
import type { Controller, ReconcileResult } from './runtime.js';
import { OwnerCache, ownerMapper, selfMapper, watchAll, watchMany } from './watch.js';

export const TEMPLATE_GENERATION_LABEL = 'pod-template-generation';
const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
}

/** AddOrUpdateDaemonPodTolerations: daemon pods ride out node conditions. */
export function daemonTolerations(podSpec: Obj): Toleration[] {
  const list = objs(podSpec.tolerations) as Toleration[];
  const add = (key: string, effect: string) => {
    if (!list.some((t) => t.key === key && t.effect === effect && (t.operator ?? 'Equal') === 'Exists')) list.push({ key, operator: 'Exists', effect });
  };
  add('node.kubernetes.io/not-ready', 'NoExecute');
  add('node.kubernetes.io/unreachable', 'NoExecute');
  add('node.kubernetes.io/disk-pressure', 'NoSchedule');
  add('node.kubernetes.io/memory-pressure', 'NoSchedule');
  add('node.kubernetes.io/pid-pressure', 'NoSchedule');
  add('node.kubernetes.io/unschedulable', 'NoSchedule');
  if (podSpec.hostNetwork === true) add('node.kubernetes.io/network-unavailable', 'NoSchedule');
  return list;
}

function tolerates(t: Toleration, taint: Obj): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key === undefined || t.key === '') return (t.operator ?? 'Equal') === 'Exists';
  if (t.key !== taint.key) return false;
  if ((t.operator ?? 'Equal') === 'Exists') return true;
  return (t.value ?? '') === str(taint.value);
}

function requirementMatches(req: Obj, values: Record<string, string>): boolean {
  const key = str(req.key);
  const vals = asArr(req.values).map(String);
  const has = Object.prototype.hasOwnProperty.call(values, key);
  const v = values[key];
  switch (str(req.operator)) {
    case 'In':
      return has && vals.includes(v!);
    case 'NotIn':
      return !has || !vals.includes(v!);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      if (!has || vals.length !== 1) return false;
      const a = Number(v);
      const b = Number(vals[0]);
      if (!Number.isInteger(a) || !Number.isInteger(b)) return false;
      return str(req.operator) === 'Gt' ? a > b : a < b;
    }
    default:
      return false;
  }
}

/** A NodeSelector (terms ORed; expressions over labels and fields ANDed within a term). */
export function nodeSelectorMatches(sel: unknown, node: KubeObject): boolean {
  const terms = objs(asObj(sel)?.nodeSelectorTerms);
  const labels = node.metadata?.labels ?? {};
  const fields = { 'metadata.name': node.metadata?.name ?? '' };
  return terms.some((t) => {
    const exprs = objs(t.matchExpressions);
    const fexprs = objs(t.matchFields);
    if (exprs.length === 0 && fexprs.length === 0) return false;
    return exprs.every((r) => requirementMatches(r, labels)) && fexprs.every((r) => requirementMatches(r, fields));
  });
}

/** nodeShouldRunDaemonPod: name, node selector, required affinity and taints. */
export function nodeShouldRunDaemonPod(node: KubeObject, template: unknown): boolean {
  const ps = asObj(asObj(template)?.spec) ?? {};
  if (str(ps.nodeName) && str(ps.nodeName) !== node.metadata?.name) return false;
  const labels = node.metadata?.labels ?? {};
  for (const [k, v] of Object.entries((asObj(ps.nodeSelector) ?? {}) as Record<string, string>)) if (labels[k] !== v) return false;
  const required = asObj(asObj(asObj(ps.affinity)?.nodeAffinity)?.requiredDuringSchedulingIgnoredDuringExecution);
  if (required && !nodeSelectorMatches(required, node)) return false;
  const tolerations = daemonTolerations(clone(ps));
  for (const taint of objs(asObj(node.spec)?.taints)) {
    if (taint.effect !== 'NoSchedule' && taint.effect !== 'NoExecute') continue;
    if (!tolerations.some((t) => tolerates(t, taint))) return false;
  }
  return true;
}

/** ReplaceDaemonSetPodNodeNameNodeAffinity. */
export function pinToNode(podSpec: Obj, nodeName: string): void {
  const term = { matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] };
  const affinity = (podSpec.affinity = asObj(podSpec.affinity) ?? {});
  const na = (affinity.nodeAffinity = asObj(affinity.nodeAffinity) ?? {});
  const req = asObj(na.requiredDuringSchedulingIgnoredDuringExecution);
  if (!req) na.requiredDuringSchedulingIgnoredDuringExecution = { nodeSelectorTerms: [term] };
  else req.nodeSelectorTerms = [term];
}

/** The node a daemon pod is for: its nodeName, else the metadata.name its affinity pins. */
export function nodeOfPod(p: KubeObject): string | undefined {
  const ps = asObj(p.spec) ?? {};
  if (str(ps.nodeName)) return str(ps.nodeName);
  const terms = objs(asObj(asObj(asObj(ps.affinity)?.nodeAffinity)?.requiredDuringSchedulingIgnoredDuringExecution)?.nodeSelectorTerms);
  for (const t of terms) {
    for (const f of objs(t.matchFields)) {
      const vals = asArr(f.values);
      if (f.key === 'metadata.name' && f.operator === 'In' && vals.length === 1) return String(vals[0]);
    }
  }
  return undefined;
}

export function daemonSetController(registry: Registry, store: ResourceStore, opts: WorkloadControllerOptions = {}): Controller {
  const clock = opts.clock ?? Date.now;
  const user = controllerUser('daemon-set-controller');
  const events = opts.events ?? createEventRecorder(registry, store, 'daemonset-controller', opts.log, clock);
  const dsInfo = (): ResourceInfo => resource(registry, 'apps', 'v1', 'daemonsets');
  const podsInfo = (): ResourceInfo => resource(registry, '', 'v1', 'pods');
  const nodesInfo = (): ResourceInfo => resource(registry, '', 'v1', 'nodes');

  function podFor(ds: StoredObject, node: string, hash: string): KubeObject {
    const pod = podFromTemplate(spec(ds).template, ds, controllerRef(ds));
    const gen = ds.metadata.annotations?.[TEMPLATE_GENERATION_ANNOTATION];
    pod.metadata!.labels = { ...(pod.metadata!.labels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: hash, ...(gen ? { [TEMPLATE_GENERATION_LABEL]: gen } : {}) };
    const ps = pod.spec as Obj;
    ps.tolerations = daemonTolerations(ps);
    pinToNode(ps, node);
    return pod;
  }

  async function createOn(ds: StoredObject, nodes: string[], hash: string): Promise<void> {
    let err: Error | undefined;
    for (let i = 0, batch = 1; i < nodes.length && !err; i += batch, batch *= 2) {
      const results = await Promise.allSettled(nodes.slice(i, i + batch).map((n) => store.create(podsInfo(), ds.metadata.namespace, podFor(ds, n, hash), { user })));
      for (const r of results) {
        if (r.status === 'fulfilled') events.event(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${r.value.metadata.name}`);
        else {
          err ??= r.reason as Error;
          events.event(ds, 'Warning', 'FailedCreate', `Error creating: ${(r.reason as Error).message}`);
        }
      }
    }
    if (err) throw err;
  }

  async function deletePods(ds: StoredObject, pods: StoredObject[]): Promise<void> {
    for (const p of pods) {
      try {
        await store.delete(podsInfo(), p.metadata.namespace, p.metadata.name, { preconditions: { uid: p.metadata.uid } }, { user });
        events.event(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`);
      } catch (e) {
        if (e instanceof ApiError && e.code === 404) continue;
        events.event(ds, 'Warning', 'FailedDelete', `Error deleting: ${(e as Error).message}`);
        throw e;
      }
    }
  }

  async function syncDs(namespace: string | undefined, name: string): Promise<ReconcileResult> {
    const ds = await getOrUndefined(store, dsInfo(), namespace, name);
    if (!ds) return;
    const now = clock();
    const nodes = (await store.list(nodesInfo(), undefined)).items;
    const all = (await store.list(podsInfo(), namespace)).items;
    const pods = await claim(
      {
        store,
        info: podsInfo(),
        owner: ds,
        user,
        matches: (p) => selectorMatches(spec(ds).selector, p.metadata.labels ?? {}),
        recheck: () => getOrUndefined(store, dsInfo(), namespace, name),
      },
      all,
    );
    const revs = await syncRevisions(registry, store, ds, user, async (n) => {
      await store.update(dsInfo(), namespace, name, (cur) => {
        if (!cur || cur.metadata.uid !== ds.metadata.uid) throw new ApiError(404, 'NotFound', 'gone');
        return unpinned({ ...cur, status: { ...status(cur), collisionCount: n } });
      }, { user, subresource: 'status' });
    });
    const hash = revs.update.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? '';
    const minReady = num(spec(ds).minReadySeconds) ?? 0;
    const byNode = new Map<string, StoredObject[]>();
    const orphaned: StoredObject[] = [];
    for (const p of pods) {
      const n = nodeOfPod(p);
      if (!n) {
        orphaned.push(p);
        continue;
      }
      byNode.set(n, [...(byNode.get(n) ?? []), p]);
    }
    const eligible = new Set(nodes.filter((n) => nodeShouldRunDaemonPod(n, spec(ds).template)).map((n) => n.metadata.name));
    const isCurrent = (p: KubeObject) => p.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] === hash;
    const available = (p: KubeObject) => isPodAvailable(p, minReady, now);

    if (!ds.metadata.deletionTimestamp) {
      // manage: one pod per eligible node, none elsewhere.
      const toCreate: string[] = [];
      const toDelete: StoredObject[] = [...orphaned];
      for (const node of new Set([...eligible, ...byNode.keys()])) {
        const onNode = (byNode.get(node) ?? []).filter((p) => !p.metadata.deletionTimestamp);
        if (!eligible.has(node) || !nodes.some((n) => n.metadata.name === node)) {
          toDelete.push(...onNode);
          continue;
        }
        const failed = onNode.filter((p) => podPhase(p) === 'Failed');
        for (const p of failed) {
          events.event(ds, 'Warning', 'FailedDaemonPod', `Found failed daemon pod ${p.metadata.namespace}/${p.metadata.name} on node ${node}, will try to kill it`);
          toDelete.push(p);
        }
        const alive = onNode.filter((p) => podPhase(p) !== 'Failed').sort((a, b) => a.metadata.creationTimestamp.localeCompare(b.metadata.creationTimestamp));
        if (alive.length === 0) {
          if (!(byNode.get(node) ?? []).some((p) => p.metadata.deletionTimestamp)) toCreate.push(node);
        } else if (alive.length > 1) {
          // Keep the oldest (a surge keeps the current one and an available old one until the update settles).
          const keep = alive.find(isCurrent) ?? alive[0]!;
          const surgeOld = maxSurgeOf(ds, eligible.size) > 0 ? alive.find((p) => p !== keep && !isCurrent(p)) : undefined;
          toDelete.push(...alive.filter((p) => p !== keep && p !== surgeOld));
        }
      }
      await deletePods(ds, toDelete);
      await createOn(ds, toCreate, hash);
      const us = asObj(spec(ds).updateStrategy) ?? {};
      if (us.type !== 'OnDelete') await rollingUpdate(ds, nodes, eligible, hash, minReady, now);
    }

    const podsNow = (await store.list(podsInfo(), namespace)).items.filter((p) => controllerOf(p)?.uid === ds.metadata.uid);
    const nodePods = new Map<string, StoredObject[]>();
    for (const p of podsNow) {
      const n = nodeOfPod(p);
      if (n) nodePods.set(n, [...(nodePods.get(n) ?? []), p]);
    }
    let current = 0;
    let misscheduled = 0;
    let ready = 0;
    let updated = 0;
    let avail = 0;
    for (const [node, ps] of nodePods) {
      if (!eligible.has(node)) {
        misscheduled++;
        continue;
      }
      current++;
      const p = ps.find(isCurrent) ?? ps[0]!;
      if (isPodReady(p)) {
        ready++;
        if (available(p)) avail++;
      }
      if (ps.some(isCurrent)) updated++;
    }
    const st: Record<string, unknown> = {
      ...status(ds),
      currentNumberScheduled: current,
      numberMisscheduled: misscheduled,
      desiredNumberScheduled: eligible.size,
      numberReady: ready,
      observedGeneration: ds.metadata.generation,
      updatedNumberScheduled: updated,
      numberAvailable: avail,
      numberUnavailable: Math.max(0, eligible.size - avail),
    };
    if (revs.collisionCount) st.collisionCount = revs.collisionCount;
    for (const k of ['observedGeneration', 'updatedNumberScheduled', 'numberAvailable', 'numberUnavailable']) if (st[k] === 0) delete st[k];
    if (!deepEqual(status(ds), st)) {
      await store.update(
        dsInfo(),
        namespace,
        name,
        (cur) => {
          if (!cur || cur.metadata.uid !== ds.metadata.uid) throw new ApiError(404, 'NotFound', 'gone');
          return unpinned({ ...cur, status: st });
        },
        { user, subresource: 'status' },
      );
    }
    // Keep revisionHistoryLimit revisions besides those pods still run.
    const live = new Set(revs.all.filter((r) => podsNow.some((p) => p.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] === r.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL])).map((r) => r.metadata.name));
    live.add(revs.update.metadata.name);
    await truncateHistory(registry, store, revs.all, live, num(spec(ds).revisionHistoryLimit) ?? 10, user);
    const wait = nextAvailableInMs(podsNow, minReady, now);
    return wait !== undefined ? { requeueAfterMs: wait } : undefined;
  }

  function maxSurgeOf(ds: KubeObject, desired: number): number {
    const ru = asObj(asObj(spec(ds).updateStrategy)?.rollingUpdate) ?? {};
    return scaledValue(ru.maxSurge ?? 0, desired, true);
  }

  /** rollingUpdate: replace old pods within maxUnavailable (or surge within maxSurge). */
  async function rollingUpdate(ds: StoredObject, nodes: KubeObject[], eligible: Set<string>, hash: string, minReady: number, now: number): Promise<void> {
    const ru = asObj(asObj(spec(ds).updateStrategy)?.rollingUpdate) ?? {};
    const desired = eligible.size;
    const maxUnavailable = scaledValue(ru.maxUnavailable ?? 1, desired, true);
    const maxSurge = maxSurgeOf(ds, desired);
    const pods = (await store.list(podsInfo(), ds.metadata.namespace)).items.filter((p) => controllerOf(p)?.uid === ds.metadata.uid && !p.metadata.deletionTimestamp);
    const byNode = new Map<string, StoredObject[]>();
    for (const p of pods) {
      const n = nodeOfPod(p);
      if (n && eligible.has(n)) byNode.set(n, [...(byNode.get(n) ?? []), p]);
    }
    const isCurrent = (p: KubeObject) => p.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] === hash;
    const available = (p: KubeObject) => isPodAvailable(p, minReady, now);
    if (maxSurge === 0) {
      let unavailable = 0;
      const oldAvailable: StoredObject[] = [];
      const oldUnavailable: StoredObject[] = [];
      for (const node of eligible) {
        const ps = byNode.get(node) ?? [];
        const cur = ps.find(isCurrent);
        const old = ps.find((p) => !isCurrent(p));
        if (cur) {
          if (!available(cur)) unavailable++;
          continue;
        }
        if (!old) {
          unavailable++;
          continue;
        }
        if (available(old)) oldAvailable.push(old);
        else {
          oldUnavailable.push(old);
          unavailable++;
        }
      }
      // Unavailable old pods go at once; available ones only while the budget allows.
      const victims = [...oldUnavailable];
      for (const p of oldAvailable) {
        if (unavailable >= maxUnavailable) break;
        victims.push(p);
        unavailable++;
      }
      await deletePods(ds, victims);
      return;
    }
    // Surge: start a new pod next to an old one, then remove the old one once the new is available.
    let surging = 0;
    const toCreate: string[] = [];
    const toDelete: StoredObject[] = [];
    for (const node of eligible) {
      const ps = byNode.get(node) ?? [];
      const cur = ps.find(isCurrent);
      const olds = ps.filter((p) => !isCurrent(p));
      if (olds.length === 0) continue;
      if (cur) {
        if (available(cur)) toDelete.push(...olds);
        else surging++;
        continue;
      }
      if (olds.every((p) => !available(p))) toDelete.push(...olds);
      else toCreate.push(node);
    }
    const room = Math.max(0, maxSurge - surging);
    await deletePods(ds, toDelete);
    await createOn(ds, toCreate.slice(0, room).filter((n) => nodes.some((x) => x.metadata?.name === n)), hash);
  }

  const owners = new OwnerCache();
  const dsMatching = (pod: StoredObject): string[] => owners.matching(pod.metadata.namespace, (d) => selectorMatches(spec(d).selector, pod.metadata.labels ?? {}));

  return {
    name: 'daemonset',
    async start(enqueue) {
      return watchMany([
        watchAll(store, dsInfo(), owners.feed(selfMapper(enqueue))),
        watchAll(store, podsInfo(), ownerMapper({ ownerKind: 'DaemonSet', ownerGroup: 'apps', enqueue, orphanOwners: dsMatching })),
        // Any node change can change where daemons run. (From the cache the DaemonSet watch keeps: a
        // storage list on every node event was a visible cost where nodes change often, as a
        // syncer's virtual nodes do, and there are usually no daemon sets at all.)
        watchAll(store, nodesInfo(), () => {
          for (const key of owners.all()) enqueue(key);
        }),
      ]);
    },
    async reconcile(key) {
      const { namespace, name } = splitKey(key);
      try {
        return await syncDs(namespace, name);
      } catch (e) {
        if (isConflict(e) && !(e instanceof ApiError && e.reason === 'AlreadyExists')) return { requeueAfterMs: 20 };
        throw e;
      }
    },
  };
}
