import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.js';
import { applyJsonPatch, decodeJsonPatch, JSON_PATCH_REJECTED, strictPatchError } from './json-patch.js';

function errorOf(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    return e as ApiError;
  }
  throw new Error('expected an error');
}

const apply = (doc: unknown, ops: unknown): unknown => applyJsonPatch(doc, ops);
const rejects = (doc: unknown, ops: unknown): string => {
  const e = errorOf(() => apply(doc, ops));
  expect(e.code).toBe(422);
  expect(e.reason).toBe('Invalid');
  expect(e.message).toBe(JSON_PATCH_REJECTED);
  return String((e as Error).cause);
};

describe('applyJsonPatch: RFC 6902 appendix A', () => {
  it('adds object members and array elements', () => {
    expect(apply({ foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux' }])).toEqual({ baz: 'qux', foo: 'bar' });
    expect(apply({ foo: ['bar', 'baz'] }, [{ op: 'add', path: '/foo/1', value: 'qux' }])).toEqual({ foo: ['bar', 'qux', 'baz'] });
    expect(apply({ foo: 'bar' }, [{ op: 'add', path: '/child', value: { grandchild: {} } }])).toEqual({ foo: 'bar', child: { grandchild: {} } });
    expect(apply({ foo: ['bar'] }, [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }])).toEqual({ foo: ['bar', ['abc', 'def']] });
  });

  it('removes and replaces', () => {
    expect(apply({ baz: 'qux', foo: 'bar' }, [{ op: 'remove', path: '/baz' }])).toEqual({ foo: 'bar' });
    expect(apply({ foo: ['bar', 'qux', 'baz'] }, [{ op: 'remove', path: '/foo/1' }])).toEqual({ foo: ['bar', 'baz'] });
    expect(apply({ baz: 'qux', foo: 'bar' }, [{ op: 'replace', path: '/baz', value: 'boo' }])).toEqual({ baz: 'boo', foo: 'bar' });
  });

  it('moves values and array elements', () => {
    expect(
      apply({ foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } }, [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }]),
    ).toEqual({ foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } });
    expect(apply({ foo: ['all', 'grass', 'cows', 'eat'] }, [{ op: 'move', from: '/foo/1', path: '/foo/3' }])).toEqual({
      foo: ['all', 'cows', 'eat', 'grass'],
    });
  });

  it('tests values', () => {
    const doc = { baz: 'qux', foo: ['a', 2, 'c'] };
    expect(apply(doc, [{ op: 'test', path: '/baz', value: 'qux' }, { op: 'test', path: '/foo/1', value: 2 }])).toEqual(doc);
    rejects({ baz: 'qux' }, [{ op: 'test', path: '/baz', value: 'bar' }]);
    // ~01 decodes to "~1", not "/".
    expect(apply({ '/': 9, '~1': 10 }, [{ op: 'test', path: '/~01', value: 10 }])).toEqual({ '/': 9, '~1': 10 });
    rejects({ '/': 9, '~1': 10 }, [{ op: 'test', path: '/~01', value: '10' }]);
  });

  it('ignores unrecognized members of an operation', () => {
    expect(apply({ foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux', xyz: 123 }])).toEqual({ foo: 'bar', baz: 'qux' });
  });

  it('fails to add to a nonexistent target', () => {
    expect(rejects({ foo: 'bar' }, [{ op: 'add', path: '/baz/bat', value: 'qux' }])).toContain('doc is missing path');
  });

  it('unescapes ~1 and ~0 in paths', () => {
    expect(apply({ 'a/b': 1, 'm~n': 2 }, [{ op: 'replace', path: '/a~1b', value: 3 }, { op: 'remove', path: '/m~0n' }])).toEqual({ 'a/b': 3 });
  });

  it('copies', () => {
    expect(apply({ a: { x: [1] } }, [{ op: 'copy', from: '/a', path: '/b' }])).toEqual({ a: { x: [1] }, b: { x: [1] } });
    const out = apply({ a: { x: [1] } }, [{ op: 'copy', from: '/a', path: '/b' }, { op: 'add', path: '/b/x/-', value: 2 }]);
    expect(out).toEqual({ a: { x: [1] }, b: { x: [1, 2] } });
  });
});

describe('applyJsonPatch: failures are 422 with kube\'s fixed message', () => {
  it('rejects missing paths, bad indexes and unknown ops', () => {
    rejects({ data: {} }, [{ op: 'remove', path: '/data/nothing' }]);
    rejects({ a: [1] }, [{ op: 'remove', path: '/a/1' }]);
    rejects({ a: [1] }, [{ op: 'remove', path: '/a/-' }]);
    rejects({ a: [1] }, [{ op: 'add', path: '/a/2', value: 0 }]);
    rejects({ a: [1] }, [{ op: 'add', path: '/a/x', value: 0 }]);
    rejects({ a: [1] }, [{ op: 'replace', path: '/a/5', value: 0 }]);
    rejects({ a: 'str' }, [{ op: 'add', path: '/a/b', value: 0 }]);
    rejects({ a: null }, [{ op: 'add', path: '/a/b', value: 0 }]);
    rejects({ a: 1 }, [{ op: 'move', from: '/nope', path: '/b' }]);
    expect(rejects({}, [{ op: 'frobnicate', path: '/a' }])).toBe('Unexpected kind: frobnicate');
    expect(rejects({}, [{ op: 5, path: '/a' }])).toBe('Unexpected kind: unknown');
    expect(rejects({}, [{ op: 'add', value: 1 }])).toContain('failed to decode path');
    rejects({}, [{ op: 'add', path: '', value: 1 }]);
    rejects({}, [{ op: 'remove', path: '' }]);
  });

  it('applies nothing when a later operation fails', () => {
    const doc = { a: 1 };
    rejects(doc, [{ op: 'replace', path: '/a', value: 2 }, { op: 'test', path: '/a', value: 3 }]);
    expect(doc).toEqual({ a: 1 });
  });
});

describe('applyJsonPatch: evanphx/json-patch v4 behaviour', () => {
  it('counts negative indexes from the end', () => {
    expect(apply({ a: [1, 2, 3] }, [{ op: 'remove', path: '/a/-1' }])).toEqual({ a: [1, 2] });
    expect(apply({ a: [1, 2, 3] }, [{ op: 'add', path: '/a/-1', value: 9 }])).toEqual({ a: [1, 2, 3, 9] });
    expect(apply({ a: [1, 2, 3] }, [{ op: 'replace', path: '/a/-3', value: 9 }])).toEqual({ a: [9, 2, 3] });
    expect(apply({ a: [1, 2, 3] }, [{ op: 'test', path: '/a/-1', value: 3 }])).toEqual({ a: [1, 2, 3] });
    rejects({ a: [1] }, [{ op: 'remove', path: '/a/-2' }]);
  });

  it('accepts Atoi-style indexes such as 01 and +1', () => {
    expect(apply({ a: [1, 2] }, [{ op: 'remove', path: '/a/01' }])).toEqual({ a: [1] });
    expect(apply({ a: [1, 2] }, [{ op: 'remove', path: '/a/+0' }])).toEqual({ a: [2] });
  });

  it('lets replace add a missing object key', () => {
    expect(apply({ a: 1 }, [{ op: 'replace', path: '/b', value: 2 }])).toEqual({ a: 1, b: 2 });
  });

  it('copies null from a missing object key', () => {
    expect(apply({ a: 1 }, [{ op: 'copy', from: '/missing', path: '/b' }])).toEqual({ a: 1, b: null });
  });

  it('treats a missing value as null', () => {
    expect(apply({}, [{ op: 'add', path: '/a' }])).toEqual({ a: null });
    expect(apply({ a: null }, [{ op: 'test', path: '/a', value: null }])).toEqual({ a: null });
    expect(apply({}, [{ op: 'test', path: '/missing', value: null }])).toEqual({});
  });

  it('compares objects one way in test', () => {
    // Extra keys in the test value are not looked at...
    expect(apply({ a: { x: 1 } }, [{ op: 'test', path: '/a', value: { x: 1, y: 2 } }])).toEqual({ a: { x: 1 } });
    // ...but every key of the document's value must match.
    rejects({ a: { x: 1, y: 2 } }, [{ op: 'test', path: '/a', value: { x: 1 } }]);
    rejects({ a: [1, 2] }, [{ op: 'test', path: '/a', value: [1] }]);
    rejects({ a: { x: null } }, [{ op: 'test', path: '/a', value: { x: 1 } }]);
  });

  it('acts on the whole document for replace and test with an empty path', () => {
    expect(apply({ a: 1 }, [{ op: 'replace', path: '', value: { b: 2 } }])).toEqual({ b: 2 });
    expect(apply({ a: 1 }, [{ op: 'replace', path: '', value: 7 }])).toEqual({ a: 1 });
    expect(apply({ a: 1 }, [{ op: 'test', path: '', value: { a: 1 } }])).toEqual({ a: 1 });
    rejects({ a: 1 }, [{ op: 'test', path: '', value: { a: 2 } }]);
  });

  it('ignores the first segment of a path without a leading slash', () => {
    expect(apply({ a: 1 }, [{ op: 'add', path: 'whatever/b', value: 2 }])).toEqual({ a: 1, b: 2 });
    rejects({ a: 1 }, [{ op: 'add', path: 'b', value: 2 }]);
  });

  it('limits the bytes copy operations may add', () => {
    const doc = { a: 'x'.repeat(100) };
    const ops = [1, 2, 3].map((i) => ({ op: 'copy', from: '/a', path: `/c${i}` }));
    expect(applyJsonPatch(doc, ops, { maxCopyBytes: 400 })).toHaveProperty('c3');
    expect(String((errorOf(() => applyJsonPatch(doc, ops, { maxCopyBytes: 250 })) as Error).cause)).toContain('exceeding the limit 250');
  });
});

describe('applyJsonPatch: safety', () => {
  it('does not touch the input document', () => {
    const doc = { a: { b: [1, 2] } };
    const out = apply(doc, [{ op: 'add', path: '/a/b/-', value: 3 }, { op: 'add', path: '/c', value: { d: 1 } }]);
    expect(doc).toEqual({ a: { b: [1, 2] } });
    expect(out).toEqual({ a: { b: [1, 2, 3] }, c: { d: 1 } });
  });

  it('does not share values with the patch', () => {
    const value = { d: [1] };
    const out = apply({}, [{ op: 'add', path: '/c', value }]) as { c: { d: number[] } };
    out.c.d.push(2);
    expect(value).toEqual({ d: [1] });
  });

  it('stores __proto__ as a plain key', () => {
    const out = apply({}, [{ op: 'add', path: '/__proto__', value: { polluted: true } }]) as Record<string, unknown>;
    expect(Object.keys(out)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });
});

describe('applyJsonPatch: patch shape', () => {
  it('rejects bodies that are not lists of objects with Go\'s decode error', () => {
    const e = errorOf(() => apply({}, { op: 'add' }));
    expect(e.code).toBe(400);
    expect(e.message).toBe('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
    expect(errorOf(() => apply({}, 'x')).message).toBe('json: cannot unmarshal string into Go value of type jsonpatch.Patch');
    expect(errorOf(() => apply({}, [1])).message).toBe('json: cannot unmarshal number into Go value of type jsonpatch.Operation');
  });

  it('treats null as an empty patch and a null operation as an unknown one', () => {
    expect(apply({ a: 1 }, null)).toEqual({ a: 1 });
    expect(rejects({ a: 1 }, [null])).toBe('Unexpected kind: unknown');
  });

  it('caps the number of operations at 10000 with a 413', () => {
    const ops = Array.from({ length: 10001 }, () => ({ op: 'test', path: '/a', value: 1 }));
    const e = errorOf(() => apply({ a: 1 }, ops));
    expect(e.code).toBe(413);
    expect(e.reason).toBe('RequestEntityTooLarge');
    expect(e.message).toBe('Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001');
    expect(apply({ a: 1 }, ops.slice(1))).toEqual({ a: 1 });
  });
});

describe('decodeJsonPatch', () => {
  it('decodes operations', () => {
    expect(decodeJsonPatch('[{"op":"add","path":"/a","value":1}]')).toEqual({ operations: [{ op: 'add', path: '/a', value: 1 }], strictErrors: [] });
  });

  it('prefixes decode errors under Strict/Warn and not under Ignore', () => {
    expect(errorOf(() => decodeJsonPatch('[{')).message).toBe('error decoding patch: unexpected end of JSON input');
    expect(errorOf(() => decodeJsonPatch('[{]')).message).toBe("error decoding patch: invalid character ']' looking for beginning of object key string");
    expect(errorOf(() => decodeJsonPatch('[x]', 'Strict')).message).toBe("error decoding patch: invalid character 'x' looking for beginning of value");
    expect(errorOf(() => decodeJsonPatch('[x]', 'Ignore')).message).toBe("invalid character 'x' looking for beginning of value");
    expect(errorOf(() => decodeJsonPatch('{}')).message).toBe('error decoding patch: json: cannot unmarshal object into Go value of type []handlers.jsonPatchOp');
    expect(errorOf(() => decodeJsonPatch('{}', 'Ignore')).message).toBe('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
    expect(errorOf(() => decodeJsonPatch('[1]')).message).toBe('error decoding patch: json: cannot unmarshal number into Go value of type handlers.jsonPatchOp');
    expect(errorOf(() => decodeJsonPatch('[{"op":5}]')).message).toBe(
      'error decoding patch: json: cannot unmarshal number into Go struct field jsonPatchOp.op of type string',
    );
    // Under Ignore the same body decodes and fails when applied.
    expect(decodeJsonPatch('[{"op":5}]', 'Ignore').operations).toEqual([{ op: 5 }]);
  });

  it('reports unknown and repeated fields as strict errors', () => {
    const { strictErrors } = decodeJsonPatch('[{"op":"add","path":"/a","value":1,"Path":"/b"},{"op":"remove","op":"remove","path":"/a"}]');
    expect(strictErrors).toEqual(['json patch unknown field "[0].Path"', 'json patch duplicate field "[1].op"']);
    expect(decodeJsonPatch('[{"op":"add","x":1}]', 'Ignore').strictErrors).toEqual([]);
  });

  it('builds the Strict-mode 422', () => {
    const e = strictPatchError({ a: 1 }, ['json patch unknown field "[0].x"']);
    expect(e.code).toBe(422);
    expect(e.message).toBe(' "" is invalid: patch: Invalid value: "{\\"a\\":1}": strict decoding error: json patch unknown field "[0].x"');
    expect(e.details?.causes?.[0]?.field).toBe('patch');
  });
});
