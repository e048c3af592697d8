import { describe, expect, it } from 'vitest';
import { parseQuantity } from '../tenant-apiserver/api/strategies/quantity.js';
import { formatResourceList, parseResourceList } from './resources.js';
import { countName, exceededMessage, objectUsage, parseCountName, podCharged, podConstraintError, quotaMatches, sumUsage } from './quota-usage.js';

const now = Date.parse('2025-01-02T03:04:05Z');

function pod(spec: Record<string, unknown> = {}, status: Record<string, unknown> = { phase: 'Running' }, meta: Record<string, unknown> = {}) {
  return { metadata: { name: 'p', ...meta }, spec: { containers: [{ name: 'c', image: 'i' }], ...spec }, status };
}

describe('usage', () => {
  it('charges a pod its count, requests and limits (overhead included)', () => {
    const p = pod({ containers: [{ name: 'c', image: 'i', resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '1' } } }], overhead: { cpu: '250m' } });
    expect(formatResourceList(objectUsage('', 'pods', p, now))).toEqual({
      'count/pods': '1',
      cpu: '350m',
      'limits.cpu': '1250m',
      memory: '64Mi',
      pods: '1',
      'requests.cpu': '350m',
      'requests.memory': '64Mi',
    });
  });

  it('does not charge finished pods or pods past their grace period', () => {
    expect(podCharged(pod({}, { phase: 'Succeeded' }), now)).toBe(false);
    expect(podCharged(pod({}, { phase: 'Failed' }), now)).toBe(false);
    expect(podCharged(pod({}, { phase: 'Running' }, { deletionTimestamp: '2025-01-02T03:04:00Z', deletionGracePeriodSeconds: 30 }), now)).toBe(true);
    expect(podCharged(pod({}, { phase: 'Running' }, { deletionTimestamp: '2025-01-02T03:03:00Z', deletionGracePeriodSeconds: 30 }), now)).toBe(false);
    expect(objectUsage('', 'pods', pod({}, { phase: 'Succeeded' }), now).size).toBe(0);
  });

  it('charges services, claims and any kind by count', () => {
    const lb = { spec: { type: 'LoadBalancer', ports: [{ port: 80 }, { port: 443 }] } };
    expect(formatResourceList(objectUsage('', 'services', lb, now))).toEqual({ 'count/services': '1', services: '1', 'services.loadbalancers': '1', 'services.nodeports': '2' });
    const pvc = { spec: { storageClassName: 'fast', resources: { requests: { storage: '1Gi' } } }, status: { allocatedResources: { storage: '2Gi' } } };
    expect(formatResourceList(objectUsage('', 'persistentvolumeclaims', pvc, now))).toEqual({
      'count/persistentvolumeclaims': '1',
      'fast.storageclass.storage.k8s.io/persistentvolumeclaims': '1',
      'fast.storageclass.storage.k8s.io/requests.storage': '2Gi',
      persistentvolumeclaims: '1',
      'requests.storage': '2Gi',
    });
    expect(formatResourceList(objectUsage('apps', 'deployments', {}, now))).toEqual({ 'count/deployments.apps': '1' });
    expect(formatResourceList(objectUsage('', 'configmaps', {}, now))).toEqual({ configmaps: '1', 'count/configmaps': '1' });
    expect(countName('', 'secrets')).toBe('count/secrets');
    expect(parseCountName('count/deployments.apps')).toEqual({ group: 'apps', resource: 'deployments' });
    expect(parseCountName('count/pods')).toEqual({ group: '', resource: 'pods' });
    expect(parseCountName('pods')).toBeUndefined();
  });

  it('sums only the tracked names, zero when nothing charges them', () => {
    const u = sumUsage([new Map([['pods', parseQuantity('1')]]), new Map([['pods', parseQuantity('1')], ['cpu', parseQuantity('1')]])], new Set(['pods', 'services']));
    expect(formatResourceList(u)).toEqual({ pods: '2', services: '0' });
  });
});

describe('scopes', () => {
  const q = (spec: Record<string, unknown>) => ({ spec: { hard: { pods: '1' }, ...spec } });
  it('applies unscoped quotas to everything and scoped ones to matching pods only', () => {
    expect(quotaMatches(q({}), '', 'configmaps', {})).toBe(true);
    expect(quotaMatches(q({ scopes: ['BestEffort'] }), '', 'configmaps', {})).toBe(false);
    expect(quotaMatches(q({ scopes: ['BestEffort'] }), '', 'pods', pod())).toBe(true);
    const burstable = pod({ containers: [{ name: 'c', image: 'i', resources: { requests: { cpu: '1' } } }] });
    expect(quotaMatches(q({ scopes: ['BestEffort'] }), '', 'pods', burstable)).toBe(false);
    expect(quotaMatches(q({ scopes: ['NotBestEffort', 'Terminating'] }), '', 'pods', { ...burstable, spec: { ...burstable.spec, activeDeadlineSeconds: 60 } })).toBe(true);
    expect(quotaMatches(q({ scopes: ['NotTerminating'] }), '', 'pods', { ...burstable, spec: { ...burstable.spec, activeDeadlineSeconds: 60 } })).toBe(false);
    const sel = (operator: string, values?: string[]) => q({ scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator, ...(values ? { values } : {}) }] } });
    expect(quotaMatches(sel('In', ['high']), '', 'pods', pod({ priorityClassName: 'high' }))).toBe(true);
    expect(quotaMatches(sel('In', ['high']), '', 'pods', pod())).toBe(false);
    expect(quotaMatches(sel('NotIn', ['high']), '', 'pods', pod())).toBe(true);
    expect(quotaMatches(sel('Exists'), '', 'pods', pod())).toBe(false);
    expect(quotaMatches(sel('DoesNotExist'), '', 'pods', pod())).toBe(true);
  });
});

describe('admission messages', () => {
  it('requires cpu/memory on every container when quota\'d, listing what is missing', () => {
    const p = pod({
      containers: [
        { name: 'b', image: 'i', resources: { requests: { cpu: '1' } } },
        { name: 'a', image: 'i' },
      ],
    });
    expect(podConstraintError(p, ['pods'])).toBeUndefined();
    expect(podConstraintError(p, ['requests.cpu', 'limits.memory', 'pods'])).toBe('must specify limits.memory for: a,b; requests.cpu for: a');
    expect(podConstraintError(pod({ resources: { requests: { cpu: '1' } } }), ['requests.cpu'])).toBeUndefined();
  });

  it('reports only the exceeded resources, as the quota plugin does', () => {
    const hard = parseResourceList({ pods: '2', 'requests.cpu': '1' });
    const used = parseResourceList({ pods: '2', 'requests.cpu': '500m' });
    expect(exceededMessage('q', hard, used, parseResourceList({ pods: '1', 'requests.cpu': '100m' }))).toBe(
      'exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2',
    );
    expect(exceededMessage('q', hard, used, parseResourceList({ pods: '1', 'requests.cpu': '600m' }))).toBe(
      'exceeded quota: q, requested: pods=1,requests.cpu=600m, used: pods=2,requests.cpu=500m, limited: pods=2,requests.cpu=1',
    );
    expect(exceededMessage('q', hard, parseResourceList({ pods: '1' }), parseResourceList({ pods: '1' }))).toBeUndefined();
  });
});
