// Deployment controller (pkg/controller/deployment): owns ReplicaSets named
// `<deployment>-<pod-template-hash>`, one per template revision. Rolling
// updates scale the new ReplicaSet up within maxSurge and old ones down within
// maxUnavailable; Recreate scales old ones to zero, waits for their pods, then
// scales the new one up. Scaling events are spread proportionally; paused
// Deployments only scale. Revisions live in `deployment.kubernetes.io/revision`
// (kubectl's rollout history and undo read them), old ReplicaSets beyond
// revisionHistoryLimit are deleted, and status carries the counters and the
// Available / Progressing conditions `kubectl rollout status` waits on.

import type { Registry, ResourceInfo } from '../api/registry.js';
import type { ResourceStore } from '../api/store.js';
import { ApiError } from '../api/errors.js';
import { selectorEmpty, selectorMatches } from '../api/strategies/validators.js';
import { asObj, clone, deepEqual, num } from '../api/strategies/util.js';
import type { KubeObject, StoredObject } from '../api/types.js';
import {
  claim,
  controllerOf,
  controllerRef,
  controllerUser,
  getCondition,
  getOrUndefined,
  ignoreNotFound,
  isConflict,
  isControlledBy,
  podPhase,
  resource,
  spec,
  specReplicas,
  splitKey,
  status,
  statusNum,
  type Condition,
} from './common.js';
import {
  DESIRED_REPLICAS_ANNOTATION,
  POD_TEMPLATE_HASH_LABEL,
  REASON,
  REVISION_ANNOTATION,
  byRevision,
  calculateStatus,
  deploymentComplete,
  equalIgnoreHash,
  filterActive,
  findNewReplicaSet,
  findOldReplicaSets,
  hasProgressDeadline,
  maxRevision,
  maxSurge,
  newCondition,
  newRSNewReplicas,
  planOldReplicaSetsScaleDown,
  planScale,
  rolloutStatus,
  setCondition,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
  stuckRequeueMs,
  type DeploymentStatus,
} from './deployment-util.js';
import { createEventRecorder } from './events.js';
import { podTemplateHash } from './hash.js';
import { omitZero, type WorkloadControllerOptions } from './replicaset.js';
import type { Controller, ReconcileResult } from './runtime.js';
import { OwnerCache, ownerMapper, selfMapper, watchAll, watchMany } from './watch.js';

const MAX_INT32 = 2147483647;
const CONFLICT_REQUEUE_MS = 20;

/** The status as the Go type serialises it (omitempty counters). */
function serialStatus(st: DeploymentStatus): Record<string, unknown> {
  const out: Record<string, unknown> = { ...st };
  omitZero(out, ['observedGeneration', 'replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas']);
  if (out.collisionCount === undefined) delete out.collisionCount;
  if (!st.conditions || st.conditions.length === 0) delete out.conditions;
  return out;
}

