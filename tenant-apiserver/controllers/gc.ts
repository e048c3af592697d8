// The garbage collector controller: watches every served resource (events
// excepted, as kube's collector ignores them), feeds the ownership graph in
// gc-core.ts, and runs its attemptToDelete / attemptToOrphan items on the
// controller runtime's queue. Running it turns on the store's `orphan` and
// `foregroundDeletion` finalizers for DELETEs with those propagation policies.

import type { Logger } from 'pino';
import type { Registry, ResourceInfo } from '../api/registry.js';
import type { ResourceStore } from '../api/store.js';
import { ApiError } from '../api/errors.js';
import type { KubeObject, StoredObject } from '../api/types.js';
import { controllerUser, ignoreNotFound, isConflict, unpinned } from './common.js';
import { GarbageCollectorCore, type GcClient, type GcObject, type Identity } from './gc-core.js';
import type { Controller } from './runtime.js';

const IGNORED = new Set(['/events', 'events.k8s.io/events']);
const RESCAN_MS = 2000;

function groupVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.indexOf('/');
  return i < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

/** The served resource for an apiVersion + kind: that exact version, else any served version of the group. */
export function resourceForKind(registry: Registry, apiVersion: string, kind: string): ResourceInfo | undefined {
  const { group, version } = groupVersion(apiVersion);
  let fallback: ResourceInfo | undefined;
  for (const r of registry.all()) {
    if (r.group !== group || r.kind !== kind) continue;
    if (r.version === version) return r;
    fallback ??= r;
  }
  return fallback;
}

/** One served version per stored resource, so each object is watched once. */
function watchedResources(registry: Registry): ResourceInfo[] {
  const out: ResourceInfo[] = [];
  const seen = new Set<string>();
  for (const r of registry.all()) {
    if (!r.verbs.includes('watch') || !r.verbs.includes('delete')) continue;
    if (IGNORED.has(`${r.storage.group}/${r.storage.resource}`)) continue;
    const k = `${r.storage.group}/${r.storage.resource}`;
    if (seen.has(k) || r.version !== r.storage.version || r.group !== r.storage.group) continue;
    seen.add(k);
    out.push(r);
  }
  return out;
}

function toGcObject(o: StoredObject): GcObject {
  return { apiVersion: o.apiVersion, kind: o.kind, metadata: o.metadata };
}

export function storeGcClient(registry: Registry, store: ResourceStore): GcClient {
  const user = controllerUser('generic-garbage-collector');
  const info = (apiVersion: string, kind: string): ResourceInfo => {
    const r = resourceForKind(registry, apiVersion, kind);
    if (!r) throw new Error(`no resource serves ${apiVersion} ${kind}`);
    return r;
  };
  const gone = () => new ApiError(404, 'NotFound', 'gone');
  return {
    scope(apiVersion, kind) {
      const r = resourceForKind(registry, apiVersion, kind);
      return r ? (r.namespaced ? 'namespaced' : 'cluster') : undefined;
    },
    async get(id) {
      const o = await ignoreNotFound(store.get(info(id.apiVersion, id.kind), id.namespace, id.name));
      return o ? toGcObject(o) : undefined;
    },
    async delete(id: Identity, policy, resourceVersion) {
      await ignoreNotFound(
        store.delete(info(id.apiVersion, id.kind), id.namespace, id.name, { propagationPolicy: policy, preconditions: { uid: id.uid, resourceVersion } }, { user }),
      );
    },
    async updateOwnerReferences(id, fn) {
      await ignoreNotFound(
        store.update(
          info(id.apiVersion, id.kind),
          id.namespace,
          id.name,
          (cur) => {
            if (!cur || cur.metadata.uid !== id.uid) throw gone();
            const refs = fn(cur.metadata.ownerReferences ?? []);
            const meta = { ...cur.metadata, ownerReferences: refs };
            if (refs.length === 0) delete (meta as Record<string, unknown>).ownerReferences;
            return unpinned({ ...cur, metadata: meta } as KubeObject);
          },
          { user },
        ),
      );
    },
    async removeFinalizer(id, finalizer) {
      await ignoreNotFound(
        store.update(
          info(id.apiVersion, id.kind),
          id.namespace,
          id.name,
          (cur) => {
            if (!cur || cur.metadata.uid !== id.uid) throw gone();
            const fins = (cur.metadata.finalizers ?? []).filter((f) => f !== finalizer);
            const meta = { ...cur.metadata, finalizers: fins };
            if (fins.length === 0) delete (meta as Record<string, unknown>).finalizers;
            return unpinned({ ...cur, metadata: meta } as KubeObject);
          },
          { user },
        ),
      );
    },
    isConflict,
  };
}

export function garbageCollectorController(registry: Registry, store: ResourceStore, opts: { log?: Logger } = {}): Controller {
  let core: GarbageCollectorCore | undefined;
  return {
    name: 'garbagecollector',
    async start(enqueue) {
      const c = new GarbageCollectorCore(storeGcClient(registry, store), {
        attemptToDelete: (uid) => enqueue(`d:${uid}`),
        attemptToOrphan: (uid) => enqueue(`o:${uid}`),
      });
      core = c;
      store.gcEnabled = true;
      const stops = new Map<string, () => void>();
      const watchNew = async () => {
        for (const r of watchedResources(registry)) {
          const k = `${r.storage.group}/${r.storage.resource}`;
          if (stops.has(k)) continue;
          stops.set(k, () => undefined);
          try {
            const w = await store.watch(r, undefined, { resourceVersion: '', sharedObjects: true }, (type, obj) => c.observe(type, toGcObject(obj)));
            stops.set(k, () => w.stop());
          } catch (e) {
            stops.delete(k);
            opts.log?.warn({ err: e, resource: k }, 'garbage collector cannot watch resource');
          }
        }
      };
      await watchNew();
      // Resources appear at run time (CRDs): pick them up.
      let generation = registry.generation;
      const timer = setInterval(() => {
        if (registry.generation === generation) return;
        generation = registry.generation;
        void watchNew();
      }, RESCAN_MS);
      timer.unref();
      return () => {
        clearInterval(timer);
        for (const s of stops.values()) s();
        store.gcEnabled = false;
      };
    },
    async reconcile(key) {
      if (!core) return;
      const uid = key.slice(2);
      if (key.startsWith('o:')) await core.attemptToOrphan(uid);
      else await core.attemptToDelete(uid);
    },
  };
}
