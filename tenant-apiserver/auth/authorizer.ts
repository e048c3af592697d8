// Wires RBAC into a server: creates the bootstrap policy, keeps the in-memory
// policy in step with the store (watch), and runs ClusterRole aggregation as a
// controller (an aggregated role's rules = union of the roles its selectors match).

import { ApiError } from '../api/errors.js';
import type { Registry, ResourceInfo } from '../api/registry.js';
import { labelSelectorFromObject, matchLabels } from '../api/selectors.js';
import type { ResourceStore } from '../api/store.js';
import type { KubeObject, UserInfo } from '../api/types.js';
import type { Controller } from '../controllers/runtime.js';
import { bootstrapClusterRoleBindings, bootstrapClusterRoles } from './bootstrap.js';
import { RbacPolicy, type PolicyRule } from './rbac.js';

const SYSTEM: UserInfo = { username: 'system:apiserver', groups: ['system:masters'] };
const KINDS = [
  ['roles', 'Role'],
  ['clusterroles', 'ClusterRole'],
  ['rolebindings', 'RoleBinding'],
  ['clusterrolebindings', 'ClusterRoleBinding'],
] as const;

export interface Rbac {
  policy: RbacPolicy;
  /** Feed the policy from the store; resolves once the initial state is loaded. */
  start(): Promise<() => void>;
  /** Create the default roles and bindings that are missing. */
  bootstrap(): Promise<void>;
  aggregationController: Controller;
}

export function createRbac(registry: Registry, store: ResourceStore): Rbac {
  const policy = new RbacPolicy();
  const info = (resource: string): ResourceInfo => registry.get('rbac.authorization.k8s.io', 'v1', resource)!;

  async function bootstrap(): Promise<void> {
    for (const [objs, resource] of [
      [bootstrapClusterRoles(), 'clusterroles'],
      [bootstrapClusterRoleBindings(), 'clusterrolebindings'],
    ] as const) {
      // Concurrently: the store commits them together, one fsync instead of one per object.
      await Promise.all(
        objs.map(async (obj) => {
          try {
            await store.create(info(resource), undefined, obj, { user: SYSTEM });
          } catch (e) {
            if (!(e instanceof ApiError && e.code === 409)) throw e;
          }
        }),
      );
    }
  }

  async function start(): Promise<() => void> {
    const stops: (() => void)[] = [];
    for (const [resource, kind] of KINDS) {
      const w = await store.watch(info(resource), undefined, { resourceVersion: '' }, (type, obj) => {
        if (type === 'DELETED') policy.remove(kind, obj);
        else policy.upsert(kind, obj);
      });
      stops.push(() => w.stop());
    }
    return () => stops.forEach((s) => s());
  }

  const aggregationController: Controller = {
    name: 'clusterrole-aggregation',
    async start(enqueue) {
      // Any ClusterRole change may change an aggregated role: re-check all aggregated ones.
      const w = await store.watch(info('clusterroles'), undefined, { resourceVersion: '' }, async () => {
        const all = await store.list(info('clusterroles'), undefined);
        for (const r of all.items) if (r.aggregationRule) enqueue(r.metadata.name);
      });
      return () => w.stop();
    },
    async reconcile(name) {
      const roles = await store.list(info('clusterroles'), undefined);
      const target = roles.items.find((r) => r.metadata.name === name);
      const rule = target?.aggregationRule as { clusterRoleSelectors?: unknown[] } | undefined;
      if (!target || !rule) return;
      const rules: PolicyRule[] = [];
      const seen = new Set<string>();
      for (const sel of rule.clusterRoleSelectors ?? []) {
        const ls = labelSelectorFromObject(sel as Parameters<typeof labelSelectorFromObject>[0]);
        if (!ls) continue;
        for (const r of roles.items) {
          if (r.metadata.name === name || !matchLabels(ls, r.metadata.labels)) continue;
          for (const pr of (r.rules as PolicyRule[] | undefined) ?? []) {
            const key = JSON.stringify(pr);
            if (!seen.has(key)) {
              seen.add(key);
              rules.push(pr);
            }
          }
        }
      }
      if (JSON.stringify(target.rules ?? []) === JSON.stringify(rules)) return;
      await store.update(info('clusterroles'), undefined, name, (cur) => {
        if (!cur) throw new ApiError(404, 'NotFound', 'gone');
        return { ...cur, rules } as KubeObject;
      }, { user: SYSTEM });
    },
  };

  return { policy, start, bootstrap, aggregationController };
}
