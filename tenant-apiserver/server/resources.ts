// Resource endpoints: one handler per verb over the generic store. Decoding,
// negotiation, selectors and output transforms live here; object semantics live
// in api/store.ts and the strategies.

import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  ApiError,
  badRequest,
  methodNotAllowed,
  notFound,
  unsupportedMediaType,
  type GroupResource,
} from '../api/errors.js';
import type { Registry, ResourceInfo } from '../api/registry.js';
import { apiVersionOf, type DeleteOptions, type ResourceStore, type Selection } from '../api/store.js';
import { isObject, type KubeObject, type StoredObject, type UserInfo } from '../api/types.js';
import { negotiate, type OutputFormat } from './negotiate.js';
import { send } from './respond.js';
import type { RequestInfo } from './request-info.js';
import { loadedPrinters, loadPrinters, mayWantTable } from './tables.js';
import {
  checkFieldSelectorSupported,
  exactNameFromFieldSelector,
  labelSelectorHints,
  matchFields,
  matchLabels,
  parseFieldSelector,
  parseLabelSelector,
} from '../api/selectors.js';
import type { BodyDecoder, DecodedBody } from './decode.js';
import { APPLY_PATCH, checkPatchType } from './patch-types.js';
import { fieldManagerOf } from './field-manager.js';
import type { SchemaIndex } from '../api/openapi/schema-check.js';
import type { Strategy } from '../api/strategy.js';

export interface ResourceContext {
  req: IncomingMessage;
  res: ServerResponse;
  ri: RequestInfo;
  query: URLSearchParams;
  user: UserInfo;
  /** Warning headers accumulated during the request (kube's `Warning: 299 - "..."`). */
  warnings: string[];
}

export interface ResourceDeps {
  registry: Registry;
  store: ResourceStore;
  strategyFor: (info: ResourceInfo) => Strategy;
  decoder: BodyDecoder;
  /** The compiled OpenAPI schemas (strategic merge keys, server-side apply field sets). */
  schemaIndex(): SchemaIndex;
  /** Create handlers for virtual (review) resources, keyed by group/resource. */
  virtual: Record<string, (body: KubeObject, user: UserInfo, namespace: string | undefined) => KubeObject>;
  /**
   * Create-style subresources whose kind differs from the parent (serviceaccounts/token,
   * pods/binding, pods/eviction), keyed group/resource/subresource: given the decoded
   * body and the parent object, they act and return the response object.
   */
  subresourceCreate: Record<string, (body: KubeObject, parent: StoredObject, ctx: ResourceContext) => Promise<KubeObject> | KubeObject>;
  /** Serve a watch stream (server/watch.ts). */
  serveWatch(ctx: ResourceContext, info: ResourceInfo, namespace: string | undefined, selection: Selection | undefined, format: OutputFormat): Promise<void>;
}

// The patch engines and server-side apply load with the first PATCH, not at start-up.
const patchModule = () => import('./patch.js');
const applyModule = () => import('./apply.js');

const LIST_TRANSFORMS = ['Table', 'PartialObjectMetadataList'] as const;
const OBJECT_TRANSFORMS = ['Table', 'PartialObjectMetadata'] as const;

function notServed(): ApiError {
  return new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
}

function gr(info: ResourceInfo): GroupResource {
  return { group: info.group, resource: info.resource };
}

export function selectionFromQuery(query: URLSearchParams, info: ResourceInfo, strategy: Strategy): Selection | undefined {
  const ls = query.get('labelSelector');
  const fs = query.get('fieldSelector');
  if (!ls && !fs) return undefined;
  const sel: Selection = {};
  if (ls) {
    const parsed = parseLabelSelector(ls);
    sel.labels = (labels) => matchLabels(parsed, labels);
    sel.rawHints = labelSelectorHints(parsed);
  }
  if (fs) {
    const parsed = parseFieldSelector(fs);
    const supported = new Set(['metadata.name', 'metadata.namespace', ...Object.keys(strategy.selectableFields?.(sampleFor(info)) ?? {})]);
    checkFieldSelectorSupported(parsed, supported, info.kind);
    sel.fields = (fields) => matchFields(parsed, fields);
    const exact = exactNameFromFieldSelector(parsed);
    if (exact !== undefined) sel.exactName = exact;
  }
  return sel;
}

/** An empty object of the kind, so strategies can report which fields they can select on. */
function sampleFor(info: ResourceInfo): KubeObject {
  return { apiVersion: apiVersionOf(info), kind: info.kind, metadata: {}, spec: {}, status: {} };
}

