// A minimal controller runtime in controller-runtime's shape: a de-duplicating
// work queue fed by watches, one reconcile function per controller, and
// requeue with exponential backoff. Reconcilers are level-triggered: they get a
// key, read the current state and converge; they keep no state a restart loses.

import type { Logger } from 'pino';

export type ReconcileResult = void | { requeueAfterMs?: number };

export interface Controller {
  name: string;
  /** Start watches that call enqueue(key); return a stop function. */
  start(enqueue: (key: string) => void): Promise<() => void>;
  reconcile(key: string): Promise<ReconcileResult>;
}

const BASE_BACKOFF_MS = 50;
const MAX_BACKOFF_MS = 30_000;

export class ControllerRunner {
  private readonly queued = new Set<string>();
  private readonly order: string[] = [];
  private readonly active = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopWatches: (() => void) | undefined;
  private stopped = false;
  private draining = false;

  constructor(
    private readonly c: Controller,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    this.stopWatches = await this.c.start((k) => this.enqueue(k));
  }

  enqueue(key: string): void {
    if (this.stopped) return;
    if (this.active.has(key)) {
      // Being reconciled now: run once more afterwards so no change is missed.
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.order.push(key);
    if (!this.draining) {
      this.draining = true;
      setImmediate(() => void this.drain());
    }
  }

  private enqueueAfter(key: string, ms: number): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.enqueue(key);
    }, ms);
    t.unref();
    this.timers.add(t);
  }

  private async drain(): Promise<void> {
    while (this.order.length > 0 && !this.stopped) {
      const key = this.order.shift()!;
      this.queued.delete(key);
      this.active.add(key);
      try {
        const r = await this.c.reconcile(key);
        this.failures.delete(key);
        if (r && r.requeueAfterMs !== undefined) this.enqueueAfter(key, r.requeueAfterMs);
      } catch (e) {
        const n = (this.failures.get(key) ?? 0) + 1;
        this.failures.set(key, n);
        const delay = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** (n - 1));
        this.log.warn({ controller: this.c.name, key, err: e, retryInMs: delay }, 'reconcile failed');
        this.enqueueAfter(key, delay);
      } finally {
        this.active.delete(key);
        if (this.dirty.delete(key)) this.enqueue(key);
      }
    }
    this.draining = false;
  }

  stop(): void {
    this.stopped = true;
    this.stopWatches?.();
    for (const t of this.timers) clearTimeout(t);
  }
}
