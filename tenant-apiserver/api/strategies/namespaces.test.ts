import { describe, expect, it } from 'vitest';
import './index.js';
import { strategyFor } from './register.js';
import { create, info, update } from './testkit.js';

const namespaces = info({ resource: 'namespaces', kind: 'Namespace', namespaced: false });
const s = strategyFor(namespaces);

describe('namespaces', () => {
  it('uses DNS-label names, no generation, and returns the deleted object', () => {
    expect(s.nameRule).toBe('label');
    expect(s.tracksGeneration).toBe(false);
    expect(s.returnDeletedObject).toBe(true);
  });

  it('is Active with the kubernetes finalizer and the name label on create', () => {
    const r = create(namespaces, { metadata: { name: 'team-a', labels: { x: 'y' } }, status: { phase: 'Terminating' } });
    expect(r.errors).toEqual([]);
    expect(r.obj.status).toEqual({ phase: 'Active' });
    expect(r.obj.spec).toEqual({ finalizers: ['kubernetes'] });
    expect(r.obj.metadata?.labels).toEqual({ x: 'y', 'kubernetes.io/metadata.name': 'team-a' });
  });

  it('keeps user finalizers and appends kubernetes once', () => {
    const r = create(namespaces, { metadata: { name: 'a' }, spec: { finalizers: ['example.com/x', 'kubernetes'] } });
    expect(r.obj.spec).toEqual({ finalizers: ['example.com/x', 'kubernetes'] });
    const bad = create(namespaces, { metadata: { name: 'a' }, spec: { finalizers: ['custom'] } });
    expect(bad.errors).toEqual(['spec.finalizers: Invalid value: "custom": name is neither a standard finalizer name nor is it fully qualified']);
  });

  it('restores the name label and spec.finalizers on plain updates', () => {
    const old = create(namespaces, { metadata: { name: 'a' } }).obj;
    const r = update(namespaces, { metadata: { name: 'a', labels: {} }, spec: { finalizers: [] } }, old);
    expect(r.obj.metadata?.labels).toEqual({ 'kubernetes.io/metadata.name': 'a' });
    expect(r.obj.spec).toEqual({ finalizers: ['kubernetes'] });
  });

  it('lets /finalize change spec.finalizers', () => {
    const old = create(namespaces, { metadata: { name: 'a' } }).obj;
    const r = update(namespaces, { ...structuredClone(old), spec: { finalizers: [] } }, old, { subresource: 'finalize' });
    expect(r.obj.spec).toEqual({ finalizers: [] });
    expect(r.errors).toEqual([]);
  });

  it('checks the status phase against deletion', () => {
    const old = create(namespaces, { metadata: { name: 'a' } }).obj;
    const r = update(namespaces, { ...structuredClone(old), status: { phase: 'Terminating' } }, old, { subresource: 'status' });
    expect(r.errors).toEqual(["status.Phase: Invalid value: \"Terminating\": may only be 'Active' if `deletionTimestamp` is empty"]);
  });

  it('labels generateName namespaces once named', () => {
    const ns = { metadata: { name: 'gen-abcde' } };
    s.canonicalize!(ns, undefined as never);
    expect(ns.metadata).toEqual({ name: 'gen-abcde', labels: { 'kubernetes.io/metadata.name': 'gen-abcde' } });
  });

  it('selects on status.phase', () => {
    expect(s.selectableFields!({ status: { phase: 'Active' } })).toEqual({ 'status.phase': 'Active' });
  });
});
