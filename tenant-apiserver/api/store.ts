// The one generic resource store: get/list/watch/create/update/delete over the
// revisioned KV store, for every resource, driven by its strategy. Everything
// kube-apiserver's generic registry does in common lives here once: metadata
// system fields, optimistic concurrency, status split, generation, finalizers,
// graceful deletion, namespace existence and termination checks, pagination.

import { randomUUID, randomInt } from 'node:crypto';
import {
  ApiError,
  OPTIMISTIC_LOCK_MESSAGE,
  alreadyExists,
  badRequest,
  conflict,
  forbidden,
  gone,
  internalError,
  invalid,
  notFound,
  type FieldError,
  type GroupResource,
} from './errors.js';
import type { ResourceInfo } from './registry.js';
import type { Strategy, StrategyContext } from './strategy.js';
import { deepClone, isObject, rfc3339, type KubeObject, type ListMeta, type StoredObject, type UserInfo } from './types.js';
import { validateObjectMeta } from './validation/names.js';
import { rawMayMatch } from './selectors.js';
import { shareReadOnly } from '../../lib/shared-objects.js';
import {
  CompactedError,
  FutureRevisionError,
  KeyExistsError,
  KeyNotFoundError,
  RevisionMismatchError,
  type KeyValue,
  type Store,
  type WatchEvent,
} from '../storage/types.js';

export interface Selection {
  labels?: (labels: Record<string, string> | undefined) => boolean;
  /** Texts the stored JSON must contain to match `labels` (selectors.ts labelSelectorHints): rows without them are not decoded. */
  rawHints?: readonly (readonly string[])[];
  fields?: (fields: Record<string, string>) => boolean;
  /** metadata.name=X narrows the range to one key. */
  exactName?: string;
}

export interface ListOptions {
  selection?: Selection;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
}

export interface ObjectList {
  items: StoredObject[];
  metadata: ListMeta;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: string;
  orphanDependents?: boolean;
  dryRun?: boolean;
}

export interface WriteContext {
  user: UserInfo;
  dryRun?: boolean;
  /** Extra validation derived from the schema (required fields), run with the strategy's. */
  subresource?: string;
  /** Who is writing, for metadata.managedFields (kube's fieldManager). Absent: fields are not tracked. */
  fieldManager?: string;
  /** Server-side apply already computed managedFields for this write. */
  managedFieldsComputed?: boolean;
}

/** Computes metadata.managedFields for a non-apply write (server-side apply's field tracking). */
export type ManagedFieldsTracker = (info: ResourceInfo, old: KubeObject | undefined, updated: KubeObject, manager: string, subresource: string | undefined) => unknown[];

/** Checks run on every create/update before the strategy's own (schema-derived rules, admission). */
export type ObjectValidator = (info: ResourceInfo, obj: KubeObject, old: KubeObject | undefined) => FieldError[];

export type AdmissionOperation = 'CREATE' | 'UPDATE';

/** What an admission plugin is asked about (kube's admission.Attributes, trimmed). */
export interface AdmissionRequest {
  operation: AdmissionOperation;
  info: ResourceInfo;
  namespace: string | undefined;
  /** The name as requested: empty for a create with generateName (kube's attributes name). */
  name: string;
  subresource: string | undefined;
  user: UserInfo;
  dryRun: boolean;
  /** The object about to be stored; mutating plugins may change it in place. */
  object: KubeObject;
  /** The stored object, on UPDATE. */
  oldObject: StoredObject | undefined;
}

/**
 * Called once the write has finished (stored or not). Lets a plugin hold a
 * lock from its check until the write is visible, so checks that read other
 * objects (quota usage, allocated IPs) stay exact under concurrency.
 */
export type AdmissionRelease = () => void;

/**
 * An admission plugin, in kube's two phases. `admit` (mutating) runs after the
 * strategy's prepare and defaults, before name generation and validation;
 * `validate` runs after validation, right before the write. Either may throw an
 * ApiError to refuse the request, and may return a release function.
 */
export interface AdmissionPlugin {
  name: string;
  admit?(req: AdmissionRequest): void | AdmissionRelease | Promise<void | AdmissionRelease>;
  validate?(req: AdmissionRequest): void | AdmissionRelease | Promise<void | AdmissionRelease>;
}

export interface WatchOptions {
  selection?: Selection;
  /** The watcher only reads and serialises objects, so it may share decoded objects with other such watchers. */
  sharedObjects?: boolean;
  resourceVersion?: string;
  sendInitialEvents?: boolean;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface ResourceWatch {
  /** Stop delivering events. */
  stop(): void;
}

export type StrategyLookup = (info: ResourceInfo) => Strategy;

const NAME_CHARS = 'bcdfghjklmnpqrstvwxz2456789';
/** Subresources that write spec and status together (kube's BindingREST sets nodeName and PodScheduled at once). */
const STATUS_WRITING_SUBRESOURCES = new Set(['binding']);
const RETRIES_ON_CONFLICT = 5;

function gr(info: ResourceInfo): GroupResource {
  return { group: info.group, resource: info.resource };
}

function groupOfApiVersion(apiVersion: string): string {
  const i = apiVersion.indexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}

export function apiVersionOf(info: { group: string; version: string }): string {
  return info.group ? `${info.group}/${info.version}` : info.version;
}

/** Namespaces whose terminating state checkNamespace keeps parsed. */
const NAMESPACE_STATES = 1024;

export class ResourceStore {
  /** Observers told about every committed object change (controllers hang off the store's watch instead). */
  private validators: ObjectValidator[] = [];

