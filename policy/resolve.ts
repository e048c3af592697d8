// All the policy documents of a directory → the resolved policy of every tenant.
// Checks that need every file at once live here: duplicate policy names, a tier
// defined twice, a tenant named by two policies, tierRef to an unknown tier, and
// default requests above default limits once a tier and a tenant policy combine.
//
// Resolution, layer by layer (later layers override the fields they set):
//   built-in defaults → tier (spec.tierRef, else tier "default" if defined) → the tenant's own policy.
// A tenant no policy names gets tier "default", or the built-in defaults.

import { defaultPolicy, DEFAULT_RUNTIME_CLASS, type PolicyError, type PolicySet, type ResolvedPolicy } from './types.js';
import { fieldPath, requestAboveLimitProblems, type PolicyDoc, type PolicySettings, type Seg } from './file.js';

/** The tier every tenant no policy names gets, and tenant policies without tierRef start from. */
export const DEFAULT_TIER = 'default';

/** One policy as loaded, for logs and `tenantry policy check`. */
export interface PolicyInfo {
  file: string;
  name: string;
  tier?: string;
  tenants?: string[];
  /** The tier a tenant policy starts from (its tierRef, or "default" when that tier exists). */
  baseTier?: string;
}

/** A PolicySet with what it was built from. */
export interface LoadedPolicySet extends PolicySet {
  policies: readonly PolicyInfo[];
  /** Tenants named explicitly by some policy, sorted. */
  tenants: readonly string[];
  /** Tier names defined, sorted. */
  tiers: readonly string[];
  /** A tier's settings over the built-in defaults (what a tenant referencing it starts from). */
  forTier(tier: string): ResolvedPolicy | undefined;
}

export interface BuildResult {
  set: LoadedPolicySet;
  errors: PolicyError[];
}

function describe(d: PolicyDoc): string {
  return `${d.file} (policy ${d.name})`;
}

/** Apply one layer's settings onto a resolved policy (a fresh object; the input is not changed). */
export function applySettings(base: ResolvedPolicy, s: PolicySettings, source: string): ResolvedPolicy {
  const p: ResolvedPolicy = {
    ...base,
    sources: [...base.sources.filter((x) => x !== 'built-in defaults'), source],
    quota: {
      // Per resource: a tenant policy raising one limit keeps the tier's others.
      hard: new Map([...base.quota.hard, ...(s.quota?.hard ?? [])]),
      defaultRequests: new Map([...base.quota.defaultRequests, ...(s.quota?.defaultRequests ?? [])]),
      defaultLimits: new Map([...base.quota.defaultLimits, ...(s.quota?.defaultLimits ?? [])]),
    },
  };
  if (s.runtimeClasses) {
    const def = s.runtimeClasses.default ?? base.runtimeClasses.default;
    const allowed = s.runtimeClasses.allowed ?? base.runtimeClasses.allowed;
    // The default is always allowed, and listed first.
    p.runtimeClasses = { default: def, allowed: [...new Set([def, ...allowed])] };
  }
  if (s.podSecurity) {
    p.podSecurity = { level: s.podSecurity.level ?? base.podSecurity.level, allow: s.podSecurity.allow ? new Set(s.podSecurity.allow) : base.podSecurity.allow };
  }
  if (s.nodeSelector) p.nodePool = { nodeSelector: { ...s.nodeSelector } };
  if (s.networkIsolation !== undefined) p.network = { isolation: s.networkIsolation };
  if (s.storageClassesAllowed) p.storageClasses = { allowed: [...s.storageClassesAllowed] };
  if (s.weight !== undefined) p.weight = s.weight;
  return p;
}

function errorAt(d: PolicyDoc, path: Seg[], reason: string): PolicyError {
  const line = d.lineOf(path);
  return { file: d.file, field: fieldPath(path), reason, ...(line !== undefined ? { line } : {}) };
}

export interface BuildOptions {
  /** The built-in default runtime class (the syncer's `--runtime-class`). */
  runtimeClass?: string;
}

