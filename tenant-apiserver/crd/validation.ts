// CustomResourceDefinition validation (apiextensions.k8s.io/v1), with kube's
// field paths and wording: names, group, scope, versions (exactly one storage
// version, schemas required and structural), subresources, printer columns,
// selectable fields, conversion, API approval for protected groups, stored
// versions and the immutable fields of an update. Name collisions with other
// CRDs and built-in resources are refused at create (kube would accept the
// object and report NamesAccepted=False; refusing says plainly what collides).

import type { FieldError } from '../api/errors.js';
import type { ResourceInfo } from '../api/registry.js';
import { isObject } from '../api/types.js';
import { dns1035LabelErrors, dns1123SubdomainErrors } from '../api/validation/names.js';
import { validateDefaults, validateOpenApiSubset, validateStructural } from './structural.js';
import { parseJsonPath } from './jsonpath.js';
import {
  isConditionTrue,
  objectOr,
  schemaOf,
  specOf,
  versionsOf,
  type CRDNames,
  type CRDVersion,
  type CustomResourceDefinition,
  type JSONSchemaProps,
  type PrinterColumn,
} from './types.js';

const PRINTER_COLUMN_TYPES = ['boolean', 'date', 'integer', 'number', 'string'];
const PRINTER_COLUMN_FORMATS = ['byte', 'date', 'date-time', 'double', 'float', 'int32', 'int64', 'password'];
const MAX_SELECTABLE_FIELDS = 8;
const API_APPROVAL_ANNOTATION = 'api-approved.kubernetes.io';
const FIELD_IMMUTABLE = 'field is immutable';

const required = (field: string, detail = ''): FieldError => ({ type: 'FieldValueRequired', field, ...(detail ? { detail } : {}) });
const invalid = (field: string, value: unknown, detail: string): FieldError => ({ type: 'FieldValueInvalid', field, value, detail });
const forbidden = (field: string, detail: string): FieldError => ({ type: 'FieldValueForbidden', field, detail });
const notSupported = (field: string, value: unknown, supported: string[]): FieldError => ({
  type: 'FieldValueNotSupported',
  field,
  value,
  detail: 'supported values: ' + supported.map((s) => JSON.stringify(s)).join(', '),
});

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** kube prints the versions list with %#v; a compact JSON rendering carries the same facts. */
function versionsValue(versions: CRDVersion[]): string {
  return JSON.stringify(versions.map((v) => ({ name: v.name, served: v.served, storage: v.storage })));
}

function invalidVersions(versions: CRDVersion[], detail: string): FieldError {
  return { type: 'FieldValueInvalid', field: 'spec.versions', detail: `${versionsValue(versions)}: ${detail}` };
}

export function validateNames(names: CRDNames, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const dns1035 = (field: string, v: unknown) => {
    const s = str(v);
    const e = dns1035LabelErrors(s);
    if (s && e.length) errs.push(invalid(field, s, e.join(',')));
  };
  dns1035(`${path}.plural`, names.plural);
  dns1035(`${path}.singular`, names.singular);
  for (const f of ['kind', 'listKind'] as const) {
    const s = str(names[f]);
    const e = dns1035LabelErrors(s.toLowerCase());
    if (s && e.length) errs.push(invalid(`${path}.${f}`, s, 'may have mixed case, but should otherwise match: ' + e.join(',')));
  }
  (Array.isArray(names.shortNames) ? names.shortNames : []).forEach((n, i) => {
    const e = dns1035LabelErrors(str(n));
    if (e.length) errs.push(invalid(`${path}.shortNames[${i}]`, n, e.join(',')));
  });
  if (names.kind && names.kind === names.listKind) errs.push(invalid(`${path}.listKind`, names.listKind, 'kind and listKind may not be the same'));
  (Array.isArray(names.categories) ? names.categories : []).forEach((n, i) => {
    const e = dns1035LabelErrors(str(n));
    if (e.length) errs.push(invalid(`${path}.categories[${i}]`, n, e.join(',')));
  });
  return errs;
}