  constructor(
    readonly kv: Store,
    private readonly strategyFor: StrategyLookup,
  ) {}

  private tracker: ManagedFieldsTracker | undefined;
  private readonly watchDecodeCache = new WeakMap<KeyValue, Map<string, StoredObject>>();
  /** Whether a namespace (by key) is terminating, as of a modRevision: checkNamespace's parse, cached (oldest first). */
  private readonly namespaceStates = new Map<string, { modRevision: number; terminating: boolean }>();

  private trackerLoading: Promise<ManagedFieldsTracker> | undefined;
  private trackerLoader: (() => Promise<ManagedFieldsTracker>) | undefined;

  /** The field tracker, loaded by the first write that records fields (server-side apply's machinery is large). */
  setManagedFieldsTrackerLoader(load: () => Promise<ManagedFieldsTracker>): void {
    this.trackerLoader = load;
  }

  /** Before trackFields: loads the tracker if this write needs it and it is not loaded yet. */
  private needsTrackerLoad(wc: WriteContext): boolean {
    return !this.tracker && !!this.trackerLoader && !!wc.fieldManager && !wc.managedFieldsComputed;
  }

  private async loadTracker(): Promise<void> {
    this.trackerLoading ??= this.trackerLoader!();
    this.tracker = await this.trackerLoading;
  }

  private trackFields(info: ResourceInfo, old: KubeObject | undefined, obj: KubeObject, wc: WriteContext): void {
    if (!this.tracker || wc.managedFieldsComputed || !wc.fieldManager) return;
    const entries = this.tracker(info, old, obj, wc.fieldManager, wc.subresource);
    if (entries.length > 0) obj.metadata!.managedFields = entries;
    else delete obj.metadata!.managedFields;
  }

  addValidator(v: ObjectValidator): void {
    this.validators.push(v);
  }

  private admission: AdmissionPlugin[] = [];

  /** Register an admission plugin; plugins run in registration order in each phase. */
  addAdmission(p: AdmissionPlugin): void {
    this.admission.push(p);
  }

  private async runAdmission(phase: 'admit' | 'validate', req: AdmissionRequest, releases: AdmissionRelease[]): Promise<void> {
    for (const p of this.admission) {
      const fn = p[phase];
      if (!fn) continue;
      const release = await fn.call(p, req);
      if (typeof release === 'function') releases.push(release);
    }
  }

  // ---- keys -------------------------------------------------------------------------------------------------------

  resourcePrefix(info: ResourceInfo): string {
    return `/${info.storage.group || 'core'}/${info.storage.resource}/`;
  }

  prefix(info: ResourceInfo, namespace: string | undefined): string {
    return info.namespaced && namespace ? `${this.resourcePrefix(info)}${namespace}/` : this.resourcePrefix(info);
  }

  key(info: ResourceInfo, namespace: string | undefined, name: string): string {
    return info.namespaced ? `${this.resourcePrefix(info)}${namespace}/${name}` : `${this.resourcePrefix(info)}${name}`;
  }

  // ---- decoding ---------------------------------------------------------------------------------------------------

  /** Stored JSON → the object as served in info's version, with resourceVersion from the revision. */
  decode(info: ResourceInfo, kv: KeyValue): StoredObject {
    let obj = JSON.parse(kv.value) as KubeObject;
    obj.metadata = obj.metadata ?? {};
    obj.metadata.resourceVersion = String(kv.modRevision);
    if (info.version !== info.storage.version || info.group !== info.storage.group) {
      const s = this.strategyFor(this.storageInfo(info));
      obj = s.convert ? s.convert(obj, apiVersionOf(info)) : obj;
    }
    // Hook (CRDs): custom resources get structural pruning and defaults on read.
    const onRead = this.strategyFor(info).onRead;
    if (onRead) obj = onRead(obj, info);
    return obj as StoredObject;
  }

  /**
   * What a write returns: the object just encoded into kv, as decode(kv) would give it. Where reading
   * it back changes nothing (no conversion, no read hook), that is the object itself with its new
   * resourceVersion, not a parse of the JSON just written. `obj` must be the store's own copy.
   */
  private asWritten(info: ResourceInfo, obj: KubeObject, kv: KeyValue): StoredObject {
    if (info.version !== info.storage.version || info.group !== info.storage.group || this.strategyFor(info).onRead) return this.decode(info, kv);
    const meta = (obj.metadata ??= {});
    // encode() left these out of the stored value.
    delete meta.selfLink;
    meta.resourceVersion = String(kv.modRevision);
    return obj as StoredObject;
  }

