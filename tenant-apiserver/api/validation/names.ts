// Name and metadata rules from k8s.io/apimachinery/pkg/util/validation, with
// kube's messages (kubectl users search for these strings).

import type { FieldError } from '../errors.js';
import type { NameRule } from '../strategy.js';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export function dns1123LabelErrors(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push('must be no more than 63 characters');
  if (!DNS1123_LABEL.test(v)) {
    errs.push(
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    );
  }
  return errs;
}

export function dns1123SubdomainErrors(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 253) errs.push('must be no more than 253 characters');
  if (!DNS1123_SUBDOMAIN.test(v)) {
    errs.push(
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    );
  }
  return errs;
}

export function dns1035LabelErrors(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push('must be no more than 63 characters');
  if (!DNS1035_LABEL.test(v)) {
    errs.push(
      "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
    );
  }
  return errs;
}

export function pathSegmentErrors(v: string): string[] {
  if (v === '.' || v === '..') return [`may not be '${v}'`];
  if (v.includes('/')) return ["may not contain '/'"];
  if (v.includes('%')) return ["may not contain '%'"];
  return [];
}

export function nameErrors(rule: NameRule, name: string): string[] {
  switch (rule) {
    case 'label':
      return dns1123LabelErrors(name);
    case 'label1035':
      return dns1035LabelErrors(name);
    case 'path':
      return pathSegmentErrors(name);
    case 'none':
      return [];
    default:
      return dns1123SubdomainErrors(name);
  }
}

/** Label/annotation key: optional DNS-subdomain prefix, then a qualified name. */
export function qualifiedNameErrors(key: string): string[] {
  const parts = key.split('/');
  let name = key;
  const errs: string[] = [];
  if (parts.length === 2) {
    const [prefix, n] = parts as [string, string];
    name = n;
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else errs.push(...dns1123SubdomainErrors(prefix).map((e) => 'prefix part ' + e));
  } else if (parts.length > 2) {
    return [
      "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (name.length > 63) errs.push('name part must be no more than 63 characters');
  if (name.length > 0 && !QUALIFIED_NAME.test(name)) {
    errs.push(
      "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    );
  }
  return errs;
}

export function labelValueErrors(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push('must be no more than 63 characters');
  if (!LABEL_VALUE.test(v)) {
    errs.push(
      "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
    );
  }
  return errs;
}

const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

/** Generic ObjectMeta validation (ValidateObjectMeta). */
export function validateObjectMeta(
  meta: Record<string, unknown>,
  opts: { namespaced: boolean; nameRule: NameRule },
): FieldError[] {
  const errs: FieldError[] = [];
  const name = meta.name;
  if (typeof name !== 'string' || name === '') {
    if (!meta.generateName) errs.push({ type: 'FieldValueRequired', field: 'metadata.name', detail: 'name or generateName is required' });
  } else {
    for (const msg of nameErrors(opts.nameRule, name)) errs.push({ type: 'FieldValueInvalid', field: 'metadata.name', value: name, detail: msg });
  }
  if (opts.namespaced) {
    if (typeof meta.namespace !== 'string' || meta.namespace === '') errs.push({ type: 'FieldValueRequired', field: 'metadata.namespace' });
  } else if (meta.namespace) {
    errs.push({ type: 'FieldValueForbidden', field: 'metadata.namespace', detail: 'not allowed on this type' });
  }
  const labels = meta.labels as Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(labels ?? {})) {
    for (const msg of qualifiedNameErrors(k)) errs.push({ type: 'FieldValueInvalid', field: 'metadata.labels', value: k, detail: msg });
    if (typeof v !== 'string') errs.push({ type: 'FieldValueInvalid', field: `metadata.labels`, value: v, detail: 'must be a string' });
    else for (const msg of labelValueErrors(v)) errs.push({ type: 'FieldValueInvalid', field: 'metadata.labels', value: v, detail: msg });
  }
  const annotations = meta.annotations as Record<string, unknown> | undefined;
  let size = 0;
  for (const [k, v] of Object.entries(annotations ?? {})) {
    for (const msg of qualifiedNameErrors(k.toLowerCase())) errs.push({ type: 'FieldValueInvalid', field: 'metadata.annotations', value: k, detail: msg });
    size += k.length + (typeof v === 'string' ? v.length : 0);
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) {
    errs.push({ type: 'FieldValueTooLong', field: 'metadata.annotations', detail: `may not be more than ${TOTAL_ANNOTATION_SIZE_LIMIT} bytes` });
  }
  const finalizers = meta.finalizers as unknown[] | undefined;
  (finalizers ?? []).forEach((f, i) => {
    if (typeof f !== 'string') return;
    const fe = qualifiedNameErrors(f);
    if (fe.length > 0) errs.push({ type: 'FieldValueInvalid', field: `metadata.finalizers[${i}]`, value: f, detail: fe[0] });
    // customresourcecleanup.apiextensions.k8s.io: the CRD finalizer (apiextensions validates with the generic rules).
    else if (!f.includes('/') && !['kubernetes', 'orphan', 'foregroundDeletion', 'customresourcecleanup.apiextensions.k8s.io'].includes(f)) {
      errs.push({ type: 'FieldValueInvalid', field: `metadata.finalizers[${i}]`, value: f, detail: 'name is neither a standard finalizer name nor is it fully qualified' });
    }
  });
  return errs;
}
