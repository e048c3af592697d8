// ResourceQuota: the admission plugin refusing creates that would go over a
// quota (kube's wording), and the controller keeping status.hard/status.used
// current. Usage is counted from the stored objects; quota-checked creates in
// one namespace are serialised, each holding the namespace's lock from its
// check until its write is stored, so N concurrent creates against M free
// slots admit exactly M.

import type { Logger } from 'pino';
import type { Registry, ResourceInfo } from '../tenant-apiserver/api/registry.js';
import type { AdmissionPlugin, ResourceStore } from '../tenant-apiserver/api/store.js';
import { asObj, deepEqual } from '../tenant-apiserver/api/strategies/util.js';
import type { KubeObject, StoredObject } from '../tenant-apiserver/api/types.js';
import type { Controller } from '../tenant-apiserver/controllers/runtime.js';
import { admissionForbidden } from './runtimeclass.js';
import { formatResourceList, parseResourceList, type ResourceList } from './resources.js';
import { exceededMessage, objectUsage, parseCountName, podConstraintError, quotaMatches, sumUsage } from './quota-usage.js';
import { KeyedMutex, USERS, ignoring, isCode, nsKey, splitKey, type CoreResources } from './util.js';

/** Kinds whose changes move quota usage, watched by the controller. */
const WATCHED = [
  ['', 'pods'],
  ['', 'services'],
  ['', 'configmaps'],
  ['', 'secrets'],
  ['', 'persistentvolumeclaims'],
  ['', 'replicationcontrollers'],
] as const;
/** Usage that changes with time alone (pods past their grace period, kinds not watched) is re-read this often. */
const RESYNC_MS = 30_000;

/** The served version objects are stored in, for counting a kind. */
export function storageInfo(registry: Registry, group: string, resource: string): ResourceInfo | undefined {
  let any: ResourceInfo | undefined;
  for (const r of registry.all()) {
    if (r.group !== group || r.resource !== resource) continue;
    if (r.version === r.storage.version) return r;
    any ??= r;
  }
  return any;
}

/** The resource names a quota tracks, and which kinds have to be listed to count them. */
function kindsFor(registry: Registry, hard: Iterable<string>): ResourceInfo[] {
  const kinds = new Map<string, ResourceInfo>();
  const add = (group: string, resource: string) => {
    const info = storageInfo(registry, group, resource);
    if (info) kinds.set(`${group}/${resource}`, info);
  };
  for (const name of hard) {
    const counted = parseCountName(name);
    if (counted) add(counted.group, counted.resource);
    else if (name === 'services' || name.startsWith('services.')) add('', 'services');
    else if (['configmaps', 'secrets', 'replicationcontrollers', 'resourcequotas', 'persistentvolumeclaims'].includes(name)) add('', name);
    else if (name === 'requests.storage' || name.includes('.storageclass.storage.k8s.io/')) add('', 'persistentvolumeclaims');
    else add('', 'pods');
  }
  return [...kinds.values()];
}

/** Current usage of every resource the quota limits, from the stored objects. */
export async function quotaUsage(registry: Registry, store: ResourceStore, quota: KubeObject, now = Date.now()): Promise<ResourceList> {
  const hard = parseResourceList(asObj(quota.spec)?.hard);
  const names = new Set(hard.keys());
  const usages: ResourceList[] = [];
  for (const info of kindsFor(registry, names)) {
    const items = (await store.list(info, quota.metadata?.namespace)).items;
    for (const o of items) if (quotaMatches(quota, info.group, info.resource, o)) usages.push(objectUsage(info.group, info.resource, o, now));
  }
  return sumUsage(usages, names);
}