/** validateSimpleJSONPath plus: the path must parse as a JSONPath. */
function validateSimpleJsonPath(p: string, field: string): FieldError[] {
  if (p.length === 0) return [invalid(field, p, 'must not be empty')];
  if (p[0] !== '.') return [invalid(field, p, 'must be a simple json path starting with .')];
  try {
    parseJsonPath(p);
  } catch (e) {
    return [invalid(field, p, `must be a valid json path: ${(e as Error).message}`)];
  }
  return [];
}

function validatePrinterColumn(c: PrinterColumn, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!c.name) errs.push(required(`${path}.name`));
  if (!c.type) errs.push(required(`${path}.type`, `must be one of ${PRINTER_COLUMN_TYPES.join(',')}`));
  else if (!PRINTER_COLUMN_TYPES.includes(c.type)) errs.push(invalid(`${path}.type`, c.type, `must be one of ${PRINTER_COLUMN_TYPES.join(',')}`));
  if (c.format && !PRINTER_COLUMN_FORMATS.includes(c.format)) errs.push(invalid(`${path}.format`, c.format, `must be one of ${PRINTER_COLUMN_FORMATS.join(',')}`));
  if (!c.jsonPath) errs.push(required(`${path}.JSONPath`));
  else errs.push(...validateSimpleJsonPath(c.jsonPath, `${path}.JSONPath`));
  return errs;
}

function validateSubresources(sr: CRDVersion['subresources'], path: string): FieldError[] {
  const errs: FieldError[] = [];
  const sc = objectOr(objectOr(sr)?.scale);
  if (!sc) return errs;
  const check = (field: string, v: string | undefined, prefixes: string[], detail: string, need: boolean) => {
    const f = `${path}.scale.${field}`;
    if (!v) {
      if (need) errs.push(required(f));
      return;
    }
    const e = validateSimpleJsonPath(v, f);
    if (e.length) errs.push(...e);
    else if (!prefixes.some((p) => v.startsWith(p))) errs.push(invalid(f, v, detail));
  };
  check('specReplicasPath', sc.specReplicasPath, ['.spec.'], 'should be a json path under .spec', true);
  check('statusReplicasPath', sc.statusReplicasPath, ['.status.'], 'should be a json path under .status', true);
  check('labelSelectorPath', sc.labelSelectorPath, ['.spec.', '.status.'], 'should be a json path under either .spec or .status', false);
  return errs;
}

/** The schema node a simple `.a.b` path names, if the schema specifies it. */
function schemaAt(s: JSONSchemaProps | undefined, p: string): JSONSchemaProps | undefined {
  let cur = s;
  for (const seg of p.replace(/^\./, '').split('.')) {
    if (!cur || !seg) return undefined;
    cur = isObject(cur.properties) ? cur.properties[seg] : isObject(cur.additionalProperties) ? (cur.additionalProperties as JSONSchemaProps) : undefined;
  }
  return cur;
}

function validateSelectableFields(v: CRDVersion, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const list = Array.isArray(v.selectableFields) ? v.selectableFields : [];
  if (list.length === 0) return errs;
  const schema = schemaOf(v);
  const seen = new Set<string>();
  list.forEach((f, i) => {
    const field = `${path}.selectableFields[${i}].jsonPath`;
    const jp = str(f?.jsonPath);
    if (!jp) return errs.push(required(field));
    const e = validateSimpleJsonPath(jp, field);
    if (e.length) return errs.push(...e);
    const node = schemaAt(schema, jp);
    if (!node) return errs.push(invalid(field, jp, 'is an invalid path: does not refer to a valid field'));
    if (!['string', 'boolean', 'integer'].includes(str(node.type))) {
      errs.push(invalid(field, jp, 'must point to a field of type string, boolean or integer. Enum string fields and strings with formats are allowed.'));
    }
    if (seen.has(jp)) errs.push({ type: 'FieldValueDuplicate', field, value: jp });
    seen.add(jp);
    return undefined;
  });
  if (list.length > MAX_SELECTABLE_FIELDS) {
    errs.push({ type: 'FieldValueTooMany', field: `${path}.selectableFields`, value: list.length, detail: `must have at most ${MAX_SELECTABLE_FIELDS} items` });
  }
  return errs;
}

