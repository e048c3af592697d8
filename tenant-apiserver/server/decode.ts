// Request bodies: size limit, content type, JSON/YAML decoding with duplicate
// detection, apiVersion/kind checks, and field validation (Strict / Warn /
// Ignore) against the OpenAPI schema — unknown fields are always dropped, as
// kube's typed decoding drops them.

import { ApiError, badRequest, entityTooLarge, unsupportedMediaType } from '../api/errors.js';
import type { ResourceInfo } from '../api/registry.js';
import { isObject, type KubeObject } from '../api/types.js';
import { parseJsonStrict, parseYamlStrict } from '../api/codec/json.js';
import type { ResourceContext } from './resources.js';

export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export interface SchemaChecker {
  /** Unknown field paths (after dropping them from obj) and type errors, for the object's kind. */
  checkAndPrune(info: ResourceInfo, obj: KubeObject): { unknown: string[]; typeErrors: string[] };
}

/** Decodes bodies of other media types (protobuf), registered by the next layer. */
export type ExtraDecoder = (body: Buffer, info: ResourceInfo) => KubeObject | Promise<KubeObject>;

export interface DecodedBody {
  object: unknown;
}

const OBJECT_TYPES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];

export class BodyDecoder {
  private readonly extra = new Map<string, ExtraDecoder>();

  constructor(private readonly schema: SchemaChecker | undefined) {}

  register(mediaType: string, d: ExtraDecoder): void {
    this.extra.set(mediaType, d);
  }

  async readRaw(ctx: ResourceContext): Promise<Buffer> {
    const req = ctx.req;
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > MAX_BODY_BYTES) {
      req.resume();
      throw entityTooLarge(MAX_BODY_BYTES);
    }
    // Plain 'data'/'end' events: an async iterator over the request (for await) costs several
    // promise turns per body, ~4% of a small create.
    return new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const onData = (chunk: Buffer): void => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          done();
          req.resume();
          reject(entityTooLarge(MAX_BODY_BYTES));
          return;
        }
        chunks.push(chunk);
      };
      const onEnd = (): void => {
        done();
        resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
      };
      const onError = (e: Error): void => {
        done();
        reject(e);
      };
      // The client went away before the body ended: nothing more will come.
      const onClose = (): void => {
        done();
        reject(badRequest('the request body ended early'));
      };
      const done = (): void => {
        req.off('data', onData);
        req.off('end', onEnd);
        req.off('error', onError);
        req.off('close', onClose);
      };
      if (req.readableEnded) return resolve(Buffer.alloc(0));
      req.on('data', onData);
      req.on('end', onEnd);
      req.on('error', onError);
      req.on('close', onClose);
    });
  }

  async readBody(ctx: ResourceContext): Promise<string> {
    return (await this.readRaw(ctx)).toString('utf8');
  }

  /** DeleteOptions and the like: an optional JSON body. */
  async decodeOptional(ctx: ResourceContext): Promise<DecodedBody | undefined> {
    const raw = await this.readBody(ctx);
    if (raw.trim() === '') return undefined;
    const ct = mediaTypeOf(ctx);
    const { value } = ct === 'application/yaml' ? parseYamlStrict(raw) : parseJsonStrict(raw);
    return { object: value };
  }

  /** A full object of the endpoint's kind (create/update). */
  async decodeObject(ctx: ResourceContext, info: ResourceInfo): Promise<KubeObject> {
    const ct = mediaTypeOf(ctx);
    const raw = await this.readRaw(ctx);
    let value: unknown;
    let duplicates: string[] = [];
    if (ct === 'application/json' || ct === '') {
      ({ value, duplicates } = parseJsonStrict(raw.toString('utf8')));
    } else if (ct === 'application/yaml') {
      ({ value, duplicates } = parseYamlStrict(raw.toString('utf8')));
    } else if (this.extra.has(ct)) {
      value = await this.extra.get(ct)!(raw, info);
    } else {
      throw unsupportedMediaType(ct, OBJECT_TYPES);
    }
    return this.checkObject(ctx, info, value, duplicates);
  }

  /** Kind/version checks and field validation for an already-parsed object (also used by patch). */
  checkObject(ctx: ResourceContext, info: ResourceInfo, value: unknown, duplicates: string[]): KubeObject {
    if (!isObject(value)) throw badRequest(`${info.kind} in version "${info.version}" cannot be handled as a ${info.kind}: json: cannot unmarshal ${jsonTypeName(value)} into Go value of type struct`);
    const obj = value as KubeObject;
    const expected = info.group ? `${info.group}/${info.version}` : info.version;
    // Like kube-apiserver, the endpoint supplies the group/version/kind a body leaves out
    // (typed clients such as client-go and client-node send no TypeMeta).
    if (obj.kind === undefined || obj.kind === '') obj.kind = info.kind;
    if (obj.apiVersion === undefined || obj.apiVersion === '') obj.apiVersion = expected;
    if (obj.kind !== info.kind) {
      throw badRequest(`${obj.kind} in version "${versionOf(obj.apiVersion)}" cannot be handled as a ${info.kind}: the object provided is unrecognized (must be of type ${info.kind})`);
    }
    if (obj.apiVersion !== expected) {
      throw badRequest(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${expected})`);
    }
    const mode = fieldValidationMode(ctx.query);
    const problems: string[] = duplicates.map((d) => `duplicate field "${d}"`);
    if (this.schema) {
      const { unknown, typeErrors } = this.schema.checkAndPrune(info, obj);
      if (typeErrors.length > 0) {
        throw badRequest(`${info.kind} in version "${info.version}" cannot be handled as a ${info.kind}: ${typeErrors[0]}`);
      }
      problems.push(...unknown.map((u) => `unknown field "${u}"`));
    }
    if (problems.length > 0) {
      if (mode === 'Strict') {
        throw badRequest(`${info.kind} in version "${info.version}" cannot be handled as a ${info.kind}: strict decoding error: ${problems.join(', ')}`);
      }
      if (mode === 'Warn') ctx.warnings.push(...problems);
    }
    return obj;
  }
}

export function fieldValidationMode(query: URLSearchParams): 'Strict' | 'Warn' | 'Ignore' {
  const v = query.get('fieldValidation');
  if (v === null || v === '') return 'Warn';
  if (v === 'Strict' || v === 'Warn' || v === 'Ignore') return v;
  throw badRequest(`fieldValidation parameter must be one of Ignore, Warn, or Strict, got ${JSON.stringify(v)}`);
}

function mediaTypeOf(ctx: ResourceContext): string {
  return (ctx.req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

function jsonTypeName(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  return typeof v === 'number' ? 'number' : typeof v === 'string' ? 'string' : typeof v === 'boolean' ? 'bool' : 'object';
}

function versionOf(apiVersion: string): string {
  const i = apiVersion.indexOf('/');
  return i < 0 ? apiVersion : apiVersion.slice(i + 1);
}

export { ApiError };
