import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.js';
import {
  cannotBeHandledMessage,
  duplicateFieldError,
  findDuplicateKeys,
  goJsonSyntaxError,
  interpretTypeMeta,
  JsonSyntaxError,
  parseJson,
  parseJsonStrict,
  parseYamlOrJson,
  parseYamlStrict,
  strictDecodingMessage,
  summarizeData,
} from './json.js';

const goErr = (s: string): string | undefined => goJsonSyntaxError(s)?.message;

function apiErrorOf(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    return e as ApiError;
  }
  throw new Error('expected an error');
}

describe('goJsonSyntaxError', () => {
  it('accepts valid JSON', () => {
    for (const s of ['{}', '[]', '0', '-0.5e+10', '"x\\u00e9\\n"', ' {"a":[1,true,false,null,{"b":"c"}]} ', 'null', '1E2', '"é"']) {
      expect(goErr(s), s).toBeUndefined();
    }
  });

  it('words errors like encoding/json', () => {
    expect(goErr('')).toBe('unexpected end of JSON input');
    expect(goErr('   ')).toBe('unexpected end of JSON input');
    expect(goErr('{')).toBe('unexpected end of JSON input');
    expect(goErr('{"a":[1,2')).toBe('unexpected end of JSON input');
    expect(goErr('"abc')).toBe('unexpected end of JSON input');
    expect(goErr('imastring!')).toBe("invalid character 'i' looking for beginning of value");
    expect(goErr('{]')).toBe("invalid character ']' looking for beginning of object key string");
    expect(goErr('{"a" 1}')).toBe("invalid character '1' after object key");
    expect(goErr('{"a":1 "b":2}')).toBe('invalid character \'"\' after object key:value pair');
    expect(goErr('[1 2]')).toBe("invalid character '2' after array element");
    expect(goErr('{} x')).toBe("invalid character 'x' after top-level value");
    expect(goErr('01')).toBe("invalid character '1' after top-level value");
    expect(goErr('{"a":1,}')).toBe("invalid character '}' looking for beginning of object key string");
    expect(goErr('[1,]')).toBe("invalid character ']' looking for beginning of value");
    expect(goErr('"a\u0001"')).toBe("invalid character '\\x01' in string literal");
    expect(goErr('"a\n"')).toBe("invalid character '\\n' in string literal");
    expect(goErr('"\\q"')).toBe("invalid character 'q' in string escape code");
    expect(goErr('"\\u12g4"')).toBe("invalid character 'g' in \\u hexadecimal character escape");
    expect(goErr('-a')).toBe("invalid character 'a' in numeric literal");
    expect(goErr('1.e')).toBe("invalid character 'e' after decimal point in numeric literal");
    expect(goErr('1ex')).toBe("invalid character 'x' in exponent of numeric literal");
    expect(goErr('nulx')).toBe("invalid character 'x' in literal null (expecting 'l')");
    expect(goErr('fals')).toBe("invalid character ' ' in literal false (expecting 'e')");
    expect(goErr("'a'")).toBe("invalid character '\\'' looking for beginning of value");
    expect(goErr('{"a":\\}')).toBe("invalid character '\\\\' looking for beginning of value");
  });

  it('feeds end of input as a space, like scanner.eof', () => {
    expect(goErr('tru')).toBe("invalid character ' ' in literal true (expecting 'e')");
    expect(goErr('1.')).toBe("invalid character ' ' after decimal point in numeric literal");
    expect(goErr('1e+')).toBe("invalid character ' ' in exponent of numeric literal");
    expect(goErr('-')).toBe("invalid character ' ' in numeric literal");
  });

  it('reports the first UTF-8 byte of a non-ASCII character', () => {
    // U+00E9 is C3 A9 in UTF-8; Go prints byte 0xC3 as the rune U+00C3.
    expect(goErr('é')).toBe("invalid character 'Ã' looking for beginning of value");
    // U+4E16 starts with byte 0xE4; U+0085 (NEL) is C2 85 -> 0xC2 is printable 'Â'.
    expect(goErr('{"a":1}世')).toBe("invalid character 'ä' after top-level value");
    // A BOM (EF BB BF) is not whitespace to Go either.
    expect(goErr('\ufeff{}')).toBe("invalid character 'ï' looking for beginning of value");
  });

  it('enforces the nesting limit', () => {
    expect(goErr('['.repeat(10000) + ']'.repeat(10000))).toBeUndefined();
    expect(goErr('['.repeat(10001))).toBe("invalid character '[' exceeded max depth");
  });

  it('agrees with JSON.parse on validity for mutated documents', () => {
    const base = JSON.stringify({ a: [1, -2.5e3, 'x"y\\z', { b: null, c: true }], d: 'é', e: {} });
    const alphabet = ['{', '}', '[', ']', ',', ':', '"', '\\', '1', '-', '.', 'e', 't', 'n', ' ', 'x', '\u0001'];
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let k = 0; k < 3000; k++) {
      let s = base;
      for (let m = 0; m <= rnd(3); m++) {
        const at = rnd(s.length + 1);
        const op = rnd(3);
        const ch = alphabet[rnd(alphabet.length)]!;
        s = op === 0 ? s.slice(0, at) + ch + s.slice(at) : op === 1 ? s.slice(0, at) + s.slice(at + 1) : s.slice(0, at) + ch + s.slice(at + 1);
      }
      let ok = true;
      try {
        JSON.parse(s);
      } catch {
        ok = false;
      }
      expect(goJsonSyntaxError(s) === undefined, s).toBe(ok);
    }
  });
});

