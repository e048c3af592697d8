// Small pieces the local cluster's controllers share: the identities they act
// as, resource lookups, a keyed async mutex, and "ignore this kube error" helpers.

import type { Registry, ResourceInfo } from '../tenant-apiserver/api/registry.js';
import { ApiError } from '../tenant-apiserver/api/errors.js';
import type { UserInfo } from '../tenant-apiserver/api/types.js';

/** The component identities kube's own controllers use, so audit-like traces read the same. */
export const USERS: {
  scheduler: UserInfo;
  endpoints: UserInfo;
  endpointSlices: UserInfo;
  quota: UserInfo;
  apiserver: UserInfo;
  node: (name: string) => UserInfo;
} = {
  scheduler: { username: 'system:kube-scheduler', groups: ['system:authenticated'] },
  endpoints: { username: 'system:serviceaccount:kube-system:endpoint-controller', groups: ['system:serviceaccounts', 'system:authenticated'] },
  endpointSlices: { username: 'system:serviceaccount:kube-system:endpointslice-controller', groups: ['system:serviceaccounts', 'system:authenticated'] },
  quota: { username: 'system:serviceaccount:kube-system:resourcequota-controller', groups: ['system:serviceaccounts', 'system:authenticated'] },
  apiserver: { username: 'system:apiserver', groups: ['system:masters'] },
  node: (name: string): UserInfo => ({ username: `system:node:${name}`, groups: ['system:nodes', 'system:authenticated'] }),
};

/** The served ResourceInfo for group/version/resource; throws when the registry lacks it (a programming error). */
export function resource(registry: Registry, group: string, version: string, name: string): ResourceInfo {
  const info = registry.get(group, version, name);
  if (!info) throw new Error(`resource ${group}/${version}/${name} is not served`);
  return info;
}

/** The resources the local cluster touches, looked up once. */
export interface CoreResources {
  pods: ResourceInfo;
  nodes: ResourceInfo;
  services: ResourceInfo;
  endpoints: ResourceInfo;
  endpointSlices: ResourceInfo;
  events: ResourceInfo;
  leases: ResourceInfo;
  runtimeClasses: ResourceInfo;
  resourceQuotas: ResourceInfo;
  namespaces: ResourceInfo;
}

export function coreResources(registry: Registry): CoreResources {
  return {
    pods: resource(registry, '', 'v1', 'pods'),
    nodes: resource(registry, '', 'v1', 'nodes'),
    services: resource(registry, '', 'v1', 'services'),
    endpoints: resource(registry, '', 'v1', 'endpoints'),
    endpointSlices: resource(registry, 'discovery.k8s.io', 'v1', 'endpointslices'),
    events: resource(registry, '', 'v1', 'events'),
    leases: resource(registry, 'coordination.k8s.io', 'v1', 'leases'),
    runtimeClasses: resource(registry, 'node.k8s.io', 'v1', 'runtimeclasses'),
    resourceQuotas: resource(registry, '', 'v1', 'resourcequotas'),
    namespaces: resource(registry, '', 'v1', 'namespaces'),
  };
}

export function isCode(e: unknown, ...codes: number[]): boolean {
  return e instanceof ApiError && codes.includes(e.code);
}

/** Run fn; NotFound (and any other listed codes) become undefined. */
export async function ignoring<T>(fn: () => Promise<T>, ...codes: number[]): Promise<T | undefined> {
  try {
    return await fn();
  } catch (e) {
    if (isCode(e, 404, ...codes)) return undefined;
    throw e;
  }
}

/** "ns/name" keys for namespaced objects. */
export function nsKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

/**
 * A mutex per key: `acquire(k)` resolves with a release function once every
 * earlier holder of k has released. Keys with no holders cost nothing.
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  async acquire(key: string): Promise<() => void> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = prev.then(() => mine);
    this.tails.set(key, tail);
    await prev;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      release();
      // Last in line: forget the key so the map does not grow with every namespace ever seen.
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
  }
}

/** Milliseconds until `atMs`, never negative. */
export function msUntil(atMs: number, now = Date.now()): number {
  return Math.max(0, atMs - now);
}
