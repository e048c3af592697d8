import { describe, expect, it } from 'vitest';
import { fieldErrorMessage } from '../api/errors.js';
import { applyDefaults, formatValid, goFloat, jsonType, pruneNonNullableNulls, pruneUnknownFields, validateValue } from './schema.js';
import type { JSONSchemaProps } from './types.js';

const schema: JSONSchemaProps = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      required: ['color'],
      properties: {
        color: { type: 'string', enum: ['red', 'green'] },
        replicas: { type: 'integer', minimum: 0, maximum: 1000000, default: 1 },
        ratio: { type: 'number', minimum: 0.5, exclusiveMinimum: true },
        name: { type: 'string', minLength: 2, maxLength: 3, pattern: '^[a-zé]+$' },
        when: { type: 'string', format: 'date-time' },
        small: { type: 'integer', format: 'int32' },
        port: { 'x-kubernetes-int-or-string': true },
        maybe: { type: 'string', nullable: true },
        items: { type: 'array', maxItems: 2, minItems: 1, items: { type: 'object', properties: { n: { type: 'string' } } } },
        tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
        ports: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
          items: { type: 'object', properties: { name: { type: 'string' }, port: { type: 'integer' } } },
        },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { known: { type: 'object', properties: { a: { type: 'string' } } } } },
        template: {
          type: 'object',
          'x-kubernetes-embedded-resource': true,
          properties: { spec: { type: 'object', properties: { x: { type: 'string' } } } },
        },
        nested: {
          type: 'object',
          default: {},
          properties: { inner: { type: 'string', default: 'deep' } },
        },
        choice: { type: 'string', anyOf: [{ enum: ['a'] }, { enum: ['b'] }] },
      },
    },
  },
};

const messages = (v: unknown, s: JSONSchemaProps = schema) => validateValue(v, s).map(fieldErrorMessage);

describe('structural pruning', () => {
  it('drops unspecified fields and reports their paths, keeping TypeMeta/ObjectMeta and preserved subtrees', () => {
    const obj = {
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w', weird: 1 },
      top: 1,
      spec: {
        color: 'red',
        bogus: true,
        items: [{ n: 'a' }, { n: 'b', x: 1 }],
        labels: { a: 'b' },
        free: { anything: { goes: 1 }, known: { a: 'x', b: 'pruned' } },
        template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { x: 'y', z: 1 }, other: 1 },
      },
    };
    const pruned = pruneUnknownFields(obj, schema);
    expect(pruned).toEqual(['top', 'spec.bogus', 'spec.items[1].x', 'spec.free.known.b', 'spec.template.spec.z', 'spec.template.other']);
    expect(obj.metadata).toEqual({ name: 'w', weird: 1 });
    expect(obj.spec.free).toEqual({ anything: { goes: 1 }, known: { a: 'x' } });
    expect(obj.spec.template).toEqual({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { x: 'y' } });
    expect(obj.spec.items).toEqual([{ n: 'a' }, { n: 'b' }]);
  });
});

describe('defaulting', () => {
  it('fills missing fields, defaults inside defaults, and non-nullable nulls', () => {
    const obj: Record<string, unknown> = { spec: { color: 'red', replicas: null, maybe: null } };
    pruneNonNullableNulls(obj, schema);
    applyDefaults(obj, schema);
    expect(obj.spec).toEqual({ color: 'red', replicas: 1, maybe: null, nested: { inner: 'deep' } });
  });

  it('prunes non-nullable nulls that have no default', () => {
    const obj: Record<string, unknown> = { spec: { color: null, name: null, maybe: null } };
    pruneNonNullableNulls(obj, schema);
    expect(obj.spec).toEqual({ maybe: null });
  });

  it('never overwrites a value that is there', () => {
    const obj: Record<string, unknown> = { spec: { replicas: 5, nested: { inner: 'mine' } } };
    applyDefaults(obj, schema);
    expect(obj.spec).toEqual({ replicas: 5, nested: { inner: 'mine' } });
  });
});

