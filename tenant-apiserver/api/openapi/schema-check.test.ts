import { beforeAll, describe, expect, it } from 'vitest';
import { loadOpenApiV2 } from './spec.js';
import {
  base64ErrorOffset,
  checkFields,
  compileSchemas,
  decodeErrorMessage,
  decodeFailureMessage,
  definitionForGvk,
  quantityParseError,
  requiredMissing,
  strictDecodingErrorMessage,
  unknownFieldMessage,
  type SchemaIndex,
} from './schema-check.js';

const DEPLOYMENT = 'io.k8s.api.apps.v1.Deployment';
const QUANTITY_FORMAT = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

let index: SchemaIndex;

beforeAll(async () => {
  const spec = await loadOpenApiV2();
  const t0 = performance.now();
  index = compileSchemas(spec);
  console.log(`compileSchemas: ${(performance.now() - t0).toFixed(1)} ms`);
});

type Json = Record<string, unknown>;

function deployment(): Json {
  const container = (name: string, port: number): Json => ({
    name,
    image: `registry.example.com/${name}:1.2.3`,
    imagePullPolicy: 'IfNotPresent',
    args: ['--port', String(port), '--verbose'],
    env: [
      { name: 'MODE', value: 'production' },
      { name: 'POD_IP', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'status.podIP' } } },
      { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'creds', key: 'password', optional: false } } },
    ],
    ports: [
      { name: 'http', containerPort: port, protocol: 'TCP' },
      { name: 'metrics', containerPort: port + 1000, protocol: 'TCP' },
    ],
    resources: { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: 0.25, memory: '128Mi' } },
    readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, initialDelaySeconds: 5, periodSeconds: 10 },
    livenessProbe: { tcpSocket: { port }, failureThreshold: 3 },
    volumeMounts: [{ name: 'config', mountPath: '/etc/app', readOnly: true }],
    securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
  });
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'web',
      namespace: 'default',
      labels: { app: 'web', 'app.kubernetes.io/part-of': 'shop' },
      annotations: { 'deployment.kubernetes.io/revision': '3', 'example.com/anything': '{"a":1}' },
      creationTimestamp: '2024-01-02T03:04:05Z',
      managedFields: [
        {
          manager: 'kubectl',
          operation: 'Apply',
          apiVersion: 'apps/v1',
          time: '2024-01-02T03:04:05Z',
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:spec': { 'f:replicas': {}, 'f:template': { 'f:spec': { 'k:{"name":"web"}': { '.': {} } } } } },
        },
      ],
    },
    spec: {
      replicas: 3,
      revisionHistoryLimit: 5,
      selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['frontend'] }] },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } },
      template: {
        metadata: { labels: { app: 'web', tier: 'frontend' } },
        spec: {
          serviceAccountName: 'web',
          terminationGracePeriodSeconds: 30,
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'web', effect: 'NoSchedule' }],
          containers: [container('web', 8080), container('sidecar', 9090), container('proxy', 7070)],
          volumes: [
            { name: 'config', configMap: { name: 'web-config', defaultMode: 420 } },
            { name: 'cache', emptyDir: { sizeLimit: '1Gi' } },
          ],
        },
      },
    },
    status: { observedGeneration: 2, replicas: 3, conditions: [{ type: 'Available', status: 'True', lastUpdateTime: '2024-01-02T03:04:05Z' }] },
  };
}

function at(obj: Json, path: string, value: unknown): Json {
  const segs = path.split('.');
  let cur: Record<string, unknown> | unknown[] = obj;
  for (let i = 0; i < segs.length - 1; i++) cur = (cur as Record<string, unknown>)[segs[i]!] as Record<string, unknown>;
  (cur as Record<string, unknown>)[segs[segs.length - 1]!] = value;
  return obj;
}