describe('findDuplicateKeys', () => {
  it('finds nothing in documents JSON.stringify wrote', () => {
    expect(findDuplicateKeys(JSON.stringify({ a: { a: { a: [{ a: 1 }, { a: 2 }] } }, b: 'a":1,"a' }))).toEqual([]);
    expect(findDuplicateKeys('[]')).toEqual([]);
    expect(findDuplicateKeys('"x"')).toEqual([]);
  });

  it('reports top-level and nested duplicates by path', () => {
    expect(findDuplicateKeys('{"kind":"Pod","kind":"Pod"}')).toEqual(['kind']);
    expect(findDuplicateKeys('{"metadata":{"labels":{"a":"1","b":"2","a":"3"}}}')).toEqual(['metadata.labels.a']);
  });

  it('indexes arrays of objects', () => {
    const doc = '{"spec":{"containers":[{"name":"a"},{"name":"b","image":"x","name":"c"}]}}';
    expect(findDuplicateKeys(doc)).toEqual(['spec.containers[1].name']);
    expect(findDuplicateKeys('[{"a":1},[0,{"b":1,"b":2}]]')).toEqual(['[1][1].b']);
  });

  it('reports each repeat, in document order', () => {
    expect(findDuplicateKeys('{"a":1,"a":2,"b":{"x":1,"x":2},"a":3}')).toEqual(['a', 'b.x', 'a']);
  });

  it('compares decoded keys, so escapes do not hide a duplicate', () => {
    expect(findDuplicateKeys('{"a":1,"\\u0061":2}')).toEqual(['a']);
    expect(findDuplicateKeys('{"q\\"":1, "q\\"" :2}')).toEqual(['q"']);
    expect(findDuplicateKeys('{"a\\\\":1,"a\\\\":2}')).toEqual(['a\\']);
  });

  it('ignores key-like text inside string values and keeps object scopes apart', () => {
    expect(findDuplicateKeys('{"a":"{\\"a\\":1,\\"a\\":2}","b":{"a":1},"c":{"a":2}}')).toEqual([]);
  });

  it('handles objects larger than the linear-search threshold', () => {
    const keys = Array.from({ length: 20 }, (_, i) => `"k${i}":${i}`).join(',');
    expect(findDuplicateKeys(`{${keys},"k3":0,"k19":1}`)).toEqual(['k3', 'k19']);
  });

  it('tolerates whitespace between key and colon', () => {
    expect(findDuplicateKeys('{ "a" \n : 1 , "a"\t:2 }')).toEqual(['a']);
  });
});

