import { beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../errors.js';
import { loadOpenApiV2 } from '../openapi/spec.js';
import { compileSchemas, type SchemaIndex } from '../openapi/schema-check.js';
import type { SchemaObject } from '../openapi/spec.js';
import { listMergeInfo } from '../openapi/patch-meta.js';
import { applyStrategicMergePatch } from './strategic.js';

let index: SchemaIndex;

beforeAll(async () => {
  index = compileSchemas(await loadOpenApiV2());
});

const POD = 'io.k8s.api.core.v1.Pod';
const DEPLOYMENT = 'io.k8s.api.apps.v1.Deployment';
const CONTROLLER_REVISION = 'io.k8s.api.apps.v1.ControllerRevision';

// Fixtures and results are poked at freely; the function under test takes and returns unknown.
type Obj = Record<string, any>;

function smp(def: string, original: unknown, patch: unknown): Obj {
  return applyStrategicMergePatch(index, def, original, patch) as Obj;
}

function pod(spec: Obj, metadata: Obj = {}): Obj {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', ...metadata }, spec };
}

function container(name: string, extra: Obj = {}): Obj {
  return { name, image: `${name}:1`, ...extra };
}

function names(list: Obj[]): string[] {
  return list.map((c) => c.name as string);
}

function deployment(): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'web',
      namespace: 'default',
      labels: { app: 'web', tier: 'frontend' },
      annotations: { 'deployment.kubernetes.io/revision': '3' },
      resourceVersion: '12345',
      uid: '0b7c5a6e-1d9f-4a63-9f1e-2c7d7b1a8e11',
      generation: 3,
    },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: {
        metadata: { labels: { app: 'web', tier: 'frontend' } },
        spec: {
          containers: [
            {
              name: 'app',
              image: 'registry.example.com/web:1.2.3',
              ports: [
                { name: 'http', containerPort: 8080, protocol: 'TCP' },
                { name: 'metrics', containerPort: 9090, protocol: 'TCP' },
              ],
              env: [
                { name: 'LOG_LEVEL', value: 'info' },
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              ],
              resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
              volumeMounts: [{ name: 'data', mountPath: '/data' }],
              readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 10 },
            },
            {
              name: 'sidecar',
              image: 'registry.example.com/proxy:0.9',
              args: ['--port=15001', '--admin=15000'],
              ports: [{ containerPort: 15001, protocol: 'TCP' }],
            },
            {
              name: 'logger',
              image: 'registry.example.com/logger:2.0',
              volumeMounts: [{ name: 'data', mountPath: '/var/log/app', readOnly: true }],
            },
          ],
          volumes: [{ name: 'data', emptyDir: {} }],
          tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'web', effect: 'NoSchedule' }],
          terminationGracePeriodSeconds: 30,
        },
      },
    },
    status: { replicas: 3, readyReplicas: 3, conditions: [{ type: 'Available', status: 'True' }] },
  };
}

/** The error thrown by fn, which must be an ApiError. */
function apiError(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('expected an ApiError');
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const k of Object.keys(v)) deepFreeze((v as Obj)[k]);
    Object.freeze(v);
  }
  return v;
}

describe('schema metadata the tests rely on', () => {
  it('matches patch-meta for the fields exercised below', () => {
    expect(listMergeInfo(index, POD, ['spec', 'containers'])).toMatchObject({ strategy: 'merge', mergeKey: 'name' });
    expect(listMergeInfo(index, POD, ['spec', 'containers', 'env'])).toMatchObject({ strategy: 'merge', mergeKey: 'name' });
    expect(listMergeInfo(index, POD, ['spec', 'containers', 'ports'])).toMatchObject({ strategy: 'merge', mergeKey: 'containerPort' });
    expect(listMergeInfo(index, POD, ['metadata', 'finalizers'])).toMatchObject({ strategy: 'merge' });
    expect(listMergeInfo(index, POD, ['spec', 'volumes'])).toMatchObject({ strategy: 'merge,retainKeys', mergeKey: 'name' });
    expect(listMergeInfo(index, POD, ['spec', 'tolerations']).strategy).toBeUndefined();
    expect(listMergeInfo(index, DEPLOYMENT, ['spec', 'strategy'])).toMatchObject({ strategy: 'retainKeys' });
  });
});

