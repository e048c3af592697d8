// Prometheus metrics, named after kube-apiserver's where one exists so existing
// dashboards read them. One registry per server instance (several servers can
// share a process in tests).

import client from 'prom-client';

export interface ServerMetrics {
  registry: client.Registry;
  requests: client.Counter<'verb' | 'group' | 'version' | 'resource' | 'subresource' | 'code'>;
  latency: client.Histogram<'verb' | 'resource' | 'subresource'>;
  watches: client.Gauge<'group' | 'resource'>;
  inflight: client.Gauge<'kind'>;
  storageCommit: client.Histogram<never>;
  storageBatch: client.Histogram<never>;
}

export function createMetrics(): ServerMetrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  return {
    registry,
    requests: new client.Counter({
      name: 'apiserver_request_total',
      help: 'Requests by verb, group, version, resource, subresource and HTTP code.',
      labelNames: ['verb', 'group', 'version', 'resource', 'subresource', 'code'],
      registers: [registry],
    }),
    latency: new client.Histogram({
      name: 'apiserver_request_duration_seconds',
      help: 'Response latency by verb and resource (watches excluded).',
      labelNames: ['verb', 'resource', 'subresource'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    watches: new client.Gauge({
      name: 'apiserver_registered_watchers',
      help: 'Open watch streams by resource.',
      labelNames: ['group', 'resource'],
      registers: [registry],
    }),
    inflight: new client.Gauge({
      name: 'apiserver_current_inflight_requests',
      help: 'Requests being served, by kind (readOnly, mutating).',
      labelNames: ['kind'],
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
      help: 'Writes committed together in one storage transaction.',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128],
      registers: [registry],
    }),
  };
}
