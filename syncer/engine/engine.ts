// The engine: informers on both sides feed keys into the fair queue; workers
// plan each key against the caches (reconciler.ts, vnodes.ts, kinds/events.ts)
// and apply the plan; the patroller periodically plans every object against
// live lists, queues what drifted, and rebuilds caches found stale.
// All state lives in the two clusters: a restarted syncer re-lists and
// converges; nothing here needs to survive a restart.

import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import { isKubeError, type KubeClient } from '../client.js';
import { LABEL_TENANT, ownedBy, superNamespace, tenantOrigin, type TenantIdentity } from '../mapping.js';
import { CORE, asObj, str, type KubeObject, type ResourceRef } from '../types.js';
import { KIND_BY_PLURAL, SYNCED_KINDS } from '../kinds/index.js';
import { DERIVED_REFS } from '../kinds/namespace-policy.js';
import type { PolicySource } from '../../policy/types.js';
import { TenantPolicies } from './policies.js';
import { planEvent } from '../kinds/events.js';
import { NODE, planVNode, isVirtualNode, vnodeFingerprint } from '../vnodes.js';
import { FairQueue, PRIORITY, type Priority, type QueueItem } from './queue.js';
import { Informer, decodedObjects, type DecodedObjects } from './informer.js';
import { keyString, parseKey, type Action, type Confirm, type Key, type Plan, type SyncContext, type View } from './kind.js';
import { planSync, superCoordinates } from './reconciler.js';
import { CacheView, INDEX_TENANT, INDEX_TENANT_NODE, SnapshotView, tenantIndex, tenantNodeIndex } from './views.js';
import type { SyncerMetrics } from './metrics.js';

const EVENTS = CORE('events', 'Event');
const DERIVED_PLURALS = new Set(DERIVED_REFS.map((r) => r.plural));
const NAMESPACES = CORE('namespaces', 'Namespace', false);
/** How deep dependencies of dependencies are followed before giving up (pod → namespace is 1). */
const MAX_NEED_DEPTH = 2;
/** Up to this many super namespaces, a patrol lists namespaced kinds per namespace instead of cluster-wide. */
const PATROL_PER_NAMESPACE_MAX = 8;

const yieldToIo = (): Promise<void> => new Promise((r) => setImmediate(r));

/** A plan step that must wait: the key is retried with backoff, quietly. */
export class RetryLater extends Error {}

export interface TenantConnection {
  name: string;
  client: KubeClient;
  weight?: number;
}

export interface EngineOptions {
  superClient: KubeClient;
  runtimeClass: string;
  /** Tenant policies (default: the built-in defaults with runtimeClass). */
  policy?: PolicySource;
  workers: number;
  patrolIntervalMs: number;
  log: Logger;
  metrics: SyncerMetrics;
}

export interface PatrolReport {
  tenant: string;
  drift: number;
  relisted: string[];
}

interface TenantRuntime {
  name: string;
  identity: TenantIdentity;
  client: KubeClient;
  informers: Map<string, Informer>;
  ready: boolean;
  bindingUnsupported: boolean;
  namespaces: LRUCache<string, string>;
  log: Logger;
  /** A weight given on the command line; it wins over the policy's. */
  weight?: number;
}

/** The kinds a tenant informer watches: the synced kinds plus nodes (virtual nodes live there). */
const TENANT_REFS: ResourceRef[] = [...SYNCED_KINDS.map((k) => k.ref), NODE];

export class SyncEngine {
  readonly queue: FairQueue;
  private readonly tenants = new Map<string, TenantRuntime>();
  private readonly superInformers = new Map<string, Informer>();
  private readonly log: Logger;
  private stopped = false;
  private workers: Promise<void>[] = [];
  private patrolTimer: NodeJS.Timeout | undefined;
  private patrolling: Promise<void> | undefined;
  /** Super events already copied (uid → resourceVersion); bounded, a miss only costs a redundant write. */
  private readonly copiedEvents = new LRUCache<string, string>({ max: 20_000 });
  /** Super node name → what its virtual nodes show (vnodeFingerprint), to skip heartbeat-only updates. */
  private readonly nodeFingerprints = new Map<string, string>();
  /** Decoded cached objects, shared by every informer of this engine (informer.ts). */
  private readonly decoded: DecodedObjects = decodedObjects();
  /** Conflicts already reported, so a stuck object does not flood the log. */
  private readonly reported = new LRUCache<string, true>({ max: 5_000, ttl: 10 * 60_000 });
  readonly policies: TenantPolicies;
  private readonly unsubscribePolicy: () => void;
  /** Resolved once the super informers have listed (start()); tenants may connect meanwhile. */
  private readonly superSynced: Promise<void>;
  private markSuperSynced!: () => void;