describe('maps', () => {
  it('merges recursively, null deleting a key and an unmatched null being dropped', () => {
    const out = smp(DEPLOYMENT, deployment(), {
      metadata: { labels: { tier: null, track: 'canary', nope: null } },
      spec: { replicas: 5, template: { spec: { terminationGracePeriodSeconds: null } } },
    });
    expect(out.metadata.labels).toEqual({ app: 'web', track: 'canary' });
    expect(out.spec.replicas).toBe(5);
    expect(out.spec.template.spec).not.toHaveProperty('terminationGracePeriodSeconds');
    expect(out.spec.template.spec.containers).toHaveLength(3);
    expect(out.status).toEqual(deployment().status);
  });

  it('replaces a value whose type changes, and carries keys the schema does not know', () => {
    const out = smp(POD, pod({ containers: [container('a')] }), {
      spec: { nodeSelector: { disk: 'ssd' }, unknownThing: { deep: [1, 2] } },
      metadata: { labels: 'not-a-map' },
    });
    expect(out.spec.unknownThing).toEqual({ deep: [1, 2] });
    expect(out.spec.nodeSelector).toEqual({ disk: 'ssd' });
    expect(out.metadata.labels).toBe('not-a-map');
  });

  it('$patch: replace on a map keeps only the patch', () => {
    const out = smp(DEPLOYMENT, deployment(), { metadata: { labels: { $patch: 'replace', only: 'me' } } });
    expect(out.metadata.labels).toEqual({ only: 'me' });
    expect(out.metadata.annotations).toEqual(deployment().metadata.annotations);
  });

  it('$patch: delete on a map leaves it empty', () => {
    const out = smp(DEPLOYMENT, deployment(), { spec: { template: { spec: { containers: [{ name: 'app', readinessProbe: { $patch: 'delete' } }] } } } });
    expect(out.spec.template.spec.containers[0].readinessProbe).toEqual({});
  });

  it('a replace-strategy map (PodDisruptionBudget selector) is replaced, not merged', () => {
    const pdb = { spec: { selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'x', operator: 'Exists' }] } } };
    const out = smp('io.k8s.api.policy.v1.PodDisruptionBudget', pdb, { spec: { selector: { matchLabels: { app: 'api' } } } });
    expect(out.spec.selector).toEqual({ matchLabels: { app: 'api' } });
  });

  it('$patch: merge on a map is not a map directive in kube: unknown patch type, 500 without a reason', () => {
    const err = apiError(() => smp(DEPLOYMENT, deployment(), { metadata: { labels: { $patch: 'merge', a: 'b', n: 1 } } }));
    expect(err.code).toBe(500);
    expect(err.message).toBe('unknown patch type: merge in map: map[$patch:merge a:b n:1]');
    const status = err.toStatus();
    expect(status).not.toHaveProperty('reason');
    expect(status).toMatchObject({ code: 500, status: 'Failure', message: err.message });
  });

  it('$patch with a non-string value is reported with Go %s wording', () => {
    const err = apiError(() => smp(DEPLOYMENT, deployment(), { metadata: { labels: { $patch: 7 } } }));
    expect(err.message).toBe('unknown patch type: %!s(int64=7) in map: map[$patch:7]');
  });

  it('a null patch changes nothing; a non-object patch is a 400 decode error', () => {
    expect(smp(DEPLOYMENT, deployment(), null)).toEqual(deployment());
    const err = apiError(() => smp(DEPLOYMENT, deployment(), [{ op: 'add' }]));
    expect(err.code).toBe(400);
    expect(err.reason).toBe('BadRequest');
    expect(err.message).toBe('json: cannot unmarshal array into Go value of type map[string]interface {}');
  });
});

