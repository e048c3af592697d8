// An informer: a list, then a watch from the list's resourceVersion, feeding a
// cache and handlers — client-go's Reflector and Indexer in small:
// - the watch is re-opened from the last resourceVersion seen (events and
//   bookmarks) when the server ends it; a 410 (too old) re-lists and reports
//   what changed as add/update/delete; other failures back off first;
// - `start()` resolves only once the first list has succeeded (caches are
//   complete before workers read them);
// - secondary indexes (pods by node, objects by tenant);
// - `relist()`: a fresh list now, differences reported. The patroller uses it
//   when it finds the cache has drifted from the server.
// Lists and watches go through the cluster's KubeClient, so they share its
// connections (client-node's ListWatch opened a new TLS connection per watch and
// its import alone cost the syncer ~80 MB).

import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import { shareReadOnly } from '../../lib/shared-objects.js';
import { isKubeError, type KubeClient, type WatchEvent, type WatchStream } from '../client.js';
import type { KubeObject, ResourceRef } from '../types.js';

export type InformerEventType = 'add' | 'update' | 'delete';
/** `listed`: the change was found by a list (the first, or a re-list), not reported by the watch. */
export type InformerHandler = (type: InformerEventType, obj: KubeObject, listed: boolean) => void;

const objKey = (o: KubeObject): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

/**
 * Drops what the syncer never reads from an object, in place (client-go
 * informers' transform): managedFields are often the largest part of a pod
 * and 10,000 pods are cached on each side. An update sent without
 * managedFields keeps the server's (kube treats absent as "unchanged").
 * Set to undefined, not deleted: `delete` turns V8 objects into slow
 * dictionaries several times their size, and JSON leaves undefined out.
 */
export function slim(o: KubeObject): KubeObject {
  if (o.metadata?.managedFields !== undefined) o.metadata.managedFields = undefined;
  return o;
}

/**
 * Decoded objects recently read from their JSON text, shared by the informers of one syncer.
 * The caches hold each object as its JSON text once it is a few seconds old (ENCODE_AFTER_MS):
 * at 10,000 pods on each side, decoded objects took about 7 KB each against about 2 KB of
 * text, and most are not read again until the next patrol. What workers are busy with stays
 * decoded here.
 */
export type DecodedObjects = LRUCache<string, KubeObject>;
export const decodedObjects = (max = 2048): DecodedObjects => new LRUCache<string, KubeObject>({ max });
let informerIds = 0;

/**
 * A cached object is kept decoded for this long before it is encoded to its JSON text. Encoding
 * every object as it arrives put a JSON.stringify of each of the 20,000 listed objects on a syncer
 * restart's path to ready (~0.5 s of ~4 s), and the resync that follows reads them all again, so it
 * decoded them right back. Objects are read-only (shareReadOnly), so encoding later is the same.
 */
const ENCODE_AFTER_MS = 5000;
/** Longest run of encoding in one turn of the event loop. */
const ENCODE_SLICE_MS = 4;

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
  /** How long each watch runs before it is re-opened (default 5–10 minutes at random). */
  watchTimeoutSeconds?: number;
  /** First and longest restart delay after an error. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Where decoded objects are kept (default: a small one of this informer's own). */
  decoded?: DecodedObjects;
  /** How long a cached object stays decoded before it is encoded to its JSON (default ENCODE_AFTER_MS). */
  encodeAfterMs?: number;
}

/** Watches end after 5–10 minutes (at random, so a fleet of them does not re-open all at once), as client-go's do. */
const watchTimeoutSeconds = (): number => 300 + Math.floor(Math.random() * 300);

