import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadOpenApiV2, type OpenApiV2 } from './spec.js';
import {
  buildV3Document,
  buildV3Index,
  filterV2,
  gvPathOf,
  listV3GroupVersions,
  openApiHash,
  serializeOpenApi,
  type JsonObject,
  type JsonValue,
  type OpenApiV3Document,
} from './v3.js';

let spec: OpenApiV2;
let core: OpenApiV3Document;
let apps: OpenApiV3Document;

beforeAll(async () => {
  spec = await loadOpenApiV2();
  core = buildV3Document(spec, 'api/v1');
  apps = buildV3Document(spec, 'apis/apps/v1');
});

function collectRefs(v: JsonValue, out: string[] = []): string[] {
  if (Array.isArray(v)) for (const x of v) collectRefs(x, out);
  else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      // A property *named* $ref (JSONSchemaProps) holds a schema object, not a string.
      if (k === '$ref' && typeof x === 'string') out.push(x);
      else collectRefs(x, out);
    }
  }
  return out;
}

function op(doc: OpenApiV3Document, path: string, method: string): JsonObject {
  const item = doc.paths[path];
  expect(item, path).toBeDefined();
  const o = item![method];
  expect(o, `${method} ${path}`).toBeDefined();
  return o as JsonObject;
}

function paramNames(o: JsonObject): string[] {
  return ((o.parameters ?? []) as JsonObject[]).map((p) => `${String(p.in)}:${String(p.name)}`);
}

describe('gvPathOf / listV3GroupVersions', () => {
  it('splits paths the way kube keys /openapi/v3', () => {
    expect(gvPathOf('/api/v1/namespaces/{namespace}/pods/{name}')).toBe('api/v1');
    expect(gvPathOf('/api/v1/')).toBe('api/v1');
    expect(gvPathOf('/api/')).toBe('api');
    expect(gvPathOf('/apis/')).toBe('apis');
    expect(gvPathOf('/apis/apps/')).toBe('apis/apps');
    expect(gvPathOf('/apis/apps/v1/deployments')).toBe('apis/apps/v1');
    expect(gvPathOf('/apis/apps/v1beta1/deployments')).toBe('apis/apps/v1beta1');
    expect(gvPathOf('/logs/{logpath}')).toBe('logs');
    expect(gvPathOf('/version/')).toBe('version');
    expect(gvPathOf('/.well-known/openid-configuration/')).toBe('.well-known/openid-configuration');
    expect(gvPathOf('/openid/v1/jwks/')).toBe('openid/v1/jwks');
  });

  it('lists every key of the spec, sorted', () => {
    const gvs = listV3GroupVersions(spec);
    for (const gv of ['api', 'api/v1', 'apis', 'apis/apps', 'apis/apps/v1', 'apis/batch/v1', 'version', 'logs']) expect(gvs).toContain(gv);
    expect(gvs).toEqual([...gvs].sort());
    expect(listV3GroupVersions(spec, { '/apis/example.com/v1/widgets': {} })).toContain('apis/example.com/v1');
  });
});