describe('lists merged by key', () => {
  it('containers: modify one, add one, delete one with $patch: delete', () => {
    const out = smp(DEPLOYMENT, deployment(), {
      spec: {
        template: {
          spec: {
            containers: [
              { name: 'sidecar', image: 'registry.example.com/proxy:1.0' },
              { name: 'debug', image: 'busybox' },
              { name: 'logger', $patch: 'delete' },
            ],
          },
        },
      },
    });
    const cs = out.spec.template.spec.containers;
    expect(names(cs)).toEqual(['app', 'sidecar', 'debug']);
    expect(cs[1]).toEqual({ name: 'sidecar', image: 'registry.example.com/proxy:1.0', args: ['--port=15001', '--admin=15000'], ports: [{ containerPort: 15001, protocol: 'TCP' }] });
    expect(cs[2]).toEqual({ name: 'debug', image: 'busybox' });
    expect(cs[0]).toEqual(deployment().spec.template.spec.containers[0]);
  });

  it('orders patch items by the patch, placing a new item before live ones it precedes in the patch', () => {
    // kube: patch items keep patch order; a live-only item goes ahead only of items it precedes live.
    const out = smp(POD, pod({ containers: [container('a'), container('b'), container('c')] }), {
      spec: { containers: [{ name: 'd', image: 'd' }, { name: 'b', image: 'b:2' }, { name: 'c', $patch: 'delete' }] },
    });
    expect(names(out.spec.containers)).toEqual(['d', 'a', 'b']);
  });

  it('merges env inside a container by name', () => {
    const out = smp(DEPLOYMENT, deployment(), {
      spec: { template: { spec: { containers: [{ name: 'app', env: [{ name: 'LOG_LEVEL', value: 'debug' }, { name: 'NEW', value: '1' }] }] } } },
    });
    const env = out.spec.template.spec.containers[0].env;
    // kube's order: the new item follows the patch item before it; POD_NAME (live only) is not
    // "before" NEW in the live list, so it goes after.
    expect(env).toEqual([
      { name: 'LOG_LEVEL', value: 'debug' },
      { name: 'NEW', value: '1' },
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    ]);
  });

  it('merges ports by their integer containerPort', () => {
    const out = smp(DEPLOYMENT, deployment(), {
      spec: { template: { spec: { containers: [{ name: 'app', ports: [{ containerPort: 9090, name: 'prom' }, { containerPort: 8443, name: 'https' }] }] } } },
    });
    expect(out.spec.template.spec.containers[0].ports).toEqual([
      { name: 'http', containerPort: 8080, protocol: 'TCP' },
      { name: 'prom', containerPort: 9090, protocol: 'TCP' },
      { name: 'https', containerPort: 8443 },
    ]);
  });

  it('merges a UDP port into the TCP one with the same containerPort (the merge key is containerPort alone)', () => {
    const p = pod({ containers: [container('dns', { ports: [{ containerPort: 53, protocol: 'TCP' }] })] });
    const out = smp(POD, p, { spec: { containers: [{ name: 'dns', ports: [{ containerPort: 53, protocol: 'UDP' }] }] } });
    expect(out.spec.containers[0].ports).toEqual([{ containerPort: 53, protocol: 'UDP' }]);
  });

  it('does not match a string merge key value against an integer one', () => {
    const p = pod({ containers: [container('a', { ports: [{ containerPort: 80 }] })] });
    const out = smp(POD, p, { spec: { containers: [{ name: 'a', ports: [{ containerPort: '80', name: 'x' }] }] } });
    // Two elements: no match. The unmatched patch item comes first (it is not in the live list).
    expect(out.spec.containers[0].ports).toEqual([{ containerPort: '80', name: 'x' }, { containerPort: 80 }]);
  });

  it('$patch: replace as a list element makes the other elements the whole list', () => {
    const out = smp(DEPLOYMENT, deployment(), {
      spec: { template: { spec: { containers: [{ name: 'solo', image: 'solo:1' }, { $patch: 'replace' }] } } },
    });
    expect(out.spec.template.spec.containers).toEqual([{ name: 'solo', image: 'solo:1' }]);
  });

  it('deletes every element with the merge key value, and ignores deleting a missing one', () => {
    const p = pod({ containers: [container('a'), container('b'), container('a', { image: 'dup' })] });
    expect(names(smp(POD, p, { spec: { containers: [{ name: 'a', $patch: 'delete' }] } }).spec.containers)).toEqual(['b']);
    // Nothing deleted, but kube still re-sorts by first live position of each key: duplicates gather.
    expect(names(smp(POD, p, { spec: { containers: [{ name: 'zz', $patch: 'delete' }] } }).spec.containers)).toEqual(['a', 'a', 'b']);
  });

  it('an empty patch list leaves a merge list alone', () => {
    const out = smp(DEPLOYMENT, deployment(), { spec: { template: { spec: { containers: [] } } } });
    expect(out.spec.template.spec.containers).toEqual(deployment().spec.template.spec.containers);
  });

  it('takes a list the original lacks verbatim, directive elements included (as kube does)', () => {
    const out = smp(POD, pod({ containers: [container('a')] }), { spec: { initContainers: [{ name: 'x', $patch: 'delete' }] } });
    expect(out.spec.initContainers).toEqual([{ name: 'x', $patch: 'delete' }]);
  });

  it('rejects a patch element without the merge key (500, kube wording)', () => {
    const err = apiError(() => smp(POD, pod({ containers: [container('a')] }), { spec: { containers: [{ image: 'nginx', tty: true }] } }));
    expect(err.code).toBe(500);
    expect(err.message).toBe('map: map[image:nginx tty:true] does not contain declared merge key: name');
    expect(err.toStatus()).not.toHaveProperty('reason');
  });

  it("prints values in the error as Go's %v does", () => {
    const err = apiError(() =>
      smp(POD, pod({ containers: [container('a')] }), { spec: { containers: [{ args: ['x', 'y'], n: 2000000.5, w: 0.5, tiny: 0.00001, big: 123456789012, on: false, none: null }] } }),
    );
    expect(err.message).toBe('map: map[args:[x y] big:123456789012 n:2.0000005e+06 none:<nil> on:false tiny:1e-05 w:0.5] does not contain declared merge key: name');
  });

  it("fails as kube's panic does where Go would dereference a nil element type", () => {
    const err = apiError(() => smp(POD, pod({ containers: [] }), { spec: { containers: [null] } }));
    expect(err.code).toBe(500);
    expect(err.message).toBe('This request caused apiserver to panic. Look in the logs for details.');
  });

  it('rejects a delete directive without the merge key', () => {
    const err = apiError(() => smp(POD, pod({ containers: [container('a')] }), { spec: { containers: [{ $patch: 'delete', image: 'x' }] } }));
    expect(err.message).toBe('map: map[$patch:delete image:x] does not contain declared merge key: name');
  });

  it('rejects $patch: merge and unknown $patch values on list elements', () => {
    const p = pod({ containers: [container('a')] });
    expect(apiError(() => smp(POD, p, { spec: { containers: [{ name: 'a', $patch: 'merge' }] } })).message).toBe(
      'merging lists cannot yet be specified in the patch',
    );
    expect(apiError(() => smp(POD, p, { spec: { containers: [{ name: 'a', $patch: 'bogus' }] } })).message).toBe(
      'unknown patch type: bogus in map: map[$patch:bogus name:a]',
    );
  });

  it('rejects mixed element types and lists of lists', () => {
    const p = pod({ containers: [container('a')] });
    const mixed = apiError(() => smp(POD, p, { spec: { containers: ['b'] } }));
    expect(mixed.code).toBe(500);
    expect(mixed.message).toBe('list element types are not identical: [[map[image:a:1 name:a]] [b]]');

    const lol = apiError(() => smp(POD, pod({ containers: [] }), { spec: { containers: [['x']] } }));
    expect(lol.code).toBe(422);
    expect(lol.reason).toBe('Invalid');
    expect(lol.message).toBe('the server rejected our request due to an error in our request');
    expect(lol.toStatus().details).toEqual({});
  });
});

