// The work queue: one sub-queue per tenant, served by weighted round robin so a
// tenant with a flood of changes cannot starve the others (VirtualCluster's
// fair queue). Within a sub-queue keys are de-duplicated and never handed to
// two workers at once (client-go's workqueue rules: a key re-added while being
// processed runs once more after it is done), and failures come back after an
// exponential backoff.
// Keys also carry a priority (lanes): a worker takes from the most urgent lane
// any tenant has, round robin within it. A tenant's new object should not wait
// behind thousands of status copies, and copies of events (informational) go
// last. A key added again at a more urgent priority moves up.

/** Lanes, most urgent first. */
export const PRIORITY = { urgent: 0, normal: 1, low: 2 } as const;
export type Priority = (typeof PRIORITY)[keyof typeof PRIORITY];
const LANES = 3;

export interface QueueItem {
  tenant: string;
  key: string;
}

export interface FairQueueOptions {
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Told each time a tenant's depth (waiting keys) changes. */
  onDepth?(tenant: string, depth: number): void;
  /**
   * Most keys of each lane handed out at once (urgent, normal, low; default unlimited). Capping
   * the lesser lanes keeps workers free for urgent keys: a worker stuck in a slow write cannot be
   * pre-empted, so an urgent key would otherwise wait for one to finish.
   */
  laneLimits?: readonly number[];
}

interface Lane {
  order: string[];
  head: number;
}

interface SubQueue {
  weight: number;
  lanes: Lane[];
  /** Keys waiting, with the lane they wait in (an entry in another lane is stale and skipped). */
  dirty: Map<string, Priority>;
  /** Keys handed out, with the lane they were taken from. */
  processing: Map<string, Priority>;
  failures: Map<string, number>;
  timers: Map<string, { at: number; timer: NodeJS.Timeout }>;
}

export class FairQueue {
  private readonly subs = new Map<string, SubQueue>();
  private ring: string[] = [];
  private cursor = 0;
  private servedInTurn = 0;
  private waiters: ((item: QueueItem | undefined) => void)[] = [];
  private closed = false;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  /** Keys of each lane being processed, over all tenants. */
  private readonly inFlight: number[] = Array.from({ length: LANES }, () => 0);
  /**
   * Entries queued in each lane over all tenants, stale ones included (an upper bound on its keys):
   * take() skips a lane at 0 instead of asking each of (say) 100 tenants for a key it does not have,
   * which, with idle workers woken by every add and done, was ~5% of the syncer's CPU.
   */
  private readonly laneEntries: number[] = Array.from({ length: LANES }, () => 0);

  constructor(private readonly opts: FairQueueOptions = {}) {
    this.baseDelayMs = opts.baseDelayMs ?? 100;
    this.maxDelayMs = opts.maxDelayMs ?? 30_000;
  }

  private sub(tenant: string): SubQueue {
    let s = this.subs.get(tenant);
    if (!s) {
      s = { weight: 1, lanes: Array.from({ length: LANES }, () => ({ order: [], head: 0 })), dirty: new Map(), processing: new Map(), failures: new Map(), timers: new Map() };
      this.subs.set(tenant, s);
      this.ring.push(tenant);
    }
    return s;
  }

  /** A tenant's share: it is served up to `weight` keys per turn of the round. */
  setWeight(tenant: string, weight: number): void {
    this.sub(tenant).weight = Math.max(1, Math.floor(weight));
  }

  /** Drop a tenant's sub-queue (its pending keys and timers). */
  removeTenant(tenant: string): void {
    const s = this.subs.get(tenant);
    if (!s) return;
    for (const lane of s.processing.values()) this.inFlight[lane]!--;
    for (const t of s.timers.values()) clearTimeout(t.timer);
    s.lanes.forEach((l, lane) => (this.laneEntries[lane]! -= l.order.length - l.head));
    this.subs.delete(tenant);
    const i = this.ring.indexOf(tenant);
    this.ring.splice(i, 1);
    if (this.cursor > i) this.cursor--;
    if (this.cursor >= this.ring.length) this.cursor = 0;
    this.servedInTurn = 0;
  }

  /** Keys waiting or being processed, over all tenants (delayed retries not counted). */
  pending(): number {
    let n = 0;
    for (const s of this.subs.values()) n += s.dirty.size + s.processing.size;
    return n;
  }

  /** Keys waiting (not counting those being processed). */
  depth(tenant: string): number {
    const s = this.subs.get(tenant);
    return s ? waiting(s) : 0;
  }

  private pushKey(tenant: string, s: SubQueue, key: string, lane: Priority): void {
    s.lanes[lane]!.order.push(key);
    this.laneEntries[lane]!++;
    this.opts.onDepth?.(tenant, waiting(s));
    this.wake();
  }

