// The one reconciler for every synced kind, as a pure planner: read the tenant
// object and its super copy from a View, decide, and return the actions. The
// three branches are written once here:
//   tenant only → create in super (dependencies first), or the kind's own
//                 answer when the super copy vanished (a pod that ran);
//   both        → converge super to the desired object, mirror deletion, and
//                 reflect status up;
//   super only  → delete the orphan, only when its marks are this tenant's,
//                 with a UID precondition and after confirming the tenant
//                 object is really gone.
// Being pure, the same planner drives reconciles (cache views) and the
// patroller's drift detection (live-list views).

import { createHash } from 'node:crypto';
import { RULE_RESERVED_KEYS, RULE_RUNTIME_CLASS, checkObject, violationMessage } from '../../policy/sandbox.js';
import type { Violation } from '../../policy/types.js';
import {
  ANN_OBJECT_UID,
  isReservedKey,
  ownedAs,
  ownedBy,
  superMetadata,
  syncedKeys,
} from '../mapping.js';
import { apiVersionOf, clone, isDeleting, semanticEqual, uidOf, type KubeObject, type ObjectMeta, type ResourceRef } from '../types.js';
import { isDeferral, isRefusal, type Action, type Deferral, type KindSync, type Key, type Plan, type Refusal, type SyncContext } from './kind.js';

/** The super namespace and name of a tenant object's copy. */
export function superCoordinates(k: KindSync, ctx: SyncContext, namespace: string, name: string): { namespace: string; name: string } {
  if (k.ref.namespaced) return { namespace: ctx.superNamespace(namespace), name };
  // Namespaces are the one cluster-scoped synced kind, and their names are the mapped ones.
  return { namespace: '', name: ctx.superNamespace(name) };
}

/** The Warning reason of an object refused by the tenant's policy. */
export const POLICY_VIOLATION = 'PolicyViolation';

/**
 * Rules the syncer repairs instead of refusing: forged reserved keys are
 * dropped on the way down, and a runtime class the policy does not allow is
 * replaced by the tenant's default (a sandboxed class whatever the tenant
 * wrote). The tenant's API server refuses both at the door; this layer only
 * sees them from a control plane that did not (or before a policy change).
 */
const REPAIRED_RULES: ReadonlySet<string> = new Set([RULE_RESERVED_KEYS, RULE_RUNTIME_CLASS]);

/** What the tenant's policy refuses in a tenant object. */
export function policyViolations(k: KindSync, ctx: SyncContext, tenantObj: KubeObject): Violation[] {
  const all = k.check ? k.check(tenantObj, ctx) : checkObject(ctx.policy, k.ref.group, k.ref.plural, tenantObj);
  return all.filter((v) => !REPAIRED_RULES.has(v.rule));
}

/** The desired super object for a tenant object (ownership marks included), or a refusal. */
export function desiredSuper(k: KindSync, ctx: SyncContext, tenantObj: KubeObject): KubeObject | Refusal | Deferral {
  const violations = policyViolations(k, ctx, tenantObj);
  if (violations.length > 0) return { refused: { reason: POLICY_VIOLATION, message: violationMessage(ctx.policy, k.ref.plural, violations) } };
  const body = k.toSuper(tenantObj, ctx);
  if (isRefusal(body) || isDeferral(body)) return body;
  const ns = tenantObj.metadata?.namespace ?? '';
  const name = tenantObj.metadata?.name ?? '';
  const tenantNs = k.ref.namespaced ? ns : name;
  const nsObj = k.ref.namespaced ? ctx.view.tenantGet('namespaces', '', ns) : tenantObj;
  const at = superCoordinates(k, ctx, ns, name);
  const metadata = superMetadata(
    ctx.tenant,
    tenantObj,
    { tenantNamespace: tenantNs, namespaceUID: uidOf(nsObj), objectName: name, objectUID: uidOf(tenantObj) },
    { name: at.name, namespace: k.ref.namespaced ? at.namespace : undefined, copyTenantMetadata: k.copyTenantMetadata !== false },
  );
  // apiVersion, kind and metadata first, as kube-apiserver writes objects (and kubectl shows them).
  const out: KubeObject = { apiVersion: apiVersionOf(k.ref), kind: k.ref.kind, metadata, ...body };
  // Ours win over whatever the kind's body carried (assigning keeps the key order).
  out.apiVersion = apiVersionOf(k.ref);
  out.kind = k.ref.kind;
  out.metadata = metadata;
  return out;
}

