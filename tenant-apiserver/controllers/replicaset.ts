// ReplicaSet and ReplicationController (pkg/controller/replicaset): keep
// spec.replicas active pods matching the selector. Pods are created from the
// template with `generateName: <owner>-` and a controller reference, in
// slow-start batches (1, 2, 4, …) that stop at the first failure; surplus pods
// are deleted in kube's ranking order. Orphans matching the selector are
// adopted, owned pods that stopped matching are released. Status counts
// replicas, fully labeled, ready and available (minReadySeconds) pods.

import type { Logger } from 'pino';
import type { Registry, ResourceInfo } from '../api/registry.js';
import type { ResourceStore } from '../api/store.js';
import { ApiError } from '../api/errors.js';
import { mapSelectorMatches, selectorMatches } from '../api/strategies/validators.js';
import { asObj, num } from '../api/strategies/util.js';
import { rfc3339, type KubeObject, type StoredObject } from '../api/types.js';
import {
  claim,
  controllerOf,
  controllerRef,
  controllerUser,
  getCondition,
  getOrUndefined,
  ignoreNotFound,
  isPodActive,
  nextAvailableInMs,
  podCounts,
  podFromTemplate,
  resource,
  spec,
  specReplicas,
  splitKey,
  status,
  type Condition,
  unpinned,
} from './common.js';
import { createEventRecorder, type EventRecorder } from './events.js';
import { rankPodsForDeletion } from './pod-ranking.js';
import type { Controller } from './runtime.js';
import { OwnerCache, ownerMapper, selfMapper, watchAll, watchMany } from './watch.js';

/** kube's burstReplicas: at most this many creates or deletes per sync. */
export const BURST_REPLICAS = 500;

export interface WorkloadControllerOptions {
  log?: Logger;
  clock?: () => number;
  events?: EventRecorder;
}

interface Flavor {
  name: string;
  component: string;
  user: string;
  group: string;
  version: string;
  resource: string;
  kind: string;
  matches(owner: KubeObject, labels: Record<string, string> | undefined): boolean;
}

const FLAVORS: Record<'ReplicaSet' | 'ReplicationController', Flavor> = {
  ReplicaSet: {
    name: 'replicaset',
    component: 'replicaset-controller',
    user: 'replicaset-controller',
    group: 'apps',
    version: 'v1',
    resource: 'replicasets',
    kind: 'ReplicaSet',
    matches: (owner, labels) => selectorMatches(spec(owner).selector, labels ?? {}),
  },
  ReplicationController: {
    name: 'replicationcontroller',
    component: 'replication-controller',
    user: 'replication-controller',
    group: '',
    version: 'v1',
    resource: 'replicationcontrollers',
    kind: 'ReplicationController',
    // A map selector; an empty one selects nothing (the strategy defaults it from the template).
    matches: (owner, labels) => {
      const sel = asObj(spec(owner).selector) ?? {};
      return Object.keys(sel).length > 0 && mapSelectorMatches(sel, labels ?? {});
    },
  },
};

/** Drop zero counters, as the Go types' omitempty does. */
export function omitZero(o: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  for (const k of keys) if (o[k] === 0 || o[k] === undefined) delete o[k];
  return o;
}

