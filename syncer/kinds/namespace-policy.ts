// The policy objects the syncer keeps in each super namespace of a tenant,
// derived from the tenant's policy rather than copied from any tenant object:
// - ResourceQuota `tenantry-backstop`: the tenant-wide hard limits on counts
//   and storage, so even if the tenant API server's admission were bypassed no
//   single namespace could exceed the tenant's total (see backstopHard for why
//   compute is left out; absent when nothing is left);
// - LimitRange `tenantry-defaults`: container default requests/limits, so
//   every super pod is counted (absent when the policy sets none);
// - NetworkPolicy `tenantry-isolation` (when network isolation is on): every
//   pod of the namespace may receive traffic only from the same tenant's pods,
//   and send it only to them, to cluster DNS, and to public addresses — never
//   to other tenants, nodes or the platform's control plane.
// They are planned as extra actions of the namespace kind (they live and die
// with the super namespace), carry the usual ownership marks, and are
// converged on every namespace reconcile, so the patroller heals drift.

import { compareQuantities } from '../../tenant-apiserver/api/strategies/quantity.js';
import { formatResourceList, parseResourceList, type ResourceList } from '../../local-cluster/resources.js';
import type { ResolvedPolicy } from '../../policy/types.js';
import { LABEL_TENANT, ownedAs, ownedBy, superMetadata } from '../mapping.js';
import { CORE, apiVersionOf, asObj, isDeleting, objs, semanticEqual, uidOf, type KubeObject, type Obj, type ResourceRef } from '../types.js';
import type { Action, SyncContext } from '../engine/kind.js';
import { metadataEqual, updateBody } from '../engine/reconciler.js';

export const RESOURCEQUOTAS = CORE('resourcequotas', 'ResourceQuota');
export const LIMITRANGES = CORE('limitranges', 'LimitRange');
export const NETWORKPOLICIES: ResourceRef = { group: 'networking.k8s.io', version: 'v1', plural: 'networkpolicies', kind: 'NetworkPolicy', namespaced: true };

export const BACKSTOP_QUOTA = 'tenantry-backstop';
export const DEFAULTS_LIMIT_RANGE = 'tenantry-defaults';
export const ISOLATION_POLICY = 'tenantry-isolation';

/**
 * Address ranges a tenant pod may not reach through the "internet" rule:
 * RFC 1918, link-local (cloud metadata), and CGNAT (often pod/service ranges).
 * Pod, service and node addresses of a cluster live in these, so excluding
 * them keeps other tenants and the platform unreachable.
 */
export const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', '100.64.0.0/10'];

interface Derived {
  ref: ResourceRef;
  name: string;
  /** The object's content (metadata is added), or undefined when the policy wants none. */
  body(policy: ResolvedPolicy, tenant: string): Obj | undefined;
  /** Whether the super object's content matches (server-normalised values compare equal). */
  equal(desired: KubeObject, superObj: KubeObject): boolean;
}

function listsEqual(a: ResourceList, b: ResourceList): boolean {
  if (a.size !== b.size) return false;
  for (const [k, q] of a) {
    const o = b.get(k);
    if (!o || compareQuantities(q, o) !== 0) return false;
  }
  return true;
}

const specOf = (o: KubeObject): Obj => asObj(o.spec) ?? {};

export function isolationSpec(tenant: string): Obj {
  const sameTenant = { namespaceSelector: { matchLabels: { [LABEL_TENANT]: tenant } } };
  return {
    // An empty selector: every pod in the namespace, whatever labels the tenant gives it.
    podSelector: {},
    policyTypes: ['Ingress', 'Egress'],
    ingress: [{ from: [sameTenant] }],
    egress: [
      { to: [sameTenant] },
      {
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
        ports: [
          { protocol: 'UDP', port: 53 },
          { protocol: 'TCP', port: 53 },
        ],
      },
      { to: [{ ipBlock: { cidr: '0.0.0.0/0', except: PRIVATE_RANGES } }] },
    ],
  };
}

/**
 * The tenant's hard limits a super namespace can carry as they are. Compute
 * (cpu, memory, ephemeral storage, hugepages) is left out: the super cluster
 * charges each pod its sandbox's overhead too (a Kata VM's RuntimeClass
 * overhead, which the tenant neither sees nor is charged for), so the tenant's
 * figures would refuse pods its own control plane rightly admitted. Counts and
 * storage mean the same on both sides; compute is enforced exactly by the
 * tenant API server, and bounded here through the pod count and the defaults.
 */
