// Tenant-wide quota usage, kept incrementally from the store's watches: what
// every object of a tenant charges, summed across all of its namespaces. The
// admission check reads totals in O(resources), not O(objects), so a quota
// costs a pod create almost nothing however many pods the tenant has.
//
// Exact under concurrency without serialising commits: the check and the
// reservation happen together under the caller's lock, which is let go at
// once; the reservation stands for the write until the ledger sees the
// object's new state (from the watch, or read back once the write finished)
// or the write is known to have failed. So a check never misses an admitted
// write, never counts one twice, and concurrent creates still share a
// group commit.

import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import type { Registry, ResourceInfo } from '../tenant-apiserver/api/registry.js';
import type { ResourceStore, ResourceWatch } from '../tenant-apiserver/api/store.js';
import { addQuantities, parseQuantity, type Quantity } from '../tenant-apiserver/api/strategies/quantity.js';
import type { KubeObject, StoredObject } from '../tenant-apiserver/api/types.js';
import { objectUsage, parseCountName } from '../local-cluster/quota-usage.js';
import { storageInfo } from '../local-cluster/quota.js';
import type { ResourceList } from '../local-cluster/resources.js';

const ZERO = parseQuantity('0');

function negate(q: Quantity): Quantity {
  return { ...q, mantissa: -q.mantissa };
}

function addTo(totals: ResourceList, usage: ResourceList, sign: 1 | -1): void {
  for (const [k, q] of usage) totals.set(k, addQuantities(totals.get(k) ?? ZERO, sign === 1 ? q : negate(q)));
}

/** The kinds (group, resource) whose objects a set of quota names charges. */
export function kindsCharged(names: Iterable<string>): { group: string; resource: string }[] {
  const out = new Map<string, { group: string; resource: string }>();
  const add = (group: string, resource: string) => out.set(`${group}/${resource}`, { group, resource });
  for (const name of names) {
    const counted = parseCountName(name);
    if (counted) add(counted.group, counted.resource);
    else if (name === 'services' || name.startsWith('services.')) add('', 'services');
    else if (name === 'persistentvolumeclaims' || name === 'requests.storage' || name.includes('.storageclass.storage.k8s.io/')) add('', 'persistentvolumeclaims');
    else if (['configmaps', 'secrets', 'replicationcontrollers', 'resourcequotas'].includes(name)) add('', name);
    else add('', 'pods');
  }
  return [...out.values()];
}

interface Entry {
  rv: number;
  usage: ResourceList;
  /** A terminating pod stops being charged once its grace period is over (kube's QuotaV1Pod). */
  chargedUntil?: number;
}

/** One kind's objects and their running total. */
class KindLedger {
  readonly entries = new Map<string, Entry>();
  readonly totals: ResourceList = new Map();
  /** Keys with a bounded deadline: few (only terminating pods), scanned on each read. */
  readonly expiring = new Set<string>();
  /** Revisions of deletions, so a late read of an older state cannot resurrect an object. */
  private readonly tombstones = new LRUCache<string, number>({ max: 10_000 });
  watch: ResourceWatch | undefined;

  /** Admitted writes not yet seen, by object key: their reservation ids. */
  readonly pending = new Map<string, Set<number>>();

  constructor(
    readonly info: ResourceInfo,
    private readonly dropReservation: (id: number) => void,
  ) {}

  /** The ledger now holds the object's state at `rv`: reservations of writes up to it are spent. */
  private spend(key: string): void {
    const ids = this.pending.get(key);
    if (!ids) return;
    this.pending.delete(key);
    for (const id of ids) this.dropReservation(id);
  }

  observe(key: string, obj: KubeObject | undefined, rv: number): void {
    const prev = this.entries.get(key);
    if (prev && prev.rv >= rv) return;
    const dead = this.tombstones.get(key);
    if (dead !== undefined && dead >= rv) return;
    this.spend(key);
    if (prev) {
      addTo(this.totals, prev.usage, -1);
      this.entries.delete(key);
      this.expiring.delete(key);
    }
    if (!obj) {
      this.tombstones.set(key, rv);
      return;
    }
    // Usage is taken at a time far in the past so a terminating pod is still charged here; its deadline is kept apart.
    const usage = objectUsage(this.info.group, this.info.resource, obj, 0);
    const entry: Entry = { rv, usage };
    const meta = obj.metadata ?? {};
    if (this.info.group === '' && this.info.resource === 'pods' && meta.deletionTimestamp && typeof meta.deletionGracePeriodSeconds === 'number') {
      entry.chargedUntil = Date.parse(meta.deletionTimestamp) + meta.deletionGracePeriodSeconds * 1000;
      this.expiring.add(key);
    }
    this.entries.set(key, entry);
    addTo(this.totals, usage, 1);
  }

