// Leader election among syncer replicas with a coordination.k8s.io/v1 Lease in
// the super cluster, with the semantics of client-go's leaderelection:
//
// - A candidate takes the lease when it is free (no holder: released) or when
//   the record has not changed for the lease's duration *as observed locally*.
//   Expiry is measured from when this replica saw the record change, on its own
//   monotonic clock, never from the renewTime written by another machine: clock
//   skew between replicas does not matter, only their clock rates do.
// - Every write carries the resourceVersion read before it, so of two
//   candidates racing for an expired lease exactly one wins (the other gets 409).
// - The leader renews every retry period. It stops leading when it sees another
//   holder in the lease, or when no renewal has succeeded for the renew deadline
//   (a timer, so a hung request cannot stretch it). Since the lease duration is
//   longer than the renew deadline, a leader cut off from the API server stops
//   before anyone else may take over.
// - A clean stop stops leading first (the caller stops writing), then releases
//   the lease (empty holder) so a standby takes over on its next try instead of
//   waiting out the lease.
//
// Like client-go this is not fencing: a write already sent when leadership ends
// still lands. `fenceWrites` keeps any write from *starting* once it has ended.

import os from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import { isKubeError, type DeleteOpts, type KubeClient } from './client.js';
import { CORE, asObj, str, type KubeObject, type ResourceRef } from './types.js';