/**
 * The syncer owns the ownership marks and the tenant keys it copied (listed in
 * the synced-labels/annotations marks); whatever else super-cluster
 * components put on the object (kubernetes.io/metadata.name, binder or
 * policy annotations) is neither compared nor removed.
 */
export function metadataEqual(desired: KubeObject, superObj: KubeObject): boolean {
  for (const which of ['labels', 'annotations'] as const) {
    const want = desired.metadata?.[which] ?? {};
    const have = superObj.metadata?.[which] ?? {};
    for (const [k, v] of Object.entries(want)) if (have[k] !== v) return false;
    for (const k of syncedKeys(superObj, which)) if (!(k in want)) return false;
    for (const k of Object.keys(have)) if (isReservedKey(k) && !(k in want)) return false;
  }
  return true;
}

export function mergeMetadata(desired: KubeObject, superObj: KubeObject): ObjectMeta {
  const meta = clone(superObj.metadata ?? {});
  for (const which of ['labels', 'annotations'] as const) {
    const drop = new Set(syncedKeys(superObj, which));
    const kept: Record<string, string> = {};
    for (const [k, v] of Object.entries(meta[which] ?? {})) if (!drop.has(k) && !isReservedKey(k)) kept[k] = v;
    meta[which] = { ...kept, ...(desired.metadata?.[which] ?? {}) };
  }
  return meta;
}

export function fieldsEqual(fields: string[], desired: KubeObject, superObj: KubeObject): boolean {
  return fields.every((f) => semanticEqual(desired[f], superObj[f]));
}

export function mergeFields(fields: string[], desired: KubeObject, superObj: KubeObject): KubeObject {
  const out = clone(superObj);
  for (const f of fields) {
    if (desired[f] === undefined) delete out[f];
    else out[f] = clone(desired[f]);
  }
  return out;
}

/** The whole equality the engine uses: metadata it owns plus the kind's fields. */
export function inSync(k: KindSync, desired: KubeObject, superObj: KubeObject): boolean {
  if (!metadataEqual(desired, superObj)) return false;
  return k.equal ? k.equal(desired, superObj) : fieldsEqual(k.fields, desired, superObj);
}

export function updateBody(k: KindSync, desired: KubeObject, superObj: KubeObject): KubeObject {
  const body = k.merge ? k.merge(desired, superObj) : mergeFields(k.fields, desired, superObj);
  body.metadata = { ...mergeMetadata(desired, superObj), resourceVersion: superObj.metadata?.resourceVersion };
  return body;
}

const short = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 10);

/**
 * A Warning event about a tenant object, written into the tenant. Its name is
 * derived from the object and the reason, so repeating the reconcile repeats
 * the same event instead of piling up new ones.
 */
