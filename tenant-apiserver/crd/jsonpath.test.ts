import { describe, expect, it } from 'vitest';
import { evaluateJsonPath, getPath, parseJsonPath, setPath } from './jsonpath.js';

const obj = {
  metadata: { name: 'w', labels: { 'app.kubernetes.io/name': 'web', tier: 'front' } },
  spec: { replicas: 3, items: [{ n: 'a' }, { n: 'b' }] },
  status: {
    conditions: [
      { type: 'Ready', status: 'True' },
      { type: 'Synced', status: 'False', count: 2 },
    ],
  },
};

describe('jsonpath subset', () => {
  it('follows fields, quoted keys, indexes and wildcards', () => {
    expect(getPath(obj, '.spec.replicas')).toBe(3);
    expect(getPath(obj, '{.metadata.name}')).toBe('w');
    expect(getPath(obj, ".metadata.labels['app.kubernetes.io/name']")).toBe('web');
    expect(getPath(obj, '.spec.items[1].n')).toBe('b');
    expect(getPath(obj, '.spec.items[-1].n')).toBe('b');
    expect(evaluateJsonPath(parseJsonPath('.spec.items[*].n'), obj)).toEqual(['a', 'b']);
    expect(evaluateJsonPath(parseJsonPath('.metadata.labels.*'), obj)).toEqual(['web', 'front']);
  });

  it('filters list items', () => {
    expect(getPath(obj, '.status.conditions[?(@.type=="Ready")].status')).toBe('True');
    expect(getPath(obj, ".status.conditions[?(@.type!='Ready')].type")).toBe('Synced');
    expect(getPath(obj, '.status.conditions[?(@.count>1)].type')).toBe('Synced');
    expect(getPath(obj, '.status.conditions[?(@.count)].type')).toBe('Synced');
  });

  it('allows missing keys and refuses malformed paths', () => {
    expect(getPath(obj, '.spec.nothing.deeper')).toBeUndefined();
    expect(getPath(obj, '.spec.items[7]')).toBeUndefined();
    expect(() => parseJsonPath('.spec..x')).toThrow();
    expect(() => parseJsonPath('.spec.items[abc')).toThrow('unclosed array expect ]');
    expect(() => parseJsonPath('.spec[?(@.a=nope)]')).toThrow();
  });

  it('sets a dotted path, creating objects on the way', () => {
    const o: Record<string, unknown> = { spec: { keep: 1 } };
    setPath(o, '.spec.scale.replicas', 4);
    expect(o).toEqual({ spec: { keep: 1, scale: { replicas: 4 } } });
    expect(() => setPath(o, '.spec.items[0]', 1)).toThrow();
  });
});
