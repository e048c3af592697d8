import { describe, expect, it } from 'vitest';
import type { StoredObject } from '../tenant-apiserver/api/types.js';
import { desiredSlices, endpointSubsets, podEndpoints, resolveTargetPort, sliceObject } from './endpoints.js';

let n = 0;
function pod(name: string, ip: string, opts: { ready?: boolean; deleting?: boolean; labels?: Record<string, string>; port?: number; phase?: string } = {}): StoredObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'ns',
      uid: `uid-${name}`,
      resourceVersion: String(++n),
      creationTimestamp: '2025-01-02T03:04:05Z',
      labels: opts.labels ?? { app: 'web' },
      ...(opts.deleting ? { deletionTimestamp: '2025-01-02T03:04:05Z' } : {}),
    },
    spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'i', ports: [{ name: 'http', containerPort: opts.port ?? 8080 }] }] },
    status: {
      phase: opts.phase ?? 'Running',
      podIP: ip,
      conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }],
    },
  };
}

const service = (spec: Record<string, unknown> = {}): StoredObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'ns', uid: 'svc-uid', resourceVersion: '1', creationTimestamp: '2025-01-02T03:04:05Z', labels: { tier: 'front' } },
  spec: { selector: { app: 'web' }, clusterIP: '10.96.10.10', ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }], ...spec },
});

describe('endpoints', () => {
  it('resolves named target ports per pod', () => {
    const p = pod('a', '10.244.1.2');
    expect(resolveTargetPort(p, { port: 80, targetPort: 'http' })).toBe(8080);
    expect(resolveTargetPort(p, { port: 80, targetPort: 9090 })).toBe(9090);
    expect(resolveTargetPort(p, { port: 80 })).toBe(80);
    expect(resolveTargetPort(p, { port: 80, targetPort: 'http', protocol: 'UDP' })).toBeUndefined();
  });

  it('selects pods with IPs, splitting ready and not ready, leaving out finished and terminating ones', () => {
    const pods = [
      pod('b', '10.244.1.10'),
      pod('a', '10.244.1.9'),
      pod('notready', '10.244.2.2', { ready: false }),
      pod('other', '10.244.2.3', { labels: { app: 'db' } }),
      pod('done', '10.244.2.4', { phase: 'Succeeded' }),
      pod('going', '10.244.2.5', { deleting: true }),
      pod('alt', '10.244.3.2', { port: 9090 }),
    ];
    const eps = podEndpoints(service(), pods);
    expect(eps.map((e) => e.ip)).toEqual(['10.244.1.9', '10.244.1.10', '10.244.2.2', '10.244.2.5', '10.244.3.2']);
    const subsets = endpointSubsets(service(), eps);
    expect(subsets).toEqual([
      {
        addresses: [
          { ip: '10.244.1.9', nodeName: 'node-1', targetRef: { kind: 'Pod', namespace: 'ns', name: 'a', uid: 'uid-a' } },
          { ip: '10.244.1.10', nodeName: 'node-1', targetRef: { kind: 'Pod', namespace: 'ns', name: 'b', uid: 'uid-b' } },
        ],
        notReadyAddresses: [{ ip: '10.244.2.2', nodeName: 'node-1', targetRef: { kind: 'Pod', namespace: 'ns', name: 'notready', uid: 'uid-notready' } }],
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      },
      {
        addresses: [{ ip: '10.244.3.2', nodeName: 'node-1', targetRef: { kind: 'Pod', namespace: 'ns', name: 'alt', uid: 'uid-alt' } }],
        ports: [{ name: 'http', port: 9090, protocol: 'TCP' }],
      },
    ]);
    expect(podEndpoints(service({ publishNotReadyAddresses: true }), [pod('n', '10.244.1.2', { ready: false })])[0]!.ready).toBe(true);
  });

  it('builds slices per port set with conditions, terminating pods included', () => {
    const eps = podEndpoints(service(), [pod('a', '10.244.1.9'), pod('going', '10.244.2.5', { deleting: true })]);
    const slices = desiredSlices(service(), eps);
    expect(slices).toHaveLength(1);
    expect(slices[0]!.endpoints.map((e) => e.conditions)).toEqual([
      { ready: true, serving: true, terminating: false },
      { ready: false, serving: true, terminating: true },
    ]);
    const obj = sliceObject(service(), slices[0]!, new Date('2025-01-02T03:04:05Z'));
    expect(obj.metadata).toMatchObject({
      generateName: 'web-',
      labels: { tier: 'front', 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'svc-uid', controller: true, blockOwnerDeletion: true }],
    });
    expect(obj.ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);
  });

  it('keeps a placeholder slice without ports for a service with no endpoints, and splits at 100', () => {
    const empty = desiredSlices(service(), []);
    expect(empty).toEqual([{ ports: [], endpoints: [] }]);
    expect(sliceObject(service(), empty[0]!, new Date()).ports).toBeUndefined();
    const many = Array.from({ length: 150 }, (_, i) => pod(`p${i}`, `10.244.${1 + Math.floor(i / 200)}.${(i % 250) + 2}`));
    expect(desiredSlices(service(), podEndpoints(service(), many)).map((s) => s.endpoints.length)).toEqual([100, 50]);
  });

  it('gives a headless service without ports address-only subsets and labels it headless', () => {
    const headless = service({ clusterIP: 'None', ports: [] });
    const eps = podEndpoints(headless, [pod('a', '10.244.1.9')]);
    expect(endpointSubsets(headless, eps)).toEqual([{ addresses: [{ ip: '10.244.1.9', nodeName: 'node-1', targetRef: { kind: 'Pod', namespace: 'ns', name: 'a', uid: 'uid-a' } }] }]);
    expect(sliceObject(headless, desiredSlices(headless, eps)[0]!, new Date()).metadata!.labels!['service.kubernetes.io/headless']).toBe('');
  });
});