describe('parseJson / parseJsonStrict', () => {
  it('returns the value (last duplicate wins) and the duplicates', () => {
    expect(parseJson('{"a":1,"a":2}')).toEqual({ value: { a: 2 }, duplicates: ['a'] });
    expect(parseJsonStrict('{"x":[1]}')).toEqual({ value: { x: [1] }, duplicates: [] });
  });

  it('throws JsonSyntaxError from the low-level parser', () => {
    expect(() => parseJson('{')).toThrow(JsonSyntaxError);
  });

  it('wraps malformed bodies in kube\'s create/update wording', () => {
    const e = apiErrorOf(() => parseJsonStrict('{"kind":x}', { expectKind: 'Pod' }));
    expect(e.code).toBe(400);
    expect(e.reason).toBe('BadRequest');
    expect(e.message).toBe(
      'the object provided is unrecognized (must be of type Pod): couldn\'t get version/kind; json parse error: invalid character \'x\' looking for beginning of value ({"kind":x})',
    );
    expect(apiErrorOf(() => parseJsonStrict('', { expectKind: 'Pod' })).message).toBe(
      "the object provided is unrecognized (must be of type Pod): couldn't get version/kind; json parse error: unexpected end of JSON input (<empty>)",
    );
    expect(apiErrorOf(() => parseJsonStrict('oops')).message).toBe(
      "couldn't get version/kind; json parse error: invalid character 'o' looking for beginning of value",
    );
  });

  it('enforces Go\'s depth limit even when JSON.parse copes', () => {
    expect(() => parseJson('['.repeat(10001) + ']'.repeat(10001))).toThrow("invalid character '[' exceeded max depth");
  });
});

describe('summarizeData', () => {
  it('shows objects as text and anything else as hex, cut at 30 bytes', () => {
    expect(summarizeData('')).toBe('<empty>');
    expect(summarizeData('{"a":1}')).toBe('{"a":1}');
    expect(summarizeData('{' + 'x'.repeat(40))).toBe('{' + 'x'.repeat(29) + ' ...');
    expect(summarizeData('ab')).toBe('6162');
    expect(summarizeData('a'.repeat(31))).toBe('61'.repeat(30) + ' ...');
  });
});

describe('interpretTypeMeta', () => {
  it('reads apiVersion and kind', () => {
    expect(interpretTypeMeta({ apiVersion: 'v1', kind: 'Pod', x: 1 })).toEqual({ apiVersion: 'v1', kind: 'Pod' });
    expect(interpretTypeMeta({})).toEqual({ apiVersion: '', kind: '' });
    expect(interpretTypeMeta(null)).toEqual({ apiVersion: '', kind: '' });
  });
  it('fails like SimpleMetaFactory.Interpret', () => {
    expect(() => interpretTypeMeta([1])).toThrow(
      'couldn\'t get version/kind; json parse error: json: cannot unmarshal array into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }',
    );
    expect(() => interpretTypeMeta('x')).toThrow('json: cannot unmarshal string into Go value of type struct');
    expect(() => interpretTypeMeta({ kind: 5 })).toThrow(
      "couldn't get version/kind; json parse error: json: cannot unmarshal number into Go struct field .kind of type string",
    );
    expect(() => interpretTypeMeta({ apiVersion: true })).toThrow('cannot unmarshal bool into Go struct field .apiVersion of type string');
    const e = apiErrorOf(() => interpretTypeMeta([], { expectKind: 'Pod', body: '[]' }));
    expect(e.code).toBe(400);
    expect(e.message).toBe(
      'the object provided is unrecognized (must be of type Pod): couldn\'t get version/kind; json parse error: json: cannot unmarshal array into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" } (5b5d)',
    );
  });
});

describe('kube messages', () => {
  it('formats strict decoding and decode errors', () => {
    expect(strictDecodingMessage([duplicateFieldError('metadata.labels.a'), 'unknown field "spec.x"'])).toBe(
      'strict decoding error: duplicate field "metadata.labels.a", unknown field "spec.x"',
    );
    expect(cannotBeHandledMessage('Pod', 'v1', 'Pod', 'strict decoding error: x')).toBe('Pod in version "v1" cannot be handled as a Pod: strict decoding error: x');
  });
});

