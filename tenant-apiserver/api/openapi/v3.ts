// OpenAPI v3 as kube-apiserver serves it: one document per group-version under
// /openapi/v3/<gvPath>, plus a discovery index whose URLs carry a content hash
// so clients (kubectl, client-go's cached discovery) can cache documents forever.
// Also the /openapi/v2 document restricted to what this server actually serves.
//
// Every function here is pure and deterministic (objects come out with sorted
// keys, as Go's encoding/json writes kube-openapi's maps), so a caller can build
// a document once per group-version, serialise it once, and key its cache by
// openApiHash(bytes). Measured (Node 20, 2-core box): api/v1 (251 schemas,
// 1.5 MiB) builds in ~20-40 ms plus ~20 ms to serialise and hash; apps/v1 in
// ~10 ms + ~7 ms; all 64 documents of the spec ~280 ms.

import { createHash } from 'node:crypto';
import {
  HTTP_METHODS,
  isParameterRef,
  type OpenApiV2,
  type Operation,
  type Parameter,
  type ParameterRef,
  type PathItem,
  type SchemaObject,
  type SecurityScheme,
} from './spec.js';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface OpenApiV3Document {
  openapi: '3.0.0';
  info: { title: string; version: string };
  paths: Record<string, JsonObject>;
  components: {
    schemas: Record<string, JsonObject>;
    securitySchemes?: Record<string, SecurityScheme>;
  };
}

export interface V3BuildOptions {
  /** v2-style schemas (refs as `#/definitions/X`) added to, or replacing, the spec's definitions — e.g. CRD schemas. */
  extraSchemas?: Record<string, SchemaObject>;
  /** v2-style path items served in this group-version besides the spec's own — e.g. CRD endpoints. */
  extraPaths?: Record<string, PathItem>;
}

export interface OpenApiV3Index {
  paths: Record<string, { serverRelativeURL: string }>;
}

const DEFINITIONS_PREFIX = '#/definitions/';
const SCHEMAS_PREFIX = '#/components/schemas/';
const PARAMETERS_PREFIX = '#/parameters/';

const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';

/**
 * The /openapi/v3 key a request path belongs to, the way kube splits its
 * document: `/api/v1/pods` → `api/v1`, `/apis/apps/v1/deployments` →
 * `apis/apps/v1`, `/apis/apps/` → `apis/apps`, `/api/` → `api`, and for
 * non-resource paths the literal prefix before any `{param}` segment
 * (`/logs/{logpath}` → `logs`, `/.well-known/openid-configuration/` →
 * `.well-known/openid-configuration`).
 */
export function gvPathOf(path: string): string {
  const segs = path.split('/').filter((s) => s.length > 0);
  if (segs[0] === 'api') return segs.length >= 2 ? `api/${segs[1]}` : 'api';
  if (segs[0] === 'apis') {
    if (segs.length >= 3) return `apis/${segs[1]}/${segs[2]}`;
    return segs.length === 2 ? `apis/${segs[1]}` : 'apis';
  }
  const cut = segs.findIndex((s) => s.startsWith('{'));
  return (cut === -1 ? segs : segs.slice(0, cut)).join('/');
}

/** Every /openapi/v3 key the spec (plus extra paths) has documents for, sorted. */
export function listV3GroupVersions(spec: OpenApiV2, extraPaths: Record<string, PathItem> = {}): string[] {
  const set = new Set<string>();
  for (const p of Object.keys(spec.paths)) set.add(gvPathOf(p));
  for (const p of Object.keys(extraPaths)) set.add(gvPathOf(p));
  return [...set].sort();
}

function definitionName(ref: string): string | undefined {
  return ref.startsWith(DEFINITIONS_PREFIX) ? ref.slice(DEFINITIONS_PREFIX.length) : undefined;
}

