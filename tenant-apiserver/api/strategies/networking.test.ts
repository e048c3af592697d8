import { describe, expect, it } from 'vitest';
import './index.js';
import { create, info, update } from './testkit.js';

const ingresses = info({ group: 'networking.k8s.io', resource: 'ingresses', kind: 'Ingress' });
const classes = info({ group: 'networking.k8s.io', resource: 'ingressclasses', kind: 'IngressClass', namespaced: false });
const netpols = info({ group: 'networking.k8s.io', resource: 'networkpolicies', kind: 'NetworkPolicy' });

const backend = { service: { name: 'web', port: { number: 80 } } };

describe('ingresses', () => {
  it('require pathType', () => {
    const r = create(ingresses, { metadata: { name: 'i' }, spec: { rules: [{ host: 'a.example.com', http: { paths: [{ path: '/', backend }] } }] } });
    expect(r.errors).toEqual(['spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified']);
  });

  it('check paths, hosts and backends', () => {
    const r = create(ingresses, {
      metadata: { name: 'i' },
      spec: {
        rules: [
          {
            host: '10.0.0.1',
            http: {
              paths: [
                { path: 'rel', pathType: 'Prefix', backend },
                { path: '/a//b', pathType: 'Exact', backend: { service: { name: 'web', port: {} } } },
                { path: '/', pathType: 'Glob', backend },
              ],
            },
          },
        ],
      },
    });
    expect(r.errors).toEqual([
      'spec.rules[0].host: Invalid value: "10.0.0.1": must be a DNS name, not an IP address',
      'spec.rules[0].http.paths[0].path: Invalid value: "rel": must be an absolute path',
      "spec.rules[0].http.paths[1].path: Invalid value: \"/a//b\": must not contain '//'",
      'spec.rules[0].http.paths[1].backend: Required value: port name or number is required',
      'spec.rules[0].http.paths[2].pathType: Unsupported value: "Glob": supported values: "Exact", "ImplementationSpecific", "Prefix"',
    ]);
  });

  it('accept a normal ingress and wildcard hosts', () => {
    expect(create(ingresses, { metadata: { name: 'i' }, spec: { rules: [{ host: '*.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend }] } }] } }).errors).toEqual([]);
    expect(create(ingresses, { metadata: { name: 'i' }, spec: { defaultBackend: backend } }).errors).toEqual([]);
  });
});

describe('ingress classes', () => {
  it('keep the controller fixed', () => {
    const old = create(classes, { metadata: { name: 'nginx' }, spec: { controller: 'k8s.io/ingress-nginx' } }).obj;
    expect(update(classes, { metadata: { name: 'nginx' }, spec: { controller: 'example.com/other' } }, old).errors).toEqual([
      'spec.controller: Invalid value: "example.com/other": field is immutable',
    ]);
  });
});

describe('network policies', () => {
  it('default policy types and port protocols', () => {
    const ingressOnly = create(netpols, { metadata: { name: 'n' }, spec: { podSelector: {}, ingress: [{ ports: [{ port: 80 }] }] } });
    expect(ingressOnly.errors).toEqual([]);
    expect(ingressOnly.obj.spec).toEqual({ podSelector: {}, ingress: [{ ports: [{ port: 80, protocol: 'TCP' }] }], policyTypes: ['Ingress'] });
    const both = create(netpols, { metadata: { name: 'n' }, spec: { podSelector: {}, egress: [{}] } });
    expect((both.obj.spec as { policyTypes: string[] }).policyTypes).toEqual(['Ingress', 'Egress']);
  });

  it('validate end ports and policy types', () => {
    const r = create(netpols, { metadata: { name: 'n' }, spec: { podSelector: {}, ingress: [{ ports: [{ port: 90, endPort: 80 }] }], policyTypes: ['Sideways'] } });
    expect(r.errors).toEqual([
      'spec.ingress[0].ports[0].endPort: Invalid value: 80: must be greater than or equal to `port`',
      'spec.policyTypes[0]: Unsupported value: "Sideways": supported values: "Ingress", "Egress"',
    ]);
  });
});
