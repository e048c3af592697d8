import { describe, expect, it } from 'vitest';
import './index.js';
import { create, info, update } from './testkit.js';

const pcs = info({ group: 'scheduling.k8s.io', resource: 'priorityclasses', kind: 'PriorityClass', namespaced: false });
const rcs = info({ group: 'node.k8s.io', resource: 'runtimeclasses', kind: 'RuntimeClass', namespaced: false });

describe('priority classes', () => {
  it('default preemption and reserve the system- prefix', () => {
    const r = create(pcs, { metadata: { name: 'high' }, value: 1000 });
    expect(r.errors).toEqual([]);
    expect(r.obj.preemptionPolicy).toBe('PreemptLowerPriority');
    expect(create(pcs, { metadata: { name: 'system-mine' }, value: 1 }).errors).toEqual([
      "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: name system-mine is not a known system priority class",
    ]);
    expect(create(pcs, { metadata: { name: 'system-node-critical' }, value: 2000001000 }).errors).toEqual([]);
    expect(create(pcs, { metadata: { name: 'huge' }, value: 2000000000 }).errors).toEqual(['value: Forbidden: maximum allowed value of a user defined priority is 1000000000']);
  });

  it('keep the value fixed', () => {
    const old = create(pcs, { metadata: { name: 'high' }, value: 1000 }).obj;
    expect(update(pcs, { ...structuredClone(old), value: 2000 }, old).errors).toEqual(['value: Forbidden: may not be changed in an update.']);
  });
});

describe('runtime classes', () => {
  it('require a DNS-label handler that never changes', () => {
    expect(create(rcs, { metadata: { name: 'gvisor' }, handler: 'runsc' }).errors).toEqual([]);
    expect(create(rcs, { metadata: { name: 'x' }, handler: 'Run_SC' }).errors[0]).toMatch(/^handler: Invalid value: "Run_SC": a lowercase RFC 1123 label/);
    expect(create(rcs, { metadata: { name: 'x' } }).errors[0]).toMatch(/^handler: Invalid value: "": a lowercase RFC 1123 label/);
    const old = create(rcs, { metadata: { name: 'gvisor' }, handler: 'runsc' }).obj;
    expect(update(rcs, { ...structuredClone(old), handler: 'kata' }, old).errors).toEqual(['handler: Invalid value: "kata": field is immutable']);
  });
});