describe('validation with kube-openapi messages', () => {
  it('accepts a valid object', () => {
    expect(messages({ apiVersion: 'x/v1', kind: 'W', metadata: { name: 'a' }, spec: { color: 'red', port: 'http', maybe: null, when: '2024-01-02T03:04:05Z', choice: 'b' } })).toEqual([]);
  });

  it('reports type errors with the JSON type found', () => {
    expect(messages({ spec: { color: 'red', replicas: 'x', port: true, maybe: 3 } })).toEqual([
      'spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"',
      'spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"',
      'spec.maybe: Invalid value: "integer": spec.maybe in body must be of type string: "integer"',
    ]);
    expect(messages({ spec: 'x' })).toEqual(['spec: Invalid value: "string": spec in body must be of type object: "string"']);
    expect(messages({ spec: { color: null } })).toEqual(['spec.color: Invalid value: "null": spec.color in body must be of type string: "null"']);
  });

  it('reports required, enum, bounds, lengths, pattern and formats', () => {
    expect(messages({ spec: { replicas: 2000000, ratio: 0.5, name: 'aÉ', when: 'yesterday', small: 3000000000 } })).toEqual([
      'spec.color: Required value',
      'spec.replicas: Invalid value: 2000000: spec.replicas in body should be less than or equal to 1e+06',
      'spec.ratio: Invalid value: 0.5: spec.ratio in body should be greater than 0.5',
      'spec.name: Invalid value: "aÉ": spec.name in body should match \'^[a-zé]+$\'',
      'spec.when: Invalid value: "yesterday": spec.when in body must be of type date-time: "yesterday"',
      'spec.small: Invalid value: 3000000000: spec.small in body must be of type int32: "3000000000"',
    ]);
    expect(messages({ spec: { color: 'blue', name: 'abcd' } })).toEqual([
      'spec.color: Unsupported value: "blue": supported values: "red", "green"',
      'spec.name: Too long: may not be more than 3 bytes',
    ]);
    expect(messages({ spec: { color: 'red', name: 'a' } })).toEqual(['spec.name: Invalid value: "a": spec.name in body should be at least 2 chars long']);
    // Lengths count characters (runes), not UTF-16 units or bytes.
    expect(messages({ spec: { color: 'red', name: 'ééé' } })).toEqual([]);
  });

  it('validates arrays: bounds, items with indexed paths, sets and maps', () => {
    expect(messages({ spec: { color: 'red', items: [] } })).toEqual(['spec.items: Invalid value: 0: spec.items in body should have at least 1 items']);
    expect(messages({ spec: { color: 'red', items: [{ n: 1 }, {}, {}] } })).toEqual([
      'spec.items: Too many: must have at most 2 items',
      'spec.items[0].n: Invalid value: "integer": spec.items[0].n in body must be of type string: "integer"',
    ]);
    expect(messages({ spec: { color: 'red', tags: ['a', 'b', 'a'] } })).toEqual(['spec.tags[2]: Duplicate value: "a"']);
    expect(messages({ spec: { color: 'red', ports: [{ name: 'x', port: 1 }, { name: 'x', port: 2 }] } })).toEqual([
      'spec.ports[1]: Duplicate value: map[string]interface {}{"name":"x"}',
    ]);
  });

  it('validates map values, embedded resources and anyOf', () => {
    expect(messages({ spec: { color: 'red', labels: { a: 1 } } })).toEqual(['spec.labels.a: Invalid value: "integer": spec.labels.a in body must be of type string: "integer"']);
    expect(messages({ spec: { color: 'red', template: { spec: {} } } })).toEqual([
      'spec.template.apiVersion: Required value: must not be empty',
      'spec.template.kind: Required value: must not be empty',
    ]);
    expect(messages({ spec: { color: 'red', choice: 'c' } })).toEqual(['<nil>: Invalid value: "": "spec.choice" must validate at least one schema (anyOf)']);
  });

  it('applies only name and generateName rules to metadata', () => {
    const s: JSONSchemaProps = { type: 'object', properties: { metadata: { type: 'object', properties: { name: { type: 'string', maxLength: 3 } } } } };
    expect(messages({ metadata: { name: 'long-name', labels: { a: 'b' } } }, s)).toEqual(['metadata.name: Too long: may not be more than 3 bytes']);
  });
});

describe('helpers', () => {
  it('formats floats as Go %v does', () => {
    expect(goFloat(1)).toBe('1');
    expect(goFloat(100000)).toBe('100000');
    expect(goFloat(1000000)).toBe('1e+06');
    expect(goFloat(123456789)).toBe('1.23456789e+08');
    expect(goFloat(0.5)).toBe('0.5');
    expect(goFloat(0.00001)).toBe('1e-05');
    expect(goFloat(-2.5)).toBe('-2.5');
  });

  it('names JSON types the way kube-openapi does', () => {
    expect([jsonType(1), jsonType(1.5), jsonType('a'), jsonType(true), jsonType(null), jsonType([]), jsonType({})]).toEqual([
      'integer',
      'number',
      'string',
      'boolean',
      'null',
      'array',
      'object',
    ]);
  });

  it('checks the documented string formats', () => {
    expect(formatValid('date-time', '2024-02-29T10:00:00.5+01:00')).toBe(true);
    expect(formatValid('date-time', '2023-02-29T10:00:00Z')).toBe(false);
    expect(formatValid('date', '2024-12-31')).toBe(true);
    expect(formatValid('uuid', '123e4567-e89b-12d3-a456-426614174000')).toBe(true);
    expect(formatValid('ipv4', '10.0.0.256')).toBe(false);
    expect(formatValid('ipv6', '::1')).toBe(true);
    expect(formatValid('cidr', '10.0.0.0/8')).toBe(true);
    expect(formatValid('byte', 'aGVsbG8=')).toBe(true);
    expect(formatValid('byte', 'not base64!')).toBe(false);
    expect(formatValid('no-such-format', 'anything')).toBe(true);
  });
});
