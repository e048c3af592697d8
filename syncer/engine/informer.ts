// An informer: client-node's ListWatch (makeInformer) for the list+watch and
// the cache, plus what a long-running syncer needs around it:
// - restart with backoff after errors (ListWatch stops on a failed list or a
//   broken connection and waits to be started again);
// - `start()` resolves only once the first list has succeeded (caches are
//   complete before workers read them);
// - secondary indexes (pods by node, objects by tenant);
// - `relist()`: a fresh ListWatch built beside the old one and swapped in once
//   listed, with add/update/delete reported for what differed. The patroller
//   uses it when it finds the cache has drifted from the server.

import { makeInformer, type Informer as ClientInformer, type KubernetesObject, type ObjectCache } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { KubeClient } from '../client.js';
import { resourcePath } from '../client.js';
import type { KubeObject, ResourceRef } from '../types.js';

export type InformerEventType = 'add' | 'update' | 'delete';
export type InformerHandler = (type: InformerEventType, obj: KubeObject) => void;

type ListWatch = ClientInformer<KubernetesObject> & ObjectCache<KubernetesObject>;

const objKey = (o: KubeObject): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

/**
 * Drops what the syncer never reads from a cached object, in place (client-go
 * informers' transform): managedFields are often the largest part of a pod
 * and 10,000 pods are cached on each side. An update sent without
 * managedFields keeps the server's (kube treats absent as "unchanged").
 */
export function slim(o: KubeObject): KubeObject {
  if (o.metadata?.managedFields !== undefined) delete o.metadata.managedFields;
  return o;
}

export interface InformerOptions {
  labelSelector?: string;
  /**
   * Cache only what happens from the start on: the first list fetches no items, just the version
   * to watch from. For super events: those from before a (re)start are not copied anyway, and
   * listing tens of thousands of them made a syncer restart wait on pages of events and hold them
   * all. (A later list, after an expired watch, empties the cache the same way.)
   */
  fromNow?: boolean;
  log: Logger;
  /** First and longest restart delay after an error. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

export class Informer {
  private lw: ListWatch;
  private readonly handlers: InformerHandler[] = [];
  private readonly indexers = new Map<string, (o: KubeObject) => string[]>();
  private readonly indices = new Map<string, Map<string, Set<string>>>();
  private readonly indexed = new Map<string, Map<string, string[]>>();
  private stopped = false;
  private backoffMs: number;
  private restartTimer: NodeJS.Timeout | undefined;
  private listed!: Promise<void>;
  private markListed!: () => void;
  /** Times the cache was rebuilt by relist() (for metrics and tests). */
  relists = 0;

  constructor(
    private readonly client: KubeClient,
    readonly ref: ResourceRef,
    private readonly opts: InformerOptions,
  ) {
    this.backoffMs = opts.minBackoffMs ?? 500;
    this.lw = this.make();
  }

  get name(): string {
    return `${this.client.name}/${this.ref.plural}`;
  }

  private make(): ListWatch {
    let first = true;
    this.listed = new Promise((resolve) => (this.markListed = resolve));
    const markListed = this.markListed;
    const listFn = async () => {
      // fromNow, every list: after an expired watch, too, what happened before is not wanted.
      const r = await this.client.list(this.ref, { labelSelector: this.opts.labelSelector, versionOnly: this.opts.fromNow });
      for (const o of r.items) slim(o);
      this.backoffMs = this.opts.minBackoffMs ?? 500;
      if (first) {
        first = false;
        // Resolve after ListWatch has filled its cache from this list (it does so right after we return).
        setImmediate(markListed);
      }
      return r as unknown as { metadata: { resourceVersion?: string }; items: KubernetesObject[] };
    };
    const lw = makeInformer<KubernetesObject>(this.client.kubeConfig, resourcePath(this.ref), listFn, this.opts.labelSelector);
    const current = () => lw === this.lw;
    lw.on('add', (o) => current() && this.emit('add', o as KubeObject));
    lw.on('update', (o) => current() && this.emit('update', o as KubeObject));
    lw.on('delete', (o) => current() && this.emit('delete', o as KubeObject));
    lw.on('error', (err) => {
      if (this.stopped || !current()) return;
      const delay = this.backoffMs;
      this.backoffMs = Math.min(this.opts.maxBackoffMs ?? 30_000, this.backoffMs * 2);
      this.opts.log.warn({ informer: this.name, err: String((err as Error)?.message ?? err), retryInMs: delay }, 'informer failed; restarting');
      clearTimeout(this.restartTimer);
      this.restartTimer = setTimeout(() => {
        if (!this.stopped && current()) void lw.start();
      }, delay);
      this.restartTimer.unref?.();
    });
    return lw;
  }

