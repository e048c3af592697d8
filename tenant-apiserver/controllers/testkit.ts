// Test support for controllers: the real generic store over in-memory SQLite,
// the registry from the vendored OpenAPI document, and controllers running on
// the real runtime, with helpers to create objects, play the kubelet (pod
// phase and readiness through the status subresource) and wait for a state.
// Kept out of *.test.ts so every controller's tests share it.

import pino from 'pino';
import { loadOpenApiV2 } from '../api/openapi/spec.js';
import { Registry, type ResourceInfo } from '../api/registry.js';
import { ResourceStore } from '../api/store.js';
import { strategyFor } from '../api/strategies/index.js';
import { rfc3339, type KubeObject, type StoredObject, type UserInfo } from '../api/types.js';
import { SqliteStore } from '../storage/sqlite.js';
import { ControllerRunner, type Controller } from './runtime.js';
import { unpinned } from './common.js';

const ADMIN: UserInfo = { username: 'admin', groups: ['system:masters'] };

export interface ControllerEnv {
  registry: Registry;
  store: ResourceStore;
  res(group: string, version: string, resource: string): ResourceInfo;
  create(gvr: string, obj: KubeObject, namespace?: string): Promise<StoredObject>;
  get(gvr: string, name: string, namespace?: string): Promise<StoredObject | undefined>;
  list(gvr: string, namespace?: string): Promise<StoredObject[]>;
  /** Mutate an object (or its status with sub = 'status'). */
  update(gvr: string, name: string, fn: (o: StoredObject) => KubeObject, opts?: { namespace?: string; sub?: string }): Promise<StoredObject>;
  delete(gvr: string, name: string, opts?: { namespace?: string; propagationPolicy?: string }): Promise<void>;
  /** What a kubelet would report: phase, and Ready when asked. */
  setPod(name: string, phase: string, ready?: boolean, namespace?: string): Promise<void>;
  until<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

/** "group/version/resource" with an empty group for core ("/v1/pods"). */
function parse(gvr: string): [string, string, string] {
  const [g, v, r] = gvr.split('/') as [string, string, string];
  return [g, v, r];
}

export async function controllerEnv(build: (registry: Registry, store: ResourceStore) => Controller[]): Promise<ControllerEnv> {
  const registry = new Registry(await loadOpenApiV2());
  const kv = new SqliteStore(':memory:');
  const store = new ResourceStore(kv, strategyFor);
  const res = (group: string, version: string, resource: string): ResourceInfo => {
    const i = registry.get(group, version, resource);
    if (!i) throw new Error(`not served: ${group}/${version}/${resource}`);
    return i;
  };
  const info = (gvr: string) => res(...parse(gvr));
  await store.create(res('', 'v1', 'namespaces'), undefined, { metadata: { name: 'default' } }, { user: ADMIN });
  const log = pino({ level: process.env.CONTROLLER_TEST_LOG ?? 'silent' });
  const runners = build(registry, store).map((c) => new ControllerRunner(c, log));
  for (const r of runners) await r.start();
  const env: ControllerEnv = {
    registry,
    store,
    res,
    create: (gvr, obj, namespace) => store.create(info(gvr), info(gvr).namespaced ? (namespace ?? 'default') : undefined, obj, { user: ADMIN }),
    async get(gvr, name, namespace) {
      try {
        return await store.get(info(gvr), info(gvr).namespaced ? (namespace ?? 'default') : undefined, name);
      } catch {
        return undefined;
      }
    },
    list: async (gvr, namespace) => (await store.list(info(gvr), info(gvr).namespaced ? (namespace ?? 'default') : undefined)).items,
    async update(gvr, name, fn, opts = {}) {
      const ns = info(gvr).namespaced ? (opts.namespace ?? 'default') : undefined;
      // Unpinned (no resourceVersion): the store re-reads and retries when a controller wrote meanwhile.
      const r = await store.update(info(gvr), ns, name, (cur) => unpinned(fn(cur!)), { user: ADMIN, subresource: opts.sub });
      return r.object;
    },
    async delete(gvr, name, opts = {}) {
      const ns = info(gvr).namespaced ? (opts.namespace ?? 'default') : undefined;
      await store.delete(info(gvr), ns, name, { propagationPolicy: opts.propagationPolicy }, { user: ADMIN });
    },
    async setPod(name, phase, ready = false, namespace = 'default') {
      const now = rfc3339(new Date());
      await store.update(
        res('', 'v1', 'pods'),
        namespace,
        name,
        (cur) => unpinned({ ...cur!, status: { ...(cur!.status as object), phase, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: now }] } }),
        { user: ADMIN, subresource: 'status' },
      );
    },
    async until(fn, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      let last: unknown;
      for (;;) {
        try {
          const v = await fn();
          if (v !== undefined && v !== false) return v as never;
        } catch (e) {
          last = e;
        }
        if (Date.now() > deadline) throw last instanceof Error ? last : new Error('condition not met in time');
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async close() {
      for (const r of runners) r.stop();
      await kv.close();
    },
  };
  return env;
}
