import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.js';
import { defaultPrinter, hasPrinter, printedResources, printerFor, toTable, type IncludeObject } from './index.js';
import type { KubeObject } from './types.js';

const NOW = Date.parse('2024-05-01T12:00:00Z');

const pod = (name: string, phase = 'Running'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '17', creationTimestamp: '2024-05-01T11:00:00Z', labels: { app: 'x' } },
  spec: { containers: [{ name: 'c', image: 'i' }] },
  status: { phase },
});

describe('printerFor', () => {
  it('returns dedicated printers by group and resource', () => {
    expect(printerFor('', 'pods').columns.map((c) => c.name)).toContain('Restarts');
    expect(printerFor('apps', 'deployments').columns.map((c) => c.name)).toContain('Up-to-date');
    expect(printerFor('events.k8s.io', 'events').columns[0]!.name).toBe('Last Seen');
    expect(hasPrinter('batch', 'jobs')).toBe(true);
    // Same resource name in another group is not confused with the core one.
    expect(printerFor('example.com', 'pods')).toBe(defaultPrinter);
  });

  it('falls back to kube\'s default table (roles, limit ranges, custom resources)', () => {
    for (const [g, r] of [['rbac.authorization.k8s.io', 'roles'], ['rbac.authorization.k8s.io', 'clusterroles'], ['', 'limitranges'], ['stable.example.com', 'crontabs']] as const) {
      expect(printerFor(g, r)).toBe(defaultPrinter);
    }
    expect(defaultPrinter.columns.map((c) => [c.name, c.type, c.format])).toEqual([
      ['Name', 'string', 'name'],
      ['Created At', 'date', ''],
    ]);
    expect(defaultPrinter.cells({ metadata: { name: 'r', creationTimestamp: '2024-01-02T03:04:05Z' } }, NOW)).toEqual(['r', '2024-01-02T03:04:05Z']);
    expect(defaultPrinter.cells({ metadata: { name: 'r', creationTimestamp: '2024-01-02T03:04:05.678Z' } }, NOW)).toEqual(['r', '2024-01-02T03:04:05Z']);
    expect(defaultPrinter.cells({ metadata: { name: 'r' } }, NOW)).toEqual(['r', '0001-01-01T00:00:00Z']);
  });

  it('every printer yields exactly one cell per column, even for a nearly empty object', () => {
    const sparse: KubeObject = { metadata: { name: 'n' } };
    const empty: KubeObject = {};
    const junk: KubeObject = { metadata: { name: 'j', creationTimestamp: 'not-a-time' }, spec: 'oops', status: 7, data: null, subsets: {} };
    const resources = printedResources();
    expect(resources.length).toBeGreaterThan(50);
    for (const [g, r] of resources) {
      const p = printerFor(g, r);
      for (const o of [sparse, empty, junk]) {
        const cells = p.cells(o, NOW);
        expect(cells, `${g}/${r}`).toHaveLength(p.columns.length);
      }
      for (const c of p.columns) {
        expect([0, 1], `${g}/${r} ${c.name}`).toContain(c.priority);
        expect(['string', 'integer', 'number', 'boolean', 'date']).toContain(c.type);
      }
      // Name is the first column everywhere except events, where kube leads with LAST SEEN.
      if (r !== 'events') expect(p.columns[0]!.name, `${g}/${r}`).toBe('Name');
      expect(p.columns.filter((c) => c.name === 'Name')).toHaveLength(1);
    }
  });
});

