// CustomResourceDefinitions end to end with the real kubectl 1.32 and
// @kubernetes/client-node: a two-version CRD (v1 storage, v1beta1 served) with
// printer columns, status and scale subresources and selectable fields is
// established, discovered, explained and served with schema validation,
// pruning and defaults; refused CRDs (non-structural, colliding names) get
// clear Statuses; deleting the CRD deletes its objects and its API.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as k8s from '@kubernetes/client-node';
import { client, eventually, k, kubectl, startServer, type ServerProcess } from './harness.js';

let s: ServerProcess;
let c: ReturnType<typeof client>;

beforeAll(async () => {
  s = await startServer();
  c = client(s.kubeconfig);
});
afterAll(async () => {
  c?.agent.destroy();
  await s?.stop();
});

const CRD = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names:
    plural: widgets
    singular: widget
    kind: Widget
    shortNames: [wd]
    categories: [all]
  versions:
  - name: v1
    served: true
    storage: true
    subresources:
      status: {}
      scale:
        specReplicasPath: .spec.replicas
        statusReplicasPath: .status.replicas
        labelSelectorPath: .status.selector
    additionalPrinterColumns:
    - name: Color
      type: string
      jsonPath: .spec.color
    - name: Replicas
      type: integer
      jsonPath: .spec.replicas
    - name: Phase
      type: string
      jsonPath: .status.phase
    - name: Age
      type: date
      jsonPath: .metadata.creationTimestamp
    selectableFields:
    - jsonPath: .spec.color
    schema:
      openAPIV3Schema:
        type: object
        description: A Widget is a small configurable thing.
        properties:
          spec:
            type: object
            description: The desired state of the widget.
            required: [color]
            properties:
              color:
                type: string
                description: The colour of the widget.
                enum: [red, green, blue]
              size:
                type: string
                default: medium
              replicas:
                type: integer
                format: int32
                minimum: 0
                maximum: 10
                default: 1
              label:
                type: string
                maxLength: 8
                pattern: '^[a-z]+$'
              port:
                x-kubernetes-int-or-string: true
              tags:
                type: array
                maxItems: 3
                items: {type: string}
          status:
            type: object
            properties:
              phase: {type: string}
              replicas: {type: integer}
              selector: {type: string}
  - name: v1beta1
    served: true
    storage: false
    subresources:
      status: {}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            x-kubernetes-preserve-unknown-fields: true
          status:
            type: object
            x-kubernetes-preserve-unknown-fields: true
