import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../tenant-apiserver/api/types.js';
import { applyContainerDefaults, containerDefaults } from './limitrange.js';

const lr = (limits: unknown[]): KubeObject => ({ apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'l' }, spec: { limits } });

describe('LimitRanger defaults', () => {
  it('fills missing requests and limits, keeps what containers set, requests a defaulted limit when no default request', () => {
    const d = containerDefaults([lr([{ type: 'Pod', max: { cpu: '4' } }, { type: 'Container', default: { cpu: '500m', memory: '256Mi' }, defaultRequest: { memory: '128Mi' } }])]);
    expect(d).toEqual({ limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '500m', memory: '128Mi' } });
    const pod: KubeObject = {
      spec: {
        initContainers: [{ name: 'i' }],
        containers: [{ name: 'a', resources: { requests: { cpu: '50m' } } }, { name: 'b', resources: { limits: { memory: '1Gi' } } }],
      },
    };
    applyContainerDefaults(pod, d);
    const [i, a, b] = [...(pod.spec as any).initContainers, ...(pod.spec as any).containers];
    expect(i.resources).toEqual({ limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '500m', memory: '128Mi' } });
    expect(a.resources).toEqual({ limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '50m', memory: '128Mi' } });
    expect(b.resources.limits).toEqual({ cpu: '500m', memory: '1Gi' });
  });

  it('changes nothing without Container defaults', () => {
    const pod: KubeObject = { spec: { containers: [{ name: 'a' }] } };
    applyContainerDefaults(pod, containerDefaults([lr([{ type: 'Container', max: { cpu: '1' } }])]));
    expect(pod.spec).toEqual({ containers: [{ name: 'a' }] });
  });
});
