// The tenant API server's half of policy enforcement (the syncer re-checks
// everything it sends down; this half refuses at the door, so kubectl shows
// the reason at once and nothing violating is ever stored):
// - admit: pods get the default RuntimeClass and the default container
//   requests/limits (so every pod is counted against the quota);
// - validate: the sandbox rules (Pod Security level + always-denied settings,
//   runtime classes, storage classes, service externalIPs, forged
//   `tenantry.io/` marks), then the tenant-wide quota, exact under concurrency;
// - controllers: a read-only ResourceQuota `tenant-quota` in every namespace
//   whose status shows the tenant-wide figures (`kubectl describe quota`), and
//   the allowed runtime classes as RuntimeClass objects (`kubectl get runtimeclass`).
// Objects the policy owns are refused to every other writer; deleted, they
// come back within a reconcile.

import type { Logger } from 'pino';
import type { Registry, ResourceInfo } from '../tenant-apiserver/api/registry.js';
import type { AdmissionPlugin, AdmissionRequest, ResourceStore } from '../tenant-apiserver/api/store.js';
import { addQuantities, compareQuantities } from '../tenant-apiserver/api/strategies/quantity.js';
import { asObj, deepEqual, objs, str, type Obj } from '../tenant-apiserver/api/strategies/util.js';
import type { KubeObject, StoredObject, UserInfo } from '../tenant-apiserver/api/types.js';
import { ApiError } from '../tenant-apiserver/api/errors.js';
import type { Controller } from '../tenant-apiserver/controllers/runtime.js';
import { exceededMessage, objectUsage, podConstraintError } from '../local-cluster/quota-usage.js';
import { formatResourceList, parseResourceList, type ResourceList } from '../local-cluster/resources.js';
import { admissionForbidden } from '../local-cluster/runtimeclass.js';
import { ignoring, isCode } from '../local-cluster/util.js';
import { checkObject, violationMessage } from './sandbox.js';
import { TenantUsage } from './tenant-usage.js';
import type { PolicySource, ResolvedPolicy, Violation } from './types.js';

/** The read-only quota object in each tenant namespace; also the quota name in refusal messages. */
export const TENANT_QUOTA_NAME = 'tenant-quota';
/** Marks the objects this module manages (not under `tenantry.io/`: tenants may read them, and the prefix is reserved on synced kinds). */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'tenantry-policy';
/** The identity the policy controllers write as. */
export const POLICY_USER: UserInfo = { username: 'system:tenantry:policy', groups: ['system:masters', 'system:authenticated'] };
/** How long usage changes are coalesced before the visible quotas are rewritten. */
const STATUS_DEBOUNCE_MS = 1000;

export interface EnforcementContext {
  registry: Registry;
  store: ResourceStore;
  log: Logger;
}

export interface TenantPolicyEnforcement {
  admission: AdmissionPlugin[];
  controllers: Controller[];
  usage: TenantUsage;
  close(): void;
}

const CONTAINER_LISTS = ['initContainers', 'containers'] as const;

/** Defaults spelled out once per loaded policy, not on every pod. */
const SPELLED = new WeakMap<ResourceList, Record<string, string>>();
function spelled(list: ResourceList): Record<string, string> {
  let out = SPELLED.get(list);
  if (!out) SPELLED.set(list, (out = formatResourceList(list)));
  return out;
}

/** LimitRanger's defaulting, for the tenant's defaults: fill in what a container leaves out. */
export function applyContainerDefaults(pod: KubeObject, requests: ResourceList, limits: ResourceList): void {
  if (requests.size === 0 && limits.size === 0) return;
  const requestText = spelled(requests);
  const limitText = spelled(limits);
  const spec = asObj(pod.spec);
  if (!spec) return;
  for (const list of CONTAINER_LISTS) {
    for (const c of objs(spec[list])) {
      const res = (asObj(c.resources) ?? {}) as Obj;
      const req = { ...((asObj(res.requests) ?? {}) as Record<string, unknown>) };
      const lim = { ...((asObj(res.limits) ?? {}) as Record<string, unknown>) };
      for (const [name, q] of limits) {
        if (lim[name] !== undefined) continue;
        // A default limit below what the container asks for would make it invalid: leave the limit open instead.
        const asked = parseResourceList(req).get(name);
        if (asked && compareQuantities(asked, q) > 0) continue;
        lim[name] = limitText[name];
      }
      for (const [name, q] of requests) {
        if (req[name] !== undefined) continue;
        // As the API's defaulting does: an explicit limit without a request is also the request.
        if (lim[name] !== undefined && limits.get(name) === undefined) {
          req[name] = lim[name];
          continue;
        }
        const cap = parseResourceList(lim).get(name);
        req[name] = cap && compareQuantities(q, cap) > 0 ? lim[name] : requestText[name];
      }
      if (Object.keys(req).length > 0) res.requests = req;
      if (Object.keys(lim).length > 0) res.limits = lim;
      c.resources = res;
    }
  }
}

