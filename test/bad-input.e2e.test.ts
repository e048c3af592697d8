// Bad input gets the right Status and changes nothing: every case below is sent
// to a real server, and storage's revision must not move.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, startServer, type ServerProcess } from './harness.js';

let s: ServerProcess;
let c: ReturnType<typeof client>;

beforeAll(async () => {
  s = await startServer();
  c = client(s.kubeconfig);
});
afterAll(async () => {
  c?.agent.destroy();
  await s?.stop();
});

async function revision(): Promise<string> {
  const r = await c.request('GET', '/api/v1/namespaces');
  return JSON.parse(r.body).metadata.resourceVersion;
}

interface Case {
  name: string;
  method: string;
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  code: number;
  reason: string;
  message?: RegExp;
}

const pod = (over: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'ok' },
  ...over,
});

const CASES: Case[] = [
  { name: 'invalid name', method: 'POST', path: '/api/v1/namespaces/default/configmaps', body: pod({ metadata: { name: 'Bad_Name' } }), code: 422, reason: 'Invalid', message: /ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/ },
  { name: 'missing name', method: 'POST', path: '/api/v1/namespaces/default/configmaps', body: pod({ metadata: {} }), code: 422, reason: 'Invalid', message: /metadata.name: Required value: name or generateName is required/ },
  { name: 'malformed JSON', method: 'POST', path: '/api/v1/namespaces/default/configmaps', body: '{"apiVersion": "v1", "kind": "ConfigMap", ', code: 400, reason: 'BadRequest' },
  { name: 'wrong apiVersion for endpoint', method: 'POST', path: '/api/v1/namespaces/default/configmaps', body: { apiVersion: 'apps/v1', kind: 'ConfigMap', metadata: { name: 'x' } }, code: 400, reason: 'BadRequest', message: /does not match the expected API version/ },
  { name: 'wrong kind for endpoint', method: 'POST', path: '/api/v1/namespaces/default/configmaps', body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } }, code: 400, reason: 'BadRequest' },
  { name: 'wrong content type', method: 'POST', path: '/api/v1/namespaces/default/configmaps', body: 'name=x', headers: { 'Content-Type': 'text/plain' }, code: 415, reason: 'UnsupportedMediaType' },
  { name: 'patch with an unsupported patch type', method: 'PATCH', path: '/api/v1/namespaces/default/configmaps/exists', body: '{}', headers: { 'Content-Type': 'application/xml' }, code: 415, reason: 'UnsupportedMediaType' },
  { name: 'oversized body', method: 'POST', path: '/api/v1/namespaces/default/configmaps', body: pod({ data: { big: 'x'.repeat(3 * 1024 * 1024 + 10) } }), code: 413, reason: 'RequestEntityTooLarge' },
  { name: 'unknown resource', method: 'GET', path: '/api/v1/namespaces/default/frobnicators', code: 404, reason: 'NotFound', message: /the server could not find the requested resource/ },
  { name: 'unknown group', method: 'GET', path: '/apis/example.com/v1/things', code: 404, reason: 'NotFound' },
  { name: 'wrong verb', method: 'POST', path: '/api/v1/namespaces/default/configmaps/exists', body: pod(), code: 405, reason: 'MethodNotAllowed' },
  { name: 'bad label selector', method: 'GET', path: '/api/v1/namespaces/default/configmaps?labelSelector=a%20in%20(', code: 400, reason: 'BadRequest' },
  { name: 'bad field selector', method: 'GET', path: '/api/v1/namespaces/default/configmaps?fieldSelector=spec.nothing%3Dx', code: 400, reason: 'BadRequest', message: /is not a known field selector/ },
  { name: 'bad resourceVersion', method: 'GET', path: '/api/v1/namespaces/default/configmaps?resourceVersion=abc&resourceVersionMatch=Exact', code: 400, reason: 'BadRequest' },
  { name: 'bad continue token', method: 'GET', path: '/api/v1/namespaces/default/configmaps?limit=1&continue=garbage', code: 400, reason: 'BadRequest' },
  { name: 'stale update', method: 'PUT', path: '/api/v1/namespaces/default/configmaps/exists', body: pod({ metadata: { name: 'exists', resourceVersion: '1' } }), code: 409, reason: 'Conflict' },
  { name: 'create in a missing namespace', method: 'POST', path: '/api/v1/namespaces/missing/configmaps', body: pod(), code: 404, reason: 'NotFound', message: /namespaces "missing" not found/ },
  { name: 'JSON patch on a missing path', method: 'PATCH', path: '/api/v1/namespaces/default/configmaps/exists', body: '[{"op":"remove","path":"/data/nothing"}]', headers: { 'Content-Type': 'application/json-patch+json' }, code: 422, reason: 'Invalid' },
  { name: 'strict field validation', method: 'POST', path: '/api/v1/namespaces/default/configmaps?fieldValidation=Strict', body: pod({ datta: {} }), code: 400, reason: 'BadRequest', message: /strict decoding error: unknown field "datta"/ },
  { name: 'duplicate field under Strict', method: 'POST', path: '/api/v1/namespaces/default/configmaps?fieldValidation=Strict', body: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"d","name":"e"}}', code: 400, reason: 'BadRequest', message: /duplicate field "metadata.name"/ },
  { name: 'malformed JSON patch', method: 'PATCH', path: '/api/v1/namespaces/default/configmaps/exists', body: '[{"op":"replace","path":', headers: { 'Content-Type': 'application/json-patch+json' }, code: 400, reason: 'BadRequest' },
  { name: 'JSON patch that is not a list', method: 'PATCH', path: '/api/v1/namespaces/default/configmaps/exists', body: '{"op":"add"}', headers: { 'Content-Type': 'application/json-patch+json' }, code: 400, reason: 'BadRequest' },
  { name: 'malformed merge patch', method: 'PATCH', path: '/api/v1/namespaces/default/configmaps/exists', body: '{"data":', headers: { 'Content-Type': 'application/merge-patch+json' }, code: 400, reason: 'BadRequest' },
  { name: 'malformed strategic merge patch', method: 'PATCH', path: '/api/v1/namespaces/default/configmaps/exists', body: '[1,2]', headers: { 'Content-Type': 'application/strategic-merge-patch+json' }, code: 400, reason: 'BadRequest' },
  { name: 'strategic patch with an unknown directive', method: 'PATCH', path: '/api/v1/namespaces/default/configmaps/exists', body: '{"metadata":{"$patch":"explode"}}', headers: { 'Content-Type': 'application/strategic-merge-patch+json' }, code: 500, reason: '' },
  { name: 'patch that makes the object invalid', method: 'PATCH', path: '/api/v1/namespaces/default/configmaps/exists', body: '{"data":{"bad key!":"x"}}', headers: { 'Content-Type': 'application/merge-patch+json' }, code: 422, reason: 'Invalid' },
  { name: 'protobuf garbage', method: 'POST', path: '/api/v1/namespaces/default/configmaps', body: 'k8s\u0000\u00ff\u00ff\u00ff', headers: { 'Content-Type': 'application/vnd.kubernetes.protobuf' }, code: 400, reason: 'BadRequest' },
  { name: 'protobuf without the magic prefix', method: 'POST', path: '/api/v1/namespaces/default/configmaps', body: 'hello', headers: { 'Content-Type': 'application/vnd.kubernetes.protobuf' }, code: 400, reason: 'BadRequest', message: /does not appear to be a protobuf message/ },
  { name: 'server-side apply with a wrong apiVersion', method: 'PATCH', path: '/api/v1/namespaces/default/configmaps/exists?fieldManager=t', body: '{"apiVersion":"apps/v1","kind":"ConfigMap","metadata":{"name":"exists"}}', headers: { 'Content-Type': 'application/apply-patch+yaml' }, code: 400, reason: 'BadRequest' },
  { name: 'server-side apply with a wrong kind', method: 'PATCH', path: '/api/v1/namespaces/default/configmaps/exists?fieldManager=t', body: '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"exists"}}', headers: { 'Content-Type': 'application/apply-patch+yaml' }, code: 400, reason: 'BadRequest' },
  { name: 'server-side apply without a field manager', method: 'PATCH', path: '/api/v1/namespaces/default/configmaps/exists', body: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"exists"}}', headers: { 'Content-Type': 'application/apply-patch+yaml' }, code: 422, reason: 'Invalid', message: /fieldManager: Required value/ },
  { name: 'type mismatch', method: 'POST', path: '/api/v1/namespaces/default/configmaps', body: pod({ data: { a: 1 } }), code: 400, reason: 'BadRequest', message: /cannot unmarshal number/ },
];

