import { describe, expect, it } from 'vitest';
import { fieldErrorMessage } from '../tenant-apiserver/api/errors.js';
import { allocate, inUse, nextNodePort, nextServiceIP } from './service-alloc.js';

const none = { ips: new Set<string>(), ports: new Set<number>() };

function svc(spec: Record<string, unknown>, name = 's') {
  return { metadata: { name, namespace: 'default' }, spec: { type: 'ClusterIP', ports: [{ port: 80, protocol: 'TCP' }], ...spec } } as Record<string, unknown> & { spec: Record<string, unknown> };
}

describe('allocation', () => {
  it('gives a ClusterIP service an address from the dynamic band of the range', () => {
    const s = svc({});
    expect(allocate(s, undefined, none)).toEqual([]);
    const ip = s.spec.clusterIP as string;
    expect(s.spec.clusterIPs).toEqual([ip]);
    expect(s.spec.ipFamilies).toEqual(['IPv4']);
    expect(s.spec.ipFamilyPolicy).toBe('SingleStack');
    expect(ip).toMatch(/^10\.(9[6-9]|10\d|11[01])\./);
    expect(ip.startsWith('10.96.0.')).toBe(false);
  });

  it('never repeats an address in use', () => {
    const used = new Set<string>();
    let calls = 0;
    // A "random" source that keeps proposing the same few addresses.
    const sticky = (lo: number, hi: number) => lo + (calls++ % Math.min(3, hi - lo));
    for (let i = 0; i < 10; i++) {
      const ip = nextServiceIP('10.96.0.0/28', used, sticky);
      expect(ip).toBeDefined();
      expect(used.has(ip!)).toBe(false);
      used.add(ip!);
    }
    // 14 host addresses in a /28; all taken → undefined.
    for (let i = 0; i < 4; i++) used.add(nextServiceIP('10.96.0.0/28', used)!);
    expect(nextServiceIP('10.96.0.0/28', used)).toBeUndefined();
  });

  it('checks a requested address for range and conflicts, with kube\'s message', () => {
    const taken = { ips: new Set(['10.96.0.10']), ports: new Set<number>() };
    const e1 = allocate(svc({ clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'] }), undefined, taken);
    expect(e1.map(fieldErrorMessage)).toEqual(['spec.clusterIPs: Invalid value: []string{"10.96.0.10"}: failed to allocate IP 10.96.0.10: provided IP is already allocated']);
    const e2 = allocate(svc({ clusterIP: '192.168.0.1', clusterIPs: ['192.168.0.1'] }), undefined, none);
    expect(e2.map(fieldErrorMessage)).toEqual([
      'spec.clusterIPs: Invalid value: []string{"192.168.0.1"}: failed to allocate IP 192.168.0.1: the provided IP (192.168.0.1) is not in the valid range. The range of valid IPs is 10.96.0.0/12',
    ]);
    expect(allocate(svc({ clusterIP: '10.96.0.11', clusterIPs: ['10.96.0.11'] }), undefined, taken)).toEqual([]);
  });

  it('leaves headless and ExternalName services without an address and refuses IPv6 and dual-stack', () => {
    const headless = svc({ clusterIP: 'None', clusterIPs: ['None'] });
    expect(allocate(headless, undefined, none)).toEqual([]);
    expect(headless.spec.clusterIPs).toEqual(['None']);
    const ext = svc({ type: 'ExternalName', externalName: 'example.com' });
    expect(allocate(ext, undefined, none)).toEqual([]);
    expect(ext.spec.clusterIP).toBeUndefined();
    expect(allocate(svc({ ipFamilies: ['IPv6'] }), undefined, none).map(fieldErrorMessage)).toEqual(['spec.ipFamilies[0]: Invalid value: "IPv6": not configured on this cluster']);
    expect(allocate(svc({ ipFamilyPolicy: 'RequireDualStack' }), undefined, none).map(fieldErrorMessage)).toEqual([
      'spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services',
    ]);
  });

  it('allocates node ports and the health-check port, and checks requested ones', () => {
    const np = svc({ type: 'NodePort', ports: [{ port: 80 }, { port: 443 }] });
    expect(allocate(np, undefined, none)).toEqual([]);
    const ports = (np.spec.ports as { nodePort: number }[]).map((p) => p.nodePort);
    expect(new Set(ports).size).toBe(2);
    for (const p of ports) expect(p >= 30000 && p <= 32767).toBe(true);
    const lb = svc({ type: 'LoadBalancer', externalTrafficPolicy: 'Local' });
    allocate(lb, undefined, none);
    expect(lb.spec.healthCheckNodePort).toEqual(expect.any(Number));
    const noPorts = svc({ type: 'LoadBalancer', allocateLoadBalancerNodePorts: false });
    allocate(noPorts, undefined, none);
    expect((noPorts.spec.ports as { nodePort?: number }[])[0]!.nodePort).toBeUndefined();
    const taken = { ips: new Set<string>(), ports: new Set([30080]) };
    expect(allocate(svc({ type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }), undefined, taken).map(fieldErrorMessage)).toEqual([
      'spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated',
    ]);
    expect(allocate(svc({ type: 'NodePort', ports: [{ port: 80, nodePort: 8080 }] }), undefined, none).map(fieldErrorMessage)).toEqual([
      'spec.ports[0].nodePort: Invalid value: 8080: provided port is not in the valid range. The range of valid ports is 30000-32767',
    ]);
  });

  it('on update keeps what the service had and allocates only what is new', () => {
    const old = svc({ clusterIP: '10.100.0.5', clusterIPs: ['10.100.0.5'], type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] });
    const next = svc({ clusterIP: '10.100.0.5', clusterIPs: ['10.100.0.5'], type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }, { port: 81 }] });
    const used = inUse([old, svc({ clusterIPs: ['10.100.0.6'] }, 'other')], { namespace: 'default', name: 's' });
    expect(used.ips).toEqual(new Set(['10.100.0.6']));
    expect(allocate(next, old, used)).toEqual([]);
    expect(next.spec.clusterIP).toBe('10.100.0.5');
    expect((next.spec.ports as { nodePort: number }[])[1]!.nodePort).toEqual(expect.any(Number));
    expect(nextNodePort(new Set(Array.from({ length: 2768 }, (_, i) => 30000 + i)))).toBeUndefined();
  });
});
