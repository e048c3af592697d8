// Test support: the local cluster in process, on an in-memory store, without
// HTTP: the real registry, strategies, admission plugins and controllers.

import pino from 'pino';
import { loadOpenApiV2 } from '../tenant-apiserver/api/openapi/spec.js';
import { Registry } from '../tenant-apiserver/api/registry.js';
import { ResourceStore } from '../tenant-apiserver/api/store.js';
import { strategyFor } from '../tenant-apiserver/api/strategies/index.js';
import type { KubeObject, StoredObject, UserInfo } from '../tenant-apiserver/api/types.js';
import { ControllerRunner, type Controller } from '../tenant-apiserver/controllers/runtime.js';
import { SqliteStore } from '../tenant-apiserver/storage/sqlite.js';
import { quotaAdmission } from './quota.js';
import { runtimeClassAdmission } from './runtimeclass.js';
import { serviceAllocation } from './service-alloc.js';
import { localControllers, type SuperClusterOptions } from './super.js';
import { coreResources, type CoreResources } from './util.js';

export const ADMIN: UserInfo = { username: 'admin', groups: ['system:masters'] };
export const silentLog = pino({ level: 'silent' });

let spec: Awaited<ReturnType<typeof loadOpenApiV2>> | undefined;

export interface TestCluster {
  registry: Registry;
  store: ResourceStore;
  res: CoreResources;
  close(): Promise<void>;
  /** Create as admin. */
  create(info: keyof CoreResources, namespace: string | undefined, obj: KubeObject): Promise<StoredObject>;
}

export interface TestClusterOptions extends Partial<Pick<SuperClusterOptions, 'nodes' | 'nodeShape' | 'podStartDelayMs' | 'podStopDelayMs' | 'nodeHeartbeatSeconds' | 'leaseRenewSeconds'>> {
  /** Which controllers to run (by name); default all of the local cluster's. */
  controllers?: string[];
  admission?: boolean;
  namespaces?: string[];
}

export async function startTestCluster(opts: TestClusterOptions = {}): Promise<TestCluster> {
  spec ??= await loadOpenApiV2();
  const registry = new Registry(spec);
  const kv = new SqliteStore(':memory:');
  const store = new ResourceStore(kv, strategyFor);
  const res = coreResources(registry);
  if (opts.admission !== false) {
    store.addAdmission(runtimeClassAdmission(store, res.runtimeClasses));
    store.addAdmission(serviceAllocation(store, res.services));
    store.addAdmission(quotaAdmission(registry, store, res.resourceQuotas));
  }
  for (const name of ['default', 'kube-node-lease', ...(opts.namespaces ?? [])]) {
    await store.create(res.namespaces, undefined, { metadata: { name } }, { user: ADMIN });
  }
  const all: Controller[] = localControllers({ registry, store, log: silentLog }, { dataDir: '', log: silentLog, nodes: 3, ...opts });
  const chosen = opts.controllers ? all.filter((c) => opts.controllers!.includes(c.name)) : all;
  const runners = chosen.map((c) => new ControllerRunner(c, silentLog));
  for (const r of runners) await r.start();
  return {
    registry,
    store,
    res,
    async close() {
      for (const r of runners) r.stop();
      // Let in-flight reconciles settle before the database goes.
      await new Promise((r) => setTimeout(r, 20));
      await kv.close();
    },
    create: (info, namespace, obj) => store.create(res[info], namespace, obj, { user: ADMIN }),
  };
}

export function podBody(name: string, extra: Record<string, unknown> = {}, meta: Record<string, unknown> = {}): KubeObject {
  return { metadata: { name, ...meta }, spec: { containers: [{ name: 'app', image: 'nginx' }], ...extra } };
}

export async function waitFor<T>(fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw last instanceof Error ? last : new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