/** Cross-check and resolve. With errors, `set` is the built-in defaults (callers keep their last good set). */
export function buildPolicySet(docs: PolicyDoc[], opts: BuildOptions = {}): BuildResult {
  const runtimeClass = opts.runtimeClass ?? DEFAULT_RUNTIME_CLASS;
  const errors: PolicyError[] = [];

  const byName = new Map<string, PolicyDoc>();
  for (const d of docs) {
    const first = byName.get(d.name);
    if (first) errors.push(errorAt(d, ['metadata', 'name'], `Duplicate value: ${JSON.stringify(d.name)}: also defined in ${first.file}`));
    else byName.set(d.name, d);
  }

  const tiers = new Map<string, PolicyDoc>();
  for (const d of docs) {
    if (d.tier === undefined) continue;
    const first = tiers.get(d.tier);
    if (first) errors.push(errorAt(d, ['spec', 'tier'], `Duplicate value: ${JSON.stringify(d.tier)}: tier already defined by ${describe(first)}`));
    else tiers.set(d.tier, d);
  }

  const tenantOwner = new Map<string, PolicyDoc>();
  for (const d of docs) {
    (d.tenants ?? []).forEach((t, i) => {
      const first = tenantOwner.get(t);
      if (first) errors.push(errorAt(d, ['spec', 'tenants', i], `Duplicate value: ${JSON.stringify(t)}: tenant already named by ${describe(first)}`));
      else tenantOwner.set(t, d);
    });
  }

  const builtin = defaultPolicy('', runtimeClass);
  const tierPolicy = new Map<string, ResolvedPolicy>();
  for (const [name, d] of tiers) tierPolicy.set(name, applySettings(builtin, d.settings, describe(d)));

  const resolved = new Map<string, ResolvedPolicy>();
  const infos: PolicyInfo[] = [];
  for (const d of docs) {
    const info: PolicyInfo = { file: d.file, name: d.name };
    if (d.tier !== undefined) info.tier = d.tier;
    infos.push(info);
    if (!d.tenants) continue;
    info.tenants = d.tenants;
    let base = builtin;
    let baseDoc: PolicyDoc | undefined;
    if (d.tierRef !== undefined) {
      baseDoc = tiers.get(d.tierRef);
      if (!baseDoc) {
        const known = [...tiers.keys()].sort();
        errors.push(errorAt(d, ['spec', 'tierRef'], `Not found: ${JSON.stringify(d.tierRef)}: no policy defines this tier (${known.length ? `tiers: ${known.join(', ')}` : 'no tiers are defined'})`));
        continue;
      }
    } else baseDoc = tiers.get(DEFAULT_TIER);
    if (baseDoc) {
      base = tierPolicy.get(baseDoc.tier!)!;
      info.baseTier = baseDoc.tier!;
    }
    const p = applySettings(base, d.settings, describe(d));
    // Each file alone was checked; a tier's default request above the tenant's own
    // default limit (or the reverse) only shows once the two combine.
    const ownReq = d.settings.quota?.defaultRequests ?? new Map();
    const ownLim = d.settings.quota?.defaultLimits ?? new Map();
    for (const pr of requestAboveLimitProblems(p.quota.defaultRequests, p.quota.defaultLimits, ['spec', 'quota', 'defaults'])) {
      const key = pr.path[pr.path.length - 1] as { key: string };
      if (ownReq.has(key.key) && ownLim.has(key.key)) continue; // reported by file.ts already
      const path: Seg[] = ownReq.has(key.key) ? pr.path : ['spec', 'quota', 'defaults', 'limits', key];
      errors.push(errorAt(d, path, `${pr.reason} (combined with tier ${JSON.stringify(baseDoc?.tier)} from ${baseDoc ? describe(baseDoc) : 'built-in defaults'})`));
    }
    for (const t of d.tenants) if (tenantOwner.get(t) === d) resolved.set(t, { ...p, tenant: t });
  }
  // A tier's own defaults were checked in its file.

  if (errors.length > 0 || docs.some((d) => d.hasErrors)) return { set: emptySet(runtimeClass), errors };
  const fallback = tierPolicy.get(DEFAULT_TIER) ?? builtin;
  return {
    set: {
      // Shallow copies: callers treat policies as read-only; the tenant name differs.
      forTenant: (t) => ({ ...(resolved.get(t) ?? fallback), tenant: t }),
      policies: infos,
      tenants: [...resolved.keys()].sort(),
      tiers: [...tiers.keys()].sort(),
      forTier: (t) => tierPolicy.get(t),
    },
    errors: [],
  };
}

/** The built-in defaults as a LoadedPolicySet (no files, or nothing good loaded yet). */
export function emptySet(runtimeClass = DEFAULT_RUNTIME_CLASS): LoadedPolicySet {
  return { forTenant: (t) => defaultPolicy(t, runtimeClass), policies: [], tenants: [], tiers: [], forTier: () => undefined };
}
