// The strategies wired into the real generic store (SQLite in memory, the
// registry built from the vendored OpenAPI): conversion through shared storage,
// graceful pod deletion, and errors as clients receive them.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../errors.js';
import { loadOpenApiV2 } from '../openapi/spec.js';
import { Registry, type ResourceInfo } from '../registry.js';
import { ResourceStore } from '../store.js';
import { SqliteStore } from '../../storage/sqlite.js';
import { strategyFor } from './index.js';

let kv: SqliteStore;
let store: ResourceStore;
let registry: Registry;
const wc = { user: { username: 'admin', groups: ['system:masters'] } };

function res(group: string, version: string, resource: string): ResourceInfo {
  const i = registry.get(group, version, resource);
  if (!i) throw new Error(`not served: ${group}/${version}/${resource}`);
  return i;
}

async function rejection(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('expected a rejection');
}

beforeAll(async () => {
  registry = new Registry(await loadOpenApiV2());
  kv = new SqliteStore(':memory:');
  store = new ResourceStore(kv, strategyFor);
  await store.create(res('', 'v1', 'namespaces'), undefined, { metadata: { name: 'default' } }, wc);
});

afterAll(async () => {
  await kv.close();
});

describe('strategies through the store', () => {
  it('creates a defaulted pod and refuses a forbidden update with kube\'s message', async () => {
    const pods = res('', 'v1', 'pods');
    const p = await store.create(pods, 'default', { metadata: { name: 'web' }, spec: { containers: [{ name: 'app', image: 'nginx' }] } }, wc);
    expect(p.status).toEqual({ phase: 'Pending', qosClass: 'BestEffort' });
    expect(p.metadata.generation).toBe(1);
    expect((p.spec as { containers: { imagePullPolicy: string }[] }).containers[0]!.imagePullPolicy).toBe('Always');
    const e = await rejection(
      store.update(pods, 'default', 'web', (cur) => ({ ...cur!, spec: { ...(cur!.spec as object), hostname: 'x' } }), wc),
    );
    expect(e.code).toBe(422);
    expect(e.message.split('\n')[0]).toBe(
      'Pod "web" is invalid: spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
    );
  });

  it('deletes unscheduled pods at once and scheduled ones gracefully', async () => {
    const pods = res('', 'v1', 'pods');
    const gone = await store.delete(pods, 'default', 'web', {}, wc);
    expect(gone.deleted).toBe(true);
    await store.create(pods, 'default', { metadata: { name: 'bound' }, spec: { nodeName: 'n1', containers: [{ name: 'a', image: 'x:1' }] } }, wc);
    const graceful = await store.delete(pods, 'default', 'bound', {}, wc);
    expect(graceful.deleted).toBe(false);
    expect(graceful.object.metadata.deletionGracePeriodSeconds).toBe(30);
  });

  it('stores HPAs as v2 and serves v1 from them', async () => {
    const hv1 = res('autoscaling', 'v1', 'horizontalpodautoscalers');
    const hv2 = res('autoscaling', 'v2', 'horizontalpodautoscalers');
    const created = await store.create(
      hv1,
      'default',
      { metadata: { name: 'h' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 4, targetCPUUtilizationPercentage: 65 } },
      wc,
    );
    expect(created.apiVersion).toBe('autoscaling/v1');
    expect(created.spec).toEqual({ scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 4, targetCPUUtilizationPercentage: 65 });
    const asV2 = await store.get(hv2, 'default', 'h');
    expect(asV2.apiVersion).toBe('autoscaling/v2');
    expect((asV2.spec as { metrics: unknown }).metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 65 } } }]);
  });

  it('stores events.k8s.io events as core events', async () => {
    const ev1 = res('events.k8s.io', 'v1', 'events');
    const core = res('', 'v1', 'events');
    await store.create(
      ev1,
      'default',
      {
        metadata: { name: 'e1' },
        eventTime: '2025-01-01T00:00:00.000000Z',
        reportingController: 'example.com/ctl',
        reportingInstance: 'ctl-0',
        action: 'Sync',
        reason: 'Synced',
        regarding: { kind: 'Pod', name: 'bound', namespace: 'default' },
        note: 'all good',
        type: 'Normal',
      },
      wc,
    );
    const asCore = await store.get(core, 'default', 'e1');
    expect(asCore).toMatchObject({ apiVersion: 'v1', message: 'all good', involvedObject: { kind: 'Pod', name: 'bound' }, reportingComponent: 'example.com/ctl' });
    const list = await store.list(core, 'default', { selection: { fields: (f) => f['involvedObject.name'] === 'bound' } });
    expect(list.items.map((i) => i.metadata.name)).toEqual(['e1']);
  });

  it('answers a bad deployment with kube\'s selector message', async () => {
    const deployments = res('apps', 'v1', 'deployments');
    const e = await rejection(
      store.create(
        deployments,
        'default',
        {
          metadata: { name: 'd' },
          spec: { selector: { matchLabels: { app: 'a' } }, template: { metadata: { labels: { app: 'b' } }, spec: { containers: [{ name: 'c', image: 'x:1' }] } } },
        },
        wc,
      ),
    );
    expect(e.message).toBe(
      'Deployment.apps "d" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"b"}: `selector` does not match template `labels`',
    );
  });
});