export const LEASES: ResourceRef = { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', kind: 'Lease', namespaced: true };
const NAMESPACES = CORE('namespaces', 'Namespace', false);

export interface LeaderElectionOptions {
  /** Namespace of the Lease in the super cluster; created when missing. */
  namespace: string;
  /** Name of the Lease: replicas sharing it elect one leader. */
  name: string;
  /** This replica's identity, written as the lease holder; unique per replica. */
  identity: string;
  /** How long a standby waits after the record last changed before taking the lease over. */
  leaseDurationMs: number;
  /** How long the leader keeps leading without a successful renewal. */
  renewDeadlineMs: number;
  /** Interval between attempts to acquire (with jitter) or renew. */
  retryPeriodMs: number;
}

/**
 * Defaults as client-go's (15 s / 10 s / 2 s). The lease lives in
 * `tenantry-system`, the namespace the chart installs the syncer into (its
 * Role grants the lease there); the elector creates it when missing, which the
 * syncer may do anyway since it creates a namespace per tenant namespace.
 */
export const LEADER_ELECTION_DEFAULTS = {
  namespace: 'tenantry-system',
  name: 'tenantry-syncer',
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
} as const;

/** A candidate waits retryPeriod × (1 + up to JITTER) between tries, so replicas started together do not collide forever. */
const JITTER = 1.2;

/** `hostname_random`: unique per process, recognisable in `kubectl get lease`. */
export function defaultIdentity(): string {
  return `${os.hostname()}_${randomBytes(4).toString('hex')}`;
}

/** Fill defaults and check the timings make sense together; throws an Error naming the bad setting. */
export function leaderElectionOptions(o: Partial<LeaderElectionOptions> = {}): LeaderElectionOptions {
  const opts: LeaderElectionOptions = {
    namespace: o.namespace || LEADER_ELECTION_DEFAULTS.namespace,
    name: o.name || LEADER_ELECTION_DEFAULTS.name,
    identity: o.identity || defaultIdentity(),
    leaseDurationMs: o.leaseDurationMs ?? LEADER_ELECTION_DEFAULTS.leaseDurationMs,
    renewDeadlineMs: o.renewDeadlineMs ?? LEADER_ELECTION_DEFAULTS.renewDeadlineMs,
    retryPeriodMs: o.retryPeriodMs ?? LEADER_ELECTION_DEFAULTS.retryPeriodMs,
  };
  for (const k of ['leaseDurationMs', 'renewDeadlineMs', 'retryPeriodMs'] as const) {
    if (!Number.isFinite(opts[k]) || opts[k] <= 0) throw new Error(`leader election: ${k} must be positive, got ${opts[k]}`);
  }
  // The lease is written in whole seconds.
  if (opts.leaseDurationMs < 1000) throw new Error(`leader election: lease duration must be at least 1s, got ${opts.leaseDurationMs}ms`);
  if (opts.leaseDurationMs <= opts.renewDeadlineMs) throw new Error('leader election: lease duration must be longer than the renew deadline');
  if (opts.renewDeadlineMs <= JITTER * opts.retryPeriodMs) throw new Error(`leader election: renew deadline must be longer than ${JITTER} × the retry period`);
  return opts;
}

export interface LeaderCallbacks {
  /** This replica now leads: start working. Runs while renewals go on. */
  onStartedLeading(): void | Promise<void>;
  /** This replica no longer leads: stop working. Awaited before a clean stop releases the lease. */
  onStoppedLeading(): void | Promise<void>;
  /** The observed holder changed ('' once released). */
  onNewLeader?(identity: string): void;
}

/** What a lease says, as compared between observations (metadata is not part of the record). */
interface LeaseRecord {
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTime: string;
  renewTime: string;
  leaseTransitions: number;
}

function recordOf(lease: KubeObject): LeaseRecord {
  const spec = asObj(lease.spec) ?? {};
  return {
    holderIdentity: str(spec.holderIdentity),
    leaseDurationSeconds: typeof spec.leaseDurationSeconds === 'number' ? spec.leaseDurationSeconds : 0,
    acquireTime: str(spec.acquireTime),
    renewTime: str(spec.renewTime),
    leaseTransitions: typeof spec.leaseTransitions === 'number' ? spec.leaseTransitions : 0,
  };
}

const sameRecord = (a: LeaseRecord, b: LeaseRecord) =>
  a.holderIdentity === b.holderIdentity && a.leaseDurationSeconds === b.leaseDurationSeconds && a.acquireTime === b.acquireTime && a.renewTime === b.renewTime && a.leaseTransitions === b.leaseTransitions;

/** metav1.MicroTime: RFC 3339 with microseconds. */
export function microTime(d = new Date()): string {
  return d.toISOString().replace(/Z$/, '000Z');
}

/** Monotonic milliseconds: wall-clock jumps must not expire or extend a lease. */
const monotonic = () => performance.now();

export class LeaderElector {
  private leading = false;
  private stopping = false;
  private loopDone: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;
  /** The lease as last read or written, and when (monotonic) its record last changed. */
  private observed: { lease: KubeObject; record: LeaseRecord; at: number } | undefined;
  private holder = '';
  private namespaceChecked = false;
  private stopped: Promise<void> | undefined;
  /** Counts terms, so a start that waited can tell whether its term is still on. */
  private generation = 0;

  constructor(
    private readonly client: KubeClient,
    readonly opts: LeaderElectionOptions,
    private readonly callbacks: LeaderCallbacks,
    private readonly log: Logger,
  ) {}

  get identity(): string {
    return this.opts.identity;
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** The holder last seen in the lease ('' when none or not yet read). */
  leader(): string {
    return this.holder;
  }

  /** Start campaigning; returns at once. */
  start(): void {
    if (this.loopDone) return;
    this.loopDone = this.loop();
  }

  /**
   * Stop campaigning. When leading: stop leading (onStoppedLeading awaited),
   * then, unless `release` is false, give the lease up so a standby takes over
   * at once. `release: false` leaves the lease to expire, as a crash would.
   */
  async stop(opts: { release?: boolean } = {}): Promise<void> {
    this.stopping = true;
    this.wakeUp?.();
    await this.loopDone;
    const wasLeading = this.leading;
    await this.stopLeading('shutting down');
    if (wasLeading && opts.release !== false) await this.release();
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      const sentAt = monotonic();
      let held = false;
      try {
        held = await this.tryAcquireOrRenew();
      } catch (e) {
        this.log.warn({ err: String((e as Error)?.message ?? e), lease: this.leaseName() }, this.leading ? 'renewing the lease failed' : 'reading the lease failed');
      }
      if (this.stopping) break;
      if (held) {
        this.armDeadline(sentAt);
        if (!this.leading) this.startLeading();
      } else if (this.leading && this.holder !== this.opts.identity && this.holder !== '') {
        // Someone else holds it (the lease was taken over or edited): stop now, not at the deadline.
        void this.stopLeading(`lease is held by ${this.holder}`);
      }
      const wait = this.leading ? this.opts.retryPeriodMs : this.opts.retryPeriodMs * (1 + Math.random() * JITTER);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, wait);
        this.wakeUp = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wakeUp = undefined;
    }
  }

  private leaseName(): string {
    return `${this.opts.namespace}/${this.opts.name}`;
  }

  /** Leading ends renewDeadline after the last renewal *was sent*, whatever requests are still in flight. */
  private armDeadline(sentAt: number): void {
    clearTimeout(this.deadlineTimer);
    const left = this.opts.renewDeadlineMs - (monotonic() - sentAt);
    this.deadlineTimer = setTimeout(() => void this.stopLeading(`no renewal for ${this.opts.renewDeadlineMs} ms`), Math.max(0, left));
    this.deadlineTimer.unref?.();
  }

  private startLeading(): void {
    // A term that just ended (deadline passed, then a late renewal succeeded) finishes stopping first.
    const previous = this.stopped;
    const generation = ++this.generation;
    this.leading = true;
    this.stopped = undefined;
    this.log.info({ identity: this.opts.identity, lease: this.leaseName() }, 'became leader');
    void (async () => {
      try {
        await previous;
        // Lost again while waiting: onStoppedLeading has run for this term already; do not start.
        if (generation !== this.generation || !this.leading) return;
        await this.callbacks.onStartedLeading();
      } catch (e) {
        // Could not start working: give the lease to someone who can.
        this.log.error({ err: String((e as Error)?.message ?? e) }, 'starting as leader failed; giving the lease up');
        if (generation !== this.generation) return;
        await this.stopLeading('start failed');
        await this.release();
      }
    })();
  }

  /** Idempotent: the deadline timer, a foreign holder and stop() may all end a term. */
  private stopLeading(why: string): Promise<void> {
    if (!this.leading) return this.stopped ?? Promise.resolve();
    this.leading = false;
    clearTimeout(this.deadlineTimer);
    this.log.warn({ identity: this.opts.identity, lease: this.leaseName(), why }, 'stopped leading');
    // Not waiting for a start still in progress (it may be waiting on an unreachable tenant): the
    // callbacks must cope with a stop that overtakes a start.
    this.stopped = (async () => {
      try {
        await this.callbacks.onStoppedLeading();
      } catch (e) {
        this.log.error({ err: String((e as Error)?.message ?? e) }, 'stopping as leader failed');
      }
    })();
    return this.stopped;
  }

  private observe(lease: KubeObject): void {
    const record = recordOf(lease);
    if (!this.observed || !sameRecord(this.observed.record, record)) this.observed = { lease, record, at: monotonic() };
    else this.observed.lease = lease;
    if (record.holderIdentity !== this.holder) {
      this.holder = record.holderIdentity;
      if (this.holder !== this.opts.identity) this.log.info({ leader: this.holder || '(none)', lease: this.leaseName() }, this.holder ? 'observed a new leader' : 'the lease was released');
      this.callbacks.onNewLeader?.(this.holder);
    }
  }

  private spec(prev: LeaseRecord | undefined, now: string): LeaseRecord {
    const mine = prev?.holderIdentity === this.opts.identity;
    return {
      holderIdentity: this.opts.identity,
      leaseDurationSeconds: Math.ceil(this.opts.leaseDurationMs / 1000),
      acquireTime: mine && prev.acquireTime ? prev.acquireTime : now,
      renewTime: now,
      leaseTransitions: !prev ? 0 : mine ? prev.leaseTransitions : prev.leaseTransitions + 1,
    };
  }

  /** One attempt: true when this replica holds the lease afterwards. Throws on transport and unexpected API errors. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = microTime();
    // Fast path, as client-go: the leader holding the record it last wrote updates it without reading first.
    if (this.leading && this.observed && this.observed.record.holderIdentity === this.opts.identity) {
      const ok = await this.write(this.observed.lease, this.spec(this.observed.record, now));
      if (ok) return true;
    }
    const lease = await this.client.get(LEASES, this.opts.namespace, this.opts.name);
    if (!lease) return this.create(now);
    this.observe(lease);
    const rec = this.observed!.record;
    const durationMs = (rec.leaseDurationSeconds || Math.ceil(this.opts.leaseDurationMs / 1000)) * 1000;
    const valid = this.observed!.at + durationMs > monotonic();
    if (rec.holderIdentity && rec.holderIdentity !== this.opts.identity && valid) return false;
    return this.write(lease, this.spec(rec, now));
  }

  /** Update with the resourceVersion read: false when someone else wrote first. */
  private async write(lease: KubeObject, rec: LeaseRecord): Promise<boolean> {
    const body: KubeObject = { ...lease, spec: { ...asObj(lease.spec), ...rec } };
    try {
      this.observe(await this.client.update(LEASES, this.opts.namespace, body));
      return true;
    } catch (e) {
      if (isKubeError(e, 409) || isKubeError(e, 404)) return false;
      throw e;
    }
  }

  private async create(now: string): Promise<boolean> {
    const lease: KubeObject = { metadata: { name: this.opts.name, namespace: this.opts.namespace }, spec: { ...this.spec(undefined, now) } };
    try {
      this.observe(await this.client.create(LEASES, this.opts.namespace, lease));
      return true;
    } catch (e) {
      if (isKubeError(e, 409)) return false;
      if (isKubeError(e, 404) && !this.namespaceChecked) {
        await this.ensureNamespace();
        return this.create(now);
      }
      throw e;
    }
  }

  private async ensureNamespace(): Promise<void> {
    this.namespaceChecked = true;
    try {
      await this.client.create(NAMESPACES, '', { metadata: { name: this.opts.namespace } });
      this.log.info({ namespace: this.opts.namespace }, 'created the lease namespace');
    } catch (e) {
      if (!isKubeError(e, 409)) throw e;
    }
  }

  /** Give the lease up if this replica still holds it: empty holder, shortest duration, transitions kept. */
  private async release(): Promise<void> {
    try {
      const lease = await this.client.get(LEASES, this.opts.namespace, this.opts.name);
      if (!lease || recordOf(lease).holderIdentity !== this.opts.identity) return;
      const rec = recordOf(lease);
      const now = microTime();
      const ok = await this.write(lease, { holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaseTransitions: rec.leaseTransitions });
      if (ok) this.log.info({ lease: this.leaseName() }, 'released the lease');
    } catch (e) {
      this.log.warn({ err: String((e as Error)?.message ?? e), lease: this.leaseName() }, 'releasing the lease failed; a successor waits for it to expire');
    }
  }
}

