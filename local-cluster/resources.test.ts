import { describe, expect, it } from 'vitest';
import { formatResourceList, milli, parseResourceList, podLimits, podRequests } from './resources.js';
import { parseQuantity } from '../tenant-apiserver/api/strategies/quantity.js';

const c = (name: string, requests?: Record<string, string>, limits?: Record<string, string>, restartPolicy?: string) => ({
  name,
  image: 'i',
  ...(restartPolicy ? { restartPolicy } : {}),
  resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) },
});

describe('pod requests', () => {
  it('sums app containers and adds the overhead', () => {
    const pod = { spec: { containers: [c('a', { cpu: '100m', memory: '64Mi' }), c('b', { cpu: '250m' })], overhead: { cpu: '250m', memory: '160Mi' } } };
    expect(formatResourceList(podRequests(pod))).toEqual({ cpu: '600m', memory: '224Mi' });
  });

  it('takes the larger of the app sum and any init container, counting sidecars alongside', () => {
    const pod = {
      spec: {
        initContainers: [c('sidecar', { cpu: '100m' }, undefined, 'Always'), c('init', { cpu: '2', memory: '1Gi' })],
        containers: [c('app', { cpu: '500m', memory: '128Mi' })],
      },
    };
    // init runs next to the sidecar: 2100m; apps + sidecar: 600m.
    expect(formatResourceList(podRequests(pod))).toEqual({ cpu: '2100m', memory: '1Gi' });
  });

  it('uses pod-level resources for cpu and memory where set', () => {
    const pod = { spec: { resources: { requests: { cpu: '1' } }, containers: [c('a', { cpu: '100m', memory: '1Gi' })] } };
    expect(formatResourceList(podRequests(pod))).toEqual({ cpu: '1', memory: '1Gi' });
  });

  it('adds overhead to limits only where a limit exists', () => {
    const pod = { spec: { containers: [c('a', undefined, { cpu: '1' })], overhead: { cpu: '250m', memory: '160Mi' } } };
    expect(formatResourceList(podLimits(pod))).toEqual({ cpu: '1250m' });
  });
});

describe('helpers', () => {
  it('parses lists leniently and converts to milli-units', () => {
    expect([...parseResourceList({ cpu: '1', bad: 'x', n: 2 }).keys()]).toEqual(['cpu', 'n']);
    expect(milli(parseQuantity('1500m'))).toBe(1500);
    expect(milli(parseQuantity('1Ki'))).toBe(1024000);
    expect(milli(parseQuantity('1n'))).toBe(1);
    expect(milli(undefined)).toBe(0);
  });
});
