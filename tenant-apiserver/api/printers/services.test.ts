import { describe, expect, it } from 'vitest';
import { endpointsPrinter, formatEndpoints, serviceExternalIP, servicePorts, servicePrinter } from './services.js';
import type { KubeObject } from './types.js';

const NOW = Date.parse('2024-05-01T12:00:00Z');

function svc(spec: Record<string, unknown>, status: Record<string, unknown> = {}): KubeObject {
  return { metadata: { name: 's', creationTimestamp: '2024-05-01T11:00:00Z' }, spec, status };
}

describe('service ports', () => {
  it('formats port/protocol and nodePort', () => {
    expect(servicePorts([{ port: 80, protocol: 'TCP' }])).toBe('80/TCP');
    expect(servicePorts([{ port: 80, nodePort: 30080, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }])).toBe('80:30080/TCP,53/UDP');
    expect(servicePorts([{ port: 443 }])).toBe('443/TCP');
    expect(servicePorts(undefined)).toBe('');
  });
});

describe('service external IP', () => {
  it('ClusterIP and NodePort: <none> or the external IPs', () => {
    expect(serviceExternalIP(svc({ type: 'ClusterIP' }))).toBe('<none>');
    expect(serviceExternalIP(svc({ type: 'ClusterIP', externalIPs: ['1.2.3.4', '5.6.7.8'] }))).toBe('1.2.3.4,5.6.7.8');
    expect(serviceExternalIP(svc({ type: 'NodePort' }))).toBe('<none>');
  });

  it('LoadBalancer: <pending> until the status has ingress points', () => {
    expect(serviceExternalIP(svc({ type: 'LoadBalancer' }))).toBe('<pending>');
    expect(serviceExternalIP(svc({ type: 'LoadBalancer' }, { loadBalancer: { ingress: [] } }))).toBe('<pending>');
  });

  it('LoadBalancer: sorted, de-duplicated IPs, hostnames when no IP, not truncated server-side', () => {
    const s = svc({ type: 'LoadBalancer' }, {
      loadBalancer: { ingress: [{ ip: '9.9.9.9' }, { hostname: 'lb.example.com' }, { ip: '1.1.1.1' }, { ip: '9.9.9.9' }] },
    });
    expect(serviceExternalIP(s)).toBe('1.1.1.1,9.9.9.9,lb.example.com');
  });

  it('LoadBalancer: status addresses first, then spec external IPs', () => {
    const s = svc({ type: 'LoadBalancer', externalIPs: ['7.7.7.7'] }, { loadBalancer: { ingress: [{ ip: '2.2.2.2' }] } });
    expect(serviceExternalIP(s)).toBe('2.2.2.2,7.7.7.7');
    expect(serviceExternalIP(svc({ type: 'LoadBalancer', externalIPs: ['7.7.7.7'] }))).toBe('7.7.7.7');
  });

  it('ExternalName shows the name; an unknown type shows <unknown>', () => {
    expect(serviceExternalIP(svc({ type: 'ExternalName', externalName: 'db.example.com' }))).toBe('db.example.com');
    expect(serviceExternalIP(svc({}))).toBe('<unknown>');
  });
});

describe('servicePrinter', () => {
  it('prints a NodePort service with selector', () => {
    const s = svc({
      type: 'NodePort',
      clusterIP: '10.96.0.10',
      clusterIPs: ['10.96.0.10'],
      ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }],
      selector: { tier: 'web', app: 'shop' },
    });
    expect(servicePrinter.cells(s, NOW)).toEqual(['s', 'NodePort', '10.96.0.10', '<none>', '80:30080/TCP', '60m', 'app=shop,tier=web']);
  });

  it('headless services print None, port-less ones <none>, selector-less ones <none>', () => {
    const s = svc({ type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'] });
    expect(servicePrinter.cells(s, NOW)).toEqual(['s', 'ClusterIP', 'None', '<none>', '<none>', '60m', '<none>']);
  });

  it('falls back to clusterIP when clusterIPs is missing', () => {
    expect(servicePrinter.cells(svc({ type: 'ClusterIP', clusterIP: '10.0.0.1' }), NOW)[2]).toBe('10.0.0.1');
    expect(servicePrinter.cells(svc({ type: 'ExternalName', externalName: 'x' }), NOW)[2]).toBe('<none>');
  });

  it('has kube\'s column layout', () => {
    expect(servicePrinter.columns.map((c) => `${c.name}:${c.priority}`)).toEqual([
      'Name:0', 'Type:0', 'Cluster-IP:0', 'External-IP:0', 'Port(s):0', 'Age:0', 'Selector:1',
    ]);
  });
});

describe('endpoints', () => {
  const ep = (subsets: unknown): KubeObject => ({ metadata: { name: 'e' }, subsets });

  it('<none> without subsets', () => {
    expect(formatEndpoints(ep(undefined))).toBe('<none>');
    expect(formatEndpoints(ep([]))).toBe('<none>');
  });

  it('lists ip:port pairs', () => {
    expect(formatEndpoints(ep([{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], ports: [{ port: 80 }] }]))).toBe('10.0.0.1:80,10.0.0.2:80');
  });

  it('truncates after three with "+ N more..." counting every address/port pair', () => {
    const five = [1, 2, 3, 4, 5].map((i) => ({ ip: `10.0.0.${i}` }));
    expect(formatEndpoints(ep([{ addresses: five, ports: [{ port: 8080 }] }]))).toBe('10.0.0.1:8080,10.0.0.2:8080,10.0.0.3:8080 + 2 more...');
    const two = [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }];
    expect(formatEndpoints(ep([{ addresses: two, ports: [{ port: 80 }, { port: 443 }] }]))).toBe('10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 1 more...');
    // Exactly three fits without a suffix.
    expect(formatEndpoints(ep([{ addresses: five.slice(0, 3), ports: [{ port: 1 }] }]))).toBe('10.0.0.1:1,10.0.0.2:1,10.0.0.3:1');
  });

  it('counts across subsets and handles port-less (headless) subsets and IPv6', () => {
    const s = [
      { addresses: [{ ip: 'fd00::1' }], ports: [{ port: 80 }] },
      { addresses: [{ ip: '10.0.0.9' }, { ip: '10.0.0.8' }] },
      { addresses: [{ ip: '10.0.0.7' }, { ip: '10.0.0.6' }], ports: [{ port: 9 }] },
    ];
    expect(formatEndpoints(ep(s))).toBe('[fd00::1]:80,10.0.0.9,10.0.0.8 + 2 more...');
  });

  it('endpointsPrinter cells', () => {
    const e = { metadata: { name: 'kubernetes', creationTimestamp: '2024-05-01T11:59:00Z' }, subsets: [{ addresses: [{ ip: '172.18.0.2' }], ports: [{ port: 6443, name: 'https' }] }] };
    expect(endpointsPrinter.cells(e, NOW)).toEqual(['kubernetes', '172.18.0.2:6443', '60s']);
  });
});