  /** Totals at `now`: terminating pods past their grace period are not charged. */
  charged(now: number): ResourceList {
    if (this.expiring.size === 0) return this.totals;
    const out = new Map(this.totals);
    for (const key of this.expiring) {
      const e = this.entries.get(key);
      if (e?.chargedUntil !== undefined && now > e.chargedUntil) addTo(out, e.usage, -1);
    }
    return out;
  }
}

function keyOf(obj: KubeObject): string {
  return `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
}

export class TenantUsage {
  private readonly ledgers = new Map<string, KindLedger>();
  private readonly starting = new Map<string, Promise<KindLedger | undefined>>();
  private readonly reservations = new Map<number, ResourceList>();
  private nextReservation = 1;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly registry: Registry,
    private readonly store: ResourceStore,
    private readonly log: Logger,
  ) {}

  /** Hard-limit lists already tracked: a loaded policy's list is one object, so a create checks a WeakSet, not every kind. */
  private readonly tracked = new WeakSet<object>();

  /** Start watching every kind these quota names charge (idempotent); resolves once their current state is counted. */
  async track(names: Iterable<string> | ResourceList): Promise<void> {
    if (names instanceof Map && this.tracked.has(names)) return;
    const keys = names instanceof Map ? names.keys() : names;
    const ledgers = await Promise.all(kindsCharged(keys).map((k) => this.ledger(k.group, k.resource)));
    // A kind not served yet (a CRD to come) is looked up again next time.
    if (names instanceof Map && ledgers.every((l) => l !== undefined)) this.tracked.add(names);
  }

  private ledger(group: string, resource: string): Promise<KindLedger | undefined> {
    const id = `${group}/${resource}`;
    const started = this.starting.get(id);
    if (started) return started;
    const p = (async () => {
      const info = storageInfo(this.registry, group, resource);
      if (!info) {
        // count/<resource> of a kind this server does not serve (yet: a CRD may come) charges nothing.
        this.starting.delete(id);
        return undefined;
      }
      const ledger = new KindLedger(info, (rid) => this.reservations.delete(rid));
      ledger.watch = await this.store.watch(info, undefined, { resourceVersion: '', sharedObjects: true }, (type, obj: StoredObject) => {
        ledger.observe(keyOf(obj), type === 'DELETED' ? undefined : obj, Number(obj.metadata.resourceVersion));
        this.changed();
      });
      this.ledgers.set(id, ledger);
      return ledger;
    })();
    this.starting.set(id, p);
    p.catch((e: unknown) => {
      this.starting.delete(id);
      this.log.warn({ err: e, group, resource }, 'tenant quota: watching a kind failed');
    });
    return p;
  }

  /** Called (coalesced by the caller) whenever usage may have changed. */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed(): void {
    for (const fn of this.listeners) fn();
  }

  /** Tenant-wide usage of `names`: everything stored plus what admitted writes hold. */
  used(names: ReadonlySet<string>, now = Date.now()): ResourceList {
    const out: ResourceList = new Map();
    for (const n of names) out.set(n, ZERO);
    const fold = (l: ResourceList) => {
      for (const [k, q] of l) if (names.has(k)) out.set(k, addQuantities(out.get(k)!, q));
    };
    for (const l of this.ledgers.values()) fold(l.charged(now));
    for (const r of this.reservations.values()) fold(r);
    return out;
  }

  /**
   * Hold `usage` for an admitted write to `namespace/name` until the ledger
   * has seen that object's new state; `settle` (once the write finished,
   * stored or not) reads the outcome back, so a failed write frees its hold
   * and a stored one is counted even before its watch event arrives.
   */
  reserve(info: ResourceInfo, namespace: string | undefined, name: string, usage: ResourceList): { settle(): Promise<void> } {
    const id = this.nextReservation++;
    this.reservations.set(id, usage);
    const ledger = this.ledgers.get(`${info.group}/${info.resource}`) ?? this.ledgers.get(`${info.storage.group}/${info.storage.resource}`);
    const key = `${namespace ?? ''}/${name}`;
    if (ledger) {
      let ids = ledger.pending.get(key);
      if (!ids) ledger.pending.set(key, (ids = new Set()));
      ids.add(id);
    }
    return {
      settle: async () => {
        try {
          if (!ledger || !this.reservations.has(id)) return;
          try {
            const obj = await this.store.get(info, namespace, name);
            ledger.observe(keyOf(obj), obj, Number(obj.metadata.resourceVersion));
          } catch {
            // Not stored (refused later, or already gone): nothing to count.
          }
        } finally {
          this.reservations.delete(id);
          const ids = ledger?.pending.get(key);
          ids?.delete(id);
          if (ids && ids.size === 0) ledger!.pending.delete(key);
          this.changed();
        }
      },
    };
  }

  close(): void {
    for (const l of this.ledgers.values()) l.watch?.stop();
    this.ledgers.clear();
    this.starting.clear();
  }
}