export function quotaAdmission(registry: Registry, store: ResourceStore, quotas: ResourceInfo): AdmissionPlugin {
  const locks = new KeyedMutex();
  return {
    name: 'ResourceQuota',
    async validate(req) {
      if (req.operation !== 'CREATE' || req.subresource || !req.info.namespaced || !req.namespace) return;
      const list = (await store.list(quotas, req.namespace)).items;
      if (list.length === 0) return;
      const { group, resource } = req.info.storage;
      const now = Date.now();
      const usage = objectUsage(group, resource, req.object, now);
      const relevant = list.filter((q) => {
        if (!quotaMatches(q, group, resource, req.object)) return false;
        const hard = parseResourceList(asObj(q.spec)?.hard);
        return [...usage.keys()].some((k) => hard.has(k)) || (group === '' && resource === 'pods' && podConstraintError(req.object, hard.keys()) !== undefined);
      });
      if (relevant.length === 0) return;
      const release = await locks.acquire(req.namespace);
      try {
        for (const q of relevant) {
          const hard = parseResourceList(asObj(q.spec)?.hard);
          if (group === '' && resource === 'pods') {
            const why = podConstraintError(req.object, hard.keys());
            if (why) throw admissionForbidden(req, `failed quota: ${q.metadata.name}: ${why}`);
          }
          const tracked = new Set([...usage.keys()].filter((k) => hard.has(k)));
          const requested: ResourceList = new Map([...tracked].map((k) => [k, usage.get(k)!]));
          const info = storageInfo(registry, group, resource) ?? req.info;
          const items = (await store.list(info, req.namespace)).items;
          const used = sumUsage(
            items.filter((o) => quotaMatches(q, group, resource, o)).map((o) => objectUsage(group, resource, o, now)),
            tracked,
          );
          const msg = exceededMessage(q.metadata.name, hard, used, requested);
          if (msg) throw admissionForbidden(req, msg);
        }
        return release;
      } catch (e) {
        release();
        throw e;
      }
    },
  };
}

export function quotaStatus(quota: KubeObject, used: ResourceList): Record<string, unknown> {
  return { hard: formatResourceList(parseResourceList(asObj(quota.spec)?.hard)), used: formatResourceList(used) };
}

export function quotaController(registry: Registry, res: CoreResources, store: ResourceStore, log: Logger): Controller {
  const byNamespace = new Map<string, Set<string>>();
  const wake = (enqueue: (k: string) => void, ns: string | undefined) => {
    for (const name of byNamespace.get(ns ?? '') ?? []) enqueue(nsKey(ns, name));
  };
  return {
    name: 'local-resourcequota',
    async start(enqueue) {
      const stops: (() => void)[] = [];
      const q = await store.watch(res.resourceQuotas, undefined, { resourceVersion: '', sharedObjects: true }, (type, rq) => {
        const ns = rq.metadata.namespace ?? '';
        let set = byNamespace.get(ns);
        if (type === 'DELETED') set?.delete(rq.metadata.name);
        else {
          if (!set) byNamespace.set(ns, (set = new Set()));
          set.add(rq.metadata.name);
          enqueue(nsKey(ns, rq.metadata.name));
        }
        // resourcequotas count themselves.
        wake(enqueue, ns);
      });
      stops.push(() => q.stop());
      for (const [group, resource] of WATCHED) {
        const info = storageInfo(registry, group, resource);
        if (!info) continue;
        const w = await store.watch(info, undefined, { resourceVersion: '', sharedObjects: true }, (_t, o: StoredObject) => wake(enqueue, o.metadata.namespace));
        stops.push(() => w.stop());
      }
      return () => stops.forEach((s) => s());
    },
    async reconcile(key) {
      const { namespace, name } = splitKey(key);
      const quota = await ignoring(() => store.get(res.resourceQuotas, namespace, name));
      if (!quota) return;
      const status = quotaStatus(quota, await quotaUsage(registry, store, quota));
      if (!deepEqual(quota.status ?? {}, status)) {
        await store
          .update(res.resourceQuotas, namespace, name, (cur) => {
            if (!cur) throw new Error('quota vanished');
            return { ...cur, status };
          }, { user: USERS.quota, subresource: 'status' })
          .catch((e) => {
            if (isCode(e, 404)) return;
            if (e instanceof Error && e.message === 'quota vanished') return;
            log.debug({ err: e, quota: key }, 'quota status not written');
            throw e;
          });
      }
      return { requeueAfterMs: RESYNC_MS };
    },
  };
}
