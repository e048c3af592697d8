// Server-side apply and managedFields tracking: kube-apiserver's field
// manager (k8s.io/apimachinery/pkg/util/managedfields) over plain objects.
//
// The chain kube builds (NewDefaultFieldManager), outermost first, and where
// each link lives here:
//   FieldManager           decode live managedFields (apply) / live-or-new (update)  applyServerSide, trackUpdate
//   VersionCheck           apply body must be the endpoint's group/version/kind      checkObjectType
//   LastAppliedUpdater     keep kubectl's last-applied annotation in sync             syncLastApplied
//   LastAppliedManager     let `kubectl` take over client-side-applied fields         allowedFromLastApplied
//   SkipNonApplied         no managedFields and not a create → don't start tracking;  trackUpdate, applyOnce
//                          first apply on such an object → "before-first-apply"
//   CapManagers            ≤ 10 Update entries (oldest → ancient-changes)             capUpdateManagers
//   BuildManagerInfo       manager identifiers                                        managerIdentifier
//   ManagedFieldsUpdater   times; updates merge into the manager's entry              updateOnce, applyOnce
//   StripMeta              type/server metadata never owned                           stripFields
//   StructuredMerge        the structured-merge-diff updater                          updater.ts
//
// Measured (Node 20, 2-core box shared with other jobs, load 3-6): applying a
// 3-container Deployment (ports, env, resources, args; one image changed, one
// label added, replicas dropped so the prune path runs) over live state that
// also carries an Update entry, 2,000 runs: 310-650 µs/op, steadily ~3.3x a
// JSON stringify+parse round trip of the live object timed alongside (100-200
// µs on the same box at the same time). Roughly: compare 15%, encoding the
// applier's new FieldsV1 10%, ToFieldSet 10%, merge 8%, validation 6%, GC
// 15%. The "timing" test in ssa.test.ts prints the figure.

import { ApiError, badRequest, type Status } from '../errors.js';
import type { SchemaIndex } from '../openapi/schema-check.js';
import type { KubeObject } from '../types.js';
import { rfc3339 } from '../types.js';
import { FieldSet, fieldElement, goJson, isJsonObject, type Json, type JsonObject } from './fieldpath.js';
import {
  capUpdateManagers,
  conflictError,
  decodeManagedFields,
  emptyManaged,
  encodeManagedFields,
  isResetManagedFields,
  managerIdentifier,
  stripFields,
  STRIP_SET,
  type Managed,
  type ManagedFieldsEntry,
} from './managed.js';
import { SmdError, cloneJson, compare, dropNulls, mergeSawNull, rootType, toFieldSet, validate } from './typed.js';
import { ConflictsError, UpdaterError, applyConfig, updateManagers, type Conflict, type Schema } from './updater.js';

export type { ManagedFieldsEntry } from './managed.js';

export interface SsaContext {
  index: SchemaIndex;
  /** The OpenAPI definition of the kind; undefined → every field deduced (a CRD without schema). */
  definition: string | undefined;
  /** The endpoint's group/version (`apps/v1`, `v1`): Update entries record it, apply bodies must use it. */
  apiVersion: string;
  /** `status`, `scale`, … for a subresource write. */
  subresource?: string;
  now: Date;
  /** Kube's per-strategy reset fields (`[['status']]` for a main resource with a status subresource, `[['spec'], ['metadata']]`-like for status). */
  resetFields?: string[][];
  /** The endpoint's kind; when absent it is looked up from the definition's x-kubernetes-group-version-kind. */
  kind?: string;
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;
const BEFORE_FIRST_APPLY = 'before-first-apply';
const CURRENT_OPERATION = 'current-operation';

/** A plain Go error reaching the API: 500 with Go's text and no reason. */
class GoError extends ApiError {
  constructor(message: string) {
    super(500, 'InternalError', message);
  }

