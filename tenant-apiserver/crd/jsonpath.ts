// The JSONPath subset CRDs use (printer columns, scale paths, selectable
// fields), evaluated the way client-go's jsonpath does with missing keys
// allowed: `.spec.replicas`, `.metadata.labels.app`, `['a.b']`, `[0]`, `[-1]`,
// `[*]`, and filters such as `.status.conditions[?(@.type=="Ready")].status`.

import { isObject } from '../api/types.js';

export type Segment =
  | { kind: 'field'; name: string }
  | { kind: 'index'; index: number }
  | { kind: 'wildcard' }
  | { kind: 'filter'; path: Segment[]; op: string | undefined; value: unknown };

export class JsonPathError extends Error {}

/** Parses `.a.b[0]` (with or without surrounding `{}`) into segments. */
export function parseJsonPath(src: string): Segment[] {
  let s = src.trim();
  if (s.startsWith('{') && s.endsWith('}')) s = s.slice(1, -1).trim();
  const out: Segment[] = [];
  let i = 0;
  if (s === '.' || s === '') return out;
  while (i < s.length) {
    const c = s[i]!;
    if (c === '.') {
      i++;
      if (s[i] === '.') throw new JsonPathError('recursive descent is not supported');
      let j = i;
      while (j < s.length && s[j] !== '.' && s[j] !== '[') j++;
      const name = s.slice(i, j);
      if (name === '') {
        if (s[j] === '[') {
          i = j;
          continue;
        }
        throw new JsonPathError(`unexpected end of path in ${JSON.stringify(src)}`);
      }
      out.push(name === '*' ? { kind: 'wildcard' } : { kind: 'field', name });
      i = j;
    } else if (c === '[') {
      const end = matchingBracket(s, i);
      const body = s.slice(i + 1, end).trim();
      i = end + 1;
      if (body === '*') out.push({ kind: 'wildcard' });
      else if (/^-?\d+$/.test(body)) out.push({ kind: 'index', index: Number(body) });
      else if (/^'.*'$/.test(body) || /^".*"$/.test(body)) out.push({ kind: 'field', name: body.slice(1, -1) });
      else if (body.startsWith('?(') && body.endsWith(')')) out.push(parseFilter(body.slice(2, -1).trim(), src));
      else throw new JsonPathError(`unrecognized character in action: ${JSON.stringify(body)}`);
    } else {
      // A path may start without a dot (`spec.x`); treat it as a field.
      let j = i;
      while (j < s.length && s[j] !== '.' && s[j] !== '[') j++;
      out.push({ kind: 'field', name: s.slice(i, j) });
      i = j;
    }
  }
  return out;
}

function matchingBracket(s: string, open: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = open; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '[') depth++;
    else if (c === ']' && --depth === 0) return i;
  }
  throw new JsonPathError(`unclosed array expect ]`);
}

function parseFilter(body: string, src: string): Segment {
  const m = /^@((?:\.[^=!<>\s]+|\[[^\]]*\])*)\s*(==|!=|<=|>=|<|>)?\s*(.*)$/.exec(body);
  if (!m) throw new JsonPathError(`invalid filter in ${JSON.stringify(src)}`);
  const path = parseJsonPath(m[1] || '.');
  const op = m[2];
  if (!op && m[3]!.trim() !== '') throw new JsonPathError(`invalid filter in ${JSON.stringify(src)}`);
  let value: unknown;
  if (op) {
    const raw = m[3]!.trim();
    if (/^'.*'$/.test(raw) || /^".*"$/.test(raw)) value = raw.slice(1, -1);
    else if (raw === 'true' || raw === 'false') value = raw === 'true';
    else if (raw !== '' && !Number.isNaN(Number(raw))) value = Number(raw);
    else throw new JsonPathError(`invalid filter value ${JSON.stringify(raw)}`);
  }
  return { kind: 'filter', path, op, value };
}

/** Every value the path reaches (missing keys give no result, never an error). */
export function evaluateJsonPath(segments: Segment[], root: unknown): unknown[] {
  let cur: unknown[] = [root];
  for (const seg of segments) {
    const next: unknown[] = [];
    for (const v of cur) {
      switch (seg.kind) {
        case 'field':
          if (isObject(v) && seg.name in v) next.push(v[seg.name]);
          break;
        case 'index':
          if (Array.isArray(v)) {
            const i = seg.index < 0 ? v.length + seg.index : seg.index;
            if (i >= 0 && i < v.length) next.push(v[i]);
          }
          break;
        case 'wildcard':
          if (Array.isArray(v)) next.push(...v);
          else if (isObject(v)) next.push(...Object.keys(v).sort().map((k) => v[k]));
          break;
        case 'filter':
          if (Array.isArray(v)) for (const item of v) if (filterMatches(seg, item)) next.push(item);
          break;
      }
    }
    cur = next;
  }
  return cur;
}

function filterMatches(seg: Extract<Segment, { kind: 'filter' }>, item: unknown): boolean {
  const found = evaluateJsonPath(seg.path, item);
  if (!seg.op) return found.length > 0 && found[0] !== null && found[0] !== false;
  if (found.length === 0) return false;
  const a = found[0];
  const b = seg.value;
  switch (seg.op) {
    case '==':
      return a === b || (typeof a === 'number' && typeof b === 'number' && a === b);
    case '!=':
      return a !== b;
    case '<':
      return typeof a === 'number' && typeof b === 'number' && a < b;
    case '>':
      return typeof a === 'number' && typeof b === 'number' && a > b;
    case '<=':
      return typeof a === 'number' && typeof b === 'number' && a <= b;
    case '>=':
      return typeof a === 'number' && typeof b === 'number' && a >= b;
    default:
      return false;
  }
}

/** The first value a simple path reaches, or undefined. */
export function getPath(root: unknown, path: string): unknown {
  return evaluateJsonPath(parseJsonPath(path), root)[0];
}

/** Sets the value at a simple dotted path (`.spec.replicas`), creating objects on the way. */
export function setPath(root: Record<string, unknown>, path: string, value: unknown): void {
  const segs = parseJsonPath(path);
  let cur: Record<string, unknown> = root;
  segs.forEach((seg, i) => {
    if (seg.kind !== 'field') throw new JsonPathError(`cannot set through ${JSON.stringify(path)}`);
    if (i === segs.length - 1) {
      cur[seg.name] = value;
      return;
    }
    if (!isObject(cur[seg.name])) cur[seg.name] = {};
    cur = cur[seg.name] as Record<string, unknown>;
  });
}