  /** A ResourceInfo-like view of the storage version (for conversion lookups). */
  private storageInfo(info: ResourceInfo): ResourceInfo {
    return { ...info, group: info.storage.group, version: info.storage.version, resource: info.storage.resource };
  }

  private encode(info: ResourceInfo, obj: KubeObject): string {
    let stored = obj;
    if (info.version !== info.storage.version || info.group !== info.storage.group) {
      const s = this.strategyFor(this.storageInfo(info));
      const target = info.storage.group ? `${info.storage.group}/${info.storage.version}` : info.storage.version;
      stored = s.convert ? s.convert(obj, target) : obj;
    }
    // resourceVersion lives in the revision, never in the value.
    const m = stored.metadata;
    if (m && m.resourceVersion === undefined && m.selfLink === undefined) return JSON.stringify(stored);
    const { resourceVersion: _rv, selfLink: _sl, ...meta } = m ?? {};
    return JSON.stringify({ ...stored, metadata: meta });
  }

  // ---- reads ------------------------------------------------------------------------------------------------------

  async get(info: ResourceInfo, namespace: string | undefined, name: string, resourceVersion?: string): Promise<StoredObject> {
    const rev = parseResourceVersion(resourceVersion);
    let kv: KeyValue | undefined;
    try {
      // "0" means any version is fine; so is the latest.
      kv = await this.kv.get(this.key(info, namespace, name), rev || undefined);
    } catch (e) {
      throw this.mapReadError(e);
    }
    if (!kv) throw notFound(gr(info), name);
    return this.decode(info, kv);
  }

  async list(info: ResourceInfo, namespace: string | undefined, opts: ListOptions = {}): Promise<ObjectList> {
    const prefix = this.prefix(info, namespace);
    let readRev: number | undefined;
    let after: string | undefined;
    if (opts.continue) {
      const token = decodeContinue(opts.continue);
      readRev = token.rv;
      // The token's start key is "ns/name\0": the first key after the last one returned.
      after = this.resourcePrefix(info) + token.start.replace(/\u0000$/, '');
      if (token.rv <= this.kv.compactedRevision()) {
        throw gone(
          'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
        );
      }
    } else if (opts.resourceVersion && opts.resourceVersion !== '0') {
      const rev = parseResourceVersion(opts.resourceVersion);
      if (opts.resourceVersionMatch === 'Exact') readRev = rev;
      else if (rev > this.kv.currentRevision()) {
        throw new ApiError(504, 'Timeout', `Too large resource version: ${rev}, current: ${this.kv.currentRevision()}`, {
          causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
          retryAfterSeconds: 1,
        });
      }
    } else if (opts.resourceVersionMatch === 'Exact') {
      throw badRequest('resourceVersionMatch "Exact" is forbidden for resourceVersion ""');
    }
    const sel = opts.selection;
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    const items: StoredObject[] = [];
    let more = false;
    let lastKey: string | undefined;
    let revision = readRev ?? this.kv.currentRevision();
    try {
      if (sel?.exactName !== undefined) {
        if (!info.namespaced || namespace) {
          const kv = await this.kv.get(this.key(info, namespace, sel.exactName), readRev);
          if (kv) {
            const o = this.decode(info, kv);
            if (matches(this.strategyFor(info), o, sel)) items.push(o);
          }
          return { items, metadata: { resourceVersion: String(revision) } };
        }
      }
      // Page through storage until we have `limit` matches or run out.
      for (;;) {
        const batch = limit ? Math.max(limit - items.length, sel ? 100 : 0) : 0;
        const r = await this.kv.range(prefix, { revision: readRev, limit: batch, after });
        revision = r.revision;
        readRev = r.revision;
        for (const kv of r.kvs) {
          lastKey = kv.key;
          if (sel?.rawHints && !rawMayMatch(kv.value, sel.rawHints)) continue;
          const o = this.decode(info, kv);
          if (!sel || matches(this.strategyFor(info), o, sel)) items.push(o);
          if (limit && items.length >= limit) break;
        }
        const stoppedEarly = lastKey !== undefined && r.kvs.length > 0 && lastKey !== r.kvs[r.kvs.length - 1]!.key;
        if (limit && items.length >= limit) {
          more = stoppedEarly || r.more;
          break;
        }
        if (!r.more) break;
        after = lastKey;
      }
    } catch (e) {
      throw this.mapReadError(e);
    }
    const metadata: ListMeta = { resourceVersion: String(revision) };
    if (more && lastKey) {
      metadata.continue = encodeContinue(revision, lastKey.slice(this.resourcePrefix(info).length) + '\u0000');
      if (!sel) {
        const total = await this.kv.count(prefix);
        const remaining = total - items.length - (opts.continue ? -1 : 0);
        if (!opts.continue && remaining > 0) metadata.remainingItemCount = remaining;
      }
    }
    return { items, metadata };
  }