describe('parseYamlStrict', () => {
  it('decodes YAML into JSON values', () => {
    const { value, duplicates, strictErrors } = parseYamlStrict('apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  labels: {x: "1"}\nspec:\n  containers:\n  - name: c\n    image: nginx\n');
    expect(value).toEqual({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', labels: { x: '1' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
    expect(duplicates).toEqual([]);
    expect(strictErrors).toEqual([]);
  });

  it('resolves scalars as goyaml v2 does', () => {
    const { value } = parseYamlStrict('a: yes\nb: off\nc: 2001-12-14t21:59:43.10-05:00\nd: 0x1f\ne: 1.5\nf: ~\ng: "yes"\n');
    expect(value).toEqual({ a: true, b: false, c: '2001-12-14t21:59:43.10-05:00', d: 31, e: 1.5, f: null, g: 'yes' });
  });

  it('supports merge keys and anchors', () => {
    const { value } = parseYamlStrict('base: &b {x: 1, z: 2}\nderived:\n  <<: *b\n  z: 3\n');
    expect(value).toEqual({ base: { x: 1, z: 2 }, derived: { x: 1, z: 3 } });
  });

  it('turns YAML 1.1 boolean keys into "true"/"false", as goyaml v2 + sigs.k8s.io/yaml do', () => {
    const r = parseYamlStrict('y: 1\non: 2\nno: 3\n');
    expect(r.value).toEqual({ true: 2, false: 3 });
    // Both keys resolve to true, so goyaml sees a repeat.
    expect(r.strictErrors).toEqual(['yaml: unmarshal errors:\n  line 2: key true already set in map']);
  });

  it('reports duplicates by path and in goyaml\'s strict wording; last wins', () => {
    const text = 'metadata:\n  labels:\n    a: "1"\n    a: "2"\nspec:\n  containers:\n  - name: x\n    name: y\n';
    const { value, duplicates, strictErrors } = parseYamlStrict(text);
    expect(duplicates).toEqual(['metadata.labels.a', 'spec.containers[0].name']);
    expect(strictErrors).toEqual(['yaml: unmarshal errors:\n  line 4: key "a" already set in map\n  line 8: key "name" already set in map']);
    expect((value as { metadata: { labels: { a: string } } }).metadata.labels.a).toBe('2');
  });

  it('reads only the first document', () => {
    expect(parseYamlStrict('a: 1\n---\na: 2\n').value).toEqual({ a: 1 });
    expect(parseYamlStrict('').value).toBeNull();
  });

  it('reports syntax errors as a YAML-to-JSON conversion failure', () => {
    const e = apiErrorOf(() => parseYamlStrict('a: b: c\n', { expectKind: 'Pod' }));
    expect(e.code).toBe(400);
    // The problem text is the yaml package's; the frame around it is kube's.
    expect(e.message).toBe(
      'the object provided is unrecognized (must be of type Pod): error converting YAML to JSON: yaml: line 1: Nested mappings are not allowed in compact mappings (613a20623a20630a)',
    );
    expect(apiErrorOf(() => parseYamlStrict('a: [1, 2\n')).message).toMatch(/^error converting YAML to JSON: yaml: line \d+: /);
  });

  it('refuses alias bombs with 400', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 0; i < 8; i++) bomb.push(`${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9).fill('*' + String.fromCharCode(97 + i)).join(',')}]`);
    expect(apiErrorOf(() => parseYamlStrict(bomb.join('\n') + '\n')).message).toBe('error converting YAML to JSON: yaml: document contains excessive aliasing');
  });

  it('rejects values JSON cannot carry', () => {
    expect(apiErrorOf(() => parseYamlStrict('a: .inf\n')).message).toBe('error converting YAML to JSON: json: unsupported value: +Inf');
  });
});

describe('parseYamlOrJson', () => {
  it('dispatches on the media type', () => {
    expect(parseYamlOrJson('a: 1', 'application/yaml; charset=utf-8').value).toEqual({ a: 1 });
    expect(parseYamlOrJson('{"a":1,"a":2}', 'application/json')).toEqual({ value: { a: 2 }, duplicates: ['a'], strictErrors: ['duplicate field "a"'] });
    expect(() => parseYamlOrJson('a: 1', 'application/json')).toThrow(ApiError);
  });
});
