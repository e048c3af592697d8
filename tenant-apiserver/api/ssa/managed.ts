// metadata.managedFields ⇄ the updater's manager map, as kube's
// managedfields/internal package does it: manager identifiers, decoding and
// its errors, encoding and entry order, the managers-cap bucket, the
// always-stripped metadata fields, and the apply-conflict Status.

import { ApiError, type StatusCause } from '../errors.js';
import { goQuote } from '../goquote.js';
import { rfc3339 } from '../types.js';
import { FieldSet, fieldElement, goJsonString, isJsonObject, pathString } from './fieldpath.js';
import type { Conflict, ManagedFields, VersionedSet } from './updater.js';

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  /** RFC 3339 seconds. Absent where kube leaves it nil: an applier whose first apply changed nothing. */
  time?: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Record<string, unknown>;
  subresource?: string;
}

export interface Managed {
  fields: ManagedFields;
  /** Identifier → RFC 3339 time (undefined: none). */
  times: Map<string, string | undefined>;
}

export function emptyManaged(): Managed {
  return { fields: new Map(), times: new Map() };
}

// ---------------------------------------------------------------------------
// Identifiers

interface IdParts {
  manager: string;
  operation: string;
  apiVersion?: string;
  subresource?: string;
}

/**
 * BuildManagerIdentifier: the entry without fields and time (and without the
 * apiVersion for appliers) as encoding/json writes it, e.g.
 * `{"manager":"kubectl","operation":"Apply"}`.
 */
export function managerIdentifier(p: IdParts): string {
  const parts: string[] = [];
  if (p.manager) parts.push(`"manager":${goJsonString(p.manager)}`);
  if (p.operation) parts.push(`"operation":${goJsonString(p.operation)}`);
  if (p.apiVersion && p.operation !== 'Apply') parts.push(`"apiVersion":${goJsonString(p.apiVersion)}`);
  if (p.subresource) parts.push(`"subresource":${goJsonString(p.subresource)}`);
  return '{' + parts.join(',') + '}';
}

const idCache = new Map<string, IdParts | null>();

function parseIdentifier(id: string): IdParts | null {
  const hit = idCache.get(id);
  if (hit !== undefined) return hit;
  const p = parseIdentifierUncached(id);
  if (idCache.size > 10_000) idCache.clear();
  idCache.set(id, p);
  return p;
}

function parseIdentifierUncached(id: string): IdParts | null {
  try {
    const v: unknown = JSON.parse(id);
    if (!isJsonObject(v)) return null;
    const str = (x: unknown): string => (typeof x === 'string' ? x : '');
    return { manager: str(v.manager), operation: str(v.operation), apiVersion: str(v.apiVersion), subresource: str(v.subresource) };
  } catch {
    return null;
  }
}

/** printManager: `"kubectl"`, `"kube-controller-manager" using apps/v1`, `"x" with subresource "status" using v1`. */
export function printManager(id: string): string {
  const p = parseIdentifier(id);
  if (p === null) return goQuote(id);
  let s = goQuote(p.manager);
  if (p.subresource) s += ` with subresource ${goQuote(p.subresource)}`;
  if (p.operation === 'Update') s += ` using ${p.apiVersion ?? ''}`;
  return s;
}

// ---------------------------------------------------------------------------
// Decoding

const OPERATIONS = new Set(['Apply', 'Update']);

function normaliseTime(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new Error('time must be a string');
  if (/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(v)) return v;
  const d = new Date(v);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(v) || Number.isNaN(d.getTime())) throw new Error(`parsing time ${goQuote(v)} as RFC 3339 failed`);
  return rfc3339(d);
}

/** DecodeManagedFields; throws with kube's message for an invalid entry. */
export function decodeManagedFields(list: unknown): Managed {
  const m = emptyManaged();
  if (list === undefined || list === null) return m;
  if (!Array.isArray(list)) throw new Error('managedFields must be a list');
  list.forEach((e: unknown, i) => {
    if (!isJsonObject(e)) throw new Error(`managed fields entry ${i} is not an object`);
    const str = (k: string): string => {
      const v = e[k];
      if (v === undefined || v === null) return '';
      if (typeof v !== 'string') throw new Error(`managed fields entry ${i}: ${k} must be a string`);
      return v;
    };
    const operation = str('operation');
    if (!OPERATIONS.has(operation)) throw new Error('operation must be `Apply` or `Update`');
    const apiVersion = str('apiVersion');
    if (apiVersion.length < 1) throw new Error('apiVersion must not be empty');
    const fieldsType = str('fieldsType');
    if (fieldsType === '') throw new Error(`missing fieldsType in managed fields entry ${i}`);
    if (fieldsType !== 'FieldsV1') throw new Error(`invalid fieldsType ${goQuote(fieldsType)} in managed fields entry ${i}`);
    const id = managerIdentifier({ manager: str('manager'), operation, apiVersion, subresource: str('subresource') });
    let set: FieldSet;
    try {
      set = FieldSet.fromFieldsV1(e.fieldsV1 ?? {});
    } catch (err) {
      throw new Error(`error decoding versioned set from entry ${i}: error decoding set: ${(err as Error).message}`);
    }
    m.fields.set(id, { set, apiVersion, applied: operation === 'Apply' });
    m.times.set(id, normaliseTime(e.time));
  });
  return m;
}