function violationKey(v: Violation): string {
  return `${v.field}\u0000${v.rule}\u0000${v.detail}`;
}

/** Violations in `now` that `before` did not already have (an update is refused only for what it adds). */
function added(now: Violation[], before: Violation[]): Violation[] {
  const old = new Set(before.map(violationKey));
  return now.filter((v) => !old.has(violationKey(v)));
}

function isPolicyUser(u: UserInfo): boolean {
  return u.username === POLICY_USER.username;
}

function managedObjectRefusal(req: AdmissionRequest): string | undefined {
  if (isPolicyUser(req.user)) return undefined;
  const { group, resource } = req.info;
  if (group === '' && resource === 'resourcequotas' && (req.name || str(req.object.metadata?.name)) === TENANT_QUOTA_NAME) {
    return 'this quota shows the tenant-wide limits and usage set by the platform\'s tenant policy; it is read-only';
  }
  if (group === 'node.k8s.io' && resource === 'runtimeclasses') {
    return 'runtime classes are set by the platform\'s tenant policy; `kubectl get runtimeclass` lists the ones this tenant may use';
  }
  return undefined;
}

export function tenantPolicyEnforcement(ctx: EnforcementContext, tenant: string, source: PolicySource): TenantPolicyEnforcement {
  const { registry, store, log } = ctx;
  const usage = new TenantUsage(registry, store, log.child({ component: 'tenant-quota' }));
  const policyOf = (() => {
    // Resolving is cheap, but a create path runs it several times: keep it per loaded set.
    const cache = new WeakMap<object, ResolvedPolicy>();
    return (): ResolvedPolicy => {
      const set = source.current();
      let p = cache.get(set);
      if (!p) cache.set(set, (p = set.forTenant(tenant)));
      return p;
    };
  })();
  const nodes = registry.get('', 'v1', 'nodes')!;

  const defaults: AdmissionPlugin = {
    name: 'TenantPolicyDefaults',
    admit(req) {
      if (req.operation !== 'CREATE' || req.subresource || req.info.group !== '' || req.info.resource !== 'pods') return;
      const policy = policyOf();
      const spec = asObj(req.object.spec);
      if (spec && !str(spec.runtimeClassName)) spec.runtimeClassName = policy.runtimeClasses.default;
      applyContainerDefaults(req.object, policy.quota.defaultRequests, policy.quota.defaultLimits);
    },
  };

  const sandbox: AdmissionPlugin = {
    name: 'TenantPolicy',
    async validate(req) {
      // Before the subresource skip: the visible quota's status is the policy's too.
      const managed = managedObjectRefusal(req);
      if (managed) throw admissionForbidden(req, managed);
      if (req.subresource) return;
      if (isPolicyUser(req.user)) return;
      const policy = policyOf();
      const { group, resource } = req.info;
      const pod = group === '' && resource === 'pods';
      const nodeName = pod ? str(asObj(req.object.spec)?.nodeName) : '';
      const virtualNodes = nodeName ? new Set((await store.list(nodes, undefined)).items.map((n) => n.metadata.name)) : undefined;
      const ctx = virtualNodes ? { virtualNodes } : undefined;
      let found = checkObject(policy, group, resource, req.object, ctx);
      if (req.operation === 'UPDATE' && req.oldObject) found = added(found, checkObject(policy, group, resource, req.oldObject, ctx));
      if (found.length > 0) throw admissionForbidden(req, violationMessage(policy, resource, found));
    },
  };

  const quota: AdmissionPlugin = {
    name: 'TenantQuota',
    async validate(req) {
      if (req.subresource || !req.info.namespaced || !req.namespace) return;
      const policy = policyOf();
      const hard = policy.quota.hard;
      if (hard.size === 0) return;
      const { group, resource } = req.info.storage;
      const now = Date.now();
      const want = objectUsage(group, resource, req.object, now);
      const before = req.operation === 'UPDATE' && req.oldObject ? objectUsage(group, resource, req.oldObject, now) : new Map();
      // What this write adds (an update is charged only for its growth, as kube's quota does).
      const requested: ResourceList = new Map();
      for (const [k, q] of want) {
        if (!hard.has(k)) continue;
        const prev = before.get(k);
        if (prev && compareQuantities(q, prev) <= 0) continue;
        requested.set(k, prev ? addQuantities(q, { ...prev, mantissa: -prev.mantissa }) : q);
      }
      if (group === '' && resource === 'pods' && req.operation === 'CREATE') {
        const why = podConstraintError(req.object, hard.keys());
        if (why) throw admissionForbidden(req, `failed quota: ${TENANT_QUOTA_NAME}: ${why}`);
      }
      if (requested.size === 0) return;
      await usage.track(hard);
      // Check and reserve in one synchronous step (no other request can run in between), and hold nothing
      // across the commit: concurrent admitted creates still share an fsync.
      const used = usage.used(new Set(requested.keys()), now);
      const msg = exceededMessage(TENANT_QUOTA_NAME, hard, used, requested);
      if (msg) throw admissionForbidden(req, msg);
      if (req.dryRun) return;
      const hold = usage.reserve(req.info, req.namespace, req.name || str(req.object.metadata?.name), requested);
      return () => void hold.settle();
    },
  };

  const { controller: quotaStatus, close: closeQuotaStatus } = visibleQuotaController(ctx, usage, policyOf, source);
  const runtimeClasses = runtimeClassController(ctx, policyOf, source);
  return {
    admission: [defaults, sandbox, quota],
    controllers: [quotaStatus, runtimeClasses],
    usage,
    close() {
      closeQuotaStatus();
      usage.close();
    },
  };
}

