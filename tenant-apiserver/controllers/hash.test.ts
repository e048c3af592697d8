import { describe, expect, it } from 'vitest';
import { controllerRevisionHash, fnv32, fnv32a, podTemplateHash, safeEncodeString, semanticNormalize, stableJson } from './hash.js';

const enc = (s: string) => new TextEncoder().encode(s);

describe('FNV', () => {
  it('matches the published 32-bit test vectors', () => {
    expect(fnv32a(enc(''))).toBe(0x811c9dc5);
    expect(fnv32a(enc('a'))).toBe(0xe40c292c);
    expect(fnv32a(enc('foobar'))).toBe(0xbf9cf968);
    expect(fnv32(enc('a'))).toBe(0x050c5d7e);
    expect(fnv32(enc('foobar'))).toBe(0x31f0b262);
  });

  it('continues from a previous sum (streaming writes)', () => {
    expect(fnv32a(enc('bar'), fnv32a(enc('foo')))).toBe(fnv32a(enc('foobar')));
    expect(fnv32(enc('bar'), fnv32(enc('foo')))).toBe(fnv32(enc('foobar')));
  });
});

describe('SafeEncodeString', () => {
  it('maps digits into the vowel-free alphabet as kube does', () => {
    expect(safeEncodeString('0123456789')).toBe('456789bcdf');
    expect(safeEncodeString('')).toBe('');
  });
});

describe('pod-template-hash', () => {
  const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };

  it('is stable across property order and runs', () => {
    const reordered = { spec: { containers: [{ image: 'nginx', name: 'c' }] }, metadata: { labels: { app: 'web' } } };
    expect(podTemplateHash(template)).toBe(podTemplateHash(reordered));
    expect(podTemplateHash(template)).toBe(podTemplateHash(JSON.parse(JSON.stringify(template))));
    expect(podTemplateHash(template)).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/);
  });

  it('changes with the template and with the collision count', () => {
    const other = { ...template, spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] } };
    expect(podTemplateHash(other)).not.toBe(podTemplateHash(template));
    const h0 = podTemplateHash(template, 0);
    expect(h0).not.toBe(podTemplateHash(template));
    expect(podTemplateHash(template, 1)).not.toBe(h0);
    // A nil collision count hashes like no count at all.
    expect(podTemplateHash(template, null)).toBe(podTemplateHash(template));
  });

  it('ignores what a Go struct cannot tell from absent (null timestamps, empty lists)', () => {
    const fromKubectl = { metadata: { creationTimestamp: null, labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx', args: [] }] } };
    expect(podTemplateHash(fromKubectl)).toBe(podTemplateHash(template));
    expect(semanticNormalize({ a: null, b: [], c: {}, d: [{ e: null }] })).toEqual({ c: {}, d: [{}] });
  });

  it('renders JSON with sorted keys', () => {
    expect(stableJson({ b: 1, a: [{ d: 1, c: undefined }], e: null })).toBe('{"a":[{"d":1}],"b":1,"e":null}');
  });
});

describe('ControllerRevision hash', () => {
  it('depends on the data and the collision count', () => {
    const data = { spec: { template: { $patch: 'replace', spec: {} } } };
    expect(controllerRevisionHash(data)).toBe(controllerRevisionHash({ spec: { template: { spec: {}, $patch: 'replace' } } }));
    expect(controllerRevisionHash(data, 1)).not.toBe(controllerRevisionHash(data));
    expect(controllerRevisionHash(data, 1)).not.toBe(controllerRevisionHash(data, 2));
  });
});