  override toStatus(): Status {
    const s = super.toStatus();
    delete s.reason;
    return s;
  }
}

// ---------------------------------------------------------------------------
// Helpers

const resetSets = new WeakMap<string[][], FieldSet>();

function schemaOf(ctx: SsaContext): Schema {
  const { type, typed } = rootType(ctx.index, ctx.definition);
  let ignored: FieldSet | null = null;
  if (ctx.resetFields && ctx.resetFields.length > 0) {
    ignored = resetSets.get(ctx.resetFields) ?? null;
    if (ignored === null) {
      ignored = FieldSet.of(...ctx.resetFields.map((p) => p.map(fieldElement)));
      resetSets.set(ctx.resetFields, ignored);
    }
  }
  return { type, typed, ignored };
}

/** The object without metadata.managedFields (kube removes them before comparing). */
function withoutManagedFields(obj: KubeObject): JsonObject {
  const o = obj as JsonObject;
  const meta = o.metadata;
  if (!isJsonObject(meta) || !Object.prototype.hasOwnProperty.call(meta, 'managedFields')) return o;
  const { managedFields: _, ...rest } = meta;
  return { ...o, metadata: rest };
}

function metadataOf(obj: unknown): JsonObject | undefined {
  if (!isJsonObject(obj)) return undefined;
  const m = obj.metadata;
  return isJsonObject(m) ? m : undefined;
}

interface Gvk {
  group: string;
  version: string;
  kind: string;
}

/** schema.ParseGroupVersion (null: malformed). */
function parseGroupVersion(gv: string): { group: string; version: string } | null {
  if (gv === '' || gv === '/') return { group: '', version: '' };
  const parts = gv.split('/');
  if (parts.length === 1) return { group: '', version: gv };
  if (parts.length === 2) return { group: parts[0]!, version: parts[1]! };
  return null;
}

/** Unstructured.GroupVersionKind(): a malformed apiVersion gives the empty GVK. */
function gvkOf(obj: unknown): Gvk {
  const o = isJsonObject(obj) ? obj : {};
  const apiVersion = typeof o.apiVersion === 'string' ? o.apiVersion : '';
  const kind = typeof o.kind === 'string' ? o.kind : '';
  const gv = parseGroupVersion(apiVersion);
  if (gv === null) return { group: '', version: '', kind: '' };
  return { ...gv, kind };
}

function gvString(g: { group: string; version: string }): string {
  if (g.group === '') return g.version;
  return `${g.group}/${g.version}`;
}

const kindsByIndex = new WeakMap<SchemaIndex, Map<string, string>>();

/** The kind served at ctx.apiVersion for ctx.definition. */
function expectedKind(ctx: SsaContext): string | undefined {
  if (ctx.kind !== undefined) return ctx.kind;
  if (ctx.definition === undefined) return undefined;
  let kinds = kindsByIndex.get(ctx.index);
  if (kinds === undefined) {
    // `definition group/version` → kind, from x-kubernetes-group-version-kind.
    kinds = new Map();
    for (const [key, def] of ctx.index.byGvk) {
      const [g, v, k] = key.split('/');
      if (k !== undefined) kinds.set(`${def} ${g ? `${g}/${v}` : v}`, k);
    }
    kindsByIndex.set(ctx.index, kinds);
  }
  return kinds.get(`${ctx.definition} ${ctx.apiVersion}`);
}

/** versionCheckManager: `invalid object type: apps/v1, Kind=Deployment`. */
function checkObjectType(applied: unknown, apiVersion: string, kind: string): void {
  const got = gvkOf(applied);
  const want = parseGroupVersion(apiVersion) ?? { group: '', version: '' };
  if (got.group !== want.group || got.version !== want.version || got.kind !== kind) {
    throw badRequest(`invalid object type: ${got.group}/${got.version}, Kind=${got.kind}`);
  }
}

/** Unstructured.GetManagedFields() != nil: a list of entries, even an empty one, is refused in an apply body. */
function hasManagedFieldsList(applied: unknown): boolean {
  const mf = metadataOf(applied)?.managedFields;
  if (!Array.isArray(mf)) return false;
  // Items that are not entries make kube's accessor give up and report nil.
  return mf.every((e) => isJsonObject(e) && validEntryShape(e));
}

/** Whether the item converts into a ManagedFieldsEntry (FromUnstructured): string fields, a parseable time. */
function validEntryShape(e: JsonObject): boolean {
  for (const k of ['manager', 'operation', 'apiVersion', 'fieldsType', 'subresource', 'time']) {
    const v = e[k];
    if (v !== undefined && v !== null && typeof v !== 'string') return false;
  }
  const t = e.time;
  return typeof t !== 'string' || (/^\d{4}-\d\d-\d\dT/.test(t) && !Number.isNaN(Date.parse(t)));
}

/** objectGVKNN: `default/web; apps/v1, Kind=Deployment`. */
function objectGVKNN(obj: unknown): string {
  const meta = metadataOf(obj);
  const ns = typeof meta?.namespace === 'string' ? meta.namespace : '';
  const name = typeof meta?.name === 'string' ? meta.name : '';
  const g = gvkOf(obj);
  return `${ns}/${name}; ${g.group}/${g.version}, Kind=${g.kind}`;
}

/** A manager whose fields came out equal keeps its old set object (and so its cached FieldsV1). */
function keepUnchangedSets(before: Managed, after: Managed): void {
  for (const [id, vs] of after.fields) {
    const prev = before.fields.get(id);
    if (prev !== undefined && prev.set !== vs.set && prev.apiVersion === vs.apiVersion && vs.set.equals(prev.set)) {
      after.fields.set(id, { ...vs, set: prev.set });
    }
  }
}

function copyManaged(m: Managed): Managed {
  return { fields: new Map(m.fields), times: new Map(m.times) };
}

// ---------------------------------------------------------------------------
// The Update chain (CapManagers → BuildManagerInfo → ManagedFieldsUpdater → StripMeta → StructuredMerge)

function updateOnce(ctx: SsaContext, s: Schema, live: JsonObject, next: JsonObject, managed: Managed, manager: string): Managed {
  const id = managerIdentifier({ manager: manager || 'unknown', operation: 'Update', apiVersion: ctx.apiVersion, subresource: ctx.subresource });
  const fields = updateManagers(s, live, next, ctx.apiVersion, managed.fields, CURRENT_OPERATION);
  stripFields(fields, CURRENT_OPERATION);
  const out: Managed = { fields, times: new Map(managed.times) };
  const vs = fields.get(CURRENT_OPERATION);
  if (vs !== undefined) {
    // The operation changed something: its fields join the manager's entry, which gets a new time.
    fields.delete(CURRENT_OPERATION);
    const prev = fields.get(id);
    fields.set(id, prev === undefined ? vs : { set: vs.set.union(prev.set), apiVersion: vs.apiVersion, applied: vs.applied });
    out.times.set(id, rfc3339(ctx.now));
  }
  capUpdateManagers(out);
  keepUnchangedSets(managed, out);
  return out;
}

// ---------------------------------------------------------------------------
// The Apply chain (SkipNonApplied → … → StructuredMerge)

function applyOnce(
  ctx: SsaContext,
  s: Schema,
  live: JsonObject,
  applied: JsonObject,
  managed: Managed,
  manager: string,
  force: boolean,
): { object: JsonObject; managed: Managed } {
  let m = copyManaged(managed);
  if (m.fields.size === 0) {
    // Ownership was never tracked (or was reset): whatever is there now belongs to "before-first-apply".
    try {
      m = updateOnce(ctx, s, {}, live, m, BEFORE_FIRST_APPLY);
    } catch (e) {
      if (e instanceof UpdaterError || e instanceof SmdError) throw new GoError(`failed to create manager for existing fields: ${e.message}`);
      throw e;
    }
  }
  const id = managerIdentifier({ manager: manager || 'unknown', operation: 'Apply', subresource: ctx.subresource });

  // structuredMergeManager.Apply
  const patchGV = gvkOf(applied);
  if (gvString(patchGV) !== gvString(parseGroupVersion(ctx.apiVersion) ?? { group: '', version: '' })) {
    throw badRequest(`Incorrect version specified in apply patch. Specified patch version: ${gvString(patchGV)}, expected: ${ctx.apiVersion}`);
  }
  if (hasManagedFieldsList(applied)) throw badRequest('metadata.managedFields must be nil');
  try {
    validate(applied, s.type, false);
  } catch (e) {
    if (e instanceof SmdError) throw new GoError(`failed to create typed patch object (${objectGVKNN(applied)}): ${e.message}`);
    throw e;
  }
  let r: ReturnType<typeof applyConfig>;
  try {
    r = applyConfig(s, live, applied, ctx.apiVersion, m.fields, id, force);
  } catch (e) {
    if (e instanceof UpdaterError) throw new GoError(e.message);
    throw e;
  }
  stripFields(r.managers, id);
  const out: Managed = { fields: r.managers, times: m.times };
  keepUnchangedSets(m, out);
  let object: JsonObject;
  if (r.object !== null && isJsonObject(r.object)) {
    // The merge built a fresh object; a built-in kind is a Go struct, where a null is just unset.
    object = s.typed && mergeSawNull() ? (dropNulls(r.object) as JsonObject) : r.object;
    out.times.set(id, rfc3339(ctx.now));
  } else {
    // Nothing changed: the live object stands, and the applier's time does not move.
    object = cloneJson(live) as JsonObject;
  }
  return { object, managed: out };
}

/** lastAppliedManager: the fields whose live value still matches kubectl's client-side last-applied configuration. */
function allowedFromLastApplied(ctx: SsaContext, s: Schema, live: JsonObject): FieldSet | null {
  const annotations = metadataOf(live)?.annotations;
  const text = isJsonObject(annotations) ? annotations[LAST_APPLIED] : undefined;
  if (typeof text !== 'string' || text === '') return null;
  let last: unknown;
  try {
    last = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isJsonObject(last) || last.apiVersion !== ctx.apiVersion) return null;
  try {
    validate(last, s.type, false);
    const set = toFieldSet(last, s.type);
    const c = compare(last, live, s.type, false, s.typed);
    return set.difference(c.modified).difference(c.added).difference(c.removed);
  } catch (e) {
    if (e instanceof SmdError) return null;
    throw e;
  }
}

/** Go's encoding/json over an unstructured object, as the annotation holds it (with Encoder's newline). */
function buildLastApplied(applied: JsonObject): string {
  const copy: JsonObject = { ...applied };
  const meta = metadataOf(applied);
  if (meta !== undefined && isJsonObject(meta.annotations)) {
    const { [LAST_APPLIED]: _, ...rest } = meta.annotations;
    copy.metadata = { ...meta, annotations: rest };
  }
  return goJson(copy) + '\n';
}

function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** lastAppliedUpdater: kubectl's server-side apply keeps an existing client-side annotation current. */
function syncLastApplied(object: JsonObject, applied: JsonObject): void {
  const meta = metadataOf(object);
  if (meta === undefined || !isJsonObject(meta.annotations)) return;
  const current = meta.annotations[LAST_APPLIED];
  if (typeof current !== 'string' || current === '') return;
  const annotations: JsonObject = { ...meta.annotations, [LAST_APPLIED]: buildLastApplied(applied) };
  let total = 0;
  for (const [k, v] of Object.entries(annotations)) total += utf8Length(k) + (typeof v === 'string' ? utf8Length(v) : 0);
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT) delete annotations[LAST_APPLIED];
  meta.annotations = annotations;
}

