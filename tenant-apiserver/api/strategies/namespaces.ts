// Namespaces (pkg/registry/core/namespace): DNS-label names, the
// `kubernetes.io/metadata.name` label, the `kubernetes` finalizer added on create
// and owned by the /finalize subresource afterwards, phase Active on create.

import type { FieldError } from '../errors.js';
import type { Strategy } from '../strategy.js';
import type { KubeObject } from '../types.js';
import { registerStrategy } from './register.js';
import { asArr, asObj, clone, ensureObj, invalid, metaOf, specOf, str } from './util.js';
import { qualifiedName } from './validators.js';

export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';
const STANDARD_FINALIZERS = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

/** SetDefaults_Namespace (and Canonicalize): the name label always mirrors the name. */
export function setNamespaceNameLabel(ns: KubeObject): void {
  const name = str(ns.metadata?.name);
  if (!name) return;
  ensureObj(metaOf(ns), 'labels')[NAMESPACE_NAME_LABEL] = name;
}

/** validateFinalizerName for spec.finalizers (qualified, or one of kube's standard names). */
function finalizerErrors(values: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of asArr(values)) {
    const s = String(f);
    const q = qualifiedName(field, s);
    errs.push(...q);
    if (q.length === 0 && !s.includes('/') && !STANDARD_FINALIZERS.has(s)) {
      errs.push(invalid(field, s, 'name is neither a standard finalizer name nor is it fully qualified'));
    }
  }
  return errs;
}

export const namespaceStrategy: Strategy = {
  nameRule: 'label',
  tracksGeneration: false,
  returnDeletedObject: true,

  // A namespace with spec.finalizers waits in Terminating while the namespace controller empties it.
  deferDeletion(obj) {
    const finalizers = asArr(specOf(obj).finalizers);
    if (finalizers.length === 0) return false;
    obj.status = { ...asObj(obj.status), phase: 'Terminating' };
    return true;
  },

  canFinalize(obj) {
    return asArr(specOf(obj).finalizers).length === 0;
  },

  prepareForCreate(obj) {
    obj.status = { phase: 'Active' };
    // Required on create; afterwards only the namespace controller removes it via /finalize.
    const spec = specOf(obj);
    const finalizers = asArr(spec.finalizers).map(String);
    if (!finalizers.includes('kubernetes')) finalizers.push('kubernetes');
    spec.finalizers = finalizers;
  },

  prepareForUpdate(obj, old, ctx) {
    if (ctx.subresource === 'finalize') return;
    const oldFinalizers = asObj(old.spec)?.finalizers;
    const spec = specOf(obj);
    if (oldFinalizers === undefined) delete spec.finalizers;
    else spec.finalizers = clone(oldFinalizers);
    if (Object.keys(spec).length === 0 && old.spec === undefined) delete obj.spec;
  },

  defaults(obj) {
    setNamespaceNameLabel(obj);
  },

  // generateName is resolved after defaults; the label follows the final name.
  canonicalize(obj) {
    setNamespaceNameLabel(obj);
  },

  validate(obj) {
    return finalizerErrors(asObj(obj.spec)?.finalizers, 'spec.finalizers');
  },

  validateUpdate(obj, _old, ctx) {
    if (ctx.subresource === 'status') {
      const phase = str(asObj(obj.status)?.phase);
      if (!obj.metadata?.deletionTimestamp) {
        if (phase !== 'Active') return [invalid('status.Phase', phase, "may only be 'Active' if `deletionTimestamp` is empty")];
      } else if (phase !== 'Terminating') {
        return [invalid('status.Phase', phase, "may only be 'Terminating' if `deletionTimestamp` is not empty")];
      }
      return [];
    }
    if (ctx.subresource === 'finalize') {
      return asArr(asObj(obj.spec)?.finalizers).flatMap((f, i) => finalizerErrors([f], `spec.finalizers[${i}]`));
    }
    return [];
  },

  selectableFields(obj) {
    return { 'status.phase': str(asObj(obj.status)?.phase) };
  },
};

registerStrategy('', 'namespaces', namespaceStrategy);