describe('lists without a merge strategy', () => {
  it('replaces tolerations (no patch strategy) and args', () => {
    const out = smp(DEPLOYMENT, deployment(), {
      spec: {
        template: {
          spec: {
            tolerations: [{ key: 'other', operator: 'Exists' }],
            containers: [{ name: 'sidecar', args: ['--port=1'] }],
          },
        },
      },
    });
    expect(out.spec.template.spec.tolerations).toEqual([{ key: 'other', operator: 'Exists' }]);
    expect(out.spec.template.spec.containers[1].args).toEqual(['--port=1']);
  });
});

describe('primitive lists with merge strategy (finalizers)', () => {
  const withFinalizers = (fs: string[]): Obj => pod({ containers: [container('a')] }, { finalizers: fs });

  it('unions, in kube order: patch items first unless live order puts a live item before them', () => {
    expect(smp(POD, withFinalizers(['a', 'b']), { metadata: { finalizers: ['c', 'a'] } }).metadata.finalizers).toEqual(['c', 'a', 'b']);
    expect(smp(POD, withFinalizers(['a', 'b']), { metadata: { finalizers: ['b', 'c'] } }).metadata.finalizers).toEqual(['a', 'b', 'c']);
  });

  it('$deleteFromPrimitiveList removes the listed values', () => {
    const out = smp(POD, withFinalizers(['a', 'b', 'c', 'b']), { metadata: { '$deleteFromPrimitiveList/finalizers': ['b', 'zz'] } });
    expect(out.metadata.finalizers).toEqual(['a', 'c']);
  });

  it('applies the shape kubectl sends: $setElementOrder, additions and a deletion list', () => {
    const out = smp(POD, withFinalizers(['a', 'b', 'c']), {
      metadata: { '$setElementOrder/finalizers': ['a', 'c', 'd'], finalizers: ['d'], '$deleteFromPrimitiveList/finalizers': ['b'] },
    });
    expect(out.metadata.finalizers).toEqual(['a', 'c', 'd']);
  });

  it('rejects a malformed $deleteFromPrimitiveList key with 400', () => {
    const err = apiError(() => smp(POD, withFinalizers(['a']), { metadata: { $deleteFromPrimitiveListfinalizers: ['a'] } }));
    expect(err.code).toBe(400);
    expect(err.message).toBe('invalid patch format of primitive list');
  });

  it('a null deletion list deletes the field itself, as in kube', () => {
    const out = smp(POD, withFinalizers(['a']), { metadata: { '$deleteFromPrimitiveList/finalizers': null } });
    expect(out.metadata).not.toHaveProperty('finalizers');
  });
});

