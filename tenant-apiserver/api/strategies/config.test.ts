import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.js';
import './index.js';
import { goBase64Decode } from './config.js';
import { strategyFor } from './register.js';
import { create, info, update } from './testkit.js';

const configmaps = info({ resource: 'configmaps', kind: 'ConfigMap' });
const secrets = info({ resource: 'secrets', kind: 'Secret' });
const b64 = (s: string) => Buffer.from(s).toString('base64');

function thrown(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('did not throw');
}

describe('goBase64Decode', () => {
  it('decodes standard padded base64, skipping newlines', () => {
    const r = goBase64Decode('aGVs\nbG8=');
    expect(r.ok && r.bytes.toString()).toBe('hello');
    expect(goBase64Decode('')).toEqual({ ok: true, bytes: Buffer.alloc(0) });
  });

  it('reports Go\'s corrupt-input offsets', () => {
    expect(goBase64Decode('abc')).toEqual({ ok: false, offset: 0 });
    expect(goBase64Decode('abcd!')).toEqual({ ok: false, offset: 4 });
    expect(goBase64Decode('ab=')).toEqual({ ok: false, offset: 3 });
    expect(goBase64Decode('a===')).toEqual({ ok: false, offset: 1 });
    expect(goBase64Decode('ab==cd')).toEqual({ ok: false, offset: 4 });
    expect(goBase64Decode('aGVsbG8')).toEqual({ ok: false, offset: 4 });
  });
});

describe('configmaps', () => {
  it('validates keys, overlap with binaryData and size', () => {
    expect(create(configmaps, { metadata: { name: 'c' }, data: { 'bad key': 'x', ok: 'y' } }).errors).toEqual([
      "data[bad key]: Invalid value: \"bad key\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
    ]);
    expect(create(configmaps, { metadata: { name: 'c' }, data: { a: 'x' }, binaryData: { a: b64('y') } }).errors).toEqual([
      'data[a]: Invalid value: "a": duplicate of key present in binaryData',
    ]);
    expect(create(configmaps, { metadata: { name: 'c' }, data: { '..x': '1' } }).errors).toEqual(["data[..x]: Invalid value: \"..x\": must not start with '..'"]);
    expect(create(configmaps, { metadata: { name: 'c' }, data: { big: 'x'.repeat(1024 * 1024 + 1) } }).errors).toEqual(['[]: Too long: may not be more than 1048576 bytes']);
  });

  it('rejects bad base64 in binaryData while decoding', () => {
    const e = thrown(() => create(configmaps, { metadata: { name: 'c' }, binaryData: { a: 'not base64!' } }));
    expect(e.code).toBe(400);
    expect(e.message).toBe('ConfigMap in version "v1" cannot be handled as a ConfigMap: illegal base64 data at input byte 3');
  });

  it('freezes data once immutable', () => {
    const old = create(configmaps, { metadata: { name: 'c' }, data: { a: '1' }, immutable: true }).obj;
    expect(update(configmaps, { metadata: { name: 'c' }, data: { a: '2' }, immutable: true }, old).errors).toEqual([
      'data: Forbidden: field is immutable when `immutable` is set',
    ]);
    expect(update(configmaps, { metadata: { name: 'c' }, data: { a: '1' } }, old).errors).toEqual(['immutable: Forbidden: field is immutable when `immutable` is set']);
    expect(update(configmaps, { metadata: { name: 'c' }, data: { a: '1' }, immutable: true }, old).errors).toEqual([]);
  });
});

describe('secrets', () => {
  it('defaults the type to Opaque and folds stringData into data', () => {
    const r = create(secrets, { metadata: { name: 's' }, data: { a: b64('1') }, stringData: { b: 'two' } });
    expect(r.errors).toEqual([]);
    expect(r.obj.type).toBe('Opaque');
    expect(r.obj.data).toEqual({ a: b64('1'), b: b64('two') });
    expect(r.obj).not.toHaveProperty('stringData');
  });

  it('rejects values that are not base64 the way kube decodes', () => {
    const e = thrown(() => create(secrets, { metadata: { name: 's' }, data: { a: 'plain text' } }));
    expect(e.message).toBe('Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 5');
    const n = thrown(() => create(secrets, { metadata: { name: 's' }, data: { a: 5 } }));
    expect(n.message).toBe('Secret in version "v1" cannot be handled as a Secret: json: cannot unmarshal number into Go struct field Secret.data of type []uint8');
  });

  it('enforces type-specific keys', () => {
    expect(create(secrets, { metadata: { name: 's' }, type: 'kubernetes.io/service-account-token' }).errors).toEqual([
      'metadata.annotations[kubernetes.io/service-account.name]: Required value',
    ]);
    expect(create(secrets, { metadata: { name: 's' }, type: 'kubernetes.io/dockerconfigjson', data: {} }).errors).toEqual(['data[.dockerconfigjson]: Required value']);
    expect(create(secrets, { metadata: { name: 's' }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64('nope') } }).errors).toEqual([
      "data[.dockerconfigjson]: Invalid value: \"<secret contents redacted>\": invalid character 'o' in literal null (expecting 'u')",
    ]);
    expect(create(secrets, { metadata: { name: 's' }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64('[]') } }).errors).toEqual([
      'data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": json: cannot unmarshal array into Go value of type map[string]interface {}',
    ]);
    expect(create(secrets, { metadata: { name: 's' }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64('{"auths":{}}') } }).errors).toEqual([]);
    expect(create(secrets, { metadata: { name: 's' }, type: 'kubernetes.io/tls', data: { 'tls.crt': b64('c') } }).errors).toEqual(['data[tls.key]: Required value']);
    expect(create(secrets, { metadata: { name: 's' }, type: 'kubernetes.io/basic-auth', data: {} }).errors).toEqual([
      'data[username]: Required value',
      'data[password]: Required value',
    ]);
  });

  it('keeps the type and immutable data fixed', () => {
    const old = create(secrets, { metadata: { name: 's' }, data: { a: b64('1') }, immutable: true }).obj;
    expect(update(secrets, { metadata: { name: 's' }, type: 'kubernetes.io/tls', data: { a: b64('1'), 'tls.crt': '', 'tls.key': '' }, immutable: true }, old).errors).toEqual([
      'type: Invalid value: "kubernetes.io/tls": field is immutable',
      'data: Forbidden: field is immutable when `immutable` is set',
    ]);
  });

  it('selects on type', () => {
    expect(strategyFor(secrets).selectableFields!({ type: 'Opaque' })).toEqual({ type: 'Opaque' });
  });
});
