import { describe, expect, it } from 'vitest';
import { toTable } from '../api/printers/index.js';
import { cellFor, customResourcePrinter } from './printer.js';

const NOW = Date.parse('2024-01-01T00:10:00Z');
const obj = {
  apiVersion: 'example.com/v1',
  kind: 'Widget',
  metadata: { name: 'w1', creationTimestamp: '2024-01-01T00:00:00Z' },
  spec: { color: 'red', replicas: 3, ratio: 1.5, on: true, tags: ['a', 'b'], nested: { a: 1 } },
  status: { conditions: [{ type: 'Ready', status: 'True' }] },
};

describe('custom resource printer', () => {
  it('builds Name plus the additional columns, with kube\'s default descriptions', () => {
    const p = customResourcePrinter([
      { name: 'Color', type: 'string', jsonPath: '.spec.color' },
      { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas', description: 'How many.' },
      { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status', priority: 1 },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ]);
    expect(p.columns.map((c) => [c.name, c.type, c.format, c.priority])).toEqual([
      ['Name', 'string', 'name', 0],
      ['Color', 'string', '', 0],
      ['Replicas', 'integer', '', 0],
      ['Ready', 'string', '', 1],
      ['Age', 'date', '', 0],
    ]);
    expect(p.columns[1]!.description).toBe('Custom resource definition column (in JSONPath format): .spec.color');
    expect(p.columns[2]!.description).toBe('How many.');
    expect(p.cells(obj, NOW)).toEqual(['w1', 'red', 3, 'True', '10m']);
  });

  it('defaults to a single Age column and gives missing values null cells', () => {
    const p = customResourcePrinter([]);
    expect(p.columns.map((c) => c.name)).toEqual(['Name', 'Age']);
    const t = toTable(customResourcePrinter([{ name: 'Phase', type: 'string', jsonPath: '.status.phase' }]), [obj], { now: NOW, withColumns: true });
    expect(t.rows[0]!.cells).toEqual(['w1', null]);
    expect(p.cells(obj, NOW)).toEqual(['w1', '10m']);
  });

  it('types cells as the column type says (cellForJSONValue)', () => {
    expect(cellFor('string', ['a', 'b'], NOW)).toBe('["a","b"]');
    expect(cellFor('string', { a: 1 }, NOW)).toBe('{"a":1}');
    expect(cellFor('string', 1.5, NOW)).toBe('1.5');
    expect(cellFor('string', true, NOW)).toBe('true');
    expect(cellFor('integer', 2.9, NOW)).toBe(2);
    expect(cellFor('integer', '2', NOW)).toBeNull();
    expect(cellFor('number', 3, NOW)).toBe(3);
    expect(cellFor('boolean', 'true', NOW)).toBeNull();
    expect(cellFor('date', 'not a date', NOW)).toBe('<invalid>');
    expect(cellFor('date', 5, NOW)).toBeNull();
  });
});
