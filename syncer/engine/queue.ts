// The work queue: one sub-queue per tenant, served by weighted round robin so a
// tenant with a flood of changes cannot starve the others (VirtualCluster's
// fair queue). Within a sub-queue keys are de-duplicated and never handed to
// two workers at once (client-go's workqueue rules: a key re-added while being
// processed runs once more after it is done), and failures come back after an
// exponential backoff.

export interface QueueItem {
  tenant: string;
  key: string;
}

export interface FairQueueOptions {
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Told each time a tenant's depth (waiting keys) changes. */
  onDepth?(tenant: string, depth: number): void;
}

interface SubQueue {
  weight: number;
  order: string[];
  head: number;
  dirty: Set<string>;
  processing: Set<string>;
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

  constructor(private readonly opts: FairQueueOptions = {}) {
    this.baseDelayMs = opts.baseDelayMs ?? 100;
    this.maxDelayMs = opts.maxDelayMs ?? 30_000;
  }

  private sub(tenant: string): SubQueue {
    let s = this.subs.get(tenant);
    if (!s) {
      s = { weight: 1, order: [], head: 0, dirty: new Set(), processing: new Set(), failures: new Map(), timers: new Map() };
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
    for (const t of s.timers.values()) clearTimeout(t.timer);
    this.subs.delete(tenant);
    const i = this.ring.indexOf(tenant);
    this.ring.splice(i, 1);
    if (this.cursor > i) this.cursor--;
    if (this.cursor >= this.ring.length) this.cursor = 0;
    this.servedInTurn = 0;
  }

  /** Keys waiting (not counting those being processed). */
  depth(tenant: string): number {
    const s = this.subs.get(tenant);
    return s ? s.order.length - s.head : 0;
  }

  private pushKey(tenant: string, s: SubQueue, key: string): void {
    s.order.push(key);
    this.opts.onDepth?.(tenant, s.order.length - s.head);
    this.wake();
  }

  add(tenant: string, key: string): void {
    if (this.closed) return;
    const s = this.sub(tenant);
    if (s.dirty.has(key)) return;
    s.dirty.add(key);
    if (s.processing.has(key)) return;
    this.pushKey(tenant, s, key);
  }

  /** Add after a delay; of several pending delays for one key, the earliest wins. */
  addAfter(tenant: string, key: string, ms: number): void {
    if (this.closed) return;
    if (ms <= 0) return this.add(tenant, key);
    const s = this.sub(tenant);
    const at = Date.now() + ms;
    const pending = s.timers.get(key);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      s.timers.delete(key);
      this.add(tenant, key);
    }, ms);
    timer.unref?.();
    s.timers.set(key, { at, timer });
  }

  /** Requeue after this key's next backoff step; returns the delay. */
  addRateLimited(tenant: string, key: string): number {
    const s = this.sub(tenant);
    const n = s.failures.get(key) ?? 0;
    s.failures.set(key, n + 1);
    const delay = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.min(n, 30));
    this.addAfter(tenant, key, delay);
    return delay;
  }

  /** Reset a key's backoff (after a success). */
  forget(tenant: string, key: string): void {
    this.subs.get(tenant)?.failures.delete(key);
  }

  failures(tenant: string, key: string): number {
    return this.subs.get(tenant)?.failures.get(key) ?? 0;
  }

  private take(): QueueItem | undefined {
    const n = this.ring.length;
    for (let scanned = 0; scanned <= n; scanned++) {
      if (this.ring.length === 0) return undefined;
      if (this.cursor >= this.ring.length) this.cursor = 0;
      const tenant = this.ring[this.cursor]!;
      const s = this.subs.get(tenant)!;
      if (s.head < s.order.length && this.servedInTurn < s.weight) {
        const key = s.order[s.head++]!;
        if (s.head > 1024 && s.head * 2 > s.order.length) {
          s.order = s.order.slice(s.head);
          s.head = 0;
        }
        s.dirty.delete(key);
        s.processing.add(key);
        this.servedInTurn++;
        this.opts.onDepth?.(tenant, s.order.length - s.head);
        return { tenant, key };
      }
      this.cursor = (this.cursor + 1) % this.ring.length;
      this.servedInTurn = 0;
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
    s.processing.delete(item.key);
    if (s.dirty.has(item.key)) this.pushKey(item.tenant, s, item.key);
  }

  shutdown(): void {
    this.closed = true;
    for (const s of this.subs.values()) for (const t of s.timers.values()) clearTimeout(t.timer);
    for (const w of this.waiters.splice(0)) w(undefined);
  }
}