function setManagedFields(object: JsonObject, entries: ManagedFieldsEntry[]): void {
  let meta = object.metadata;
  if (!isJsonObject(meta)) {
    if (entries.length === 0) return;
    meta = {};
    object.metadata = meta;
  }
  if (entries.length === 0) delete meta.managedFields;
  else meta.managedFields = entries as unknown as Json[];
}

// ---------------------------------------------------------------------------
// Exports

/**
 * kubectl apply --server-side: returns the merged object with
 * metadata.managedFields updated; throws ApiError 409 Conflict (reason
 * 'Conflict', details.causes with reason 'FieldManagerConflict', message and
 * field per conflict, kube's message `Apply failed with N conflicts: conflict
 * with "other" using v1: .spec.replicas`) unless force. current undefined →
 * create.
 *
 * The result is a fresh object (no structure shared with the inputs). Like
 * kube's apply, it is not defaulted and still carries whatever the reset
 * fields (status) the body had: the strategy's PrepareForCreate/Update deals
 * with those.
 */
export function applyServerSide(ctx: SsaContext, current: KubeObject | undefined, applied: KubeObject, manager: string, force: boolean): KubeObject {
  const s = schemaOf(ctx);
  let managed: Managed;
  try {
    managed = decodeManagedFields(current?.metadata?.managedFields);
  } catch (e) {
    throw new GoError(`failed to decode managed fields: ${(e as Error).message}`);
  }
  const kind = expectedKind(ctx) ?? current?.kind;
  if (kind !== undefined) checkObjectType(applied, ctx.apiVersion, kind);
  const live = withoutManagedFields(current ?? {});
  const body = applied as JsonObject;

  let result: { object: JsonObject; managed: Managed };
  try {
    result = applyOnce(ctx, s, live, body, managed, manager, force);
  } catch (e) {
    if (!(e instanceof ConflictsError)) throw e;
    let conflicts: readonly Conflict[] = e.conflicts;
    const allowed = manager === 'kubectl' ? allowedFromLastApplied(ctx, s, live) : null;
    if (allowed === null) throw conflictError(conflicts);
    const conflictSet = FieldSet.of(...conflicts.map((c) => c.path));
    if (!conflictSet.difference(allowed).empty()) {
      conflicts = conflicts.filter((c) => !allowed.has(c.path));
      throw conflictError(conflicts);
    }
    // Every conflict is with a value kubectl itself applied client-side: take them over.
    try {
      result = applyOnce(ctx, s, live, body, managed, manager, true);
    } catch (e2) {
      if (e2 instanceof ConflictsError) throw conflictError(e2.conflicts);
      throw e2;
    }
  }
  if (manager === 'kubectl') syncLastApplied(result.object, body);
  setManagedFields(result.object, encodeManagedFields(result.managed));
  return result.object as KubeObject;
}