export function deploymentController(registry: Registry, store: ResourceStore, opts: WorkloadControllerOptions = {}): Controller {
  const clock = opts.clock ?? Date.now;
  const user = controllerUser('deployment-controller');
  const events = opts.events ?? createEventRecorder(registry, store, 'deployment-controller', opts.log, clock);
  const dInfo = (): ResourceInfo => resource(registry, 'apps', 'v1', 'deployments');
  const rsInfo = (): ResourceInfo => resource(registry, 'apps', 'v1', 'replicasets');
  const podsInfo = (): ResourceInfo => resource(registry, '', 'v1', 'pods');

  /** One sync's view of its Deployment, kept current across the writes it makes. */
  class Sync {
    constructor(public d: StoredObject) {}

    /** Write the Deployment (or its status) only if nobody changed it since we read it. */
    async writeD(mutate: (cur: StoredObject) => KubeObject, subresource?: string): Promise<void> {
      const rv = this.d.metadata.resourceVersion;
      const r = await store.update(
        dInfo(),
        this.d.metadata.namespace,
        this.d.metadata.name,
        (cur) => {
          if (!cur || cur.metadata.uid !== this.d.metadata.uid) throw new ApiError(404, 'NotFound', 'gone');
          const next = mutate(cur);
          return { ...next, metadata: { ...next.metadata, resourceVersion: rv } };
        },
        { user, subresource },
      );
      this.d = r.object;
    }

    async writeStatus(st: Record<string, unknown>): Promise<void> {
      if (deepEqual(status(this.d), st)) return;
      await this.writeD((cur) => ({ ...cur, status: st }), 'status');
    }

    async setConditionNow(c: Condition): Promise<void> {
      const conds = setCondition((status(this.d).conditions as Condition[] | undefined) ?? [], c);
      await this.writeStatus({ ...status(this.d), conditions: conds });
    }

    /**
     * SetDeploymentRevision. kube writes it with the status; our store keeps
     * status writes to status, so it goes through the object (and, as for any
     * annotation change, moves metadata.generation).
     */
    async setRevision(rev: string): Promise<void> {
      if (this.d.metadata.annotations?.[REVISION_ANNOTATION] === rev) return;
      await this.writeD((cur) => ({ ...cur, metadata: { ...cur.metadata, annotations: { ...(cur.metadata.annotations ?? {}), [REVISION_ANNOTATION]: rev } } }));
    }

    async updateRS(rs: KubeObject): Promise<StoredObject> {
      const rv = rs.metadata?.resourceVersion;
      const r = await store.update(
        rsInfo(),
        rs.metadata?.namespace,
        rs.metadata!.name!,
        (cur) => {
          if (!cur || cur.metadata.uid !== rs.metadata?.uid) throw new ApiError(404, 'NotFound', 'gone');
          return { ...rs, metadata: { ...rs.metadata, resourceVersion: rv } };
        },
        { user },
      );
      return r.object;
    }

    /** scaleReplicaSet: size and the desired/max replica annotations; an event when the size moved. */
    async scale(rs: StoredObject, size: number, op?: 'up' | 'down'): Promise<StoredObject> {
      const d = this.d;
      const copy = clone(rs);
      const annotationsChanged = setReplicasAnnotations(copy, specReplicas(d), specReplicas(d) + maxSurge(d));
      const old = specReplicas(rs);
      if (old === size && !annotationsChanged) return rs;
      (copy.spec as Record<string, unknown>).replicas = size;
      const updated = await this.updateRS(copy);
      if (old !== size) {
        const how = op ?? (old < size ? 'up' : 'down');
        events.event(d, 'Normal', 'ScalingReplicaSet', `Scaled ${how} replica set ${rs.metadata.name} from ${old} to ${size}`);
      }
      return updated;
    }

    /** getNewReplicaSet: find (and refresh) or create the ReplicaSet for the current template. */
    async newReplicaSet(rsList: StoredObject[], oldRSs: StoredObject[], create: boolean): Promise<StoredObject | undefined> {
      const d = this.d;
      const existing = findNewReplicaSet(d, rsList) as StoredObject | undefined;
      const newRevision = maxRevision(oldRSs) + 1;
      if (existing) {
        const copy = clone(existing);
        const annotationsUpdated = setNewReplicaSetAnnotations(d, copy, newRevision, true);
        const wantMinReady = num(spec(d).minReadySeconds) ?? 0;
        const minReadyChanged = (num(spec(copy).minReadySeconds) ?? 0) !== wantMinReady;
        let rs: StoredObject = existing;
        if (annotationsUpdated || minReadyChanged) {
          const s = copy.spec as Record<string, unknown>;
          if (wantMinReady) s.minReadySeconds = wantMinReady;
          else delete s.minReadySeconds;
          rs = await this.updateRS(copy);
        }
        await this.setRevision(rs.metadata.annotations?.[REVISION_ANNOTATION] ?? '');
        if (hasProgressDeadline(this.d) && !getCondition(status(this.d).conditions as Condition[] | undefined, 'Progressing')) {
          await this.setConditionNow(newCondition('Progressing', 'True', REASON.FoundNewRS, `Found new replica set "${rs.metadata.name}"`, clock()));
        }
        return rs;
      }
      if (!create) return undefined;
      const collisionCount = num(status(d).collisionCount);
      const template = clone(asObj(spec(d).template) ?? {});
      const hash = podTemplateHash(template, collisionCount);
      const tmeta = (template.metadata = { ...(asObj(template.metadata) ?? {}) }) as Record<string, unknown>;
      const labels = { ...((asObj(tmeta.labels) ?? {}) as Record<string, string>), [POD_TEMPLATE_HASH_LABEL]: hash };
      tmeta.labels = labels;
      const selector = clone(asObj(spec(d).selector) ?? {});
      selector.matchLabels = { ...((asObj(selector.matchLabels) ?? {}) as Record<string, string>), [POD_TEMPLATE_HASH_LABEL]: hash };
      const name = `${d.metadata.name}-${hash}`;
      const rsSpec: Record<string, unknown> = { replicas: 0, selector, template };
      const minReady = num(spec(d).minReadySeconds) ?? 0;
      if (minReady) rsSpec.minReadySeconds = minReady;
      const newRS: KubeObject = {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: { name, namespace: d.metadata.namespace, ownerReferences: [controllerRef(d)], labels: { ...labels } },
        spec: rsSpec,
      };
      const replicas = newRSNewReplicas(d, [...oldRSs, newRS], newRS);
      rsSpec.replicas = replicas;
      setNewReplicaSetAnnotations(d, newRS, newRevision, false);
      let created: StoredObject;
      let alreadyExisted = false;
      try {
        created = await store.create(rsInfo(), d.metadata.namespace, newRS, { user });
      } catch (e) {
        if (e instanceof ApiError && e.code === 409 && e.reason === 'AlreadyExists') {
          const rs = await getOrUndefined(store, rsInfo(), d.metadata.namespace, name);
          if (rs && isControlledBy(rs, d) && equalIgnoreHash(spec(d).template, spec(rs).template)) {
            created = rs;
            alreadyExisted = true;
          } else {
            // A hash collision: bump collisionCount so the next sync picks another name.
            await this.writeStatus({ ...status(this.d), collisionCount: (collisionCount ?? 0) + 1 });
            throw e;
          }
        } else {
          if (e instanceof ApiError && e.code === 403 && /being terminated/.test(e.message)) throw e;
          const msg = `Failed to create new replica set "${name}": ${(e as Error).message}`;
          if (hasProgressDeadline(d)) await this.setConditionNow(newCondition('Progressing', 'False', REASON.FailedRSCreate, msg, clock()));
          events.event(d, 'Warning', REASON.FailedRSCreate, msg);
          throw e;
        }
      }
      if (!alreadyExisted && replicas > 0) {
        events.event(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${created.metadata.name} from 0 to ${replicas}`);
      }
      await this.setRevision(String(newRevision));
      if (!alreadyExisted && hasProgressDeadline(this.d)) {
        await this.setConditionNow(newCondition('Progressing', 'True', REASON.NewReplicaSet, `Created new replica set "${created.metadata.name}"`, clock()));
      }
      return created;
    }

    async allReplicaSets(rsList: StoredObject[], create: boolean): Promise<{ newRS: StoredObject | undefined; oldRSs: StoredObject[] }> {
      const oldRSs = findOldReplicaSets(this.d, rsList) as StoredObject[];
      const newRS = await this.newReplicaSet(rsList, oldRSs, create);
      return { newRS, oldRSs };
    }

    async syncRolloutStatus(all: (StoredObject | undefined)[], newRS: StoredObject | undefined): Promise<ReconcileResult> {
      const st = rolloutStatus(all, newRS, this.d, clock());
      const serial = serialStatus(st);
      if (deepEqual(status(this.d), serial)) {
        const ms = stuckRequeueMs(this.d, st, clock());
        return ms !== undefined ? { requeueAfterMs: ms } : undefined;
      }
      await this.writeStatus(serial);
      return undefined;
    }

    async syncStatus(all: (StoredObject | undefined)[], newRS: StoredObject | undefined): Promise<void> {
      await this.writeStatus(serialStatus(calculateStatus(all, newRS, this.d, clock())));
    }

    /** cleanupDeployment: delete the oldest idle ReplicaSets beyond revisionHistoryLimit. */
    async cleanup(oldRSs: StoredObject[]): Promise<void> {
      const limit = num(spec(this.d).revisionHistoryLimit);
      if (limit === undefined || limit === MAX_INT32) return;
      const alive = oldRSs.filter((r) => !r.metadata.deletionTimestamp).sort(byRevision);
      const diff = alive.length - limit;
      for (let i = 0; i < diff; i++) {
        const rs = alive[i]!;
        if (statusNum(rs, 'replicas') !== 0 || specReplicas(rs) !== 0 || (rs.metadata.generation ?? 0) > statusNum(rs, 'observedGeneration')) continue;
        await ignoreNotFound(store.delete(rsInfo(), rs.metadata.namespace, rs.metadata.name, { preconditions: { uid: rs.metadata.uid } }, { user }));
      }
    }

    /** checkPausedConditions. */
    async pausedConditions(): Promise<void> {
      if (!hasProgressDeadline(this.d)) return;
      const cond = getCondition(status(this.d).conditions as Condition[] | undefined, 'Progressing');
      if (cond?.reason === REASON.TimedOut) return;
      const pausedCond = cond?.reason === REASON.Paused;
      const paused = spec(this.d).paused === true;
      if (paused && !pausedCond) await this.setConditionNow(newCondition('Progressing', 'Unknown', REASON.Paused, 'Deployment is paused', clock()));
      else if (!paused && pausedCond) await this.setConditionNow(newCondition('Progressing', 'Unknown', REASON.Resumed, 'Deployment is resumed', clock()));
    }

    /** sync: scaling events and paused Deployments. */
    async syncScale(rsList: StoredObject[]): Promise<ReconcileResult> {
      let { newRS, oldRSs } = await this.allReplicaSets(rsList, false);
      const plan = planScale(this.d, newRS, oldRSs);
      const updated = new Map<string, StoredObject>();
      for (const step of plan.steps) {
        const rs = step.rs as StoredObject;
        updated.set(rs.metadata.uid, await this.scale(rs, step.replicas, plan.direction || undefined));
      }
      const fresh = (r: StoredObject) => updated.get(r.metadata.uid) ?? r;
      newRS = newRS && fresh(newRS);
      oldRSs = oldRSs.map(fresh);
      if (spec(this.d).paused === true) await this.cleanup(oldRSs);
      await this.syncStatus([...oldRSs, newRS], newRS);
      return undefined;
    }

    async isScalingEvent(rsList: StoredObject[]): Promise<boolean> {
      const { newRS, oldRSs } = await this.allReplicaSets(rsList, false);
      for (const rs of filterActive([...oldRSs, newRS])) {
        const v = rs.metadata?.annotations?.[DESIRED_REPLICAS_ANNOTATION];
        if (v === undefined || !Number.isInteger(Number(v))) continue;
        if (Number(v) !== specReplicas(this.d)) return true;
      }
      return false;
    }

    async rolloutRolling(rsList: StoredObject[]): Promise<ReconcileResult> {
      let { newRS, oldRSs } = await this.allReplicaSets(rsList, true);
      const d = this.d;
      // reconcileNewReplicaSet
      if (newRS && specReplicas(newRS) !== specReplicas(d)) {
        const target = specReplicas(newRS) > specReplicas(d) ? specReplicas(d) : newRSNewReplicas(d, [...oldRSs, newRS], newRS);
        if (target !== specReplicas(newRS)) {
          newRS = await this.scale(newRS, target);
          return this.syncRolloutStatus([...oldRSs, newRS], newRS);
        }
      }
      // reconcileOldReplicaSets
      const steps = planOldReplicaSetsScaleDown(d, oldRSs, newRS);
      if (steps.length > 0) {
        const updated = new Map<string, StoredObject>();
        for (const s of steps) {
          const rs = s.rs as StoredObject;
          updated.set(rs.metadata.uid, await this.scale(rs, s.replicas));
        }
        oldRSs = oldRSs.map((r) => updated.get(r.metadata.uid) ?? r);
        return this.syncRolloutStatus([...oldRSs, newRS], newRS);
      }
      if (deploymentComplete(this.d, status(this.d) as DeploymentStatus)) await this.cleanup(oldRSs);
      return this.syncRolloutStatus([...oldRSs, newRS], newRS);
    }

    async rolloutRecreate(rsList: StoredObject[]): Promise<ReconcileResult> {
      let { newRS, oldRSs } = await this.allReplicaSets(rsList, false);
      let scaledDown = false;
      const olds: StoredObject[] = [];
      for (const rs of oldRSs) {
        if (specReplicas(rs) > 0) {
          olds.push(await this.scale(rs, 0));
          scaledDown = true;
        } else olds.push(rs);
      }
      oldRSs = olds;
      if (scaledDown) return this.syncRolloutStatus([...oldRSs, newRS], newRS);
      if (await this.oldPodsRunning(newRS, oldRSs, rsList)) return this.syncRolloutStatus([...oldRSs, newRS], newRS);
      if (!newRS) ({ newRS, oldRSs } = await this.allReplicaSets(rsList, true));
      if (newRS && specReplicas(newRS) !== specReplicas(this.d)) newRS = await this.scale(newRS, specReplicas(this.d));
      if (deploymentComplete(this.d, status(this.d) as DeploymentStatus)) await this.cleanup(oldRSs);
      return this.syncRolloutStatus([...oldRSs, newRS], newRS);
    }

    /** oldPodsRunning: old ReplicaSets still report pods, or their pods are not finished. */
    async oldPodsRunning(newRS: StoredObject | undefined, oldRSs: StoredObject[], rsList: StoredObject[]): Promise<boolean> {
      if (oldRSs.reduce((n, r) => n + statusNum(r, 'replicas'), 0) > 0) return true;
      const owners = new Set(rsList.map((r) => r.metadata.uid));
      const pods = (await store.list(podsInfo(), this.d.metadata.namespace)).items;
      for (const p of pods) {
        const ref = controllerOf(p);
        if (!ref || !owners.has(ref.uid) || (newRS && ref.uid === newRS.metadata.uid)) continue;
        if (!selectorMatches(spec(this.d).selector, p.metadata.labels ?? {})) continue;
        const phase = podPhase(p);
        if (phase === 'Failed' || phase === 'Succeeded') continue;
        return true;
      }
      return false;
    }
  }

  async function syncDeployment(namespace: string | undefined, name: string): Promise<ReconcileResult> {
    const d = await getOrUndefined(store, dInfo(), namespace, name);
    if (!d) return;
    const s = new Sync(d);
    if (selectorEmpty(spec(d).selector)) {
      events.event(d, 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      if ((d.metadata.generation ?? 0) > statusNum(d, 'observedGeneration')) await s.writeStatus({ ...status(d), observedGeneration: d.metadata.generation });
      return;
    }
    const candidates = (await store.list(rsInfo(), namespace)).items;
    const rsList = await claim(
      {
        store,
        info: rsInfo(),
        owner: d,
        user,
        matches: (rs) => selectorMatches(spec(d).selector, rs.metadata.labels ?? {}),
        recheck: () => getOrUndefined(store, dInfo(), namespace, name),
      },
      candidates,
    );
    if (d.metadata.deletionTimestamp) {
      const { newRS, oldRSs } = await s.allReplicaSets(rsList, false);
      await s.syncStatus([...oldRSs, newRS], newRS);
      return;
    }
    await s.pausedConditions();
    if (spec(s.d).paused === true) return s.syncScale(rsList);
    if (await s.isScalingEvent(rsList)) return s.syncScale(rsList);
    const type = asObj(spec(s.d).strategy)?.type;
    if (type === 'Recreate') return s.rolloutRecreate(rsList);
    return s.rolloutRolling(rsList);
  }

  const owners = new OwnerCache();
  const deploymentsMatching = (rs: StoredObject): string[] =>
    owners.matching(rs.metadata.namespace, (d) => !selectorEmpty(spec(d).selector) && selectorMatches(spec(d).selector, rs.metadata.labels ?? {}));

  return {
    name: 'deployment',
    async start(enqueue) {
      const rsEvents = ownerMapper({ ownerKind: 'Deployment', ownerGroup: 'apps', enqueue, orphanOwners: deploymentsMatching });
      return watchMany([
        watchAll(store, dInfo(), owners.feed(selfMapper(enqueue))),
        watchAll(store, rsInfo(), rsEvents),
        // A Recreate rollout waits for old pods to go: their deletion requeues the Deployment.
        watchAll(store, podsInfo(), (type, pod) => {
          if (type !== 'DELETED') return;
          const ref = controllerOf(pod);
          if (!ref || ref.kind !== 'ReplicaSet') return;
          void getOrUndefined(store, rsInfo(), pod.metadata.namespace, ref.name)
            .then((rs) => {
              const owner = rs && controllerOf(rs);
              if (owner && owner.kind === 'Deployment') enqueue(`${pod.metadata.namespace}/${owner.name}`);
            })
            .catch(() => undefined);
        }),
      ]);
    },
    async reconcile(key) {
      const { namespace, name } = splitKey(key);
      try {
        return await syncDeployment(namespace, name);
      } catch (e) {
        // Someone wrote meanwhile (often ourselves, a step ago): start over from fresh reads.
        if (isConflict(e) && !(e instanceof ApiError && e.reason === 'AlreadyExists')) return { requeueAfterMs: CONFLICT_REQUEUE_MS };
        throw e;
      }
    },
  };
}
