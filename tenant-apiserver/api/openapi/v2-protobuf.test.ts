import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadOpenApiV2, type OpenApiV2 } from './spec.js';
import {
  anyYaml,
  encodeOpenApiV2Protobuf,
  negotiateOpenApiV2,
  openApiV2ProtoRoot,
} from './v2-protobuf.js';
import { Registry } from '../registry.js';
import { createOpenApiServing } from '../../openapi-serving.js';

// Decoded messages are walked loosely: the assertions are the type check.
type Obj = Record<string, any>;

function decode(buf: Uint8Array): Obj {
  const type = openApiV2ProtoRoot().lookupType('openapi.v2.Document');
  return type.toObject(type.decode(buf), { longs: Number }) as Obj;
}

function ext(list: Obj[] | undefined, name: string): unknown {
  const e = list?.find((x) => x.name === name);
  // go-yaml v2 is YAML 1.1: read the Any the way kube-openapi does.
  return e ? parseYaml(e.value.yaml, { version: '1.1' }) : undefined;
}

function entry(list: Obj[] | undefined, name: string): Obj | undefined {
  return list?.find((x) => x.name === name)?.value;
}

let spec: OpenApiV2;
let doc: Obj;
let defs: Obj[];

beforeAll(async () => {
  spec = await loadOpenApiV2();
  doc = decode(encodeOpenApiV2Protobuf(spec));
  defs = doc.definitions.additional_properties;
});

