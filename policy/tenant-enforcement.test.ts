// The tenant API server's policy enforcement in process: the real registry,
// store (SQLite in memory), strategies and controllers; no HTTP.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadOpenApiV2 } from '../tenant-apiserver/api/openapi/spec.js';
import { Registry, type ResourceInfo } from '../tenant-apiserver/api/registry.js';
import { ResourceStore } from '../tenant-apiserver/api/store.js';
import { strategyFor } from '../tenant-apiserver/api/strategies/index.js';
import { parseQuantity } from '../tenant-apiserver/api/strategies/quantity.js';
import type { KubeObject, UserInfo } from '../tenant-apiserver/api/types.js';
import { ControllerRunner } from '../tenant-apiserver/controllers/runtime.js';
import { SqliteStore } from '../tenant-apiserver/storage/sqlite.js';
import { ApiError } from '../tenant-apiserver/api/errors.js';
import { eventually } from '../test/harness.js';
import { applyContainerDefaults, POLICY_USER, TENANT_QUOTA_NAME, tenantPolicyEnforcement, type TenantPolicyEnforcement } from './tenant-enforcement.js';
import { defaultPolicy, type PolicySet, type PolicySource, type ResolvedPolicy } from './types.js';

const ADMIN: UserInfo = { username: 'admin', groups: ['system:masters'] };
const log = pino({ level: 'silent' });
let spec: Awaited<ReturnType<typeof loadOpenApiV2>>;

beforeAll(async () => {
  spec = await loadOpenApiV2();
});

const list = (o: Record<string, string>) => new Map(Object.entries(o).map(([k, v]) => [k, parseQuantity(v)]));