/** The object an update reads must still be there: an update never re-creates the visible quota behind a delete. */
function existing(cur: StoredObject | undefined): StoredObject {
  if (!cur) throw new ApiError(404, 'NotFound', `resourcequotas "${TENANT_QUOTA_NAME}" not found`);
  return cur;
}

/** The visible `tenant-quota` in each namespace: spec.hard the tenant's limits, status the tenant-wide usage. */
function visibleQuotaController(
  ctx: EnforcementContext,
  usage: TenantUsage,
  policyOf: () => ResolvedPolicy,
  source: PolicySource,
): { controller: Controller; close(): void } {
  const { registry, store, log } = ctx;
  const quotas = registry.get('', 'v1', 'resourcequotas')!;
  const namespaces = registry.get('', 'v1', 'namespaces')!;
  const known = new Set<string>();
  /** What this controller last wrote to each namespace's quota (set before the write: its event may come first). */
  const written = new Map<string, { spec: unknown; status: unknown }>();
  let timer: NodeJS.Timeout | undefined;
  const stops: (() => void)[] = [];
  const controller: Controller = {
    name: 'tenant-quota',
    async start(enqueue) {
      const all = () => known.forEach(enqueue);
      const nsWatch = await store.watch(namespaces, undefined, { resourceVersion: '', sharedObjects: true }, (type, ns) => {
        if (type === 'DELETED') {
          known.delete(ns.metadata.name);
          written.delete(ns.metadata.name);
        }
        else {
          known.add(ns.metadata.name);
          enqueue(ns.metadata.name);
        }
      });
      stops.push(() => nsWatch.stop());
      const qWatch = await store.watch(quotas, undefined, { resourceVersion: '', sharedObjects: true }, (type, q) => {
        const ns = q.metadata.namespace;
        if (q.metadata.name !== TENANT_QUOTA_NAME || !ns) return;
        // Our own writes come back as events: reacting to them would rewrite the status as fast as the store
        // commits while usage changes (a feedback loop). Usage changes reach us through the debounced ledger.
        const mine = written.get(ns);
        if (type !== 'DELETED' && mine && deepEqual(q.spec, mine.spec) && deepEqual(q.status ?? {}, mine.status)) return;
        if (type === 'DELETED') written.delete(ns);
        enqueue(ns);
      });
      stops.push(() => qWatch.stop());
      stops.push(
        usage.onChange(() => {
          timer ??= setTimeout(() => {
            timer = undefined;
            all();
          }, STATUS_DEBOUNCE_MS);
        }),
      );
      stops.push(
        source.onChange(() => {
          void usage.track(policyOf().quota.hard.keys()).finally(all);
        }),
      );
      await usage.track(policyOf().quota.hard.keys());
      return () => stops.forEach((s) => s());
    },
    async reconcile(ns) {
      const namespace = await ignoring(() => store.get(namespaces, undefined, ns), 404);
      if (!namespace || namespace.metadata.deletionTimestamp) return;
      const hard = policyOf().quota.hard;
      const current = await ignoring(() => store.get(quotas, ns, TENANT_QUOTA_NAME), 404);
      if (hard.size === 0) {
        if (current && current.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY) {
          await ignoring(() => store.delete(quotas, ns, TENANT_QUOTA_NAME, { preconditions: { uid: current.metadata.uid } }, { user: POLICY_USER }), 404, 409);
        }
        return;
      }
      await usage.track(hard.keys());
      const spec = { hard: formatResourceList(hard) };
      const status = { hard: spec.hard, used: formatResourceList(usage.used(new Set(hard.keys()))) };
      // No field manager: tracking managed fields would compile every schema at start-up (before any tenant write needs them).
      const wc = { user: POLICY_USER };
      let obj = current;
      if (!obj) {
        obj = await store.create(
          quotas,
          ns,
          {
            apiVersion: 'v1',
            kind: 'ResourceQuota',
            metadata: {
              name: TENANT_QUOTA_NAME,
              namespace: ns,
              labels: { [MANAGED_BY_LABEL]: MANAGED_BY },
              annotations: { 'tenantry.io/scope': 'tenant', 'kubernetes.io/description': 'Tenant-wide limits and usage across all namespaces (read-only; set by the platform\'s tenant policy)' },
            },
            spec,
          },
          wc,
        );
      } else if (!deepEqual(current!.spec, spec)) {
        obj = (await store.update(quotas, ns, TENANT_QUOTA_NAME, (cur) => ({ ...existing(cur), spec }), wc)).object;
      }
      written.set(ns, { spec, status });
      if (!deepEqual(obj.status ?? {}, status)) {
        await store
          .update(quotas, ns, TENANT_QUOTA_NAME, (cur) => ({ ...existing(cur), status }), { ...wc, subresource: 'status' })
          .catch((e: unknown) => {
            if (!isCode(e, 404, 409)) throw e;
            log.debug({ namespace: ns }, 'tenant quota status raced; retried on the next change');
          });
      }
    },
  };
  return {
    controller,
    close() {
      if (timer) clearTimeout(timer);
    },
  };
}

