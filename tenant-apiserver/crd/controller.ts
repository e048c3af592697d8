// The CRD runtime: one controller doing what apiextensions-apiserver's naming,
// establishing, finalizer and serving machinery do together.
//
//   naming:       spec.names → status.acceptedNames, NamesAccepted (kube's
//                 per-group rules, so a rename that collides is reported, not served)
//   establishing: Established=True once names are accepted (one process: no HA wait)
//   serving:      registry entries per served version (discovery, routing), the
//                 generic-store strategy, the Table printer, OpenAPI documents
//   finalizing:   a deleted CRD (Terminating, customresourcecleanup finalizer)
//                 has its objects deleted, then its finalizer removed; once it is
//                 gone its resources leave discovery.
//
// It also hands the body decoder its per-version pruning (unknown fields) and
// keeps the CRD cache the create-time name-collision check reads.

import type { Logger } from 'pino';
import { ApiError } from '../api/errors.js';
import type { Registry, ResourceInfo } from '../api/registry.js';
import type { ResourceStore } from '../api/store.js';
import type { KubeObject, StoredObject, UserInfo } from '../api/types.js';
import { isObject } from '../api/types.js';
import type { OpenApiV2 } from '../api/openapi/spec.js';
import { checkFields, decodeErrorMessage, type SchemaIndex } from '../api/openapi/schema-check.js';
import { registerStrategy, unregisterStrategy } from '../api/strategies/register.js';
import { registerPrinter, unregisterPrinter } from '../api/printers/custom.js';
import type { Controller, ReconcileResult } from '../controllers/runtime.js';
import type { SchemaChecker } from '../server/decode.js';
import type { ExtraOpenApi } from '../openapi-serving.js';
import { pruneSegments } from '../openapi-serving.js';
import { crdStrategy } from './crd-strategy.js';
import { customResourceStrategy, resourceInfoFor, stateFor, type CustomResourceState } from './custom-resource.js';
import { customResourceOpenApi, type GroupVersionOpenApi } from './openapi.js';
import { customResourcePrinter } from './printer.js';
import { pruneUnknownFields } from './schema.js';
import {
  asCrd,
  CLEANUP_FINALIZER,
  CRD_GROUP,
  CRD_RESOURCE,
  isConditionTrue,
  objectOr,
  schemaOf,
  setCondition,
  specOf,
  type CRDNames,
  type CustomResourceDefinition,
} from './types.js';

const SYSTEM: UserInfo = { username: 'system:apiextensions-apiserver', groups: ['system:masters'] };
const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
const RECHECK_MS = 1000;

interface Served {
  state: CustomResourceState;
  infos: ResourceInfo[];
  fingerprint: string;
  openapi: GroupVersionOpenApi[];
}

function resourceKey(group: string, resource: string): string {
  return `${group}/${resource}`;
}

/** equalToAcceptedOrFresh: a requested name is fine if it is already ours or nobody else's. */
function fresh(requested: string | undefined, accepted: string | undefined, used: Set<string>): string | undefined {
  if (!requested || requested === accepted || !used.has(requested)) return undefined;
  return `${JSON.stringify(requested)} is already in use`;
}

export interface CustomResourceRuntimeOptions {
  registry: Registry;
  store: ResourceStore;
  spec: OpenApiV2;
  log: Logger;
}

export class CustomResourceRuntime {
  /** Latest CRDs seen (watch + our own writes). */
  readonly crds = new Map<string, CustomResourceDefinition>();
  private readonly served = new Map<string, Served>();
  private readonly byResource = new Map<string, CustomResourceState>();
  private enqueue: (key: string) => void = () => {};

  constructor(private readonly o: CustomResourceRuntimeOptions) {
    registerStrategy(CRD_GROUP, CRD_RESOURCE, crdStrategy({ crds: () => this.crds.values(), resources: () => this.o.registry.all() }));
  }

  private crdInfo(): ResourceInfo {
    const info = this.o.registry.get(CRD_GROUP, 'v1', CRD_RESOURCE);
    if (!info) throw new Error('apiextensions.k8s.io/v1 customresourcedefinitions is not served');
    return info;
  }

  /** The live serving state of a custom resource (strategy, decoder and tests read it). */
  stateOf(group: string, resource: string): CustomResourceState | undefined {
    return this.byResource.get(resourceKey(group, resource));
  }

  // ---- decoder hook ---------------------------------------------------------------------------------------------------

