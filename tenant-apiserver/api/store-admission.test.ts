// The generic store's admission hook: when each phase runs relative to
// defaulting, name generation, validation and the write, what plugins see, and
// that a plugin's release runs exactly once per attempt, after the write.

import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, forbidden } from './errors.js';
import { loadOpenApiV2 } from './openapi/spec.js';
import { Registry, type ResourceInfo } from './registry.js';
import { ResourceStore, type AdmissionPlugin, type AdmissionRequest } from './store.js';
import { SqliteStore } from '../storage/sqlite.js';
import { strategyFor } from './strategies/index.js';
import { bindPod } from './strategies/pods.js';

const wc = { user: { username: 'admin', groups: ['system:masters'] } };
let registry: Registry;
let kv: SqliteStore | undefined;

beforeAll(async () => {
  registry = new Registry(await loadOpenApiV2());
});

afterEach(async () => {
  await kv?.close();
  kv = undefined;
});

async function storeWith(...plugins: AdmissionPlugin[]): Promise<ResourceStore> {
  kv = new SqliteStore(':memory:');
  const store = new ResourceStore(kv, strategyFor);
  await store.create(registry.get('', 'v1', 'namespaces')!, undefined, { metadata: { name: 'default' } }, wc);
  for (const p of plugins) store.addAdmission(p);
  return store;
}

const configmaps = (): ResourceInfo => registry.get('', 'v1', 'configmaps')!;
const pods = (): ResourceInfo => registry.get('', 'v1', 'pods')!;

async function rejection(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('expected a rejection');
}

describe('admission on create', () => {
  it('mutates after defaulting and before name generation; validates after validation with the final name', async () => {
    const seen: { phase: string; name: string; objName: unknown; qos?: unknown }[] = [];
    const store = await storeWith({
      name: 'probe',
      admit(req) {
        seen.push({ phase: 'admit', name: req.name, objName: req.object.metadata?.name, qos: (req.object.status as { qosClass?: string }).qosClass });
        req.object.metadata!.labels = { ...(req.object.metadata!.labels ?? {}), admitted: 'yes' };
      },
      validate(req) {
        seen.push({ phase: 'validate', name: req.name, objName: req.object.metadata?.name });
      },
    });
    const pod = await store.create(pods(), 'default', { metadata: { generateName: 'web-' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } }, wc);
    expect(pod.metadata.labels).toEqual({ admitted: 'yes' });
    expect(seen[0]).toEqual({ phase: 'admit', name: '', objName: undefined, qos: 'BestEffort' });
    expect(seen[1]).toEqual({ phase: 'validate', name: '', objName: pod.metadata.name });
  });

  it('validates what the mutating phase did, and skips the validating phase for invalid objects', async () => {
    let validated = 0;
    const store = await storeWith({
      name: 'bad-label',
      admit(req) {
        if (req.object.metadata?.name === 'bad') req.object.metadata.labels = { 'not valid!': 'x' };
      },
      validate() {
        validated++;
      },
    });
    const e = await rejection(store.create(configmaps(), 'default', { metadata: { name: 'bad' } }, wc));
    expect(e.code).toBe(422);
    expect(validated).toBe(0);
    await store.create(configmaps(), 'default', { metadata: { name: 'good' } }, wc);
    expect(validated).toBe(1);
  });

  it('refuses with the plugin\'s error and stores nothing', async () => {
    const store = await storeWith({
      name: 'deny',
      validate(req) {
        if (req.object.metadata?.name === 'no') throw forbidden({ group: '', resource: 'configmaps' }, 'no', 'denied by policy');
      },
    });
    const e = await rejection(store.create(configmaps(), 'default', { metadata: { name: 'no' } }, wc));
    expect(e.message).toBe('configmaps "no" is forbidden: denied by policy');
    expect((await store.list(configmaps(), 'default')).items).toHaveLength(0);
  });

  it('releases once per request, after the write is committed, on success and on every kind of failure', async () => {
    const events: string[] = [];
    const store = await storeWith({
      name: 'lock',
      admit(req) {
        const name = String(req.object.metadata?.name);
        events.push(`acquire ${name}`);
        // The revision at release time: a stored write has happened by then.
        return () => events.push(`release ${name} @${kv!.currentRevision()}`);
      },
    });
    const a = await store.create(configmaps(), 'default', { metadata: { name: 'a' } }, wc);
    const rev = Number(a.metadata.resourceVersion);
    expect(events).toEqual(['acquire a', `release a @${rev}`]);
    await rejection(store.create(configmaps(), 'default', { metadata: { name: 'a' } }, wc));
    await rejection(store.create(configmaps(), 'default', { metadata: { name: 'b', labels: { 'bad label': 'x' } } }, wc));
    expect(events).toEqual(['acquire a', `release a @${rev}`, 'acquire a', `release a @${rev}`, 'acquire b', `release b @${rev}`]);
  });
});

describe('admission on update', () => {
  it('sees the stored object, may mutate, and releases every attempt', async () => {
    let released = 0;
    const ops: AdmissionRequest['operation'][] = [];
    const store = await storeWith({
      name: 'probe',
      admit(req) {
        ops.push(req.operation);
        if (req.operation === 'UPDATE') {
          expect(req.oldObject?.metadata.name).toBe('cm');
          expect(req.name).toBe('cm');
          req.object.data = { ...((req.object.data as Record<string, string>) ?? {}), stamped: 'true' };
        }
        return () => released++;
      },
    });
    await store.create(configmaps(), 'default', { metadata: { name: 'cm' } }, wc);
    let first = true;
    const r = await store.update(
      configmaps(),
      'default',
      'cm',
      async (cur) => {
        if (first) {
          first = false;
          // Someone else writes in between: the store retries, re-running admission.
          await store.update(configmaps(), 'default', 'cm', (c) => ({ ...c!, data: { other: 'x' } }), wc);
        }
        // No resourceVersion: the caller did not pin one, so a conflict is retried.
        return { ...cur!, metadata: { ...cur!.metadata, resourceVersion: undefined }, data: { ...((cur!.data as Record<string, string>) ?? {}), mine: 'y' } };
      },
      wc,
    );
    expect(r.object.data).toEqual({ other: 'x', mine: 'y', stamped: 'true' });
    expect(ops).toEqual(['CREATE', 'UPDATE', 'UPDATE', 'UPDATE']);
    expect(released).toBe(4);
  });
});

describe('binding', () => {
  it('writes spec.nodeName and the PodScheduled condition in one write through pods/binding', async () => {
    const store = await storeWith();
    await store.create(pods(), 'default', { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } }, wc);
    const binding = { metadata: { name: 'p' }, target: { kind: 'Node', name: 'node-1' } };
    const r = await store.update(pods(), 'default', 'p', (cur) => bindPod(cur!, binding, new Date()), { ...wc, subresource: 'binding' });
    expect((r.object.spec as { nodeName: string }).nodeName).toBe('node-1');
    expect((r.object.status as { conditions: { type: string; status: string }[] }).conditions).toEqual([
      expect.objectContaining({ type: 'PodScheduled', status: 'True' }),
    ]);
    // A plain update still cannot touch status.
    const plain = await store.update(pods(), 'default', 'p', (cur) => ({ ...cur!, status: { phase: 'Running' } }), wc);
    expect((plain.object.status as { phase: string }).phase).toBe('Pending');
  });
});
