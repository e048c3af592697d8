// Checks on a CRD's openAPIV3Schema, as apiextensions-apiserver runs them on
// create and update: the OpenAPI v3 subset CRDs may use, the structural-schema
// rules (every field typed, value validations in allOf/anyOf/oneOf/not only
// restricting what is specified outside them, metadata restricted to name and
// generateName…), and defaults that must be pruned and valid. Error paths and
// wording are kube's: `….openAPIV3Schema.properties[spec].type: Required value:
// must not be empty for specified object fields`.

import { fieldErrorMessage, type FieldError } from '../api/errors.js';
import { isObject } from '../api/types.js';
import { compilePattern, jsonEqual, pruneUnknownFields, validateValue } from './schema.js';
import type { JSONSchemaProps } from './types.js';

const OPENAPI_V3_TYPES = ['array', 'boolean', 'integer', 'number', 'object', 'string'];

type Level = 'root' | 'item' | 'field';

const required = (field: string, detail = ''): FieldError => ({ type: 'FieldValueRequired', field, ...(detail ? { detail } : {}) });
const forbidden = (field: string, detail: string): FieldError => ({ type: 'FieldValueForbidden', field, detail });
const invalidErr = (field: string, value: unknown, detail: string): FieldError => ({ type: 'FieldValueInvalid', field, value, detail });

function key(path: string, k: string): string {
  return `${path}.properties[${k}]`;
}

function props(s: JSONSchemaProps): Record<string, JSONSchemaProps> {
  return isObject(s.properties) ? (s.properties as Record<string, JSONSchemaProps>) : {};
}

function itemsSchema(s: JSONSchemaProps): JSONSchemaProps | undefined {
  return isObject(s.items) ? (s.items as JSONSchemaProps) : undefined;
}

function additionalSchema(s: JSONSchemaProps): JSONSchemaProps | undefined {
  return isObject(s.additionalProperties) ? (s.additionalProperties as JSONSchemaProps) : undefined;
}

function hasValueValidation(s: JSONSchemaProps): boolean {
  return (Array.isArray(s.allOf) && s.allOf.length > 0) || (Array.isArray(s.anyOf) && s.anyOf.length > 0) || (Array.isArray(s.oneOf) && s.oneOf.length > 0) || isObject(s.not);
}

// ---- the OpenAPI subset (ValidateCustomResourceDefinitionOpenAPISchema) ----------------------------------------------