/** Raised instead of a write when this replica does not lead. */
export class NotLeaderError extends Error {
  constructor(what: string) {
    super(`not the leader: refusing to ${what}`);
    this.name = 'NotLeaderError';
  }
}

/**
 * The same client, with every write refused unless `allowed()` at the moment
 * it starts. Reads pass: a standby or a stopping engine may read freely.
 */
export function fenceWrites(client: KubeClient, allowed: () => boolean): KubeClient {
  const check = (what: string) => {
    if (!allowed()) throw new NotLeaderError(`${what} (${client.name})`);
  };
  return {
    name: client.name,
    get: (ref, ns, name) => client.get(ref, ns, name),
    watch: (ref, o, onEvent) => client.watch(ref, o, onEvent),
    list: (ref, o) => client.list(ref, o),
    async create(ref, ns, obj) {
      check(`create ${ref.plural}`);
      return client.create(ref, ns, obj);
    },
    async update(ref, ns, obj, sub) {
      check(`update ${ref.plural}`);
      return client.update(ref, ns, obj, sub);
    },
    async post(ref, ns, name, sub, body) {
      check(`post ${ref.plural}/${sub}`);
      return client.post(ref, ns, name, sub, body);
    },
    async delete(ref, ns, name, o?: DeleteOpts) {
      check(`delete ${ref.plural}`);
      return client.delete(ref, ns, name, o);
    },
    close: () => client.close(),
  };
}

/** `tenantry_syncer_leader`: 1 while this replica leads (always 1 without leader election). */
export function leaderGauge(registry: Registry): Gauge<string> {
  return new Gauge({ name: 'tenantry_syncer_leader', help: '1 while this syncer replica holds the leader lease and writes; 0 on standby', registers: [registry] });
}