  /** Wraps the built-in schema checker: custom resources are pruned by their version's schema. */
  schemaChecker(base: SchemaChecker & { index(): SchemaIndex }): SchemaChecker & { index(): SchemaIndex } {
    return {
      index: base.index,
      checkAndPrune: (info, obj) => {
        if (!info.custom) return base.checkAndPrune(info, obj);
        const v = this.stateOf(info.group, info.resource)?.versions.get(info.version);
        const schema = v ? schemaOf(v) : undefined;
        const unknown = schema ? pruneUnknownFields(obj, schema, { isResourceRoot: true }) : [];
        const typeErrors: string[] = [];
        // ObjectMeta is a typed struct for custom resources too: its unknown fields go, its types are checked.
        if (isObject(obj.metadata)) {
          const r = checkFields(base.index(), OBJECT_META, obj.metadata);
          for (const segs of r.unknownSegments) pruneSegments(obj.metadata, segs);
          unknown.push(...r.unknown.map((u) => `metadata.${u}`));
          const err = decodeErrorMessage(r);
          if (err) typeErrors.push(err);
        }
        return { unknown, typeErrors };
      },
    };
  }

  // ---- OpenAPI hook ---------------------------------------------------------------------------------------------------

  openapi(): ExtraOpenApi {
    return {
      groupVersions: () => {
        const out = new Map<string, { paths: GroupVersionOpenApi['paths']; definitions: GroupVersionOpenApi['definitions'] }>();
        for (const s of this.served.values()) {
          for (const gv of s.openapi) {
            const cur = out.get(gv.gvPath) ?? { paths: {}, definitions: {} };
            Object.assign(cur.paths, gv.paths);
            Object.assign(cur.definitions, gv.definitions);
            out.set(gv.gvPath, cur);
          }
        }
        return out;
      },
    };
  }

  // ---- serving --------------------------------------------------------------------------------------------------------

  /** Registers (or refreshes) what serves a CRD's resources; a no-op when nothing relevant changed. */
  serve(crd: CustomResourceDefinition): void {
    const name = crd.metadata?.name ?? '';
    const names = objectOr(crd.status?.acceptedNames) ?? {};
    const terminating = !!crd.metadata?.deletionTimestamp;
    const st = stateFor(crd, names, terminating);
    if (!st) return this.unserve(name);
    const fingerprint = JSON.stringify([crd.spec, names, terminating]);
    const prev = this.served.get(name);
    if (prev?.fingerprint === fingerprint) return;
    const key = resourceKey(st.group, st.plural);
    if (prev && resourceKey(prev.state.group, prev.state.plural) !== key) this.unserve(name);
    this.byResource.set(key, st);
    registerStrategy(st.group, st.plural, customResourceStrategy(() => this.byResource.get(key)));
    // The Table columns are the preferred version's (kubectl reads that version).
    const preferred = st.versions.get(st.served[0] ?? st.storageVersion);
    registerPrinter(st.group, st.plural, customResourcePrinter(preferred?.additionalPrinterColumns));
    const infos = st.served.map((v) => resourceInfoFor(st, v));
    // Set before touching the registry: its generation bump makes OpenAPI rebuild from this entry.
    this.served.set(name, { state: st, infos, fingerprint, openapi: customResourceOpenApi(this.o.spec, st) });
    for (const info of prev?.infos ?? []) this.o.registry.remove(info.group, info.version, info.resource);
    for (const info of infos) this.o.registry.add(info);
    this.o.log.info({ crd: name, versions: st.served, terminating }, prev ? 'custom resource serving updated' : 'custom resource served');
  }

  unserve(name: string): void {
    const prev = this.served.get(name);
    if (!prev) return;
    this.served.delete(name);
    const { group, plural } = prev.state;
    this.byResource.delete(resourceKey(group, plural));
    for (const info of prev.infos) this.o.registry.remove(info.group, info.version, info.resource);
    unregisterStrategy(group, plural);
    unregisterPrinter(group, plural);
    this.o.log.info({ crd: name }, 'custom resource no longer served');
  }

  // ---- naming (NamingConditionController) -----------------------------------------------------------------------------

