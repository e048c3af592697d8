// Serving the resources a CRD defines: the registry entries of its served
// versions, and the strategy the generic store runs for their objects
// (status subresource split, generation, schema defaults/pruning/validation,
// scale paths, selectable fields, None conversion between versions).

import { methodNotAllowed, type FieldError } from '../api/errors.js';
import type { ResourceInfo, SubresourceInfo } from '../api/registry.js';
import type { Strategy, StrategyContext } from '../api/strategy.js';
import { isObject, type KubeObject } from '../api/types.js';
import { getPath } from './jsonpath.js';
import { applyDefaults, pruneNonNullableNulls, pruneUnknownFields, validateValue } from './schema.js';
import {
  schemaOf,
  servedVersions,
  specOf,
  storageVersion,
  versionsOf,
  type CRDNames,
  type CRDVersion,
  objectOr,
  type CustomResourceDefinition,
  type JSONSchemaProps,
} from './types.js';

/** Everything the server needs to serve one CRD's resources, derived once per CRD change. */
export interface CustomResourceState {
  crdName: string;
  group: string;
  plural: string;
  singular: string;
  kind: string;
  listKind: string;
  shortNames: string[];
  categories: string[];
  namespaced: boolean;
  storageVersion: string;
  /** Served versions, preferred first. */
  served: string[];
  versions: Map<string, CRDVersion>;
  /** Deleting the CRD: objects may be read and deleted, not created. */
  terminating: boolean;
}

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const SUB_VERBS = ['get', 'patch', 'update'];
const INT32_MAX = 2147483647;

export function stateFor(crd: CustomResourceDefinition, names: CRDNames, terminating: boolean): CustomResourceState | undefined {
  const spec = specOf(crd);
  const group = spec.group ?? '';
  const storage = storageVersion(crd);
  if (!names.plural || !names.kind || !group || !storage) return undefined;
  const versions = new Map<string, CRDVersion>();
  for (const v of versionsOf(crd)) if (v.name) versions.set(v.name, v);
  return {
    crdName: crd.metadata?.name ?? '',
    group,
    plural: names.plural,
    singular: names.singular || names.kind.toLowerCase(),
    kind: names.kind,
    listKind: names.listKind || `${names.kind}List`,
    shortNames: Array.isArray(names.shortNames) ? [...names.shortNames] : [],
    categories: Array.isArray(names.categories) ? [...names.categories] : [],
    namespaced: spec.scope !== 'Cluster',
    storageVersion: storage,
    served: servedVersions(crd).map((v) => v.name!),
    versions,
    terminating,
  };
}

/** The registry entry of one version (served or, for internal reads, the storage version). */
export function resourceInfoFor(st: CustomResourceState, version: string): ResourceInfo {
  const v = st.versions.get(version);
  const subresources = new Map<string, SubresourceInfo>();
  const sr = objectOr(v?.subresources);
  if (sr && isObject(sr.status)) {
    subresources.set('status', { name: 'status', group: st.group, version, kind: st.kind, verbs: [...SUB_VERBS] });
  }
  const scale = objectOr(sr?.scale);
  if (scale) subresources.set('scale', { name: 'scale', group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: [...SUB_VERBS] });
  const info: ResourceInfo = {
    group: st.group,
    version,
    resource: st.plural,
    singular: st.singular,
    kind: st.kind,
    listKind: st.listKind,
    namespaced: st.namespaced,
    verbs: [...VERBS],
    shortNames: [...st.shortNames],
    categories: [...st.categories],
    subresources,
    storage: { group: st.group, resource: st.plural, version: st.storageVersion },
    custom: true,
  };
  if (scale?.specReplicasPath && scale.statusReplicasPath) {
    info.scale = { specReplicasPath: scale.specReplicasPath, statusReplicasPath: scale.statusReplicasPath, labelSelectorPath: scale.labelSelectorPath };
  }
  return info;
}

function versionOfApiVersion(apiVersion: unknown): string {
  const s = typeof apiVersion === 'string' ? apiVersion : '';
  const i = s.indexOf('/');
  return i < 0 ? s : s.slice(i + 1);
}