  private mapReadError(e: unknown): Error {
    if (e instanceof CompactedError) return gone(`The resourceVersion for the provided list is too old.`);
    if (e instanceof FutureRevisionError) {
      return new ApiError(504, 'Timeout', `Too large resource version: ${e.requested}, current: ${e.current}`, {
        causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
        retryAfterSeconds: 1,
      });
    }
    return e instanceof ApiError ? e : internalError(e);
  }

  // ---- writes -----------------------------------------------------------------------------------------------------

  private ctxFor(info: ResourceInfo, wc: WriteContext): StrategyContext {
    return { info, user: wc.user, now: new Date(), subresource: wc.subresource };
  }

  private validateAll(info: ResourceInfo, s: Strategy, obj: KubeObject, old: KubeObject | undefined, ctx: StrategyContext): void {
    const meta = (obj.metadata ?? {}) as Record<string, unknown>;
    const errs: FieldError[] = [];
    errs.push(...validateObjectMeta(meta, { namespaced: info.namespaced, nameRule: s.nameRule ?? 'subdomain' }));
    for (const v of this.validators) errs.push(...v(info, obj, old));
    if (old) errs.push(...(s.validateUpdate?.(obj, old, ctx) ?? s.validate?.(obj, ctx) ?? []));
    else errs.push(...(s.validate?.(obj, ctx) ?? []));
    if (errs.length > 0) throw invalid(info.kind, info.group, (meta.name as string) || (meta.generateName as string) || '', dedupe(errs));
  }

  /** Namespaced creates need a live namespace (404 when missing, 403 when terminating). */
  async checkNamespace(info: ResourceInfo, namespace: string, name: string): Promise<void> {
    const key = `/core/namespaces/${namespace}`;
    const kv = await this.kv.get(key);
    if (!kv) throw notFound({ group: '', resource: 'namespaces' }, namespace);
    // Every namespaced create reads its namespace: parse each version of it once, not per create.
    let known = this.namespaceStates.get(key);
    if (known?.modRevision !== kv.modRevision) {
      const ns = JSON.parse(kv.value) as KubeObject;
      known = { modRevision: kv.modRevision, terminating: !!ns.metadata?.deletionTimestamp || (ns.status as { phase?: string } | undefined)?.phase === 'Terminating' };
      this.namespaceStates.delete(key);
      this.namespaceStates.set(key, known);
      if (this.namespaceStates.size > NAMESPACE_STATES) this.namespaceStates.delete(this.namespaceStates.keys().next().value!);
    }
    if (known.terminating) {
      throw forbidden(gr(info), name, `unable to create new content in namespace ${namespace} because it is being terminated`);
    }
  }

  async create(info: ResourceInfo, namespace: string | undefined, body: KubeObject, wc: WriteContext): Promise<StoredObject> {
    const releases: AdmissionRelease[] = [];
    try {
      return await this.createAdmitted(info, namespace, body, wc, releases);
    } finally {
      releaseAll(releases);
    }
  }

