// Helpers for the syncer's unit tests: a tenant, a context over snapshot
// lists, and super copies made the way the engine makes them.

import { defaultPolicy, type ResolvedPolicy } from '../../policy/types.js';
import { superNamespace, type TenantIdentity } from '../mapping.js';
import { clone, type KubeObject } from '../types.js';
import { desiredSuper } from './reconciler.js';
import { isDeferral, isRefusal, type KindSync, type SyncContext } from './kind.js';
import { SnapshotView } from './views.js';

export const TENANT: TenantIdentity = { name: 'acme', uid: 'tenant-uid-1' };

let uidSeq = 0;
export function uid(prefix = 'uid'): string {
  return `${prefix}-${++uidSeq}`;
}

export function ns(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, uid: `ns-${name}`, resourceVersion: '1' }, status: { phase: 'Active' } };
}

export function obj(kind: string, namespace: string, name: string, rest: Partial<KubeObject> = {}): KubeObject {
  const { metadata, ...body } = rest;
  return { apiVersion: 'v1', kind, metadata: { name, namespace, uid: uid(name), resourceVersion: '1', ...(metadata ?? {}) }, ...body };
}

export interface World {
  tenant: Record<string, KubeObject[]>;
  super: Record<string, KubeObject[]>;
}

export function world(tenant: Record<string, KubeObject[]> = {}, superSide: Record<string, KubeObject[]> = {}): World {
  return { tenant: { namespaces: [ns('default')], ...tenant }, super: superSide };
}

/** The tests' clock: objects the kit makes are long past any grace window. */
export const NOW = Date.parse('2026-06-01T00:00:00Z');

export function context(w: World, t: TenantIdentity = TENANT, runtimeClass = 'kata', now = NOW, policy: ResolvedPolicy = defaultPolicy(t.name, runtimeClass)): SyncContext {
  return {
    tenant: t,
    now: () => now,
    runtimeClass: policy.runtimeClasses.default,
    policy,
    view: new SnapshotView(t.name, w.tenant, w.super),
    superNamespace: (n) => superNamespace(t, n),
  };
}

/** The super copy the engine would create for a tenant object, with server-set fields. */
export function superCopy(k: KindSync, ctx: SyncContext, tenantObj: KubeObject, extra: Partial<KubeObject> = {}): KubeObject {
  const d = desiredSuper(k, ctx, tenantObj);
  if (isRefusal(d)) throw new Error(`refused: ${d.refused.message}`);
  if (isDeferral(d)) throw new Error(`deferred: ${d.deferred.message}`);
  const out = clone(d);
  out.metadata = { ...out.metadata, uid: uid('super'), resourceVersion: '7', ...(extra.metadata ?? {}) };
  const { metadata: _m, ...rest } = extra;
  return { ...out, ...rest };
}
