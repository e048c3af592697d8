// The strategy for CustomResourceDefinition objects themselves: defaults
// (singular, listKind, conversion None), status owned by the server
// (storedVersions tracks every storage version ever used), validation with
// name-collision refusal at create, and deletion that waits for the CRD's
// objects (the customresourcecleanup finalizer, Terminating condition).

import type { ResourceInfo } from '../api/registry.js';
import type { Strategy } from '../api/strategy.js';
import { isObject, type KubeObject } from '../api/types.js';
import { nameCollisions, validateCrd, validateCrdStatus, validateCrdUpdate } from './validation.js';
import { asCrd, CLEANUP_FINALIZER, setCondition, storageVersion, type CustomResourceDefinition } from './types.js';

export interface CrdStrategyDeps {
  /** Every CRD the server knows of (for name collisions). */
  crds(): Iterable<CustomResourceDefinition>;
  /** Every served resource (built-ins' names are taken too). */
  resources(): ResourceInfo[];
}

/** SetDefaults_CustomResourceDefinitionSpec. */
export function defaultCrd(obj: KubeObject): void {
  const crd = asCrd(obj);
  if (!isObject(crd.spec)) return;
  const spec = crd.spec;
  if (isObject(spec.names)) {
    const n = spec.names;
    if (!n.singular && typeof n.kind === 'string') n.singular = n.kind.toLowerCase();
    if (!n.listKind && typeof n.kind === 'string' && n.kind) n.listKind = `${n.kind}List`;
  }
  if (spec.conversion === undefined || spec.conversion === null) spec.conversion = { strategy: 'None' };
  const webhook = isObject(spec.conversion) && isObject(spec.conversion.webhook) ? (spec.conversion.webhook as Record<string, unknown>) : undefined;
  const svc = webhook && isObject(webhook.clientConfig) && isObject(webhook.clientConfig.service) ? webhook.clientConfig.service : undefined;
  if (svc && svc.port === undefined) svc.port = 443;
}

function addStoredVersion(crd: CustomResourceDefinition): void {
  const status = (crd.status = isObject(crd.status) ? crd.status : {});
  const stored = Array.isArray(status.storedVersions) ? status.storedVersions : [];
  const sv = storageVersion(crd);
  if (sv && !stored.includes(sv)) stored.push(sv);
  status.storedVersions = stored;
}

export function crdStrategy(deps: CrdStrategyDeps): Strategy {
  return {
    prepareForCreate(obj) {
      // Status is the server's: a new CRD starts with no accepted names and its storage version stored.
      const crd = asCrd(obj);
      crd.status = { acceptedNames: { plural: '', kind: '' }, storedVersions: [] };
      addStoredVersion(crd);
    },
    prepareForUpdate(obj, _old, ctx) {
      const crd = asCrd(obj);
      // Status writes (the controllers') leave storedVersions as written; spec writes record a new storage version.
      if (ctx.subresource !== 'status') addStoredVersion(crd);
    },
    defaults(obj) {
      defaultCrd(obj);
    },
    validate(obj) {
      const crd = asCrd(obj);
      const errs = validateCrd(crd);
      if (errs.length > 0) return errs;
      return nameCollisions(crd, [...deps.crds()], deps.resources());
    },
    validateUpdate(obj, old, ctx) {
      if (ctx.subresource === 'status') return validateCrdStatus(asCrd(obj));
      return validateCrdUpdate(asCrd(obj), asCrd(old));
    },
    deferDeletion(obj) {
      // Deleting a CRD first deletes its objects: the finalizer holds it until the controller has.
      const crd = asCrd(obj);
      const meta = (crd.metadata ??= {});
      const fin = Array.isArray(meta.finalizers) ? meta.finalizers : [];
      if (!fin.includes(CLEANUP_FINALIZER)) fin.push(CLEANUP_FINALIZER);
      meta.finalizers = fin;
      if (!meta.deletionTimestamp) {
        setCondition(crd, {
          type: 'Terminating',
          status: 'True',
          reason: 'InstanceDeletionPending',
          message: 'CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon',
        });
      }
      return true;
    },
  };
}
