// Namespace lifecycle: a namespace being deleted (Terminating) has every object
// in it deleted; once nothing is left, its `kubernetes` finalizer is removed and
// the namespace goes. Objects held by finalizers keep it Terminating, with a
// condition saying what remains, as kube-controller-manager reports.

import type { Registry, ResourceInfo } from '../api/registry.js';
import type { ResourceStore } from '../api/store.js';
import { ApiError } from '../api/errors.js';
import type { KubeObject, UserInfo } from '../api/types.js';
import { rfc3339 } from '../api/types.js';
import type { Controller } from './runtime.js';

const SYSTEM_USER: UserInfo = { username: 'system:serviceaccount:kube-system:namespace-controller', groups: ['system:serviceaccounts', 'system:authenticated'] };

export function namespaceController(registry: Registry, store: ResourceStore): Controller {
  const nsInfo = (): ResourceInfo => registry.get('', 'v1', 'namespaces')!;
  /** One served version per storage resource, so each object is deleted once. */
  const namespacedResources = (): ResourceInfo[] => {
    const seen = new Set<string>();
    const out: ResourceInfo[] = [];
    for (const r of registry.all()) {
      if (!r.namespaced || !r.verbs.includes('delete')) continue;
      const k = `${r.storage.group}/${r.storage.resource}`;
      if (seen.has(k)) continue;
      // Read through the storage version so no conversion is needed.
      if (r.version !== r.storage.version || r.group !== r.storage.group) continue;
      seen.add(k);
      out.push(r);
    }
    return out;
  };

  return {
    name: 'namespace',
    async start(enqueue) {
      const w = await store.watch(nsInfo(), undefined, { resourceVersion: '', sharedObjects: true }, (_t, obj) => {
        if (obj.metadata.deletionTimestamp) enqueue(obj.metadata.name);
      });
      return () => w.stop();
    },
    async reconcile(name) {
      let ns;
      try {
        ns = await store.get(nsInfo(), undefined, name);
      } catch (e) {
        if (e instanceof ApiError && e.code === 404) return;
        throw e;
      }
      if (!ns.metadata.deletionTimestamp) return;
      const remaining: string[] = [];
      const finalizersLeft = new Set<string>();
      for (const info of namespacedResources()) {
        const list = await store.list(info, name);
        for (const obj of list.items) {
          if (!obj.metadata.deletionTimestamp) {
            try {
              await store.delete(info, name, obj.metadata.name, { propagationPolicy: 'Background' }, { user: SYSTEM_USER });
            } catch (e) {
              if (!(e instanceof ApiError && (e.code === 404 || e.code === 409))) throw e;
            }
          }
          remaining.push(`${info.resource}.${info.group || ''}`.replace(/\.$/, ''));
          for (const f of obj.metadata.finalizers ?? []) finalizersLeft.add(f);
        }
      }
      // Re-check after deleting: most objects go at once.
      let left = 0;
      for (const info of namespacedResources()) left += (await store.list(info, name, { limit: 1 })).items.length;
      if (left > 0) {
        await setConditions(store, nsInfo(), name, remaining, [...finalizersLeft]);
        return { requeueAfterMs: 1000 };
      }
      await store.update(
        nsInfo(),
        undefined,
        name,
        (cur) => {
          if (!cur) throw new ApiError(404, 'NotFound', 'gone');
          const spec = (cur.spec ?? {}) as { finalizers?: string[] };
          return { ...cur, spec: { ...spec, finalizers: (spec.finalizers ?? []).filter((f) => f !== 'kubernetes') } };
        },
        { user: SYSTEM_USER, subresource: 'finalize' },
      ).catch((e) => {
        if (!(e instanceof ApiError && e.code === 404)) throw e;
      });
      return;
    },
  };
}

async function setConditions(store: ResourceStore, info: ResourceInfo, name: string, remaining: string[], finalizers: string[]): Promise<void> {
  const counts = new Map<string, number>();
  for (const r of remaining) counts.set(r, (counts.get(r) ?? 0) + 1);
  const now = rfc3339(new Date());
  const conditions = [
    {
      type: 'NamespaceContentRemaining',
      status: 'True',
      reason: 'SomeResourcesRemain',
      message: `Some resources are remaining: ${[...counts].map(([r, n]) => `${r} has ${n} resource instances`).join(', ')}`,
      lastTransitionTime: now,
    },
    ...(finalizers.length
      ? [{ type: 'NamespaceFinalizersRemaining', status: 'True', reason: 'SomeFinalizersRemain', message: `Some content in the namespace has finalizers remaining: ${finalizers.map((f) => `${f} in ${remaining.length} resource instances`).join(', ')}`, lastTransitionTime: now }]
      : []),
  ];
  await store.update(info, undefined, name, (cur) => {
    if (!cur) throw new ApiError(404, 'NotFound', 'gone');
    const status = (cur.status ?? {}) as { conditions?: { type: string; message?: string }[] };
    const same = JSON.stringify((status.conditions ?? []).map((c) => [c.type, c.message])) === JSON.stringify(conditions.map((c) => [c.type, c.message]));
    if (same) return cur;
    return { ...cur, status: { ...status, phase: 'Terminating', conditions } } as KubeObject;
  }, { user: SYSTEM_USER, subresource: 'status' }).catch((e) => {
    if (!(e instanceof ApiError && e.code === 404)) throw e;
  });
}
