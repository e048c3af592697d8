// sigs.k8s.io/structured-merge-diff merge.Updater: how an update moves field
// ownership between managers, and how an apply merges, prunes what the
// applier stopped sending, and detects conflicts.
//
// All managers are compared in the request's version: this server serves one
// shape per kind, so converting between apiVersions is the identity (kube
// converts the objects to each manager's version first).

import { FieldSet, type Json, type PathElement } from './fieldpath.js';
import {
  SmdError,
  compare,
  ensureNamedFieldsAreMembers,
  merge,
  removeItems,
  toFieldSet,
  typedEqual,
  type Comparison,
  type SType,
} from './typed.js';

export interface VersionedSet {
  readonly set: FieldSet;
  readonly apiVersion: string;
  readonly applied: boolean;
}

/** Manager identifier (kube's JSON form) → owned fields. */
export type ManagedFields = Map<string, VersionedSet>;

export interface Schema {
  readonly type: SType;
  /** A built-in kind: live and updated objects are Go structs (zero-value view). */
  readonly typed: boolean;
  /** Reset fields (never owned, never conflicting), or null. */
  readonly ignored: FieldSet | null;
}

export interface Conflict {
  readonly manager: string;
  readonly path: readonly PathElement[];
}

/** A plain error out of the updater (kube wraps the SMD error with what failed). */
export class UpdaterError extends Error {}

function wrap<T>(what: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof SmdError) throw new UpdaterError(`${what}: ${e.message}`);
    throw e;
  }
}

/** merge.Conflicts. */
export class ConflictsError extends Error {
  constructor(readonly conflicts: readonly Conflict[]) {
    super(`conflicts: ${conflicts.length}`);
  }
}

function excludeIgnored(c: Comparison, ignored: FieldSet | null): Comparison {
  if (ignored === null || ignored.empty()) return c;
  return {
    added: c.added.recursiveDifference(ignored),
    modified: c.modified.recursiveDifference(ignored),
    removed: c.removed.recursiveDifference(ignored),
  };
}

/** Updater.update: other managers lose what changed (conflicts unless forced) and what was removed. */
function update(
  s: Schema,
  oldObject: Json,
  newObject: Json,
  managers: ManagedFields,
  workflow: string,
  force: boolean,
): { cmp: Comparison; same: boolean } {
  const full = wrap('failed to compare objects', () => compare(oldObject, newObject, s.type, s.typed, s.typed));
  const same = full.added.empty() && full.modified.empty() && full.removed.empty();
  const cmp = excludeIgnored(full, s.ignored);
  const changed = cmp.modified.union(cmp.added);
  const conflicts = new Map<string, FieldSet>();
  for (const [manager, vs] of managers) {
    if (manager === workflow) continue;
    const c = vs.set.intersection(changed);
    if (!c.empty()) conflicts.set(manager, c);
  }
  if (!force && conflicts.size > 0) {
    const list: Conflict[] = [];
    for (const manager of [...conflicts.keys()].sort()) {
      for (const path of conflicts.get(manager)!.paths()) list.push({ manager, path });
    }
    throw new ConflictsError(list);
  }
  for (const [manager, c] of conflicts) {
    const vs = managers.get(manager)!;
    managers.set(manager, { ...vs, set: vs.set.difference(c) });
  }
  if (!cmp.removed.empty()) {
    for (const [manager, vs] of managers) {
      if (manager === workflow) continue;
      managers.set(manager, { ...vs, set: vs.set.difference(cmp.removed) });
    }
  }
  for (const [manager, vs] of managers) if (vs.set.empty()) managers.delete(manager);
  return { cmp, same };
}

/**
 * Updater.Update, for create/update/patch: `manager` gains what changed
 * between live and new; everyone else loses it.
 */
export function updateManagers(s: Schema, live: Json, next: Json, version: string, managers: ManagedFields, manager: string): ManagedFields {
  const out = new Map(managers);
  const { cmp } = update(s, live, next, out, manager, true);
  const prev = out.get(manager)?.set ?? new FieldSet();
  let set = prev.difference(cmp.removed).union(cmp.modified).union(cmp.added);
  if (s.ignored !== null) set = set.recursiveDifference(s.ignored);
  if (set.empty()) out.delete(manager);
  else out.set(manager, { set, apiVersion: version, applied: false });
  return out;
}

/**
 * Updater.Apply: the merged object (null when it equals the live one) and the
 * new ownership. Throws ConflictsError unless forced.
 */
export function applyConfig(
  s: Schema,
  live: Json,
  config: Json,
  version: string,
  managers: ManagedFields,
  manager: string,
  force: boolean,
): { object: Json | null; managers: ManagedFields } {
  const out = new Map(managers);
  let merged = wrap('failed to merge config', () => merge(live, config, s.type));
  const lastSet = out.get(manager);
  let set = wrap('failed to get field set', () => toFieldSet(config, s.type));
  if (s.ignored !== null) set = set.recursiveDifference(s.ignored);
  out.set(manager, { set, apiVersion: version, applied: true });
  merged = wrap('failed to prune fields', () => prune(s, merged, out, lastSet, set));
  const { same } = update(s, live, merged, out, manager, force);
  // A comparison without changes may still hide a reordered list: value equality decides.
  if (same && typedEqual(live, merged, s.type, s.typed, s.typed)) return { object: null, managers: out };
  return { object: merged, managers: out };
}

/**
 * Removes what the applier owned last time and no longer applies, unless some
 * other manager (applier or updater) owns it; items that only the applier's
 * old set mentions go, everything else is added back.
 */
function prune(s: Schema, merged: Json, managers: ManagedFields, lastSet: VersionedSet | undefined, applying: FieldSet): Json {
  if (lastSet === undefined || lastSet.set.empty()) return merged;
  // Shortcut: when the applier still applies every path it applied last
  // time, each of them (and, being taken from an applied object, each list
  // item and map key above it) is owned, so the add-back steps below restore
  // everything the first removal takes: nothing goes.
  if (lastSet.set.subsetOf(applying)) return merged;
  const named = (set: FieldSet): FieldSet => ensureNamedFieldsAreMembers(set, s.type);
  const fieldSet = (v: Json): FieldSet => toFieldSet(v, s.type, true);
  const last = named(lastSet.set);
  let pruned = removeItems(merged, last, s.type);

  // addBackOwnedItems, version by version (the pruned version first).
  const byVersion = new Map<string, FieldSet>();
  for (const vs of managers.values()) byVersion.set(vs.apiVersion, (byVersion.get(vs.apiVersion) ?? new FieldSet()).union(vs.set));
  const versions = [...byVersion.keys()];
  versions.sort((a, b) => (a === lastSet.apiVersion ? -1 : b === lastSet.apiVersion ? 1 : 0));
  const mergedSet = fieldSet(merged);
  for (const v of versions) {
    const prunedSet = fieldSet(pruned);
    pruned = removeItems(merged, mergedSet.difference(prunedSet.union(named(byVersion.get(v)!))), s.type);
  }

  // addBackDanglingItems: only what the applier owned may go.
  const prunedSet = fieldSet(pruned);
  return removeItems(merged, mergedSet.difference(prunedSet).intersection(last), s.type);
}