/** The keywords and shapes a CRD schema may not use at all, anywhere. */
export function validateOpenApiSubset(s: JSONSchemaProps | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObject(s)) return errs;
  if (typeof s.type === 'string' && s.type !== '') {
    if (s.type === 'null') errs.push(forbidden(`${path}.type`, 'type cannot be set to null, use nullable as an alternative'));
    else if (!OPENAPI_V3_TYPES.includes(s.type)) {
      errs.push({ type: 'FieldValueNotSupported', field: `${path}.type`, value: s.type, detail: 'supported values: ' + OPENAPI_V3_TYPES.map((t) => JSON.stringify(t)).join(', ') });
    }
  }
  if (s.id) errs.push(forbidden(`${path}.id`, 'id is not supported'));
  if (s.additionalItems !== undefined) errs.push(forbidden(`${path}.additionalItems`, 'additionalItems is not supported'));
  if (isObject(s.patternProperties) && Object.keys(s.patternProperties).length > 0) errs.push(forbidden(`${path}.patternProperties`, 'patternProperties is not supported'));
  if (isObject(s.definitions) && Object.keys(s.definitions).length > 0) errs.push(forbidden(`${path}.definitions`, 'definitions is not supported'));
  if (s.dependencies !== undefined) errs.push(forbidden(`${path}.dependencies`, 'dependencies is not supported'));
  if (s.$ref !== undefined) errs.push(forbidden(`${path}.$ref`, '$ref is not supported'));
  if (Array.isArray(s.items)) errs.push(forbidden(`${path}.items`, 'items must be a schema object and not an array'));
  if (s.uniqueItems === true) errs.push(forbidden(`${path}.uniqueItems`, 'uniqueItems cannot be set to true since the runtime complexity becomes quadratic'));
  if (s.additionalProperties !== undefined && Object.keys(props(s)).length > 0 && (s.additionalProperties === false || isObject(s.additionalProperties))) {
    errs.push(forbidden(`${path}.additionalProperties`, 'additionalProperties and properties are mutual exclusive'));
  }
  if (s['x-kubernetes-preserve-unknown-fields'] === false) {
    errs.push(invalidErr(`${path}.x-kubernetes-preserve-unknown-fields`, false, 'must be true or undefined'));
  }
  const listType = s['x-kubernetes-list-type'] as unknown;
  if (listType !== undefined) {
    if (typeof listType !== 'string' || !['atomic', 'set', 'map'].includes(listType)) {
      errs.push({ type: 'FieldValueNotSupported', field: `${path}.x-kubernetes-list-type`, value: listType, detail: 'supported values: "atomic", "set", "map"' });
    } else if (s.type !== 'array') {
      errs.push(invalidErr(`${path}.x-kubernetes-list-type`, listType, 'must only be used on type array'));
    }
  }
  const mapKeys = s['x-kubernetes-list-map-keys'];
  if (listType === 'map' && (!Array.isArray(mapKeys) || mapKeys.length === 0)) {
    errs.push(required(`${path}.x-kubernetes-list-map-keys`, 'must not be empty if x-kubernetes-list-type is map'));
  }
  if (Array.isArray(mapKeys) && mapKeys.length > 0 && listType !== 'map') {
    errs.push(forbidden(`${path}.x-kubernetes-list-map-keys`, 'must be empty if x-kubernetes-list-type is not map'));
  }
  if (listType === 'map' && Array.isArray(mapKeys)) {
    const item = itemsSchema(s);
    if (item && item.type !== 'object') errs.push(invalidErr(`${path}.items.type`, item.type ?? '', 'must be object if parent array\'s x-kubernetes-list-type is map'));
    for (const k of mapKeys) {
      if (item && item.type === 'object' && !props(item)[k]) {
        errs.push(required(`${path}.items.properties[${k}]`, 'entries for x-kubernetes-list-map-keys must be specified'));
      }
    }
  }
  const mapType = s['x-kubernetes-map-type'];
  if (mapType !== undefined && mapType !== 'granular' && mapType !== 'atomic') {
    errs.push({ type: 'FieldValueNotSupported', field: `${path}.x-kubernetes-map-type`, value: mapType, detail: 'supported values: "granular", "atomic"' });
  }
  if (s['x-kubernetes-int-or-string'] === true && typeof s.type === 'string' && s.type !== '') {
    errs.push(invalidErr(`${path}.type`, s.type, 'must be empty if x-kubernetes-int-or-string is true'));
  }
  const additional = additionalSchema(s);
  if (additional) errs.push(...validateOpenApiSubset(additional, `${path}.additionalProperties`));
  for (const [k, p] of Object.entries(props(s))) errs.push(...validateOpenApiSubset(p, key(path, k)));
  if (isObject(s.not)) errs.push(...validateOpenApiSubset(s.not, `${path}.not`));
  for (const kw of ['allOf', 'oneOf', 'anyOf'] as const) {
    const list = s[kw];
    if (Array.isArray(list)) list.forEach((sub, i) => errs.push(...validateOpenApiSubset(sub, `${path}.${kw}[${i}]`)));
  }
  const items = itemsSchema(s);
  if (items) errs.push(...validateOpenApiSubset(items, `${path}.items`));
  return errs;
}

// ---- structural invariants (apiserver/schema/validation.go) ---------------------------------------------------------

const INT_OR_STRING_ANY_OF = (list: unknown): boolean =>
  Array.isArray(list) &&
  list.length === 2 &&
  jsonEqual(
    list.map((x) => (isObject(x) ? Object.fromEntries(Object.entries(x)) : x)),
    [{ type: 'integer' }, { type: 'string' }],
  );

/**
 * ValidateStructural: the schema is structural. Errors are sorted by message,
 * as kube sorts them (map iteration order would otherwise shuffle them).
 */
export function validateStructural(s: JSONSchemaProps, path: string): FieldError[] {
  const errs = [...invariants(s, 'root', path), ...completeness(s, path)];
  return errs.sort((a, b) => (fieldErrorMessage(a) < fieldErrorMessage(b) ? -1 : fieldErrorMessage(a) > fieldErrorMessage(b) ? 1 : 0));
}

