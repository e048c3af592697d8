// The vendored Kubernetes OpenAPI v2 document, typed for the parts the tenant
// server derives things from: definitions (for strict decoding, required
// fields and patch metadata), paths and shared parameters (for /openapi/v2 and
// the per-group-version /openapi/v3 documents).

import { readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One entry of `x-kubernetes-group-version-kind`. */
export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/**
 * A Swagger 2.0 schema as kube-openapi emits it. Only the keywords the server
 * reads are named; vendor extensions stay reachable through the `x-` index.
 */
export interface SchemaObject {
  $ref?: string;
  type?: string;
  format?: string;
  description?: string;
  properties?: Record<string, SchemaObject>;
  additionalProperties?: SchemaObject | boolean;
  items?: SchemaObject;
  required?: string[];
  allOf?: SchemaObject[];
  anyOf?: SchemaObject[];
  oneOf?: SchemaObject[];
  not?: SchemaObject;
  enum?: unknown[];
  default?: unknown;
  'x-kubernetes-group-version-kind'?: GroupVersionKind[];
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-patch-merge-key'?: string;
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: string;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  [extension: `x-${string}`]: unknown;
}

export type ParameterLocation = 'query' | 'path' | 'header' | 'body' | 'formData';

/** A v2 parameter: body parameters carry `schema`, the others carry `type` & co. */
export interface Parameter {
  name: string;
  in: ParameterLocation;
  description?: string;
  required?: boolean;
  schema?: SchemaObject;
  type?: string;
  format?: string;
  items?: SchemaObject;
  uniqueItems?: boolean;
  collectionFormat?: string;
  default?: unknown;
  enum?: unknown[];
  [extension: `x-${string}`]: unknown;
}

/** `{ "$ref": "#/parameters/pretty-tJGM1-ng" }`: kube-openapi dedupes common parameters. */
export interface ParameterRef {
  $ref: string;
}

export interface ResponseObject {
  description: string;
  schema?: SchemaObject;
  headers?: Record<string, unknown>;
}

export interface Operation {
  description?: string;
  summary?: string;
  operationId?: string;
  consumes?: string[];
  produces?: string[];
  schemes?: string[];
  tags?: string[];
  deprecated?: boolean;
  parameters?: Array<Parameter | ParameterRef>;
  responses: Record<string, ResponseObject>;
  'x-kubernetes-action'?: string;
  'x-kubernetes-group-version-kind'?: GroupVersionKind;
  [extension: `x-${string}`]: unknown;
}

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export interface PathItem {
  parameters?: Array<Parameter | ParameterRef>;
  get?: Operation;
  put?: Operation;
  post?: Operation;
  delete?: Operation;
  options?: Operation;
  head?: Operation;
  patch?: Operation;
  [extension: `x-${string}`]: unknown;
}

export interface SecurityScheme {
  type: string;
  description?: string;
  name?: string;
  in?: string;
}

export interface OpenApiV2 {
  swagger: '2.0';
  info: { title: string; version: string };
  paths: Record<string, PathItem>;
  definitions: Record<string, SchemaObject>;
  parameters?: Record<string, Parameter>;
  securityDefinitions?: Record<string, SecurityScheme>;
  security?: Array<Record<string, string[]>>;
}

export function isParameterRef(p: Parameter | ParameterRef): p is ParameterRef {
  return typeof (p as ParameterRef).$ref === 'string';
}

const SPEC_RELATIVE = join('third_party', 'kubernetes-api', 'openapi-v2.json');

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Where the vendored spec lives. This module runs from source under vitest
 * (`<repo>/tenant-apiserver/api/openapi/`) and compiled
 * (`<repo>/dist/tenant-apiserver/api/openapi/`), so a fixed `../../..` would be
 * right for one and wrong for the other; walking up to the first directory
 * holding `third_party/` works for both and for an installed package.
 */
export async function defaultSpecPath(): Promise<string> {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (await isDirectory(join(dir, 'third_party'))) return join(dir, SPEC_RELATIVE);
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error(`cannot find ${SPEC_RELATIVE} above ${dirname(fileURLToPath(import.meta.url))}`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Reads and parses the OpenAPI v2 document (default: the vendored v1.34 spec).
 *
 * Measured on the 4.1 MB vendored file (Node 20, 2-core box): ~42 ms for
 * read + JSON.parse, cold. Call it once at start-up and share the result (the
 * functions in this directory never mutate it).
 */
export async function loadOpenApiV2(path?: string): Promise<OpenApiV2> {
  const file = path ? resolve(path) : await defaultSpecPath();
  const text = await readFile(file, 'utf8');
  const doc: unknown = JSON.parse(text);
  if (!isRecord(doc) || doc.swagger !== '2.0' || !isRecord(doc.paths) || !isRecord(doc.definitions)) {
    throw new Error(`${file}: not a Swagger 2.0 document with paths and definitions`);
  }
  return doc as unknown as OpenApiV2;
}

/**
 * What the registry needs from the document: per path, each operation's action
 * and group-version-kind; per definition, its group-version-kinds. ~1% of the
 * document's size, so start-up reads this and leaves the full spec unparsed.
 */
export interface OpenApiIndex {
  /** Size in bytes of the document this index was derived from (a cheap staleness check). */
  sourceBytes: number;
  paths: Record<string, Record<string, Pick<Operation, 'x-kubernetes-action' | 'x-kubernetes-group-version-kind'>>>;
  definitions: Record<string, { 'x-kubernetes-group-version-kind': GroupVersionKind[] }>;
}

/** Derives the index (deterministically: same document, same bytes). */
export function buildOpenApiIndex(spec: OpenApiV2, sourceBytes: number): OpenApiIndex {
  const paths: OpenApiIndex['paths'] = {};
  for (const [p, item] of Object.entries(spec.paths)) {
    const ops: OpenApiIndex['paths'][string] = {};
    // Document order: the registry lists subresource verbs in the order it meets them.
    for (const m of Object.keys(item).filter((k): k is HttpMethod => (HTTP_METHODS as readonly string[]).includes(k))) {
      const op = item[m];
      if (!op?.['x-kubernetes-action'] && !op?.['x-kubernetes-group-version-kind']) continue;
      ops[m] = { 'x-kubernetes-action': op['x-kubernetes-action'], 'x-kubernetes-group-version-kind': op['x-kubernetes-group-version-kind'] };
    }
    if (Object.keys(ops).length > 0) paths[p] = ops;
  }
  const definitions: OpenApiIndex['definitions'] = {};
  for (const [name, def] of Object.entries(spec.definitions)) {
    const gvks = def['x-kubernetes-group-version-kind'];
    if (gvks) definitions[name] = { 'x-kubernetes-group-version-kind': gvks };
  }
  return { sourceBytes, paths, definitions };
}

/** The vendored spec's index, checked in next to it (spec-index.test.ts keeps it current). */
export const INDEX_RELATIVE = join('third_party', 'kubernetes-api', 'openapi-v2.index.json');

/**
 * The OpenAPI document for a server: the small index now, the full document
 * (~40 ms to parse, ~9 MB of heap) only when something first reads `spec`'s
 * paths, definitions or parameters — field validation, patches, /openapi
 * requests, CRDs. A server that has started and idles never parses it.
 *
 * One per process: every server of a process (`tenantry up`'s tenants, many
 * control planes in one host) shares the same read-only document, and what is
 * derived from it per document (the compiled schemas) is shared with it. Each
 * server parsing its own cost ~9 MB and ~40 ms apiece.
 */
export function loadOpenApi(): Promise<{ index: OpenApiIndex; spec: OpenApiV2 }> {
  shared ??= readOpenApi().catch((e: unknown) => {
    shared = undefined;
    throw e;
  });
  return shared;
}
let shared: Promise<{ index: OpenApiIndex; spec: OpenApiV2 }> | undefined;

async function readOpenApi(): Promise<{ index: OpenApiIndex; spec: OpenApiV2 }> {
  const file = await defaultSpecPath();
  const indexFile = join(dirname(dirname(dirname(file))), INDEX_RELATIVE);
  const [index, size] = await Promise.all([readFile(indexFile, 'utf8').then((t) => JSON.parse(t) as OpenApiIndex), stat(file).then((s) => s.size)]);
  if (index.sourceBytes !== size) throw new Error(`${indexFile} is stale (derived from a ${index.sourceBytes}-byte document, ${file} has ${size}): regenerate it`);
  let full: OpenApiV2 | undefined;
  const load = (): OpenApiV2 => {
    if (full) return full;
    const doc: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (!isRecord(doc) || doc.swagger !== '2.0' || !isRecord(doc.paths) || !isRecord(doc.definitions)) {
      throw new Error(`${file}: not a Swagger 2.0 document with paths and definitions`);
    }
    return (full = doc as unknown as OpenApiV2);
  };
  const spec: OpenApiV2 = {
    swagger: '2.0',
    get info() {
      return load().info;
    },
    get paths() {
      return load().paths;
    },
    get definitions() {
      return load().definitions;
    },
    get parameters() {
      return load().parameters;
    },
    get securityDefinitions() {
      return load().securityDefinitions;
    },
    get security() {
      return load().security;
    },
  };
  return { index, spec };
}
