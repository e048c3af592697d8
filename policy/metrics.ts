// Policy reload metrics. The syncer and the API server each pass their own
// registry; `tenantry up` may run several watchers on one registry, so an
// existing metric of the same name is reused instead of registered twice
// (prom-client throws on a duplicate name).

import client, { Counter, Gauge, type Registry } from 'prom-client';

export interface PolicyMetrics {
  /** Load attempts (the first load included), by result. */
  reloads: Counter<'result'>;
  /** Errors found by the most recent attempt (0 when it was good). */
  errors: Gauge<string>;
  lastSuccess: Gauge<string>;
  /** Tenants named explicitly by the policy set in force. */
  tenantsConfigured: Gauge<string>;
}

function reuse<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export function createPolicyMetrics(registry: Registry = client.register): PolicyMetrics {
  const registers = [registry];
  const reloads = reuse(registry, 'tenantry_policy_reloads_total', () =>
    new Counter({ name: 'tenantry_policy_reloads_total', help: 'Policy directory load attempts, by result (success, error)', labelNames: ['result'], registers }),
  );
  // Both series exist from the start, so `rate(...{result="error"})` is 0, not absent.
  reloads.inc({ result: 'success' }, 0);
  reloads.inc({ result: 'error' }, 0);
  return {
    reloads,
    errors: reuse(registry, 'tenantry_policy_errors', () => new Gauge({ name: 'tenantry_policy_errors', help: 'Errors found in the policy files by the most recent load attempt', registers })),
    lastSuccess: reuse(registry, 'tenantry_policy_last_success_timestamp_seconds', () =>
      new Gauge({ name: 'tenantry_policy_last_success_timestamp_seconds', help: 'Unix time of the last successful policy load', registers }),
    ),
    tenantsConfigured: reuse(registry, 'tenantry_policy_tenants_configured', () =>
      new Gauge({ name: 'tenantry_policy_tenants_configured', help: 'Tenants named explicitly by the policy files in force', registers }),
    ),
  };
}
