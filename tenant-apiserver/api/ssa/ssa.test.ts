import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../errors.js';
import { loadOpenApiV2 } from '../openapi/spec.js';
import { compileSchemas, type SchemaIndex } from '../openapi/schema-check.js';
import type { KubeObject } from '../types.js';
import { applyServerSide, fieldsV1Of, trackUpdate, validateApplyBody, type ManagedFieldsEntry, type SsaContext } from './ssa.js';
import { ATOMIC_STRUCT_DEFINITIONS } from './tables.js';

let index: SchemaIndex;

beforeAll(async () => {
  index = compileSchemas(await loadOpenApiV2());
});

const DEPLOYMENT = 'io.k8s.api.apps.v1.Deployment';
const T0 = new Date('2024-05-01T10:00:00Z');
const T1 = new Date('2024-05-01T11:00:00Z');
const T2 = new Date('2024-05-01T12:00:00Z');

// Objects are poked at freely in assertions.
type Obj = Record<string, any>;

function ctx(over: Partial<SsaContext> = {}): SsaContext {
  return { index, definition: DEPLOYMENT, apiVersion: 'apps/v1', now: T0, resetFields: [['status']], ...over };
}

function container(name: string, extra: Obj = {}): Obj {
  return { name, image: `${name}:1`, ...extra };
}

function deployment(spec?: Obj, metadata: Obj = {}): Obj {
  const d: Obj = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default', ...metadata } };
  if (spec !== undefined) d.spec = spec;
  return d;
}

function nginx(replicas = 3): Obj {
  return deployment(
    {
      replicas,
      selector: { matchLabels: { app: 'nginx' } },
      template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.14.2' }] } },
    },
    { labels: { app: 'nginx' } },
  );
}

/** What the store adds on create. */
function stored(o: KubeObject): Obj {
  return { ...o, metadata: { ...o.metadata, uid: '6c0a1ef4-3b0b-4b0e-8c3a-1f2d3c4b5a69', resourceVersion: '1', creationTimestamp: '2024-05-01T09:00:00Z' } };
}

function apply(c: SsaContext, current: Obj | undefined, body: Obj, manager: string, force = false): Obj {
  return applyServerSide(c, current, body, manager, force) as Obj;
}

function entries(o: Obj): ManagedFieldsEntry[] {
  return o.metadata.managedFields as ManagedFieldsEntry[];
}

function entry(o: Obj, manager: string, operation?: 'Apply' | 'Update'): ManagedFieldsEntry {
  const e = entries(o).find((x) => x.manager === manager && (operation === undefined || x.operation === operation));
  if (!e) throw new Error(`no managedFields entry for ${manager}: ${JSON.stringify(entries(o).map((x) => x.manager))}`);
  return e;
}

function v1(o: Obj, manager: string, operation?: 'Apply' | 'Update'): Obj {
  return entry(o, manager, operation).fieldsV1 as Obj;
}

function catchApiError(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('expected an ApiError');
}

/** An update by `manager`: its managedFields as trackUpdate computes them. */
function update(c: SsaContext, old: Obj | undefined, next: Obj, manager: string): Obj {
  const mf = trackUpdate(c, old, next, manager);
  const meta: Obj = { ...next.metadata };
  if (mf.length > 0) meta.managedFields = mf;
  else delete meta.managedFields;
  return { ...next, metadata: meta };
}

