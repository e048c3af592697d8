// The CRD runtime wired to the real generic store (SQLite in memory) and the
// registry built from the vendored OpenAPI document: establishing, serving,
// custom-resource semantics, OpenAPI, renames that collide, and deletion.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { ApiError } from '../api/errors.js';
import { loadOpenApiV2, type OpenApiV2 } from '../api/openapi/spec.js';
import { buildV3Document } from '../api/openapi/v3.js';
import { printerFor } from '../api/printers/index.js';
import { Registry, type ResourceInfo } from '../api/registry.js';
import { ResourceStore } from '../api/store.js';
import { strategyFor } from '../api/strategies/index.js';
import { SqliteStore } from '../storage/sqlite.js';
import { createSchemaChecker } from '../openapi-serving.js';
import { CustomResourceRuntime } from './controller.js';
import type { CustomResourceDefinition } from './types.js';

let spec: OpenApiV2;
let kv: SqliteStore;
let store: ResourceStore;
let registry: Registry;
let rt: CustomResourceRuntime;
const wc = { user: { username: 'admin', groups: ['system:masters'] } };

const crdInfo = () => registry.get('apiextensions.k8s.io', 'v1', 'customresourcedefinitions')!;
const res = (version: string, resource = 'widgets', group = 'example.com'): ResourceInfo => {
  const i = registry.get(group, version, resource);
  if (!i) throw new Error(`not served: ${group}/${version}/${resource}`);
  return i;
};

async function rejection(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('expected a rejection');
}

const WIDGETS = {
  metadata: { name: 'widgets.example.com' },
  spec: {
    group: 'example.com',
    scope: 'Namespaced',
    names: { plural: 'widgets', kind: 'Widget', shortNames: ['wd'] },
    versions: [
      {
        name: 'v1beta1',
        served: true,
        storage: false,
        schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } } },
      },
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: [{ name: 'Size', type: 'string', jsonPath: '.spec.size' }],
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: { type: 'object', properties: { size: { type: 'string', default: 'm' }, count: { type: 'integer', minimum: 1 } } },
              status: { type: 'object', properties: { ok: { type: 'boolean' } } },
            },
          },
        },
      },
    ],
  },
};

beforeAll(async () => {
  spec = await loadOpenApiV2();
  registry = new Registry(spec);
  kv = new SqliteStore(':memory:');
  store = new ResourceStore(kv, strategyFor);
  rt = new CustomResourceRuntime({ registry, store, spec, log: pino({ level: 'silent' }) });
  await store.create(registry.get('', 'v1', 'namespaces')!, undefined, { metadata: { name: 'default' } }, wc);
});

afterAll(async () => {
  await kv.close();
});

