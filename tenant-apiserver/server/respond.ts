// Writing responses: JSON/YAML serialisation, Status errors, and the Table /
// PartialObjectMetadata transformations.

import type { ServerResponse } from 'node:http';
import { yaml } from '../../lib/lazy.js';
import { ApiError, internalError } from '../api/errors.js';
import type { OutputFormat } from './negotiate.js';

export function serialize(obj: unknown, format: Pick<OutputFormat, 'mediaType' | 'pretty'>): string {
  if (format.mediaType === 'application/yaml') return yaml().stringify(obj, { aliasDuplicateObjects: false });
  return format.pretty ? JSON.stringify(obj, null, 2) + '\n' : JSON.stringify(obj);
}

export function send(
  res: ServerResponse,
  code: number,
  obj: unknown,
  format: Pick<OutputFormat, 'mediaType' | 'pretty'> = { mediaType: 'application/json', pretty: false },
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const body = serialize(obj, format);
  res.writeHead(code, {
    'Content-Type': format.mediaType,
    'Cache-Control': 'no-cache, private',
    'Content-Length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

export function sendRaw(res: ServerResponse, code: number, contentType: string, body: string | Buffer, headers: Record<string, string> = {}): void {
  res.writeHead(code, { 'Content-Type': contentType, 'Cache-Control': 'no-cache, private', 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

export function toApiError(e: unknown): ApiError {
  return e instanceof ApiError ? e : internalError(e);
}

export function sendError(res: ServerResponse, e: unknown, format?: Pick<OutputFormat, 'mediaType' | 'pretty'>): ApiError {
  const err = toApiError(e);
  // Errors are always JSON unless the client asked for YAML (kubectl asks for JSON).
  send(res, err.code, err.toStatus(), format?.mediaType === 'application/yaml' ? format : { mediaType: 'application/json', pretty: false }, err.headers);
  return err;
}