  constructor(private readonly opts: EngineOptions) {
    this.log = opts.log;
    // Some workers are always left for new tenant objects, a quarter for statuses even during a
    // burst of creates (they go to other servers than the creates; strict priority left every
    // status waiting until the burst was over), and event copies use a quarter at most.
    const reserve = Math.max(1, Math.floor(opts.workers / 8));
    const quarter = Math.max(1, Math.floor(opts.workers / 4));
    this.queue = new FairQueue({
      onDepth: (tenant, depth) => opts.metrics.queueDepth.set({ tenant }, depth),
      laneLimits: [Math.max(1, opts.workers - quarter), Math.max(1, opts.workers - reserve), quarter],
    });
    this.superSynced = new Promise((r) => (this.markSuperSynced = r));
    this.policies = new TenantPolicies(opts.policy, opts.runtimeClass);
    this.unsubscribePolicy = this.policies.onChange(() => this.policyReloaded());
  }

  /** A reload: new weights, and every namespace's policy objects looked at again (pods are checked as they come). */
  private policyReloaded(): void {
    for (const rt of this.tenants.values()) {
      this.queue.setWeight(rt.name, rt.weight ?? this.policies.forTenant(rt.name).weight);
      if (!rt.ready) continue;
      for (const ns of rt.informers.get('namespaces')!.list()) this.enqueue(rt.name, { kind: 'namespaces', namespace: '', name: ns.metadata?.name ?? '' });
    }
  }

  // ---- lifecycle ------------------------------------------------------------------------------------------------

  /**
   * Start the super side (informers) and then the workers; tenants are added with addTenant, which
   * may run at the same time (their informers list while the super's do; workers wait for both).
   */
  async start(): Promise<void> {
    const superClient = this.opts.superClient;
    const refs: [ResourceRef, string | undefined][] = [...[...SYNCED_KINDS.map((k) => k.ref), ...DERIVED_REFS].map((r) => [r, LABEL_TENANT] as [ResourceRef, string]), [NODE, undefined], [EVENTS, undefined]];
    for (const [ref, selector] of refs) {
      const inf = new Informer(superClient, ref, { labelSelector: selector, log: this.log, fromNow: ref.plural === 'events', decoded: this.decoded });
      if (selector) inf.addIndex(INDEX_TENANT, tenantIndex);
      if (ref.plural === 'pods') inf.addIndex(INDEX_TENANT_NODE, tenantNodeIndex);
      inf.on((type, obj) => this.onSuperEvent(ref.plural, type, obj));
      this.superInformers.set(ref.plural, inf);
    }
    const started = performance.now();
    await Promise.all([...this.superInformers.values()].map((i) => i.start()));
    this.log.info({ ms: Math.round(performance.now() - started), pods: this.superInformers.get('pods')?.size }, 'super side listed');
    this.markSuperSynced();
    if (this.stopped) return;
    for (let i = 0; i < this.opts.workers; i++) this.workers.push(this.worker());
    this.schedulePatrol();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribePolicy();
    clearTimeout(this.patrolTimer);
    this.queue.shutdown();
    await Promise.allSettled(this.workers);
    await this.patrolling?.catch(() => undefined);
    const infs = [...this.superInformers.values(), ...[...this.tenants.values()].flatMap((t) => [...t.informers.values()])];
    await Promise.allSettled(infs.map((i) => i.stop()));
  }