describe('definitionForGvk', () => {
  it('maps group/version/kind to the definition', () => {
    expect(definitionForGvk(index, '', 'v1', 'Pod')).toBe('io.k8s.api.core.v1.Pod');
    expect(definitionForGvk(index, 'apps', 'v1', 'Deployment')).toBe(DEPLOYMENT);
    expect(definitionForGvk(index, 'apiextensions.k8s.io', 'v1', 'CustomResourceDefinition')).toBe(
      'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition',
    );
    expect(definitionForGvk(index, 'apps', 'v1', 'Pod')).toBeUndefined();
    expect(definitionForGvk(index, 'apps', 'v2', 'Deployment')).toBeUndefined();
  });
});

describe('checkFields: unknown fields', () => {
  it('accepts a typical Deployment as is', () => {
    expect(checkFields(index, DEPLOYMENT, deployment())).toMatchObject({ unknown: [], typeErrors: [] });
  });

  it('reports unknown fields with strict-decoding paths, in document order', () => {
    const d = deployment();
    at(d, 'spec.unknown1', 'x');
    at(d, 'metadata.unknownMeta', 1);
    const c0 = ((d.spec as Json).template as Json).spec as Json;
    const containers = c0.containers as Json[];
    containers[0]!.imagee = 'nginx';
    ((containers[1]!.ports as Json[])[1] as Json).bogus = true;
    (containers[2]!.resources as Json).limitz = {};
    d.extra = { nested: 1 };
    expect(checkFields(index, DEPLOYMENT, d).unknown).toEqual([
      'metadata.unknownMeta',
      'spec.template.spec.containers[0].imagee',
      'spec.template.spec.containers[1].ports[1].bogus',
      'spec.template.spec.containers[2].resources.limitz',
      'spec.unknown1', // added last to spec, so decoded after template
      'extra',
    ]);
  });

  it('is case-sensitive, like sigs.k8s.io/json', () => {
    const d = deployment();
    at(d, 'spec.Replicas', 3);
    expect(checkFields(index, DEPLOYMENT, d).unknown).toEqual(['spec.Replicas']);
  });

  it('lets maps (labels, annotations, nodeSelector, data) take any key', () => {
    const d = deployment();
    at(d, 'metadata.labels', { 'any/key': 'v', weird_key: '' });
    at(d, 'metadata.annotations', { 'x.y.z/whatever': 'v' });
    expect(checkFields(index, DEPLOYMENT, d)).toMatchObject({ unknown: [], typeErrors: [] });
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { 'a.yaml': 'x: 1' }, binaryData: { b: 'AAEC' } };
    expect(checkFields(index, 'io.k8s.api.core.v1.ConfigMap', cm)).toMatchObject({ unknown: [], typeErrors: [] });
  });

  it('walks map values that are structs, naming the key in the path', () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { plural: 'widgets', kind: 'Widget' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: {
                  spec: {
                    type: 'object',
                    'x-kubernetes-preserve-unknown-fields': true,
                    bogus: 1,
                    properties: { size: { type: 'integer', default: 3, minimum: 1 } },
                  },
                },
                // items/additionalProperties are JSONSchemaPropsOr* wrappers: anything inside passes.
                additionalProperties: { notAField: true },
              },
            },
          },
        ],
      },
    };
    expect(checkFields(index, 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition', crd)).toEqual({
      unknown: ['spec.versions[0].schema.openAPIV3Schema.properties.spec.bogus'],
      unknownSegments: [['spec', 'versions', 0, 'schema', 'openAPIV3Schema', 'properties', 'spec', 'bogus']],
      typeErrors: [],
    });
  });

  it('gives segments that stay unambiguous when a map key has dots', () => {
    const crd = { spec: { versions: [{ schema: { openAPIV3Schema: { properties: { 'a.b': { typo: 1 } } } } }] } };
    const r = checkFields(index, 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition', crd);
    expect(r.unknown).toEqual(['spec.versions[0].schema.openAPIV3Schema.properties.a.b.typo']);
    expect(r.unknownSegments).toEqual([['spec', 'versions', 0, 'schema', 'openAPIV3Schema', 'properties', 'a.b', 'typo']]);
  });

  it('accepts anything in RawExtension, FieldsV1 and preserve-unknown-fields schemas', () => {
    const rev = {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: { name: 'r', managedFields: [{ fieldsV1: { 'f:data': { anything: [1, 'x', null] } } }] },
      revision: 2,
      data: { spec: { template: { whatever: true } }, more: [1, 2] },
    };
    expect(checkFields(index, 'io.k8s.api.apps.v1.ControllerRevision', rev)).toMatchObject({ unknown: [], typeErrors: [] });

    const bag = compileSchemas({
      definitions: {
        'com.example.v1.Widget': {
          type: 'object',
          properties: {
            spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
            status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { ready: { type: 'boolean' } } },
            strict: { type: 'object', properties: { a: { type: 'string' } } },
            port: { 'x-kubernetes-int-or-string': true },
          },
        },
      },
    });
    const r = checkFields(bag, 'com.example.v1.Widget', {
      spec: { anything: { deep: [1] } },
      status: { ready: true, other: 1 },
      strict: { a: 'x', b: 'y' },
      port: 'http',
    });
    expect(r).toEqual({ unknown: ['strict.b'], unknownSegments: [['strict', 'b']], typeErrors: [] });
    expect(checkFields(bag, 'com.example.v1.Widget', { port: true }).typeErrors[0]).toMatchObject({ path: 'port', fatal: true });
  });

  it('treats an empty Go struct as having no known field', () => {
    const crd = {
      spec: { versions: [{ name: 'v1', subresources: { status: { foo: 1 } } }] },
    };
    expect(checkFields(index, 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition', crd).unknown).toEqual([
      'spec.versions[0].subresources.status.foo',
    ]);
  });

  it('ignores nulls anywhere (they decode to zero values)', () => {
    const d = deployment();
    at(d, 'spec.replicas', null);
    at(d, 'metadata.creationTimestamp', null);
    at(d, 'spec.strategy', null);
    at(d, 'metadata.labels', { app: null });
    expect(checkFields(index, DEPLOYMENT, d)).toMatchObject({ unknown: [], typeErrors: [] });
  });

  it('stops collecting unknown fields at 100, like the decoder', () => {
    const d = deployment();
    const spec = d.spec as Json;
    for (let i = 0; i < 150; i++) spec[`u${i}`] = i;
    const r = checkFields(index, DEPLOYMENT, d);
    expect(r.unknown).toHaveLength(100);
    expect(r.unknown[99]).toBe('spec.u99');
  });
});