describe('$setElementOrder', () => {
  const p = (...ns: string[]): Obj => pod({ containers: ns.map((n) => container(n)) });

  it('reorders the live list', () => {
    const out = smp(POD, p('a', 'b', 'c'), { spec: { '$setElementOrder/containers': [{ name: 'c' }, { name: 'a' }, { name: 'b' }] } });
    expect(names(out.spec.containers)).toEqual(['c', 'a', 'b']);
    expect(out.spec).not.toHaveProperty('$setElementOrder/containers');
  });

  it('keeps elements it does not name, placed by live order', () => {
    expect(names(smp(POD, p('a', 'b', 'x'), { spec: { '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }] } }).spec.containers)).toEqual(['b', 'a', 'x']);
    expect(names(smp(POD, p('a', 'x', 'b'), { spec: { '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }] } }).spec.containers)).toEqual(['x', 'b', 'a']);
  });

  it('orders long lists (past the 20-item insertion-sort blocks) exactly', () => {
    const all = Array.from({ length: 45 }, (_, i) => `c${i}`);
    const order = [...all].reverse().filter((_, i) => i % 7 !== 3); // some live items left unnamed
    const out = smp(POD, p(...all), { spec: { '$setElementOrder/containers': order.map((name) => ({ name })) } });
    const got = names(out.spec.containers);
    expect(got.filter((x) => order.includes(x))).toEqual(order);
    expect([...got].sort()).toEqual([...all].sort());
  });

  it("leaves items no order knows where Go's stable sort puts them with kube's comparator (reversed)", () => {
    // A list the original lacks is taken raw; its directive items are in neither order.
    const out = smp(POD, pod({}), {
      spec: { '$setElementOrder/containers': [{ name: 'a' }], containers: [{ name: 'x', $patch: 'replace' }, { name: 'y', $patch: 'replace' }, { name: 'a', image: 'a' }] },
    });
    expect(out.spec.containers).toEqual([{ name: 'a', image: 'a' }, { name: 'y', $patch: 'replace' }, { name: 'x', $patch: 'replace' }]);
  });

  it('merges the patch list and orders the result', () => {
    const out = smp(POD, p('a', 'b'), {
      spec: { '$setElementOrder/containers': [{ name: 'n' }, { name: 'b' }, { name: 'a' }], containers: [{ name: 'n', image: 'n' }, { name: 'a', image: 'a:2' }] },
    });
    expect(out.spec.containers).toEqual([{ name: 'n', image: 'n' }, container('b'), { name: 'a', image: 'a:2' }]);
  });

  it('rejects a patch list out of the directive order', () => {
    const err = apiError(() =>
      smp(POD, p('a', 'b'), { spec: { '$setElementOrder/containers': [{ name: 'a' }, { name: 'b' }], containers: [{ name: 'b', image: 'x' }, { name: 'a', image: 'y' }] } }),
    );
    expect(err.code).toBe(500);
    expect(err.message).toBe(
      "The order in patch list:\n[map[image:x name:b] map[image:y name:a]]\n doesn't match $setElementOrder list:\n[map[name:a] map[name:b]]\n",
    );
  });

  it('rejects a directive that is not a list, and a malformed key', () => {
    const notList = apiError(() => smp(POD, p('a'), { spec: { '$setElementOrder/containers': 'a' } }));
    expect(notList.code).toBe(500);
    expect(notList.message).toBe('expected a []interface {}, but received a string');
    const badKey = apiError(() => smp(POD, p('a'), { spec: { $setElementOrderXcontainers: [] } }));
    expect(badKey.code).toBe(400);
    expect(badKey.message).toBe('invalid patch format of setElementOrder list');
  });
});

describe('$retainKeys', () => {
  it('switches a Deployment from RollingUpdate to Recreate, dropping rollingUpdate', () => {
    const out = smp(DEPLOYMENT, deployment(), { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: null } } });
    expect(out.spec.strategy).toEqual({ type: 'Recreate' });
    // The directive alone clears the unlisted keys too.
    expect(smp(DEPLOYMENT, deployment(), { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } }).spec.strategy).toEqual({ type: 'Recreate' });
  });

  it('without the directive, the old rollingUpdate stays (why kubectl sends it)', () => {
    expect(smp(DEPLOYMENT, deployment(), { spec: { strategy: { type: 'Recreate' } } }).spec.strategy).toEqual({
      type: 'Recreate',
      rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' },
    });
  });

  it('switches a volume source (volumes are merge,retainKeys)', () => {
    const out = smp(DEPLOYMENT, deployment(), {
      spec: { template: { spec: { volumes: [{ name: 'data', $retainKeys: ['configMap', 'name'], configMap: { name: 'cfg' } }] } } },
    });
    expect(out.spec.template.spec.volumes).toEqual([{ name: 'data', configMap: { name: 'cfg' } }]);
  });

  it('rejects a patch key the directive does not list, and a directive that is not a list (400)', () => {
    const unlisted = apiError(() => smp(DEPLOYMENT, deployment(), { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: { maxSurge: 1 } } } }));
    expect(unlisted.code).toBe(400);
    expect(unlisted.reason).toBe('BadRequest');
    expect(unlisted.message).toBe('invalid patch format of retainKeys');
    expect(apiError(() => smp(DEPLOYMENT, deployment(), { spec: { strategy: { $retainKeys: 'type' } } })).message).toBe('invalid patch format of retainKeys');
  });
});

describe('the patch kubectl apply sends when a container leaves the manifest', () => {
  it('removes the container and keeps the rest', () => {
    const lastApplied = JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' } });
    // CreateThreeWayMergePatch: deletions as `$patch: delete` elements, plus the resulting order.
    const patch = {
      metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': lastApplied } },
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'app' }, { name: 'logger' }],
            containers: [{ $patch: 'delete', name: 'sidecar' }],
          },
        },
      },
    };
    const out = smp(DEPLOYMENT, deployment(), patch);
    const before = deployment();
    expect(names(out.spec.template.spec.containers)).toEqual(['app', 'logger']);
    expect(out.spec.template.spec.containers[0]).toEqual(before.spec.template.spec.containers[0]);
    expect(out.spec.template.spec.containers[1]).toEqual(before.spec.template.spec.containers[2]);
    expect(out.metadata.annotations).toEqual({ ...before.metadata.annotations, 'kubectl.kubernetes.io/last-applied-configuration': lastApplied });
    expect(Object.keys(out.spec.template.spec).filter((k) => k.startsWith('$'))).toEqual([]);
    expect(out.spec.template.spec.volumes).toEqual(before.spec.template.spec.volumes);
  });
});