/**
 * v2 schema → v3 schema. Walks keywords structurally (never generically: the
 * JSONSchemaProps definition has *properties* named `$ref`, `items`, `type`).
 * A `$ref` with sibling keywords becomes `allOf: [{$ref}]` beside them, since
 * OpenAPI 3.0 ignores siblings of `$ref`; that is also what kube emits.
 */
function convertSchema(s: SchemaObject, refs: Set<string>): JsonObject {
  const out: JsonObject = {};
  let ref: string | undefined;
  for (const [k, v] of Object.entries(s) as Array<[string, unknown]>) {
    if (v === undefined) continue;
    switch (k) {
      case '$ref': {
        const name = definitionName(v as string);
        if (name === undefined) {
          ref = v as string;
        } else {
          refs.add(name);
          ref = SCHEMAS_PREFIX + name;
        }
        break;
      }
      case 'properties': {
        const props: JsonObject = {};
        for (const [pn, ps] of Object.entries(v as Record<string, SchemaObject>)) props[pn] = convertSchema(ps, refs);
        out.properties = props;
        break;
      }
      case 'additionalProperties':
      case 'items':
      case 'not':
        if (typeof v === 'object' && v !== null && !Array.isArray(v)) out[k] = convertSchema(v as SchemaObject, refs);
        else if (Array.isArray(v)) out[k] = v.map((x: SchemaObject) => convertSchema(x, refs));
        else out[k] = v as JsonValue;
        break;
      case 'allOf':
      case 'anyOf':
      case 'oneOf':
        out[k] = (v as SchemaObject[]).map((x) => convertSchema(x, refs));
        break;
      default:
        out[k] = v as JsonValue;
    }
  }
  if (ref === undefined) return out;
  if (Object.keys(out).length === 0) return { $ref: ref };
  const prior = Array.isArray(out.allOf) ? out.allOf : [];
  out.allOf = [{ $ref: ref }, ...prior];
  return out;
}

/**
 * kube-openapi gives these two types `OpenAPIV3OneOfTypes`, so their v3
 * schema says what they really accept instead of the v2 `type: string`.
 */
function convertDefinition(name: string, s: SchemaObject, refs: Set<string>): JsonObject {
  const out = convertSchema(s, refs);
  if (name === INT_OR_STRING || (s.format === 'int-or-string' && s.type === 'string')) {
    delete out.type;
    out.oneOf = [{ type: 'integer' }, { type: 'string' }];
  } else if (name === QUANTITY) {
    delete out.type;
    out.oneOf = [{ type: 'string' }, { type: 'number' }];
  }
  return out;
}

function resolveParameter(spec: OpenApiV2, p: Parameter | ParameterRef): Parameter {
  if (!isParameterRef(p)) return p;
  const name = p.$ref.startsWith(PARAMETERS_PREFIX) ? p.$ref.slice(PARAMETERS_PREFIX.length) : undefined;
  const resolved = name === undefined ? undefined : spec.parameters?.[name];
  if (!resolved) throw new Error(`OpenAPI v2: unresolvable parameter reference ${p.$ref}`);
  return resolved;
}

// Keys of a v2 non-body parameter that describe the parameter itself; the rest
// (type, format, items, uniqueItems, enum, default…) move into its v3 schema.
const PARAMETER_OWN_KEYS = new Set(['name', 'in', 'description', 'required', 'allowEmptyValue']);

function convertParameter(p: Parameter, refs: Set<string>): JsonObject {
  const out: JsonObject = {};
  const schema: JsonObject = {};
  for (const [k, v] of Object.entries(p) as Array<[string, unknown]>) {
    if (v === undefined) continue;
    if (PARAMETER_OWN_KEYS.has(k) || k.startsWith('x-')) out[k] = v as JsonValue;
    else if (k === 'items') schema.items = convertSchema(v as SchemaObject, refs);
    else if (k !== 'collectionFormat') schema[k] = v as JsonValue;
  }
  if (Object.keys(schema).length > 0) out.schema = schema;
  return out;
}