describe('bad input', () => {
  beforeAll(async () => {
    const r = await c.request('POST', '/api/v1/namespaces/default/configmaps', pod({ metadata: { name: 'exists' } }));
    expect(r.code).toBe(201);
  });

  for (const tc of CASES) {
    it(`${tc.name} → ${tc.code} ${tc.reason}, nothing stored`, async () => {
      const before = await revision();
      const r = await c.request(tc.method, tc.path, tc.body, tc.headers);
      expect(r.code, r.body).toBe(tc.code);
      const status = JSON.parse(r.body);
      expect(status).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: tc.code });
      expect(status.reason ?? '').toBe(tc.reason);
      if (tc.message) expect(status.message).toMatch(tc.message);
      expect(await revision()).toBe(before);
    });
  }

  it('refuses requests with a bad bearer token (401) and anonymous ones outside health endpoints', async () => {
    const { request } = await import('node:https');
    const call = (path: string, headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const req = request(c.base + path, { ca: Buffer.from(c.ca, 'base64'), headers }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
    expect(await call('/api/v1/namespaces', { Authorization: 'Bearer nope' })).toBe(401);
    expect(await call('/api/v1/namespaces', {})).toBe(401);
    expect(await call('/readyz', {})).toBe(200);
  });

  it('answers 504 Timeout for a watch from a resourceVersion the server has not reached', async () => {
    const r = await c.request('GET', '/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=99999999&timeoutSeconds=1');
    expect(r.code).toBe(504);
    expect(JSON.parse(r.body).message).toMatch(/Too large resource version/);
  });
});
