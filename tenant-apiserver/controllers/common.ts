// Pieces every workload controller shares, in the shape of
// k8s.io/kubernetes/pkg/controller (controller_utils.go, controller_ref_manager.go)
// and k8s.io/kubernetes/pkg/api/v1/pod: controller references, adoption and
// release, pod readiness and availability, pods from templates, owner keys.

import type { Registry, ResourceInfo } from '../api/registry.js';
import type { ResourceStore } from '../api/store.js';
import { ApiError } from '../api/errors.js';
import { selectorMatches } from '../api/strategies/validators.js';
import { asObj, clone, num, objs, str, type Obj } from '../api/strategies/util.js';
import type { KubeObject, OwnerReference, StoredObject, UserInfo } from '../api/types.js';

export type { Obj };

/** The identity kube-controller-manager's per-controller service accounts have. */
export function controllerUser(name: string): UserInfo {
  return { username: `system:serviceaccount:kube-system:${name}`, groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'] };
}

/** A resource the controllers need; the registry always serves these built-ins. */
export function resource(registry: Registry, group: string, version: string, plural: string): ResourceInfo {
  const r = registry.get(group, version, plural);
  if (!r) throw new Error(`resource ${group}/${version}/${plural} is not served`);
  return r;
}

export function isNotFound(e: unknown): boolean {
  return e instanceof ApiError && e.code === 404;
}

export function isConflict(e: unknown): boolean {
  return e instanceof ApiError && e.code === 409;
}

/** Run a write whose target may have gone meanwhile: a 404 is not an error to a level-triggered controller. */
export async function ignoreNotFound<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/** Get, or undefined when absent. */
export async function getOrUndefined(store: ResourceStore, info: ResourceInfo, namespace: string | undefined, name: string): Promise<StoredObject | undefined> {
  return ignoreNotFound(store.get(info, namespace, name));
}

/**
 * The object without metadata.resourceVersion, for store.update's mutate: an
 * unpinned write is re-read and retried on a conflict, a pinned one fails.
 */
export function unpinned<T extends KubeObject>(o: T): T {
  if (o.metadata?.resourceVersion === undefined) return o;
  const { resourceVersion: _rv, ...meta } = o.metadata;
  return { ...o, metadata: meta };
}

export function keyOf(o: { metadata?: { namespace?: string; name?: string } }): string {
  const ns = o.metadata?.namespace;
  return ns ? `${ns}/${o.metadata?.name ?? ''}` : (o.metadata?.name ?? '');
}

export function splitKey(key: string): { namespace: string | undefined; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: undefined, name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

// ---- typed-ish access -------------------------------------------------------------------------------------------------

export function spec(o: KubeObject | undefined): Obj {
  return asObj(o?.spec) ?? {};
}

export function status(o: KubeObject | undefined): Obj {
  return asObj(o?.status) ?? {};
}

/** *spec.replicas (defaulted to 1 by every workload strategy). */
export function specReplicas(o: KubeObject | undefined): number {
  return num(spec(o).replicas) ?? 1;
}

export function statusNum(o: KubeObject | undefined, field: string): number {
  return num(status(o)[field]) ?? 0;
}

export function creationMs(o: KubeObject): number {
  const t = o.metadata?.creationTimestamp;
  return t ? Date.parse(t) : 0;
}

/** Creation time, then name: controller.ReplicaSetsByCreationTimestamp and friends. */
export function byCreation(a: KubeObject, b: KubeObject): number {
  const d = creationMs(a) - creationMs(b);
  if (d !== 0) return d;
  return (a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : (a.metadata?.name ?? '') > (b.metadata?.name ?? '') ? 1 : 0;
}

// ---- controller references --------------------------------------------------------------------------------------------

export function controllerOf(o: KubeObject): OwnerReference | undefined {
  return (o.metadata?.ownerReferences ?? []).find((r) => r.controller === true);
}

export function isControlledBy(o: KubeObject, owner: KubeObject): boolean {
  const r = controllerOf(o);
  return !!r && r.uid === owner.metadata?.uid;
}

/** metav1.NewControllerRef. */
export function controllerRef(owner: StoredObject): OwnerReference {
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name, uid: owner.metadata.uid, controller: true, blockOwnerDeletion: true };
}

export interface ClaimContext {
  store: ResourceStore;
  /** The dependents' resource (pods, replicasets, …). */
  info: ResourceInfo;
  owner: StoredObject;
  user: UserInfo;
  /** Whether a dependent belongs to the owner by label (the owner's selector). */
  matches(o: StoredObject): boolean;
  /** Re-read the owner before the first adoption (kube's RecheckDeletionTimestamp); undefined forbids adopting. */
  recheck?: () => Promise<StoredObject | undefined>;
  /** A finalizer adopted dependents get (Jobs track their pods with one). */
  adoptFinalizer?: string;
}

/**
 * ControllerRefManager.ClaimObjects: keep what we own and still match, adopt
 * matching orphans, release what we own but no longer match. Returns the
 * objects the owner now controls.
 */
export async function claim(ctx: ClaimContext, candidates: StoredObject[]): Promise<StoredObject[]> {
  const out: StoredObject[] = [];
  const ownerUid = ctx.owner.metadata.uid;
  let canAdopt: boolean | undefined;
  for (const o of candidates) {
    const ref = controllerOf(o);
    if (ref) {
      if (ref.uid !== ownerUid) continue;
      if (ctx.matches(o)) {
        out.push(o);
        continue;
      }
      if (ctx.owner.metadata.deletionTimestamp) continue;
      await release(ctx, o);
      continue;
    }
    if (ctx.owner.metadata.deletionTimestamp || !ctx.matches(o) || o.metadata.deletionTimestamp) continue;
    if (o.metadata.namespace !== ctx.owner.metadata.namespace) continue;
    if (canAdopt === undefined) {
      // Adopt only on behalf of the owner as it is now: not a deleted-and-recreated namesake, not one being deleted.
      const fresh = ctx.recheck ? await ctx.recheck() : ctx.owner;
      canAdopt = !!fresh && fresh.metadata.uid === ownerUid && !fresh.metadata.deletionTimestamp;
    }
    if (!canAdopt) continue;
    const adopted = await adopt(ctx, o);
    if (adopted) out.push(adopted);
  }
  return out;
}

async function adopt(ctx: ClaimContext, o: StoredObject): Promise<StoredObject | undefined> {
  const ref = controllerRef(ctx.owner);
  let ok = true;
  const r = await ignoreNotFound(
    ctx.store.update(
      ctx.info,
      o.metadata.namespace,
      o.metadata.name,
      (cur) => {
        if (!cur || cur.metadata.uid !== o.metadata.uid) throw new ApiError(404, 'NotFound', 'gone');
        if (controllerOf(cur) || cur.metadata.deletionTimestamp || !ctx.matches(cur)) {
          ok = false;
          return cur;
        }
        const refs = (cur.metadata.ownerReferences ?? []).filter((x) => x.uid !== ref.uid);
        const meta = { ...cur.metadata, ownerReferences: [...refs, ref] };
        const f = ctx.adoptFinalizer;
        if (f && !(meta.finalizers ?? []).includes(f)) meta.finalizers = [...(meta.finalizers ?? []), f];
        return unpinned({ ...cur, metadata: meta });
      },
      { user: ctx.user },
    ),
  );
  return ok && r ? r.object : undefined;
}

async function release(ctx: ClaimContext, o: StoredObject): Promise<void> {
  const uid = ctx.owner.metadata.uid;
  await ignoreNotFound(
    ctx.store.update(
      ctx.info,
      o.metadata.namespace,
      o.metadata.name,
      (cur) => {
        if (!cur || cur.metadata.uid !== o.metadata.uid) throw new ApiError(404, 'NotFound', 'gone');
        const refs = (cur.metadata.ownerReferences ?? []).filter((x) => x.uid !== uid);
        const meta = { ...cur.metadata, ownerReferences: refs };
        if (refs.length === 0) delete (meta as Obj).ownerReferences;
        return unpinned({ ...cur, metadata: meta });
      },
      { user: ctx.user },
    ),
  );
}

/** A LabelSelector object as a predicate (nil selects nothing, {} everything). */
export function labelSelectorPredicate(sel: unknown): (labels: Record<string, string> | undefined) => boolean {
  return (labels) => selectorMatches(sel, labels ?? {});
}

// ---- pods ---------------------------------------------------------------------------------------------------------------

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  lastUpdateTime?: string;
  lastProbeTime?: string | null;
}

export function conditions(o: KubeObject | undefined): Condition[] {
  return objs(status(o).conditions) as unknown as Condition[];
}

export function podPhase(p: KubeObject): string {
  return str(status(p).phase);
}

export function podReadyCondition(p: KubeObject): Condition | undefined {
  return conditions(p).find((c) => c.type === 'Ready');
}

/** podutil.IsPodReady. */
export function isPodReady(p: KubeObject): boolean {
  return podReadyCondition(p)?.status === 'True';
}

/** podutil.IsPodAvailable: ready for at least minReadySeconds. */
export function isPodAvailable(p: KubeObject, minReadySeconds: number, nowMs: number): boolean {
  if (!isPodReady(p)) return false;
  if (minReadySeconds <= 0) return true;
  const t = podReadyCondition(p)?.lastTransitionTime;
  return !!t && Date.parse(t) + minReadySeconds * 1000 < nowMs;
}

/** controller.IsPodActive: not finished and not being deleted. */
export function isPodActive(p: KubeObject): boolean {
  const phase = podPhase(p);
  return phase !== 'Succeeded' && phase !== 'Failed' && !p.metadata?.deletionTimestamp;
}

export function isPodTerminating(p: KubeObject): boolean {
  return !!p.metadata?.deletionTimestamp;
}

/**
 * GetPodFromTemplate: labels, annotations and finalizers of the template, the
 * spec, generateName `<owner>-`, and the controller reference.
 */
export function podFromTemplate(template: unknown, owner: StoredObject, ref: OwnerReference | undefined): KubeObject {
  const t = asObj(template) ?? {};
  const tm = asObj(t.metadata) ?? {};
  const meta: Obj = { generateName: podPrefix(owner.metadata.name) };
  if (asObj(tm.labels) && Object.keys(asObj(tm.labels)!).length) meta.labels = clone(tm.labels);
  if (asObj(tm.annotations) && Object.keys(asObj(tm.annotations)!).length) meta.annotations = clone(tm.annotations);
  if (Array.isArray(tm.finalizers) && tm.finalizers.length) meta.finalizers = clone(tm.finalizers);
  if (ref) meta.ownerReferences = [ref];
  return { apiVersion: 'v1', kind: 'Pod', metadata: meta, spec: clone(asObj(t.spec) ?? {}) } as KubeObject;
}

/** getPodsPrefix: `<name>-` (pod names are DNS subdomains, so any owner name leaves room for it). */
export function podPrefix(name: string): string {
  return `${name}-`;
}

/** Ready and available counts over pods: what RS / RC status reports. */
export function podCounts(pods: KubeObject[], minReadySeconds: number, nowMs: number): { ready: number; available: number } {
  let ready = 0;
  let available = 0;
  for (const p of pods) {
    if (!isPodReady(p)) continue;
    ready++;
    if (isPodAvailable(p, minReadySeconds, nowMs)) available++;
  }
  return { ready, available };
}

/** When a pod that is ready but not yet available becomes available (for requeueing). */
export function nextAvailableInMs(pods: KubeObject[], minReadySeconds: number, nowMs: number): number | undefined {
  if (minReadySeconds <= 0) return undefined;
  let best: number | undefined;
  for (const p of pods) {
    if (!isPodReady(p) || isPodAvailable(p, minReadySeconds, nowMs)) continue;
    const t = podReadyCondition(p)?.lastTransitionTime;
    const at = (t ? Date.parse(t) : nowMs) + minReadySeconds * 1000 - nowMs + 1000;
    best = best === undefined ? at : Math.min(best, at);
  }
  return best;
}

// ---- int-or-percent ----------------------------------------------------------------------------------------------------

/**
 * intstr.GetScaledValueFromIntOrPercent: an int as is; "N%" of total, rounded
 * up or down. Anything else is an error, as kube's.
 */
export function scaledValue(v: unknown, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (!v.endsWith('%')) throw new Error(`invalid value for IntOrString: invalid type: string is not a percentage`);
    const n = Number(v.slice(0, -1));
    if (!Number.isInteger(n)) throw new Error(`invalid value for IntOrString: invalid value ${JSON.stringify(v)}`);
    const x = (n * total) / 100;
    return roundUp ? Math.ceil(x) : Math.floor(x);
  }
  if (v === undefined || v === null) return 0;
  throw new Error('invalid value for IntOrString: invalid type: neither int nor percentage');
}

/** Condition list helpers (the Set/Get/Remove*Condition functions every workload API has). */
export function getCondition(list: Condition[] | undefined, type: string): Condition | undefined {
  return (list ?? []).find((c) => c.type === type);
}

export function removeCondition(list: Condition[], type: string): Condition[] {
  return list.filter((c) => c.type !== type);
}