describe('checkFields: type errors', () => {
  function firstMessage(obj: Json, def = DEPLOYMENT): string | undefined {
    return decodeErrorMessage(checkFields(index, def, obj));
  }

  it('reports a string where an int32 is expected like encoding/json through kube', () => {
    const d = at(deployment(), 'spec.replicas', '3');
    const r = checkFields(index, DEPLOYMENT, d);
    expect(r.typeErrors).toEqual([
      { path: 'spec.replicas', message: 'json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32', fatal: false },
    ]);
    expect(decodeFailureMessage('Deployment', 'v1', decodeErrorMessage(r)!)).toBe(
      'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32',
    );
  });

  it('names the innermost struct and the index-free field path', () => {
    const d = deployment();
    (((((d.spec as Json).template as Json).spec as Json).containers as Json[])[1]!.ports as Json[])[0]!.containerPort = '80';
    expect(firstMessage(d)).toBe('json: cannot unmarshal string into Go struct field ContainerPort.spec.template.spec.containers.ports.containerPort of type int32');
    expect(checkFields(index, DEPLOYMENT, d).typeErrors[0]!.path).toBe('spec.template.spec.containers[1].ports[0].containerPort');
  });

  it('reports map value mismatches against the map field', () => {
    expect(firstMessage(at(deployment(), 'metadata.labels', { app: 1 }))).toBe(
      'json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string',
    );
  });

  it('names Go types for structs, slices, bools and numbers', () => {
    expect(firstMessage(at(deployment(), 'metadata', 'x'))).toBe('json: cannot unmarshal string into Go struct field Deployment.metadata of type v1.ObjectMeta');
    const d = deployment();
    at(d, 'spec.template.spec.containers', 'web');
    expect(firstMessage(d)).toBe('json: cannot unmarshal string into Go struct field PodSpec.spec.template.spec.containers of type []v1.Container');
    expect(firstMessage(at(deployment(), 'spec.paused', 'true'))).toBe('json: cannot unmarshal string into Go struct field DeploymentSpec.spec.paused of type bool');
    expect(firstMessage(at(deployment(), 'spec.selector', []))).toBe(
      'json: cannot unmarshal array into Go struct field DeploymentSpec.spec.selector of type v1.LabelSelector',
    );
    expect(firstMessage(at(deployment(), 'metadata.name', { a: 1 }))).toBe('json: cannot unmarshal object into Go struct field ObjectMeta.metadata.name of type string');
    expect(firstMessage(at(deployment(), 'metadata.name', 5))).toBe('json: cannot unmarshal number into Go struct field ObjectMeta.metadata.name of type string');
    expect(firstMessage(at(deployment(), 'metadata.generation', true))).toBe('json: cannot unmarshal bool into Go struct field ObjectMeta.metadata.generation of type int64');
    expect(firstMessage(at(deployment(), 'metadata.labels', ['a']))).toBe(
      'json: cannot unmarshal array into Go struct field ObjectMeta.metadata.labels of type map[string]string',
    );
  });

  it('quotes the number for non-integers and overflows', () => {
    expect(firstMessage(at(deployment(), 'spec.replicas', 1.5))).toBe('json: cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32');
    expect(firstMessage(at(deployment(), 'spec.replicas', 3000000000))).toBe(
      'json: cannot unmarshal number 3000000000 into Go struct field DeploymentSpec.spec.replicas of type int32',
    );
    expect(firstMessage(at(deployment(), 'metadata.generation', 3000000000))).toBeUndefined();
  });

  it('reports a root of the wrong JSON type as a Go value', () => {
    expect(decodeErrorMessage(checkFields(index, DEPLOYMENT, [1]))).toBe('json: cannot unmarshal array into Go value of type v1.Deployment');
  });

  it('keeps decoding after a plain type error and reports the first', () => {
    const d = deployment();
    at(d, 'spec.replicas', '3');
    at(d, 'spec.paused', 1);
    at(d, 'spec.unknownAfter', 1);
    const r = checkFields(index, DEPLOYMENT, d);
    expect(r.typeErrors.map((e) => e.path)).toEqual(['spec.replicas', 'spec.paused']);
    expect(r.unknown).toEqual(['spec.unknownAfter']);
    expect(decodeErrorMessage(r)).toContain('DeploymentSpec.spec.replicas');
  });

  it('int-or-string: strings and int32s pass, anything else ends decoding with an int32 error', () => {
    const ok = deployment();
    at(ok, 'spec.strategy.rollingUpdate', { maxSurge: 2, maxUnavailable: '10%' });
    expect(checkFields(index, DEPLOYMENT, ok).typeErrors).toEqual([]);
    const d = deployment();
    at(d, 'spec.replicas', '3'); // saved first...
    at(d, 'spec.strategy.rollingUpdate.maxSurge', true); // ...but a custom unmarshaler's error wins
    at(d, 'spec.zzz', 1); // decoding stopped: never seen
    const r = checkFields(index, DEPLOYMENT, d);
    expect(r.unknown).toEqual([]);
    expect(decodeErrorMessage(r)).toBe('json: cannot unmarshal bool into Go struct field RollingUpdateDeployment.spec.strategy.rollingUpdate.maxSurge of type int32');
    const f = deployment();
    at(f, 'spec.strategy.rollingUpdate.maxUnavailable', 1.5);
    expect(decodeErrorMessage(checkFields(index, DEPLOYMENT, f))).toBe(
      'json: cannot unmarshal number 1.5 into Go struct field RollingUpdateDeployment.spec.strategy.rollingUpdate.maxUnavailable of type int32',
    );
    const svc = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's' },
      spec: { ports: [{ port: 80, targetPort: 'http' }, { port: 81, targetPort: 8081 }] },
    };
    expect(checkFields(index, 'io.k8s.api.core.v1.Service', svc)).toMatchObject({ unknown: [], typeErrors: [] });
  });

  it('Quantity: strings that parse and numbers pass; others end decoding with ParseQuantity\'s error', () => {
    const bad = deployment();
    (((((bad.spec as Json).template as Json).spec as Json).containers as Json[])[0]!.resources as Json).limits = { cpu: 'lots' };
    const r = checkFields(index, DEPLOYMENT, bad);
    expect(r.typeErrors).toEqual([{ path: 'spec.template.spec.containers[0].resources.limits.cpu', message: QUANTITY_FORMAT, fatal: true }]);
    const suffix = deployment();
    (((((suffix.spec as Json).template as Json).spec as Json).containers as Json[])[0]!.resources as Json).requests = { memory: '1mi' };
    expect(decodeErrorMessage(checkFields(index, DEPLOYMENT, suffix))).toBe("unable to parse quantity's suffix");
    const obj = deployment();
    (((((obj.spec as Json).template as Json).spec as Json).containers as Json[])[0]!.resources as Json).requests = { memory: { v: 1 } };
    expect(decodeErrorMessage(checkFields(index, DEPLOYMENT, obj))).toBe(QUANTITY_FORMAT);
  });

  it('Time: any string passes, other JSON types fail as a string would', () => {
    expect(decodeErrorMessage(checkFields(index, DEPLOYMENT, at(deployment(), 'metadata.creationTimestamp', 5)))).toBe(
      'json: cannot unmarshal number into Go struct field ObjectMeta.metadata.creationTimestamp of type string',
    );
    const ev = { apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: 'e' }, eventTime: '2024-01-02T03:04:05.000001Z' };
    expect(checkFields(index, 'io.k8s.api.events.v1.Event', ev).typeErrors).toEqual([]);
    expect(checkFields(index, 'io.k8s.api.events.v1.Event', { ...ev, eventTime: {} }).typeErrors[0]).toMatchObject({
      message: 'json: cannot unmarshal object into Go struct field Event.eventTime of type string',
      fatal: true,
    });
  });

  it('[]byte fields take base64 text and report Go\'s offset of bad input', () => {
    const secret = (data: Json): Json => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data });
    const S = 'io.k8s.api.core.v1.Secret';
    expect(checkFields(index, S, secret({ a: 'aGVsbG8=', b: '', c: 'aGVs\nbG8=' })).typeErrors).toEqual([]);
    expect(decodeErrorMessage(checkFields(index, S, secret({ a: 'hello!' })))).toBe('illegal base64 data at input byte 5');
    expect(decodeErrorMessage(checkFields(index, S, secret({ a: 'aGVsbG8' })))).toBe('illegal base64 data at input byte 4');
    expect(decodeErrorMessage(checkFields(index, S, secret({ a: 1 })))).toBe('json: cannot unmarshal number into Go struct field Secret.data of type []uint8');
  });
});