describe('FieldsV1 (golden, as kube-apiserver 1.34 records them)', () => {
  it('kubectl apply --server-side of a Deployment', () => {
    const out = apply(ctx(), undefined, nginx(), 'kubectl');
    expect(entries(out)).toEqual([
      {
        manager: 'kubectl',
        operation: 'Apply',
        apiVersion: 'apps/v1',
        time: '2024-05-01T10:00:00Z',
        fieldsType: 'FieldsV1',
        fieldsV1: expect.anything(),
      },
    ]);
    expect(JSON.stringify(entry(out, 'kubectl').fieldsV1)).toBe(
      '{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{"f:metadata":{"f:labels":{"f:app":{}}},' +
        '"f:spec":{"f:containers":{"k:{\\"name\\":\\"nginx\\"}":{".":{},"f:image":{},"f:name":{}}}}}}}',
    );
    // JSON key order of the entry is kube's.
    expect(Object.keys(entry(out, 'kubectl'))).toEqual(['manager', 'operation', 'apiVersion', 'time', 'fieldsType', 'fieldsV1']);
  });

  it('a create (kubectl create deployment, after defaulting)', () => {
    const created = nginx(1);
    created.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } };
    created.spec.template.spec.containers[0] = {
      ...created.spec.template.spec.containers[0],
      ports: [{ containerPort: 80, protocol: 'TCP' }],
      imagePullPolicy: 'IfNotPresent',
      terminationMessagePath: '/dev/termination-log',
    };
    created.spec.template.spec.restartPolicy = 'Always';
    created.spec.template.spec.securityContext = {};
    created.status = {};
    const mf = trackUpdate(ctx(), undefined, created, 'kubectl-create');
    expect(mf).toHaveLength(1);
    expect(mf[0]!.manager).toBe('kubectl-create');
    expect(mf[0]!.operation).toBe('Update');
    // Labels and the new container are new nodes ("."); spec, strategy, template are Go struct values
    // that exist even in an empty Deployment, and containers was null there, so none of them gets ".".
    expect(JSON.stringify(mf[0]!.fieldsV1)).toBe(
      '{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:replicas":{},"f:selector":{},' +
        '"f:strategy":{"f:rollingUpdate":{".":{},"f:maxSurge":{},"f:maxUnavailable":{}},"f:type":{}},' +
        '"f:template":{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\\"name\\":\\"nginx\\"}":{".":{},' +
        '"f:image":{},"f:imagePullPolicy":{},"f:name":{},"f:ports":{".":{},"k:{\\"containerPort\\":80,\\"protocol\\":\\"TCP\\"}":{".":{},' +
        '"f:containerPort":{},"f:protocol":{}}},"f:resources":{},"f:terminationMessagePath":{}}},"f:restartPolicy":{},"f:securityContext":{}}}}}',
    );
  });

  it('fieldsV1Of: what an applier of the object would own', () => {
    const o = nginx();
    o.spec.template.spec.containers[0].ports = [{ containerPort: 80 }];
    o.status = { replicas: 3 };
    expect(fieldsV1Of(ctx(), o)).toEqual({
      'f:metadata': { 'f:labels': { 'f:app': {} } },
      'f:spec': {
        'f:replicas': {},
        'f:selector': {},
        'f:template': {
          'f:metadata': { 'f:labels': { 'f:app': {} } },
          'f:spec': {
            'f:containers': {
              'k:{"name":"nginx"}': {
                '.': {},
                'f:image': {},
                'f:name': {},
                // protocol is a key with a default: the item is keyed TCP though the body omits it.
                'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
              },
            },
          },
        },
      },
    });
  });

  it('without a schema every map key is a node of its own and lists are atomic', () => {
    const c = ctx({ definition: undefined, apiVersion: 'example.com/v1', resetFields: undefined });
    const cr = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', labels: { a: 'b' } }, spec: { size: { x: 1 }, tags: ['a', 'b'] } };
    const out = apply(c, undefined, cr, 'mgr');
    // (metadata's own "." is stripped like every other metadata path but its maps.)
    expect(entry(out, 'mgr').fieldsV1).toEqual({
      'f:metadata': { 'f:labels': { '.': {}, 'f:a': {} } },
      'f:spec': { '.': {}, 'f:size': { '.': {}, 'f:x': {} }, 'f:tags': {} },
    });
  });
});