export function tenantWarning(ref: ResourceRef, obj: KubeObject, reason: string, message: string, now = new Date()): KubeObject {
  const ns = obj.metadata?.namespace ?? 'default';
  const name = obj.metadata?.name ?? '';
  const ts = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${name}.tenantry-${short(`${uidOf(obj)}/${reason}`)}`, namespace: ns },
    involvedObject: { apiVersion: apiVersionOf(ref), kind: ref.kind, namespace: obj.metadata?.namespace, name, uid: uidOf(obj) },
    reason,
    message,
    type: 'Warning',
    source: { component: 'tenantry-syncer' },
    firstTimestamp: ts,
    lastTimestamp: ts,
    count: 1,
  };
}

/** The plan for one synced object. */
export function planSync(k: KindSync, ctx: SyncContext, namespace: string, name: string): Plan {
  const view = ctx.view;
  const tenantObj = view.tenantGet(k.ref.plural, k.ref.namespaced ? namespace : '', name);
  const at = superCoordinates(k, ctx, namespace, name);
  const superObj = view.superGet(k.ref.plural, at.namespace, at.name);
  const wanted = tenantObj && !k.skip?.(tenantObj, ctx) ? tenantObj : undefined;
  const tenantNs = k.ref.namespaced ? namespace : name;

  // Super only: an orphan, removed when (and only when) it is provably this tenant's.
  if (!wanted) {
    if (!superObj || !ownedBy(superObj, ctx.tenant) || isDeleting(superObj)) return { needs: [], actions: [] };
    const action: Action = {
      op: 'delete-super',
      ref: k.ref,
      namespace: at.namespace,
      name: at.name,
      uid: uidOf(superObj),
      why: 'orphan',
    };
    // A skipped tenant object is known to exist; an absent one is confirmed absent before deleting.
    if (!tenantObj) action.confirmAbsent = { side: 'tenant', ref: k.ref, namespace: k.ref.namespaced ? namespace : '', name };
    return { needs: [], actions: [action] };
  }

  // Tenant only: create, unless the kind knows better (the copy existed and vanished, or the tenant object is going).
  if (!superObj) {
    const other = k.absentInSuper?.(wanted, ctx);
    if (other) return { needs: [], actions: other };
    if (isDeleting(wanted)) return { needs: [], actions: [] };
    const desired = desiredSuper(k, ctx, wanted);
    if (isRefusal(desired)) {
      return { needs: [], actions: [{ op: 'tenant-event', event: tenantWarning(k.ref, wanted, desired.refused.reason, desired.refused.message, new Date(ctx.now())) }] };
    }
    if (isDeferral(desired)) return { needs: [], actions: [], requeueAfterMs: desired.deferred.retryAfterMs };
    const needs: Key[] = k.ref.namespaced ? [{ kind: 'namespaces', namespace: '', name: namespace }] : [];
    needs.push(...(k.dependencies?.(wanted, ctx) ?? []));
    // What lives alongside goes in right after (a namespace's quota and limits before its first pod).
    return { needs, actions: [{ op: 'create-super', ref: k.ref, object: desired }, ...(k.alongside?.(wanted, desired, ctx) ?? [])] };
  }

  // Both.
  if (!ownedAs(superObj, ctx.tenant, tenantNs, name)) {
    return { needs: [], actions: [{ op: 'conflict', message: `super ${k.ref.kind} ${at.namespace ? at.namespace + '/' : ''}${at.name} is not this tenant's copy of ${tenantNs}/${name}` }] };
  }
  if (superObj.metadata?.annotations?.[ANN_OBJECT_UID] !== uidOf(wanted)) {
    // The tenant object was re-created under the same name: the old copy goes, the next pass creates the new one.
    if (isDeleting(superObj)) return { needs: [], actions: [] };
    return { needs: [], actions: [{ op: 'delete-super', ref: k.ref, namespace: at.namespace, name: at.name, uid: uidOf(superObj), why: 'replaced' }] };
  }
  const actions: Action[] = [];
  const needs: Key[] = [];
  if (isDeleting(wanted)) {
    const grace = k.deletionGrace?.(wanted);
    const superGrace = superObj.metadata?.deletionGracePeriodSeconds;
    const shorter = grace !== undefined && (superGrace === undefined || superGrace > grace);
    if (!isDeleting(superObj) || shorter) {
      const del: Action = { op: 'delete-super', ref: k.ref, namespace: at.namespace, name: at.name, uid: uidOf(superObj), why: 'tenant-deleted' };
      if (grace !== undefined) del.gracePeriodSeconds = grace;
      actions.push(del);
    }
  } else if (!isDeleting(superObj)) {
    const desired = desiredSuper(k, ctx, wanted);
    // A refused update (the policy tightened since the copy was made) leaves the copy as it is: the
    // syncer never deletes running workloads on a policy reload; new objects are refused.
    if (!isRefusal(desired) && !isDeferral(desired) && !inSync(k, desired, superObj)) {
      actions.push({ op: 'update-super', ref: k.ref, object: updateBody(k, desired, superObj), recreateOnInvalid: k.recreateOnInvalid });
    }
    if (k.alongside) actions.push(...k.alongside(wanted, superObj, ctx));
  }
  const back = k.backToTenant?.(superObj, wanted, ctx);
  if (back) {
    needs.push(...(back.needs ?? []));
    actions.push(...back.actions);
    // A write held back for a moment (pods: a scheduled status the running one will soon replace).
    if (back.requeueAfterMs !== undefined) return { needs, actions, requeueAfterMs: back.requeueAfterMs };
  }
  return { needs, actions };
}