function convertParameters(spec: OpenApiV2, list: Array<Parameter | ParameterRef>, refs: Set<string>): { params: JsonObject[]; body?: Parameter } {
  const params: JsonObject[] = [];
  let body: Parameter | undefined;
  for (const raw of list) {
    const p = resolveParameter(spec, raw);
    if (p.in === 'body') body = p;
    else params.push(convertParameter(p, refs));
  }
  return body ? { params, body } : { params };
}

// Operation keys that have no v3 counterpart or are rebuilt below.
const OPERATION_DROPPED = new Set(['consumes', 'produces', 'schemes', 'parameters', 'responses', 'security']);

function convertOperation(spec: OpenApiV2, op: Operation, refs: Set<string>): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(op) as Array<[string, unknown]>) {
    if (v === undefined || OPERATION_DROPPED.has(k)) continue;
    out[k] = v as JsonValue;
  }
  const { params, body } = convertParameters(spec, op.parameters ?? [], refs);
  if (params.length > 0) out.parameters = params;
  if (body) {
    // One media-type entry per `consumes`: `*/*` for create/replace, the five
    // patch types for PATCH — the shape kubectl and client generators expect.
    const schema = convertSchema(body.schema ?? {}, refs);
    const content: JsonObject = {};
    for (const mt of op.consumes ?? ['*/*']) content[mt] = { schema };
    const requestBody: JsonObject = { content };
    if (body.description) requestBody.description = body.description;
    if (body.required) requestBody.required = true;
    out.requestBody = requestBody;
  }
  const responses: JsonObject = {};
  for (const [code, r] of Object.entries(op.responses ?? {})) {
    const resp: JsonObject = { description: r.description ?? '' };
    if (r.schema) {
      const schema = convertSchema(r.schema, refs);
      const content: JsonObject = {};
      for (const mt of op.produces ?? ['application/json']) content[mt] = { schema };
      resp.content = content;
    }
    responses[code] = resp;
  }
  out.responses = responses;
  return out;
}

function convertPathItem(spec: OpenApiV2, item: PathItem, refs: Set<string>): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(item) as Array<[string, unknown]>) {
    if (v === undefined) continue;
    if ((HTTP_METHODS as readonly string[]).includes(k)) out[k] = convertOperation(spec, v as Operation, refs);
    else if (k === 'parameters') {
      const { params } = convertParameters(spec, v as Array<Parameter | ParameterRef>, refs);
      if (params.length > 0) out.parameters = params;
    } else out[k] = v as JsonValue;
  }
  return out;
}

/** Deep copy with object keys sorted (Go's map order); arrays keep their order. */
function canonical(v: JsonValue): JsonValue {
  if (Array.isArray(v)) return v.map(canonical);
  if (v === null || typeof v !== 'object') return v;
  const out: JsonObject = {};
  for (const k of Object.keys(v).sort()) out[k] = canonical(v[k]!);
  return out;
}

/**
 * The `openapi: 3.0.0` document for one group-version (`api/v1`,
 * `apis/apps/v1`, or any other key gvPathOf produces): the v2 paths of that
 * group-version converted to v3 operations, and exactly the schemas they reach.
 */
export function buildV3Document(spec: OpenApiV2, gvPath: string, opts: V3BuildOptions = {}): OpenApiV3Document {
  const want = gvPath.replace(/^\/+|\/+$/g, '');
  const refs = new Set<string>();
  const paths: JsonObject = {};
  for (const [p, item] of Object.entries(spec.paths)) {
    if (gvPathOf(p) === want) paths[p] = convertPathItem(spec, item, refs);
  }
  for (const [p, item] of Object.entries(opts.extraPaths ?? {})) paths[p] = convertPathItem(spec, item, refs);

  const definitions = opts.extraSchemas ? { ...spec.definitions, ...opts.extraSchemas } : spec.definitions;
  const schemas: JsonObject = {};
  const queue = [...refs];
  const seen = new Set(queue);
  while (queue.length > 0) {
    const name = queue.pop()!;
    const def = definitions[name];
    if (!def) throw new Error(`OpenAPI: ${want} references undefined schema ${name}`);
    const found = new Set<string>();
    schemas[name] = convertDefinition(name, def, found);
    for (const r of found) {
      if (!seen.has(r)) {
        seen.add(r);
        queue.push(r);
      }
    }
  }

  const components: JsonObject = { schemas };
  if (spec.securityDefinitions) components.securitySchemes = spec.securityDefinitions as unknown as JsonObject;
  const doc: JsonObject = {
    openapi: '3.0.0',
    info: { title: spec.info.title, version: spec.info.version },
    paths,
    components,
  };
  return canonical(doc) as unknown as OpenApiV3Document;
}