/**
 * Any non-apply write (create/update/patch): compute the fields changed by
 * `manager` and return updated managedFields for `updated` (ownership moves
 * from other managers for changed fields; entries with empty sets are
 * dropped; Update entries merge per manager+apiVersion+subresource).
 *
 * managedFields sent in `updated` replace the live ones when they decode and
 * are not empty (`[]` or `[{}]` resets them); invalid ones are ignored. An
 * empty result means the object carries no managedFields: kube does not
 * start tracking an existing object on a plain update. If the objects cannot
 * be compared the live entries are returned unchanged (kube's UpdateNoErrors).
 */
export function trackUpdate(ctx: SsaContext, old: KubeObject | undefined, updated: KubeObject, manager: string): ManagedFieldsEntry[] {
  const s = schemaOf(ctx);
  const liveList = old?.metadata?.managedFields;
  const decodeLive = (): Managed => {
    try {
      return decodeManagedFields(liveList);
    } catch {
      return emptyManaged();
    }
  };
  const sent = updated.metadata?.managedFields;
  let managed: Managed;
  if (ctx.subresource) managed = decodeLive();
  else if (isResetManagedFields(sent)) managed = emptyManaged();
  else {
    let m: Managed | null = null;
    try {
      m = decodeManagedFields(sent);
    } catch {
      m = null;
    }
    managed = m === null || m.fields.size === 0 ? decodeLive() : m;
  }
  // skipNonAppliedManager: a create starts tracking, an update of an untracked object does not.
  const uid = old?.metadata?.uid;
  if (managed.fields.size === 0 && old !== undefined && typeof uid === 'string' && uid !== '') return [];
  try {
    const next = updateOnce(ctx, s, withoutManagedFields(old ?? {}), withoutManagedFields(updated), managed, manager);
    return encodeManagedFields(next);
  } catch (e) {
    // UpdateNoErrors: the live entries survive a failed update of them.
    if (e instanceof SmdError || e instanceof UpdaterError) return Array.isArray(liveList) ? (liveList as ManagedFieldsEntry[]) : [];
    throw e;
  }
}