function partialMetadata(obj: StoredObject, version: string): object {
  return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${version}`, metadata: obj.metadata };
}

export function renderObject(info: ResourceInfo, obj: StoredObject, format: OutputFormat): unknown {
  if (format.transform === 'Table') {
    const { toTable, printerFor } = loadedPrinters();
    const t = toTable(printerFor(info.group, info.resource), [obj], {
      includeObject: format.includeObject,
      listMeta: { resourceVersion: obj.metadata.resourceVersion },
      now: Date.now(),
      withColumns: true,
    });
    return format.transformVersion === 'v1beta1' ? { ...t, apiVersion: 'meta.k8s.io/v1beta1' } : t;
  }
  if (format.transform === 'PartialObjectMetadata') return partialMetadata(obj, format.transformVersion);
  return obj;
}

function parseDeleteOptions(body: DecodedBody | undefined, query: URLSearchParams): DeleteOptions {
  const opts: DeleteOptions = {};
  const b = body?.object;
  if (b && isObject(b)) {
    if (b.kind !== undefined && b.kind !== 'DeleteOptions') throw badRequest(`expected DeleteOptions, got ${String(b.kind)}`);
    if (typeof b.gracePeriodSeconds === 'number') opts.gracePeriodSeconds = b.gracePeriodSeconds;
    if (isObject(b.preconditions)) opts.preconditions = b.preconditions as DeleteOptions['preconditions'];
    if (typeof b.propagationPolicy === 'string') opts.propagationPolicy = b.propagationPolicy;
    if (typeof b.orphanDependents === 'boolean') opts.orphanDependents = b.orphanDependents;
    if (Array.isArray(b.dryRun)) opts.dryRun = b.dryRun.includes('All');
  }
  const g = query.get('gracePeriodSeconds');
  if (g !== null) {
    if (!/^-?\d+$/.test(g)) throw badRequest(`invalid gracePeriodSeconds: ${g}`);
    opts.gracePeriodSeconds = Number(g);
  }
  const p = query.get('propagationPolicy');
  if (p !== null) opts.propagationPolicy = p;
  if (opts.propagationPolicy && !['Orphan', 'Background', 'Foreground'].includes(opts.propagationPolicy)) {
    throw new ApiError(422, 'Invalid', `DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "${opts.propagationPolicy}": supported values: "Foreground", "Background", "Orphan", "nil"`);
  }
  const o = query.get('orphanDependents');
  if (o !== null) opts.orphanDependents = o === 'true';
  if (opts.gracePeriodSeconds !== undefined && opts.gracePeriodSeconds < 0) opts.gracePeriodSeconds = 1;
  return opts;
}

function dryRunOf(query: URLSearchParams): boolean {
  const values = query.getAll('dryRun');
  for (const v of values) if (v !== 'All') throw badRequest(`Invalid dry run value: ${JSON.stringify(v)}; supported values: "All"`);
  return values.length > 0;
}

function limitOf(query: URLSearchParams): number | undefined {
  const l = query.get('limit');
  if (l === null || l === '') return undefined;
  if (!/^\d+$/.test(l)) throw badRequest(`invalid limit: ${l}`);
  return Number(l);
}

/** Entry point for every /api and /apis resource request. */
export async function handleResource(deps: ResourceDeps, ctx: ResourceContext): Promise<void> {
  const { ri, query } = ctx;
  const info = deps.registry.get(ri.group, ri.version, ri.resource);
  if (!info) throw notServed();
  // Cluster-scoped resources cannot be addressed inside a namespace.
  if (!info.namespaced && ri.namespace) throw notServed();
  const strategy = deps.strategyFor(info);
  const namespace = info.namespaced ? ri.namespace || undefined : undefined;
  if (mayWantTable(ctx.req.headers.accept)) await loadPrinters();
  if (ri.subresource) return handleSubresource(deps, ctx, info, namespace);
  if (!info.verbs.includes(ri.verb)) throw methodNotAllowed();
  const manager = ri.verb === 'create' || ri.verb === 'update' || ri.verb === 'patch' ? fieldManagerOf(ctx) : undefined;
  const wc = (dryRun: boolean) => ({ user: ctx.user, dryRun, fieldManager: manager });

  switch (ri.verb) {
    case 'get': {
      const format = negotiate(ctx.req.headers.accept, query, [...OBJECT_TRANSFORMS]);
      const obj = await deps.store.get(info, namespace, ri.name, query.get('resourceVersion') ?? undefined);
      send(ctx.res, 200, renderObject(info, obj, format), format);
      return;
    }
    case 'list': {
      const format = negotiate(ctx.req.headers.accept, query, [...LIST_TRANSFORMS]);
      if (query.get('sendInitialEvents') !== null) throw badRequest('sendInitialEvents is forbidden for list');
      const list = await deps.store.list(info, namespace, {
        selection: selectionFromQuery(query, info, strategy),
        limit: limitOf(query),
        continue: query.get('continue') ?? undefined,
        resourceVersion: query.get('resourceVersion') ?? undefined,
        resourceVersionMatch: query.get('resourceVersionMatch') ?? undefined,
      });
      if (format.transform === 'Table') {
        const { toTable, printerFor } = loadedPrinters();
        const t = toTable(printerFor(info.group, info.resource), list.items, {
          includeObject: format.includeObject,
          listMeta: list.metadata,
          now: Date.now(),
          withColumns: true,
        });
        send(ctx.res, 200, format.transformVersion === 'v1beta1' ? { ...t, apiVersion: 'meta.k8s.io/v1beta1' } : t, format);
      } else if (format.transform === 'PartialObjectMetadataList') {
        send(ctx.res, 200, {
          kind: 'PartialObjectMetadataList',
          apiVersion: `meta.k8s.io/${format.transformVersion}`,
          metadata: list.metadata,
          items: list.items.map((o) => partialMetadata(o, format.transformVersion)),
        }, format);
      } else {
        send(ctx.res, 200, { kind: info.listKind, apiVersion: apiVersionOf(info), metadata: list.metadata, items: list.items }, format);
      }
      return;
    }
    case 'watch': {
      const format = negotiate(ctx.req.headers.accept, query, ['Table', 'PartialObjectMetadata']);
      await deps.serveWatch(ctx, info, namespace, selectionFromQuery(query, info, strategy), format);
      return;
    }
    case 'create': {
      const format = negotiate(ctx.req.headers.accept, query, [...OBJECT_TRANSFORMS]);
      if (info.namespaced && !namespace) throw notServed();
      if (ri.name) throw methodNotAllowed();
      const dryRun = dryRunOf(query);
      const body = await deps.decoder.decodeObject(ctx, info);
      if (deps.registry.isVirtual(info)) {
        const handler = deps.virtual[`${info.group}/${info.resource}`];
        if (!handler) throw methodNotAllowed();
        send(ctx.res, 201, handler(body, ctx.user, namespace), format);
        return;
      }
      const obj = await deps.store.create(info, namespace, body, wc(dryRun));
      send(ctx.res, 201, renderObject(info, obj, format), format, warningHeaders(ctx));
      return;
    }
    case 'update': {
      const format = negotiate(ctx.req.headers.accept, query, [...OBJECT_TRANSFORMS]);
      const dryRun = dryRunOf(query);
      const body = await deps.decoder.decodeObject(ctx, info);
      if (body.metadata?.name !== undefined && body.metadata.name !== ri.name) {
        throw badRequest(`the name of the object (${String(body.metadata.name)}) does not match the name on the URL (${ri.name})`);
      }
      const r = await deps.store.update(info, namespace, ri.name, () => ({ ...body, metadata: { ...body.metadata, name: ri.name } }), wc(dryRun));
      send(ctx.res, r.created ? 201 : 200, renderObject(info, r.object, format), format, warningHeaders(ctx));
      return;
    }
    case 'patch': {
      const format = negotiate(ctx.req.headers.accept, query, [...OBJECT_TRANSFORMS]);
      const dryRun = dryRunOf(query);
      const contentType = (ctx.req.headers['content-type'] ?? '').split(';')[0]!.trim();
      checkPatchType(info, contentType);
      const raw = await deps.decoder.readBody(ctx);
      if (contentType === APPLY_PATCH) {
        const applied = await (await applyModule()).serveApply(deps, ctx, info, namespace, ri.name, raw, dryRun);
        send(ctx.res, applied.created ? 201 : 200, renderObject(info, applied.object, format), format, warningHeaders(ctx));
        return;
      }
      if (ctx.query.has('force')) {
        throw new ApiError(422, 'Invalid', 'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch');
      }
      const patcher = await patchModule();
      const r = await deps.store.update(
        info,
        namespace,
        ri.name,
        (current) => {
          if (!current) throw notFound(gr(info), ri.name);
          return patcher.applyPatch(deps, ctx, info, contentType, raw, current);
        },
        wc(dryRun),
      );
      send(ctx.res, 200, renderObject(info, r.object, format), format, warningHeaders(ctx));
      return;
    }
    case 'delete': {
      const format = negotiate(ctx.req.headers.accept, query, []);
      const body = await deps.decoder.decodeOptional(ctx);
      const opts = parseDeleteOptions(body, query);
      const dryRun = dryRunOf(query) || opts.dryRun === true;
      const r = await deps.store.delete(info, namespace, ri.name, opts, wc(dryRun));
      if (!r.deleted) {
        send(ctx.res, 202, r.object, format);
      } else if (strategy.returnDeletedObject) {
        send(ctx.res, 200, r.object, format);
      } else {
        send(ctx.res, 200, {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Success',
          details: { name: ri.name, group: info.group || undefined, kind: info.resource, uid: r.object.metadata.uid },
        }, format);
      }
      return;
    }
    case 'deletecollection': {
      const format = negotiate(ctx.req.headers.accept, query, []);
      const body = await deps.decoder.decodeOptional(ctx);
      const opts = parseDeleteOptions(body, query);
      const dryRun = dryRunOf(query) || opts.dryRun === true;
      const list = await deps.store.deleteCollection(info, namespace, { selection: selectionFromQuery(query, info, strategy) }, opts, wc(dryRun));
      send(ctx.res, 200, { kind: info.listKind, apiVersion: apiVersionOf(info), metadata: list.metadata, items: list.items }, format);
      return;
    }
    default:
      throw methodNotAllowed();
  }
}

export function warningHeaders(ctx: ResourceContext): Record<string, string> {
  if (ctx.warnings.length === 0) return {};
  // Node joins repeated headers given as an array.
  return { Warning: ctx.warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(', ') };
}

async function handleSubresource(deps: ResourceDeps, ctx: ResourceContext, info: ResourceInfo, namespace: string | undefined): Promise<void> {
  const { ri, query } = ctx;
  const sub = info.subresources.get(ri.subresource);
  if (!sub || !ri.name) throw notServed();
  if (!sub.verbs.includes(ri.verb)) throw methodNotAllowed();
  if (sub.name === 'scale') return (await import('./scale.js')).scaleHandlers(deps, ctx, info, namespace);
  const format = negotiate(ctx.req.headers.accept, query, [...OBJECT_TRANSFORMS]);
  const wc = { user: ctx.user, dryRun: dryRunOf(query), subresource: sub.name, fieldManager: ri.verb === 'get' ? undefined : fieldManagerOf(ctx) };
  const special = deps.subresourceCreate[`${info.group}/${info.resource}/${sub.name}`];
  if (special && ri.verb === 'create') {
    const subInfo: ResourceInfo = { ...info, group: sub.group, version: sub.version, kind: sub.kind, definition: deps.registry.definitionFor(sub.group, sub.version, sub.kind) };
    const body = await deps.decoder.decodeObject(ctx, subInfo);
    const parent = await deps.store.get(info, namespace, ri.name);
    send(ctx.res, 201, await special(body, parent, ctx), format, warningHeaders(ctx));
    return;
  }
  // status, finalize, ephemeralcontainers, resize: the parent kind, written through the subresource rules.
  if (sub.kind !== info.kind) throw methodNotAllowed(`subresource ${sub.name} is not supported by this server yet`);
  switch (ri.verb) {
    case 'get': {
      const obj = await deps.store.get(info, namespace, ri.name);
      send(ctx.res, 200, renderObject(info, obj, format), format);
      return;
    }
    case 'update': {
      const body = await deps.decoder.decodeObject(ctx, info);
      const r = await deps.store.update(info, namespace, ri.name, (current) => {
        if (!current) throw notFound(gr(info), ri.name);
        return { ...body, metadata: { ...body.metadata, name: ri.name } };
      }, wc);
      send(ctx.res, 200, renderObject(info, r.object, format), format, warningHeaders(ctx));
      return;
    }
    case 'patch': {
      const contentType = (ctx.req.headers['content-type'] ?? '').split(';')[0]!.trim();
      checkPatchType(info, contentType);
      const raw = await deps.decoder.readBody(ctx);
      if (contentType === APPLY_PATCH) {
        const applied = await (await applyModule()).serveApply(deps, ctx, info, namespace, ri.name, raw, wc.dryRun, sub.name);
        send(ctx.res, 200, renderObject(info, applied.object, format), format, warningHeaders(ctx));
        return;
      }
      const patcher = await patchModule();
      const r = await deps.store.update(info, namespace, ri.name, (current) => {
        if (!current) throw notFound(gr(info), ri.name);
        return patcher.applyPatch(deps, ctx, info, contentType, raw, current);
      }, wc);
      send(ctx.res, 200, renderObject(info, r.object, format), format, warningHeaders(ctx));
      return;
    }
    default:
      throw methodNotAllowed();
  }
}
