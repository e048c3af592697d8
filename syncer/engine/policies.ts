// The engine's read side of the policy source: each tenant's ResolvedPolicy
// for the set currently in force. Resolving is cached per loaded set (a set
// never changes once loaded; a reload brings a new one), so plans — one per
// reconcile — pay a map lookup, not a resolution.

import { DEFAULT_RUNTIME_CLASS, defaultPolicySet, staticPolicySource, type PolicySet, type PolicySource, type ResolvedPolicy } from '../../policy/types.js';

export class TenantPolicies {
  private readonly resolved = new WeakMap<PolicySet, Map<string, ResolvedPolicy>>();
  readonly source: PolicySource;

  constructor(source: PolicySource | undefined, runtimeClass = DEFAULT_RUNTIME_CLASS) {
    this.source = source ?? staticPolicySource(defaultPolicySet(runtimeClass));
  }

  forTenant(tenant: string): ResolvedPolicy {
    const set = this.source.current();
    let byTenant = this.resolved.get(set);
    if (!byTenant) this.resolved.set(set, (byTenant = new Map()));
    let p = byTenant.get(tenant);
    if (!p) byTenant.set(tenant, (p = set.forTenant(tenant)));
    return p;
  }

  /** Call fn after every reload; returns the unsubscribe function. */
  onChange(fn: () => void): () => void {
    return this.source.onChange(() => fn());
  }
}