describe('schemas', () => {
  it('merges plainly under an unknown definition: maps merge, lists are replaced, directives still apply', () => {
    const out = smp('no.such.Kind', { a: { b: 1, c: 2 }, list: [{ name: 'x', v: 1 }], m: { k: 1 } }, { a: { c: null, d: 3 }, list: [{ name: 'x', w: 2 }], m: { $patch: 'replace', z: 1 } });
    expect(out).toEqual({ a: { b: 1, d: 3 }, list: [{ name: 'x', w: 2 }], m: { z: 1 } });
  });

  it('merges scalar keys inside a RawExtension but cannot merge a map or list below it, as kube', () => {
    const rev = { revision: 1, data: { spec: { a: 1 }, x: 1 } };
    expect(smp(CONTROLLER_REVISION, rev, { data: { x: 2, y: 3 } }).data).toEqual({ spec: { a: 1 }, x: 2, y: 3 });
    const err = apiError(() => smp(CONTROLLER_REVISION, rev, { data: { spec: { b: 2 } } }));
    expect(err.code).toBe(500);
    expect(err.message).toBe('unable to find api field in struct RawExtension for the json field "spec"');
  });

  it('reports a map merge at a field the struct lacks (only possible when the original carries it)', () => {
    const err = apiError(() => smp(POD, pod({ containers: [], extra: { a: 1 } }), { spec: { extra: { b: 2 } } }));
    expect(err.message).toBe('unable to find api field in struct PodSpec for the json field "extra"');
  });
});

// The item type apimachinery's own strategic-patch tests use, as OpenAPI: lets
// these tests replay its expected results (current + patch -> result).
const ITEM = '#/definitions/mergeItem';
const str: SchemaObject = { type: 'string' };
const mergeBy = (items: SchemaObject, key?: string, strategy = 'merge'): SchemaObject => ({
  type: 'array',
  items,
  'x-kubernetes-patch-strategy': strategy,
  ...(key ? { 'x-kubernetes-patch-merge-key': key } : {}),
});
const TEST_DEFINITIONS: Record<string, SchemaObject> = {
  mergeItem: {
    properties: {
      name: str,
      value: str,
      other: str,
      mergingList: mergeBy({ $ref: ITEM }, 'name'),
      nonMergingList: { type: 'array', items: { $ref: ITEM } },
      mergingIntList: mergeBy({ type: 'integer', format: 'int32' }),
      mergeItemPtr: mergeBy({ $ref: ITEM }, 'name'),
      simpleMap: { type: 'object', additionalProperties: str },
      retainKeysMap: { $ref: '#/definitions/retainKeysMergeItem', 'x-kubernetes-patch-strategy': 'retainKeys' },
      retainKeysMergingList: mergeBy({ $ref: ITEM }, 'name', 'merge,retainKeys'),
    },
  },
  retainKeysMergeItem: {
    properties: {
      name: str,
      value: str,
      other: str,
      simpleMap: { type: 'object', additionalProperties: str },
      mergingList: mergeBy({ $ref: ITEM }, 'name'),
      mergingIntList: mergeBy({ type: 'integer', format: 'int32' }),
    },
  },
};