describe('messages', () => {
  it('formats strict decoding errors as kube does', () => {
    expect(unknownFieldMessage('spec.unknown1')).toBe('unknown field "spec.unknown1"');
    expect(strictDecodingErrorMessage(['metadata.unknownMeta', 'spec.template.spec.containers[0].unknownNested'])).toBe(
      'strict decoding error: unknown field "metadata.unknownMeta", unknown field "spec.template.spec.containers[0].unknownNested"',
    );
    expect(decodeErrorMessage({ unknown: ['x'], unknownSegments: [['x']], typeErrors: [] })).toBeUndefined();
  });
});

describe('quantityParseError / base64ErrorOffset', () => {
  it('follows resource.ParseQuantity', () => {
    for (const ok of ['0', '1', '100m', '1.5', '.5', '1Gi', '500Mi', '2e3', '1E-3', '1E', '+1k', '-1', '000', '1.']) {
      expect(quantityParseError(ok), ok).toBeUndefined();
    }
    for (const bad of ['', 'abc', '1.2.3', '1 Gi', 'true', '{}', '12x', '1Zi']) expect(quantityParseError(bad), bad).toBe(QUANTITY_FORMAT);
    for (const bad of ['1mi', '1kk', '1iK', '1Pe', '1e']) expect(quantityParseError(bad), bad).toBe("unable to parse quantity's suffix");
  });

  it('follows base64.StdEncoding.Decode', () => {
    const b = (s: string): number[] => [...Buffer.from(s, 'utf8')];
    expect(base64ErrorOffset(b(''))).toBe(-1);
    expect(base64ErrorOffset(b('QUJD'))).toBe(-1);
    expect(base64ErrorOffset(b('QUI='))).toBe(-1);
    expect(base64ErrorOffset(b('QQ=='))).toBe(-1);
    expect(base64ErrorOffset(b('QUJD\r\nREVG\n'))).toBe(-1);
    expect(base64ErrorOffset(b('QQ='))).toBe(3); // not enough padding
    expect(base64ErrorOffset(b('Q==='))).toBe(1); // padding too early
    expect(base64ErrorOffset(b('QUI=QUJD'))).toBe(4); // trailing garbage
    expect(base64ErrorOffset(b('QUJ'))).toBe(0);
    expect(base64ErrorOffset(b('QU-D'))).toBe(2);
    expect(base64ErrorOffset(b('QUJDé'))).toBe(4);
  });
});