/** Prune, drop non-nullable nulls and default an object with its version's schema (mutates). */
export function normalize(obj: KubeObject, schema: JSONSchemaProps | undefined): void {
  if (!schema) return;
  pruneUnknownFields(obj, schema, { isResourceRoot: true });
  pruneNonNullableNulls(obj, schema);
  applyDefaults(obj, schema);
}

function selectableValue(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return '';
}

/** Scale paths: replicas must be a non-negative int32, the selector a string. */
function validateScale(obj: KubeObject, v: CRDVersion | undefined): FieldError[] {
  const scale = objectOr(objectOr(v?.subresources)?.scale);
  if (!scale) return [];
  const errs: FieldError[] = [];
  for (const p of [scale.specReplicasPath, scale.statusReplicasPath]) {
    if (!p) continue;
    const val = getPath(obj, p);
    if (val === undefined || val === null) continue;
    const field = p.replace(/^\./, '');
    if (typeof val !== 'number' || !Number.isInteger(val)) errs.push({ type: 'FieldValueInvalid', field, value: val, detail: 'should be an integer' });
    else if (val < 0) errs.push({ type: 'FieldValueInvalid', field, value: val, detail: 'should be a non-negative integer' });
    else if (val > INT32_MAX) errs.push({ type: 'FieldValueInvalid', field, value: val, detail: `should be less than or equal to ${INT32_MAX}` });
  }
  if (scale.labelSelectorPath) {
    const sel = getPath(obj, scale.labelSelectorPath);
    if (sel !== undefined && sel !== null && typeof sel !== 'string') {
      errs.push({ type: 'FieldValueInvalid', field: scale.labelSelectorPath.replace(/^\./, ''), value: sel, detail: 'must be a string' });
    }
  }
  return errs;
}

/** Schema validation, then the scale paths' own rules for fields the schema did not already reject. */
function validateObject(obj: KubeObject, v: CRDVersion | undefined): FieldError[] {
  const schema = v ? schemaOf(v) : undefined;
  const errs = schema ? validateValue(obj, schema) : [];
  const flagged = new Set(errs.map((e) => e.field));
  return [...errs, ...validateScale(obj, v).filter((e) => !flagged.has(e.field))];
}

/** The generic-store strategy for a CRD's objects; reads the live state so a CRD update takes effect at once. */
export function customResourceStrategy(state: () => CustomResourceState | undefined): Strategy {
  const versionOf = (ctx: StrategyContext) => state()?.versions.get(ctx.info.version);
  const hasStatus = (v: CRDVersion | undefined) => isObject(v?.subresources) && isObject(v!.subresources!.status);
  return {
    // Custom resources always track generation (kube sets it to 1 on create and bumps it on non-metadata changes).
    tracksGeneration: true,
    prepareForCreate(obj, ctx) {
      if (state()?.terminating) throw methodNotAllowed('create not allowed while custom resource definition is terminating');
      // With a status subresource, status is written only through it.
      if (hasStatus(versionOf(ctx))) delete obj.status;
    },
    defaults(obj, ctx) {
      const schema = schemaOf(versionOf(ctx) ?? {});
      if (!schema) return;
      pruneNonNullableNulls(obj, schema);
      applyDefaults(obj, schema);
    },
    validate(obj, ctx) {
      return validateObject(obj, versionOf(ctx));
    },
    // Ratcheting (unchanged invalid values allowed on update) is not implemented: updates validate in full.
    validateUpdate(obj, _old, ctx) {
      return validateObject(obj, versionOf(ctx));
    },
    selectableFields(obj) {
      const st = state();
      const v = st?.versions.get(versionOfApiVersion(obj.apiVersion)) ?? st?.versions.get(st.storageVersion);
      const out: Record<string, string> = {};
      for (const f of Array.isArray(v?.selectableFields) ? v!.selectableFields! : []) {
        if (!f?.jsonPath) continue;
        out[f.jsonPath.replace(/^\./, '')] = selectableValue(getPath(obj, f.jsonPath));
      }
      return out;
    },
    // Conversion strategy None: only apiVersion changes between versions.
    convert(obj, toVersion) {
      return { ...obj, apiVersion: toVersion };
    },
    onRead(obj, info) {
      const st = state();
      obj.apiVersion = info.group ? `${info.group}/${info.version}` : info.version;
      const v = st?.versions.get(info.version);
      normalize(obj, v ? schemaOf(v) : undefined);
      return obj;
    },
  };
}