describe('toTable', () => {
  const printer = printerFor('', 'pods');

  it('builds a meta.k8s.io/v1 Table with list metadata, columns and metadata-only rows by default', () => {
    const t = toTable(printer, [pod('a'), pod('b')], { now: NOW, withColumns: true, listMeta: { resourceVersion: '42', continue: 'tok', remainingItemCount: 3 } });
    expect(t.kind).toBe('Table');
    expect(t.apiVersion).toBe('meta.k8s.io/v1');
    expect(t.metadata).toEqual({ resourceVersion: '42', continue: 'tok', remainingItemCount: 3 });
    expect(t.columnDefinitions?.map((c) => c.name)).toEqual(printer.columns.map((c) => c.name));
    expect(t.rows).toHaveLength(2);
    expect(t.rows[0]!.cells).toEqual(['a', '0/1', 'Running', '0', '60m', '<none>', '<none>', '<none>', '<none>']);
    expect(t.rows[0]!.object).toEqual({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: pod('a').metadata });
    expect(t.rows[0]).not.toHaveProperty('conditions');
  });

  it('includeObject=Object embeds the object; None gives null; "" means Metadata', () => {
    const p = pod('a');
    expect(toTable(printer, [p], { includeObject: 'Object', now: NOW, withColumns: true }).rows[0]!.object).toBe(p);
    expect(toTable(printer, [p], { includeObject: 'None', now: NOW, withColumns: true }).rows[0]!.object).toBeNull();
    expect(toTable(printer, [p], { includeObject: '', now: NOW, withColumns: true }).rows[0]!.object).toMatchObject({ kind: 'PartialObjectMetadata' });
  });

  it('rejects an unknown includeObject with a 400', () => {
    try {
      toTable(printer, [pod('a')], { includeObject: 'Everything' as IncludeObject, now: NOW, withColumns: true });
      expect.fail('should throw');
    } catch (e) {
      expect(e).toBeInstanceOf(ApiError);
      expect((e as ApiError).code).toBe(400);
      expect((e as ApiError).message).toBe('unrecognized includeObject value: "Everything"');
    }
  });

  it('withColumns=false serialises columnDefinitions as null (watch events after the first)', () => {
    const t = toTable(printer, [pod('a')], { now: NOW, withColumns: false, listMeta: { resourceVersion: '17' } });
    expect(t.columnDefinitions).toBeNull();
    expect(JSON.parse(JSON.stringify(t))).toMatchObject({ columnDefinitions: null, metadata: { resourceVersion: '17' } });
    expect(t.rows[0]!.cells).toHaveLength(printer.columns.length);
  });

  it('omits empty list metadata fields and emits [] rows for an empty list', () => {
    const t = toTable(printer, [], { now: NOW, withColumns: true, listMeta: { resourceVersion: '' } });
    expect(t.metadata).toEqual({});
    expect(t.rows).toEqual([]);
  });

  it('attaches row conditions for completed pods', () => {
    const t = toTable(printer, [pod('done', 'Succeeded')], { now: NOW, withColumns: true });
    expect(t.rows[0]!.conditions).toEqual([{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }]);
  });

  it('v1beta1 applies to the table and the partial metadata', () => {
    const t = toTable(printer, [pod('a')], { now: NOW, withColumns: true, version: 'v1beta1' });
    expect(t.apiVersion).toBe('meta.k8s.io/v1beta1');
    expect(t.rows[0]!.object).toMatchObject({ apiVersion: 'meta.k8s.io/v1beta1' });
  });

  it('sorts rows when the printer orders its kind (flow schemas)', () => {
    const fs = (name: string, mp: number): KubeObject => ({ metadata: { name }, spec: { matchingPrecedence: mp, priorityLevelConfiguration: { name: 'x' } } });
    const t = toTable(printerFor('flowcontrol.apiserver.k8s.io', 'flowschemas'), [fs('late', 9000), fs('early', 1)], { now: NOW, withColumns: true });
    expect(t.rows.map((r) => r.cells[0])).toEqual(['early', 'late']);
  });

  it('column definitions are copies: callers cannot corrupt the printer', () => {
    const t = toTable(printer, [], { now: NOW, withColumns: true });
    t.columnDefinitions![0]!.name = 'Mangled';
    expect(printer.columns[0]!.name).toBe('Name');
  });
});