/** isResetManagedFields: `[]` or `[{}]` sent by a client means "forget all ownership". */
export function isResetManagedFields(list: unknown): boolean {
  if (!Array.isArray(list)) return false;
  if (list.length === 0) return true;
  if (list.length !== 1) return false;
  const e: unknown = list[0];
  if (!isJsonObject(e)) return false;
  const zero = (k: string): boolean => e[k] === undefined || e[k] === null || e[k] === '';
  return ['manager', 'operation', 'apiVersion', 'time', 'fieldsType', 'subresource'].every(zero) && (e.fieldsV1 === undefined || e.fieldsV1 === null);
}

// ---------------------------------------------------------------------------
// Encoding

function unixSeconds(t: string | undefined): number {
  if (t === undefined) return 0;
  return Math.floor(Date.parse(t) / 1000);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** encodeManagedFields: one entry per manager, Apply before Update, then by time, manager, apiVersion, subresource. */
export function encodeManagedFields(m: Managed): ManagedFieldsEntry[] {
  const out: ManagedFieldsEntry[] = [];
  for (const [id, vs] of m.fields) {
    const p = parseIdentifier(id) ?? { manager: '', operation: '' };
    const entry: ManagedFieldsEntry = {
      manager: p.manager,
      operation: vs.applied ? 'Apply' : (p.operation as 'Apply' | 'Update'),
      apiVersion: vs.apiVersion,
      fieldsType: 'FieldsV1',
      fieldsV1: vs.set.toFieldsV1(),
    };
    const t = m.times.get(id);
    if (t !== undefined) {
      // Keep kube's key order: manager, operation, apiVersion, time, fieldsType, fieldsV1, subresource.
      const { fieldsType, fieldsV1 } = entry;
      delete (entry as Partial<ManagedFieldsEntry>).fieldsType;
      delete (entry as Partial<ManagedFieldsEntry>).fieldsV1;
      entry.time = t;
      entry.fieldsType = fieldsType;
      entry.fieldsV1 = fieldsV1;
    }
    if (p.subresource) entry.subresource = p.subresource;
    out.push(entry);
  }
  out.sort(
    (a, b) =>
      cmp(a.operation, b.operation) ||
      unixSeconds(a.time) - unixSeconds(b.time) ||
      cmp(a.manager, b.manager) ||
      cmp(a.apiVersion, b.apiVersion) ||
      cmp(a.subresource ?? '', b.subresource ?? ''),
  );
  return out;
}

// ---------------------------------------------------------------------------
// Managers-cap and metadata stripping

/** kube's DefaultMaxUpdateManagers. */
export const MAX_UPDATE_MANAGERS = 10;
const ANCIENT = 'ancient-changes';

/**
 * capUpdateManagers: past 10 Update entries, the oldest are merged into one
 * `ancient-changes` entry per apiVersion (the first oldest of a version is
 * moved into the bucket when a second arrives), taking the merged entry's time.
 */
export function capUpdateManagers(m: Managed, max = MAX_UPDATE_MANAGERS): void {
  const updaters = [...m.fields.entries()].filter(([, vs]) => !vs.applied).map(([id]) => id);
  if (updaters.length <= max) return;
  updaters.sort((a, b) => unixSeconds(m.times.get(a)) - unixSeconds(m.times.get(b)) || cmp(a, b));
  const firstOfVersion = new Map<string, string>();
  let length = updaters.length;
  for (let i = 0; i < updaters.length && length > max; i++) {
    const id = updaters[i]!;
    const vs = m.fields.get(id);
    if (vs === undefined) continue;
    const time = m.times.get(id);
    const version = vs.apiVersion;
    const bucket = managerIdentifier({ manager: ANCIENT, operation: 'Update', apiVersion: version });
    const first = firstOfVersion.get(version);
    if (first === undefined) {
      firstOfVersion.set(version, id);
      continue;
    }
    if (!m.fields.has(bucket)) {
      const s = m.fields.get(first)!;
      m.fields.delete(first);
      m.fields.set(bucket, s);
    }
    const b: VersionedSet = m.fields.get(bucket)!;
    m.fields.set(bucket, { set: vs.set.union(b.set), apiVersion: vs.apiVersion, applied: vs.applied });
    m.fields.delete(id);
    length--;
    m.times.set(bucket, time);
  }
}

/** The stripMetaManager's set: type meta and server-owned metadata are never anyone's. */
export const STRIP_SET: FieldSet = FieldSet.of(
  [fieldElement('apiVersion')],
  [fieldElement('kind')],
  [fieldElement('metadata')],
  ...['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion'].map(
    (f) => [fieldElement('metadata'), fieldElement(f)],
  ),
);

export function stripFields(fields: ManagedFields, id: string): void {
  const vs = fields.get(id);
  if (vs === undefined) return;
  const set = vs.set.difference(STRIP_SET);
  if (set.empty()) fields.delete(id);
  else fields.set(id, { ...vs, set });
}

// ---------------------------------------------------------------------------
// Conflicts

/** NewConflictError: 409 with one FieldManagerConflict cause per path. */
export function conflictError(conflicts: readonly Conflict[]): ApiError {
  const causes: StatusCause[] = conflicts.map((c) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with ${printManager(c.manager)}`,
    field: pathString(c.path),
  }));
  let message: string;
  if (conflicts.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${printManager(conflicts[0]!.manager)}: ${pathString(conflicts[0]!.path)}`;
  } else {
    const byManager = new Map<string, string[]>();
    for (const c of conflicts) {
      const l = byManager.get(c.manager) ?? [];
      l.push(pathString(c.path));
      byManager.set(c.manager, l);
    }
    const lines: string[] = [];
    for (const id of [...byManager.keys()].sort()) {
      lines.push(`conflicts with ${printManager(id)}:`);
      for (const p of byManager.get(id)!) lines.push(`- ${p}`);
    }
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return new ApiError(409, 'Conflict', message, { causes });
}