/**
 * Validate the apply body as kube's field manager does before merging:
 * apiVersion/kind must be the endpoint's (400 `invalid object type: apps/v1,
 * Kind=Deploymen`), and metadata.managedFields must be nil (400
 * `metadata.managedFields must be nil`; an empty list counts as set).
 * Schema errors (unknown fields, wrong types, duplicate keys) come from
 * applyServerSide, which has the schema: kube answers those 500.
 */
export function validateApplyBody(applied: unknown, expectedApiVersion: string, expectedKind: string): void {
  if (applied !== null && !isJsonObject(applied)) {
    const what = Array.isArray(applied) ? 'array' : typeof applied === 'boolean' ? 'bool' : typeof applied;
    throw badRequest(`error decoding patch: json: cannot unmarshal ${what} into Go value of type map[string]interface {}`);
  }
  checkObjectType(applied, expectedApiVersion, expectedKind);
  if (hasManagedFieldsList(applied)) throw badRequest('metadata.managedFields must be nil');
}

/**
 * The FieldsV1 set an applier sending `obj` would own (f:, k:{...}, v:, i:
 * encodings, `.` for a node that is itself owned): the object's field set
 * minus the fields nobody owns (apiVersion, kind, metadata.name, … and the
 * context's reset fields).
 */
export function fieldsV1Of(ctx: SsaContext, obj: KubeObject): Record<string, unknown> {
  const s = schemaOf(ctx);
  let set = toFieldSet(withoutManagedFields(obj), s.type);
  if (s.ignored !== null) set = set.recursiveDifference(s.ignored);
  return set.difference(STRIP_SET).toFieldsV1();
}