function validateSchema(v: CRDVersion, path: string): FieldError[] {
  const schema = schemaOf(v);
  const schemaPath = `${path}.schema.openAPIV3Schema`;
  if (!schema) return [required(schemaPath, 'schemas are required')];
  const subset = validateOpenApiSubset(schema, schemaPath);
  const structural = validateStructural(schema, schemaPath);
  const errs = [...subset, ...structural];
  // Defaults can only be judged against a well-formed schema.
  if (errs.length === 0) errs.push(...validateDefaults(schema, schemaPath));
  return errs;
}

function isProtectedGroup(group: string): boolean {
  return group === 'k8s.io' || group.endsWith('.k8s.io') || group === 'kubernetes.io' || group.endsWith('.kubernetes.io');
}

function validateApiApproval(crd: CustomResourceDefinition): FieldError[] {
  const group = str(specOf(crd).group);
  if (!isProtectedGroup(group)) return [];
  const ann = crd.metadata?.annotations?.[API_APPROVAL_ANNOTATION];
  const field = `metadata.annotations[${API_APPROVAL_ANNOTATION}]`;
  if (ann === undefined) {
    return [required(field, `protected groups must have approval annotation "${API_APPROVAL_ANNOTATION}", see https://github.com/kubernetes/enhancements/pull/1111`)];
  }
  if (ann.startsWith('unapproved')) return [];
  try {
    new URL(ann);
    return [];
  } catch {
    return [invalid(field, ann, 'protected groups must have approval annotation "api-approved.kubernetes.io" with either a URL or a reason starting with "unapproved", see https://github.com/kubernetes/enhancements/pull/1111')];
  }
}

/** ValidateCustomResourceDefinition (create). */
export function validateCrd(crd: CustomResourceDefinition): FieldError[] {
  const errs: FieldError[] = [];
  const spec = specOf(crd);
  const names: CRDNames = objectOr(spec.names) ?? {};
  const group = str(spec.group);
  const name = str(crd.metadata?.name);
  if (name && name !== `${str(names.plural)}.${group}`) errs.push(invalid('metadata.name', name, 'must be spec.names.plural+"."+spec.group'));
  if (!group) errs.push(required('spec.group'));
  else {
    const e = dns1123SubdomainErrors(group);
    if (e.length) errs.push(invalid('spec.group', group, e.join(',')));
    else if (group.split('.').length < 2) errs.push(invalid('spec.group', group, 'should be a domain with at least one dot'));
  }
  const scope = str(spec.scope);
  if (!scope) errs.push(required('spec.scope'));
  else if (scope !== 'Cluster' && scope !== 'Namespaced') errs.push(notSupported('spec.scope', scope, ['Cluster', 'Namespaced']));
  const versions = versionsOf(crd);
  let storage = 0;
  let served = 0;
  const seen = new Set<string>();
  let unique = true;
  versions.forEach((v, i) => {
    const path = `spec.versions[${i}]`;
    if (v.storage === true) storage++;
    if (v.served === true) served++;
    const vn = str(v.name);
    if (seen.has(vn)) unique = false;
    seen.add(vn);
    const e = dns1035LabelErrors(vn);
    if (e.length) errs.push(invalid(`${path}.name`, vn, e.join(',')));
    if (v.deprecationWarning !== undefined) {
      if (!v.deprecated) errs.push(invalid(`${path}.deprecationWarning`, v.deprecationWarning, 'can only be set for deprecated versions'));
      else if (v.deprecationWarning.length > 256) errs.push(invalid(`${path}.deprecationWarning`, v.deprecationWarning, 'must be <= 256 characters long'));
      else if (v.deprecationWarning.length === 0) errs.push(invalid(`${path}.deprecationWarning`, v.deprecationWarning, 'must not be an empty string'));
    }
    errs.push(...validateSchema(v, path));
    errs.push(...validateSubresources(v.subresources, `${path}.subresources`));
    (Array.isArray(v.additionalPrinterColumns) ? v.additionalPrinterColumns : []).forEach((c, j) =>
      errs.push(...validatePrinterColumn(isObject(c) ? c : {}, `${path}.additionalPrinterColumns[${j}]`)),
    );
    errs.push(...validateSelectableFields(v, path));
  });
  if (!unique) errs.push(invalidVersions(versions, 'must contain unique version names'));
  if (storage !== 1) errs.push(invalidVersions(versions, 'must have exactly one version marked as storage version'));
  if (versions.length > 0 && served === 0) errs.push(invalidVersions(versions, 'must have at least one version marked as served'));
  if (!names.plural) errs.push(required('spec.names.plural'));
  if (!names.singular) errs.push(required('spec.names.singular'));
  if (!names.kind) errs.push(required('spec.names.kind'));
  if (!names.listKind) errs.push(required('spec.names.listKind'));
  errs.push(...validateNames(names, 'spec.names'));
  const conv = isObject(spec.conversion) ? spec.conversion : undefined;
  if (conv) {
    const strategy = str(conv.strategy);
    if (!strategy) errs.push(required('spec.conversion.strategy'));
    else if (strategy !== 'None' && strategy !== 'Webhook') errs.push(notSupported('spec.conversion.strategy', strategy, ['None', 'Webhook']));
    else if (strategy === 'Webhook' && !isObject(conv.webhook)) errs.push(required('spec.conversion.webhook', 'required when strategy is set to Webhook'));
    else if (strategy === 'None' && conv.webhook !== undefined) errs.push(forbidden('spec.conversion.webhook', 'should not be set when strategy is not set to Webhook'));
  }
  if (spec.preserveUnknownFields === true) {
    errs.push(invalid('spec.preserveUnknownFields', true, 'cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead'));
  }
  const status = isObject(crd.status) ? crd.status : {};
  if (isObject(status.acceptedNames)) errs.push(...validateNames(status.acceptedNames, 'status.acceptedNames'));
  errs.push(...validateStoredVersions(crd));
  errs.push(...validateApiApproval(crd));
  return errs;
}