describe('encodeOpenApiV2Protobuf on the vendored Kubernetes document', () => {
  it('keeps the document header, every definition and every path, in order', () => {
    expect(doc.swagger).toBe('2.0');
    expect(doc.info).toEqual({ title: 'Kubernetes', version: 'unversioned' });
    expect(defs.map((d) => d.name)).toEqual(Object.keys(spec.definitions));
    expect(doc.paths.path.map((p: Obj) => p.name)).toEqual(Object.keys(spec.paths));
    expect(doc.security).toEqual([{ additional_properties: [{ name: 'BearerToken', value: {} }] }]);
    expect(entry(doc.security_definitions.additional_properties, 'BearerToken')).toEqual({
      api_key_security: { type: 'apiKey', name: 'authorization', in: 'header', description: 'Bearer Token authentication' },
    });
  });

  it('encodes a kind: properties, refs, required, GVK extension', () => {
    const pod = entry(defs, 'io.k8s.api.core.v1.Pod')!;
    expect(pod.type).toEqual({ value: ['object'] });
    expect(ext(pod.vendor_extension, 'x-kubernetes-group-version-kind')).toEqual([{ group: '', kind: 'Pod', version: 'v1' }]);
    const props = pod.properties.additional_properties as Obj[];
    expect(props.map((p) => p.name)).toEqual(['apiVersion', 'kind', 'metadata', 'spec', 'status']);
    expect(entry(props, 'spec')!._ref).toBe('#/definitions/io.k8s.api.core.v1.PodSpec');
    expect(entry(defs, 'io.k8s.api.core.v1.Container')!.required).toEqual(['name']);
  });

  it('encodes list fields: items, patch strategy and list-map extensions', () => {
    const podSpec = entry(defs, 'io.k8s.api.core.v1.PodSpec')!;
    const containers = entry(podSpec.properties.additional_properties, 'containers')!;
    expect(containers.type).toEqual({ value: ['array'] });
    expect(containers.items).toEqual({ schema: [{ _ref: '#/definitions/io.k8s.api.core.v1.Container' }] });
    expect(ext(containers.vendor_extension, 'x-kubernetes-patch-merge-key')).toBe('name');
    expect(ext(containers.vendor_extension, 'x-kubernetes-patch-strategy')).toBe('merge');
    expect(ext(containers.vendor_extension, 'x-kubernetes-list-map-keys')).toEqual(['name']);
    expect(ext(containers.vendor_extension, 'x-kubernetes-list-type')).toBe('map');
  });

  it('encodes maps as additionalProperties with a schema', () => {
    const cm = entry(defs, 'io.k8s.api.core.v1.ConfigMap')!;
    const data = entry(cm.properties.additional_properties, 'data')!;
    expect(data.type).toEqual({ value: ['object'] });
    expect(data.additional_properties).toEqual({ schema: { type: { value: ['string'] } } });
  });

  it('reproduces every vendor extension value through Any.yaml', () => {
    let n = 0;
    for (const d of defs) {
      const json = spec.definitions[d.name]!;
      for (const e of d.value.vendor_extension ?? []) {
        expect(parseYaml(e.value.yaml, { version: '1.1' })).toEqual(json[e.name as `x-${string}`]);
        n++;
      }
    }
    expect(n).toBeGreaterThan(100);
  });

  it("lets kubectl find fieldValidation on a kind's PATCH operation (its supportsQueryParam walk)", () => {
    const global = new Map<string, Obj>((doc.parameters.additional_properties as Obj[]).map((p) => [`#/parameters/${p.name}`, p.value]));
    const supports = (kind: string, param: string): boolean => {
      for (const p of doc.paths.path as Obj[]) {
        const gvk = ext(p.value.patch?.vendor_extension, 'x-kubernetes-group-version-kind') as Obj | undefined;
        if (!gvk || gvk.kind !== kind || gvk.group !== '' || gvk.version !== 'v1') continue;
        return (p.value.patch.parameters as Obj[]).some(
          (it) =>
            it.parameter?.non_body_parameter?.query_parameter_sub_schema?.name === param ||
            global.get(it.json_reference?._ref ?? '')?.non_body_parameter?.query_parameter_sub_schema?.name === param,
        );
      }
      return false;
    };
    expect(supports('ConfigMap', 'fieldValidation')).toBe(true);
    expect(supports('ConfigMap', 'dryRun')).toBe(true);
    expect(supports('ConfigMap', 'noSuchParam')).toBe(false);
  });

  it('encodes path-level and operation parameters with the body / non-body oneof', () => {
    const item = entry(doc.paths.path, '/api/v1/namespaces/{namespace}/configmaps/{name}')!;
    const nameParam = (item.parameters as Obj[]).find((p) => p.parameter)!.parameter;
    expect(nameParam).toEqual({
      non_body_parameter: {
        path_parameter_sub_schema: { required: true, in: 'path', description: 'name of the ConfigMap', name: 'name', type: 'string', unique_items: true },
      },
    });
    expect((item.parameters as Obj[]).some((p) => p.json_reference?._ref === '#/parameters/namespace-vgWSWtn3')).toBe(true);
    const body = (item.put.parameters as Obj[]).find((p) => p.parameter?.body_parameter)!.parameter.body_parameter;
    expect(body).toMatchObject({ name: 'body', in: 'body', required: true, schema: { _ref: '#/definitions/io.k8s.api.core.v1.ConfigMap' } });
    expect(item.put.operation_id).toBe('replaceCoreV1NamespacedConfigMap');
    expect(ext(item.put.vendor_extension, 'x-kubernetes-action')).toBe('put');
    const ok = entry(item.get.responses.response_code, '200')!;
    expect(ok).toEqual({ response: { description: 'OK', schema: { schema: { _ref: '#/definitions/io.k8s.api.core.v1.ConfigMap' } } } });
  });
});

