import { describe, expect, it } from 'vitest';
import './index.js';
import { strategyFor } from './register.js';
import { create, info, update } from './testkit.js';
import type { KubeObject } from '../types.js';

const services = info({ resource: 'services', kind: 'Service' });
const s = strategyFor(services);

function svc(spec: Record<string, unknown>): KubeObject {
  return { metadata: { name: 'web' }, spec };
}

describe('service defaults', () => {
  it('fills ClusterIP type, affinity, protocols, target ports and traffic policy', () => {
    const r = create(services, svc({ selector: { app: 'web' }, ports: [{ port: 80 }] }));
    expect(r.errors).toEqual([]);
    expect(r.obj.spec).toEqual({
      selector: { app: 'web' },
      ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
      type: 'ClusterIP',
      sessionAffinity: 'None',
      internalTrafficPolicy: 'Cluster',
    });
    expect(r.obj.status).toEqual({ loadBalancer: {} });
  });

  it('pairs clusterIP with clusterIPs and records the family', () => {
    const r = create(services, svc({ clusterIP: '10.96.0.10', ports: [{ port: 53, protocol: 'UDP' }] }));
    expect(r.obj.spec).toMatchObject({ clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack' });
  });

  it('defaults external traffic policy and node port allocation for NodePort/LoadBalancer', () => {
    expect(create(services, svc({ type: 'NodePort', ports: [{ port: 80 }] })).obj.spec).toMatchObject({ externalTrafficPolicy: 'Cluster' });
    expect(create(services, svc({ type: 'LoadBalancer', ports: [{ port: 80 }] })).obj.spec).toMatchObject({
      externalTrafficPolicy: 'Cluster',
      allocateLoadBalancerNodePorts: true,
    });
  });

  it('uses a DNS-1035 name and no generation', () => {
    expect(s.nameRule).toBe('label1035');
    expect(s.tracksGeneration).toBe(false);
  });
});

describe('service validation', () => {
  it('requires ports unless headless or ExternalName', () => {
    expect(create(services, svc({})).errors).toEqual(['spec.ports: Required value']);
    expect(create(services, svc({ clusterIP: 'None' })).errors).toEqual([]);
    expect(create(services, svc({ type: 'ExternalName', externalName: 'db.example.com' })).errors).toEqual([]);
    expect(create(services, svc({ type: 'ExternalName' })).errors).toEqual(['spec.externalName: Required value']);
  });

  it('requires unique port names when there are several', () => {
    expect(create(services, svc({ ports: [{ port: 80 }, { port: 81 }] })).errors).toEqual([
      'spec.ports[0].name: Required value',
      'spec.ports[1].name: Required value',
    ]);
    expect(create(services, svc({ ports: [{ port: 80, name: 'a' }, { port: 81, name: 'a' }] })).errors).toEqual(['spec.ports[1].name: Duplicate value: "a"']);
  });

  it('checks port ranges and duplicate port/protocol pairs', () => {
    expect(create(services, svc({ ports: [{ port: 0 }] })).errors).toContain('spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive');
    expect(create(services, svc({ ports: [{ port: 80, name: 'a' }, { port: 80, name: 'b' }] })).errors).toEqual([
      'spec.ports[1]: Duplicate value: core.ServicePort{Name:"", Protocol:"TCP", AppProtocol:(*string)(nil), Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}',
    ]);
  });

  it('rejects unsupported types and node ports on ClusterIP services', () => {
    expect(create(services, svc({ type: 'Magic', ports: [{ port: 80 }] })).errors).toEqual([
      'spec.type: Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
    ]);
    expect(create(services, svc({ ports: [{ port: 80, nodePort: 30000 }] })).errors).toEqual([
      "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'",
    ]);
  });
});

describe('service update', () => {
  const old = create(services, svc({ clusterIP: '10.96.0.10', selector: { app: 'web' }, ports: [{ port: 80 }] })).obj;

  it('keeps allocated IPs when a sparse update leaves them out', () => {
    const r = update(services, svc({ selector: { app: 'web2' }, ports: [{ port: 80 }] }), old);
    expect(r.errors).toEqual([]);
    expect(r.obj.spec).toMatchObject({ clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack' });
  });

  it('refuses a changed cluster IP with kube\'s wording', () => {
    const r = update(services, svc({ clusterIP: '10.96.0.11', ports: [{ port: 80 }] }), old);
    expect(r.errors).toEqual(['spec.clusterIPs[0]: Invalid value: []string{"10.96.0.11"}: may not change once set']);
  });

  it('drops type-dependent values when becoming ExternalName', () => {
    const r = update(services, svc({ ...(structuredClone(old.spec) as object), type: 'ExternalName', externalName: 'x.example.com' }), old);
    expect(r.errors).toEqual([]);
    expect(r.obj.spec).not.toHaveProperty('clusterIP');
    expect(r.obj.spec).not.toHaveProperty('ipFamilies');
  });

  it('keeps node ports on sparse NodePort updates', () => {
    const np = create(services, svc({ type: 'NodePort', clusterIP: '10.96.0.12', ports: [{ name: 'http', port: 80, nodePort: 30080 }] })).obj;
    const r = update(services, svc({ type: 'NodePort', ports: [{ name: 'http', port: 80 }] }), np);
    expect((r.obj.spec as { ports: unknown[] }).ports).toEqual([{ name: 'http', port: 80, nodePort: 30080, protocol: 'TCP', targetPort: 80 }]);
  });

  it('selects on clusterIP and type', () => {
    expect(s.selectableFields!(old)).toEqual({ 'spec.clusterIP': '10.96.0.10', 'spec.type': 'ClusterIP' });
  });
});