describe('requiredMissing', () => {
  it('finds nothing missing in a complete object', () => {
    expect(requiredMissing(index, DEPLOYMENT, deployment())).toEqual([]);
  });

  it('lists missing (or null) required fields with field paths', () => {
    const d = deployment();
    const spec = d.spec as Json;
    delete spec.selector;
    const containers = ((spec.template as Json).spec as Json).containers as Json[];
    delete containers[1]!.name;
    (containers[2]!.ports as Json[])[0]!.containerPort = null;
    expect(requiredMissing(index, DEPLOYMENT, d)).toEqual([
      'spec.selector',
      'spec.template.spec.containers[1].name',
      'spec.template.spec.containers[2].ports[0].containerPort',
    ]);
    expect(requiredMissing(index, DEPLOYMENT, { metadata: { name: 'x' }, spec: {} })).toEqual(['spec.selector', 'spec.template']);
  });

  it('names map values by key', () => {
    const cs = { name: 'gpu', counters: { memory: { value: '8Gi' }, cores: {} } };
    expect(requiredMissing(index, 'io.k8s.api.resource.v1.CounterSet', cs)).toEqual(['counters[cores].value']);
    expect(requiredMissing(index, 'io.k8s.api.resource.v1.CounterSet', {})).toEqual(['name', 'counters']);
  });

  it('skips values of the wrong type instead of guessing', () => {
    expect(requiredMissing(index, DEPLOYMENT, { spec: 'nope' })).toEqual([]);
    expect(requiredMissing(index, DEPLOYMENT, { spec: { selector: {}, template: { spec: { containers: 'x' } } } })).toEqual([]);
  });
});

describe('timing', () => {
  it('checks a typical Deployment fast enough to run on every write', () => {
    const d = deployment();
    const N = 10_000;
    for (let i = 0; i < 500; i++) checkFields(index, DEPLOYMENT, d); // warm up
    let t0 = performance.now();
    for (let i = 0; i < N; i++) checkFields(index, DEPLOYMENT, d);
    const checkUs = ((performance.now() - t0) * 1000) / N;
    t0 = performance.now();
    for (let i = 0; i < N; i++) requiredMissing(index, DEPLOYMENT, d);
    const reqUs = ((performance.now() - t0) * 1000) / N;
    console.log(`checkFields: ${checkUs.toFixed(2)} µs/op, requiredMissing: ${reqUs.toFixed(2)} µs/op (${N} ops)`);
    // Generous bound: catches an accidental quadratic walk or per-call compile, not machine noise.
    expect(checkUs).toBeLessThan(500);
    expect(reqUs).toBeLessThan(500);
  });
});
