// The shape of a tenant's policy once resolved: what the tenant API server's
// admission and the syncer's re-check both enforce. Policy files (file.ts) are
// parsed into this; a tenant named in no file gets `defaultPolicy()`.
//
// Safe by default: with no file, the kata class is forced, the baseline Pod
// Security level and every always-denied setting apply, network isolation is on,
// and there is no quota. Loosening is always an explicit line in a file.

import type { ResourceList } from '../local-cluster/resources.js';

export const POLICY_API_VERSION = 'tenantry.io/v1alpha1';
export const POLICY_KIND = 'TenantPolicy';

/** Kubernetes Pod Security Standards levels a tenant may be held to. */
export type PodSecurityLevel = 'baseline' | 'restricted';

/**
 * Settings refused to every tenant whatever its level, each loosenable by name
 * in `spec.podSecurity.allow` (a policy file line, never a default).
 */
export const ALWAYS_DENIED = [
  'hostNetwork',
  'hostPID',
  'hostIPC',
  'privileged',
  /** Capabilities added beyond what the level allows. */
  'capabilities',
  'hostPath',
  'hostPorts',
  /** seccomp `Unconfined` (pod or container). */
  'unconfinedSeccomp',
  /** AppArmor `Unconfined` (field or annotation). */
  'unconfinedAppArmor',
  /** priorityClassName starting `system-`. */
  'systemPriorityClass',
  /** A toleration with an empty key and operator Exists (tolerates every taint). */
  'blanketToleration',
  /** nodeName / nodeSelector / node affinity outside the tenant's node pool. */
  'nodeOutsidePool',
  /** Service spec.externalIPs. */
  'externalIPs',
] as const;
export type DeniedSetting = (typeof ALWAYS_DENIED)[number];

export interface QuotaPolicy {
  /** Tenant-wide hard limits, summed across all the tenant's namespaces (ResourceQuota resource names). Empty: no quota. */
  hard: ResourceList;
  /** Requests given to containers that set none (so every pod is counted). */
  defaultRequests: ResourceList;
  /** Limits given to containers that set none. */
  defaultLimits: ResourceList;
}

export interface ResolvedPolicy {
  tenant: string;
  /** Where it came from, for messages: `file.yaml (policy gold)`, or `built-in defaults`. */
  sources: string[];
  quota: QuotaPolicy;
  runtimeClasses: {
    /** Given to pods that name none, and forced by the syncer. */
    default: string;
    /** Classes a tenant pod may name (always includes `default`); shown to the tenant as RuntimeClass objects. */
    allowed: string[];
  };
  podSecurity: {
    level: PodSecurityLevel;
    /** Always-denied settings this tenant is explicitly allowed. */
    allow: ReadonlySet<DeniedSetting>;
  };
  /** The super-cluster nodes the tenant's pods may use; empty selector: any node. Forced on super pods by the syncer. */
  nodePool: { nodeSelector: Record<string, string> };
  network: {
    /** NetworkPolicies in the super cluster: pods reach only their own tenant's pods, DNS and the internet. */
    isolation: boolean;
  };
  /** PVC storage classes the tenant may name; undefined: any. */
  storageClasses: { allowed: string[] | undefined };
  /** The tenant's share of the syncer's fair queue (≥ 1). */
  weight: number;
}

export const DEFAULT_RUNTIME_CLASS = 'kata';

export function defaultPolicy(tenant: string, runtimeClass = DEFAULT_RUNTIME_CLASS): ResolvedPolicy {
  return {
    tenant,
    sources: ['built-in defaults'],
    quota: { hard: new Map(), defaultRequests: new Map(), defaultLimits: new Map() },
    runtimeClasses: { default: runtimeClass, allowed: [runtimeClass] },
    podSecurity: { level: 'baseline', allow: new Set() },
    nodePool: { nodeSelector: {} },
    network: { isolation: true },
    storageClasses: { allowed: undefined },
    weight: 1,
  };
}

/** One problem in a policy file, precise enough to fix: file, field path, reason. */
export interface PolicyError {
  file: string;
  /** 1-based line in the file, where known. */
  line?: number;
  /** e.g. `spec.quota.hard[requests.cpu]`; empty for whole-file problems (bad YAML). */
  field: string;
  reason: string;
}

export function formatPolicyError(e: PolicyError): string {
  const where = e.line !== undefined ? `${e.file}:${e.line}` : e.file;
  return e.field ? `${where}: ${e.field}: ${e.reason}` : `${where}: ${e.reason}`;
}

/** The policies in force, from the last good load of a directory. */
export interface PolicySet {
  /** The policy for a tenant: its own, from its tier, or the defaults. */
  forTenant(tenant: string): ResolvedPolicy;
}

/**
 * A directory of policy files, watched: `current()` is always the last good set
 * (a malformed file is reported and the previous set stays in force).
 */
export interface PolicySource {
  current(): PolicySet;
  /** Problems of the most recent load attempt; empty when it was good. */
  errors(): PolicyError[];
  /** Called after each successful (re)load; returns an unsubscribe function. */
  onChange(fn: (set: PolicySet) => void): () => void;
  close(): void;
}

/** A source that never changes: for components run without `--policy-dir`, and tests. */
export function staticPolicySource(set: PolicySet): PolicySource {
  return {
    current: () => set,
    errors: () => [],
    onChange: () => () => {},
    close: () => {},
  };
}

export function defaultPolicySet(runtimeClass = DEFAULT_RUNTIME_CLASS): PolicySet {
  return { forTenant: (t) => defaultPolicy(t, runtimeClass) };
}

/** A pod/service/claim setting a policy refuses. */
export interface Violation {
  /** The field path as kubectl users know it: `spec.hostNetwork`, `spec.containers[0].securityContext.privileged`. */
  field: string;
  /** The rule, as Pod Security Admission names its checks: `host namespaces`, `privileged`, `runtimeClass`, … */
  rule: string;
  /** Human detail: `hostNetwork=true`, `container "app" must not set securityContext.privileged=true`. */
  detail: string;
}