/** The allowed runtime classes, as RuntimeClass objects the tenant can list. */
function runtimeClassController(ctx: EnforcementContext, policyOf: () => ResolvedPolicy, source: PolicySource): Controller {
  const { registry, store } = ctx;
  const info: ResourceInfo = registry.get('node.k8s.io', 'v1', 'runtimeclasses')!;
  const KEY = 'runtimeclasses';
  return {
    name: 'tenant-runtimeclasses',
    async start(enqueue) {
      const w = await store.watch(info, undefined, { resourceVersion: '', sharedObjects: true }, () => enqueue(KEY));
      const off = source.onChange(() => enqueue(KEY));
      // Before the server reports ready: a tenant's first `kubectl get runtimeclass` already lists them.
      await this.reconcile(KEY);
      return () => {
        w.stop();
        off();
      };
    },
    async reconcile() {
      const policy = policyOf();
      const wanted = new Set(policy.runtimeClasses.allowed);
      const existing = (await store.list(info, undefined)).items;
      // No field manager: tracking managed fields would compile every schema at start-up (before any tenant write needs them).
      const wc = { user: POLICY_USER };
      for (const rc of existing) {
        const mine = rc.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY;
        if (mine && !wanted.has(rc.metadata.name)) {
          await ignoring(() => store.delete(info, undefined, rc.metadata.name, { preconditions: { uid: rc.metadata.uid } }, wc), 404, 409);
        }
      }
      const names = new Set(existing.map((r) => r.metadata.name));
      for (const name of wanted) {
        if (names.has(name)) continue;
        await ignoring(
          () =>
            store.create(
              info,
              undefined,
              {
                apiVersion: 'node.k8s.io/v1',
                kind: 'RuntimeClass',
                metadata: {
                  name,
                  labels: { [MANAGED_BY_LABEL]: MANAGED_BY },
                  annotations: name === policy.runtimeClasses.default ? { 'tenantry.io/default': 'true' } : {},
                },
                handler: name,
              },
              wc,
            ),
          409,
        );
      }
    },
  };
}
