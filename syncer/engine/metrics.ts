// The syncer's metrics, on a registry passed in (one per process).

import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface SyncerMetrics {
  queueDepth: Gauge<'tenant'>;
  reconciles: Counter<'kind' | 'result'>;
  reconcileSeconds: Histogram<'kind' | 'result'>;
  writes: Counter<'side' | 'op' | 'kind'>;
  patrolSeconds: Histogram<'tenant'>;
  patrolDrift: Counter<'tenant' | 'kind'>;
  informerRelists: Counter<'informer'>;
  tenantsReady: Gauge<string>;
}

export function createSyncerMetrics(registry: Registry): SyncerMetrics {
  const registers = [registry];
  return {
    queueDepth: new Gauge({ name: 'tenantry_syncer_queue_depth', help: 'Keys waiting in a tenant sub-queue', labelNames: ['tenant'], registers }),
    reconciles: new Counter({ name: 'tenantry_syncer_reconciles_total', help: 'Reconciles by kind and result', labelNames: ['kind', 'result'], registers }),
    reconcileSeconds: new Histogram({
      name: 'tenantry_syncer_reconcile_duration_seconds',
      help: 'Reconcile latency by kind and result',
      labelNames: ['kind', 'result'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    writes: new Counter({ name: 'tenantry_syncer_writes_total', help: 'Writes the syncer made, by side, operation and kind', labelNames: ['side', 'op', 'kind'], registers }),
    patrolSeconds: new Histogram({
      name: 'tenantry_syncer_patrol_duration_seconds',
      help: 'Duration of one patrol (full diff of a tenant against the super cluster), not counting the pause before suspect cache entries are looked at again',
      labelNames: ['tenant'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    patrolDrift: new Counter({ name: 'tenantry_syncer_patrol_drift_total', help: 'Objects a patrol found out of sync and queued', labelNames: ['tenant', 'kind'], registers }),
    informerRelists: new Counter({ name: 'tenantry_syncer_informer_relists_total', help: 'Informer caches rebuilt after a patrol found them stale', labelNames: ['informer'], registers }),
    tenantsReady: new Gauge({ name: 'tenantry_syncer_tenants_ready', help: 'Tenants connected and synced', registers }),
  };
}