/** The bytes to serve for a document (compact JSON, keys already sorted). */
export function serializeOpenApi(doc: OpenApiV3Document | OpenApiV2 | OpenApiV3Index): string {
  return JSON.stringify(doc);
}

/**
 * kube-openapi's ETag / `?hash=`: SHA-512 of the served JSON bytes, uppercase
 * hex (`fmt.Sprintf("%X", sha512.Sum512(data))`).
 */
export function openApiHash(bytes: string | Uint8Array): string {
  return createHash('sha512').update(bytes).digest('hex').toUpperCase();
}

/**
 * GET /openapi/v3: `{"paths": {"api/v1": {"serverRelativeURL":
 * "/openapi/v3/api/v1?hash=<HASH>"}, ...}}`. A client that later asks for a
 * stale hash gets a 301 to the current one (the server's job, not this one's).
 */
export function buildV3Index(gvPaths: string[], hashOf: (gvPath: string) => string): OpenApiV3Index {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const raw of [...new Set(gvPaths)].sort()) {
    const gv = raw.replace(/^\/+|\/+$/g, '');
    paths[gv] = { serverRelativeURL: `/openapi/v3/${gv}?hash=${encodeURIComponent(hashOf(gv))}` };
  }
  return { paths };
}

/**
 * A served group-version in any of the spellings callers have at hand:
 * discovery's `v1` / `apps/v1`, or the path form `api/v1` / `apis/apps/v1`.
 */
function normaliseGroupVersion(gv: string): string {
  const s = gv.replace(/^\/+|\/+$/g, '');
  if (s.startsWith('api/') || s.startsWith('apis/')) return s;
  return s.includes('/') ? `apis/${s}` : `api/${s}`;
}

export interface FilterV2Options {
  /** Whether to keep a path outside every group-version (`/version/`, `/logs/…`, `/api/`, `/apis/`). Default: keep. */
  keepNonResourcePath?: (path: string) => boolean;
}

/**
 * GET /openapi/v2 restricted to the group-versions this server serves: their
 * paths, the `/apis/<group>/` discovery path of any group with one served
 * version, and the non-resource paths. Definitions are kept whole (shared with
 * the input, not copied: treat the result as read-only).
 */
export function filterV2(spec: OpenApiV2, servedGroupVersions: Set<string>, opts: FilterV2Options = {}): OpenApiV2 {
  const served = new Set([...servedGroupVersions].map(normaliseGroupVersion));
  const servedGroups = new Set<string>();
  for (const gv of served) {
    const segs = gv.split('/');
    if (segs[0] === 'apis' && segs.length === 3) servedGroups.add(`apis/${segs[1]}`);
  }
  const keepOther = opts.keepNonResourcePath ?? (() => true);
  const paths: Record<string, PathItem> = {};
  for (const [p, item] of Object.entries(spec.paths)) {
    const gv = gvPathOf(p);
    const segs = gv.split('/');
    let keep: boolean;
    if ((segs[0] === 'api' && segs.length === 2) || (segs[0] === 'apis' && segs.length === 3)) keep = served.has(gv);
    else if (segs[0] === 'apis' && segs.length === 2) keep = servedGroups.has(gv);
    else keep = keepOther(p);
    if (keep) paths[p] = item;
  }
  return { ...spec, paths };
}
