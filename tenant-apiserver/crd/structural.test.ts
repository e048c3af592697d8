import { describe, expect, it } from 'vitest';
import { fieldErrorMessage } from '../api/errors.js';
import { validateDefaults, validateOpenApiSubset, validateStructural } from './structural.js';
import type { JSONSchemaProps } from './types.js';

const P = 'spec.versions[0].schema.openAPIV3Schema';
const structural = (s: JSONSchemaProps) => validateStructural(s, P).map(fieldErrorMessage);
const subset = (s: JSONSchemaProps) => validateOpenApiSubset(s, P).map(fieldErrorMessage);
const defaults = (s: JSONSchemaProps) => validateDefaults(s, P).map(fieldErrorMessage);

describe('structural schemas', () => {
  it('accepts a typical structural schema, including the int-or-string anyOf pattern', () => {
    expect(
      structural({
        type: 'object',
        properties: {
          apiVersion: { type: 'string' },
          metadata: { type: 'object', properties: { name: { type: 'string', maxLength: 10 } } },
          spec: {
            type: 'object',
            properties: {
              port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
              list: { type: 'array', items: { type: 'string' } },
              free: { 'x-kubernetes-preserve-unknown-fields': true },
              choice: { type: 'string', oneOf: [{ pattern: '^a' }, { pattern: '^b' }] },
            },
          },
        },
      }),
    ).toEqual([]);
  });

  it('requires types everywhere, with kube\'s per-level wording', () => {
    expect(structural({ properties: { spec: { properties: { a: { type: 'string' } } }, list: { type: 'array', items: {} } } })).toEqual([
      `${P}.properties[list].items.type: Required value: must not be empty for specified array items`,
      `${P}.properties[spec].type: Required value: must not be empty for specified object fields`,
      `${P}.type: Required value: must not be empty at the root`,
    ]);
    expect(structural({ type: 'object', properties: { list: { type: 'array' } } })).toEqual([`${P}.properties[list].items: Required value: must be specified`]);
    expect(structural({ type: 'string' })).toEqual([`${P}.type: Invalid value: "string": must be object at the root`]);
  });

  it('keeps value validations free of structure and complete', () => {
    expect(
      structural({
        type: 'object',
        properties: { spec: { type: 'object', properties: { a: { type: 'string' } }, anyOf: [{ type: 'object', properties: { b: { description: 'x' } } }] } },
      }),
    ).toEqual([
      `${P}.properties[spec].anyOf[0].properties[b].description: Forbidden: must be empty to be structural`,
      `${P}.properties[spec].anyOf[0].type: Forbidden: must be empty to be structural`,
      `${P}.properties[spec].properties[b]: Required value: because it is defined in ${P}.properties[spec].anyOf[0].properties[b]`,
    ]);
    expect(structural({ type: 'object', allOf: [{ properties: { metadata: { maxLength: 3 } } }] })).toEqual([
      `${P}.allOf[0].properties[metadata]: Forbidden: must not be specified in a nested context`,
      `${P}.properties[metadata]: Required value: because it is defined in ${P}.allOf[0].properties[metadata]`,
    ]);
  });

  it('restricts metadata, additionalProperties at the root and embedded resources', () => {
    expect(structural({ type: 'object', properties: { metadata: { type: 'object', properties: { labels: { type: 'object' } } } } })).toEqual([
      `${P}.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified`,
    ]);
    expect(structural({ type: 'object', additionalProperties: { type: 'string' } })).toEqual([`${P}.additionalProperties: Forbidden: must not be used at the root`]);
    expect(structural({ type: 'object', properties: { t: { type: 'string', 'x-kubernetes-embedded-resource': true } } })).toEqual([
      `${P}.properties[t].properties: Required value: must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields`,
      `${P}.properties[t].type: Invalid value: "string": must be object if x-kubernetes-embedded-resource is true`,
    ]);
    expect(structural({ type: 'object', properties: { p: { 'x-kubernetes-int-or-string': true, 'x-kubernetes-preserve-unknown-fields': true } } })).toEqual([
      `${P}.properties[p].x-kubernetes-preserve-unknown-fields: Invalid value: true: must be false if x-kubernetes-int-or-string is true`,
    ]);
  });
});

describe('the OpenAPI subset CRDs may use', () => {
  it('forbids unsupported keywords and shapes', () => {
    expect(
      subset({
        type: 'object',
        properties: {
          a: { $ref: '#/definitions/x' },
          b: { type: 'array', uniqueItems: true, items: { type: 'string' } },
          c: { type: 'object', properties: { x: { type: 'string' } }, additionalProperties: { type: 'string' } },
          d: { type: 'null' },
          e: { type: 'str' },
          f: { type: 'array', items: [{ type: 'string' }] as unknown as JSONSchemaProps },
          g: { type: 'string', 'x-kubernetes-preserve-unknown-fields': false },
          h: { type: 'array', 'x-kubernetes-list-type': 'map', items: { type: 'object', properties: {} } },
        },
      }),
    ).toEqual([
      `${P}.properties[a].$ref: Forbidden: $ref is not supported`,
      `${P}.properties[b].uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic`,
      `${P}.properties[c].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive`,
      `${P}.properties[d].type: Forbidden: type cannot be set to null, use nullable as an alternative`,
      `${P}.properties[e].type: Unsupported value: "str": supported values: "array", "boolean", "integer", "number", "object", "string"`,
      `${P}.properties[f].items: Forbidden: items must be a schema object and not an array`,
      `${P}.properties[g].x-kubernetes-preserve-unknown-fields: Invalid value: false: must be true or undefined`,
      `${P}.properties[h].x-kubernetes-list-map-keys: Required value: must not be empty if x-kubernetes-list-type is map`,
    ]);
  });
});

describe('defaults', () => {
  it('must validate against their schema and be pruned', () => {
    expect(
      defaults({
        type: 'object',
        properties: {
          spec: {
            type: 'object',
            properties: {
              replicas: { type: 'integer', default: 'one' },
              size: { type: 'string', enum: ['s', 'm'], default: 'm' },
              obj: { type: 'object', properties: { a: { type: 'string' } }, default: { a: 'x', b: 'y' } },
            },
          },
        },
      }),
    ).toEqual([
      `${P}.properties[spec].properties[replicas].default: Invalid value: "one": spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"`,
      `${P}.properties[spec].properties[obj].default: Invalid value: {"a":"x","b":"y"}: must not have unknown fields, got: b`,
    ]);
  });
});