  private async createAdmitted(
    info: ResourceInfo,
    namespace: string | undefined,
    body: KubeObject,
    wc: WriteContext,
    releases: AdmissionRelease[],
  ): Promise<StoredObject> {
    const s = this.strategyFor(info);
    const ctx = this.ctxFor(info, wc);
    const obj = deepClone(body);
    obj.apiVersion = apiVersionOf(info);
    obj.kind = info.kind;
    const meta = (obj.metadata = isObject(obj.metadata) ? obj.metadata : {});
    if (info.namespaced) {
      if (meta.namespace && namespace && meta.namespace !== namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      meta.namespace = namespace ?? meta.namespace;
    } else if (meta.namespace === '') {
      delete meta.namespace;
    }
    // System fields are the server's: whatever the client sent is replaced.
    const now = new Date();
    meta.uid = randomUUID();
    meta.creationTimestamp = rfc3339(now);
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.selfLink;
    if (tracksGeneration(s, obj)) meta.generation = 1;
    else delete meta.generation;
    s.prepareForCreate?.(obj, ctx);
    s.defaults?.(obj, ctx);
    const admission: AdmissionRequest | undefined =
      this.admission.length > 0
        ? { operation: 'CREATE', info, namespace: meta.namespace, name: (meta.name as string | undefined) ?? '', subresource: wc.subresource, user: wc.user, dryRun: !!wc.dryRun, object: obj, oldObject: undefined }
        : undefined;
    if (admission) await this.runAdmission('admit', admission, releases);
    const generate = !meta.name && typeof meta.generateName === 'string' && meta.generateName !== '';
    if (generate) meta.name = meta.generateName + randomSuffix();
    s.canonicalize?.(obj, ctx);
    this.validateAll(info, s, obj, undefined, ctx);
    if (this.needsTrackerLoad(wc)) await this.loadTracker();
    this.trackFields(info, undefined, obj, wc);
    if (info.namespaced) await this.checkNamespace(info, meta.namespace as string, meta.name as string);
    if (admission) await this.runAdmission('validate', admission, releases);
    if (wc.dryRun) {
      const existing = await this.kv.get(this.key(info, meta.namespace, meta.name as string));
      if (existing) throw alreadyExists(gr(info), meta.name as string);
      return { ...obj, metadata: { ...meta, resourceVersion: '' } } as StoredObject;
    }
    for (let attempt = 0; ; attempt++) {
      try {
        const r = await this.kv.write({ type: 'create', key: this.key(info, meta.namespace, meta.name as string), value: this.encode(info, obj) });
        return this.asWritten(info, obj, r.kv);
      } catch (e) {
        if (e instanceof KeyExistsError) {
          // kube-apiserver retries generated names a few times before giving up.
          if (generate && attempt < 8) {
            meta.name = meta.generateName + randomSuffix();
            s.canonicalize?.(obj, ctx);
            continue;
          }
          throw alreadyExists(gr(info), meta.name as string);
        }
        throw e instanceof ApiError ? e : internalError(e);
      }
    }
  }

  /**
   * Read-modify-write with optimistic concurrency. `mutate` receives a copy of the
   * current object (or undefined when absent) and returns the desired object.
   * When the caller pinned a resourceVersion, a conflict is the client's; otherwise
   * we re-read and retry, as kube-apiserver's GuaranteedUpdate does.
   */
  async update(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    mutate: (current: StoredObject | undefined) => KubeObject | Promise<KubeObject>,
    wc: WriteContext,
  ): Promise<{ object: StoredObject; created: boolean }> {
    const releases: AdmissionRelease[] = [];
    try {
      return await this.updateAdmitted(info, namespace, name, mutate, wc, releases);
    } finally {
      releaseAll(releases);
    }
  }

  private async updateAdmitted(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    mutate: (current: StoredObject | undefined) => KubeObject | Promise<KubeObject>,
    wc: WriteContext,
    releases: AdmissionRelease[],
  ): Promise<{ object: StoredObject; created: boolean }> {
    const s = this.strategyFor(info);
    const key = this.key(info, namespace, name);
    for (let attempt = 0; ; attempt++) {
      // A retry re-runs admission: what the last attempt held is let go first.
      releaseAll(releases);
      const kv = await this.kv.get(key);
      const current = kv ? this.decode(info, kv) : undefined;
      const desired = deepClone(await mutate(current ? deepClone(current) : undefined));
      if (!isObject(desired.metadata)) desired.metadata = {};
      const meta = desired.metadata!;
      if (meta.name !== undefined && meta.name !== name) {
        throw badRequest(`the name of the object (${String(meta.name)}) does not match the name on the URL (${name})`);
      }
      if (info.namespaced && meta.namespace && meta.namespace !== namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      if (!current) {
        if (!s.allowCreateOnUpdate || wc.subresource) throw notFound(gr(info), name);
        meta.name = name;
        if (meta.resourceVersion) throw notFound(gr(info), name);
        return { object: await this.create(info, namespace, desired, wc), created: true };
      }
      const wantRv = meta.resourceVersion;
      if (wantRv && wantRv !== current.metadata.resourceVersion) {
        throw conflict(gr(info), name, OPTIMISTIC_LOCK_MESSAGE);
      }
      const next = await this.prepareUpdate(info, s, desired, current, wc, releases);
      if (sameObject(next, current)) return { object: current, created: false };
      if (wc.dryRun) return { object: { ...next, metadata: { ...next.metadata, resourceVersion: current.metadata.resourceVersion } } as StoredObject, created: false };
      try {
        const finalizing =
          next.metadata?.deletionTimestamp && (next.metadata.finalizers ?? []).length === 0 && (s.canFinalize?.(next) ?? true);
        if (finalizing && !this.pendingGrace(next)) {
          // The last finalizer is gone from an object being deleted: it goes now.
          const r = await this.kv.write({ type: 'delete', key, expectedModRevision: Number(current.metadata.resourceVersion) });
          return { object: this.decode(info, { ...r.kv, value: this.encode(info, next) }), created: false };
        }
        const r = await this.kv.write({ type: 'update', key, value: this.encode(info, next), expectedModRevision: Number(current.metadata.resourceVersion) });
        return { object: this.asWritten(info, next, r.kv), created: false };
      } catch (e) {
        if (e instanceof RevisionMismatchError || e instanceof KeyNotFoundError) {
          // Retry from a fresh read: a client-pinned resourceVersion then fails the check above
          // (their conflict), while a mutate that copied the current object simply re-applies.
          if (attempt >= RETRIES_ON_CONFLICT) throw conflict(gr(info), name, OPTIMISTIC_LOCK_MESSAGE);
          continue;
        }
        throw e instanceof ApiError ? e : internalError(e);
      }
    }
  }

  /** Apply the generic update rules and the strategy's; validate. Returns the object to store. */
  private async prepareUpdate(
    info: ResourceInfo,
    s: Strategy,
    desired: KubeObject,
    current: StoredObject,
    wc: WriteContext,
    releases: AdmissionRelease[],
  ): Promise<KubeObject> {
    const ctx = this.ctxFor(info, wc);
    const obj = desired;
    obj.apiVersion = apiVersionOf(info);
    obj.kind = info.kind;
    const meta = obj.metadata!;
    const old = current.metadata;
    // Immutable system fields are copied from the stored object, whatever was sent.
    meta.name = old.name;
    if (info.namespaced) meta.namespace = old.namespace;
    meta.uid = old.uid;
    meta.creationTimestamp = old.creationTimestamp;
    if (old.deletionTimestamp) meta.deletionTimestamp = old.deletionTimestamp;
    else delete meta.deletionTimestamp;
    if (old.deletionGracePeriodSeconds !== undefined) meta.deletionGracePeriodSeconds = old.deletionGracePeriodSeconds;
    else delete meta.deletionGracePeriodSeconds;
    delete meta.selfLink;
    if (meta.generateName === undefined && old.generateName !== undefined) meta.generateName = old.generateName;
    const hasStatus = info.subresources.has('status');
    if (wc.subresource === 'status') {
      // Status writes change status only (and metadata the status writer owns: none here).
      const keepStatus = obj.status;
      const base = deepClone(current) as KubeObject;
      for (const k of Object.keys(base)) if (k !== 'metadata' && k !== 'status') obj[k] = base[k];
      for (const k of Object.keys(obj)) if (!(k in base) && k !== 'metadata' && k !== 'status') delete obj[k];
      obj.metadata = { ...base.metadata, managedFields: meta.managedFields ?? base.metadata?.managedFields };
      if (keepStatus === undefined) delete obj.status;
      else obj.status = keepStatus;
    } else if (hasStatus && !STATUS_WRITING_SUBRESOURCES.has(wc.subresource ?? '')) {
      // The main resource cannot change status when a status subresource exists.
      if (current.status === undefined) delete obj.status;
      else obj.status = deepClone(current.status);
    }
    if (old.deletionTimestamp) {
      const before = new Set(old.finalizers ?? []);
      const added = (obj.metadata!.finalizers ?? []).filter((f) => !before.has(f));
      if (added.length > 0) {
        throw invalid(info.kind, info.group, old.name, [
          { type: 'FieldValueForbidden', field: 'metadata.finalizers', detail: 'no new finalizers can be added if the object is being deleted, found new finalizers ' + JSON.stringify(added) },
        ]);
      }
    }
    s.prepareForUpdate?.(obj, current, ctx);
    s.defaults?.(obj, ctx);
    const admission: AdmissionRequest | undefined =
      this.admission.length > 0
        ? { operation: 'UPDATE', info, namespace: old.namespace, name: old.name, subresource: wc.subresource, user: wc.user, dryRun: !!wc.dryRun, object: obj, oldObject: current }
        : undefined;
    if (admission) await this.runAdmission('admit', admission, releases);
    s.canonicalize?.(obj, ctx);
    // After defaulting, so a sparse PUT that omits defaulted fields is not a spec change.
    if (tracksGeneration(s, obj)) {
      const oldGen = old.generation ?? 1;
      obj.metadata!.generation = specChanged(obj, current) ? oldGen + 1 : oldGen;
    } else {
      delete obj.metadata!.generation;
    }
    this.validateAll(info, s, obj, current, ctx);
    if (this.needsTrackerLoad(wc)) await this.loadTracker();
    this.trackFields(info, current, obj, wc);
    if (admission) await this.runAdmission('validate', admission, releases);
    return obj;
  }

  private pendingGrace(obj: KubeObject): boolean {
    const ts = obj.metadata?.deletionTimestamp;
    return !!ts && (obj.metadata?.deletionGracePeriodSeconds ?? 0) > 0 && Date.parse(ts) > Date.now();
  }

  /**
   * DELETE. Returns the object and whether it is gone now (false: finalizers or a
   * grace period keep it, with deletionTimestamp set).
   */
  async delete(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    opts: DeleteOptions,
    wc: WriteContext,
  ): Promise<{ object: StoredObject; deleted: boolean }> {
    const s = this.strategyFor(info);
    const key = this.key(info, namespace, name);
    for (let attempt = 0; ; attempt++) {
      const kv = await this.kv.get(key);
      if (!kv) throw notFound(gr(info), name);
      const current = this.decode(info, kv);
      const pre = opts.preconditions;
      if (pre?.uid && pre.uid !== current.metadata.uid) {
        throw conflict(gr(info), name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid}`);
      }
      if (pre?.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) {
        throw conflict(
          gr(info),
          name,
          `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`,
        );
      }
      const meta = current.metadata;
      const finalizers = [...(meta.finalizers ?? [])];
      const policy = opts.propagationPolicy ?? (opts.orphanDependents ? 'Orphan' : undefined);
      // Dependents are handled by the garbage collector through these finalizers.
      if (policy === 'Orphan' && this.gcEnabled && !finalizers.includes('orphan')) finalizers.push('orphan');
      if (policy === 'Foreground' && this.gcEnabled && !finalizers.includes('foregroundDeletion')) finalizers.push('foregroundDeletion');
      const grace = meta.deletionTimestamp ? 0 : (s.gracePeriodSeconds?.(current, opts.gracePeriodSeconds) ?? 0);
      const next = deepClone(current) as KubeObject;
      const deferred = s.deferDeletion?.(next) ?? false;
      // Hook (CRDs): finalizers deferDeletion adds (customresourcecleanup) are kept.
      for (const f of next.metadata?.finalizers ?? []) if (!finalizers.includes(f)) finalizers.push(f);
      const needsUpdate = finalizers.length > 0 || grace > 0 || deferred;
      try {
        if (needsUpdate) {
          const m = next.metadata!;
          if (!m.deletionTimestamp) {
            m.deletionTimestamp = rfc3339(new Date(Date.now() + grace * 1000));
            m.deletionGracePeriodSeconds = grace;
          } else if (grace > 0 && (m.deletionGracePeriodSeconds ?? 0) > grace) {
            // A shorter grace period may replace a longer one, never the reverse.
            m.deletionTimestamp = rfc3339(new Date(Date.now() + grace * 1000));
            m.deletionGracePeriodSeconds = grace;
          }
          m.finalizers = finalizers.length > 0 ? finalizers : undefined;
          if (!m.finalizers) delete m.finalizers;
          if (tracksGeneration(s, next) && !meta.deletionTimestamp) m.generation = (meta.generation ?? 1) + 1;
          if (wc.dryRun) return { object: next as StoredObject, deleted: false };
          if (sameObject(next, current)) return { object: current, deleted: false };
          const r = await this.kv.write({ type: 'update', key, value: this.encode(info, next), expectedModRevision: Number(meta.resourceVersion) });
          return { object: this.decode(info, r.kv), deleted: false };
        }
        if (wc.dryRun) return { object: current, deleted: true };
        const r = await this.kv.write({ type: 'delete', key, expectedModRevision: Number(meta.resourceVersion) });
        return { object: this.decode(info, r.kv), deleted: true };
      } catch (e) {
        if ((e instanceof RevisionMismatchError || e instanceof KeyNotFoundError) && attempt < RETRIES_ON_CONFLICT) continue;
        if (e instanceof KeyNotFoundError) throw notFound(gr(info), name);
        if (e instanceof RevisionMismatchError) throw conflict(gr(info), name, OPTIMISTIC_LOCK_MESSAGE);
        throw e instanceof ApiError ? e : internalError(e);
      }
    }
  }

  /** Set by the server when a garbage collector runs (orphan/foreground finalizers need one). */
  gcEnabled = false;

  async deleteCollection(
    info: ResourceInfo,
    namespace: string | undefined,
    listOpts: ListOptions,
    opts: DeleteOptions,
    wc: WriteContext,
  ): Promise<ObjectList> {
    const list = await this.list(info, namespace, { selection: listOpts.selection });
    const items: StoredObject[] = [];
    for (const o of list.items) {
      try {
        const r = await this.delete(info, o.metadata.namespace, o.metadata.name, { ...opts, preconditions: undefined }, wc);
        items.push(r.object);
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 404)) throw e;
      }
    }
    return { items, metadata: { resourceVersion: String(this.kv.currentRevision()) } };
  }

  // ---- watch ------------------------------------------------------------------------------------------------------

  /**
   * Watch one resource. `send` gets events in order; `initialEventsEnd` is called
   * once the synthetic ADDED events of the initial state have been sent (when
   * the watch started with them). Throws ApiError 410 when the revision is too old.
   */
  async watch(
    info: ResourceInfo,
    namespace: string | undefined,
    opts: WatchOptions,
    send: (type: WatchEventType, obj: StoredObject) => void,
    initialEventsEnd?: (revision: number) => void,
  ): Promise<ResourceWatch> {
    const prefix = this.prefix(info, namespace);
    const sel = opts.selection;
    const s = this.strategyFor(info);
    const rv = opts.resourceVersion;
    let startRev: number;
    let initial = false;
    if (opts.sendInitialEvents) initial = true;
    else if (rv === undefined || rv === '' || rv === '0') initial = true;
    if (initial) {
      const list = await this.list(info, namespace, { selection: sel, resourceVersion: undefined });
      startRev = Number(list.metadata.resourceVersion);
      for (const o of list.items) send('ADDED', o);
      initialEventsEnd?.(startRev);
    } else {
      startRev = parseResourceVersion(rv);
    }
    const want = (o: StoredObject | undefined): o is StoredObject => !!o && (!sel || matches(s, o, sel));
    // Events are shared by every watcher of a prefix, so decode each once per served version
    // for all of them (100 watchers must not parse the same JSON 100 times). Watchers never mutate.
    const versionKey = `${info.group}/${info.version}/${info.resource}`;
    const privateCache = new WeakMap<KeyValue, StoredObject>();
    const dec = (kvv: KeyValue): StoredObject => {
      if (!opts.sharedObjects) {
        // In-process watchers (controllers) may keep and change what they get: give them their own copies.
        let own = privateCache.get(kvv);
        if (!own) {
          own = this.decode(info, kvv);
          privateCache.set(kvv, own);
        }
        return own;
      }
      let perVersion = this.watchDecodeCache.get(kvv);
      if (!perVersion) {
        perVersion = new Map();
        this.watchDecodeCache.set(kvv, perVersion);
      }
      let o = perVersion.get(versionKey);
      if (!o) {
        o = this.decode(info, kvv);
        // Shared by every watcher (and every HTTP watch) it is served to.
        shareReadOnly(o);
        perVersion.set(versionKey, o);
      }
      return o;
    };
    const onEvents = (events: readonly WatchEvent[]) => {
      for (const ev of events) {
        if (sel?.exactName !== undefined && !ev.kv.key.endsWith('/' + sel.exactName)) continue;
        const cur = ev.type === 'PUT' ? dec(ev.kv) : undefined;
        // The previous state only matters when a selector decides membership.
        const prev = sel && ev.prevKv ? dec(ev.prevKv) : undefined;
        if (ev.type === 'DELETE') {
          const last = dec(ev.kv);
          if (want(last)) send('DELETED', last);
          continue;
        }
        const nowIn = want(cur);
        const wasIn = ev.prevKv !== undefined && (!sel || want(prev));
        if (nowIn && !wasIn) send(ev.prevKv ? (sel ? 'ADDED' : 'MODIFIED') : 'ADDED', cur!);
        else if (nowIn && wasIn) send('MODIFIED', cur!);
        else if (!nowIn && wasIn) {
          // Left the selection: watchers see it as deleted, at the new revision.
          send('DELETED', cur!);
        }
      }
    };
    let handle;
    try {
      handle = this.kv.watch(prefix, { afterRevision: startRev, onEvents });
    } catch (e) {
      if (e instanceof CompactedError) throw gone(`too old resource version: ${startRev} (${e.compacted + 1})`);
      if (e instanceof FutureRevisionError) {
        throw new ApiError(504, 'Timeout', `Too large resource version: ${e.requested}, current: ${e.current}`, {
          causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
          retryAfterSeconds: 1,
        });
      }
      throw e;
    }
    return { stop: () => handle.cancel() };
  }
}

// ---- helpers --------------------------------------------------------------------------------------------------------

export function parseResourceVersion(rv: string | undefined): number {
  if (rv === undefined || rv === '') return 0;
  if (!/^\d+$/.test(rv)) {
    throw badRequest(`invalid resource version: ${JSON.stringify(rv)}`);
  }
  return Number(rv);
}

/** Run and forget every release, last acquired first. */
function releaseAll(releases: AdmissionRelease[]): void {
  while (releases.length > 0) releases.pop()!();
}

function randomSuffix(): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += NAME_CHARS[randomInt(NAME_CHARS.length)];
  return s;
}

function matches(s: Strategy, o: StoredObject, sel: Selection): boolean {
  if (sel.exactName !== undefined && o.metadata.name !== sel.exactName) return false;
  if (sel.labels && !sel.labels(o.metadata.labels)) return false;
  if (sel.fields) {
    const fields: Record<string, string> = { 'metadata.name': o.metadata.name, 'metadata.namespace': o.metadata.namespace ?? '' };
    Object.assign(fields, s.selectableFields?.(o));
    if (!sel.fields(fields)) return false;
  }
  return true;
}

function tracksGeneration(s: Strategy, obj: KubeObject): boolean {
  return s.tracksGeneration ?? obj.spec !== undefined;
}

function specChanged(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject) => {
    const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = o;
    return rest;
  };
  return JSON.stringify(canonical(strip(a))) !== JSON.stringify(canonical(strip(b)));
}

function sameObject(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject) => ({ ...o, metadata: { ...o.metadata, resourceVersion: undefined, managedFields: undefined } });
  return JSON.stringify(canonical(strip(a))) === JSON.stringify(canonical(strip(b)));
}

/** Key-sorted copy, so equality does not depend on property order. */
export function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (isObject(v)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) if (v[k] !== undefined) out[k] = canonical(v[k]);
    return out;
  }
  return v;
}

function dedupe(errs: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errs.filter((e) => {
    const k = `${e.type}|${e.field}|${e.detail ?? ''}|${JSON.stringify(e.value)}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

interface ContinueToken {
  v: string;
  rv: number;
  start: string;
}

export function encodeContinue(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start })).toString('base64url');
}

export function decodeContinue(token: string): ContinueToken {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as ContinueToken;
    if (t.v !== 'meta.k8s.io/v1' || typeof t.rv !== 'number' || typeof t.start !== 'string' || t.start.includes('..')) throw new Error('bad');
    return t;
  } catch {
    throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
}

export { groupOfApiVersion };
