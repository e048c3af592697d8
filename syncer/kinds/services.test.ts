import { describe, expect, it } from 'vitest';
import { planSync } from '../engine/reconciler.js';
import { TENANT, context, obj, superCopy, world } from '../engine/testkit.js';
import { defaultPolicy } from '../../policy/types.js';
import type { Action } from '../engine/kind.js';
import { services } from './services.js';

const svc = (spec: Record<string, unknown>) => obj('Service', 'default', 'web', { spec: { type: 'ClusterIP', sessionAffinity: 'None', ...spec }, status: { loadBalancer: {} } });

describe('services', () => {
  it('lets the super allocate: no cluster IPs, node ports or external IPs go down; headless stays headless', () => {
    const s = svc({ clusterIP: '10.1.1.1', clusterIPs: ['10.1.1.1'], ipFamilies: ['IPv4'], externalIPs: ['1.2.3.4'], type: 'NodePort', ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }] });
    // Even a tenant allowed externalIPs by its policy gets none in the super cluster (CVE-2020-8554).
    const loose = defaultPolicy(TENANT.name);
    loose.podSecurity.allow = new Set(['externalIPs']);
    const a = planSync(services, context(world({ services: [s] }), TENANT, 'kata', undefined, loose), 'default', 'web').actions[0] as Extract<Action, { op: 'create-super' }>;
    expect(a.object.spec).toEqual({ type: 'NodePort', sessionAffinity: 'None', ports: [{ port: 80, protocol: 'TCP' }] });
    const h = svc({ clusterIP: 'None', clusterIPs: ['None'], ports: [{ port: 5432 }] });
    const b = planSync(services, context(world({ services: [h] })), 'default', 'web').actions[0] as Extract<Action, { op: 'create-super' }>;
    expect(b.object.spec).toMatchObject({ clusterIP: 'None', clusterIPs: ['None'] });
  });

  it('refuses a service with externalIPs under the default policy, with a Warning on it', () => {
    const s = svc({ externalIPs: ['203.0.113.9'], ports: [{ port: 80 }] });
    const plan = planSync(services, context(world({ services: [s] })), 'default', 'web');
    expect(plan.actions.map((a) => a.op)).toEqual(['tenant-event']);
    expect((plan.actions[0] as Extract<Action, { op: 'tenant-event' }>).event).toMatchObject({
      type: 'Warning',
      reason: 'PolicyViolation',
      message: 'violates tenant policy (built-in defaults): service externalIPs are not allowed (spec.externalIPs 203.0.113.9)',
      involvedObject: { kind: 'Service', name: 'web' },
    });
  });

  it('writes the super cluster IP and node ports back once, and nothing after', () => {
    const s = svc({ type: 'NodePort', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] });
    const copy = superCopy(services, context(world({ services: [s] })), s);
    copy.spec = { ...(copy.spec as object), clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack', ports: [{ name: 'http', port: 80, protocol: 'TCP', nodePort: 31000 }] };
    copy.status = { loadBalancer: {} };
    const plan = planSync(services, context(world({ services: [s] }, { services: [copy] })), 'default', 'web');
    expect(plan.actions.map((a) => a.op)).toEqual(['update-tenant']);
    const up = plan.actions[0] as Extract<Action, { op: 'update-tenant' }>;
    expect(up.subresource).toBeUndefined();
    expect(up.object.spec).toMatchObject({ clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ports: [{ nodePort: 31000 }] });
    const written = { ...s, spec: up.object.spec };
    expect(planSync(services, context(world({ services: [written] }, { services: [copy] })), 'default', 'web').actions).toEqual([]);
  });

  it('converges a changed selector, keeping what the super allocated', () => {
    const s = svc({ selector: { app: 'a' }, ports: [{ port: 80, protocol: 'TCP' }] });
    const copy = superCopy(services, context(world({ services: [s] })), s);
    copy.spec = { ...(copy.spec as object), clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack' };
    const changed = { ...s, spec: { ...(s.spec as object), clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], selector: { app: 'b' } } };
    const plan = planSync(services, context(world({ services: [changed] }, { services: [copy] })), 'default', 'web');
    const up = plan.actions.find((a) => a.op === 'update-super') as Extract<Action, { op: 'update-super' }>;
    expect(up.object.spec).toMatchObject({ selector: { app: 'b' }, clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack' });
  });

  it('copies load-balancer status up', () => {
    const s = svc({ type: 'LoadBalancer', clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ports: [{ port: 80, protocol: 'TCP', nodePort: 30001 }] });
    const copy = superCopy(services, context(world({ services: [s] })), s);
    copy.spec = { ...(copy.spec as object), clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ports: [{ port: 80, protocol: 'TCP', nodePort: 30001 }] };
    copy.status = { loadBalancer: { ingress: [{ ip: '203.0.113.9', ipMode: 'VIP' }] } };
    const plan = planSync(services, context(world({ services: [s] }, { services: [copy] })), 'default', 'web');
    expect(plan.actions).toHaveLength(1);
    expect(plan.actions[0]).toMatchObject({ op: 'update-tenant', subresource: 'status', object: { status: { loadBalancer: { ingress: [{ ip: '203.0.113.9' }] } } } });
  });
});