describe('CRD runtime', () => {
  it('creates a CRD with server-owned status, then establishes and serves it', async () => {
    const gen = registry.generation;
    const created = (await store.create(crdInfo(), undefined, structuredClone(WIDGETS), wc)) as CustomResourceDefinition;
    expect(created.status).toEqual({ acceptedNames: { plural: '', kind: '' }, storedVersions: ['v1'] });
    expect(created.spec!.names).toMatchObject({ singular: 'widget', listKind: 'WidgetList' });
    expect(created.spec!.conversion).toEqual({ strategy: 'None' });
    expect(registry.get('example.com', 'v1', 'widgets')).toBeUndefined();
    await rt.reconcile('widgets.example.com');
    const crd = (await store.get(crdInfo(), undefined, 'widgets.example.com')) as CustomResourceDefinition;
    expect(crd.status!.conditions!.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['NamesAccepted', 'True', 'NoConflicts'],
      ['Established', 'True', 'InitialNamesAccepted'],
    ]);
    expect(registry.generation).toBeGreaterThan(gen);
    // Preferred version first: v1 before v1beta1 whatever the CRD's order.
    expect(registry.inGroupVersion('example.com', 'v1').map((r) => r.resource)).toEqual(['widgets']);
    expect(res('v1')).toMatchObject({ kind: 'Widget', singular: 'widget', namespaced: true, custom: true, shortNames: ['wd'], storage: { version: 'v1' } });
    expect([...res('v1').subresources.keys()]).toEqual(['status']);
    expect([...res('v1beta1').subresources.keys()]).toEqual([]);
    expect(printerFor('example.com', 'widgets').columns.map((c) => c.name)).toEqual(['Name', 'Size']);
  });

  it('serves objects with defaults, validation, the status split and generation', async () => {
    const w = await store.create(res('v1'), 'default', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'a' }, spec: { count: 2 }, status: { ok: true } }, wc);
    expect(w.spec).toEqual({ count: 2, size: 'm' });
    expect(w.status).toBeUndefined();
    expect(w.metadata.generation).toBe(1);
    const bad = await rejection(store.create(res('v1'), 'default', { metadata: { name: 'b' }, spec: { count: 0 } }, wc));
    expect(bad.code).toBe(422);
    expect(bad.message).toBe('Widget.example.com "b" is invalid: spec.count: Invalid value: 0: spec.count in body should be greater than or equal to 1');
    const st = await store.update(res('v1'), 'default', 'a', (cur) => ({ ...cur!, spec: { count: 9 }, status: { ok: true } }), { ...wc, subresource: 'status' });
    expect(st.object.spec).toEqual({ count: 2, size: 'm' });
    expect(st.object.status).toEqual({ ok: true });
    expect(st.object.metadata.generation).toBe(1);
    const main = await store.update(res('v1'), 'default', 'a', (cur) => ({ ...cur!, spec: { count: 3 }, status: { ok: false } }), wc);
    expect(main.object.spec).toEqual({ count: 3, size: 'm' });
    expect(main.object.status).toEqual({ ok: true });
    expect(main.object.metadata.generation).toBe(2);
  });

  it('reads through another served version with only apiVersion changed', async () => {
    const beta = await store.get(res('v1beta1'), 'default', 'a');
    expect(beta.apiVersion).toBe('example.com/v1beta1');
    expect(beta.spec).toEqual({ count: 3, size: 'm' });
    await store.create(res('v1beta1'), 'default', { metadata: { name: 'c' }, spec: { anything: 1 } }, wc);
    const raw = await kv.get('/example.com/widgets/default/c');
    expect(JSON.parse(raw!.value).apiVersion).toBe('example.com/v1');
    // Read as v1, the v1 schema prunes and defaults what v1beta1 let through.
    expect((await store.get(res('v1'), 'default', 'c')).spec).toEqual({ size: 'm' });
  });

  it('prunes request bodies by the version schema and ObjectMeta', () => {
    const checker = rt.schemaChecker(createSchemaChecker(spec));
    const body = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'x', nope: 1 }, spec: { size: 's', junk: 1 }, extra: true };
    expect(checker.checkAndPrune(res('v1'), body)).toEqual({ unknown: ['spec.junk', 'extra', 'metadata.nope'], typeErrors: [] });
    expect(body).toEqual({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'x' }, spec: { size: 's' } });
    const typed = { metadata: { name: 'x', labels: 'no' as unknown as Record<string, string> } };
    expect(checker.checkAndPrune(res('v1'), typed).typeErrors[0]).toBe('json: cannot unmarshal string into Go struct field ObjectMeta.labels of type map[string]string');
  });

  it('publishes OpenAPI for each served version', () => {
    const gvs = rt.openapi().groupVersions();
    expect([...gvs.keys()].sort()).toEqual(['apis/example.com/v1', 'apis/example.com/v1beta1']);
    const gv = gvs.get('apis/example.com/v1')!;
    const doc = buildV3Document(spec, 'apis/example.com/v1', { extraPaths: gv.paths, extraSchemas: gv.definitions });
    const schema = doc.components.schemas['com.example.v1.Widget']!;
    expect(schema['x-kubernetes-group-version-kind']).toEqual([{ group: 'example.com', kind: 'Widget', version: 'v1' }]);
    expect((schema.properties as Record<string, { allOf?: unknown }>).metadata!.allOf).toEqual([{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }]);
    const item = doc.paths['/apis/example.com/v1/namespaces/{namespace}/widgets/{name}'] as Record<string, any>;
    expect(item.patch['x-kubernetes-group-version-kind']).toEqual({ group: 'example.com', kind: 'Widget', version: 'v1' });
    expect(item.patch.parameters.map((p: { name: string }) => p.name)).toContain('fieldValidation');
    expect(Object.keys(item.patch.requestBody.content)).not.toContain('application/strategic-merge-patch+json');
    expect(item.get.operationId).toBe('readExampleComV1NamespacedWidget');
    expect(doc.paths['/apis/example.com/v1/namespaces/{namespace}/widgets/{name}/status']).toBeDefined();
    expect(doc.paths['/apis/example.com/v1/widgets']).toBeDefined();
    expect(doc.components.schemas['com.example.v1.WidgetList']).toBeDefined();
  });

  it('keeps the accepted names when an update claims names another CRD holds', async () => {
    await store.create(crdInfo(), undefined, { metadata: { name: 'gizmos.example.com' }, spec: { group: 'example.com', scope: 'Cluster', names: { plural: 'gizmos', kind: 'Gizmo', shortNames: ['gz'] }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }] } }, wc);
    for (const n of ['gizmos.example.com', 'widgets.example.com']) rt.crds.set(n, (await store.get(crdInfo(), undefined, n)) as CustomResourceDefinition);
    await rt.reconcile('gizmos.example.com');
    expect(res('v1', 'gizmos').namespaced).toBe(false);
    await store.update(crdInfo(), undefined, 'gizmos.example.com', (cur) => ({ ...cur!, spec: { ...(cur!.spec as object), names: { plural: 'gizmos', kind: 'Gizmo', shortNames: ['wd'] } } }), wc);
    await rt.reconcile('gizmos.example.com');
    const crd = (await store.get(crdInfo(), undefined, 'gizmos.example.com')) as CustomResourceDefinition;
    expect(crd.status!.conditions!.find((c) => c.type === 'NamesAccepted')).toMatchObject({ status: 'False', reason: 'ShortNamesConflict', message: '"wd" is already in use' });
    expect(crd.status!.conditions!.find((c) => c.type === 'Established')!.status).toBe('True');
    expect(res('v1', 'gizmos').shortNames).toEqual(['gz']);
  });

  it('deletes a CRD\'s objects before the CRD, then stops serving it', async () => {
    const del = await store.delete(crdInfo(), undefined, 'widgets.example.com', {}, wc);
    expect(del.deleted).toBe(false);
    expect(del.object.metadata.finalizers).toEqual(['customresourcecleanup.apiextensions.k8s.io']);
    expect((del.object as CustomResourceDefinition).status!.conditions!.find((c) => c.type === 'Terminating')).toMatchObject({ status: 'True', reason: 'InstanceDeletionPending' });
    await rt.reconcile('widgets.example.com');
    // Gone from storage: the finalizer was the last thing holding it.
    expect((await rejection(store.get(crdInfo(), undefined, 'widgets.example.com'))).code).toBe(404);
    expect(await kv.get('/example.com/widgets/default/a')).toBeUndefined();
    expect(registry.get('example.com', 'v1', 'widgets')).toBeDefined();
    await rt.reconcile('widgets.example.com');
    expect(registry.get('example.com', 'v1', 'widgets')).toBeUndefined();
    expect(registry.get('example.com', 'v1', 'gizmos')).toBeDefined();
  });

  it('refuses creates while the CRD is terminating', async () => {
    const gizmos = res('v1', 'gizmos');
    await store.create(gizmos, undefined, { metadata: { name: 'held', finalizers: ['example.com/hold'] } }, wc);
    await store.delete(crdInfo(), undefined, 'gizmos.example.com', {}, wc);
    expect(await rt.reconcile('gizmos.example.com')).toEqual({ requeueAfterMs: 1000 });
    const e = await rejection(store.create(res('v1', 'gizmos'), undefined, { metadata: { name: 'new' } }, wc));
    expect(e.code).toBe(405);
    expect(e.message).toBe('create not allowed while custom resource definition is terminating');
    const crd = (await store.get(crdInfo(), undefined, 'gizmos.example.com')) as CustomResourceDefinition;
    expect(crd.status!.conditions!.find((c) => c.type === 'Terminating')).toMatchObject({ status: 'True', reason: 'InstanceDeletionCheck' });
  });
});