function invariants(s: JSONSchemaProps | undefined, lvl: Level, path: string): FieldError[] {
  if (!isObject(s)) return [];
  const errs: FieldError[] = [];
  const type = typeof s.type === 'string' ? s.type : '';
  const intOrString = s['x-kubernetes-int-or-string'] === true;
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
  const embedded = s['x-kubernetes-embedded-resource'] === true;
  if (type === 'array' && !itemsSchema(s)) errs.push(required(`${path}.items`, 'must be specified'));
  errs.push(...invariants(itemsSchema(s), 'item', `${path}.items`));
  for (const [k, p] of Object.entries(props(s))) errs.push(...invariants(p, 'field', key(path, k)));
  if (s.additionalProperties !== undefined && s.additionalProperties !== false) {
    if (lvl === 'root') errs.push(forbidden(`${path}.additionalProperties`, 'must not be used at the root'));
    const a = additionalSchema(s);
    if (a) errs.push(...invariants(a, 'field', `${path}.additionalProperties`));
  }
  if (intOrString && preserve) errs.push(invalidErr(`${path}.x-kubernetes-preserve-unknown-fields`, true, 'must be false if x-kubernetes-int-or-string is true'));
  if (intOrString && embedded) errs.push(invalidErr(`${path}.x-kubernetes-embedded-resource`, true, 'must be false if x-kubernetes-int-or-string is true'));
  // Value validations: the int-or-string anyOf patterns are the two allowed exceptions.
  const skipAnyOf = INT_OR_STRING_ANY_OF(s.anyOf);
  const skipFirstAllOfAnyOf = Array.isArray(s.allOf) && s.allOf.length > 0 && isObject(s.allOf[0]) && INT_OR_STRING_ANY_OF(s.allOf[0].anyOf);
  errs.push(...valueValidation(s, skipAnyOf, skipFirstAllOfAnyOf, lvl, path));
  if (typeof s.pattern === 'string' && compilePattern(s.pattern) === null) {
    errs.push(invalidErr(`${path}.pattern`, s.pattern, 'must be a valid regular expression, but isn\'t'));
  }
  const checkMetadata = lvl === 'root' || embedded;
  if (embedded && type !== 'object') {
    if (type === '') errs.push(required(`${path}.type`, 'must be object if x-kubernetes-embedded-resource is true'));
    else errs.push(invalidErr(`${path}.type`, type, 'must be object if x-kubernetes-embedded-resource is true'));
  } else if (type === '' && !intOrString && !preserve) {
    const detail = lvl === 'root' ? 'must not be empty at the root' : lvl === 'item' ? 'must not be empty for specified array items' : 'must not be empty for specified object fields';
    errs.push(required(`${path}.type`, detail));
  }
  if (embedded && s.additionalProperties !== undefined && s.additionalProperties !== false) {
    errs.push(forbidden(`${path}.additionalProperties`, 'must not be used if x-kubernetes-embedded-resource is set'));
  }
  if (lvl === 'root' && type !== '' && type !== 'object') errs.push(invalidErr(`${path}.type`, type, 'must be object at the root'));
  const p = props(s);
  if (checkMetadata) {
    for (const f of ['kind', 'apiVersion']) {
      if (p[f] && p[f]!.type !== 'string') errs.push(invalidErr(`${key(path, f)}.type`, p[f]!.type ?? '', 'must be string'));
    }
  }
  if (p.metadata) errs.push(...metadataInvariants(p.metadata, checkMetadata, lvl, key(path, 'metadata')));
  if (embedded && !preserve && Object.keys(p).length === 0) {
    errs.push(required(`${path}.properties`, 'must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields'));
  }
  return errs;
}