  /** Connect a tenant: read its identity, start its informers, queue everything it owns. Retries until it succeeds or the engine stops. */
  async addTenant(conn: TenantConnection): Promise<void> {
    const log = this.log.child({ tenant: conn.name });
    const started = performance.now();
    let delay = 500;
    let uid = '';
    while (!this.stopped) {
      try {
        const ks = await conn.client.get(NAMESPACES, '', 'kube-system');
        uid = ks?.metadata?.uid ?? '';
        if (uid) break;
        log.warn('tenant has no kube-system namespace yet; waiting');
      } catch (e) {
        log.warn({ err: String((e as Error).message ?? e), retryInMs: delay }, 'tenant API server not reachable; retrying');
      }
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 30_000);
    }
    if (this.stopped) return;
    const rt: TenantRuntime = {
      name: conn.name,
      identity: { name: conn.name, uid },
      client: conn.client,
      informers: new Map(),
      ready: false,
      bindingUnsupported: false,
      // Small: lru-cache allocates its full size up front, and a miss only costs one hash.
      namespaces: new LRUCache({ max: 256 }),
      log,
      weight: conn.weight || undefined,
    };
    this.tenants.set(conn.name, rt);
    this.queue.setWeight(conn.name, rt.weight ?? this.policies.forTenant(conn.name).weight);
    for (const ref of TENANT_REFS) {
      const inf = new Informer(conn.client, ref, { log, decoded: this.decoded });
      inf.on((type, obj, listed) => this.onTenantEvent(rt, ref.plural, type, obj, listed));
      rt.informers.set(ref.plural, inf);
    }
    await Promise.all([...rt.informers.values()].map((i) => i.start()));
    const listedMs = Math.round(performance.now() - started);
    rt.ready = true;
    // The super side's caches must be complete before what they hold of this tenant is queued.
    await this.superSynced;
    if (this.stopped) return;
    this.opts.metrics.tenantsReady.inc();
    // Tenant keys were queued by the informers' initial lists, behind new objects; but what has no
    // super copy yet was created while the syncer was away, and its tenant is waiting on it: first.
    const ctx = this.context(rt, this.cacheView(rt));
    for (const [plural, inf] of rt.informers) {
      const kind = KIND_BY_PLURAL.get(plural);
      const sup = this.superInformers.get(plural);
      if (!kind || !sup) continue;
      for (const [ns, name] of inf.keys()) {
        const c = superCoordinates(kind, ctx, ns, name);
        if (!sup.has(c.namespace, c.name)) this.enqueue(rt.name, { kind: plural, namespace: ns, name }, PRIORITY.urgent);
      }
    }
    // The super side's may be orphans: queue them too. By key, without decoding each object (at
    // 10,000 pods that was a sizeable share of a restart): a super object's namespace tells which
    // tenant namespace it copies, and its name is the tenant object's. (Ownership is checked when
    // the key is planned, as always.)
    const superNamespaces = this.superInformers.get('namespaces')!;
    for (const inf of this.superInformers.values()) {
      const plural = inf.ref.plural;
      for (const [superNs, name] of inf.keysByIndex(INDEX_TENANT, rt.name)) {
        const nsObj = superNamespaces.get('', plural === 'namespaces' ? name : superNs);
        const origin = nsObj && tenantOrigin(nsObj);
        if (!origin || origin.tenant !== rt.name) continue;
        if (plural === 'namespaces' || DERIVED_PLURALS.has(plural)) this.enqueue(rt.name, { kind: 'namespaces', namespace: '', name: origin.namespace });
        else this.enqueue(rt.name, { kind: plural, namespace: origin.namespace, name });
      }
    }
    // Virtual nodes: those the tenant has, and the nodes running its pods that have none yet.
    const tenantNodes = rt.informers.get('nodes')!;
    for (const node of tenantNodes.list()) if (isVirtualNode(node)) this.enqueue(rt.name, { kind: 'vnodes', namespace: '', name: node.metadata?.name ?? '' });
    const prefix = `${rt.name}/`;
    for (const v of this.superInformers.get('pods')!.indexValues(INDEX_TENANT_NODE, prefix)) {
      const node = v.slice(prefix.length);
      if (!isVirtualNode(tenantNodes.get('', node))) this.enqueue(rt.name, { kind: 'vnodes', namespace: '', name: node });
    }
    log.info({ tenantUID: uid, listedMs, ms: Math.round(performance.now() - started) }, 'tenant connected and synced');
  }

  tenantIdentity(name: string): TenantIdentity | undefined {
    return this.tenants.get(name)?.identity;
  }

  // ---- routing --------------------------------------------------------------------------------------------------

  enqueue(tenant: string, key: Key, priority: Priority = PRIORITY.normal): void {
    this.queue.add(tenant, keyString(key), priority);
  }

  private onTenantEvent(rt: TenantRuntime, plural: string, type: string, obj: KubeObject, listed = false): void {
    const ns = obj.metadata?.namespace ?? '';
    const name = obj.metadata?.name ?? '';
    if (plural === 'nodes') {
      if (isVirtualNode(obj)) this.enqueue(rt.name, { kind: 'vnodes', namespace: '', name });
      return;
    }
    // A new tenant object goes ahead of status copies: create-to-super latency is what a tenant waits on.
    // Updates (mostly the echo of our own status writes) keep the normal lane, and so does what a
    // list found: after a restart every object is an "add" to check, and a pod created meanwhile
    // must not wait behind all of them.
    this.enqueue(rt.name, { kind: plural, namespace: ns, name }, type === 'add' && !listed ? PRIORITY.urgent : PRIORITY.normal);
    // Whether a service has a selector decides whether its endpoints are the tenant's to sync.
    if (plural === 'services') this.enqueue(rt.name, { kind: 'endpoints', namespace: ns, name });
  }

  private onSuperEvent(plural: string, type: string, obj: KubeObject): void {
    if (plural === 'nodes') {
      const name = obj.metadata?.name ?? '';
      if (type === 'delete') this.nodeFingerprints.delete(name);
      else {
        const fp = vnodeFingerprint(obj);
        if (type === 'update' && this.nodeFingerprints.get(name) === fp) return;
        this.nodeFingerprints.set(name, fp);
      }
      for (const rt of this.tenants.values()) {
        if (!rt.ready) continue;
        const hasPods = this.superInformers.get('pods')!.countByIndex(INDEX_TENANT_NODE, `${rt.name}/${name}`) > 0;
        if (hasPods || isVirtualNode(rt.informers.get('nodes')!.get('', name))) this.enqueue(rt.name, { kind: 'vnodes', namespace: '', name });
      }
      return;
    }
    if (plural === 'events') {
      if (type === 'delete') return;
      const origin = tenantOrigin(this.superInformers.get('namespaces')!.get('', obj.metadata?.namespace ?? '') ?? {});
      const rt = origin && this.tenants.get(origin.tenant);
      // Copies of events inform; they never hold up objects or statuses.
      if (origin && rt?.ready) this.enqueue(rt.name, { kind: 'events', namespace: origin.namespace, name: obj.metadata?.name ?? '' }, PRIORITY.low);
      return;
    }
    const origin = tenantOrigin(obj);
    const rt = origin && this.tenants.get(origin.tenant);
    if (!origin || !rt?.ready || !ownedBy(obj, rt.identity)) return;
    // A namespace's policy objects are reconciled with the namespace.
    if (plural === 'namespaces' || DERIVED_PLURALS.has(plural)) this.enqueue(rt.name, { kind: 'namespaces', namespace: '', name: origin.namespace });
    else this.enqueue(rt.name, { kind: plural, namespace: origin.namespace, name: obj.metadata?.name ?? '' });
    if (plural === 'pods') {
      // A pod's node matters to the virtual node when it may be the first pod there (the node is
      // missing) or the last (deleted). Every status change of every pod planning its node again
      // was a sizeable share of the syncer's CPU at 10,000 pods; node changes come as node events.
      const node = str(asObj(obj.spec)?.nodeName);
      if (node && (type === 'delete' || !isVirtualNode(rt.informers.get('nodes')!.get('', node)))) this.enqueue(rt.name, { kind: 'vnodes', namespace: '', name: node });
    }
  }

  // ---- planning -------------------------------------------------------------------------------------------------

  private context(rt: TenantRuntime, view: View): SyncContext {
    const policy = this.policies.forTenant(rt.name);
    return {
      tenant: rt.identity,
      now: () => Date.now(),
      runtimeClass: policy.runtimeClasses.default,
      policy,
      view,
      superNamespace: (ns) => {
        let v = rt.namespaces.get(ns);
        if (v === undefined) rt.namespaces.set(ns, (v = superNamespace(rt.identity, ns)));
        return v;
      },
    };
  }

  private cacheView(rt: TenantRuntime): View {
    return new CacheView(rt.name, rt.informers, this.superInformers);
  }

  /** The plan for one key (exposed for tests and the patroller). */
  plan(tenant: string, key: Key, view?: View): Plan {
    const rt = this.tenants.get(tenant);
    if (!rt) return { needs: [], actions: [] };
    const ctx = this.context(rt, view ?? this.cacheView(rt));
    if (key.kind === 'vnodes') return planVNode(ctx, key.name);
    if (key.kind === 'events') return planEvent(ctx, key.namespace, key.name);
    const kind = KIND_BY_PLURAL.get(key.kind);
    if (!kind) return { needs: [], actions: [] };
    const plan = planSync(kind, ctx, key.namespace, key.name);
    // A tenant API server without pods/binding cannot show nodes on its pods: nothing to do about it.
    if (rt.bindingUnsupported) plan.actions = plan.actions.filter((a) => a.op !== 'bind-tenant');
    return plan;
  }

  // ---- workers --------------------------------------------------------------------------------------------------

  private async worker(): Promise<void> {
    for (;;) {
      const item = await this.queue.get();
      if (!item) return;
      await this.process(item);
      this.queue.done(item);
      // A reconcile with nothing to write never leaves the microtask queue: after a restart,
      // workers re-checking 20,000 cached objects kept every socket unread (lists, /readyz, new
      // tenant objects) until all were done. Give I/O its turn between items.
      await yieldToIo();
    }
  }

  /** Reconciles started so far (a cheap sign of activity). */
  reconcilesStarted = 0;

  private async process(item: QueueItem): Promise<void> {
    const rt = this.tenants.get(item.tenant);
    if (!rt) return;
    this.reconcilesStarted++;
    const key = parseKey(item.key);
    const started = process.hrtime.bigint();
    let result = 'success';
    try {
      const again = await this.sync(rt, key, 0);
      this.queue.forget(item.tenant, item.key);
      if (again !== undefined) {
        result = 'requeue';
        this.queue.addAfter(item.tenant, item.key, again, key.kind === 'events' ? PRIORITY.low : PRIORITY.normal);
      }
    } catch (e) {
      result = e instanceof RetryLater || isQuietRetry(e) ? 'retry' : isKubeError(e, 409) ? 'conflict' : 'error';
      const delay = this.queue.addRateLimited(item.tenant, item.key, key.kind === 'events' ? PRIORITY.low : PRIORITY.normal);
      const fields = { kind: key.kind, namespace: key.namespace, name: key.name, retryInMs: delay, err: String((e as Error)?.message ?? e) };
      if (result === 'error') rt.log.warn(fields, 'reconcile failed');
      else rt.log.debug(fields, 'reconcile will retry');
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.opts.metrics.reconciles.inc({ kind: key.kind, result });
      this.opts.metrics.reconcileSeconds.observe({ kind: key.kind, result }, seconds);
    }
  }

  /** Reconcile one key now (its needs first). Throws when it must be retried; returns a delay when the plan asks to be looked at again. */
  async sync(rt: TenantRuntime, key: Key, depth: number): Promise<number | undefined> {
    const plan = this.plan(rt.name, key);
    if (plan.actions.length > 0) {
      if (depth < MAX_NEED_DEPTH) for (const need of plan.needs) await this.sync(rt, need, depth + 1);
      const versions = new Map<string, string>();
      for (const a of plan.actions) await this.apply(rt, key, a, versions);
    }
    return plan.requeueAfterMs;
  }

  /** Reconcile a key right away, outside the queue (tests, tools). */
  async syncNow(tenant: string, key: Key): Promise<void> {
    const rt = this.tenants.get(tenant);
    if (rt) await this.sync(rt, key, 0);
  }


  // ---- applying -------------------------------------------------------------------------------------------------

  private async confirmAbsent(rt: TenantRuntime, c: Confirm): Promise<void> {
    const client = c.side === 'tenant' ? rt.client : this.opts.superClient;
    const live = await client.get(c.ref, c.namespace, c.name);
    if (live) throw new RetryLater(`${c.side} ${c.ref.kind} ${c.namespace}/${c.name} still exists`);
  }

  private wrote(side: 'tenant' | 'super', op: string, ref: ResourceRef): void {
    this.opts.metrics.writes.inc({ side, op, kind: ref.plural });
  }

  private async apply(rt: TenantRuntime, key: Key, a: Action, versions: Map<string, string>): Promise<void> {
    const superClient = this.opts.superClient;
    const log = rt.log;
    const where = { kind: key.kind, namespace: key.namespace, name: key.name };
    switch (a.op) {
      case 'create-super': {
        try {
          await superClient.create(a.ref, a.object.metadata?.namespace ?? '', a.object);
          this.wrote('super', 'create', a.ref);
          log.info({ ...where, superNamespace: a.object.metadata?.namespace, superName: a.object.metadata?.name }, 'created in super cluster');
        } catch (e) {
          if (!isKubeError(e, 409)) throw e;
          const live = await superClient.get(a.ref, a.object.metadata?.namespace ?? '', a.object.metadata?.name ?? '');
          if (live && !ownedBy(live, rt.identity)) {
            this.report(rt, `${a.ref.kind} ${a.object.metadata?.namespace ?? ''}/${a.object.metadata?.name} exists in the super cluster and is not this tenant's`, where);
            return;
          }
          // Ours already (a cache behind our own write): the next event converges it.
        }
        return;
      }
      case 'update-super': {
        const ns = a.object.metadata?.namespace ?? '';
        try {
          await superClient.update(a.ref, ns, a.object);
          this.wrote('super', 'update', a.ref);
          log.info(where, 'updated in super cluster');
        } catch (e) {
          if (!(a.recreateOnInvalid && isKubeError(e, 422))) throw e;
          log.info({ ...where, err: (e as Error).message }, 'super cluster refused the update; re-creating');
          await superClient.delete(a.ref, ns, a.object.metadata?.name ?? '', { uid: a.object.metadata?.uid });
          this.wrote('super', 'delete', a.ref);
        }
        return;
      }
      case 'delete-super': {
        if (a.confirmAbsent) await this.confirmAbsent(rt, a.confirmAbsent);
        try {
          const existed = await superClient.delete(a.ref, a.namespace, a.name, { uid: a.uid, gracePeriodSeconds: a.gracePeriodSeconds });
          if (existed) {
            this.wrote('super', 'delete', a.ref);
            log.info({ ...where, superNamespace: a.namespace, superName: a.name, why: a.why, gracePeriodSeconds: a.gracePeriodSeconds }, 'deleted in super cluster');
          }
        } catch (e) {
          // A failed UID precondition: that object is gone and another took its name; the next pass looks again.
          if (!isKubeError(e, 409)) throw e;
        }
        return;
      }
      case 'create-tenant': {
        try {
          await rt.client.create(a.ref, a.object.metadata?.namespace ?? '', a.object);
          this.wrote('tenant', 'create', a.ref);
          log.info({ ...where, tenantKind: a.ref.kind, tenantName: a.object.metadata?.name }, 'created in tenant');
        } catch (e) {
          if (!isKubeError(e, 409)) throw e;
        }
        return;
      }
      case 'update-tenant': {
        if (a.confirmAbsent) await this.confirmAbsent(rt, a.confirmAbsent);
        const obj = a.object;
        const id = `${a.ref.plural}/${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
        const rv = versions.get(id);
        const body = rv ? { ...obj, metadata: { ...obj.metadata, resourceVersion: rv } } : obj;
        const out = await rt.client.update(a.ref, obj.metadata?.namespace ?? '', body, a.subresource);
        if (out.metadata?.resourceVersion) versions.set(id, out.metadata.resourceVersion);
        this.wrote('tenant', a.subresource ? `update-${a.subresource}` : 'update', a.ref);
        log.info({ ...where, tenantKind: a.ref.kind, subresource: a.subresource, why: a.why }, 'updated in tenant');
        return;
      }
      case 'delete-tenant': {
        if (a.confirmAbsent) await this.confirmAbsent(rt, a.confirmAbsent);
        try {
          const existed = await rt.client.delete(a.ref, a.namespace, a.name, { uid: a.uid, gracePeriodSeconds: a.gracePeriodSeconds });
          if (existed) {
            this.wrote('tenant', 'delete', a.ref);
            log.info({ ...where, tenantKind: a.ref.kind, why: a.why }, 'deleted in tenant');
          }
        } catch (e) {
          if (!isKubeError(e, 409)) throw e;
        }
        return;
      }
      case 'bind-tenant': {
        if (rt.bindingUnsupported) return;
        const binding = { apiVersion: 'v1', kind: 'Binding', metadata: { name: a.name, namespace: a.namespace, uid: a.uid }, target: { apiVersion: 'v1', kind: 'Node', name: a.node } };
        try {
          await rt.client.post(CORE('pods', 'Pod'), a.namespace, a.name, 'binding', binding);
          this.wrote('tenant', 'bind', CORE('pods', 'Pod'));
          log.info({ ...where, node: a.node }, 'bound tenant pod');
        } catch (e) {
          if (isKubeError(e, 405) || isKubeError(e, 404)) {
            // The tenant API server has no pods/binding: pods keep an empty nodeName there.
            if (isKubeError(e, 405)) {
              rt.bindingUnsupported = true;
              log.warn({ err: (e as Error).message }, 'tenant API server does not serve pods/binding; tenant pods will not show their node');
            }
            return;
          }
          if (!isKubeError(e, 409)) throw e;
        }
        return;
      }
      case 'tenant-event': {
        const ev = a.event;
        const ns = ev.metadata?.namespace ?? '';
        const dedupe = a.source ? `${rt.name}/${a.source.uid}` : '';
        if (a.source && this.copiedEvents.get(dedupe) === a.source.resourceVersion) return;
        try {
          await rt.client.create(EVENTS, ns, ev);
          this.wrote('tenant', 'create', EVENTS);
        } catch (e) {
          if (!isKubeError(e, 409)) throw e;
          if (a.source) {
            // The copy exists: refresh it (count, last timestamp, message).
            const cur = await rt.client.get(EVENTS, ns, ev.metadata?.name ?? '');
            if (cur) {
              await rt.client.update(EVENTS, ns, { ...cur, ...ev, metadata: { ...cur.metadata, ...ev.metadata, resourceVersion: cur.metadata?.resourceVersion } });
              this.wrote('tenant', 'update', EVENTS);
            }
          }
        }
        if (a.source) {
          this.copiedEvents.set(dedupe, a.source.resourceVersion);
          this.superInformers.get('events')?.dropContent(a.source.namespace, a.source.name, a.source.resourceVersion);
        }
        return;
      }
      case 'conflict':
        this.report(rt, a.message, where);
        return;
    }
  }

  private report(rt: TenantRuntime, message: string, where: object): void {
    const k = `${rt.name}/${message}`;
    if (this.reported.get(k)) return;
    this.reported.set(k, true);
    rt.log.warn(where, message);
  }

  // ---- patrol ---------------------------------------------------------------------------------------------------

  private schedulePatrol(): void {
    if (this.stopped || this.opts.patrolIntervalMs <= 0) return;
    this.patrolTimer = setTimeout(() => {
      this.patrolling = this.patrolAll().finally(() => this.schedulePatrol());
    }, this.opts.patrolIntervalMs);
    this.patrolTimer.unref?.();
  }

  private async patrolAll(): Promise<void> {
    for (const rt of [...this.tenants.values()]) {
      if (this.stopped) return;
      if (!rt.ready) continue;
      try {
        await this.patrol(rt.name);
      } catch (e) {
        rt.log.warn({ err: String((e as Error)?.message ?? e) }, 'patrol failed');
      }
    }
  }

  /**
   * One patrol of a tenant: list every synced kind live on both sides, plan
   * every object against that snapshot, queue what is out of sync (orphans,
   * missing copies, drifted specs, status not yet reflected), and check the
   * informer caches against the same lists.
   */
  async patrol(tenant: string, opts: { settleMs?: number } = {}): Promise<PatrolReport> {
    const rt = this.tenants.get(tenant);
    if (!rt) throw new Error(`unknown tenant ${tenant}`);
    const started = process.hrtime.bigint();
    const superClient = this.opts.superClient;
    const tenantLists: Record<string, KubeObject[]> = {};
    const superLists: Record<string, KubeObject[]> = {};
    const selector = `${LABEL_TENANT}=${rt.name}`;
    // The tenant's super namespaces first: with few of them, namespaced kinds are listed in each, which reads only
    // this tenant's rows. A cluster-wide label-selected list makes the super cluster read every tenant's objects
    // (10,000 pods to find 100), once per kind per tenant per patrol.
    const superNamespaces = (await superClient.list(NAMESPACES, { labelSelector: selector })).items.map((n) => n.metadata?.name ?? '');
    const perNamespace = superNamespaces.length <= PATROL_PER_NAMESPACE_MAX;
    const listSuper = async (ref: ResourceRef): Promise<KubeObject[]> => {
      if (!ref.namespaced || !perNamespace) return (await superClient.list(ref, { labelSelector: selector })).items;
      const parts = await Promise.all(superNamespaces.map((namespace) => superClient.list(ref, { namespace, labelSelector: selector })));
      return parts.flatMap((p) => p.items);
    };
    await Promise.all(
      SYNCED_KINDS.map(async (k) => {
        const [t, s] = await Promise.all([rt.client.list(k.ref), listSuper(k.ref)]);
        tenantLists[k.ref.plural] = t.items;
        superLists[k.ref.plural] = s;
      }),
    );
    await Promise.all(DERIVED_REFS.map(async (r) => (superLists[r.plural] = await listSuper(r))));
    const [tenantNodes, superNodes] = await Promise.all([rt.client.list(NODE), superClient.list(NODE)]);
    tenantLists.nodes = tenantNodes.items;
    superLists.nodes = superNodes.items;
    const view = new SnapshotView(rt.name, tenantLists, superLists);

    const keys = new Map<string, Key>();
    const add = (k: Key) => keys.set(keyString(k), k);
    for (const k of SYNCED_KINDS) {
      const plural = k.ref.plural;
      for (const o of tenantLists[plural]!) add({ kind: plural, namespace: k.ref.namespaced ? (o.metadata?.namespace ?? '') : '', name: o.metadata?.name ?? '' });
      for (const o of view.superList(plural)) {
        const origin = tenantOrigin(o);
        if (!origin || !ownedBy(o, rt.identity)) continue;
        add(plural === 'namespaces' ? { kind: plural, namespace: '', name: origin.namespace } : { kind: plural, namespace: origin.namespace, name: o.metadata?.name ?? '' });
      }
    }
    for (const n of tenantNodes.items) if (isVirtualNode(n)) add({ kind: 'vnodes', namespace: '', name: n.metadata?.name ?? '' });
    for (const p of view.superList('pods')) {
      const node = str(asObj(p.spec)?.nodeName);
      if (node) add({ kind: 'vnodes', namespace: '', name: node });
    }
    let drift = 0;
    for (const [s, k] of keys) {
      const plan = this.plan(rt.name, k, view);
      if (!plan.actions.some((a) => a.op !== 'conflict')) continue;
      drift++;
      this.opts.metrics.patrolDrift.inc({ tenant: rt.name, kind: k.kind });
      rt.log.debug({ key: s, actions: plan.actions.map((a) => a.op) }, 'patrol found drift');
      this.queue.add(rt.name, s);
    }
    const { relisted, waitedS } = await this.checkCaches(rt, tenantLists, superLists, opts.settleMs ?? 1500);
    // The scan's own time: the deliberate pause before suspect cache entries are looked at again is idle.
    const seconds = Number(process.hrtime.bigint() - started) / 1e9 - waitedS;
    this.opts.metrics.patrolSeconds.observe({ tenant: rt.name }, seconds);
    if (drift > 0 || relisted.length > 0) rt.log.info({ drift, relisted, seconds }, 'patrol queued drifted objects');
    return { tenant: rt.name, drift, relisted };
  }

  /**
   * Compare informer caches with the live lists. A difference may just be an
   * event in flight, so differences are looked at again after `settleMs`; one
   * that remains, where the server still says what the list said, means the
   * cache missed an event: that informer is rebuilt from a fresh list.
   */
  private async checkCaches(rt: TenantRuntime, tenantLists: Record<string, KubeObject[]>, superLists: Record<string, KubeObject[]>, settleMs: number): Promise<{ relisted: string[]; waitedS: number }> {
    interface Suspect {
      informer: Informer;
      client: KubeClient;
      ns: string;
      name: string;
      listedRv: string | undefined;
      filter: (o: KubeObject | undefined) => KubeObject | undefined;
    }
    const mine = (o: KubeObject | undefined) => (o?.metadata?.labels?.[LABEL_TENANT] === rt.name ? o : undefined);
    const all = (o: KubeObject | undefined) => o;
    const suspects: Suspect[] = [];
    const compare = (informer: Informer, client: KubeClient, listed: KubeObject[], cached: KubeObject[], filter: Suspect['filter']) => {
      const live = new Map(listed.map((o) => [`${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`, o.metadata?.resourceVersion]));
      const seen = new Set<string>();
      for (const o of cached) {
        const k = `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
        seen.add(k);
        if (live.get(k) !== o.metadata?.resourceVersion) suspects.push({ informer, client, ns: o.metadata?.namespace ?? '', name: o.metadata?.name ?? '', listedRv: live.get(k), filter });
      }
      for (const [k, rv] of live) {
        if (seen.has(k)) continue;
        const i = k.indexOf('/');
        suspects.push({ informer, client, ns: k.slice(0, i), name: k.slice(i + 1), listedRv: rv, filter });
      }
    };
    for (const k of SYNCED_KINDS) {
      const p = k.ref.plural;
      compare(rt.informers.get(p)!, rt.client, tenantLists[p]!, rt.informers.get(p)!.list(), all);
      compare(this.superInformers.get(p)!, this.opts.superClient, superLists[p]!.filter((o) => mine(o)), this.superInformers.get(p)!.byIndex(INDEX_TENANT, rt.name), mine);
    }
    if (suspects.length === 0) return { relisted: [], waitedS: 0 };
    const pauseStarted = process.hrtime.bigint();
    await new Promise((r) => setTimeout(r, settleMs));
    const waitedS = Number(process.hrtime.bigint() - pauseStarted) / 1e9;
    const stale = new Set<Informer>();
    let checked = 0;
    for (const s of suspects) {
      if (stale.has(s.informer) || checked >= 50) continue;
      const cachedRv = s.filter(s.informer.get(s.ns, s.name))?.metadata?.resourceVersion;
      if (cachedRv === s.listedRv) continue;
      checked++;
      const live = s.filter(await s.client.get(s.informer.ref, s.ns, s.name));
      const liveRv = live?.metadata?.resourceVersion;
      // The server still says what the list said, and the cache says something else: the cache is stale.
      if (liveRv === s.listedRv && cachedRv !== liveRv) stale.add(s.informer);
    }
    const names: string[] = [];
    for (const inf of stale) {
      rt.log.warn({ informer: inf.name }, 'informer cache is stale; re-listing');
      this.opts.metrics.informerRelists.inc({ informer: inf.name });
      await inf.relist();
      names.push(inf.name);
    }
    return { relisted: names, waitedS };
  }

  /** Super coordinates of a tenant object (for tools and tests). */
  superCoordinatesOf(tenant: string, plural: string, namespace: string, name: string): { namespace: string; name: string } | undefined {
    const rt = this.tenants.get(tenant);
    const kind = KIND_BY_PLURAL.get(plural);
    if (!rt || !kind) return undefined;
    return superCoordinates(kind, this.context(rt, this.cacheView(rt)), namespace, name);
  }
}

/** Errors that only mean "not yet": a namespace still terminating or not created yet. */
function isQuietRetry(e: unknown): boolean {
  if (!isKubeError(e)) return false;
  if (e.code === 403 && /being terminated/.test(e.message)) return true;
  if (e.code === 404 && /namespaces? ".*" not found/.test(e.message)) return true;
  return false;
}