  /** Names claimed in a group: every CRD's accepted names, and the built-in resources of the group. */
  private namesInGroup(group: string): { resources: Set<string>; kinds: Set<string> } {
    const resources = new Set<string>();
    const kinds = new Set<string>();
    for (const c of this.crds.values()) {
      if (specOf(c).group !== group) continue;
      const n = objectOr(c.status?.acceptedNames) ?? {};
      for (const r of [n.plural, n.singular, ...(Array.isArray(n.shortNames) ? n.shortNames : [])]) if (r) resources.add(r);
      for (const k of [n.kind, n.listKind]) if (k) kinds.add(k);
    }
    for (const b of this.o.registry.all()) {
      if (b.custom || b.group !== group) continue;
      resources.add(b.resource);
      resources.add(b.singular);
      kinds.add(b.kind);
      kinds.add(b.listKind);
    }
    return { resources, kinds };
  }

  /** calculateNamesAndConditions, then Established once names are accepted. Mutates; returns whether status changed. */
  computeStatus(crd: CustomResourceDefinition, now = new Date()): boolean {
    const spec = specOf(crd);
    const requested: CRDNames = objectOr(spec.names) ?? {};
    const status = (crd.status ??= {});
    const accepted: CRDNames = objectOr(status.acceptedNames) ?? { plural: '', kind: '' };
    const before = JSON.stringify(status);
    const { resources, kinds } = this.namesInGroup(spec.group ?? '');
    const next: CRDNames = { ...accepted };
    let problem: { reason: string; message: string } | undefined;
    const check = (field: 'plural' | 'singular' | 'kind' | 'listKind', reason: string, used: Set<string>) => {
      const err = fresh(requested[field], accepted[field], used);
      if (err) problem = { reason, message: err };
      else if (requested[field] !== undefined) next[field] = requested[field];
    };
    check('plural', 'PluralConflict', resources);
    check('singular', 'SingularConflict', resources);
    const reqShort = Array.isArray(requested.shortNames) ? requested.shortNames : [];
    const accShort = Array.isArray(accepted.shortNames) ? accepted.shortNames : [];
    if (JSON.stringify(reqShort) !== JSON.stringify(accShort)) {
      const errs = reqShort.filter((s) => !accShort.includes(s)).map((s) => fresh(s, '', resources)).filter((e): e is string => !!e);
      if (errs.length > 0) problem = { reason: 'ShortNamesConflict', message: errs.length === 1 ? errs[0]! : `[${errs.join(', ')}]` };
      else if (reqShort.length > 0) next.shortNames = [...reqShort];
      else delete next.shortNames;
    }
    check('kind', 'KindConflict', kinds);
    check('listKind', 'ListKindConflict', kinds);
    if (Array.isArray(requested.categories) && requested.categories.length > 0) next.categories = [...requested.categories];
    else delete next.categories;
    // Field order as kube serialises CustomResourceDefinitionNames.
    const ordered: CRDNames = { plural: next.plural ?? '' };
    if (next.singular) ordered.singular = next.singular;
    if (next.shortNames) ordered.shortNames = next.shortNames;
    ordered.kind = next.kind ?? '';
    if (next.listKind) ordered.listKind = next.listKind;
    if (next.categories) ordered.categories = next.categories;
    status.acceptedNames = ordered;
    setCondition(crd, problem ? { type: 'NamesAccepted', status: 'False', ...problem } : { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' }, now);
    if (!isConditionTrue(crd, 'Established')) {
      if (problem) setCondition(crd, { type: 'Established', status: 'False', reason: 'NotAccepted', message: 'not all names are accepted' }, now);
      else setCondition(crd, { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' }, now);
    }
    return JSON.stringify(status) !== before;
  }

  // ---- writes ---------------------------------------------------------------------------------------------------------

  private async writeStatus(crd: CustomResourceDefinition): Promise<CustomResourceDefinition | undefined> {
    try {
      const r = await this.o.store.update(this.crdInfo(), undefined, crd.metadata!.name!, () => crd as KubeObject, { user: SYSTEM, subresource: 'status' });
      const out = asCrd(r.object);
      this.crds.set(out.metadata!.name!, out);
      return out;
    } catch (e) {
      // Deleted meanwhile (the watch brings the news) or changed (we run again).
      if (e instanceof ApiError && e.code === 404) return undefined;
      throw e;
    }
  }

  private requeueGroup(group: string, except: string): void {
    for (const c of this.crds.values()) {
      const n = c.metadata?.name;
      if (n && n !== except && specOf(c).group === group) this.enqueue(n);
    }
  }

  // ---- reconcile ------------------------------------------------------------------------------------------------------

  async reconcile(name: string): Promise<ReconcileResult> {
    let crd: CustomResourceDefinition;
    try {
      crd = asCrd(await this.o.store.get(this.crdInfo(), undefined, name));
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 404)) throw e;
      const group = this.served.get(name)?.state.group ?? specOf(this.crds.get(name) ?? {}).group;
      this.crds.delete(name);
      this.unserve(name);
      // Its names are free now: conflicting CRDs of the group may be accepted.
      if (group) this.requeueGroup(group, name);
      return;
    }
    this.crds.set(name, crd);
    if (crd.metadata?.deletionTimestamp) return this.finalize(crd);
    const next = structuredClone(crd);
    if (this.computeStatus(next)) {
      const written = await this.writeStatus(next);
      if (!written) return;
      crd = written;
      this.requeueGroup(specOf(crd).group ?? '', name);
    }
    if (isConditionTrue(crd, 'Established')) this.serve(crd);
    else this.unserve(name);
    return;
  }

  /** CRDFinalizer: delete every object, then drop the cleanup finalizer (the store then removes the CRD). */
  private async finalize(crd: CustomResourceDefinition): Promise<ReconcileResult> {
    const name = crd.metadata!.name!;
    if (!(crd.metadata?.finalizers ?? []).includes(CLEANUP_FINALIZER)) return;
    const established = isConditionTrue(crd, 'Established');
    if (established) this.serve(crd);
    let cur = structuredClone(crd);
    if (setCondition(cur, { type: 'Terminating', status: 'True', reason: 'InstanceDeletionInProgress', message: 'CustomResource deletion is in progress' })) {
      const w = await this.writeStatus(cur);
      if (!w) return;
      cur = structuredClone(w);
    }
    const st = this.served.get(name)?.state;
    if (established && st) {
      const info = resourceInfoFor(st, st.storageVersion);
      const remaining = await this.deleteInstances(info);
      if (remaining > 0) {
        if (
          setCondition(cur, {
            type: 'Terminating',
            status: 'True',
            reason: 'InstanceDeletionCheck',
            message: `could not confirm zero CustomResources remaining: ${remaining} remaining`,
          })
        ) {
          await this.writeStatus(cur);
        }
        return { requeueAfterMs: RECHECK_MS };
      }
      setCondition(cur, { type: 'Terminating', status: 'False', reason: 'InstanceDeletionCompleted', message: 'removed all instances' });
    } else {
      setCondition(cur, { type: 'Terminating', status: 'False', reason: 'NeverEstablished', message: 'resource was never established' });
    }
    const w = await this.writeStatus(cur);
    if (!w) return;
    try {
      await this.o.store.update(
        this.crdInfo(),
        undefined,
        name,
        (current) => {
          if (!current) throw new ApiError(404, 'NotFound', 'gone');
          const meta = current.metadata;
          return { ...current, metadata: { ...meta, finalizers: (meta.finalizers ?? []).filter((f) => f !== CLEANUP_FINALIZER) } };
        },
        { user: SYSTEM },
      );
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 404)) throw e;
    }
    return;
  }