/** A source whose policy a test can swap, as a reload would. */
function mutableSource(initial: ResolvedPolicy): PolicySource & { set(p: ResolvedPolicy): void } {
  let set: PolicySet = { forTenant: () => initial };
  const listeners = new Set<(s: PolicySet) => void>();
  return {
    current: () => set,
    errors: () => [],
    onChange(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    close() {},
    set(p) {
      set = { forTenant: () => p };
      for (const fn of listeners) fn(set);
    },
  };
}

interface Env {
  store: ResourceStore;
  pods: ResourceInfo;
  services: ResourceInfo;
  quotas: ResourceInfo;
  runtimeClasses: ResourceInfo;
  enforcement: TenantPolicyEnforcement;
  runners: ControllerRunner[];
  close(): Promise<void>;
}

const envs: Env[] = [];
afterEach(async () => {
  for (const e of envs.splice(0)) await e.close();
});

async function start(policy: ResolvedPolicy, source = mutableSource(policy), controllers = false): Promise<Env> {
  const registry = new Registry(spec);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantry-policy-'));
  const kv = new SqliteStore(path.join(dir, 'state.db'));
  const store = new ResourceStore(kv, strategyFor);
  const enforcement = tenantPolicyEnforcement({ registry, store, log }, policy.tenant, source);
  for (const p of enforcement.admission) store.addAdmission(p);
  const ns = registry.get('', 'v1', 'namespaces')!;
  for (const name of ['default', 'one', 'two']) await store.create(ns, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, { user: ADMIN });
  const runners = controllers ? enforcement.controllers.map((c) => new ControllerRunner(c, log)) : [];
  for (const r of runners) await r.start();
  const env: Env = {
    store,
    pods: registry.get('', 'v1', 'pods')!,
    services: registry.get('', 'v1', 'services')!,
    quotas: registry.get('', 'v1', 'resourcequotas')!,
    runtimeClasses: registry.get('node.k8s.io', 'v1', 'runtimeclasses')!,
    enforcement,
    runners,
    async close() {
      for (const r of runners) r.stop();
      enforcement.close();
      await kv.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  envs.push(env);
  return env;
}

const pod = (name: string, spec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: { containers: [{ name: 'app', image: 'nginx' }], ...spec },
});

async function refusal(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('applyContainerDefaults', () => {
  const withResources = (resources?: Record<string, unknown>): KubeObject => pod('p', { containers: [{ name: 'a', image: 'x', ...(resources ? { resources } : {}) }], initContainers: [{ name: 'i', image: 'x' }] });
  const res = (p: KubeObject, list = 'containers') => ((p.spec as Record<string, { resources: unknown }[]>)[list]![0]!.resources);
  const reqs = list({ cpu: '100m', memory: '64Mi' });
  const lims = list({ cpu: '200m', memory: '128Mi' });

  it('fills in what a container leaves out, init containers included', () => {
    const p = withResources();
    applyContainerDefaults(p, reqs, lims);
    expect(res(p)).toEqual({ requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } });
    expect(res(p, 'initContainers')).toEqual(res(p));
  });

  it('keeps what the container set, and never makes a request exceed its limit or a limit undercut its request', () => {
    const big = withResources({ requests: { cpu: '500m' } });
    applyContainerDefaults(big, reqs, lims);
    expect(res(big)).toEqual({ requests: { cpu: '500m', memory: '64Mi' }, limits: { memory: '128Mi' } });
    const low = withResources({ limits: { cpu: '50m' } });
    applyContainerDefaults(low, reqs, lims);
    expect(res(low)).toEqual({ requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '50m', memory: '128Mi' } });
  });

  it('changes nothing without defaults', () => {
    const p = withResources();
    applyContainerDefaults(p, new Map(), new Map());
    expect(res(p)).toBeUndefined();
  });
});

describe('tenant-wide quota admission', () => {
  const quotaPolicy = (hard: Record<string, string>, extra: Partial<ResolvedPolicy> = {}): ResolvedPolicy => {
    const p = defaultPolicy('acme');
    p.quota.hard = list(hard);
    return { ...p, ...extra };
  };

  it('counts across namespaces and uses kube\'s message', async () => {
    const env = await start(quotaPolicy({ pods: '2' }));
    await env.store.create(env.pods, 'one', pod('a'), { user: ADMIN });
    await env.store.create(env.pods, 'two', pod('b'), { user: ADMIN });
    const e = await refusal(env.store.create(env.pods, 'two', pod('c'), { user: ADMIN }));
    expect(e.code).toBe(403);
    expect(e.reason).toBe('Forbidden');
    expect(e.message).toBe('pods "c" is forbidden: exceeded quota: tenant-quota, requested: pods=1, used: pods=2, limited: pods=2');
  });

  it('admits exactly the free slots among simultaneous creates, and frees a slot on delete', async () => {
    const env = await start(quotaPolicy({ pods: '10' }));
    await env.store.create(env.pods, 'one', pod('first'), { user: ADMIN });
    const results = await Promise.allSettled(Array.from({ length: 30 }, (_, i) => env.store.create(env.pods, i % 2 ? 'one' : 'two', pod(`p${i}`), { user: ADMIN })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(9);
    for (const r of results) if (r.status === 'rejected') expect(String((r.reason as Error).message)).toContain('exceeded quota');
    await env.store.delete(env.pods, 'one', 'first', { gracePeriodSeconds: 0 }, { user: ADMIN });
    await eventually(async () => {
      await env.store.create(env.pods, 'one', pod('again'), { user: ADMIN });
    });
  });

  it('does not charge a refused write, nor a dry run', async () => {
    const env = await start(quotaPolicy({ pods: '1' }));
    // Refused by validation after quota admitted it: the slot must come back.
    const bad = pod('bad', { containers: [{ name: 'app', image: '' }] });
    await refusal(env.store.create(env.pods, 'one', bad, { user: ADMIN }));
    await env.store.create(env.pods, 'one', pod('dry'), { user: ADMIN, dryRun: true });
    await env.store.create(env.pods, 'one', pod('real'), { user: ADMIN });
  });

  it('charges an update only for what it adds (a Service turned NodePort)', async () => {
    const env = await start(quotaPolicy({ services: '5', 'services.nodeports': '0' }));
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80 }] } };
    await env.store.create(env.services, 'one', svc, { user: ADMIN });
    await env.store.update(env.services, 'one', 's', (cur) => ({ ...cur!, metadata: { ...cur!.metadata, labels: { a: 'b' } } }), { user: ADMIN });
    const e = await refusal(env.store.update(env.services, 'one', 's', (cur) => ({ ...cur!, spec: { ...(cur!.spec as object), type: 'NodePort' } }), { user: ADMIN }));
    expect(e.message).toContain('exceeded quota: tenant-quota, requested: services.nodeports=1, used: services.nodeports=0, limited: services.nodeports=0');
  });

  it('refuses pods that state no CPU request when CPU is under quota and there is no default', async () => {
    const env = await start(quotaPolicy({ 'requests.cpu': '1' }));
    const e = await refusal(env.store.create(env.pods, 'one', pod('bare'), { user: ADMIN }));
    expect(e.message).toBe('pods "bare" is forbidden: failed quota: tenant-quota: must specify requests.cpu for: app');
  });

  it('follows a reload', async () => {
    const source = mutableSource(quotaPolicy({ pods: '1' }));
    const env = await start(quotaPolicy({ pods: '1' }), source);
    await env.store.create(env.pods, 'one', pod('a'), { user: ADMIN });
    await refusal(env.store.create(env.pods, 'one', pod('b'), { user: ADMIN }));
    source.set(quotaPolicy({ pods: '2' }));
    await env.store.create(env.pods, 'one', pod('b'), { user: ADMIN });
  });
});

