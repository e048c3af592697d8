// `tenantry policy check DIR`: the same load the syncer and API server do, for CI
// and for a platform team before they commit a change. Exit 1 with every error,
// or 0 with what each policy resolves to.

import { formatQuantity } from '../tenant-apiserver/api/strategies/quantity.js';
import type { ResourceList } from '../local-cluster/resources.js';
import { loadPolicyDir } from './loader.js';
import { DEFAULT_TIER, type BuildOptions } from './resolve.js';
import { formatPolicyError, type ResolvedPolicy } from './types.js';

function list(l: ResourceList): string {
  return [...l.keys()].sort().map((k) => `${k}=${formatQuantity(l.get(k)!)}`).join(', ');
}

/** The key figures of a resolved policy, one per line. */
export function describePolicy(p: ResolvedPolicy): string[] {
  const lines = [
    `quota: ${p.quota.hard.size ? list(p.quota.hard) : 'none'}`,
    `default requests: ${p.quota.defaultRequests.size ? list(p.quota.defaultRequests) : 'none'}; default limits: ${p.quota.defaultLimits.size ? list(p.quota.defaultLimits) : 'none'}`,
    `runtime classes: default ${p.runtimeClasses.default}, allowed ${p.runtimeClasses.allowed.join(', ')}`,
    `pod security: ${p.podSecurity.level}${p.podSecurity.allow.size ? `, allowed: ${[...p.podSecurity.allow].join(', ')}` : ', every always-denied setting refused'}`,
  ];
  const sel = Object.entries(p.nodePool.nodeSelector).map(([k, v]) => `${k}=${v}`);
  lines.push(`node pool: ${sel.length ? sel.join(', ') : 'any node'}`);
  lines.push(`network isolation: ${p.network.isolation ? 'on' : 'OFF'}`);
  lines.push(`storage classes: ${p.storageClasses.allowed === undefined ? 'any' : p.storageClasses.allowed.length ? p.storageClasses.allowed.join(', ') : 'none'}`);
  lines.push(`weight: ${p.weight}`);
  return lines;
}

export function runPolicyCheck(dir: string, out: (line: string) => void, opts: BuildOptions = {}): number {
  const { set, errors } = loadPolicyDir(dir, opts);
  if (errors.length > 0) {
    for (const e of errors) out(formatPolicyError(e));
    out(`${errors.length} error${errors.length === 1 ? '' : 's'} in ${dir}: not loaded (a running Tenantry keeps its last good policy)`);
    return 1;
  }
  // Tiers first: tenant policies read as "tier X, except …".
  const ordered = [...set.policies.filter((p) => p.tier !== undefined), ...set.policies.filter((p) => p.tier === undefined)];
  for (const info of ordered) {
    if (info.tier !== undefined) {
      out(`policy ${info.name} (${info.file}): defines tier ${info.tier}`);
      const p = set.forTier(info.tier);
      if (p) for (const l of describePolicy(p)) out(`  ${l}`);
    } else {
      const tenants = info.tenants ?? [];
      out(`policy ${info.name} (${info.file}): tenants ${tenants.join(', ')}${info.baseTier ? ` (from tier ${info.baseTier})` : ''}`);
      for (const l of describePolicy(set.forTenant(tenants[0]!))) out(`  ${l}`);
    }
  }
  if (set.tiers.includes(DEFAULT_TIER)) out(`tenants no policy names: tier ${DEFAULT_TIER} (above)`);
  else {
    out('tenants no policy names: built-in defaults');
    // A name no tenant can have (not a DNS label), so this is the fallback whatever the files say.
    for (const l of describePolicy(set.forTenant('-'))) out(`  ${l}`);
  }
  out(`OK: ${set.policies.length} polic${set.policies.length === 1 ? 'y' : 'ies'}, ${set.tiers.length} tier(s), ${set.tenants.length} tenant(s) named`);
  return 0;
}