function metadataInvariants(m: JSONSchemaProps, checkMetadata: boolean, lvl: Level, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (checkMetadata && m.type !== 'object') errs.push(invalidErr(`${path}.type`, m.type ?? '', 'must be object'));
  if (lvl === 'root') {
    // Only name and generateName may be restricted; anything else about metadata is the server's.
    const p = Object.keys(props(m));
    const onlyNames = p.every((k) => k === 'name' || k === 'generateName');
    const others = Object.keys(m).filter((k) => k !== 'type' && k !== 'default' && !(k === 'properties' && onlyNames) && !(k === 'properties' && p.length === 0));
    if (others.length > 0) errs.push(forbidden(path, 'must not specify anything other than name and generateName, but metadata is implicitly specified'));
  }
  return errs;
}

function valueValidation(s: JSONSchemaProps, skipAnyOf: boolean, skipFirstAllOfAnyOf: boolean, lvl: Level, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!skipAnyOf && Array.isArray(s.anyOf)) s.anyOf.forEach((n, i) => errs.push(...nested(n, false, lvl, `${path}.anyOf[${i}]`)));
  if (Array.isArray(s.allOf)) s.allOf.forEach((n, i) => errs.push(...nested(n, skipFirstAllOfAnyOf && i === 0, lvl, `${path}.allOf[${i}]`)));
  if (Array.isArray(s.oneOf)) s.oneOf.forEach((n, i) => errs.push(...nested(n, false, lvl, `${path}.oneOf[${i}]`)));
  if (isObject(s.not)) errs.push(...nested(s.not, false, lvl, `${path}.not`));
  return errs;
}

/** A schema under allOf/anyOf/oneOf/not: value validations only. */
function nested(v: JSONSchemaProps | undefined, skipAnyOf: boolean, lvl: Level, path: string): FieldError[] {
  if (!isObject(v)) return [];
  const errs: FieldError[] = [];
  errs.push(...valueValidation(v, skipAnyOf, false, lvl, path));
  errs.push(...nested(itemsSchema(v), false, lvl, `${path}.items`));
  for (const [k, p] of Object.entries(props(v))) errs.push(...nested(p, false, 'field', key(path, k)));
  if (typeof v.type === 'string' && v.type !== '') errs.push(forbidden(`${path}.type`, 'must be empty to be structural'));
  if (v.additionalProperties !== undefined) errs.push(forbidden(`${path}.additionalProperties`, 'must be undefined to be structural'));
  if (v.default !== undefined) errs.push(forbidden(`${path}.default`, 'must be undefined to be structural'));
  if (v.title) errs.push(forbidden(`${path}.title`, 'must be empty to be structural'));
  if (v.description) errs.push(forbidden(`${path}.description`, 'must be empty to be structural'));
  if (v.nullable === true) errs.push(forbidden(`${path}.nullable`, 'must be false to be structural'));
  if (v.externalDocs !== undefined) errs.push(forbidden(`${path}.externalDocs`, 'must be undefined to be structural'));
  if (v['x-kubernetes-preserve-unknown-fields'] === true) errs.push(forbidden(`${path}.x-kubernetes-preserve-unknown-fields`, 'must be false to be structural'));
  if (v['x-kubernetes-embedded-resource'] === true) errs.push(forbidden(`${path}.x-kubernetes-embedded-resource`, 'must be false to be structural'));
  if (v['x-kubernetes-int-or-string'] === true) errs.push(forbidden(`${path}.x-kubernetes-int-or-string`, 'must be false to be structural'));
  if (Array.isArray(v['x-kubernetes-list-map-keys']) && v['x-kubernetes-list-map-keys'].length > 0) {
    errs.push(forbidden(`${path}.x-kubernetes-list-map-keys`, 'must be empty to be structural'));
  }
  if (v['x-kubernetes-list-type'] !== undefined) errs.push(forbidden(`${path}.x-kubernetes-list-type`, 'must be undefined to be structural'));
  if (v['x-kubernetes-map-type'] !== undefined) errs.push(forbidden(`${path}.x-kubernetes-map-type`, 'must be undefined to be structural'));
  if (Array.isArray(v['x-kubernetes-validations']) && v['x-kubernetes-validations'].length > 0) {
    errs.push(forbidden(`${path}.x-kubernetes-validations`, 'must be empty to be structural'));
  }
  if (props(v).metadata) errs.push(forbidden(key(path, 'metadata'), 'must not be specified in a nested context'));
  return errs;
}

// ---- completeness: what value validations name must exist in the structure -------------------------------------------

