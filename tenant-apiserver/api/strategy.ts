// Per-resource behaviour, in the shape of kube-apiserver's registry strategies:
// the generic store does everything common (metadata, optimistic concurrency,
// status split, generation, finalizers, deletion) and asks the strategy only
// what differs. Adding a resource = one small strategy file.

import type { FieldError } from './errors.js';
import type { ResourceInfo } from './registry.js';
import type { KubeObject, UserInfo } from './types.js';

export type NameRule = 'subdomain' | 'label' | 'label1035' | 'path' | 'none';

export interface StrategyContext {
  info: ResourceInfo;
  user: UserInfo;
  now: Date;
  /** Set when writing through a subresource (status, scale, …). */
  subresource?: string;
}

export interface Strategy {
  /** How metadata.name is validated (kube's NameIsDNSSubdomain etc). Default: subdomain. */
  nameRule?: NameRule;
  /** PUT of a missing object creates it (endpoints, leases, events, RBAC …). */
  allowCreateOnUpdate?: boolean;
  /** Whether metadata.generation is kept and bumped on spec changes. Default: the kind has a spec. */
  tracksGeneration?: boolean;
  /** Set server-owned fields before the first write (e.g. pod status Pending). Mutates. */
  prepareForCreate?(obj: KubeObject, ctx: StrategyContext): void;
  /** Carry over what an update may not change. Mutates obj. */
  prepareForUpdate?(obj: KubeObject, old: KubeObject, ctx: StrategyContext): void;
  /** Fill defaults (mutates). Runs on create and on update, after prepare. */
  defaults?(obj: KubeObject, ctx: StrategyContext): void;
  validate?(obj: KubeObject, ctx: StrategyContext): FieldError[];
  validateUpdate?(obj: KubeObject, old: KubeObject, ctx: StrategyContext): FieldError[];
  /**
   * Normalise after validation, once the name is final (kube's Canonicalize):
   * e.g. a namespace created with generateName gets its name label here. Mutates.
   */
  canonicalize?(obj: KubeObject, ctx: StrategyContext): void;
  /** Field-selector values beyond metadata.name / metadata.namespace. */
  selectableFields?(obj: KubeObject): Record<string, string>;
  /**
   * Grace period for a delete: > 0 defers removal (deletionTimestamp set, someone
   * else finishes it), 0 removes at once. Default: 0.
   */
  gracePeriodSeconds?(obj: KubeObject, requested: number | undefined): number;
  /**
   * Called when a DELETE starts on an object without finalizers or grace. Returning
   * true keeps the object (marked with deletionTimestamp) for a controller to finish,
   * as namespaces wait for their contents; it may also mutate obj (status.phase).
   */
  deferDeletion?(obj: KubeObject): boolean;
  /** Whether an object being deleted with no metadata finalizers left may go (namespaces: spec.finalizers empty too). */
  canFinalize?(obj: KubeObject): boolean;
  /** DELETE answers with the object rather than a Success Status. */
  returnDeletedObject?: boolean;
  /** Convert a stored object to another served version of the same resource. */
  convert?(obj: KubeObject, toVersion: string): KubeObject;
  /**
   * Runs on every object read from storage, after conversion (custom resources:
   * pruning and schema defaults apply on read too, as kube's storage codec does). May mutate.
   */
  onRead?(obj: KubeObject, info: ResourceInfo): KubeObject;
}