describe('applyServerSide', () => {
  it('creates: the object is the applied configuration, owned by the applier', () => {
    const body = nginx();
    const out = apply(ctx(), undefined, body, 'kubectl');
    const { managedFields, ...meta } = out.metadata;
    expect({ ...out, metadata: meta }).toEqual(body);
    expect(managedFields).toHaveLength(1);
    // The inputs are untouched and share nothing with the result.
    expect(body.metadata.managedFields).toBeUndefined();
    out.spec.template.spec.containers[0].image = 'changed';
    expect(body.spec.template.spec.containers[0].image).toBe('nginx:1.14.2');
  });

  it('re-applying the same configuration changes nothing, not even the time', () => {
    const live = stored(apply(ctx(), undefined, nginx(), 'kubectl'));
    const again = apply(ctx({ now: T1 }), live, nginx(), 'kubectl');
    expect(again).toEqual(live);
    expect(entry(again, 'kubectl').time).toBe('2024-05-01T10:00:00Z');
  });

  it('a changed apply takes the new time', () => {
    const live = stored(apply(ctx(), undefined, nginx(), 'kubectl'));
    const again = apply(ctx({ now: T1 }), live, nginx(5), 'kubectl');
    expect(again.spec.replicas).toBe(5);
    expect(entry(again, 'kubectl').time).toBe('2024-05-01T11:00:00Z');
  });

  it('removes a field the applier owned and no longer sends', () => {
    const body = nginx();
    body.metadata.labels.tier = 'web';
    const live = stored(apply(ctx(), undefined, body, 'kubectl'));
    const smaller = nginx();
    delete smaller.spec.replicas;
    const out = apply(ctx({ now: T1 }), live, smaller, 'kubectl');
    expect(out.spec.replicas).toBeUndefined();
    expect(out.metadata.labels).toEqual({ app: 'nginx' });
    expect(v1(out, 'kubectl')['f:spec']).not.toHaveProperty('f:replicas');
  });

  it('releases (but keeps) a field another manager also owns', () => {
    const live = stored(apply(ctx(), undefined, nginx(), 'kubectl'));
    const shared = apply(ctx(), live, deployment({ replicas: 3 }), 'hpa-like');
    expect(entry(shared, 'hpa-like').fieldsV1).toEqual({ 'f:spec': { 'f:replicas': {} } });
    const smaller = nginx();
    delete smaller.spec.replicas;
    const out = apply(ctx({ now: T1 }), stored(shared), smaller, 'kubectl');
    expect(out.spec.replicas).toBe(3);
    expect(v1(out, 'kubectl')['f:spec']).not.toHaveProperty('f:replicas');
    expect(entry(out, 'hpa-like').fieldsV1).toEqual({ 'f:spec': { 'f:replicas': {} } });
  });

  it('keeps a field an Update manager took over when the applier drops it', () => {
    const live = stored(apply(ctx(), undefined, nginx(), 'kubectl'));
    const scaled = update(ctx({ now: T1 }), live, { ...live, spec: { ...live.spec, replicas: 7 } }, 'kubectl-scale');
    expect(entry(scaled, 'kubectl-scale', 'Update').fieldsV1).toEqual({ 'f:spec': { 'f:replicas': {} } });
    expect(v1(scaled, 'kubectl')['f:spec']).not.toHaveProperty('f:replicas');
    const smaller = nginx();
    delete smaller.spec.replicas;
    const out = apply(ctx({ now: T2 }), scaled, smaller, 'kubectl');
    expect(out.spec.replicas).toBe(7);
  });

  it('two appliers setting the same value share the field without conflict', () => {
    const live = stored(apply(ctx(), undefined, nginx(), 'a'));
    const out = apply(ctx({ now: T1 }), live, deployment({ replicas: 3 }), 'b');
    expect(out.spec).toEqual(live.spec);
    expect(v1(out, 'a')['f:spec']).toHaveProperty('f:replicas');
    expect(entry(out, 'b').fieldsV1).toEqual({ 'f:spec': { 'f:replicas': {} } });
    // Nothing changed, so b's entry carries no time (kube leaves it nil).
    expect(entry(out, 'b').time).toBeUndefined();
  });

  it('a different value owned by another applier is a 409 with kube wording', () => {
    const live = stored(apply(ctx(), undefined, nginx(), 'other'));
    const err = catchApiError(() => apply(ctx({ now: T1 }), live, deployment({ replicas: 5 }), 'mine'));
    expect(err.code).toBe(409);
    expect(err.reason).toBe('Conflict');
    expect(err.message).toBe('Apply failed with 1 conflict: conflict with "other": .spec.replicas');
    expect(err.toStatus()).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Apply failed with 1 conflict: conflict with "other": .spec.replicas',
      reason: 'Conflict',
      details: { causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "other"', field: '.spec.replicas' }] },
      code: 409,
    });
  });

  it('lists several conflicts per manager', () => {
    const live = stored(apply(ctx(), undefined, nginx(), 'other'));
    const scaled = update(ctx({ now: T1 }), live, { ...live, metadata: { ...live.metadata, labels: { app: 'x' } } }, 'editor');
    const body = deployment({ replicas: 5, template: { spec: { containers: [{ name: 'nginx', image: 'nginx:2' }] } } }, { labels: { app: 'y' } });
    const err = catchApiError(() => apply(ctx({ now: T2 }), scaled, body, 'mine'));
    expect(err.message).toBe(
      'Apply failed with 3 conflicts: conflicts with "editor" using apps/v1:\n- .metadata.labels.app\n' +
        'conflicts with "other":\n- .spec.replicas\n- .spec.template.spec.containers[name="nginx"].image',
    );
    expect(err.details?.causes).toEqual([
      { reason: 'FieldManagerConflict', message: 'conflict with "editor" using apps/v1', field: '.metadata.labels.app' },
      { reason: 'FieldManagerConflict', message: 'conflict with "other"', field: '.spec.replicas' },
      { reason: 'FieldManagerConflict', message: 'conflict with "other"', field: '.spec.template.spec.containers[name="nginx"].image' },
    ]);
  });

  it('force takes the field: the other manager loses it', () => {
    const live = stored(apply(ctx(), undefined, nginx(), 'other'));
    const out = apply(ctx({ now: T1 }), live, deployment({ replicas: 5 }), 'mine', true);
    expect(out.spec.replicas).toBe(5);
    expect(entry(out, 'mine').fieldsV1).toEqual({ 'f:spec': { 'f:replicas': {} } });
    expect(v1(out, 'other')['f:spec']).not.toHaveProperty('f:replicas');
    expect(v1(out, 'other')['f:spec']).toHaveProperty('f:selector');
    // Other's entry keeps its time; the forcing applier's is new. Apply entries sort by time.
    expect(entries(out).map((e) => [e.manager, e.time])).toEqual([
      ['other', '2024-05-01T10:00:00Z'],
      ['mine', '2024-05-01T11:00:00Z'],
    ]);
  });

  it('an Update manager (kubectl-client-side-apply) conflicts on replicas', () => {
    const created = update(ctx(), undefined, nginx(1), 'kubectl-client-side-apply');
    const live = stored(created);
    expect(entries(live).map((e) => [e.manager, e.operation])).toEqual([['kubectl-client-side-apply', 'Update']]);
    const err = catchApiError(() => apply(ctx({ now: T1 }), live, nginx(3), 'my-ssa'));
    expect(err.message).toBe('Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas');
    expect(err.details?.causes).toEqual([
      { reason: 'FieldManagerConflict', message: 'conflict with "kubectl-client-side-apply" using apps/v1', field: '.spec.replicas' },
    ]);
  });

  it('kubectl takes over fields that still match its client-side last-applied annotation', () => {
    const lastApplied = JSON.stringify(nginx(1)) + '\n';
    const body = nginx(1);
    body.metadata.annotations = { 'kubectl.kubernetes.io/last-applied-configuration': lastApplied };
    const live = stored(update(ctx(), undefined, body, 'kubectl-client-side-apply'));
    // Same manager name as kubectl's server-side default: the conflict on replicas is allowed.
    const out = apply(ctx({ now: T1 }), live, nginx(3), 'kubectl');
    expect(out.spec.replicas).toBe(3);
    expect(v1(out, 'kubectl', 'Apply')['f:spec']).toHaveProperty('f:replicas');
    expect(v1(out, 'kubectl-client-side-apply')['f:spec']).not.toHaveProperty('f:replicas');
    // ...and the annotation now holds the server-side applied configuration (Go JSON: sorted keys).
    expect(out.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).toBe(
      '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"labels":{"app":"nginx"},"name":"web","namespace":"default"},' +
        '"spec":{"replicas":3,"selector":{"matchLabels":{"app":"nginx"}},"template":{"metadata":{"labels":{"app":"nginx"}},' +
        '"spec":{"containers":[{"image":"nginx:1.14.2","name":"nginx"}]}}}}\n',
    );
    // A value changed since the last client-side apply is a real conflict.
    const drifted = { ...live, spec: { ...live.spec, replicas: 2 } };
    const err = catchApiError(() => apply(ctx({ now: T1 }), drifted, nginx(3), 'kubectl'));
    expect(err.message).toBe('Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas');
  });

  it('an object created without managedFields gets a before-first-apply entry on its first apply', () => {
    const live = stored(nginx(2));
    const err = catchApiError(() => apply(ctx({ now: T1 }), live, deployment({ replicas: 3 }), 'late'));
    expect(err.message).toBe('Apply failed with 1 conflict: conflict with "before-first-apply" using apps/v1: .spec.replicas');
    const out = apply(ctx({ now: T1 }), live, deployment({ replicas: 3 }), 'late', true);
    const bfa = entry(out, 'before-first-apply', 'Update');
    expect(bfa.time).toBe('2024-05-01T11:00:00Z');
    expect(bfa.fieldsV1['f:spec']).not.toHaveProperty('f:replicas');
    expect(bfa.fieldsV1['f:spec']).toHaveProperty('f:selector');
    expect(bfa.fieldsV1['f:metadata']).toEqual({ 'f:labels': { '.': {}, 'f:app': {} } });
  });

  it('merges associative lists by key: another manager’s container stays', () => {
    const live = stored(apply(ctx(), undefined, deployment({ template: { spec: { containers: [container('a')] } } }), 'ma'));
    const both = apply(ctx({ now: T1 }), live, deployment({ template: { spec: { containers: [container('b')] } } }), 'mb');
    expect(both.spec.template.spec.containers.map((c: Obj) => c.name)).toEqual(['a', 'b']);
    expect(v1(both, 'mb')['f:spec']['f:template']['f:spec']['f:containers']).toEqual({
      'k:{"name":"b"}': { '.': {}, 'f:image': {}, 'f:name': {} },
    });
    // ma changes its container: b is untouched; ma dropping its container removes only a.
    const changed = apply(ctx({ now: T2 }), stored(both), deployment({ template: { spec: { containers: [container('a', { image: 'a:2' })] } } }), 'ma');
    expect(changed.spec.template.spec.containers).toEqual([container('a', { image: 'a:2' }), container('b')]);
    const dropped = apply(ctx({ now: T2 }), stored(changed), deployment({ template: { spec: { containers: [] } } }), 'ma');
    expect(dropped.spec.template.spec.containers).toEqual([container('b')]);
  });

  it('orders merged list items like kube: live order, applied items after the item they follow', () => {
    const live = stored(apply(ctx(), undefined, deployment({ template: { spec: { containers: [container('a'), container('b')] } } }), 'm1'));
    const out = apply(ctx(), live, deployment({ template: { spec: { containers: [container('b'), container('c')] } } }), 'm2');
    expect(out.spec.template.spec.containers.map((c: Obj) => c.name)).toEqual(['a', 'b', 'c']);
    const out2 = apply(ctx(), live, deployment({ template: { spec: { containers: [container('c'), container('a')] } } }), 'm3');
    expect(out2.spec.template.spec.containers.map((c: Obj) => c.name)).toEqual(['c', 'a', 'b']);
  });

  it('an item two appliers share keeps the other applier’s fields when one drops it', () => {
    const live = stored(apply(ctx(), undefined, deployment({ template: { spec: { containers: [container('c')] } } }), 'ma'));
    const both = apply(ctx({ now: T1 }), live, deployment({ template: { spec: { containers: [{ name: 'c', env: [{ name: 'X', value: '1' }] }] } } }), 'mb');
    expect(both.spec.template.spec.containers).toEqual([{ name: 'c', image: 'c:1', env: [{ name: 'X', value: '1' }] }]);
    const dropped = apply(ctx({ now: T2 }), stored(both), deployment({ template: { spec: { containers: [] } } }), 'ma');
    expect(dropped.spec.template.spec.containers).toEqual([{ name: 'c', env: [{ name: 'X', value: '1' }] }]);
  });

  it('tolerates duplicate keys in the live object', () => {
    const live = stored(
      update(ctx(), undefined, deployment({ template: { spec: { containers: [container('a', { env: [{ name: 'X', value: '1' }, { name: 'X', value: '2' }] })] } } }), 'old'),
    );
    const out = apply(ctx({ now: T1 }), live, deployment({ template: { spec: { containers: [container('a', { image: 'a:2' })] } } }), 'mb', true);
    expect(out.spec.template.spec.containers[0].image).toBe('a:2');
    expect(out.spec.template.spec.containers[0].env).toHaveLength(2);
  });

  it('a null in the body unsets the field of a built-in kind (and the applier owns it)', () => {
    const live = stored(apply(ctx(), undefined, nginx(), 'kubectl'));
    const body = nginx();
    body.spec.replicas = null;
    const out = apply(ctx({ now: T1 }), live, body, 'kubectl');
    expect(out.spec).not.toHaveProperty('replicas');
    expect(v1(out, 'kubectl')['f:spec']).toHaveProperty('f:replicas');
  });

  it('does not conflict over reset fields', () => {
    const c = ctx({ subresource: 'status', resetFields: [['spec'], ['metadata']] });
    const live = stored(apply(c, stored(nginx()), { ...deployment(), status: { replicas: 1 } }, 'controller'));
    const out = apply(ctx({ now: T1 }), live, { ...deployment({ replicas: 3 }), status: { replicas: 5 } }, 'kubectl');
    expect(entry(out, 'controller').fieldsV1).toEqual({ 'f:status': { 'f:replicas': {} } });
    expect(entry(out, 'controller').subresource).toBe('status');
  });

  it('names a subresource manager in conflicts', () => {
    const c = ctx({ subresource: 'status', resetFields: [['spec'], ['metadata']] });
    const live = stored(update(c, stored(apply(ctx(), undefined, nginx(), 'kubectl')), { ...nginx(), status: { replicas: 1 } }, 'ctl'));
    const err = catchApiError(() => apply(c, live, { ...deployment(), status: { replicas: 2 } }, 'other'));
    expect(err.message).toBe('Apply failed with 1 conflict: conflict with "ctl" with subresource "status" using apps/v1: .status.replicas');
  });

  it('checks the version of a schemaless body it cannot name the kind of', () => {
    const c = ctx({ definition: undefined, apiVersion: 'example.com/v1', resetFields: undefined });
    const err = catchApiError(() => apply(c, undefined, { apiVersion: 'example.com/v2', kind: 'Widget', metadata: { name: 'w' } }, 'm'));
    expect(err.code).toBe(400);
    expect(err.message).toBe('Incorrect version specified in apply patch. Specified patch version: example.com/v2, expected: example.com/v1');
  });

  it('schemaless objects: maps merge key by key, lists are atomic', () => {
    const c = ctx({ definition: undefined, apiVersion: 'example.com/v1', resetFields: undefined, kind: 'Widget' });
    const w = (spec: Obj): Obj => ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec });
    const live = stored(apply(c, undefined, w({ a: { x: 1 }, tags: ['a'] }), 'm1'));
    const out = apply(c, live, w({ a: { y: 2 } }), 'm2');
    expect(out.spec).toEqual({ a: { x: 1, y: 2 }, tags: ['a'] });
    const err = catchApiError(() => apply(c, stored(out), w({ tags: ['b'] }), 'm2'));
    expect(err.message).toBe('Apply failed with 1 conflict: conflict with "m1": .spec.tags');
  });

  it('labels are granular: each applier owns its own keys', () => {
    const live = stored(apply(ctx(), undefined, deployment(undefined, { labels: { a: '1' } }), 'ma'));
    const out = apply(ctx({ now: T1 }), live, deployment(undefined, { labels: { b: '2' } }), 'mb');
    expect(out.metadata.labels).toEqual({ a: '1', b: '2' });
    expect(entry(out, 'ma').fieldsV1).toEqual({ 'f:metadata': { 'f:labels': { 'f:a': {} } } });
    expect(entry(out, 'mb').fieldsV1).toEqual({ 'f:metadata': { 'f:labels': { 'f:b': {} } } });
    const err = catchApiError(() => apply(ctx({ now: T1 }), stored(out), deployment(undefined, { labels: { a: 'x' } }), 'mb'));
    expect(err.message).toBe('Apply failed with 1 conflict: conflict with "ma": .metadata.labels.a');
  });

  it('set lists (finalizers) union, each value owned separately', () => {
    const live = stored(apply(ctx(), undefined, deployment(undefined, { finalizers: ['example.com/a'] }), 'ma'));
    const out = apply(ctx({ now: T1 }), live, deployment(undefined, { finalizers: ['example.com/b', 'example.com/a'] }), 'mb');
    // The applied order wins where the applier touches the list (kube's merge order).
    expect(out.metadata.finalizers).toEqual(['example.com/b', 'example.com/a']);
    expect(entry(out, 'mb').fieldsV1).toEqual({ 'f:metadata': { 'f:finalizers': { 'v:"example.com/a"': {}, 'v:"example.com/b"': {} } } });
    // ma stops applying its value: mb still owns it, so it stays.
    const kept = apply(ctx({ now: T2 }), stored(out), deployment(undefined, {}), 'ma');
    expect(kept.metadata.finalizers).toEqual(['example.com/b', 'example.com/a']);
    expect(entries(kept).map((e) => e.manager)).toEqual(['mb']);
    const gone = apply(ctx({ now: T2 }), stored(kept), deployment(undefined, { finalizers: ['example.com/b'] }), 'mb');
    expect(gone.metadata.finalizers).toEqual(['example.com/b']);
  });

  it('atomic lists are replaced wholesale and owned as one field', () => {
    const body = deployment({ template: { spec: { containers: [container('a', { args: ['x', 'y'] })] } } });
    const live = stored(apply(ctx(), undefined, body, 'ma'));
    const argsOwner = (o: Obj, m: string): unknown => v1(o, m)['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"a"}']['f:args'];
    expect(argsOwner(live, 'ma')).toEqual({});
    const next = deployment({ template: { spec: { containers: [{ name: 'a', args: ['z'] }] } } });
    const err = catchApiError(() => apply(ctx({ now: T1 }), live, next, 'mb'));
    expect(err.message).toBe('Apply failed with 1 conflict: conflict with "ma": .spec.template.spec.containers[name="a"].args');
    const forced = apply(ctx({ now: T1 }), live, next, 'mb', true);
    expect(forced.spec.template.spec.containers[0].args).toEqual(['z']);
    expect(argsOwner(forced, 'mb')).toEqual({});
  });

  it('atomic structs (LabelSelector) are one field', () => {
    const live = stored(apply(ctx(), undefined, nginx(), 'ma'));
    const err = catchApiError(() => apply(ctx({ now: T1 }), live, deployment({ selector: { matchLabels: { app: 'nginx', x: 'y' } } }), 'mb'));
    expect(err.message).toBe('Apply failed with 1 conflict: conflict with "ma": .spec.selector');
  });

  it('never tracks name, namespace, uid, resourceVersion, … nor reset fields (status)', () => {
    const body: Obj = { ...nginx(), status: { replicas: 3 } };
    body.metadata = { ...body.metadata, uid: 'x', resourceVersion: '5', generation: 2, creationTimestamp: '2024-01-01T00:00:00Z', selfLink: '/x' };
    const out = apply(ctx(), undefined, body, 'kubectl');
    const v1 = entry(out, 'kubectl').fieldsV1;
    expect(Object.keys(v1)).toEqual(['f:metadata', 'f:spec']);
    expect(Object.keys(v1['f:metadata'] as Obj)).toEqual(['f:labels']);
    // The merged object still has them: the strategy and store deal with those.
    expect(out.status).toEqual({ replicas: 3 });
  });

  it('a status-subresource apply owns status only and records the subresource', () => {
    const live = stored(apply(ctx(), undefined, nginx(), 'kubectl'));
    const c = ctx({ subresource: 'status', resetFields: [['spec'], ['metadata', 'labels']], now: T1 });
    const out = apply(c, live, deployment({ replicas: 9 }, {}) as Obj & { status?: Obj }, 'controller');
    expect(entries(out).find((e) => e.manager === 'controller')).toBeUndefined();
    const out2 = apply(c, live, { ...deployment(), status: { replicas: 3 } }, 'controller');
    expect(entry(out2, 'controller')).toEqual({
      manager: 'controller',
      operation: 'Apply',
      apiVersion: 'apps/v1',
      time: '2024-05-01T11:00:00Z',
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:status': { 'f:replicas': {} } },
      subresource: 'status',
    });
  });

  it('rejects a body of another kind or version, and managedFields in the body', () => {
    expect(catchApiError(() => apply(ctx(), undefined, { ...nginx(), kind: 'ReplicaSet' }, 'm')).message).toBe('invalid object type: apps/v1, Kind=ReplicaSet');
    expect(catchApiError(() => apply(ctx(), undefined, { ...nginx(), apiVersion: 'apps/v1beta1' }, 'm')).message).toBe(
      'invalid object type: apps/v1beta1, Kind=Deployment',
    );
    const withMF = nginx();
    withMF.metadata.managedFields = [];
    const err = catchApiError(() => apply(ctx(), undefined, withMF, 'm'));
    expect(err.code).toBe(400);
    expect(err.message).toBe('metadata.managedFields must be nil');
  });

  it('answers schema errors in the body as kube does (500, SMD wording)', () => {
    const bad = nginx();
    bad.spec.replicaz = 3;
    let err = catchApiError(() => apply(ctx(), undefined, bad, 'm'));
    expect(err.code).toBe(500);
    expect(err.toStatus().reason).toBeUndefined();
    expect(err.message).toBe('failed to create typed patch object (default/web; apps/v1, Kind=Deployment): .spec.replicaz: field not declared in schema');
    const typed = nginx();
    typed.spec.replicas = 'three';
    err = catchApiError(() => apply(ctx(), undefined, typed, 'm'));
    expect(err.message).toBe(
      'failed to create typed patch object (default/web; apps/v1, Kind=Deployment): .spec.replicas: expected numeric (int or float), got string',
    );
    const dup = nginx();
    dup.spec.template.spec.containers.push({ name: 'nginx', image: 'x' });
    err = catchApiError(() => apply(ctx(), undefined, dup, 'm'));
    expect(err.message).toBe(
      'failed to create typed patch object (default/web; apps/v1, Kind=Deployment): .spec.template.spec.containers: duplicate entries for key [name="nginx"]',
    );
    const nokey = nginx();
    nokey.spec.template.spec.containers.push({ image: 'x' });
    err = catchApiError(() => apply(ctx(), undefined, nokey, 'm'));
    expect(err.message).toBe(
      'failed to create typed patch object (default/web; apps/v1, Kind=Deployment): .spec.template.spec.containers: element 1: associative list with keys has an element that omits key field "name" (and doesn\'t have default value)',
    );
  });
});