  private emit(type: InformerEventType, o: KubeObject): void {
    // The cache holds this very object (ListWatch stores, then notifies): slimming it here slims the cache.
    slim(o);
    // Events flow again: the next failure starts its backoff from the bottom.
    this.backoffMs = this.opts.minBackoffMs ?? 500;
    this.reindex(o, type === 'delete');
    for (const h of this.handlers) {
      try {
        h(type, o);
      } catch (e) {
        this.opts.log.error({ informer: this.name, err: String(e) }, 'informer handler failed');
      }
    }
  }

  on(h: InformerHandler): void {
    this.handlers.push(h);
  }

  /** Keep objects findable by fn(obj) values; call before start(). */
  addIndex(name: string, fn: (o: KubeObject) => string[]): void {
    this.indexers.set(name, fn);
    this.indices.set(name, new Map());
  }

  private reindex(o: KubeObject, removed: boolean): void {
    if (this.indexers.size === 0) return;
    const k = objKey(o);
    const prev = this.indexed.get(k);
    for (const [name, fn] of this.indexers) {
      const idx = this.indices.get(name)!;
      for (const v of prev?.get(name) ?? []) {
        const set = idx.get(v);
        set?.delete(k);
        if (set && set.size === 0) idx.delete(v);
      }
      if (removed) continue;
      const values = fn(o);
      for (const v of values) {
        let set = idx.get(v);
        if (!set) idx.set(v, (set = new Set()));
        set.add(k);
      }
      let m = this.indexed.get(k);
      if (!m) this.indexed.set(k, (m = new Map()));
      m.set(name, values);
    }
    if (removed) this.indexed.delete(k);
  }

  private rebuildIndexes(): void {
    for (const idx of this.indices.values()) idx.clear();
    this.indexed.clear();
    for (const o of this.list()) this.reindex(o, false);
  }

  /** Starts list+watch; resolves once the first list has filled the cache. */
  async start(): Promise<void> {
    this.stopped = false;
    void this.lw.start();
    await this.listed;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    await this.lw.stop();
  }

  get(namespace: string, name: string): KubeObject | undefined {
    return this.lw.get(name, namespace || undefined) as KubeObject | undefined;
  }

  list(namespace?: string): KubeObject[] {
    return this.lw.list(namespace) as KubeObject[];
  }

  /**
   * Drop the content of a cached object, keeping its metadata, when nothing will read it again at
   * this version (super events, once copied: tens of thousands of them at 10,000 pods were a large
   * share of the syncer's memory). A later version arrives whole, through the watch.
   */
  dropContent(namespace: string, name: string, resourceVersion: string): void {
    const o = this.get(namespace, name) as Record<string, unknown> | undefined;
    if (!o || (o.metadata as { resourceVersion?: string } | undefined)?.resourceVersion !== resourceVersion) return;
    for (const k of Object.keys(o)) if (k !== 'metadata' && k !== 'apiVersion' && k !== 'kind') delete o[k];
    const meta = o.metadata as Record<string, unknown>;
    for (const k of Object.keys(meta)) if (k !== 'name' && k !== 'namespace' && k !== 'uid' && k !== 'resourceVersion') delete meta[k];
  }

  byIndex(index: string, value: string): KubeObject[] {
    const keys = this.indices.get(index)?.get(value);
    if (!keys) return [];
    const out: KubeObject[] = [];
    for (const k of keys) {
      const i = k.indexOf('/');
      const o = this.get(k.slice(0, i), k.slice(i + 1));
      if (o) out.push(o);
    }
    return out;
  }

  /** Rebuild the cache from a fresh list, reporting what changed. */
  async relist(): Promise<void> {
    const prev = this.lw;
    const before = prev.list() as KubeObject[];
    const next = this.make();
    const listed = this.listed;
    // `next` is not current yet: its events are dropped until the swap, and the diff below covers them.
    void next.start();
    await listed;
    if (this.stopped) {
      await next.stop();
      return;
    }
    this.lw = next;
    this.relists++;
    await prev.stop();
    this.rebuildIndexes();
    const now = new Map((next.list() as KubeObject[]).map((o) => [objKey(o), o]));
    const old = new Map(before.map((o) => [objKey(o), o]));
    for (const [k, o] of now) {
      const was = old.get(k);
      if (!was) this.emit('add', o);
      else if (was.metadata?.resourceVersion !== o.metadata?.resourceVersion) this.emit('update', o);
    }
    for (const [k, o] of old) if (!now.has(k)) this.emit('delete', o);
  }
}
