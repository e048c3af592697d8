// Serving OpenAPI from the vendored v2 spec: /openapi/v2 filtered to what we
// serve, /openapi/v3 documents built per group-version on first request and
// cached by registry generation (CRDs bump it), and the schema checks that
// field validation runs on every write.

import type { Registry, ResourceInfo } from './api/registry.js';
import type { KubeObject } from './api/types.js';
import type { OpenApiV2, PathItem, SchemaObject } from './api/openapi/spec.js';
import { checkFields, compileSchemas, decodeErrorMessage, type SchemaIndex } from './api/openapi/schema-check.js';
import type { OpenApiServing } from './server/server.js';
import type { SchemaChecker } from './server/decode.js';

function servedGvPaths(registry: Registry): Set<string> {
  const out = new Set<string>();
  for (const gv of registry.groupVersions()) out.add(gv.group ? `apis/${gv.group}/${gv.version}` : `api/${gv.version}`);
  return out;
}

/**
 * OpenAPI contributed at run time (CRDs): v2-style paths and definitions per
 * /openapi/v3 key. Whoever changes it bumps registry.generation, so the
 * documents below are rebuilt.
 */
export interface ExtraOpenApi {
  groupVersions(): ReadonlyMap<string, { paths: Record<string, PathItem>; definitions: Record<string, SchemaObject> }>;
}

// The document builders load with the first OpenAPI request (kubectl asks on its first write), not at start-up.
const v3Module = () => import('./api/openapi/v3.js');
const v2ProtobufModule = () => import('./api/openapi/v2-protobuf.js');

export function createOpenApiServing(spec: OpenApiV2, registry: Registry, extra?: ExtraOpenApi): OpenApiServing {
  const v3Cache = new Map<string, { gen: number; body: string; etag: string }>();
  let v2Cache: { gen: number; body: string; etag: string; protobuf(): Buffer } | undefined;
  const build = async (gvPath: string) => {
    const { buildV3Document, openApiHash, serializeOpenApi } = await v3Module();
    const cached = v3Cache.get(gvPath);
    if (cached && cached.gen === registry.generation) return cached;
    if (!servedGvPaths(registry).has(gvPath)) return undefined;
    const more = extra?.groupVersions().get(gvPath);
    const body = serializeOpenApi(buildV3Document(spec, gvPath, more ? { extraPaths: more.paths, extraSchemas: more.definitions } : {}));
    const entry = { gen: registry.generation, body, etag: openApiHash(body) };
    v3Cache.set(gvPath, entry);
    return entry;
  };
  return {
    async v2() {
      if (v2Cache && v2Cache.gen === registry.generation) return v2Cache;
      const [{ filterV2, openApiHash, serializeOpenApi }, { encodeOpenApiV2Protobuf }] = await Promise.all([v3Module(), v2ProtobufModule()]);
      const served = new Set(registry.groupVersions().map((gv) => (gv.group ? `${gv.group}/${gv.version}` : gv.version)));
      let doc = filterV2(spec, served);
      const more = extra?.groupVersions();
      if (more && more.size > 0) {
        // Custom resources' paths and definitions join the built-in ones (v2 is one document).
        const paths = { ...doc.paths };
        const definitions = { ...doc.definitions };
        for (const gv of more.values()) {
          Object.assign(paths, gv.paths);
          Object.assign(definitions, gv.definitions);
        }
        doc = { ...doc, paths, definitions };
      }
      const body = serializeOpenApi(doc);
      // The protobuf form (kubectl <= 1.27; ~2 MB) costs 100-550 ms for the full
      // document, so it is built on first request and kept with the JSON.
      let pb: Buffer | undefined;
      v2Cache = { gen: registry.generation, body, etag: openApiHash(body), protobuf: () => (pb ??= encodeOpenApiV2Protobuf(doc)) };
      return v2Cache;
    },
    async v3Index() {
      const { buildV3Index, listV3GroupVersions } = await v3Module();
      const served = servedGvPaths(registry);
      const paths = [...listV3GroupVersions(spec), ...(extra?.groupVersions().keys() ?? [])].filter((p) => served.has(p));
      const etags = new Map<string, string>();
      for (const p of paths) etags.set(p, (await build(p))?.etag ?? '');
      return buildV3Index(paths, (p) => etags.get(p) ?? '');
    },
    v3(gvPath) {
      return build(gvPath);
    },
  };
}

/** Field validation from the OpenAPI definitions; unknown fields are dropped from the object. */
/** Compiled schemas by document: servers sharing a document (loadOpenApi) share them too; they are read-only. */
const compiled = new WeakMap<OpenApiV2, SchemaIndex>();

export function createSchemaChecker(spec: OpenApiV2): SchemaChecker & { index(): SchemaIndex } {
  const idx = (): SchemaIndex => {
    let index = compiled.get(spec);
    if (!index) compiled.set(spec, (index = compileSchemas(spec)));
    return index;
  };
  return {
    index: idx,
    checkAndPrune(info: ResourceInfo, obj: KubeObject) {
      if (!info.definition) return { unknown: [], typeErrors: [] };
      const r = checkFields(idx(), info.definition, obj);
      const err = decodeErrorMessage(r);
      for (const segs of r.unknownSegments) pruneSegments(obj, segs);
      return { unknown: r.unknown, typeErrors: err ? [err] : [] };
    },
  };
}

/** Delete the field at a path of keys and list indexes (from the schema walk). */
export function pruneSegments(obj: unknown, segs: readonly (string | number)[]): void {
  let cur: unknown = obj;
  for (let i = 0; i < segs.length - 1; i++) {
    if (cur === null || typeof cur !== 'object') return;
    cur = (cur as Record<string | number, unknown>)[segs[i]!];
  }
  const last = segs[segs.length - 1];
  if (cur !== null && typeof cur === 'object' && !Array.isArray(cur) && typeof last === 'string') delete (cur as Record<string, unknown>)[last];
}