const n = (...names: (string | number)[]): Obj[] => names.map((name) => ({ name }));

describe("apimachinery's expected results (mergeItem)", () => {
  let testIndex: SchemaIndex;
  beforeAll(() => {
    testIndex = compileSchemas({ definitions: TEST_DEFINITIONS });
  });
  const apply = (current: Obj, patch: Obj): unknown => applyStrategicMergePatch(testIndex, 'mergeItem', current, patch);

  it.each<[string, Obj, Obj, Obj]>([
    ['primitive add keeps order', { mergingIntList: [1, 4, 2] }, { '$setElementOrder/mergingIntList': [3, 1, 2], mergingIntList: [3] }, { mergingIntList: [3, 1, 4, 2] }],
    ['primitive union', { mergingIntList: [1, 2, 4] }, { '$setElementOrder/mergingIntList': [1, 2, 3], mergingIntList: [3] }, { mergingIntList: [1, 2, 3, 4] }],
    ['primitive add and delete', { mergingIntList: [1, 2, 3] }, { '$setElementOrder/mergingIntList': [4, 2, 1], mergingIntList: [4], '$deleteFromPrimitiveList/mergingIntList': [3] }, { mergingIntList: [4, 2, 1] }],
    ['primitive order with server-only items', { mergingIntList: [1, 2, 7, 9, 8, 3, 4] }, { '$setElementOrder/mergingIntList': [2, 1, 4, 3] }, { mergingIntList: [2, 1, 7, 9, 8, 4, 3] }],
    ['primitive order with a duplicate', { mergingIntList: [1, 2, 3, 2, 4] }, { '$setElementOrder/mergingIntList': [2, 1, 4, 3, 2] }, { mergingIntList: [2, 2, 1, 4, 3] }],
    [
      'add an item',
      { mergingList: [{ name: 1, other: 'a' }, { name: 2, value: 2, other: 'b' }] },
      { '$setElementOrder/mergingList': n(3, 1, 2), mergingList: [{ name: 3, value: 3 }] },
      { mergingList: [{ name: 3, value: 3 }, { name: 1, other: 'a' }, { name: 2, value: 2, other: 'b' }] },
    ],
    [
      'add two items',
      { mergingList: [{ name: 1, other: 'a' }, { name: 2, value: 2 }] },
      { '$setElementOrder/mergingList': n(1, 4, 2, 3), mergingList: [{ name: 4, value: 4 }, { name: 3, value: 3 }] },
      { mergingList: [{ name: 1, other: 'a' }, { name: 4, value: 4 }, { name: 2, value: 2 }, { name: 3, value: 3 }] },
    ],
    [
      'delete an item',
      { mergingList: [{ name: 1 }, { name: 2, value: 2 }, { name: 3 }] },
      { '$setElementOrder/mergingList': n(2, 1), mergingList: [{ name: 3, $patch: 'delete' }] },
      { mergingList: [{ name: 2, value: 2 }, { name: 1 }] },
    ],
    [
      'add one, delete one',
      { mergingList: [{ name: 1 }, { name: 2 }, { name: 3 }] },
      { '$setElementOrder/mergingList': n(4, 2, 1), mergingList: [{ name: 4, value: 4 }, { name: 3, $patch: 'delete' }] },
      { mergingList: [{ name: 4, value: 4 }, { name: 2 }, { name: 1 }] },
    ],
    ['order with a trailing server-only item', { mergingList: n(1, 3, 4, 2, 9) }, { '$setElementOrder/mergingList': n(4, 2, 3, 1) }, { mergingList: n(4, 2, 3, 1, 9) }],
    ['order with a server-only item inside', { mergingList: n(1, 2, 9, 3, 4) }, { '$setElementOrder/mergingList': n(2, 1, 4, 3) }, { mergingList: n(2, 1, 9, 4, 3) }],
    [
      'order with a duplicate key',
      { mergingList: [{ name: 1 }, { name: 2, value: 'dup1' }, { name: 3 }, { name: 2, value: 'dup2' }, { name: 4 }] },
      { '$setElementOrder/mergingList': n(2, 1, 4, 3, 2) },
      { mergingList: [{ name: 2, value: 'dup1' }, { name: 2, value: 'dup2' }, { name: 1 }, { name: 4 }, { name: 3 }] },
    ],
    [
      'nested merge list with its own order',
      { mergeItemPtr: [{ name: 1, other: 'a', mergeItemPtr: [{ name: 1, value: 'a' }, { name: 2, value: 2, other: 'b' }] }, { name: 2, other: 'b' }] },
      { '$setElementOrder/mergeItemPtr': n(1, 2), mergeItemPtr: [{ '$setElementOrder/mergeItemPtr': n(1, 2), name: 1, mergeItemPtr: [{ name: 1, value: 1 }] }] },
      { mergeItemPtr: [{ name: 1, other: 'a', mergeItemPtr: [{ name: 1, value: 1 }, { name: 2, value: 2, other: 'b' }] }, { name: 2, other: 'b' }] },
    ],
    ['retainKeys clears a defaulted field', { retainKeysMap: { name: 'type1', value: 'foo' } }, { retainKeysMap: { $retainKeys: ['name', 'other'], name: 'type2', other: 'bar' } }, { retainKeysMap: { name: 'type2', other: 'bar' } }],
    [
      'retainKeys with a nested map merge',
      { retainKeysMap: { name: 'foo', value: 'bar', other: 'x', simpleMap: { key1: 'a', key2: 'b', key3: 'c' } } },
      { retainKeysMap: { $retainKeys: ['name', 'simpleMap', 'value'], simpleMap: { key1: 'x', key2: null } } },
      { retainKeysMap: { name: 'foo', value: 'bar', simpleMap: { key1: 'x', key3: 'c' } } },
    ],
  ])('%s', (_name, current, patch, result) => {
    expect(apply(current, patch)).toEqual(result); // list order included
  });
});