  /** Deletes every object of the resource; returns how many are still there (held by finalizers). */
  private async deleteInstances(info: ResourceInfo): Promise<number> {
    const list = await this.o.store.list(info, undefined);
    for (const obj of list.items) {
      if (obj.metadata.deletionTimestamp) continue;
      try {
        await this.o.store.delete(info, obj.metadata.namespace, obj.metadata.name, { propagationPolicy: 'Background' }, { user: SYSTEM });
      } catch (e) {
        if (!(e instanceof ApiError && (e.code === 404 || e.code === 409))) throw e;
      }
    }
    return (await this.o.store.list(info, undefined, { limit: 1 })).items.length;
  }

  // ---- the controller ---------------------------------------------------------------------------------------------------

  controller(): Controller {
    return {
      name: 'customresourcedefinitions',
      start: async (enqueue) => {
        this.enqueue = enqueue;
        const w = await this.o.store.watch(this.crdInfo(), undefined, { resourceVersion: '' }, (type, obj: StoredObject) => {
          const n = obj.metadata.name;
          if (type === 'DELETED') this.crds.delete(n);
          else {
            const crd = asCrd(obj);
            this.crds.set(n, crd);
            // Established CRDs are served at once: at start-up, before the server reports ready.
            if (isConditionTrue(crd, 'Established') && !crd.metadata?.deletionTimestamp) this.serve(crd);
          }
          enqueue(n);
        });
        return () => w.stop();
      },
      reconcile: (key) => this.reconcile(key),
    };
  }
}