describe('trackUpdate', () => {
  it('moves ownership of changed fields to the updater and merges its entries', () => {
    const live = stored(apply(ctx(), undefined, nginx(), 'kubectl'));
    const edited = update(ctx({ now: T1 }), live, { ...live, spec: { ...live.spec, replicas: 4 } }, 'kubectl-edit');
    expect(entry(edited, 'kubectl-edit')).toEqual({
      manager: 'kubectl-edit',
      operation: 'Update',
      apiVersion: 'apps/v1',
      time: '2024-05-01T11:00:00Z',
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:spec': { 'f:replicas': {} } },
    });
    expect(v1(edited, 'kubectl')['f:spec']).not.toHaveProperty('f:replicas');
    // A second edit by the same manager merges into its entry.
    const again = update(ctx({ now: T2 }), edited, { ...edited, metadata: { ...edited.metadata, labels: { app: 'nginx', x: 'y' } } }, 'kubectl-edit');
    expect(entry(again, 'kubectl-edit').fieldsV1).toEqual({ 'f:metadata': { 'f:labels': { 'f:x': {} } }, 'f:spec': { 'f:replicas': {} } });
    expect(entry(again, 'kubectl-edit').time).toBe('2024-05-01T12:00:00Z');
    // Apply entries first, then Update entries by time.
    expect(entries(again).map((e) => e.manager)).toEqual(['kubectl', 'kubectl-edit']);
    // An update that changes nothing leaves the entries (and times) alone.
    expect(trackUpdate(ctx({ now: T2 }), again, again, 'kubectl-edit')).toEqual(entries(again));
  });

  it('a manager whose every field was taken disappears', () => {
    const live = stored(apply(ctx(), undefined, deployment({ replicas: 1 }), 'small'));
    const edited = update(ctx({ now: T1 }), live, { ...live, spec: { replicas: 2 } }, 'editor');
    expect(entries(edited).map((e) => e.manager)).toEqual(['editor']);
  });

  it('records the same manager at different versions or subresources separately', () => {
    const live = stored(update(ctx(), undefined, nginx(1), 'ctl'));
    const status = update(ctx({ now: T1, subresource: 'status', resetFields: [['spec'], ['metadata', 'labels']] }), live, { ...live, status: { replicas: 1 } }, 'ctl');
    expect(entries(status).map((e) => [e.manager, e.subresource ?? ''])).toEqual([
      ['ctl', ''],
      ['ctl', 'status'],
    ]);
    expect(entry(status, 'ctl').fieldsV1).not.toHaveProperty('f:status');
    // status is a Go struct value, present (empty) before: no "." for it.
    expect(entries(status)[1]!.fieldsV1).toEqual({ 'f:status': { 'f:replicas': {} } });
  });

  it('does not start tracking an existing object that has no managedFields', () => {
    const live = stored(nginx(1));
    expect(trackUpdate(ctx(), live, { ...live, spec: { ...live.spec, replicas: 2 } }, 'x')).toEqual([]);
  });

  it('takes managedFields sent by the client, ignores invalid ones, and resets on [] / [{}]', () => {
    const live = stored(apply(ctx(), undefined, nginx(), 'kubectl'));
    const next: Obj = { ...live, spec: { ...live.spec, replicas: 4 } };
    // Replaced: the client says "other" owns replicas; the update takes it from "other".
    const sent = [{ manager: 'other', operation: 'Update', apiVersion: 'apps/v1', time: '2024-01-01T00:00:00+02:00', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:paused': {}, 'f:replicas': {} } } }];
    const mf = trackUpdate(ctx({ now: T1 }), live, { ...next, metadata: { ...next.metadata, managedFields: sent } }, 'editor');
    expect(mf.map((e) => [e.manager, e.time, e.fieldsV1])).toEqual([
      ['other', '2023-12-31T22:00:00Z', { 'f:spec': { 'f:paused': {} } }],
      ['editor', '2024-05-01T11:00:00Z', { 'f:spec': { 'f:replicas': {} } }],
    ]);
    // Invalid: the live ones are used.
    const invalid = [{ manager: 'x', operation: 'Patch', apiVersion: 'apps/v1', fieldsType: 'FieldsV1', fieldsV1: {} }];
    const mf2 = trackUpdate(ctx({ now: T1 }), live, { ...next, metadata: { ...next.metadata, managedFields: invalid } }, 'editor');
    expect(mf2.map((e) => e.manager)).toEqual(['kubectl', 'editor']);
    // Reset: nothing is tracked any more.
    for (const reset of [[], [{}]]) {
      expect(trackUpdate(ctx({ now: T1 }), live, { ...next, metadata: { ...next.metadata, managedFields: reset } }, 'editor')).toEqual([]);
    }
  });

  it('a create may carry managedFields, which the creator then builds on', () => {
    const sent = [{ manager: 'tool', operation: 'Apply', apiVersion: 'apps/v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:paused': {} } } }];
    const body = nginx();
    body.metadata.managedFields = sent;
    const mf = trackUpdate(ctx(), undefined, body, 'creator');
    expect(mf.map((e) => [e.manager, e.operation, e.time])).toEqual([
      ['tool', 'Apply', undefined],
      ['creator', 'Update', '2024-05-01T10:00:00Z'],
    ]);
  });

  it('caps Update entries at 10, folding the oldest into ancient-changes', () => {
    let live = stored(update(ctx(), undefined, deployment({}, { labels: { m0: 'x' } }), 'm0'));
    for (let i = 1; i <= 10; i++) {
      const now = new Date(T0.getTime() + i * 60_000);
      live = update(ctx({ now }), live, { ...live, metadata: { ...live.metadata, labels: { ...live.metadata.labels, [`m${i}`]: 'x' } } }, `m${i}`);
    }
    const managers = entries(live).map((e) => e.manager);
    expect(managers).toHaveLength(10);
    expect(managers[0]).toBe('ancient-changes');
    expect(managers).not.toContain('m0');
    expect(managers).not.toContain('m1');
    const ancient = entries(live)[0]!;
    expect(ancient.time).toBe('2024-05-01T10:01:00Z');
    expect(ancient.fieldsV1).toEqual({ 'f:metadata': { 'f:labels': { '.': {}, 'f:m0': {}, 'f:m1': {} } } });
  });

  it('ignores changes to reset fields', () => {
    const live = stored(update(ctx(), undefined, nginx(), 'creator'));
    expect(trackUpdate(ctx({ now: T1 }), live, { ...live, status: { replicas: 3 } }, 'x')).toEqual(entries(live));
  });

  it('stops nothing when the objects cannot be compared: live entries are kept', () => {
    const live = stored(apply(ctx(), undefined, nginx(), 'kubectl'));
    const broken = { ...live, spec: { ...live.spec, template: { spec: { containers: [{ image: 'no-name' }] } } } };
    expect(trackUpdate(ctx({ now: T1 }), live, broken, 'x')).toEqual(entries(live));
  });
});