/** calculateStatus for a ReplicaSet / ReplicationController from its active, claimed pods. */
export function replicaSetStatus(rs: StoredObject, pods: KubeObject[], manageError: { reason: string; message: string } | undefined, nowMs: number): Record<string, unknown> {
  const cur = { ...status(rs) } as Record<string, unknown>;
  const templateLabels = (asObj(asObj(asObj(spec(rs).template)?.metadata)?.labels) ?? {}) as Record<string, string>;
  const minReady = num(spec(rs).minReadySeconds) ?? 0;
  let fullyLabeled = 0;
  for (const p of pods) if (mapSelectorMatches(templateLabels, p.metadata?.labels ?? {})) fullyLabeled++;
  const { ready, available } = podCounts(pods, minReady, nowMs);
  let conds = ((cur.conditions as Condition[] | undefined) ?? []).slice();
  const failure = getCondition(conds, 'ReplicaFailure');
  if (manageError && !failure) {
    conds.push({ type: 'ReplicaFailure', status: 'True', lastTransitionTime: rfc3339(new Date(nowMs)), reason: manageError.reason, message: manageError.message });
  } else if (!manageError && failure) {
    conds = conds.filter((c) => c.type !== 'ReplicaFailure');
  }
  const out: Record<string, unknown> = {
    ...cur,
    replicas: pods.length,
    fullyLabeledReplicas: fullyLabeled,
    readyReplicas: ready,
    availableReplicas: available,
    observedGeneration: rs.metadata.generation ?? cur.observedGeneration,
  };
  if (conds.length) out.conditions = conds;
  else delete out.conditions;
  omitZero(out, ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas', 'observedGeneration']);
  return out;
}

export function replicaSetController(registry: Registry, store: ResourceStore, kind: 'ReplicaSet' | 'ReplicationController', opts: WorkloadControllerOptions = {}): Controller {
  const f = FLAVORS[kind];
  const clock = opts.clock ?? Date.now;
  const user = controllerUser(f.user);
  const events = opts.events ?? createEventRecorder(registry, store, f.component, opts.log, clock);
  const ownInfo = (): ResourceInfo => resource(registry, f.group, f.version, f.resource);
  const podsInfo = (): ResourceInfo => resource(registry, '', 'v1', 'pods');

  const owners = new OwnerCache();
  const ownersMatching = (pod: StoredObject): string[] => owners.matching(pod.metadata.namespace, (o) => f.matches(o, pod.metadata.labels));

  async function createPods(rs: StoredObject, count: number): Promise<Error | undefined> {
    const ref = controllerRef(rs);
    let remaining = Math.min(count, BURST_REPLICAS);
    // slowStartBatch: a failing create (quota, admission) costs one request, not hundreds.
    for (let batch = 1; remaining > 0; batch *= 2) {
      const n = Math.min(remaining, batch);
      const results = await Promise.allSettled(
        Array.from({ length: n }, () => store.create(podsInfo(), rs.metadata.namespace, podFromTemplate(spec(rs).template, rs, ref), { user })),
      );
      let firstErr: Error | undefined;
      for (const r of results) {
        if (r.status === 'fulfilled') events.event(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${r.value.metadata.name}`);
        else {
          const err = r.reason as Error;
          firstErr ??= err;
          if (!(err instanceof ApiError && err.code === 403 && /being terminated/.test(err.message))) {
            events.event(rs, 'Warning', 'FailedCreate', `Error creating: ${err.message}`);
          }
        }
      }
      if (firstErr) return firstErr;
      remaining -= n;
    }
    return undefined;
  }

  async function deletePods(rs: StoredObject, victims: StoredObject[]): Promise<Error | undefined> {
    const results = await Promise.allSettled(
      victims.map((p) => store.delete(podsInfo(), p.metadata.namespace, p.metadata.name, { preconditions: { uid: p.metadata.uid } }, { user })),
    );
    let firstErr: Error | undefined;
    results.forEach((r, i) => {
      const p = victims[i]!;
      if (r.status === 'fulfilled') events.event(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`);
      else if (!(r.reason instanceof ApiError && r.reason.code === 404)) {
        firstErr ??= r.reason as Error;
        events.event(rs, 'Warning', 'FailedDelete', `Error deleting: ${(r.reason as Error).message}`);
      }
    });
    return firstErr;
  }

  return {
    name: f.name,
    async start(enqueue) {
      return watchMany([
        watchAll(store, ownInfo(), owners.feed(selfMapper(enqueue))),
        watchAll(store, podsInfo(), ownerMapper({ ownerKind: f.kind, ownerGroup: f.group, enqueue, orphanOwners: ownersMatching })),
      ]);
    },
    async reconcile(key) {
      const { namespace, name } = splitKey(key);
      const rs = await getOrUndefined(store, ownInfo(), namespace, name);
      if (!rs) return;
      const all = (await store.list(podsInfo(), namespace)).items;
      const active = all.filter(isPodActive);
      const owned = await claim(
        {
          store,
          info: podsInfo(),
          owner: rs,
          user,
          matches: (p) => f.matches(rs, p.metadata.labels),
          recheck: () => getOrUndefined(store, ownInfo(), namespace, name),
        },
        active,
      );
      let manageErr: Error | undefined;
      let manageReason = '';
      if (!rs.metadata.deletionTimestamp) {
        const diff = owned.length - specReplicas(rs);
        if (diff < 0) {
          manageReason = 'FailedCreate';
          manageErr = await createPods(rs, -diff);
        } else if (diff > 0) {
          manageReason = 'FailedDelete';
          // Pods of sibling ReplicaSets (same controller) count for the doubled-up-on-a-node rank.
          const owner = controllerOf(rs);
          let related: StoredObject[] = [];
          if (owner) {
            const siblings = new Set(
              (await store.list(ownInfo(), namespace)).items.filter((o) => controllerOf(o)?.uid === owner.uid).map((o) => o.metadata.uid),
            );
            related = all.filter((p) => siblings.has(controllerOf(p)?.uid ?? ''));
          }
          const ranked = rankPodsForDeletion(owned, related, clock()) as StoredObject[];
          manageErr = await deletePods(rs, ranked.slice(0, Math.min(diff, BURST_REPLICAS)));
        }
      }
      const now = clock();
      const next = replicaSetStatus(rs, owned, manageErr ? { reason: manageReason, message: manageErr.message } : undefined, now);
      await ignoreNotFound(
        store.update(
          ownInfo(),
          namespace,
          name,
          (cur) => {
            if (!cur || cur.metadata.uid !== rs.metadata.uid) throw new ApiError(404, 'NotFound', 'gone');
            return unpinned({ ...cur, status: next });
          },
          { user, subresource: 'status' },
        ),
      );
      if (manageErr) throw manageErr;
      const wait = nextAvailableInMs(owned, num(spec(rs).minReadySeconds) ?? 0, now);
      return wait !== undefined ? { requeueAfterMs: wait } : undefined;
    },
  };
}
