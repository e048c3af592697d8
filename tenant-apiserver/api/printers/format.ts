// Shared pieces of the printers: tolerant JSON accessors (printers must never
// throw on a half-filled object) and the text formats kube uses in several
// tables (label maps, label selectors, container lists, "+ N more...").

import { translateTimestampSince } from './age.js';
import type { ColumnDefinition, KubeObject } from './types.js';

export type Json = Record<string, unknown>;

/** The value as an object, or an empty one. */
export function obj(v: unknown): Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};
}

/** The value as an object, or undefined when it is not one (Go's nil pointer). */
export function optObj(v: unknown): Json | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
}

export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function objs(v: unknown): Json[] {
  return arr(v).map(obj);
}

/** The value as a string; numbers are stringified, anything else is "". */
export function str(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return '';
}

/** The value as an integer (int32/int64 fields), 0 when absent. */
export function int(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : 0;
}

export function metadata(o: KubeObject): Json {
  return obj(o.metadata);
}

export function nameOf(o: KubeObject): string {
  return str(metadata(o).name);
}

export function ageOf(o: KubeObject, now: number): string {
  return translateTimestampSince(metadata(o).creationTimestamp, now);
}

export function isDeleting(o: KubeObject): boolean {
  const ts = metadata(o).deletionTimestamp;
  return ts !== undefined && ts !== null;
}

/** Length of a map field (data, binaryData...). */
export function mapSize(v: unknown): number {
  return Object.keys(obj(v)).length;
}

/** Go's sort.Strings order: byte-wise, not locale-aware. */
export function byteCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** labels.FormatLabels: sorted `k=v` pairs joined by commas, `<none>` when empty. */
export function formatLabels(m: unknown): string {
  const entries = Object.entries(obj(m)).map(([k, v]) => `${k}=${str(v)}`);
  if (entries.length === 0) return '<none>';
  return entries.sort(byteCompare).join(',');
}

/**
 * metav1.LabelSelectorAsSelector(...).String(): requirements sorted by key,
 * values sorted; `""` for a nil or empty selector (matches everything or
 * nothing, and either prints as empty). Returns null when the selector is
 * invalid (unknown operator, In without values...), the case kube reports as
 * an error.
 */
export function labelSelectorString(sel: unknown): string | null {
  const s = optObj(sel);
  if (!s) return '';
  const reqs: { key: string; text: string }[] = [];
  for (const [k, v] of Object.entries(obj(s.matchLabels))) {
    reqs.push({ key: k, text: `${k}=${str(v)}` });
  }
  for (const e of objs(s.matchExpressions)) {
    const key = str(e.key);
    const values = arr(e.values).map(str).sort(byteCompare);
    switch (str(e.operator)) {
      case 'In':
      case 'NotIn': {
        if (values.length === 0) return null;
        const op = str(e.operator) === 'In' ? 'in' : 'notin';
        reqs.push({ key, text: `${key} ${op} (${values.join(',')})` });
        break;
      }
      case 'Exists':
        if (values.length > 0) return null;
        reqs.push({ key, text: key });
        break;
      case 'DoesNotExist':
        if (values.length > 0) return null;
        reqs.push({ key, text: `!${key}` });
        break;
      default:
        return null;
    }
  }
  return reqs
    .sort((a, b) => byteCompare(a.key, b.key))
    .map((r) => r.text)
    .join(',');
}

/** metav1.FormatLabelSelector: the selector string, `<none>` when empty, `<error>` when invalid. */
export function formatLabelSelector(sel: unknown): string {
  const s = labelSelectorString(sel);
  if (s === null) return '<error>';
  return s === '' ? '<none>' : s;
}

/** Container names and images, each comma-joined (the CONTAINERS / IMAGES columns). */
export function layoutContainerCells(containers: unknown): [string, string] {
  const cs = objs(containers);
  return [cs.map((c) => str(c.name)).join(','), cs.map((c) => str(c.image)).join(',')];
}

/** intstr.IntOrString.String(). */
export function intOrString(v: unknown): string {
  return typeof v === 'number' ? String(Math.trunc(v)) : str(v);
}

/** printBoolPtr: True / False / <unset>. */
export function boolPtr(v: unknown): string {
  if (v === true) return 'True';
  if (v === false) return 'False';
  return '<unset>';
}

/** net.JoinHostPort: brackets around IPv6 literals. */
export function joinHostPort(host: string, port: number | string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** "a,b,c + 2 more..." for lists cut at `max`; `<unset>` for an empty list. */
export function listWithMore(list: string[], more: boolean, count: number, max: number): string {
  const ret = list.join(',');
  if (more) return `${ret} + ${count - max} more...`;
  return ret === '' ? '<unset>' : ret;
}

/**
 * A quantity as kube prints it. Stored quantities are already in canonical
 * form when the API layer normalises them on write; a number (which the wire
 * form never uses, but hand-written objects might) is printed as an integer
 * string. A missing quantity prints as "0", like Go's zero Quantity.
 */
export function quantity(v: unknown): string {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  const s = str(v);
  return s === '' ? '0' : s;
}

// --- column helpers -------------------------------------------------------

export const NAME_DESCRIPTION =
  'Name must be unique within a namespace. It is required when creating resources; it identifies the object for clients.';
export const AGE_DESCRIPTION =
  'CreationTimestamp is the server time at which this object was created, in RFC3339 form and UTC.';

export function col(name: string, type: string, description: string, priority = 0, format = ''): ColumnDefinition {
  return { name, type, format, description, priority };
}

export const nameColumn = (): ColumnDefinition => col('Name', 'string', NAME_DESCRIPTION, 0, 'name');
export const ageColumn = (): ColumnDefinition => col('Age', 'string', AGE_DESCRIPTION);
export const containersColumn = (priority = 1): ColumnDefinition =>
  col('Containers', 'string', 'Names of each container in the template.', priority);
export const imagesColumn = (priority = 1): ColumnDefinition =>
  col('Images', 'string', 'Images referenced by each container in the template.', priority);