describe('validateApplyBody', () => {
  it('accepts a matching body', () => {
    expect(() => validateApplyBody(nginx(), 'apps/v1', 'Deployment')).not.toThrow();
    expect(() => validateApplyBody({ apiVersion: 'v1', kind: 'Pod', metadata: { managedFields: null } }, 'v1', 'Pod')).not.toThrow();
  });

  it('refuses another group/version/kind with kube wording', () => {
    const e = catchApiError(() => validateApplyBody({ apiVersion: 'v1', kind: 'Pod' }, 'apps/v1', 'Deployment'));
    expect(e.code).toBe(400);
    expect(e.reason).toBe('BadRequest');
    expect(e.message).toBe('invalid object type: /v1, Kind=Pod');
    expect(catchApiError(() => validateApplyBody({ kind: 'Pod' }, 'v1', 'Pod')).message).toBe('invalid object type: /, Kind=Pod');
    expect(catchApiError(() => validateApplyBody({ apiVersion: 'a/b/c', kind: 'Pod' }, 'v1', 'Pod')).message).toBe('invalid object type: /, Kind=');
  });

  it('refuses metadata.managedFields, even empty', () => {
    for (const mf of [[], [{ manager: 'x' }]]) {
      const e = catchApiError(() => validateApplyBody({ apiVersion: 'v1', kind: 'Pod', metadata: { managedFields: mf } }, 'v1', 'Pod'));
      expect(e.message).toBe('metadata.managedFields must be nil');
    }
  });

  it('refuses a body that is not an object', () => {
    expect(catchApiError(() => validateApplyBody([], 'v1', 'Pod')).message).toBe(
      'error decoding patch: json: cannot unmarshal array into Go value of type map[string]interface {}',
    );
  });
});

