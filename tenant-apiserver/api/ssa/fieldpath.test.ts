import { describe, expect, it } from 'vitest';
import {
  FieldSet,
  compareStrings,
  comparePE,
  fieldElement,
  goJsonString,
  indexElement,
  keyElement,
  parsePathElement,
  pathString,
  valueElement,
} from './fieldpath.js';

const f = fieldElement;

describe('path elements', () => {
  it('serialises like SerializePathElement', () => {
    expect(f('spec').s).toBe('f:spec');
    expect(keyElement([['protocol', 'TCP'], ['containerPort', 80]]).s).toBe('k:{"containerPort":80,"protocol":"TCP"}');
    expect(valueElement('example.com/foo').s).toBe('v:"example.com/foo"');
    expect(valueElement(3).s).toBe('v:3');
    expect(indexElement(2).s).toBe('i:2');
    // Go's encoder is HTML-safe.
    expect(keyElement([['name', '<a&b>']]).s).toBe('k:{"name":"\\u003ca\\u0026b\\u003e"}');
  });

  it('prints paths like Path.String', () => {
    const p = [f('spec'), f('template'), f('spec'), f('containers'), keyElement([['name', 'web']]), f('image')];
    expect(pathString(p)).toBe('.spec.template.spec.containers[name="web"].image');
    expect(pathString([f('spec'), f('ports'), keyElement([['port', 80], ['protocol', 'TCP']])])).toBe('.spec.ports[port=80,protocol="TCP"]');
    expect(pathString([f('metadata'), f('finalizers'), valueElement('a')])).toBe('.metadata.finalizers[="a"]');
    expect(pathString([f('x'), indexElement(0)])).toBe('.x[0]');
  });

  it('orders field < key < value < index, then by content', () => {
    const els = [indexElement(1), valueElement('b'), keyElement([['name', 'a']]), f('z'), f('a'), valueElement(2), indexElement(0)];
    els.sort(comparePE);
    expect(els.map((e) => e.s)).toEqual(['f:a', 'f:z', 'k:{"name":"a"}', 'v:2', 'v:"b"', 'i:0', 'i:1']);
  });

  it('compares strings by code point like Go', () => {
    expect(compareStrings('B', 'a')).toBe(-1);
    expect(compareStrings('\u{1F600}', '\uFFFD')).toBe(1); // UTF-16 order would say -1
    expect(compareStrings('ab', 'a')).toBe(1);
  });

  it('parses FieldsV1 keys', () => {
    expect(parsePathElement('f:a.b')).toEqual(f('a.b'));
    expect(parsePathElement('k:{"b":1,"a":"x"}')!.s).toBe('k:{"a":"x","b":1}');
    expect(parsePathElement('x:unknown')).toBeNull();
    expect(() => parsePathElement('f')).toThrow('key must be 2 characters long');
    expect(() => parsePathElement('fa')).toThrow('missing colon: fa');
    expect(() => parsePathElement('i:x')).toThrow('strconv.Atoi');
  });

  it('encodes strings like encoding/json', () => {
    expect(goJsonString('a"b\\c\n\u0001\u2028')).toBe('"a\\"b\\\\c\\n\\u0001\\u2028"');
    expect(goJsonString('\ud800x')).toBe('"\ufffdx"');
  });
});

describe('FieldSet', () => {
  const a = [f('a')];
  const ab = [f('a'), f('b')];
  const abc = [f('a'), f('b'), f('c')];
  const d = [f('d')];

  it('inserts and finds members, not parents', () => {
    const s = FieldSet.of(abc, d);
    expect(s.has(abc)).toBe(true);
    expect(s.has(ab)).toBe(false);
    expect(s.has([])).toBe(false);
    expect(s.size()).toBe(2);
  });

  it('union / intersection / difference', () => {
    const s1 = FieldSet.of(ab, abc, d);
    const s2 = FieldSet.of(abc, a);
    expect(s1.union(s2).paths().map(pathString)).toEqual(['.a', '.d', '.a.b', '.a.b.c']);
    expect(s1.intersection(s2).paths().map(pathString)).toEqual(['.a.b.c']);
    expect(s1.difference(s2).paths().map(pathString)).toEqual(['.d', '.a.b']);
    // A member never removes children: parent - child = parent, child - parent = child.
    expect(FieldSet.of(abc).difference(FieldSet.of(ab)).paths().map(pathString)).toEqual(['.a.b.c']);
  });

  it('recursiveDifference removes whole subtrees', () => {
    const s = FieldSet.of(abc, ab, d);
    expect(s.recursiveDifference(FieldSet.of(ab)).paths().map(pathString)).toEqual(['.d']);
    expect(s.recursiveDifference(FieldSet.of(a)).paths().map(pathString)).toEqual(['.d']);
  });

  it('serialises FieldsV1 in kube order with "." for owned parents', () => {
    const c = keyElement([['name', 'c']]);
    const s = FieldSet.of(
      [f('spec'), f('containers'), c],
      [f('spec'), f('containers'), c, f('name')],
      [f('spec'), f('containers'), c, f('image')],
      [f('metadata'), f('finalizers'), valueElement('b')],
      [f('metadata'), f('finalizers'), valueElement('a')],
      [f('spec'), f('replicas')],
    );
    expect(JSON.stringify(s.toFieldsV1())).toBe(
      '{"f:metadata":{"f:finalizers":{"v:\\"a\\"":{},"v:\\"b\\"":{}}},"f:spec":{"f:containers":{"k:{\\"name\\":\\"c\\"}":{".":{},"f:image":{},"f:name":{}}},"f:replicas":{}}}',
    );
  });

  it('round-trips FieldsV1', () => {
    const v1 = {
      'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
      'f:spec': { 'f:ports': { 'k:{"port":80,"protocol":"TCP"}': { '.': {}, 'f:port': {} } }, 'f:x': {} },
    };
    const s = FieldSet.fromFieldsV1(v1);
    expect(s.has([f('metadata'), f('labels')])).toBe(true);
    expect(s.has([f('metadata')])).toBe(false);
    expect(s.has([f('spec'), f('ports'), keyElement([['port', 80], ['protocol', 'TCP']])])).toBe(true);
    expect(s.toFieldsV1()).toEqual(v1);
    // Unknown element kinds are dropped; an entry whose children are all unknown becomes a member.
    expect(FieldSet.fromFieldsV1({ 'f:a': { 'z:b': {} } }).toFieldsV1()).toEqual({ 'f:a': {} });
    expect(() => FieldSet.fromFieldsV1({ 'f:a': 3 })).toThrow();
    expect(() => FieldSet.fromFieldsV1({ q: {} })).toThrow('key must be 2 characters long');
  });
});
