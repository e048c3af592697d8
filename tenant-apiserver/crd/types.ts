// The apiextensions.k8s.io/v1 shapes the CRD code reads, and small helpers
// over them (which version stores, which are served, the schema of a version,
// conditions). Objects stay plain JSON; these types only narrow what we touch.

import type { KubeObject } from '../api/types.js';
import { isObject, rfc3339 } from '../api/types.js';

export const CRD_GROUP = 'apiextensions.k8s.io';
export const CRD_RESOURCE = 'customresourcedefinitions';
export const CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';

/** JSONSchemaProps as a CRD carries it (v1): only the keywords the server acts on are named. */
export interface JSONSchemaProps {
  id?: string;
  $schema?: string;
  $ref?: string;
  description?: string;
  type?: string;
  format?: string;
  title?: string;
  default?: unknown;
  maximum?: number;
  exclusiveMaximum?: boolean;
  minimum?: number;
  exclusiveMinimum?: boolean;
  maxLength?: number;
  minLength?: number;
  pattern?: string;
  maxItems?: number;
  minItems?: number;
  uniqueItems?: boolean;
  multipleOf?: number;
  enum?: unknown[];
  maxProperties?: number;
  minProperties?: number;
  required?: string[];
  items?: JSONSchemaProps | JSONSchemaProps[];
  allOf?: JSONSchemaProps[];
  oneOf?: JSONSchemaProps[];
  anyOf?: JSONSchemaProps[];
  not?: JSONSchemaProps;
  properties?: Record<string, JSONSchemaProps>;
  additionalProperties?: JSONSchemaProps | boolean;
  patternProperties?: Record<string, JSONSchemaProps>;
  dependencies?: Record<string, unknown>;
  additionalItems?: JSONSchemaProps | boolean;
  definitions?: Record<string, JSONSchemaProps>;
  externalDocs?: { description?: string; url?: string };
  example?: unknown;
  nullable?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-map-type'?: string;
  'x-kubernetes-validations'?: unknown[];
}

export interface CRDNames {
  plural?: string;
  singular?: string;
  shortNames?: string[];
  kind?: string;
  listKind?: string;
  categories?: string[];
}

export interface ScaleSubresource {
  specReplicasPath?: string;
  statusReplicasPath?: string;
  labelSelectorPath?: string;
}

export interface Subresources {
  status?: Record<string, unknown>;
  scale?: ScaleSubresource;
}

export interface PrinterColumn {
  name?: string;
  type?: string;
  format?: string;
  description?: string;
  priority?: number;
  jsonPath?: string;
}

export interface SelectableField {
  jsonPath?: string;
}

export interface CRDVersion {
  name?: string;
  served?: boolean;
  storage?: boolean;
  deprecated?: boolean;
  deprecationWarning?: string;
  schema?: { openAPIV3Schema?: JSONSchemaProps };
  subresources?: Subresources;
  additionalPrinterColumns?: PrinterColumn[];
  selectableFields?: SelectableField[];
}

export interface CRDCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface CRDSpec {
  group?: string;
  names?: CRDNames;
  scope?: string;
  versions?: CRDVersion[];
  conversion?: { strategy?: string; webhook?: unknown };
  preserveUnknownFields?: boolean;
}

export interface CRDStatus {
  acceptedNames?: CRDNames;
  conditions?: CRDCondition[];
  storedVersions?: string[];
}

export interface CustomResourceDefinition extends KubeObject {
  spec?: CRDSpec;
  status?: CRDStatus;
}

export function asCrd(o: KubeObject): CustomResourceDefinition {
  return o as CustomResourceDefinition;
}

export function specOf(crd: CustomResourceDefinition): CRDSpec {
  return isObject(crd.spec) ? crd.spec : {};
}

export function versionsOf(crd: CustomResourceDefinition): CRDVersion[] {
  const v = specOf(crd).versions;
  return Array.isArray(v) ? v.filter(isObject) : [];
}

export function storageVersion(crd: CustomResourceDefinition): string | undefined {
  return versionsOf(crd).find((v) => v.storage === true)?.name;
}

export function schemaOf(v: CRDVersion): JSONSchemaProps | undefined {
  const s = v.schema?.openAPIV3Schema;
  return isObject(s) ? (s as JSONSchemaProps) : undefined;
}

export function findCondition(crd: CustomResourceDefinition, type: string): CRDCondition | undefined {
  const cs = crd.status?.conditions;
  return Array.isArray(cs) ? cs.find((c) => isObject(c) && c.type === type) : undefined;
}

export function isConditionTrue(crd: CustomResourceDefinition, type: string): boolean {
  return findCondition(crd, type)?.status === 'True';
}

/**
 * Sets a condition the way apihelpers.SetCRDCondition does: the transition
 * time moves only when the status changes. Returns whether anything changed.
 */
export function setCondition(crd: CustomResourceDefinition, cond: Omit<CRDCondition, 'lastTransitionTime'>, now = new Date()): boolean {
  const status = (crd.status ??= {});
  const list = (status.conditions = Array.isArray(status.conditions) ? status.conditions : []);
  const i = list.findIndex((c) => c.type === cond.type);
  if (i < 0) {
    list.push({ ...cond, lastTransitionTime: rfc3339(now) });
    return true;
  }
  const old = list[i]!;
  if (old.status === cond.status && old.reason === cond.reason && old.message === cond.message) return false;
  const lastTransitionTime = old.status === cond.status && old.lastTransitionTime ? old.lastTransitionTime : rfc3339(now);
  list[i] = { type: cond.type, status: cond.status, lastTransitionTime, reason: cond.reason, message: cond.message };
  return true;
}

/**
 * Kube's version priority (apimachinery version.CompareKubeAwareVersionStrings):
 * GA > beta > alpha, higher major first, then higher minor; non-kube names last, alphabetically.
 */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return undefined;
    return { major: Number(m[1]), stage: m[2] === 'alpha' ? 0 : m[2] === 'beta' ? 1 : 2, minor: m[3] ? Number(m[3]) : 0 };
  };
  const pa = parse(a);
  const pb = parse(b);
  if (pa && !pb) return -1;
  if (!pa && pb) return 1;
  if (!pa || !pb) return a < b ? -1 : a > b ? 1 : 0;
  if (pa.stage !== pb.stage) return pb.stage - pa.stage;
  if (pa.major !== pb.major) return pb.major - pa.major;
  return pb.minor - pa.minor;
}

/** Served versions in discovery order (highest priority first, which is the preferred one). */
export function servedVersions(crd: CustomResourceDefinition): CRDVersion[] {
  return versionsOf(crd)
    .filter((v) => v.served === true && typeof v.name === 'string')
    .sort((a, b) => compareVersions(a.name!, b.name!));
}

/** The value when it is a JSON object, keeping its declared type (isObject would widen it to a record). */
export function objectOr<T extends object>(v: T | null | undefined): T | undefined {
  return isObject(v) ? (v as T) : undefined;
}
