import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.js';
import { applyMergePatch, decodeMergePatch } from './merge-patch.js';

function errorOf(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    return e as ApiError;
  }
  throw new Error('expected an error');
}

describe('applyMergePatch: RFC 7386 appendix A', () => {
  const cases: Array<[unknown, unknown, unknown]> = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  it.each(cases)('%j + %j', (doc, patch, want) => {
    expect(applyMergePatch(doc, patch)).toEqual(want);
  });
});

describe('applyMergePatch: kube behaviour', () => {
  it('merges nested objects and replaces lists wholesale', () => {
    const doc = { metadata: { name: 'a', labels: { x: '1', y: '2' } }, spec: { ports: [{ port: 80 }, { port: 443 }] } };
    const out = applyMergePatch(doc, { metadata: { labels: { y: null, z: '3' } }, spec: { ports: [{ port: 8080 }] } });
    expect(out).toEqual({ metadata: { name: 'a', labels: { x: '1', z: '3' } }, spec: { ports: [{ port: 8080 }] } });
  });

  it('prunes nulls from values that have nothing to merge into (v4)', () => {
    expect(applyMergePatch({}, { a: [{ b: null, c: 1 }, null] })).toEqual({ a: [{ c: 1 }, null] });
    expect(applyMergePatch({ a: 5 }, { a: { b: null, c: { d: null } } })).toEqual({ a: { c: {} } });
  });

  it('keeps nulls inside an array that replaces an existing object (v4)', () => {
    expect(applyMergePatch({ a: { x: 1 } }, { a: [{ b: null }] })).toEqual({ a: [{ b: null }] });
  });

  it('deletes only existing keys and ignores deletes of missing ones', () => {
    expect(applyMergePatch({ a: 1 }, { b: null })).toEqual({ a: 1 });
  });

  it('works on a copy', () => {
    const doc = { a: { b: 1 } };
    const patch = { a: { c: [1] } };
    const out = applyMergePatch(doc, patch) as unknown as { a: { c: number[] } };
    out.a.c.push(2);
    expect(doc).toEqual({ a: { b: 1 } });
    expect(patch).toEqual({ a: { c: [1] } });
  });

  it('stores __proto__ as a plain key', () => {
    const out = applyMergePatch({}, JSON.parse('{"__proto__":{"polluted":true}}')) as Record<string, unknown>;
    expect(Object.keys(out)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('rejects non-object patches with 400 Invalid JSON Patch', () => {
    for (const p of [null, [1], 'x', 3, true]) {
      const e = errorOf(() => applyMergePatch({ a: 1 }, p));
      expect(e.code).toBe(400);
      expect(e.message).toBe('Invalid JSON Patch');
    }
  });
});

describe('decodeMergePatch', () => {
  it('decodes objects and reports repeated keys', () => {
    expect(decodeMergePatch('{"metadata":{"labels":{"a":"1","a":"2"}}}')).toEqual({
      patch: { metadata: { labels: { a: '2' } } },
      strictErrors: ['duplicate field "metadata.labels.a"'],
    });
    expect(decodeMergePatch('{"a":1,"a":2}', 'Ignore').strictErrors).toEqual([]);
  });

  it('words bad bodies as kube does per fieldValidation', () => {
    expect(errorOf(() => decodeMergePatch('{')).message).toBe('error decoding patch: unexpected end of JSON input');
    expect(errorOf(() => decodeMergePatch('{', 'Ignore')).message).toBe('Invalid JSON Patch');
    expect(errorOf(() => decodeMergePatch('[1]')).message).toBe('error decoding patch: json: cannot unmarshal array into Go value of type map[string]interface {}');
    expect(errorOf(() => decodeMergePatch('"s"', 'Strict')).message).toBe(
      'error decoding patch: json: cannot unmarshal string into Go value of type map[string]interface {}',
    );
    expect(errorOf(() => decodeMergePatch('null')).message).toBe('Invalid JSON Patch');
    expect(errorOf(() => decodeMergePatch('[1]', 'Ignore')).message).toBe('Invalid JSON Patch');
  });
});
