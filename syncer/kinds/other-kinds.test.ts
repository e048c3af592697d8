import { describe, expect, it } from 'vitest';
import { superNamespace } from '../mapping.js';
import { planSync } from '../engine/reconciler.js';
import { TENANT, context, obj, superCopy, world } from '../engine/testkit.js';
import type { Action } from '../engine/kind.js';
import { endpoints } from './endpoints.js';
import { persistentvolumeclaims } from './persistentvolumeclaims.js';
import { serviceaccounts } from './serviceaccounts.js';
import { secrets } from './secrets.js';

describe('endpoints', () => {
  const ep = obj('Endpoints', 'default', 'ext', { subsets: [{ addresses: [{ ip: '192.0.2.1', targetRef: { kind: 'Pod', namespace: 'default', name: 'p', uid: 'x' } }], ports: [{ port: 80 }] }] });

  it('syncs endpoints of selector-less services, re-pointing target references', () => {
    const svc = obj('Service', 'default', 'ext', { spec: { ports: [{ port: 80 }] } });
    const a = planSync(endpoints, context(world({ endpoints: [ep], services: [svc] })), 'default', 'ext').actions[0] as Extract<Action, { op: 'create-super' }>;
    expect(a.op).toBe('create-super');
    expect(a.object.subsets).toEqual([{ addresses: [{ ip: '192.0.2.1', targetRef: { kind: 'Pod', namespace: superNamespace(TENANT, 'default'), name: 'p' } }], ports: [{ port: 80 }] }]);
  });

  it('leaves endpoints of services with a selector to the super endpoints controller', () => {
    const svc = obj('Service', 'default', 'ext', { spec: { selector: { app: 'x' }, ports: [{ port: 80 }] } });
    expect(planSync(endpoints, context(world({ endpoints: [ep], services: [svc] })), 'default', 'ext').actions).toEqual([]);
  });
});

describe('persistentvolumeclaims', () => {
  const claim = obj('PersistentVolumeClaim', 'default', 'data', { spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeName: 'tenant-pv' }, status: { phase: 'Pending' } });

  it('goes down without the tenant volume name', () => {
    const a = planSync(persistentvolumeclaims, context(world({ persistentvolumeclaims: [claim] })), 'default', 'data').actions[0] as Extract<Action, { op: 'create-super' }>;
    expect(a.object.spec).toEqual({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } });
  });

  it('reflects the bound volume and status up, and converges only the requested size', () => {
    const unbound = { ...claim, spec: { ...(claim.spec as object), volumeName: undefined } };
    const copy = superCopy(persistentvolumeclaims, context(world({ persistentvolumeclaims: [unbound] })), unbound);
    copy.spec = { ...(copy.spec as object), volumeName: 'pvc-123', storageClassName: 'standard' };
    copy.status = { phase: 'Bound', capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'] };
    const plan = planSync(persistentvolumeclaims, context(world({ persistentvolumeclaims: [unbound] }, { persistentvolumeclaims: [copy] })), 'default', 'data');
    expect(plan.actions.map((a) => [a.op, (a as { subresource?: string }).subresource])).toEqual([['update-tenant', undefined], ['update-tenant', 'status']]);
    expect((plan.actions[0] as Extract<Action, { op: 'update-tenant' }>).object.spec).toMatchObject({ volumeName: 'pvc-123' });
    const bigger = { ...unbound, spec: { ...(unbound.spec as object), volumeName: 'pvc-123', resources: { requests: { storage: '2Gi' } } }, status: copy.status };
    const up = planSync(persistentvolumeclaims, context(world({ persistentvolumeclaims: [bigger] }, { persistentvolumeclaims: [copy] })), 'default', 'data').actions;
    expect(up.map((a) => a.op)).toEqual(['update-super']);
    expect((up[0] as Extract<Action, { op: 'update-super' }>).object.spec).toMatchObject({ resources: { requests: { storage: '2Gi' } }, volumeName: 'pvc-123', storageClassName: 'standard' });
  });
});

describe('serviceaccounts and secrets', () => {
  it('copies accounts without tokens, and never the tenant default account', () => {
    const sa = obj('ServiceAccount', 'default', 'builder', { imagePullSecrets: [{ name: 'pull' }], automountServiceAccountToken: true });
    const a = planSync(serviceaccounts, context(world({ serviceaccounts: [sa] })), 'default', 'builder').actions[0] as Extract<Action, { op: 'create-super' }>;
    expect(a.object).toMatchObject({ imagePullSecrets: [{ name: 'pull' }], automountServiceAccountToken: false });
    const def = obj('ServiceAccount', 'default', 'default');
    expect(planSync(serviceaccounts, context(world({ serviceaccounts: [def] })), 'default', 'default').actions).toEqual([]);
  });

  it('copies secret type and data', () => {
    const s = obj('Secret', 'default', 's', { type: 'kubernetes.io/tls', data: { 'tls.crt': 'eA==', 'tls.key': 'eQ==' } });
    const a = planSync(secrets, context(world({ secrets: [s] })), 'default', 's').actions[0] as Extract<Action, { op: 'create-super' }>;
    expect(a.object).toMatchObject({ type: 'kubernetes.io/tls', data: { 'tls.crt': 'eA==' } });
  });
});
