import { describe, expect, it } from 'vitest';
import './index.js';
import { strategyFor } from './register.js';
import { create, info, update } from './testkit.js';

const nodes = info({ resource: 'nodes', kind: 'Node', namespaced: false });
const quotas = info({ resource: 'resourcequotas', kind: 'ResourceQuota' });
const limitranges = info({ resource: 'limitranges', kind: 'LimitRange' });

describe('nodes', () => {
  it('default allocatable to capacity and select on unschedulable', () => {
    const r = create(nodes, { metadata: { name: 'n1' }, spec: { unschedulable: true }, status: { capacity: { cpu: '4', memory: '8192Mi' } } });
    expect(r.errors).toEqual([]);
    expect(r.obj.status).toEqual({ capacity: { cpu: '4', memory: '8Gi' }, allocatable: { cpu: '4', memory: '8Gi' } });
    const s = strategyFor(nodes);
    expect(s.selectableFields!(r.obj)).toEqual({ 'spec.unschedulable': 'true' });
    expect(s.tracksGeneration).toBe(false);
  });

  it('validate taints', () => {
    expect(create(nodes, { metadata: { name: 'n1' }, spec: { taints: [{ key: 'k', effect: 'Sometimes' }] } }).errors).toEqual([
      'metadata.taints[0].effect: Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
    ]);
  });

  it('keep pod CIDRs once set', () => {
    const old = create(nodes, { metadata: { name: 'n1' }, spec: { podCIDRs: ['10.0.0.0/24'], podCIDR: '10.0.0.0/24' } }).obj;
    expect(update(nodes, { metadata: { name: 'n1' }, spec: { podCIDRs: ['10.0.1.0/24'] } }, old).errors).toEqual([
      'spec.podCIDRs: Forbidden: node updates may not change podCIDR except from "" to valid',
    ]);
  });
});

describe('resource quotas', () => {
  it('validate resource names and quantities', () => {
    const r = create(quotas, { metadata: { name: 'q' }, spec: { hard: { pods: '10', 'requests.cpu': '2', widgets: '1', services: '1.5' } } });
    expect(r.errors).toEqual([
      'spec.hard[widgets]: Invalid value: "widgets": must be a standard resource type or fully qualified',
      'spec.hard[widgets]: Invalid value: "widgets": must be a standard resource for quota',
      'spec.hard[services]: Invalid value: "1500m": must be an integer',
    ]);
    expect(r.obj.status).toEqual({});
  });

  it('keep scopes fixed', () => {
    const old = create(quotas, { metadata: { name: 'q' }, spec: { hard: { pods: '1' }, scopes: ['BestEffort'] } }).obj;
    expect(update(quotas, { metadata: { name: 'q' }, spec: { hard: { pods: '1' }, scopes: ['NotBestEffort'] } }, old).errors).toEqual([
      'spec.scopes: Invalid value: []core.ResourceQuotaScope{"NotBestEffort"}: field is immutable',
    ]);
  });
});

describe('limit ranges', () => {
  it('default container limits from max and requests from defaults or min', () => {
    const r = create(limitranges, { metadata: { name: 'l' }, spec: { limits: [{ type: 'Container', max: { cpu: '2' }, min: { memory: '64Mi' } }] } });
    expect(r.errors).toEqual([]);
    expect((r.obj.spec as { limits: unknown[] }).limits[0]).toEqual({
      type: 'Container',
      max: { cpu: '2' },
      min: { memory: '64Mi' },
      default: { cpu: '2' },
      defaultRequest: { cpu: '2', memory: '64Mi' },
    });
    expect(strategyFor(limitranges).allowCreateOnUpdate).toBe(true);
  });

  it('check ordering between min, max and defaults', () => {
    const r = create(limitranges, { metadata: { name: 'l' }, spec: { limits: [{ type: 'Container', min: { cpu: '2' }, max: { cpu: '1' } }] } });
    expect(r.errors).toContain('spec.limits[0].min[cpu]: Invalid value: "2": min value 2 is greater than max value 1');
  });
});
