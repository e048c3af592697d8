// StatefulSet controller (pkg/controller/statefulset): pods with stable names
// `<set>-<ordinal>`, hostname and subdomain, each with its PersistentVolumeClaims
// `<claim>-<set>-<ordinal>` from volumeClaimTemplates (created first, never
// deleted unless the retention policy says so). OrderedReady creates pods in
// ordinal order, each waiting for its predecessors to be Running and Ready, and
// removes surplus pods highest ordinal first, one at a time; Parallel does both
// at once. Template changes become ControllerRevisions; a RollingUpdate replaces
// pods at or above the partition, highest ordinal first, one at a time, and the
// current revision follows once every pod is updated and ready.

import type { Registry, ResourceInfo } from '../api/registry.js';
import type { ResourceStore } from '../api/store.js';
import { ApiError } from '../api/errors.js';
import { selectorMatches } from '../api/strategies/validators.js';
import { asObj, clone, deepEqual, num, objs, str } from '../api/strategies/util.js';
import type { KubeObject, OwnerReference, StoredObject } from '../api/types.js';
import {
  claim,
  controllerOf,
  controllerRef,
  controllerUser,
  getOrUndefined,
  ignoreNotFound,
  isConflict,
  isPodAvailable,
  isPodReady,
  nextAvailableInMs,
  podFromTemplate,
  podPhase,
  resource,
  spec,
  specReplicas,
  splitKey,
  status,
  unpinned,
} from './common.js';
import { createEventRecorder } from './events.js';
import { CONTROLLER_REVISION_HASH_LABEL, syncRevisions, templateOfRevision, truncateHistory } from './history.js';
import type { WorkloadControllerOptions } from './replicaset.js';
import type { Controller, ReconcileResult } from './runtime.js';
import { OwnerCache, ownerMapper, selfMapper, watchAll, watchMany } from './watch.js';

export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

/** `<set>-<ordinal>` → ordinal, or undefined when the name is not one of the set's. */
export function ordinalOf(setName: string, podName: string): number | undefined {
  if (!podName.startsWith(`${setName}-`)) return undefined;
  const rest = podName.slice(setName.length + 1);
  return /^(0|[1-9]\d*)$/.test(rest) ? Number(rest) : undefined;
}

export function claimName(template: string, setName: string, ordinal: number): string {
  return `${template}-${setName}-${ordinal}`;
}

function isRunningAndReady(p: KubeObject): boolean {
  return podPhase(p) === 'Running' && isPodReady(p);
}

function isTerminating(p: KubeObject): boolean {
  return !!p.metadata?.deletionTimestamp;
}

function revisionLabel(p: KubeObject): string | undefined {
  return p.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL];
}

/** newStatefulSetPod: identity (name, hostname, subdomain, labels) and storage (claims as volumes) for one ordinal. */
export function statefulSetPod(set: StoredObject, template: unknown, ordinal: number, revisionName: string): KubeObject {
  const pod = podFromTemplate(template, set, controllerRef(set));
  const meta = pod.metadata!;
  const name = `${set.metadata.name}-${ordinal}`;
  delete meta.generateName;
  meta.name = name;
  meta.labels = { ...(meta.labels ?? {}), [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal), [CONTROLLER_REVISION_HASH_LABEL]: revisionName };
  const ps = pod.spec as Record<string, unknown>;
  ps.hostname = name;
  const svc = str(spec(set).serviceName);
  if (svc) ps.subdomain = svc;
  const claims = objs(spec(set).volumeClaimTemplates);
  if (claims.length) {
    const names = new Set(claims.map((c) => str(asObj(c.metadata)?.name)));
    const volumes = objs(ps.volumes).filter((v) => !names.has(str(v.name)));
    for (const c of claims) {
      const cn = str(asObj(c.metadata)?.name);
      volumes.push({ name: cn, persistentVolumeClaim: { claimName: claimName(cn, set.metadata.name, ordinal) } });
    }
    ps.volumes = volumes;
  }
  return pod;
}