describe('encodeOpenApiV2Protobuf on small documents', () => {
  const small = (extra: Obj): OpenApiV2 => ({ swagger: '2.0', info: { title: 't', version: 'v' }, paths: {}, definitions: {}, ...extra }) as OpenApiV2;

  it('writes gnostic field numbers on the wire', () => {
    const buf = encodeOpenApiV2Protobuf({ swagger: '2.0' } as OpenApiV2);
    // Document.swagger = 1, length-delimited.
    expect([...buf]).toEqual([0x0a, 3, ...Buffer.from('2.0')]);
    const withDef = encodeOpenApiV2Protobuf({ definitions: { A: { $ref: '#/definitions/B', 'x-k': 'v' } } } as unknown as OpenApiV2);
    // Document.definitions = 9 → Definitions.additional_properties = 1 → NamedSchema{name = 1, value = 2}
    // → Schema{_ref = 1, vendor_extension = 31 → NamedAny{name = 1, value = 2 → Any{yaml = 2}}}.
    const ref = Buffer.from('#/definitions/B');
    const any = [0x12, 3, ...Buffer.from('"v"')];
    const named = [0x0a, 3, ...Buffer.from('x-k'), 0x12, any.length, ...any];
    const schema = [0x0a, ref.length, ...ref, 0xfa, 0x01, named.length, ...named];
    const ns = [0x0a, 1, 0x41, 0x12, schema.length, ...schema];
    expect([...withDef]).toEqual([0x4a, ns.length + 2, 0x0a, ns.length, ...ns]);
  });

  it('writes the gnostic parameter oneofs on the wire', () => {
    // Length-delimited field: tag (field << 3 | 2), length, bytes (all short here).
    const ld = (field: number, bytes: number[] | string): number[] => {
      const b = typeof bytes === 'string' ? [...Buffer.from(bytes)] : bytes;
      return [(field << 3) | 2, b.length, ...b];
    };
    const buf = encodeOpenApiV2Protobuf({
      parameters: { q: { name: 'n', in: 'query' }, p: { name: 'n', in: 'path', required: true }, b: { name: 'n', in: 'body' } },
    } as unknown as OpenApiV2);
    // Document.parameters = 10 → ParameterDefinitions.additional_properties = 1 → NamedParameter{name = 1, value = 2}.
    const named = (name: string, parameter: number[]) => ld(1, [...ld(1, name), ...ld(2, parameter)]);
    // Parameter.non_body_parameter = 2 → NonBodyParameter{query = 3 | path = 4} → sub-schema{required = 1 (varint), in = 2, name = 4}.
    const query = ld(2, ld(3, [...ld(2, 'query'), ...ld(4, 'n')]));
    const path = ld(2, ld(4, [0x08, 1, ...ld(2, 'path'), ...ld(4, 'n')]));
    // Parameter.body_parameter = 1 → BodyParameter{name = 2, in = 3}.
    const body = ld(1, [...ld(2, 'n'), ...ld(3, 'body')]);
    expect([...buf]).toEqual(ld(10, [...named('q', query), ...named('p', path), ...named('b', body)]));
  });

  it('keeps an empty properties message and both additionalProperties forms, allOf and tuple items', () => {
    const out = decode(
      encodeOpenApiV2Protobuf(
        small({
          definitions: {
            Empty: { type: 'object', properties: {} },
            Open: { type: 'object', additionalProperties: true },
            Wrapped: { allOf: [{ $ref: '#/definitions/Empty' }], default: { a: 1 }, enum: ['x', 2] },
            Tuple: { type: 'array', items: [{ type: 'string' }, { type: 'integer', format: 'int64', maxLength: 5 }] },
          },
        }),
      ),
    );
    const d = out.definitions.additional_properties as Obj[];
    expect(entry(d, 'Empty')).toEqual({ type: { value: ['object'] }, properties: {} });
    expect(entry(d, 'Open')!.additional_properties).toEqual({ boolean: true });
    expect(entry(d, 'Wrapped')).toEqual({ all_of: [{ _ref: '#/definitions/Empty' }], default: { yaml: '{"a":1}' }, enum: [{ yaml: '"x"' }, { yaml: '2' }] });
    expect(entry(d, 'Tuple')!.items.schema).toEqual([{ type: { value: ['string'] } }, { type: { value: ['integer'] }, format: 'int64', max_length: 5 }]);
  });

  it('puts header, query and formData parameters in their sub-schemas, with primitive items', () => {
    const out = decode(
      encodeOpenApiV2Protobuf(
        small({
          parameters: {
            h: { name: 'X-H', in: 'header', type: 'string' },
            q: { name: 'q', in: 'query', type: 'array', items: { type: 'string', enum: ['a'] }, collectionFormat: 'multi', allowEmptyValue: true },
            f: { name: 'f', in: 'formData', type: 'integer', minimum: 1 },
          },
        }),
      ),
    );
    const p = out.parameters.additional_properties as Obj[];
    expect(entry(p, 'h')).toEqual({ non_body_parameter: { header_parameter_sub_schema: { name: 'X-H', in: 'header', type: 'string' } } });
    expect(entry(p, 'q')).toEqual({
      non_body_parameter: {
        query_parameter_sub_schema: { name: 'q', in: 'query', type: 'array', items: { type: 'string', enum: [{ yaml: '"a"' }] }, collection_format: 'multi', allow_empty_value: true },
      },
    });
    expect(entry(p, 'f')).toEqual({ non_body_parameter: { form_data_parameter_sub_schema: { name: 'f', in: 'formData', type: 'integer', minimum: 1 } } });
  });
});

