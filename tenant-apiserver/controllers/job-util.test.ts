import { describe, expect, it } from 'vitest';
import { completionIndexOf, formatIndexes, indexesToStart, parseIndexes, remainingBackoffMs, wantActive } from './job-util.js';
import { rankPodsForDeletion } from './pod-ranking.js';
import type { KubeObject } from '../api/types.js';

describe('completed indexes', () => {
  it('compresses into intervals and parses back', () => {
    expect(formatIndexes([5, 0, 2, 1, 7, 6])).toBe('0-2,5-7');
    expect(formatIndexes([3])).toBe('3');
    expect(formatIndexes([])).toBe('');
    expect(parseIndexes('0-2,5-7', 10)).toEqual([0, 1, 2, 5, 6, 7]);
    // Out of range and malformed parts are ignored.
    expect(parseIndexes('1,x,3-4,9', 4)).toEqual([1, 3]);
  });

  it('reads a pod\'s index from the annotation, then the label', () => {
    expect(completionIndexOf({ metadata: { annotations: { 'batch.kubernetes.io/job-completion-index': '3' } } })).toBe(3);
    expect(completionIndexOf({ metadata: { labels: { 'batch.kubernetes.io/job-completion-index': '4' } } })).toBe(4);
    expect(completionIndexOf({ metadata: { annotations: { 'batch.kubernetes.io/job-completion-index': '-1' } } })).toBeUndefined();
  });

  it('starts the lowest free indexes up to the room left', () => {
    expect(indexesToStart(6, new Set([0, 2]), new Set([1]), 2)).toEqual([3, 4]);
    expect(indexesToStart(3, new Set([0, 1, 2]), new Set(), 5)).toEqual([]);
  });
});

describe('how many pods run', () => {
  it('caps remaining completions by parallelism', () => {
    expect(wantActive(5, 2, 0, 0)).toBe(2);
    expect(wantActive(5, 2, 4, 1)).toBe(1);
    expect(wantActive(5, 2, 7, 0)).toBe(0);
  });

  it('runs a work queue at parallelism until the first success', () => {
    expect(wantActive(undefined, 3, 0, 1)).toBe(3);
    expect(wantActive(undefined, 3, 1, 2)).toBe(2);
  });

  it('backs off exponentially after failures, capped at ten minutes', () => {
    expect(remainingBackoffMs(0, 0, 1000)).toBe(0);
    expect(remainingBackoffMs(1, 1000, 1000)).toBe(10_000);
    expect(remainingBackoffMs(3, 1000, 6000)).toBe(35_000);
    expect(remainingBackoffMs(20, 0, 0)).toBe(600_000);
  });
});

describe('deletion ranking', () => {
  const pod = (name: string, o: { node?: string; phase?: string; ready?: string; created?: string; cost?: string; restarts?: number } = {}): KubeObject => ({
    metadata: { name, uid: name, creationTimestamp: o.created ?? '2024-01-01T00:00:00Z', annotations: o.cost ? { 'controller.kubernetes.io/pod-deletion-cost': o.cost } : {} },
    spec: o.node ? { nodeName: o.node } : {},
    status: {
      phase: o.phase ?? 'Running',
      conditions: o.ready ? [{ type: 'Ready', status: 'True', lastTransitionTime: o.ready }] : [],
      containerStatuses: [{ restartCount: o.restarts ?? 0 }],
    },
  });
  const names = (ps: KubeObject[]) => rankPodsForDeletion(ps, [], Date.parse('2024-06-01T00:00:00Z')).map((p) => p.metadata?.name);

  it('prefers unscheduled, then pending, then not ready pods', () => {
    expect(names([pod('ready', { node: 'n', ready: '2024-01-01T00:00:00Z' }), pod('unscheduled', { phase: 'Pending' }), pod('pending', { node: 'n', phase: 'Pending' }), pod('notready', { node: 'n' })])).toEqual([
      'unscheduled',
      'pending',
      'notready',
      'ready',
    ]);
  });

  it('then lower deletion cost, doubled-up nodes, shorter readiness, more restarts, newer', () => {
    expect(names([pod('costly', { node: 'a', cost: '10' }), pod('cheap', { node: 'b', cost: '-5' })])).toEqual(['cheap', 'costly']);
    expect(names([pod('alone', { node: 'a' }), pod('pair1', { node: 'b' }), pod('pair2', { node: 'b' })]).slice(0, 2).sort()).toEqual(['pair1', 'pair2']);
    expect(names([pod('old-ready', { node: 'a', ready: '2024-01-01T00:00:00Z' }), pod('new-ready', { node: 'a', ready: '2024-05-31T23:59:00Z' })])[0]).toBe('new-ready');
    expect(names([pod('calm', { node: 'a' }), pod('crashy', { node: 'a', restarts: 4 })])[0]).toBe('crashy');
    expect(names([pod('older', { node: 'a', created: '2024-01-01T00:00:00Z' }), pod('newer', { node: 'a', created: '2024-05-31T00:00:00Z' })])[0]).toBe('newer');
  });
});
