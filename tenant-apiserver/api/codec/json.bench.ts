// Why codec/json.ts uses native JSON.parse plus a separate duplicate scan:
// compares it with a single hand-written parser that builds the value and
// finds duplicates in one pass. Run: npx vitest bench --run tenant-apiserver/api/codec/json.bench.ts

import { bench, describe } from 'vitest';
import { findDuplicateKeys } from './json.js';

/** A ~50 KB pod-like object: nested maps, arrays of objects, escapes, numbers. */
export function benchDocument(): string {
  const containers = Array.from({ length: 52 }, (_, i) => ({
    name: `container-${i}`,
    image: `registry.example.com/team/app-${i}:v1.2.${i}`,
    args: ['--flag', `--index=${i}`, 'quoted "value"\n'],
    env: Array.from({ length: 6 }, (_, j) => ({ name: `ENV_${j}`, value: `value-${i}-${j}` })),
    resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: 0.25, memory: 64e6 } },
    ports: [{ containerPort: 8080 + i, protocol: 'TCP' }],
    securityContext: { runAsNonRoot: true, readOnlyRootFilesystem: false, runAsUser: null },
  }));
  const obj = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'big',
      namespace: 'default',
      labels: Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`example.com/label-${i}`, `v${i}`])),
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({ a: 1, b: 'x'.repeat(200) }) },
    },
    spec: { containers },
  };
  return JSON.stringify(obj, null, 1);
}

// --- the single-pass alternative -------------------------------------------

class OnePass {
  private i = 0;
  readonly dups: string[] = [];
  private readonly path: string[] = [];
  constructor(private readonly s: string) {}

  parse(): unknown {
    const v = this.value();
    this.ws();
    if (this.i !== this.s.length) throw new SyntaxError('trailing data');
    return v;
  }
  private ws(): void {
    const s = this.s;
    let c = s.charCodeAt(this.i);
    while (c === 32 || c === 10 || c === 13 || c === 9) c = s.charCodeAt(++this.i);
  }
  private value(): unknown {
    this.ws();
    const c = this.s.charCodeAt(this.i);
    if (c === 0x7b) return this.object();
    if (c === 0x5b) return this.array();
    if (c === 0x22) return this.string();
    if (c === 0x74 && this.s.startsWith('true', this.i)) return (this.i += 4), true;
    if (c === 0x66 && this.s.startsWith('false', this.i)) return (this.i += 5), false;
    if (c === 0x6e && this.s.startsWith('null', this.i)) return (this.i += 4), null;
    return this.number();
  }
  private number(): number {
    NUM.lastIndex = this.i;
    const m = NUM.exec(this.s);
    if (!m) throw new SyntaxError('bad number');
    this.i += m[0].length;
    return Number(m[0]);
  }
  private string(): string {
    const s = this.s;
    const start = ++this.i;
    for (;;) {
      const c = s.charCodeAt(this.i);
      if (c === 0x22) return s.slice(start, this.i++);
      if (c === 0x5c || c < 0x20 || Number.isNaN(c)) break;
      this.i++;
    }
    // Slow path: escapes.
    let end = this.i;
    for (;;) {
      const c = s.charCodeAt(end);
      if (Number.isNaN(c)) throw new SyntaxError('eof');
      if (c === 0x5c) end += 2;
      else if (c === 0x22) break;
      else end++;
    }
    this.i = end + 1;
    return JSON.parse(s.slice(start - 1, end + 1)) as string;
  }
  private object(): Record<string, unknown> {
    this.i++;
    const o: Record<string, unknown> = {};
    const seen = new Set<string>();
    this.ws();
    if (this.s.charCodeAt(this.i) === 0x7d) return this.i++, o;
    for (;;) {
      this.ws();
      const k = this.string();
      if (seen.has(k)) this.dups.push([...this.path, k].join('.'));
      seen.add(k);
      this.ws();
      this.i++; // ':'
      this.path.push(k);
      const v = this.value();
      this.path.pop();
      if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
      else o[k] = v;
      this.ws();
      const c = this.s.charCodeAt(this.i++);
      if (c === 0x7d) return o;
      if (c !== 0x2c) throw new SyntaxError('expected , or }');
    }
  }
  private array(): unknown[] {
    this.i++;
    const a: unknown[] = [];
    this.ws();
    if (this.s.charCodeAt(this.i) === 0x5d) return this.i++, a;
    for (;;) {
      this.path.push(`[${a.length}]`);
      a.push(this.value());
      this.path.pop();
      this.ws();
      const c = this.s.charCodeAt(this.i++);
      if (c === 0x5d) return a;
      if (c !== 0x2c) throw new SyntaxError('expected , or ]');
    }
  }
}
const NUM = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

const doc = benchDocument();

describe(`decode ${Math.round(doc.length / 1024)} KB with duplicate detection`, () => {
  bench('JSON.parse + findDuplicateKeys', () => {
    JSON.parse(doc);
    findDuplicateKeys(doc);
  });
  bench('single hand-written pass', () => {
    new OnePass(doc).parse();
  });
  bench('JSON.parse alone (floor)', () => {
    JSON.parse(doc);
  });
});