function completeness(s: JSONSchemaProps | undefined, path: string): FieldError[] {
  if (!isObject(s)) return [];
  const errs: FieldError[] = [];
  const check = (v: JSONSchemaProps | undefined, vPath: string) => errs.push(...nestedCompleteness(v, s, path, vPath));
  if (isObject(s.not)) check(s.not, `${path}.not`);
  for (const kw of ['allOf', 'anyOf', 'oneOf'] as const) {
    const list = s[kw];
    if (Array.isArray(list)) list.forEach((v, i) => check(v, `${path}.${kw}[${i}]`));
  }
  // Every structural node's own value validations are checked against that node.
  for (const [k, p] of Object.entries(props(s))) errs.push(...completeness(p, key(path, k)));
  const items = itemsSchema(s);
  if (items) errs.push(...completeness(items, `${path}.items`));
  const a = additionalSchema(s);
  if (a) errs.push(...completeness(a, `${path}.additionalProperties`));
  return errs;
}

function nestedCompleteness(v: JSONSchemaProps | undefined, s: JSONSchemaProps | undefined, sPath: string, vPath: string): FieldError[] {
  if (!isObject(v)) return [];
  if (!isObject(s)) return [required(sPath, `because it is defined in ${vPath}`)];
  const errs: FieldError[] = [];
  if (isObject(v.not)) errs.push(...nestedCompleteness(v.not, s, sPath, `${vPath}.not`));
  for (const kw of ['allOf', 'anyOf', 'oneOf'] as const) {
    const list = v[kw];
    if (Array.isArray(list)) list.forEach((x, i) => errs.push(...nestedCompleteness(x, s, sPath, `${vPath}.${kw}[${i}]`)));
  }
  if (isObject(v.items)) errs.push(...nestedCompleteness(v.items as JSONSchemaProps, itemsSchema(s), `${sPath}.items`, `${vPath}.items`));
  const sProps = props(s);
  for (const [k, vf] of Object.entries(props(v))) {
    const sf = sProps[k];
    if (!sf) errs.push(required(key(sPath, k), `because it is defined in ${key(vPath, k)}`));
    else errs.push(...nestedCompleteness(vf, sf, key(sPath, k), key(vPath, k)));
  }
  return errs;
}

// ---- defaults ---------------------------------------------------------------------------------------------------------

/**
 * Every `default` must already be pruned and must validate against its own
 * schema (kube refuses a CRD whose defaults would produce invalid objects).
 */
export function validateDefaults(s: JSONSchemaProps, path: string): FieldError[] {
  const errs: FieldError[] = [];
  walkDefaults(s, path, '', errs, true);
  return errs;
}

function walkDefaults(s: JSONSchemaProps | undefined, path: string, objPath: string, errs: FieldError[], root: boolean): void {
  if (!isObject(s)) return;
  if (s.default !== undefined) {
    if (root) {
      errs.push(forbidden(`${path}.default`, 'must not be set at the root'));
    } else if (s.default === null && s.nullable !== true) {
      errs.push(invalidErr(`${path}.default`, null, 'must not be null for non-nullable field'));
    } else {
      const copy = structuredClone(s.default);
      const pruned = pruneUnknownFields(copy, s, { isResourceRoot: false });
      if (pruned.length > 0) {
        errs.push(invalidErr(`${path}.default`, s.default, `must not have unknown fields, got: ${pruned.join(', ')}`));
      } else {
        for (const e of validateValue(copy, s, { isResourceRoot: false, path: objPath })) {
          errs.push(invalidErr(`${path}.default`, s.default, fieldErrorMessage(e)));
        }
      }
    }
  }
  for (const [k, p] of Object.entries(props(s))) {
    if (root && k === 'metadata') {
      if (isObject(p) && p.default !== undefined) errs.push(forbidden(`${key(path, k)}.default`, 'must not be set for metadata'));
      continue;
    }
    walkDefaults(p, key(path, k), objPath ? `${objPath}.${k}` : k, errs, false);
  }
  walkDefaults(itemsSchema(s), `${path}.items`, `${objPath}[0]`, errs, false);
  walkDefaults(additionalSchema(s), `${path}.additionalProperties`, objPath, errs, false);
}

export { hasValueValidation };