function validateStoredVersions(crd: CustomResourceDefinition): FieldError[] {
  const stored = Array.isArray(crd.status?.storedVersions) ? crd.status!.storedVersions! : [];
  if (stored.length === 0) return [invalid('status.storedVersions', stored, 'must have at least one stored version')];
  const errs: FieldError[] = [];
  const names = new Set(versionsOf(crd).map((v) => v.name));
  for (const v of versionsOf(crd)) if (v.storage && !stored.includes(v.name!)) errs.push(invalid('status.storedVersions', stored, `must have the storage version ${v.name}`));
  stored.forEach((v, i) => {
    if (!names.has(v)) {
      errs.push(
        invalid(
          `status.storedVersions[${i}]`,
          v,
          `missing from spec.versions; ${v} was previously a storage version, and must remain in spec.versions until a storage migration ensures no data remains persisted in ${v} and removes ${v} from status.storedVersions`,
        ),
      );
    }
  });
  return errs;
}

/** ValidateCustomResourceDefinitionUpdate. */
export function validateCrdUpdate(crd: CustomResourceDefinition, old: CustomResourceDefinition): FieldError[] {
  const errs = validateCrd(crd);
  const spec = specOf(crd);
  const oldSpec = specOf(old);
  const immutable = (field: string, a: unknown, b: unknown) => {
    if (a !== b) errs.push(invalid(field, a ?? '', FIELD_IMMUTABLE));
  };
  if (isConditionTrue(old, 'Established')) {
    immutable('spec.scope', spec.scope, oldSpec.scope);
    immutable('spec.names.kind', spec.names?.kind, oldSpec.names?.kind);
  }
  immutable('spec.group', spec.group, oldSpec.group);
  immutable('spec.names.plural', spec.names?.plural, oldSpec.names?.plural);
  return errs;
}

