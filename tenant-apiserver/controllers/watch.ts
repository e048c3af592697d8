// Watch plumbing for controllers: start a store watch from "now" (with the
// current objects as ADDED), and map dependents' events to owner keys the way
// kube's informer handlers do, remembering each object's last owner so a
// change of owner (adoption, release, deletion) requeues both sides.

import type { ResourceInfo } from '../api/registry.js';
import type { ResourceStore, WatchEventType } from '../api/store.js';
import type { KubeObject, StoredObject } from '../api/types.js';
import { controllerOf, keyOf } from './common.js';

export type Stop = () => void;

/**
 * Controllers' handlers only read what they are handed (map it to keys, keep owners for lookups; reconcile reads
 * the store afresh), so they share the decoded objects: a pod create is parsed once for every controller.
 */
export async function watchAll(store: ResourceStore, info: ResourceInfo, onEvent: (type: WatchEventType, obj: StoredObject) => void): Promise<Stop> {
  const w = await store.watch(info, undefined, { resourceVersion: '', sharedObjects: true }, onEvent);
  return () => w.stop();
}

export async function watchMany(starts: Promise<Stop>[]): Promise<Stop> {
  const stops = await Promise.all(starts);
  return () => {
    for (const s of stops) s();
  };
}

export interface OwnerMapperOptions {
  /** Owner kinds (apiVersion group + kind) this controller manages. */
  ownerKind: string;
  ownerGroup: string;
  enqueue(key: string): void;
  /** Owners an object without a controller could be adopted by (label match); may be async. */
  orphanOwners?(obj: StoredObject): Promise<string[]> | string[];
}

function groupOf(apiVersion: string): string {
  const i = apiVersion.indexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}

/** Map dependent events to owner keys: the controller owner, the previous owner, and adoption candidates. */
export function ownerMapper(opts: OwnerMapperOptions): (type: WatchEventType, obj: StoredObject) => void {
  const last = new Map<string, string>();
  return (type, obj) => {
    const uid = obj.metadata.uid;
    const ref = controllerOf(obj);
    const mine = ref && ref.kind === opts.ownerKind && groupOf(ref.apiVersion) === opts.ownerGroup;
    const ownerKey = mine ? keyOf({ metadata: { namespace: obj.metadata.namespace, name: ref!.name } }) : undefined;
    const prev = last.get(uid);
    if (prev && prev !== ownerKey) opts.enqueue(prev);
    if (ownerKey) opts.enqueue(ownerKey);
    if (type === 'DELETED' || !ownerKey) last.delete(uid);
    else last.set(uid, ownerKey);
    if (!ref && type !== 'DELETED' && opts.orphanOwners) {
      void Promise.resolve(opts.orphanOwners(obj))
        .then((keys) => keys.forEach(opts.enqueue))
        .catch(() => undefined);
    }
  };
}

/** Enqueue the object's own key. */
export function selfMapper(enqueue: (key: string) => void): (type: WatchEventType, obj: KubeObject) => void {
  return (_t, obj) => enqueue(keyOf(obj));
}

/**
 * The owner kind's objects by namespace, kept from the controller's own watch
 * of them: finding adoption candidates for an orphan is then a map lookup,
 * not a storage list on every dependent's event (every pod create).
 */
export class OwnerCache {
  private readonly byNamespace = new Map<string, Map<string, StoredObject>>();

  /** Wraps a watch handler so the cache sees every event first. */
  feed(next: (type: WatchEventType, obj: StoredObject) => void): (type: WatchEventType, obj: StoredObject) => void {
    return (type, obj) => {
      const ns = obj.metadata.namespace ?? '';
      let m = this.byNamespace.get(ns);
      if (type === 'DELETED') {
        m?.delete(obj.metadata.name);
        if (m && m.size === 0) this.byNamespace.delete(ns);
      } else {
        if (!m) this.byNamespace.set(ns, (m = new Map()));
        m.set(obj.metadata.name, obj);
      }
      next(type, obj);
    };
  }

  /** Keys (`ns/name`) of every owner, in every namespace. */
  all(): string[] {
    const out: string[] = [];
    for (const m of this.byNamespace.values()) for (const o of m.values()) out.push(`${o.metadata.namespace}/${o.metadata.name}`);
    return out;
  }

  /** Keys (`ns/name`) of the namespace's owners that `matches` accepts. */
  matching(namespace: string | undefined, matches: (owner: StoredObject) => boolean): string[] {
    const out: string[] = [];
    for (const o of this.byNamespace.get(namespace ?? '')?.values() ?? []) if (matches(o)) out.push(`${o.metadata.namespace}/${o.metadata.name}`);
    return out;
  }
}
