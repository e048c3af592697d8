// What the engine and the per-kind files share: the read-only view of both
// clusters a plan is computed from, the actions a plan may ask for, and the
// shape of one synced kind (only what differs between kinds).

import type { ResolvedPolicy, Violation } from '../../policy/types.js';
import type { TenantIdentity } from '../mapping.js';
import type { KubeObject, ResourceRef } from '../types.js';

/** A unit of work in a tenant's sub-queue, in tenant coordinates. */
export interface Key {
  /** A synced kind's plural, or 'vnodes' / 'events'. */
  kind: string;
  /** Tenant namespace ('' for cluster-scoped keys). */
  namespace: string;
  name: string;
}

export function keyString(k: Key): string {
  return `${k.kind}/${k.namespace}/${k.name}`;
}

export function parseKey(s: string): Key {
  const a = s.indexOf('/');
  const b = s.indexOf('/', a + 1);
  return { kind: s.slice(0, a), namespace: s.slice(a + 1, b), name: s.slice(b + 1) };
}

/**
 * Everything a plan reads, for one tenant: the tenant's objects, and the
 * super objects carrying this tenant's label (plus super nodes and events,
 * which nobody labels). Backed by informer caches for reconciles and by live
 * lists for patrols.
 */
export interface View {
  tenantGet(plural: string, namespace: string, name: string): KubeObject | undefined;
  tenantList(plural: string, namespace?: string): KubeObject[];
  superGet(plural: string, namespace: string, name: string): KubeObject | undefined;
  superList(plural: string, namespace?: string): KubeObject[];
  superNode(name: string): KubeObject | undefined;
  /** How many of this tenant's super pods are bound to a node (a count: reading them would decode each). */
  superPodCountOnNode(node: string): number;
  superEvent(namespace: string, name: string): KubeObject | undefined;
}

export interface SyncContext {
  tenant: TenantIdentity;
  /** The clock plans use (tests pin it). */
  now(): number;
  /** The RuntimeClass super pods of this tenant run with when they name none (policy.runtimeClasses.default). */
  runtimeClass: string;
  /**
   * The tenant's policy as of this plan (read from the policy source for
   * every plan, so a reload applies to the next reconcile).
   */
  policy: ResolvedPolicy;
  view: View;
  superNamespace(tenantNamespace: string): string;
}

/** Check a side before a destructive action: the object must (still) be absent there. */
export interface Confirm {
  side: 'tenant' | 'super';
  ref: ResourceRef;
  namespace: string;
  name: string;
}

export type Action =
  | { op: 'create-super'; ref: ResourceRef; object: KubeObject }
  | { op: 'update-super'; ref: ResourceRef; object: KubeObject; recreateOnInvalid?: boolean }
  | {
      op: 'delete-super';
      ref: ResourceRef;
      namespace: string;
      name: string;
      uid: string;
      gracePeriodSeconds?: number;
      why: 'orphan' | 'tenant-deleted' | 'replaced';
      confirmAbsent?: Confirm;
    }
  | { op: 'create-tenant'; ref: ResourceRef; object: KubeObject }
  | { op: 'update-tenant'; ref: ResourceRef; object: KubeObject; subresource?: 'status'; confirmAbsent?: Confirm; why?: string }
  | { op: 'delete-tenant'; ref: ResourceRef; namespace: string; name: string; uid: string; gracePeriodSeconds?: number; confirmAbsent?: Confirm; why: string }
  | { op: 'bind-tenant'; namespace: string; name: string; uid: string; node: string }
  /** Create (or refresh) an event in the tenant; `source` identifies what it copies, for de-duplication. */
  | { op: 'tenant-event'; event: KubeObject; source?: { uid: string; resourceVersion: string; namespace: string; name: string } }
  /** Nothing to write: a super object in the way is not this tenant's. */
  | { op: 'conflict'; message: string };

export interface Plan {
  /** Keys to reconcile first (the super namespace, a pod's secrets, a virtual node). */
  needs: Key[];
  actions: Action[];
  /** Look at this key again after a while (something it waits for has no event of its own). */
  requeueAfterMs?: number;
}

export const NOTHING: Plan = Object.freeze({ needs: [], actions: [] }) as Plan;

/** Why a tenant object is not created in the super cluster. */
export interface Refusal {
  refused: { reason: string; message: string };
}

/** Not yet: the object is created later (a pod waiting for its namespace's new services to get cluster IPs). */
export interface Deferral {
  deferred: { message: string; retryAfterMs: number };
}

export function isRefusal(v: KubeObject | Refusal | Deferral): v is Refusal {
  return 'refused' in v && typeof (v as Refusal).refused === 'object';
}

export function isDeferral(v: KubeObject | Refusal | Deferral): v is Deferral {
  return 'deferred' in v && typeof (v as Deferral).deferred === 'object';
}

/** One synced kind: only what differs between kinds. */
export interface KindSync {
  ref: ResourceRef;
  /** Top-level fields copied down and compared (the default equal and merge use these). */
  fields: string[];
  /** Copy the tenant's labels and annotations (false for namespaces: their labels steer super-cluster policy). */
  copyTenantMetadata?: boolean;
  /** Tenant objects never synced (service-account token secrets, kube-root-ca.crt). */
  skip?(tenantObj: KubeObject, ctx: SyncContext): boolean;
  /** The super object's content (metadata is the engine's), why it may not be created, or that it is not time yet. */
  toSuper(tenantObj: KubeObject, ctx: SyncContext): KubeObject | Refusal | Deferral;
  /** Whether the super object already matches the desired one (fields the super cluster owns ignored). */
  equal?(desired: KubeObject, superObj: KubeObject): boolean;
  /** The update body that brings superObj to desired, keeping what the super cluster owns. */
  merge?(desired: KubeObject, superObj: KubeObject): KubeObject;
  /** Writes to the tenant reflecting the super object (status, allocated values, binding). */
  backToTenant?(superObj: KubeObject, tenantObj: KubeObject, ctx: SyncContext): { needs?: Key[]; actions: Action[]; requeueAfterMs?: number };
  /** Keys to sync before creating (secrets, config maps and claims a pod uses). */
  dependencies?(tenantObj: KubeObject, ctx: SyncContext): Key[];
  /** The grace period the super object is deleted with when the tenant object is. */
  deletionGrace?(tenantObj: KubeObject): number | undefined;
  /**
   * The tenant object exists and its super copy does not: actions other than
   * "create it" (a pod that ran and lost its super pod; a pod whose deletion
   * the syncer completes). Undefined means create.
   */
  absentInSuper?(tenantObj: KubeObject, ctx: SyncContext): Action[] | undefined;
  /** An update the super cluster refuses as invalid (an immutable field) is fixed by deleting and re-creating. */
  recreateOnInvalid?: boolean;
  /**
   * The policy rules the tenant object breaks (a violating object is not
   * created in super). Default: policy/sandbox.ts checkObject with no pod context.
   */
  check?(tenantObj: KubeObject, ctx: SyncContext): Violation[];
  /** Super objects kept next to the copy, derived from policy (a namespace's quota, limits, network isolation). */
  alongside?(tenantObj: KubeObject, superObj: KubeObject, ctx: SyncContext): Action[];
}