/** Status writes validate accepted names only. */
export function validateCrdStatus(crd: CustomResourceDefinition): FieldError[] {
  const status = isObject(crd.status) ? crd.status : {};
  return isObject(status.acceptedNames) ? validateNames(status.acceptedNames, 'status.acceptedNames') : [];
}

// ---- name collisions ------------------------------------------------------------------------------------------------

/** Names other definitions claim: their spec names and their accepted names. */
function claimedNames(crd: CustomResourceDefinition): { resources: Set<string>; kinds: Set<string>; shortNames: Set<string> } {
  const resources = new Set<string>();
  const kinds = new Set<string>();
  const shortNames = new Set<string>();
  for (const raw of [crd.spec?.names, crd.status?.acceptedNames]) {
    const n = objectOr(raw);
    if (!n) continue;
    for (const r of [n.plural, n.singular]) if (r) resources.add(r);
    for (const s of Array.isArray(n.shortNames) ? n.shortNames : []) {
      resources.add(s);
      shortNames.add(s);
    }
    for (const k of [n.kind, n.listKind]) if (k) kinds.add(k);
  }
  return { resources, kinds, shortNames };
}

/**
 * Why a new CRD's names cannot be used: the same plural/singular/short name or
 * kind as another CRD of its group, a short name any other resource already
 * answers to (kubectl resolves short names across groups), or a built-in
 * resource of the same group.
 */
export function nameCollisions(crd: CustomResourceDefinition, others: readonly CustomResourceDefinition[], builtins: readonly ResourceInfo[]): FieldError[] {
  const errs: FieldError[] = [];
  const spec = specOf(crd);
  const group = str(spec.group);
  const names: CRDNames = objectOr(spec.names) ?? {};
  const self = str(crd.metadata?.name);
  const shortNames = Array.isArray(names.shortNames) ? names.shortNames : [];
  const seenErr = new Set<string>();
  const push = (field: string, value: string, by: string) => {
    if (seenErr.has(field)) return;
    seenErr.add(field);
    errs.push(invalid(field, value, `${JSON.stringify(value)} is already in use by ${by}`));
  };
  for (const o of others) {
    const oname = str(o.metadata?.name);
    if (!oname || oname === self) continue;
    const by = `customresourcedefinition ${JSON.stringify(oname)}`;
    const claimed = claimedNames(o);
    if (str(o.spec?.group) === group) {
      if (names.plural && claimed.resources.has(names.plural)) push('spec.names.plural', names.plural, by);
      if (names.singular && claimed.resources.has(names.singular)) push('spec.names.singular', names.singular, by);
      shortNames.forEach((s, i) => claimed.resources.has(s) && push(`spec.names.shortNames[${i}]`, s, by));
      if (names.kind && claimed.kinds.has(names.kind)) push('spec.names.kind', names.kind, by);
      if (names.listKind && claimed.kinds.has(names.listKind)) push('spec.names.listKind', names.listKind, by);
    } else {
      shortNames.forEach((s, i) => claimed.shortNames.has(s) && push(`spec.names.shortNames[${i}]`, s, `${by} as a short name`));
    }
  }
  for (const b of builtins) {
    if (b.custom) continue;
    const gv = b.group ? `${b.resource}.${b.group}` : b.resource;
    const by = `the built-in resource ${JSON.stringify(gv)}`;
    shortNames.forEach((s, i) => {
      if (b.shortNames.includes(s)) push(`spec.names.shortNames[${i}]`, s, `${by} as a short name`);
      else if (s === b.resource || s === b.singular) push(`spec.names.shortNames[${i}]`, s, by);
    });
    if (b.group === group) {
      if (names.plural === b.resource || names.plural === b.singular) push('spec.names.plural', names.plural, by);
      if (names.singular && (names.singular === b.resource || names.singular === b.singular)) push('spec.names.singular', names.singular, by);
      if (names.kind === b.kind || names.kind === b.listKind) push('spec.names.kind', names.kind, by);
      if (names.listKind && (names.listKind === b.kind || names.listKind === b.listKind)) push('spec.names.listKind', names.listKind, by);
    }
  }
  return errs;
}