export class Informer {
  /** key → the object's JSON (see DecodedObjects), or the object itself while it is recent (ENCODE_AFTER_MS). */
  private readonly cache = new Map<string, string | KubeObject>();
  /** Keys whose cached object is not encoded yet, oldest first, with when it was cached. */
  private readonly unencoded = new Map<string, number>();
  private encodeTimer: NodeJS.Timeout | undefined;
  private readonly decoded: DecodedObjects;
  /** This informer's prefix in `decoded`. */
  private readonly id = `${++informerIds}\u0000`;
  private readonly namespaces = new Map<string, Set<string>>();
  private readonly handlers: InformerHandler[] = [];
  private readonly indexers = new Map<string, (o: KubeObject) => string[]>();
  private readonly indices = new Map<string, Map<string, Set<string>>>();
  private readonly indexed = new Map<string, Map<string, string[]>>();
  private stopped = false;
  private running: Promise<void> | undefined;
  private stream: WatchStream | undefined;
  /** The resourceVersion to watch from: the last list's, then each event's and bookmark's. */
  private resourceVersion = '';
  private needList = true;
  /** Lists started and finished, so relist() waits for one that began after it was asked. */
  private listsStarted = 0;
  private listsDone = 0;
  private listWaiters: { after: number; resolve: () => void }[] = [];
  private backoffMs: number;
  private sleepTimer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  /** Times the cache was rebuilt by relist() (for metrics and tests). */
  relists = 0;
  /** Lists done, the first included (after an expired watch, too). */
  get lists(): number {
    return this.listsDone;
  }

  constructor(
    private readonly client: KubeClient,
    readonly ref: ResourceRef,
    private readonly opts: InformerOptions,
  ) {
    this.backoffMs = opts.minBackoffMs ?? 500;
    this.decoded = opts.decoded ?? decodedObjects(256);
  }

  get name(): string {
    return `${this.client.name}/${this.ref.plural}`;
  }

  /** Starts list+watch; resolves once the first list has filled the cache. */
  async start(): Promise<void> {
    this.stopped = false;
    const listed = this.afterList(0);
    this.running ??= this.run().finally(() => (this.running = undefined));
    await listed;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stream?.stop();
    clearTimeout(this.sleepTimer);
    clearTimeout(this.encodeTimer);
    this.encodeTimer = undefined;
    this.wake?.();
    await this.running;
  }

  /** Rebuild the cache from a fresh list, reporting what changed. */
  async relist(): Promise<void> {
    const done = this.afterList(this.listsStarted);
    this.needList = true;
    this.stream?.stop();
    await done;
    this.relists++;
  }

