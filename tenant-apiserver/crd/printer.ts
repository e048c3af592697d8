// Table output for custom resources: kube's CRD table convertor. A Name
// column, then the version's additionalPrinterColumns evaluated as JSONPath
// against the object; a version without columns gets the default Age column.

import type { ColumnDefinition, Printer } from '../api/printers/types.js';
import { translateTimestampSince } from '../api/printers/age.js';
import { AGE_DESCRIPTION, nameColumn, nameOf } from '../api/printers/format.js';
import { isObject } from '../api/types.js';
import { evaluateJsonPath, parseJsonPath, type Segment } from './jsonpath.js';
import { goFloat } from './schema.js';
import type { PrinterColumn } from './types.js';

/** serveDefaultColumnsIfEmpty: no columns means one Age column. */
export function columnsOrDefault(columns: readonly PrinterColumn[] | undefined): PrinterColumn[] {
  if (columns && columns.length > 0) return [...columns];
  return [{ name: 'Age', type: 'date', description: AGE_DESCRIPTION, jsonPath: '.metadata.creationTimestamp' }];
}

/** What client-go's jsonpath prints for a value: strings raw, maps and lists as JSON, numbers as Go does. */
function printValue(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : goFloat(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return JSON.stringify(v);
}

/** cellForJSONValue: typed cells for non-string columns; null when the value has another type. */
export function cellFor(type: string, v: unknown, now: number): unknown {
  if (v === null || v === undefined) return null;
  switch (type) {
    case 'string':
      return printValue(v);
    case 'integer':
      return typeof v === 'number' ? Math.trunc(v) : null;
    case 'number':
      return typeof v === 'number' ? v : null;
    case 'boolean':
      return typeof v === 'boolean' ? v : null;
    case 'date': {
      if (typeof v !== 'string') return null;
      if (Number.isNaN(Date.parse(v))) return '<invalid>';
      return translateTimestampSince(v, now);
    }
    default:
      return null;
  }
}

export function customResourcePrinter(columns: readonly PrinterColumn[] | undefined): Printer {
  const cols = columnsOrDefault(columns);
  const paths: (Segment[] | undefined)[] = cols.map((c) => {
    try {
      return parseJsonPath(c.jsonPath ?? '');
    } catch {
      return undefined;
    }
  });
  const defs: ColumnDefinition[] = [
    nameColumn(),
    ...cols.map((c) => ({
      name: c.name ?? '',
      type: c.type ?? '',
      format: c.format ?? '',
      description: c.description || `Custom resource definition column (in JSONPath format): ${c.jsonPath ?? ''}`,
      priority: typeof c.priority === 'number' ? c.priority : 0,
    })),
  ];
  return {
    columns: defs,
    cells(o, now) {
      const out: unknown[] = [nameOf(o)];
      cols.forEach((c, i) => {
        const p = paths[i];
        const found = p && isObject(o) ? evaluateJsonPath(p, o) : [];
        out.push(found.length === 0 ? null : cellFor(c.type ?? '', found[0], now));
      });
      return out;
    },
  };
}