`;

const widget = (name: string, spec: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name }, spec, ...extra });

const json = (args: string[]) => JSON.parse(k(s, [...args, '-o', 'json']));

function crdBody(name: string, group: string, names: Record<string, unknown>, schema: Record<string, unknown>, scope = 'Namespaced') {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name },
    spec: { group, scope, names, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: schema } }] },
  };
}

describe('CustomResourceDefinitions', () => {
  it('installs a CRD that becomes Established within a second', async () => {
    expect(k(s, ['apply', '-f', '-'], { input: CRD })).toContain('customresourcedefinition.apiextensions.k8s.io/widgets.example.com created');
    const started = Date.now();
    await eventually(() => {
      const crd = json(['get', 'crd', 'widgets.example.com']);
      const established = crd.status.conditions.find((x: { type: string }) => x.type === 'Established');
      expect(established).toMatchObject({ status: 'True', reason: 'InitialNamesAccepted' });
    }, 5000);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(k(s, ['wait', '--for=condition=Established', 'crd/widgets.example.com', '--timeout=5s'])).toContain('condition met');
    const out = k(s, ['get', 'crd']);
    expect(out).toMatch(/^NAME\s+CREATED AT$/m);
    expect(out).toMatch(/^widgets\.example\.com\s+\d{4}-\d\d-\d\dT/m);
    const crd = json(['get', 'crd', 'widgets.example.com']);
    expect(crd.status.acceptedNames).toEqual({ plural: 'widgets', singular: 'widget', shortNames: ['wd'], kind: 'Widget', listKind: 'WidgetList', categories: ['all'] });
    expect(crd.status.conditions.find((x: { type: string }) => x.type === 'NamesAccepted')).toMatchObject({ status: 'True', reason: 'NoConflicts', message: 'no conflicts found' });
    expect(crd.status.storedVersions).toEqual(['v1']);
    expect(crd.spec.conversion).toEqual({ strategy: 'None' });
  });

  it('appears in discovery (legacy and aggregated) and OpenAPI v3', async () => {
    expect(k(s, ['api-resources', '--api-group=example.com'])).toMatch(/^widgets\s+wd\s+example\.com\/v1\s+true\s+Widget$/m);
    const legacy = JSON.parse((await c.request('GET', '/apis/example.com/v1')).body);
    const names = legacy.resources.map((r: { name: string }) => r.name);
    expect(names).toEqual(expect.arrayContaining(['widgets', 'widgets/status', 'widgets/scale']));
    const group = JSON.parse((await c.request('GET', '/apis/example.com')).body);
    expect(group.preferredVersion.version).toBe('v1');
    expect(group.versions.map((v: { version: string }) => v.version)).toEqual(['v1', 'v1beta1']);
    const agg = JSON.parse(
      (await c.request('GET', '/apis', undefined, { Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' })).body,
    );
    const g = agg.items.find((i: { metadata: { name: string } }) => i.metadata.name === 'example.com');
    const v1 = g.versions.find((v: { version: string }) => v.version === 'v1');
    const res = v1.resources.find((r: { resource: string }) => r.resource === 'widgets');
    expect(res).toMatchObject({ scope: 'Namespaced', singularResource: 'widget', shortNames: ['wd'], categories: ['all'] });
    expect(res.verbs).toEqual(['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']);
    expect(res.subresources.map((x: { subresource: string }) => x.subresource).sort()).toEqual(['scale', 'status']);
    const index = JSON.parse((await c.request('GET', '/openapi/v3')).body);
    expect(index.paths['apis/example.com/v1']).toBeDefined();
    const doc = JSON.parse((await c.request('GET', index.paths['apis/example.com/v1'].serverRelativeURL)).body);
    expect(doc.components.schemas['com.example.v1.Widget']['x-kubernetes-group-version-kind']).toEqual([{ group: 'example.com', kind: 'Widget', version: 'v1' }]);
    expect(doc.paths['/apis/example.com/v1/namespaces/{namespace}/widgets/{name}/status']).toBeDefined();
  });

  it('serves objects: kubectl get <short> prints the printer columns; defaults are applied', () => {
    expect(k(s, ['create', '-f', '-'], { input: widget('w1', { color: 'red' }) })).toContain('widget.example.com/w1 created');
    const table = k(s, ['get', 'wd']);
    expect(table.split('\n')[0]).toMatch(/^NAME\s+COLOR\s+REPLICAS\s+PHASE\s+AGE$/);
    // A missing value is a null cell, which kubectl prints blank.
    expect(table).toMatch(/^w1\s+red\s+1\s+\d+s$/m);
    const w1 = json(['get', 'widget', 'w1']);
    expect(w1.spec).toEqual({ color: 'red', size: 'medium', replicas: 1 });
    expect(w1.metadata.generation).toBe(1);
    expect(k(s, ['get', 'all', '-o', 'name'])).toContain('widget.example.com/w1');
  });

  it('kubectl explain shows the schema from the OpenAPI v3 document', () => {
    const out = k(s, ['explain', 'wd']);
    expect(out).toMatch(/^KIND:\s+Widget$/m);
    expect(out).toMatch(/^GROUP:\s+example\.com$/m);
    expect(out).toContain('A Widget is a small configurable thing.');
    expect(out).toMatch(/^\s+spec\s+<Object>$/m);
    const field = k(s, ['explain', 'wd.spec.color']);
    expect(field).toContain('The colour of the widget.');
    expect(field).toMatch(/ENUM:\s+red\s+green\s+blue/);
  });

  it('refuses an invalid object with one cause per field', async () => {
    const r = await c.request('POST', '/apis/example.com/v1/namespaces/default/widgets', {
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'bad' },
      spec: { color: 'pink', replicas: 11, label: 'NotLower1', port: true, tags: ['a', 'b', 'c', 'd'] },
    });
    expect(r.code).toBe(422);
    const st = JSON.parse(r.body);
    expect(st.reason).toBe('Invalid');
    expect(st.details).toMatchObject({ name: 'bad', group: 'example.com', kind: 'Widget' });
    const causes = st.details.causes.map((x: { field: string; reason: string; message: string }) => `${x.reason} ${x.field}: ${x.message}`);
    expect(causes).toEqual(
      expect.arrayContaining([
        'FieldValueNotSupported spec.color: Unsupported value: "pink": supported values: "red", "green", "blue"',
        'FieldValueInvalid spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10',
        'FieldValueTooLong spec.label: Too long: may not be more than 8 bytes',
        'FieldValueInvalid spec.label: Invalid value: "NotLower1": spec.label in body should match \'^[a-z]+$\'',
        'FieldValueTypeInvalid spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"',
        'FieldValueTooMany spec.tags: Too many: must have at most 3 items',
      ]),
    );
    const missing = kubectl(s, ['create', '-f', '-'], { input: widget('bad2', { replicas: 'three' }) });
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('The Widget "bad2" is invalid');
    expect(missing.stderr).toContain('spec.color: Required value');
    expect(missing.stderr).toContain('spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"');
  });

  it('prunes unknown fields (with warnings) and refuses them with --validate=strict', () => {
    const strict = kubectl(s, ['create', '--validate=strict', '-f', '-'], { input: widget('w2', { color: 'blue', bogus: 1 }) });
    expect(strict.code).not.toBe(0);
    expect(strict.stderr).toContain(
      'Error from server (BadRequest): error when creating "STDIN": Widget in version "v1" cannot be handled as a Widget: strict decoding error: unknown field "spec.bogus"',
    );
    const warn = kubectl(s, ['create', '--validate=warn', '-f', '-'], { input: widget('w2', { color: 'blue', bogus: 1 }, { extra: { a: 1 } }) });
    expect(warn.code).toBe(0);
    expect(warn.stderr).toContain('Warning: unknown field "spec.bogus"');
    expect(warn.stderr).toContain('Warning: unknown field "extra"');
    const w2 = json(['get', 'wd', 'w2']);
    expect(w2.spec).toEqual({ color: 'blue', size: 'medium', replicas: 1 });
    expect(w2.extra).toBeUndefined();
  });

  it('splits spec and status: the main endpoint ignores status, the status subresource ignores spec', () => {
    k(s, ['patch', 'wd', 'w1', '--type=merge', '-p', '{"spec":{"color":"green"},"status":{"phase":"Ignored"}}']);
    let w1 = json(['get', 'wd', 'w1']);
    expect(w1.spec.color).toBe('green');
    expect(w1.status).toBeUndefined();
    expect(w1.metadata.generation).toBe(2);
    k(s, ['patch', 'wd', 'w1', '--subresource=status', '--type=merge', '-p', '{"spec":{"color":"blue"},"status":{"phase":"Running","replicas":1,"selector":"app=w1"}}']);
    w1 = json(['get', 'wd', 'w1']);
    expect(w1.spec.color).toBe('green');
    expect(w1.status).toEqual({ phase: 'Running', replicas: 1, selector: 'app=w1' });
    expect(w1.metadata.generation).toBe(2);
    expect(k(s, ['get', 'wd', 'w1', '--no-headers'])).toMatch(/^w1\s+green\s+1\s+Running\s+/);
    // Metadata-only changes do not bump the generation either.
    k(s, ['label', 'wd', 'w1', 'app=w1']);
    expect(json(['get', 'wd', 'w1']).metadata.generation).toBe(2);
  });

  it('scales through the scale subresource paths', async () => {
    expect(k(s, ['scale', 'wd', 'w1', '--replicas=3'])).toContain('widget.example.com/w1 scaled');
    const scale = JSON.parse((await c.request('GET', '/apis/example.com/v1/namespaces/default/widgets/w1/scale')).body);
    expect(scale).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 3 }, status: { replicas: 1, selector: 'app=w1' } });
    expect(json(['get', 'wd', 'w1']).spec.replicas).toBe(3);
    const tooMany = await c.request('PATCH', '/apis/example.com/v1/namespaces/default/widgets/w1/scale', { spec: { replicas: 20 } }, { 'Content-Type': 'application/merge-patch+json' });
    expect(tooMany.code).toBe(422);
  });

  it('serves v1beta1 from the v1 storage version (conversion None changes apiVersion only)', () => {
    expect(k(s, ['get', 'widgets.v1beta1.example.com', 'w1', '-o', 'jsonpath={.apiVersion} {.spec.color}'])).toBe('example.com/v1beta1 green');
    const list = json(['get', 'widgets.v1beta1.example.com']);
    expect(list.items.every((i: { apiVersion: string }) => i.apiVersion === 'example.com/v1beta1')).toBe(true);
  });

  it('patches with JSON and merge patches; strategic merge is 415', async () => {
    k(s, ['patch', 'wd', 'w2', '--type=json', '-p', '[{"op":"replace","path":"/spec/size","value":"large"}]']);
    expect(json(['get', 'wd', 'w2']).spec.size).toBe('large');
    const r = await c.request('PATCH', '/apis/example.com/v1/namespaces/default/widgets/w2', { spec: { size: 'small' } }, { 'Content-Type': 'application/strategic-merge-patch+json' });
    expect(r.code).toBe(415);
    const st = JSON.parse(r.body);
    expect(st.reason).toBe('UnsupportedMediaType');
    expect(st.message).toMatch(/^the body of the request was in an unknown format - accepted media types include: application\/json-patch\+json, application\/merge-patch\+json/);
  });

  it('selects on metadata.name and the CRD selectable fields', () => {
    const names = (args: string[]) => k(s, ['get', 'wd', '-o', 'name', ...args]).trim().split('\n').filter(Boolean).sort();
    expect(names(['--field-selector', 'metadata.name=w2'])).toEqual(['widget.example.com/w2']);
    expect(names(['--field-selector', 'spec.color=green'])).toEqual(['widget.example.com/w1']);
    const bad = kubectl(s, ['get', 'wd', '--field-selector', 'spec.size=large']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('field label not supported: spec.size');
  });

  it('applies new schema defaults on read', async () => {
    const patch = JSON.stringify([{ op: 'add', path: '/spec/versions/0/schema/openAPIV3Schema/properties/spec/properties/tier', value: { type: 'string', default: 'gold' } }]);
    k(s, ['patch', 'crd', 'widgets.example.com', '--type=json', '-p', patch]);
    await eventually(() => expect(json(['get', 'wd', 'w1']).spec.tier).toBe('gold'), 5000);
  });

  it('a client-node informer sees custom resources added, updated and deleted', async () => {
    k(s, ['create', 'namespace', 'inf']);
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(s.kubeconfig);
    const api = kc.makeApiClient(k8s.CustomObjectsApi);
    const informer = k8s.makeInformer<k8s.KubernetesObject>(
      kc,
      '/apis/example.com/v1/namespaces/inf/widgets',
      () => api.listNamespacedCustomObject({ group: 'example.com', version: 'v1', namespace: 'inf', plural: 'widgets' }) as Promise<k8s.KubernetesListObject<k8s.KubernetesObject>>,
    );
    const events: string[] = [];
    informer.on('add', (o) => events.push(`add ${o.metadata!.name}`));
    informer.on('update', (o) => events.push(`update ${o.metadata!.name} ${(o as { spec?: { color?: string } }).spec?.color}`));
    informer.on('delete', (o) => events.push(`delete ${o.metadata!.name}`));
    informer.on('error', () => {});
    await informer.start();
    try {
      await api.createNamespacedCustomObject({ group: 'example.com', version: 'v1', namespace: 'inf', plural: 'widgets', body: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'i1' }, spec: { color: 'red' } } });
      await eventually(() => expect(events).toContain('add i1'));
      await api.patchNamespacedCustomObject(
        { group: 'example.com', version: 'v1', namespace: 'inf', plural: 'widgets', name: 'i1', body: { spec: { color: 'blue' } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
      await eventually(() => expect(events).toContain('update i1 blue'));
      expect(informer.list().find((o) => o.metadata?.name === 'i1')).toMatchObject({ spec: { color: 'blue', size: 'medium', replicas: 1 } });
      await api.deleteNamespacedCustomObject({ group: 'example.com', version: 'v1', namespace: 'inf', plural: 'widgets', name: 'i1' });
      await eventually(() => expect(events).toContain('delete i1'));
    } finally {
      await informer.stop();
    }
  });

  it('refuses a non-structural CRD with kube\'s message', async () => {
    const r = await c.request(
      'POST',
      '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
      crdBody('gadgets.example.com', 'example.com', { plural: 'gadgets', kind: 'Gadget' }, { type: 'object', properties: { spec: { properties: { a: { type: 'string' } } } } }),
    );
    expect(r.code).toBe(422);
    const st = JSON.parse(r.body);
    expect(st.message).toBe(
      'CustomResourceDefinition.apiextensions.k8s.io "gadgets.example.com" is invalid: spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields',
    );
    expect(st.details.causes).toEqual([{ reason: 'FieldValueRequired', field: 'spec.versions[0].schema.openAPIV3Schema.properties[spec].type', message: 'Required value: must not be empty for specified object fields' }]);
    const viaKubectl = kubectl(s, ['create', '-f', '-'], {
      input: JSON.stringify(crdBody('gadgets.example.com', 'example.com', { plural: 'gadgets', kind: 'Gadget' }, { properties: { spec: { type: 'object', anyOf: [{ type: 'object' }] } } })),
    });
    expect(viaKubectl.code).not.toBe(0);
    expect(viaKubectl.stderr).toContain('spec.versions[0].schema.openAPIV3Schema.type: Required value: must not be empty at the root');
    expect(viaKubectl.stderr).toContain('spec.versions[0].schema.openAPIV3Schema.properties[spec].anyOf[0].type: Forbidden: must be empty to be structural');
  });

  it('refuses CRDs whose names collide with another CRD or a built-in resource', async () => {
    const post = (b: object) => c.request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', b);
    const sameKind = await post(crdBody('widgetz.example.com', 'example.com', { plural: 'widgetz', kind: 'Widget' }, { type: 'object' }));
    expect(sameKind.code).toBe(422);
    const a = JSON.parse(sameKind.body);
    expect(a.message).toContain('spec.names.kind: Invalid value: "Widget": "Widget" is already in use by customresourcedefinition "widgets.example.com"');
    expect(a.details.causes.map((x: { field: string }) => x.field)).toEqual(expect.arrayContaining(['spec.names.kind', 'spec.names.listKind']));
    const shortPlural = await post(crdBody('gizmos.example.com', 'example.com', { plural: 'gizmos', kind: 'Gizmo', shortNames: ['widgets'] }, { type: 'object' }));
    expect(shortPlural.code).toBe(422);
    expect(JSON.parse(shortPlural.body).message).toContain('spec.names.shortNames[0]: Invalid value: "widgets": "widgets" is already in use by customresourcedefinition "widgets.example.com"');
    const builtin = kubectl(s, ['create', '-f', '-'], { input: JSON.stringify(crdBody('pets.zoo.io', 'zoo.io', { plural: 'pets', kind: 'Pet', shortNames: ['po'] }, { type: 'object' })) });
    expect(builtin.code).not.toBe(0);
    expect(builtin.stderr).toContain('spec.names.shortNames[0]: Invalid value: "po": "po" is already in use by the built-in resource "pods" as a short name');
  });

  it('serves cluster-scoped CRDs, and reports NamesAccepted=False when an update claims a taken name', async () => {
    const body = crdBody('gizmos.example.com', 'example.com', { plural: 'gizmos', kind: 'Gizmo', shortNames: ['gz'] }, { type: 'object', properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }, 'Cluster');
    expect((await c.request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', body)).code).toBe(201);
    k(s, ['wait', '--for=condition=Established', 'crd/gizmos.example.com', '--timeout=5s']);
    await eventually(() => expect(kubectl(s, ['get', 'gz']).code).toBe(0));
    k(s, ['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'example.com/v1', kind: 'Gizmo', metadata: { name: 'g1' }, spec: { anything: { goes: true } } }) });
    const g1 = json(['get', 'gizmo', 'g1']);
    expect(g1.metadata.namespace).toBeUndefined();
    expect(g1.spec).toEqual({ anything: { goes: true } });
    const table = k(s, ['get', 'gz']);
    expect(table).toMatch(/^NAME\s+AGE$/m);
    expect(table).toMatch(/^g1\s+\d+s$/m);
    k(s, ['patch', 'crd', 'gizmos.example.com', '--type=merge', '-p', '{"spec":{"names":{"shortNames":["wd"]}}}']);
    await eventually(() => {
      const crd = json(['get', 'crd', 'gizmos.example.com']);
      const cond = crd.status.conditions.find((x: { type: string }) => x.type === 'NamesAccepted');
      expect(cond).toMatchObject({ status: 'False', reason: 'ShortNamesConflict', message: '"wd" is already in use' });
      expect(crd.status.acceptedNames.shortNames).toEqual(['gz']);
    }, 5000);
    // Still served under the names it has.
    expect(k(s, ['get', 'gz', '-o', 'name']).trim()).toBe('gizmo.example.com/g1');
    k(s, ['delete', 'crd', 'gizmos.example.com']);
  });

  it('kubectl apply updates a custom resource (three-way JSON merge patch)', () => {
    const doc = (size: string) => widget('applied', { color: 'red', size }).replace('"metadata":{', '"metadata":{"namespace":"default",');
    expect(k(s, ['apply', '-f', '-'], { input: doc('small') })).toContain('widget.example.com/applied created');
    expect(k(s, ['apply', '-f', '-'], { input: doc('large') })).toContain('widget.example.com/applied configured');
    expect(json(['get', 'wd', 'applied']).spec).toEqual({ color: 'red', size: 'large', replicas: 1, tier: 'gold' });
  });

  it('deleting the CRD deletes its objects, then its API', async () => {
    const del = k(s, ['delete', 'crd', 'widgets.example.com', '--timeout=20s']);
    expect(del).toContain('customresourcedefinition.apiextensions.k8s.io "widgets.example.com" deleted');
    expect(kubectl(s, ['get', 'crd', 'widgets.example.com']).stderr).toContain('NotFound');
    await eventually(() => expect(k(s, ['api-resources', '--api-group=example.com'])).not.toMatch(/widgets/), 5000);
    expect((await c.request('GET', '/apis/example.com/v1')).code).toBe(404);
    expect((await c.request('GET', '/apis/example.com/v1/namespaces/default/widgets')).code).toBe(404);
    // Installed again, it starts empty: the objects were deleted, not just hidden.
    k(s, ['apply', '-f', '-'], { input: CRD });
    k(s, ['wait', '--for=condition=Established', 'crd/widgets.example.com', '--timeout=5s']);
    await eventually(() => expect(kubectl(s, ['get', 'wd', '-A']).code).toBe(0), 5000);
    expect(k(s, ['get', 'wd', '-A', '-o', 'name']).trim()).toBe('');
  });

  it('serves established CRDs as soon as the server is ready after a restart', async () => {
    k(s, ['create', '-f', '-'], { input: widget('persisted', { color: 'blue' }) });
    await s.stop();
    c.agent.destroy();
    s = await startServer({ dataDir: s.dataDir });
    c = client(s.kubeconfig);
    expect(k(s, ['get', 'wd', 'persisted', '-o', 'jsonpath={.spec.color}'])).toBe('blue');
  });
});