describe('anyYaml', () => {
  it('writes JSON text, which go-yaml reads back as the same value', () => {
    for (const v of ['merge', 'true', '123', 'a: b', { group: '', kind: 'Pod' }, ['name', 'protocol'], true, 3.5, null]) {
      expect(parseYaml(anyYaml(v).yaml, { version: '1.1' })).toEqual(v);
    }
  });

  it('escapes characters YAML 1.1 does not allow raw', () => {
    const y = anyYaml('a\u0085b\u2028c').yaml;
    expect(y).toBe('"a\\u0085b\\u2028c"');
    expect(parseYaml(y, { version: '1.1' })).toBe('a\u0085b\u2028c');
  });
});

describe('negotiateOpenApiV2', () => {
  it.each([
    [undefined, 'json'],
    ['', 'json'],
    ['*/*', 'json'],
    ['application/json', 'json'],
    ['application/json, */*', 'json'],
    ['application/com.github.proto-openapi.spec.v2@v1.0+protobuf', 'protobuf'],
    ['application/com.github.proto-openapi.spec.v2.v1.0+protobuf', 'protobuf'],
    ['application/com.github.proto-openapi.spec.v2@v1.0+protobuf, application/json', 'protobuf'],
    ['application/json;q=0.5, application/com.github.proto-openapi.spec.v2@v1.0+protobuf', 'protobuf'],
    ['*/*, application/com.github.proto-openapi.spec.v2@v1.0+protobuf', 'protobuf'],
    ['application/*', 'json'],
    ['application/yaml', undefined],
    ['application/vnd.kubernetes.protobuf', undefined],
    ['application/json;q=0', undefined],
  ])('%s → %s', (accept, want) => {
    expect(negotiateOpenApiV2(accept)).toBe(want);
  });
});

describe('createOpenApiServing v2()', () => {
  it('caches the protobuf with the JSON and rebuilds both when the registry generation moves', async () => {
    const registry = new Registry(spec);
    const serving = createOpenApiServing(spec, registry);
    const first = (await serving.v2())!;
    const pb = first.protobuf!();
    // Identity, not equality: the second call must not re-encode.
    expect((await serving.v2())!.protobuf!() === pb).toBe(true);
    const served = decode(pb);
    expect(served.paths.path.map((p: Obj) => p.name)).toEqual(Object.keys(JSON.parse(first.body).paths));
    registry.generation++;
    const second = (await serving.v2())!;
    expect(second === first).toBe(false);
    const rebuilt = second.protobuf!();
    expect(rebuilt === pb).toBe(false);
    expect(rebuilt.equals(pb)).toBe(true);
  });
});
