import { describe, expect, it } from 'vitest';
import {
  QUANTITY_FORMAT_ERROR,
  QUANTITY_NUMERIC_ERROR,
  QUANTITY_SUFFIX_ERROR,
  addQuantities,
  canonicalQuantity,
  canonicalizeResourceList,
  compareQuantities,
  isQuantity,
  parseQuantity,
  quantityMilliValue,
  quantityValue,
} from './quantity.js';

const cmp = (a: string, b: string) => compareQuantities(parseQuantity(a), parseQuantity(b));

describe('parseQuantity', () => {
  it('reads decimal SI, binary SI, exponents and plain numbers', () => {
    expect(quantityMilliValue(parseQuantity('100m'))).toBe(100n);
    expect(quantityValue(parseQuantity('1Gi'))).toBe(1073741824n);
    expect(quantityValue(parseQuantity('1e3'))).toBe(1000n);
    expect(quantityMilliValue(parseQuantity('0.5'))).toBe(500n);
    expect(quantityValue(parseQuantity('2k'))).toBe(2000n);
    expect(quantityValue(parseQuantity('1Ei'))).toBe(1152921504606846976n);
    expect(quantityMilliValue(parseQuantity('-1.5'))).toBe(-1500n);
    expect(quantityValue(parseQuantity(3))).toBe(3n);
  });

  it('rejects malformed input with kube\'s messages', () => {
    expect(() => parseQuantity('abc')).toThrow(QUANTITY_FORMAT_ERROR);
    expect(() => parseQuantity('')).toThrow(QUANTITY_FORMAT_ERROR);
    expect(() => parseQuantity('1K')).toThrow(QUANTITY_SUFFIX_ERROR);
    expect(() => parseQuantity('1k5')).toThrow(QUANTITY_SUFFIX_ERROR);
    expect(() => parseQuantity('1.2.3')).toThrow(QUANTITY_NUMERIC_ERROR);
    expect(() => parseQuantity('.')).toThrow(QUANTITY_NUMERIC_ERROR);
    expect(isQuantity('1Mi')).toBe(true);
    expect(isQuantity('1 Mi')).toBe(false);
    expect(isQuantity({})).toBe(false);
  });

  it('rounds anything below a nano-unit up', () => {
    expect(canonicalQuantity('0.0000000001')).toBe('1n');
    expect(canonicalQuantity('1.5n')).toBe('2n');
  });
});

describe('compareQuantities', () => {
  it('compares across formats exactly', () => {
    expect(cmp('1', '1000m')).toBe(0);
    expect(cmp('1Ki', '1024')).toBe(0);
    expect(cmp('1k', '1Ki')).toBe(-1);
    expect(cmp('2', '1500m')).toBe(1);
    expect(cmp('1e3', '1k')).toBe(0);
    expect(cmp('1Ei', '1E')).toBe(1);
    expect(cmp('-1', '0')).toBe(-1);
  });

  it('adds keeping the first format', () => {
    expect(canonicalQuantity(String(quantityValue(addQuantities(parseQuantity('1Gi'), parseQuantity('1Gi')))))).toBe('2147483648');
    const sum = addQuantities(parseQuantity('1Gi'), parseQuantity('1Gi'));
    expect(compareQuantities(sum, parseQuantity('2Gi'))).toBe(0);
  });
});

describe('canonical form', () => {
  it.each([
    ['0.5', '500m'],
    ['1000m', '1'],
    ['1500m', '1500m'],
    ['1.5', '1500m'],
    ['1024Mi', '1Gi'],
    ['2000Mi', '2000Mi'],
    ['0.5Gi', '512Mi'],
    ['1.5Gi', '1536Mi'],
    ['512Ki', '512Ki'],
    ['1000', '1k'],
    ['1500', '1500'],
    ['1e3', '1e3'],
    ['1.5e3', '1500'],
    ['12e-1', '1200e-3'],
    ['0', '0'],
    ['0Gi', '0'],
    ['100Mi', '100Mi'],
    ['1G', '1G'],
    ['100m', '100m'],
    ['0.1', '100m'],
    ['1Ki', '1Ki'],
    ['0.5Ki', '512'],
    ['-100Mi', '-100Mi'],
  ])('%s → %s', (input, want) => {
    expect(canonicalQuantity(input)).toBe(want);
  });

  it('canonicalises a resource list in place and reports the first bad value', () => {
    const list: Record<string, unknown> = { cpu: '0.5', memory: '1024Mi', bad: 'x1', n: 2 };
    const err = canonicalizeResourceList(list);
    expect(list).toEqual({ cpu: '500m', memory: '1Gi', bad: 'x1', n: '2' });
    expect(err).toBe(QUANTITY_FORMAT_ERROR);
    expect(canonicalizeResourceList({ cpu: '1' })).toBeUndefined();
  });
});