  /** Resolves when a list that started after `started` lists had has finished (or the informer stops). */
  private afterList(started: number): Promise<void> {
    if (this.listsDone > started) return Promise.resolve();
    return new Promise((resolve) => this.listWaiters.push({ after: started, resolve }));
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        if (this.needList) {
          this.needList = false;
          const n = ++this.listsStarted;
          try {
            await this.listAndReplace();
          } catch (e) {
            // Still owed: a failed list is retried as a list (after the backoff below).
            this.needList = true;
            throw e;
          }
          this.listsDone = n;
          const waiting = this.listWaiters;
          this.listWaiters = waiting.filter((w) => w.after >= n);
          for (const w of waiting) if (w.after < n) w.resolve();
          if (this.needList) continue;
        }
        // stop() may have come while the list was in flight: it found no stream to end, so none may open now.
        if (this.stopped) break;
        this.stream = this.client.watch(this.ref, { resourceVersion: this.resourceVersion, labelSelector: this.opts.labelSelector, timeoutSeconds: this.opts.watchTimeoutSeconds ?? watchTimeoutSeconds() }, (e) => this.onWatchEvent(e));
        await this.stream.done;
        this.stream = undefined;
      } catch (e) {
        this.stream = undefined;
        if (this.stopped) break;
        // Too old to resume: list again at once (what happened meanwhile is in the list).
        if (isKubeError(e, 410)) {
          this.needList = true;
          continue;
        }
        // A broken watch resumes from the last version seen; a failed list lists again.
        const delay = this.backoffMs;
        this.backoffMs = Math.min(this.opts.maxBackoffMs ?? 30_000, this.backoffMs * 2);
        this.opts.log.warn({ informer: this.name, err: String((e as Error)?.message ?? e), retryInMs: delay }, 'informer failed; restarting');
        await new Promise<void>((r) => {
          this.wake = r;
          this.sleepTimer = setTimeout(r, delay);
        });
        this.wake = undefined;
      }
    }
    for (const w of this.listWaiters) w.resolve();
    this.listWaiters = [];
  }

  private async listAndReplace(): Promise<void> {
    // fromNow, every list: after an expired watch, too, what happened before is not wanted.
    const r = await this.client.list(this.ref, { labelSelector: this.opts.labelSelector, versionOnly: this.opts.fromNow });
    if (this.stopped) return;
    this.resourceVersion = r.metadata.resourceVersion ?? '';
    this.backoffMs = this.opts.minBackoffMs ?? 500;
    const seen = new Set<string>();
    const changes: [InformerEventType, KubeObject, string][] = [];
    for (const o of r.items) {
      slim(o);
      const k = objKey(o);
      seen.add(k);
      // (Decoding what is cached to compare versions only costs on a re-list: the first finds nothing.)
      const was = this.cache.has(k) ? this.getKey(k) : undefined;
      if (was && was.metadata?.resourceVersion === o.metadata?.resourceVersion) continue;
      this.put(k, o);
      changes.push([was ? 'update' : 'add', o, k]);
    }
    for (const k of [...this.cache.keys()]) {
      if (seen.has(k)) continue;
      const o = this.getKey(k)!;
      this.remove(k);
      changes.push(['delete', o, k]);
    }
    for (const [type, o, k] of changes) this.emit(type, o, k, true);
  }

  private onWatchEvent(e: WatchEvent): void {
    if (this.stopped || this.needList) return;
    const o = e.object;
    if (e.type === 'ERROR') {
      // A Status: 410 means the version is too old to resume from; anything else, start over too.
      const code = (o as { code?: number }).code;
      this.opts.log[code === 410 ? 'debug' : 'warn']({ informer: this.name, code, message: (o as { message?: string }).message }, 'watch ended by the server; listing again');
      this.needList = true;
      this.stream?.stop();
      return;
    }
    const rv = o?.metadata?.resourceVersion;
    if (rv) this.resourceVersion = rv;
    if (e.type === 'BOOKMARK') return;
    // Events flow again: the next failure starts its backoff from the bottom.
    this.backoffMs = this.opts.minBackoffMs ?? 500;
    slim(o);
    const k = objKey(o);
    if (e.type === 'DELETED') {
      if (!this.cache.has(k)) return;
      this.remove(k);
      this.emit('delete', o, k);
      return;
    }
    const had = this.cache.has(k);
    this.put(k, o);
    this.emit(had ? 'update' : 'add', o, k);
  }

  private put(k: string, o: KubeObject): void {
    shareReadOnly(o);
    this.cache.set(k, o);
    // Re-inserted, so the map stays in caching order.
    this.unencoded.delete(k);
    this.unencoded.set(k, performance.now());
    this.scheduleEncode();
    // The cache holds this one decoded; a version decoded earlier must not answer for it. (Not
    // set here: 20,000 listed objects would push out what workers read from text.)
    this.decoded.delete(this.id + k);
    const ns = o.metadata?.namespace ?? '';
    let set = this.namespaces.get(ns);
    if (!set) this.namespaces.set(ns, (set = new Set()));
    set.add(k);
  }

  private remove(k: string): void {
    this.cache.delete(k);
    this.unencoded.delete(k);
    this.decoded.delete(this.id + k);
    const ns = k.slice(0, k.indexOf('/'));
    const set = this.namespaces.get(ns);
    set?.delete(k);
    if (set && set.size === 0) this.namespaces.delete(ns);
  }

  private emit(type: InformerEventType, o: KubeObject, key: string, listed = false): void {
    this.reindex(o, type === 'delete', key);
    for (const h of this.handlers) {
      try {
        h(type, o, listed);
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

  /** `k`: the cache's own key string, so each key is held once, not once per structure. */
  private reindex(o: KubeObject, removed: boolean, k: string): void {
    if (this.indexers.size === 0) return;
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

  /**
   * The cached object. Callers share it (with other readers and the next get): treat it as
   * read-only, and clone before changing anything.
   */
  get(namespace: string, name: string): KubeObject | undefined {
    return this.getKey(`${namespace}/${name}`);
  }

  private getKey(k: string): KubeObject | undefined {
    const hit = this.decoded.get(this.id + k);
    if (hit) return hit;
    const text = this.cache.get(k);
    if (text === undefined) return undefined;
    if (typeof text !== 'string') return text;
    const o = JSON.parse(text) as KubeObject;
    shareReadOnly(o);
    this.decoded.set(this.id + k, o);
    return o;
  }

  list(namespace?: string): KubeObject[] {
    const keys = namespace === undefined ? this.cache.keys() : (this.namespaces.get(namespace) ?? []);
    const out: KubeObject[] = [];
    for (const k of keys) out.push(this.getKey(k)!);
    return out;
  }

  /** Whether an object is cached (without decoding it). */
  has(namespace: string, name: string): boolean {
    return this.cache.has(`${namespace}/${name}`);
  }

  /** Namespace and name of every cached object (without decoding them). */
  *keys(): Generator<[string, string]> {
    for (const k of this.cache.keys()) {
      const i = k.indexOf('/');
      yield [k.slice(0, i), k.slice(i + 1)];
    }
  }

  /** How many objects are cached. */
  get size(): number {
    return this.cache.size;
  }

  /**
   * Drop the content of a cached object, keeping its metadata, when nothing will read it again at
   * this version (super events, once copied: tens of thousands of them at 10,000 pods were a large
   * share of the syncer's memory). A later version arrives whole, through the watch.
   */
  dropContent(namespace: string, name: string, resourceVersion: string): void {
    const k = `${namespace}/${name}`;
    const o = this.getKey(k);
    if (!o || o.metadata?.resourceVersion !== resourceVersion) return;
    const m = o.metadata;
    this.cache.set(k, JSON.stringify({ apiVersion: o.apiVersion, kind: o.kind, metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion } }));
    this.unencoded.delete(k);
    this.decoded.delete(this.id + k);
  }

  /** Encodes the objects cached more than ENCODE_AFTER_MS ago, a slice per turn of the event loop. */
  private scheduleEncode(): void {
    if (this.encodeTimer || this.stopped) return;
    const oldest = this.unencoded.values().next();
    if (oldest.done) return;
    this.encodeTimer = setTimeout(() => {
      this.encodeTimer = undefined;
      this.encodeDue();
    }, Math.max(0, oldest.value + this.encodeAfterMs - performance.now()));
    this.encodeTimer.unref();
  }

  private get encodeAfterMs(): number {
    return this.opts.encodeAfterMs ?? ENCODE_AFTER_MS;
  }

  private encodeDue(): void {
    const now = performance.now();
    const cutoff = now - this.encodeAfterMs;
    const until = now + ENCODE_SLICE_MS;
    for (const [k, at] of this.unencoded) {
      if (at > cutoff || performance.now() > until) break;
      const v = this.cache.get(k);
      if (v !== undefined && typeof v !== 'string') this.cache.set(k, JSON.stringify(v));
      this.unencoded.delete(k);
    }
    this.scheduleEncode();
  }

  /** How many cached objects are still kept decoded (for tests). */
  get decodedCount(): number {
    return this.unencoded.size;
  }

  /** Objects whose index value is `value`, optionally only those in one namespace. */
  byIndex(index: string, value: string, namespace?: string): KubeObject[] {
    const keys = this.indices.get(index)?.get(value);
    if (!keys) return [];
    const out: KubeObject[] = [];
    const prefix = namespace === undefined ? undefined : `${namespace}/`;
    for (const k of keys) {
      if (prefix !== undefined && !k.startsWith(prefix)) continue;
      const o = this.getKey(k);
      if (o) out.push(o);
    }
    return out;
  }

  /** Namespace and name of the objects whose index value is `value`, without decoding them. */
  *keysByIndex(index: string, value: string): Generator<[string, string]> {
    for (const k of this.indices.get(index)?.get(value) ?? []) {
      const i = k.indexOf('/');
      yield [k.slice(0, i), k.slice(i + 1)];
    }
  }

  /** The values of an index that start with `prefix`. */
  *indexValues(index: string, prefix = ''): Generator<string> {
    for (const v of this.indices.get(index)?.keys() ?? []) if (v.startsWith(prefix)) yield v;
  }

  /** How many objects have index value `value`. */
  countByIndex(index: string, value: string): number {
    return this.indices.get(index)?.get(value)?.size ?? 0;
  }
}