describe('schema tables', () => {
  it('lists exactly the definitions that are atomic structs in the vendored spec', () => {
    const spec = JSON.parse(readFileSync(new URL('../../../third_party/kubernetes-api/openapi-v2.json', import.meta.url), 'utf8')) as {
      definitions: Record<string, { 'x-kubernetes-map-type'?: string }>;
    };
    const atomic = Object.entries(spec.definitions)
      .filter(([, d]) => d['x-kubernetes-map-type'] === 'atomic')
      .map(([n]) => n)
      .sort();
    expect([...ATOMIC_STRUCT_DEFINITIONS].sort()).toEqual(atomic);
  });
});

describe('timing', () => {
  // 2,000 applies of a 3-container Deployment: 310-650 µs/op on the shared
  // 2-core box (load 3-6), ~3.3x a JSON round trip of the live object.
  it('applies a 3-container Deployment', () => {
    const c = ctx();
    const containers = ['web', 'sidecar', 'metrics'].map((n, i) =>
      container(n, {
        ports: [{ containerPort: 8080 + i, name: `p${i}` }],
        env: [
          { name: 'A', value: '1' },
          { name: 'B', value: String(i) },
        ],
        resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '100m' } },
        args: ['--flag', String(i)],
      }),
    );
    const body = nginx();
    body.spec.template.spec.containers = containers;
    let live = stored(apply(c, undefined, body, 'kubectl'));
    live = update(ctx({ now: T1 }), live, { ...live, spec: { ...live.spec, replicas: 5 } }, 'hpa');
    const next = structuredClone(body);
    delete next.spec.replicas;
    next.metadata.labels.tier = 'frontend';
    next.spec.template.spec.containers[1].image = 'sidecar:2';
    const runs = 2000;
    for (let i = 0; i < 200; i++) apply(c, live, next, 'kubectl');
    const t = performance.now();
    for (let i = 0; i < runs; i++) apply(c, live, next, 'kubectl');
    const us = ((performance.now() - t) * 1000) / runs;
    console.log(`applyServerSide, 3-container Deployment: ${us.toFixed(1)} µs/op`);
    const out = apply(c, live, next, 'kubectl');
    expect(out.spec.replicas).toBe(5);
    expect(out.spec.template.spec.containers[1].image).toBe('sidecar:2');
  });
});