describe('purity', () => {
  it('leaves both inputs untouched and shares nothing with them', () => {
    const original = deepFreeze(deployment());
    const patch = deepFreeze({
      metadata: { labels: { $patch: 'replace', x: 'y' } },
      spec: {
        strategy: { $retainKeys: ['type'], type: 'Recreate' },
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'logger' }, { name: 'app' }, { name: 'new' }],
            containers: [{ name: 'app', env: [{ name: 'A', value: '1' }] }, { name: 'new', image: 'n', env: [{ name: 'B' }] }, { name: 'sidecar', $patch: 'delete' }],
            volumes: [{ name: 'data', $retainKeys: ['name', 'secret'], secret: { secretName: 's' } }],
          },
        },
      },
    });
    const originalCopy = structuredClone(original);
    const patchCopy = structuredClone(patch);
    const out = smp(DEPLOYMENT, original, patch);
    expect(original).toEqual(originalCopy);
    expect(patch).toEqual(patchCopy);
    expect(names(out.spec.template.spec.containers)).toEqual(['logger', 'app', 'new']);
    expect(out.spec.template.spec.volumes).toEqual([{ name: 'data', secret: { secretName: 's' } }]);
    expect(out.spec.strategy).toEqual({ type: 'Recreate' });
    // Nothing in the result is a frozen input object.
    const stack: unknown[] = [out];
    while (stack.length) {
      const v = stack.pop();
      if (typeof v === 'object' && v !== null) {
        expect(Object.isFrozen(v)).toBe(false);
        stack.push(...Object.values(v));
      }
    }
  });

  it('keeps a __proto__ key as data', () => {
    const out = smp(POD, JSON.parse('{"metadata":{"labels":{"a":"1"}}}'), JSON.parse('{"metadata":{"labels":{"__proto__":"x"}}}'));
    expect(Object.prototype.hasOwnProperty.call(out.metadata.labels, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(out.metadata.labels)).toBe(Object.prototype);
  });
});

describe('timing', () => {
  it('patches a 3-container Deployment fast enough for every PATCH', () => {
    const d = deployment();
    const patch = {
      metadata: { labels: { release: 'r42' } },
      spec: { template: { spec: { containers: [{ name: 'app', image: 'registry.example.com/web:1.2.4', env: [{ name: 'LOG_LEVEL', value: 'debug' }] }] } } },
    };
    const N = 10_000;
    for (let i = 0; i < 500; i++) smp(DEPLOYMENT, d, patch); // warm up
    const t0 = performance.now();
    for (let i = 0; i < N; i++) smp(DEPLOYMENT, d, patch);
    const us = ((performance.now() - t0) * 1000) / N;
    console.log(`strategic merge patch of a 3-container Deployment: ${us.toFixed(2)} µs/op (${N} ops)`);
    // Generous bound: catches an accidental quadratic walk, not machine noise.
    expect(us).toBeLessThan(500);
  });
});
