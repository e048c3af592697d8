import { describe, expect, it } from 'vitest';
import './index.js';
import { create, info } from './testkit.js';

const pdbs = info({ group: 'policy', resource: 'poddisruptionbudgets', kind: 'PodDisruptionBudget' });

describe('pod disruption budgets', () => {
  it('start with zeroed status counters', () => {
    const r = create(pdbs, { metadata: { name: 'p' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } } });
    expect(r.errors).toEqual([]);
    expect(r.obj.status).toEqual({ disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 });
  });

  it('refuse minAvailable together with maxUnavailable', () => {
    const r = create(pdbs, { metadata: { name: 'p' }, spec: { minAvailable: 1, maxUnavailable: '50%' } });
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(/^spec: Invalid value: policy\.PodDisruptionBudgetSpec\{.*\}: minAvailable and maxUnavailable cannot be both set$/);
  });

  it('validate percentages and the eviction policy', () => {
    expect(create(pdbs, { metadata: { name: 'p' }, spec: { maxUnavailable: '150%' } }).errors).toEqual([
      'spec.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"150%"}: must not be greater than 100%',
    ]);
    expect(create(pdbs, { metadata: { name: 'p' }, spec: { minAvailable: 'half' } }).errors[0]).toMatch(/^spec\.minAvailable: Invalid value: .*: a valid percent string must be/);
    expect(create(pdbs, { metadata: { name: 'p' }, spec: { minAvailable: -1 } }).errors).toEqual(['spec.minAvailable: Invalid value: -1: must be greater than or equal to 0']);
    expect(create(pdbs, { metadata: { name: 'p' }, spec: { unhealthyPodEvictionPolicy: 'Never' } }).errors).toEqual([
      'spec.unhealthyPodEvictionPolicy: Unsupported value: "Never": supported values: "AlwaysAllow", "IfHealthyBudget"',
    ]);
  });
});
