// Prometheus metrics, named after kube-apiserver's where one exists so existing
// dashboards read them. One registry per server instance (several servers can
// share a process in tests).
//
// prom-client (with its OpenTelemetry dependency) costs ~50 ms and a few MB to
// load, a tenth of a cold start, so it is loaded on first need: the first
// scrape of /metrics, or once enough observations have queued up (bounded
// memory). Until then each observation is queued as a closure and replayed, in
// order, into the real metrics, so no count is lost.

import type * as PromClient from 'prom-client';
import { lazyRequire } from '../../lib/lazy.js';

const prom = lazyRequire<typeof PromClient>('prom-client');

/** Observations queued before prom-client is loaded; past this it is loaded at once. */
const MAX_QUEUED = 4096;

type Labels<T extends string> = Partial<Record<T, string | number>>;

export interface CounterLike<T extends string> {
  inc(labels: Labels<T>): void;
}
export interface GaugeLike<T extends string> {
  inc(labels: Labels<T>): void;
  dec(labels: Labels<T>): void;
}
export interface HistogramLike<T extends string> {
  observe(labels: Labels<T>, value: number): void;
}
export interface UnlabelledHistogram {
  observe(value: number): void;
}

export interface ServerMetrics {
  requests: CounterLike<'verb' | 'group' | 'version' | 'resource' | 'subresource' | 'code'>;
  latency: HistogramLike<'verb' | 'resource' | 'subresource'>;
  watches: GaugeLike<'group' | 'resource'>;
  inflight: GaugeLike<'kind'>;
  storageCommit: UnlabelledHistogram;
  storageBatch: UnlabelledHistogram;
  /** The Prometheus text exposition and its content type. */
  exposition(): Promise<{ contentType: string; text: string }>;
}

function build(client: typeof PromClient) {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  return {
    registry,
    requests: new client.Counter({
      name: 'apiserver_request_total',
      help: 'Requests by verb, group, version, resource, subresource and HTTP code.',
      labelNames: ['verb', 'group', 'version', 'resource', 'subresource', 'code'] as const,
      registers: [registry],
    }),
    latency: new client.Histogram({
      name: 'apiserver_request_duration_seconds',
      help: 'Response latency by verb and resource (watches excluded).',
      labelNames: ['verb', 'resource', 'subresource'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    watches: new client.Gauge({
      name: 'apiserver_registered_watchers',
      help: 'Open watch streams by resource.',
      labelNames: ['group', 'resource'] as const,
      registers: [registry],
    }),
    inflight: new client.Gauge({
      name: 'apiserver_current_inflight_requests',
      help: 'Requests being served, by kind (readOnly, mutating).',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    storageCommit: new client.Histogram({
      name: 'tenantry_storage_commit_duration_seconds',
      help: 'Duration of one durable storage commit (a batch of writes sharing one fsync).',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    storageBatch: new client.Histogram({
      name: 'tenantry_storage_commit_batch_size',
      help: 'Writes made durable together by one fsync (group commit).',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128],
      registers: [registry],
    }),
  };
}

type Real = ReturnType<typeof build>;

export function createMetrics(): ServerMetrics {
  let real: Real | undefined;
  let queued: ((r: Real) => void)[] = [];
  const load = (): Real => {
    if (!real) {
      real = build(prom());
      for (const f of queued) f(real);
      queued = [];
    }
    return real;
  };
  const record = (f: (r: Real) => void): void => {
    if (real) f(real);
    else if (queued.push(f) >= MAX_QUEUED) load();
  };
  return {
    requests: { inc: (l) => record((r) => r.requests.inc(l)) },
    latency: { observe: (l, v) => record((r) => r.latency.observe(l, v)) },
    watches: { inc: (l) => record((r) => r.watches.inc(l)), dec: (l) => record((r) => r.watches.dec(l)) },
    inflight: { inc: (l) => record((r) => r.inflight.inc(l)), dec: (l) => record((r) => r.inflight.dec(l)) },
    storageCommit: { observe: (v) => record((r) => r.storageCommit.observe(v)) },
    storageBatch: { observe: (v) => record((r) => r.storageBatch.observe(v)) },
    async exposition() {
      const r = load();
      // Plus prom-client's default registry, where components made before the server (the policy watcher) report.
      const shared = await prom().register.metrics();
      return { contentType: r.registry.contentType, text: (await r.registry.metrics()) + (shared ? '\n' + shared : '') };
    },
  };
}