describe('buildV3Document', () => {
  it('is an openapi 3.0.0 document with only the group-version paths', () => {
    expect(core.openapi).toBe('3.0.0');
    expect(core.info).toEqual({ title: 'Kubernetes', version: 'unversioned' });
    const paths = Object.keys(core.paths);
    expect(paths).toContain('/api/v1/namespaces/{namespace}/pods');
    expect(paths).toContain('/api/v1/namespaces/{namespace}/pods/{name}');
    expect(paths).toContain('/api/v1/');
    for (const p of paths) expect(p.startsWith('/api/v1/')).toBe(true);
    const appsPaths = Object.keys(apps.paths);
    expect(appsPaths).toContain('/apis/apps/v1/namespaces/{namespace}/deployments/{name}');
    for (const p of appsPaths) expect(p.startsWith('/apis/apps/v1/')).toBe(true);
  });

  it('has the Pod schema and every $ref resolves inside the document', () => {
    expect(core.components.schemas['io.k8s.api.core.v1.Pod']).toBeDefined();
    for (const doc of [core, apps, buildV3Document(spec, 'apis/apiextensions.k8s.io/v1')]) {
      const refs = collectRefs(doc as unknown as JsonValue);
      expect(refs.length).toBeGreaterThan(0);
      for (const r of refs) {
        expect(r.startsWith('#/components/schemas/'), r).toBe(true);
        expect(doc.components.schemas[r.slice('#/components/schemas/'.length)], r).toBeDefined();
      }
      const text = serializeOpenApi(doc);
      expect(text).not.toContain('#/definitions/');
      expect(text).not.toContain('#/parameters/');
    }
  });

  it('carries only the schemas its paths reach', () => {
    expect(core.components.schemas['io.k8s.api.apps.v1.Deployment']).toBeUndefined();
    expect(apps.components.schemas['io.k8s.api.apps.v1.Deployment']).toBeDefined();
    expect(apps.components.schemas['io.k8s.api.core.v1.PodSpec']).toBeDefined();
    expect(apps.components.schemas['io.k8s.api.core.v1.Pod']).toBeUndefined();
    // Reachability closure: everything present is referenced from somewhere.
    const referenced = new Set(collectRefs(apps as unknown as JsonValue).map((r) => r.slice('#/components/schemas/'.length)));
    expect(new Set(Object.keys(apps.components.schemas))).toEqual(referenced);
  });

  it('lists fieldValidation on every PATCH (kubectl probes it for server-side validation)', () => {
    for (const [doc, paths] of [
      [core, ['/api/v1/namespaces/{namespace}/pods/{name}', '/api/v1/namespaces/{namespace}/configmaps/{name}', '/api/v1/nodes/{name}']],
      [apps, ['/apis/apps/v1/namespaces/{namespace}/deployments/{name}', '/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale']],
    ] as const) {
      for (const p of paths) expect(paramNames(op(doc, p, 'patch'))).toContain('query:fieldValidation');
    }
    let patches = 0;
    for (const doc of [core, apps]) {
      for (const item of Object.values(doc.paths)) {
        // proxy subresources answer PATCH too, as `connect` actions with no body to validate.
        if (!item.patch || (item.patch as JsonObject)['x-kubernetes-action'] !== 'patch') continue;
        patches++;
        expect(paramNames(item.patch as JsonObject)).toContain('query:fieldValidation');
      }
    }
    expect(patches).toBeGreaterThan(20);
  });

  it('turns body parameters into requestBody per consumes media type', () => {
    const patch = op(core, '/api/v1/namespaces/{namespace}/pods/{name}', 'patch');
    const body = patch.requestBody as JsonObject;
    expect(Object.keys(body.content as JsonObject)).toEqual([
      'application/apply-patch+cbor',
      'application/apply-patch+yaml',
      'application/json-patch+json',
      'application/merge-patch+json',
      'application/strategic-merge-patch+json',
    ]);
    expect((body.content as JsonObject)['application/merge-patch+json']).toEqual({
      schema: { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Patch' },
    });
    expect(body.required).toBe(true);
    expect(paramNames(patch)).not.toContain('body:body');

    const put = op(core, '/api/v1/namespaces/{namespace}/pods/{name}', 'put');
    expect(put.requestBody).toEqual({ content: { '*/*': { schema: { $ref: '#/components/schemas/io.k8s.api.core.v1.Pod' } } }, required: true });
    const del = op(core, '/api/v1/namespaces/{namespace}/pods/{name}', 'delete');
    expect((del.requestBody as JsonObject).required).toBeUndefined();
    expect(del.consumes).toBeUndefined();
    expect(del.produces).toBeUndefined();
  });

  it('gives responses content per produces media type', () => {
    const get = op(core, '/api/v1/namespaces/{namespace}/pods/{name}', 'get');
    const responses = get.responses as JsonObject;
    const ok = responses['200'] as JsonObject;
    expect(ok.description).toBe('OK');
    expect(Object.keys(ok.content as JsonObject).sort()).toEqual(['application/cbor', 'application/json', 'application/vnd.kubernetes.protobuf', 'application/yaml']);
    expect(responses['401']).toEqual({ description: 'Unauthorized' });
    const watch = op(apps, '/apis/apps/v1/watch/deployments', 'get');
    expect(Object.keys(((watch.responses as JsonObject)['200'] as JsonObject).content as JsonObject)).toContain('application/json;stream=watch');
  });

  it('resolves shared parameters into v3 parameter objects', () => {
    const item = core.paths['/api/v1/namespaces/{namespace}/pods/{name}']!;
    expect(item.parameters).toEqual([
      { description: 'name of the Pod', in: 'path', name: 'name', required: true, schema: { type: 'string', uniqueItems: true } },
      {
        description: 'object name and auth scope, such as for teams and projects',
        in: 'path',
        name: 'namespace',
        required: true,
        schema: { type: 'string', uniqueItems: true },
      },
      expect.objectContaining({ in: 'query', name: 'pretty', schema: { type: 'string', uniqueItems: true } }),
    ]);
    const force = (op(core, '/api/v1/namespaces/{namespace}/pods/{name}', 'patch').parameters as JsonObject[]).find((p) => p.name === 'force');
    expect(force?.schema).toEqual({ type: 'boolean', uniqueItems: true });
  });

  it('keeps x-kubernetes-* extensions on operations and schemas', () => {
    const patch = op(apps, '/apis/apps/v1/namespaces/{namespace}/deployments/{name}', 'patch');
    expect(patch['x-kubernetes-action']).toBe('patch');
    expect(patch['x-kubernetes-group-version-kind']).toEqual({ group: 'apps', kind: 'Deployment', version: 'v1' });
    const podSpec = core.components.schemas['io.k8s.api.core.v1.PodSpec']!;
    const containers = (podSpec.properties as JsonObject).containers as JsonObject;
    expect(containers['x-kubernetes-patch-merge-key']).toBe('name');
    expect(containers['x-kubernetes-patch-strategy']).toBe('merge');
    expect(containers['x-kubernetes-list-type']).toBe('map');
    expect(containers['x-kubernetes-list-map-keys']).toEqual(['name']);
    expect(containers.items).toEqual({ $ref: '#/components/schemas/io.k8s.api.core.v1.Container' });
    expect(core.components.schemas['io.k8s.api.core.v1.Pod']!['x-kubernetes-group-version-kind']).toEqual([{ group: '', kind: 'Pod', version: 'v1' }]);
    const strategy = (apps.components.schemas['io.k8s.api.apps.v1.DeploymentSpec']!.properties as JsonObject).strategy as JsonObject;
    expect(strategy['x-kubernetes-patch-strategy']).toBe('retainKeys');
  });

  it('wraps a $ref with siblings in allOf, as OpenAPI 3.0 ignores siblings of $ref', () => {
    const meta = (core.components.schemas['io.k8s.api.core.v1.Pod']!.properties as JsonObject).metadata as JsonObject;
    expect(meta.allOf).toEqual([{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }]);
    expect(typeof meta.description).toBe('string');
    expect(meta.$ref).toBeUndefined();
  });

  it('publishes IntOrString and Quantity with their v3 oneOf types, and the security scheme', () => {
    expect(apps.components.schemas['io.k8s.apimachinery.pkg.util.intstr.IntOrString']).toMatchObject({
      format: 'int-or-string',
      oneOf: [{ type: 'integer' }, { type: 'string' }],
    });
    expect(apps.components.schemas['io.k8s.apimachinery.pkg.util.intstr.IntOrString']!.type).toBeUndefined();
    expect(core.components.schemas['io.k8s.apimachinery.pkg.api.resource.Quantity']).toMatchObject({ oneOf: [{ type: 'string' }, { type: 'number' }] });
    expect(core.components.securitySchemes?.BearerToken).toEqual({ description: 'Bearer Token authentication', in: 'header', name: 'authorization', type: 'apiKey' });
  });

  it('converts JSONSchemaProps structurally (its property named $ref is a schema, not a reference)', () => {
    const doc = buildV3Document(spec, 'apis/apiextensions.k8s.io/v1');
    const props = doc.components.schemas['io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps']!.properties as JsonObject;
    expect(props.$ref).toEqual({ type: 'string' });
    expect(props.properties).toEqual({
      additionalProperties: { $ref: '#/components/schemas/io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps' },
      type: 'object',
    });
  });

  it('is deterministic with sorted keys', () => {
    const again = buildV3Document(spec, 'api/v1');
    expect(serializeOpenApi(again)).toBe(serializeOpenApi(core));
    expect(Object.keys(core)).toEqual(['components', 'info', 'openapi', 'paths']);
    const pod = core.components.schemas['io.k8s.api.core.v1.Pod']!;
    expect(Object.keys(pod)).toEqual([...Object.keys(pod)].sort());
  });

  it('does not modify the input spec', () => {
    const before = JSON.stringify(spec.paths['/api/v1/namespaces/{namespace}/pods/{name}']);
    buildV3Document(spec, 'api/v1');
    expect(JSON.stringify(spec.paths['/api/v1/namespaces/{namespace}/pods/{name}'])).toBe(before);
    expect(spec.definitions['io.k8s.apimachinery.pkg.util.intstr.IntOrString']?.type).toBe('string');
  });

  it('adds extra (CRD) paths and schemas, resolving refs through them', () => {
    const doc = buildV3Document(spec, 'apis/example.com/v1', {
      extraSchemas: {
        'com.example.v1.Widget': {
          type: 'object',
          properties: {
            metadata: { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' },
            spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
          },
          'x-kubernetes-group-version-kind': [{ group: 'example.com', version: 'v1', kind: 'Widget' }],
        },
      },
      extraPaths: {
        '/apis/example.com/v1/namespaces/{namespace}/widgets/{name}': {
          get: {
            operationId: 'readExampleComV1NamespacedWidget',
            produces: ['application/json'],
            responses: { '200': { description: 'OK', schema: { $ref: '#/definitions/com.example.v1.Widget' } } },
          },
        },
      },
    });
    expect(Object.keys(doc.paths)).toEqual(['/apis/example.com/v1/namespaces/{namespace}/widgets/{name}']);
    expect(doc.components.schemas['com.example.v1.Widget']).toBeDefined();
    expect(doc.components.schemas['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta']).toBeDefined();
    expect((doc.components.schemas['com.example.v1.Widget']!.properties as JsonObject).spec).toEqual({
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
    });
    expect(() =>
      buildV3Document(spec, 'apis/example.com/v1', {
        extraPaths: { '/apis/example.com/v1/x': { get: { responses: { '200': { description: 'OK', schema: { $ref: '#/definitions/nope.Missing' } } } } } },
      }),
    ).toThrow(/undefined schema nope.Missing/);
  });
});

describe('buildV3Index / openApiHash', () => {
  it('hashes like kube-openapi: uppercase hex SHA-512 of the served bytes', () => {
    const bytes = serializeOpenApi(core);
    const h = openApiHash(bytes);
    expect(h).toMatch(/^[0-9A-F]{128}$/);
    expect(h).toBe(createHash('sha512').update(bytes).digest('hex').toUpperCase());
    expect(openApiHash(serializeOpenApi(apps))).not.toBe(h);
  });

  it('lists every group-version given, with hash-pinned server-relative URLs', () => {
    const gvs = ['apis/apps/v1', 'api/v1', 'apis/batch/v1', 'api/v1'];
    const idx = buildV3Index(gvs, (gv) => `H-${gv.replace(/\//g, '_').toUpperCase()}`);
    expect(Object.keys(idx.paths)).toEqual(['api/v1', 'apis/apps/v1', 'apis/batch/v1']);
    expect(idx.paths['api/v1']).toEqual({ serverRelativeURL: '/openapi/v3/api/v1?hash=H-API_V1' });
    expect(idx.paths['apis/apps/v1']).toEqual({ serverRelativeURL: '/openapi/v3/apis/apps/v1?hash=H-APIS_APPS_V1' });
    expect(JSON.parse(serializeOpenApi(idx))).toEqual(idx);
  });

  it('works with real document hashes for every group-version of the spec', () => {
    const gvs = listV3GroupVersions(spec).filter((g) => g.startsWith('api/') || g.startsWith('apis/'));
    const hashes = new Map(gvs.map((gv) => [gv, openApiHash(serializeOpenApi(buildV3Document(spec, gv)))]));
    const idx = buildV3Index(gvs, (gv) => hashes.get(gv)!);
    expect(Object.keys(idx.paths)).toEqual(gvs);
    for (const gv of gvs) expect(idx.paths[gv]!.serverRelativeURL).toBe(`/openapi/v3/${gv}?hash=${hashes.get(gv)!}`);
  });
});

describe('filterV2', () => {
  it('keeps served group-versions, their group paths and non-resource paths', () => {
    const total = Object.keys(spec.paths).length;
    const f = filterV2(spec, new Set(['v1', 'apps/v1']));
    const paths = Object.keys(f.paths);
    expect(paths).toContain('/api/v1/namespaces/{namespace}/pods');
    expect(paths).toContain('/apis/apps/v1/namespaces/{namespace}/deployments');
    expect(paths).toContain('/apis/apps/');
    expect(paths).toContain('/api/');
    expect(paths).toContain('/apis/');
    expect(paths).toContain('/version/');
    expect(paths.some((p) => p.startsWith('/apis/batch/'))).toBe(false);
    expect(paths.some((p) => p.startsWith('/apis/apps/v1beta'))).toBe(false);
    expect(f.definitions).toBe(spec.definitions);
    expect(f.swagger).toBe('2.0');
    expect(Object.keys(spec.paths).length).toBe(total);
  });

  it('accepts path-form group-versions and a non-resource filter', () => {
    const f = filterV2(spec, new Set(['apis/batch/v1']), { keepNonResourcePath: (p) => p === '/version/' });
    const paths = Object.keys(f.paths);
    expect(paths).toContain('/apis/batch/v1/namespaces/{namespace}/jobs');
    expect(paths).toContain('/apis/batch/');
    expect(paths).toContain('/version/');
    expect(paths).not.toContain('/logs/{logpath}');
    expect(paths).not.toContain('/api/v1/namespaces/{namespace}/pods');
  });
});