export function backstopHard(hard: ResourceList): ResourceList {
  const compute = /^(requests\.|limits\.)?(cpu|memory|ephemeral-storage|hugepages-.*)$/;
  return new Map([...hard].filter(([k]) => !compute.test(k)));
}

export const DERIVED: readonly Derived[] = [
  {
    ref: RESOURCEQUOTAS,
    name: BACKSTOP_QUOTA,
    body: (p) => {
      const hard = backstopHard(p.quota.hard);
      return hard.size > 0 ? { spec: { hard: formatResourceList(hard) } } : undefined;
    },
    equal: (d, s) => listsEqual(parseResourceList(specOf(d).hard), parseResourceList(specOf(s).hard)) && semanticEqual({ ...specOf(d), hard: undefined }, { ...specOf(s), hard: undefined }),
  },
  {
    ref: LIMITRANGES,
    name: DEFAULTS_LIMIT_RANGE,
    body: (p) => {
      const { defaultRequests, defaultLimits } = p.quota;
      if (defaultRequests.size === 0 && defaultLimits.size === 0) return undefined;
      const item: Obj = { type: 'Container' };
      if (defaultLimits.size > 0) item.default = formatResourceList(defaultLimits);
      if (defaultRequests.size > 0) item.defaultRequest = formatResourceList(defaultRequests);
      return { spec: { limits: [item] } };
    },
    equal: (d, s) => {
      const dl = objs(specOf(d).limits);
      const sl = objs(specOf(s).limits);
      if (dl.length !== sl.length) return false;
      return dl.every((item, i) => {
        const o = sl[i]!;
        return item.type === o.type && listsEqual(parseResourceList(item.default), parseResourceList(o.default)) && listsEqual(parseResourceList(item.defaultRequest), parseResourceList(o.defaultRequest));
      });
    },
  },
  {
    ref: NETWORKPOLICIES,
    name: ISOLATION_POLICY,
    body: (p, tenant) => (p.network.isolation ? { spec: isolationSpec(tenant) } : undefined),
    equal: (d, s) => semanticEqual(d.spec, s.spec),
  },
];

export const DERIVED_REFS: readonly ResourceRef[] = DERIVED.map((d) => d.ref);

/**
 * Actions that bring a super namespace's policy objects to what the tenant's
 * policy wants: create the missing, converge the drifted, delete the ones the
 * policy no longer asks for (only when they carry this tenant's marks).
 */
export function planNamespacePolicy(tenantNs: KubeObject, superNs: KubeObject, ctx: SyncContext): Action[] {
  const tenantNsName = tenantNs.metadata?.name ?? '';
  const superNsName = superNs.metadata?.name ?? '';
  if (isDeleting(superNs)) return [];
  const actions: Action[] = [];
  for (const d of DERIVED) {
    const existing = ctx.view.superGet(d.ref.plural, superNsName, d.name);
    const body = d.body(ctx.policy, ctx.tenant.name);
    if (!body) {
      if (existing && ownedBy(existing, ctx.tenant) && !isDeleting(existing)) {
        actions.push({ op: 'delete-super', ref: d.ref, namespace: superNsName, name: d.name, uid: uidOf(existing), why: 'orphan' });
      }
      continue;
    }
    const metadata = superMetadata(
      ctx.tenant,
      tenantNs,
      { tenantNamespace: tenantNsName, namespaceUID: uidOf(tenantNs), objectName: d.name, objectUID: uidOf(tenantNs) },
      { name: d.name, namespace: superNsName, copyTenantMetadata: false },
    );
    const desired: KubeObject = { ...body, apiVersion: apiVersionOf(d.ref), kind: d.ref.kind, metadata };
    if (!existing) {
      actions.push({ op: 'create-super', ref: d.ref, object: desired });
      continue;
    }
    if (!ownedAs(existing, ctx.tenant, tenantNsName, d.name)) {
      actions.push({ op: 'conflict', message: `super ${d.ref.kind} ${superNsName}/${d.name} is not this tenant's` });
      continue;
    }
    if (isDeleting(existing)) continue;
    if (!metadataEqual(desired, existing) || !d.equal(desired, existing)) {
      actions.push({ op: 'update-super', ref: d.ref, object: updateBody({ ref: d.ref, fields: ['spec'], toSuper: () => ({}) }, desired, existing) });
    }
  }
  return actions;
}