  add(tenant: string, key: string, priority: Priority = PRIORITY.normal): void {
    if (this.closed) return;
    const s = this.sub(tenant);
    const queued = s.dirty.get(key);
    if (queued !== undefined && queued <= priority) return;
    s.dirty.set(key, priority);
    if (s.processing.has(key)) return;
    // Queued less urgently before: the old entry becomes stale (take skips it).
    this.pushKey(tenant, s, key, priority);
  }

  /** Add after a delay; of several pending delays for one key, the earliest wins. */
  addAfter(tenant: string, key: string, ms: number, priority: Priority = PRIORITY.normal): void {
    if (this.closed) return;
    if (ms <= 0) return this.add(tenant, key, priority);
    const s = this.sub(tenant);
    const at = Date.now() + ms;
    const pending = s.timers.get(key);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      s.timers.delete(key);
      this.add(tenant, key, priority);
    }, ms);
    timer.unref?.();
    s.timers.set(key, { at, timer });
  }

  /** Requeue after this key's next backoff step; returns the delay. */
  addRateLimited(tenant: string, key: string, priority: Priority = PRIORITY.normal): number {
    const s = this.sub(tenant);
    const n = s.failures.get(key) ?? 0;
    s.failures.set(key, n + 1);
    const delay = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.min(n, 30));
    this.addAfter(tenant, key, delay, priority);
    return delay;
  }

  /** Reset a key's backoff (after a success). */
  forget(tenant: string, key: string): void {
    this.subs.get(tenant)?.failures.delete(key);
  }

  failures(tenant: string, key: string): number {
    return this.subs.get(tenant)?.failures.get(key) ?? 0;
  }

  /** The next live key of one lane of a sub-queue (stale entries are dropped on the way). */
  private next(s: SubQueue, lane: Priority): string | undefined {
    const l = s.lanes[lane]!;
    while (l.head < l.order.length) {
      const key = l.order[l.head]!;
      if (s.dirty.get(key) === lane && !s.processing.has(key)) return key;
      l.head++;
      this.laneEntries[lane]!--;
      this.compact(l);
    }
    return undefined;
  }

  private compact(l: Lane): void {
    if (l.head > 1024 && l.head * 2 > l.order.length) {
      l.order = l.order.slice(l.head);
      l.head = 0;
    }
  }

  private take(): QueueItem | undefined {
    const n = this.ring.length;
    if (n === 0) return undefined;
    if (this.cursor >= n) this.cursor = 0;
    for (let lane = 0 as Priority; lane < LANES; lane++) {
      if (this.laneEntries[lane]! <= 0 || this.inFlight[lane]! >= (this.opts.laneLimits?.[lane] ?? Infinity)) continue;
      // The tenant whose turn it is keeps it while its weight lasts; then the next one with work in this lane.
      for (let i = 0; i <= n; i++) {
        const at = (this.cursor + i) % n;
        if (i === 0 && this.servedInTurn >= this.subs.get(this.ring[at]!)!.weight) continue;
        const tenant = this.ring[at]!;
        const s = this.subs.get(tenant)!;
        const key = this.next(s, lane);
        if (key === undefined) continue;
        if (i > 0) {
          this.cursor = at;
          this.servedInTurn = 0;
        }
        const l = s.lanes[lane]!;
        l.head++;
        this.laneEntries[lane]!--;
        this.compact(l);
        s.dirty.delete(key);
        s.processing.set(key, lane);
        this.inFlight[lane]!++;
        this.servedInTurn++;
        this.opts.onDepth?.(tenant, waiting(s));
        return { tenant, key };
      }
    }
    return undefined;
  }

  /** The next key by weighted round robin; waits when none is ready; undefined once shut down. */
  get(): Promise<QueueItem | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    const item = this.take();
    if (item) return Promise.resolve(item);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Non-blocking get (tests, draining). */
  tryGet(): QueueItem | undefined {
    return this.closed ? undefined : this.take();
  }

  private wake(): void {
    while (this.waiters.length > 0) {
      const item = this.take();
      if (!item) return;
      this.waiters.shift()!(item);
    }
  }

  /** A worker finished a key: if it was re-added meanwhile, it goes back in line. */
  done(item: QueueItem): void {
    const s = this.subs.get(item.tenant);
    if (!s) return;
    const took = s.processing.get(item.key);
    if (took === undefined) return;
    s.processing.delete(item.key);
    this.inFlight[took]!--;
    const lane = s.dirty.get(item.key);
    if (lane !== undefined) this.pushKey(item.tenant, s, item.key, lane);
    // A lane under its limit again may have keys for waiting workers.
    else this.wake();
  }

  shutdown(): void {
    this.closed = true;
    for (const s of this.subs.values()) for (const t of s.timers.values()) clearTimeout(t.timer);
    for (const w of this.waiters.splice(0)) w(undefined);
  }
}

/** Keys waiting in a sub-queue (each counted once, whatever stale entries remain). */
function waiting(s: SubQueue): number {
  let n = s.dirty.size;
  for (const k of s.processing.keys()) if (s.dirty.has(k)) n--;
  return n;
}