export function statefulSetController(registry: Registry, store: ResourceStore, opts: WorkloadControllerOptions = {}): Controller {
  const clock = opts.clock ?? Date.now;
  const user = controllerUser('statefulset-controller');
  const events = opts.events ?? createEventRecorder(registry, store, 'statefulset-controller', opts.log, clock);
  const setsInfo = (): ResourceInfo => resource(registry, 'apps', 'v1', 'statefulsets');
  const podsInfo = (): ResourceInfo => resource(registry, '', 'v1', 'pods');
  const pvcInfo = (): ResourceInfo => resource(registry, '', 'v1', 'persistentvolumeclaims');

  async function ensureClaims(set: StoredObject, ordinal: number, podName: string): Promise<void> {
    const retention = asObj(spec(set).persistentVolumeClaimRetentionPolicy) ?? {};
    for (const t of objs(spec(set).volumeClaimTemplates)) {
      const tm = asObj(t.metadata) ?? {};
      const name = claimName(str(tm.name), set.metadata.name, ordinal);
      const existing = await getOrUndefined(store, pvcInfo(), set.metadata.namespace, name);
      if (existing) {
        if (existing.metadata.deletionTimestamp) throw new Error(`pvc ${name} is being deleted`);
        continue;
      }
      const labels = { ...((asObj(tm.labels) ?? {}) as Record<string, string>), ...((asObj(asObj(spec(set).selector)?.matchLabels) ?? {}) as Record<string, string>) };
      const meta: Record<string, unknown> = { name, namespace: set.metadata.namespace, labels };
      if (asObj(tm.annotations)) meta.annotations = clone(tm.annotations);
      if (retention.whenDeleted === 'Delete') {
        meta.ownerReferences = [{ apiVersion: set.apiVersion, kind: set.kind, name: set.metadata.name, uid: set.metadata.uid, controller: true, blockOwnerDeletion: true } satisfies OwnerReference];
      }
      const pvc: KubeObject = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: meta, spec: clone(asObj(t.spec) ?? {}) };
      try {
        await store.create(pvcInfo(), set.metadata.namespace, pvc, { user });
        events.event(set, 'Normal', 'SuccessfulCreate', `create Claim ${name} Pod ${podName} in StatefulSet ${set.metadata.name} success`);
      } catch (e) {
        if (e instanceof ApiError && e.reason === 'AlreadyExists') continue;
        events.event(set, 'Warning', 'FailedCreate', `create Claim ${name} for Pod ${podName} in StatefulSet ${set.metadata.name} failed error: ${(e as Error).message}`);
        throw e;
      }
    }
  }

  async function createPod(set: StoredObject, pod: KubeObject, ordinal: number): Promise<void> {
    const name = pod.metadata!.name!;
    await ensureClaims(set, ordinal, name);
    try {
      await store.create(podsInfo(), set.metadata.namespace, pod, { user });
      events.event(set, 'Normal', 'SuccessfulCreate', `create Pod ${name} in StatefulSet ${set.metadata.name} successful`);
    } catch (e) {
      if (e instanceof ApiError && e.reason === 'AlreadyExists') return;
      events.event(set, 'Warning', 'FailedCreate', `create Pod ${name} in StatefulSet ${set.metadata.name} failed error: ${(e as Error).message}`);
      throw e;
    }
  }

  async function deletePod(set: StoredObject, pod: StoredObject): Promise<void> {
    // whenScaled: Delete hands the claims of a scaled-away ordinal to the pod, so they go with it.
    const retention = asObj(spec(set).persistentVolumeClaimRetentionPolicy) ?? {};
    const ord = ordinalOf(set.metadata.name, pod.metadata.name);
    const start = num(asObj(spec(set).ordinals)?.start) ?? 0;
    if (retention.whenScaled === 'Delete' && ord !== undefined && (ord < start || ord >= start + specReplicas(set))) {
      for (const t of objs(spec(set).volumeClaimTemplates)) {
        const name = claimName(str(asObj(t.metadata)?.name), set.metadata.name, ord);
        await ignoreNotFound(
          store.update(pvcInfo(), set.metadata.namespace, name, (cur) => {
            if (!cur) throw new ApiError(404, 'NotFound', 'gone');
            const refs = (cur.metadata.ownerReferences ?? []).filter((r) => r.uid !== pod.metadata.uid);
            refs.push({ apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name, uid: pod.metadata.uid, controller: false, blockOwnerDeletion: true });
            return unpinned({ ...cur, metadata: { ...cur.metadata, ownerReferences: refs } });
          }, { user }),
        );
      }
    }
    try {
      await store.delete(podsInfo(), pod.metadata.namespace, pod.metadata.name, { preconditions: { uid: pod.metadata.uid } }, { user });
      events.event(set, 'Normal', 'SuccessfulDelete', `delete Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} successful`);
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) return;
      events.event(set, 'Warning', 'FailedDelete', `delete Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} failed error: ${(e as Error).message}`);
      throw e;
    }
  }

  async function writeStatus(set: StoredObject, st: Record<string, unknown>): Promise<void> {
    if (deepEqual(status(set), st)) return;
    await store.update(
      setsInfo(),
      set.metadata.namespace,
      set.metadata.name,
      (cur) => {
        if (!cur || cur.metadata.uid !== set.metadata.uid) throw new ApiError(404, 'NotFound', 'gone');
        return unpinned({ ...cur, status: st });
      },
      { user, subresource: 'status' },
    );
  }

  async function syncSet(namespace: string | undefined, name: string): Promise<ReconcileResult> {
    const set = await getOrUndefined(store, setsInfo(), namespace, name);
    if (!set) return;
    const now = clock();
    const all = (await store.list(podsInfo(), namespace)).items;
    const pods = await claim(
      {
        store,
        info: podsInfo(),
        owner: set,
        user,
        // A pod is the set's only if it matches the selector and is named like one of its ordinals.
        matches: (p) => selectorMatches(spec(set).selector, p.metadata.labels ?? {}) && ordinalOf(set.metadata.name, p.metadata.name) !== undefined,
        recheck: () => getOrUndefined(store, setsInfo(), namespace, name),
      },
      all,
    );
    const revs = await syncRevisions(registry, store, set, user, (n) => writeStatus(set, { ...status(set), collisionCount: n }));
    const updateRevision = revs.update;
    const currentName = str(status(set).currentRevision);
    const currentRevision = revs.all.find((r) => r.metadata.name === currentName) ?? updateRevision;
    const minReady = num(spec(set).minReadySeconds) ?? 0;
    const start = num(asObj(spec(set).ordinals)?.start) ?? 0;
    const replicas = specReplicas(set);
    const monotonic = str(spec(set).podManagementPolicy) !== 'Parallel';
    const us = asObj(spec(set).updateStrategy) ?? {};
    const rolling = us.type !== 'OnDelete';
    const partition = num(asObj(us.rollingUpdate)?.partition) ?? 0;

    const slots: (StoredObject | undefined)[] = new Array(replicas).fill(undefined);
    const condemned: StoredObject[] = [];
    for (const p of pods) {
      const ord = ordinalOf(set.metadata.name, p.metadata.name)!;
      if (ord >= start && ord < start + replicas) slots[ord - start] = p;
      else condemned.push(p);
    }
    condemned.sort((a, b) => ordinalOf(set.metadata.name, a.metadata.name)! - ordinalOf(set.metadata.name, b.metadata.name)!);

    const computeStatus = (podsNow: StoredObject[]): Record<string, unknown> => {
      const st: Record<string, unknown> = {
        ...status(set),
        observedGeneration: set.metadata.generation,
        replicas: podsNow.length,
        readyReplicas: podsNow.filter(isRunningAndReady).length,
        availableReplicas: podsNow.filter((p) => isRunningAndReady(p) && isPodAvailable(p, minReady, clock())).length,
        currentReplicas: podsNow.filter((p) => revisionLabel(p) === currentRevision.metadata.name).length,
        updatedReplicas: podsNow.filter((p) => revisionLabel(p) === updateRevision.metadata.name).length,
        currentRevision: currentRevision.metadata.name,
        updateRevision: updateRevision.metadata.name,
      };
      if (revs.collisionCount) st.collisionCount = revs.collisionCount;
      // completeRollingUpdate
      if (rolling && st.updatedReplicas === st.replicas && st.readyReplicas === st.replicas) {
        st.currentReplicas = st.updatedReplicas;
        st.currentRevision = st.updateRevision;
      }
      for (const k of ['readyReplicas', 'currentReplicas', 'updatedReplicas', 'observedGeneration']) if (st[k] === 0 || st[k] === undefined) delete st[k];
      return st;
    };

    if (!set.metadata.deletionTimestamp) {
      await manage(set, slots, condemned, { start, monotonic, rolling, partition, currentRevision, updateRevision });
    }
    const podsNow = (await store.list(podsInfo(), namespace)).items.filter((p) => controllerOf(p)?.uid === set.metadata.uid);
    const st = computeStatus(podsNow);
    await writeStatus(set, st);
    // History: keep revisionHistoryLimit revisions besides the live ones.
    await truncateHistory(registry, store, revs.all, new Set([String(st.currentRevision), String(st.updateRevision)]), num(spec(set).revisionHistoryLimit) ?? 10, user);
    const requeue = nextAvailableInMs(podsNow, minReady, now);
    return requeue !== undefined ? { requeueAfterMs: requeue } : undefined;
  }

  async function manage(
    set: StoredObject,
    slots: (StoredObject | undefined)[],
    condemned: StoredObject[],
    o: { start: number; monotonic: boolean; rolling: boolean; partition: number; currentRevision: StoredObject; updateRevision: StoredObject },
  ): Promise<void> {
    const currentTemplate = templateOfRevision(o.currentRevision);
    const updateTemplate = spec(set).template;
    // Ordinals below the partition stay on the current revision when (re)created.
    const versioned = (ord: number): KubeObject =>
      o.rolling && ord < o.start + o.partition
        ? statefulSetPod(set, currentTemplate, ord, o.currentRevision.metadata.name)
        : statefulSetPod(set, updateTemplate, ord, o.updateRevision.metadata.name);
    let firstUnhealthy: StoredObject | undefined;
    for (let i = 0; i < slots.length; i++) {
      const ord = o.start + i;
      let pod = slots[i];
      if (pod && podPhase(pod) === 'Failed' && !isTerminating(pod)) {
        // A failed pod is replaced.
        await deletePod(set, pod);
        slots[i] = pod = undefined;
        if (o.monotonic) return;
        continue;
      }
      if (!pod) {
        await createPod(set, versioned(ord), ord);
        if (o.monotonic) return;
        continue;
      }
      if (isTerminating(pod)) {
        if (o.monotonic) return;
        continue;
      }
      if (!isRunningAndReady(pod)) {
        firstUnhealthy ??= pod;
        if (o.monotonic) return;
      }
      // Claims of an existing pod are recreated if they went missing.
      await ensureClaims(set, ord, pod.metadata.name);
    }
    // Scale down, highest ordinal first.
    for (let t = condemned.length - 1; t >= 0; t--) {
      const p = condemned[t]!;
      if (isTerminating(p)) {
        if (o.monotonic) return;
        continue;
      }
      if (o.monotonic && !isRunningAndReady(p) && firstUnhealthy && p !== firstUnhealthy) return;
      await deletePod(set, p);
      if (o.monotonic) return;
    }
    if (!o.rolling) return;
    // Rolling update: replace pods at or above the partition on an old revision, highest ordinal first, one at a time.
    for (let i = slots.length - 1; i >= o.partition; i--) {
      const p = slots[i];
      if (!p) return;
      if (revisionLabel(p) !== o.updateRevision.metadata.name && !isTerminating(p)) {
        await deletePod(set, p);
        return;
      }
      if (!isRunningAndReady(p)) return;
    }
  }

  const owners = new OwnerCache();
  const setsMatching = (pod: StoredObject): string[] =>
    owners.matching(pod.metadata.namespace, (s) => selectorMatches(spec(s).selector, pod.metadata.labels ?? {}) && ordinalOf(s.metadata.name, pod.metadata.name) !== undefined);

  return {
    name: 'statefulset',
    async start(enqueue) {
      return watchMany([
        watchAll(store, setsInfo(), owners.feed(selfMapper(enqueue))),
        watchAll(store, podsInfo(), ownerMapper({ ownerKind: 'StatefulSet', ownerGroup: 'apps', enqueue, orphanOwners: setsMatching })),
      ]);
    },
    async reconcile(key) {
      const { namespace, name } = splitKey(key);
      try {
        return await syncSet(namespace, name);
      } catch (e) {
        if (isConflict(e) && !(e instanceof ApiError && e.reason === 'AlreadyExists')) return { requeueAfterMs: 20 };
        throw e;
      }
    },
  };
}