describe('sandbox admission', () => {
  it('refuses a violating pod with the field and rule, and an update that adds a violation', async () => {
    const env = await start(defaultPolicy('acme'));
    const e = await refusal(env.store.create(env.pods, 'one', pod('h', { hostNetwork: true }), { user: ADMIN }));
    expect(e.code).toBe(403);
    expect(e.message).toMatch(/^pods "h" is forbidden: .*hostNetwork=true/);
    const ok = await env.store.create(env.pods, 'one', pod('ok'), { user: ADMIN });
    expect((ok.spec as { runtimeClassName: string }).runtimeClassName).toBe('kata');
    const forged = await refusal(
      env.store.update(env.pods, 'one', 'ok', (cur) => ({ ...cur!, metadata: { ...cur!.metadata, labels: { 'tenantry.io/tenant': 'other' } } }), { user: ADMIN }),
    );
    expect(forged.message).toContain('tenantry.io/tenant');
  });
});

describe('policy-managed objects', () => {
  it('shows tenant-wide usage in a read-only quota in every namespace and lists the allowed runtime classes', async () => {
    const p = defaultPolicy('acme');
    p.quota.hard = list({ pods: '5' });
    p.runtimeClasses = { default: 'kata', allowed: ['kata', 'kata-fc'] };
    const env = await start(p, mutableSource(p), true);
    await env.store.create(env.pods, 'one', pod('a'), { user: ADMIN });
    await env.store.create(env.pods, 'two', pod('b'), { user: ADMIN });
    await eventually(async () => {
      for (const ns of ['default', 'one', 'two']) {
        const q = await env.store.get(env.quotas, ns, TENANT_QUOTA_NAME);
        expect(q.status).toEqual({ hard: { pods: '5' }, used: { pods: '2' } });
      }
    });
    const e = await refusal(env.store.update(env.quotas, 'one', TENANT_QUOTA_NAME, (cur) => ({ ...cur!, spec: { hard: { pods: '50' } } }), { user: ADMIN }));
    expect(e.message).toContain('read-only');
    // Deleted, it comes back.
    await env.store.delete(env.quotas, 'one', TENANT_QUOTA_NAME, {}, { user: ADMIN });
    await eventually(async () => {
      await env.store.get(env.quotas, 'one', TENANT_QUOTA_NAME);
    });
    await eventually(async () => {
      const names = (await env.store.list(env.runtimeClasses, undefined)).items.map((r) => r.metadata.name).sort();
      expect(names).toEqual(['kata', 'kata-fc']);
    });
    await refusal(env.store.create(env.runtimeClasses, undefined, { apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: { name: 'runc' }, handler: 'runc' }, { user: ADMIN }));
    // The policy's own writer may.
    await env.store.create(env.runtimeClasses, undefined, { apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: { name: 'extra' }, handler: 'x' }, { user: POLICY_USER });
  });

  it('refuses tenant writes to the quota\'s status too', async () => {
    const p = defaultPolicy('acme');
    p.quota.hard = list({ pods: '5' });
    const env = await start(p, mutableSource(p), true);
    await eventually(async () => {
      await env.store.get(env.quotas, 'one', TENANT_QUOTA_NAME);
    });
    const e = await refusal(
      env.store.update(env.quotas, 'one', TENANT_QUOTA_NAME, (cur) => ({ ...cur!, status: { hard: { pods: '5' }, used: { pods: '0' } } }), { user: ADMIN, subresource: 'status' }),
    );
    expect(e.message).toContain('read-only');
  });

  it('rewrites the visible quotas about once a second under a steady stream of creates, not on every commit', async () => {
    const p = defaultPolicy('acme');
    p.quota.hard = list({ pods: '100000' });
    const env = await start(p, mutableSource(p), true);
    await eventually(async () => {
      for (const ns of ['default', 'one', 'two']) await env.store.get(env.quotas, ns, TENANT_QUOTA_NAME);
    });
    let writes = 0;
    const w = await env.store.watch(env.quotas, undefined, { resourceVersion: '' }, (type) => {
      if (type === 'MODIFIED') writes++;
    });
    const until = Date.now() + 2500;
    let i = 0;
    while (Date.now() < until) {
      await env.store.create(env.pods, 'one', pod(`p${i++}`), { user: ADMIN });
      await new Promise((r) => setTimeout(r, 5));
    }
    w.stop();
    expect(i).toBeGreaterThan(100);
    // Three namespaces, a rewrite per debounce period (1 s) each: a handful, where a feedback loop makes hundreds.
    expect(writes).toBeGreaterThan(0);
    expect(writes).toBeLessThanOrEqual(3 * 4);
    await eventually(async () => {
      const q = await env.store.get(env.quotas, 'two', TENANT_QUOTA_NAME);
      expect((q.status as { used?: unknown }).used).toEqual({ pods: String(i) });
    });
  });
});
