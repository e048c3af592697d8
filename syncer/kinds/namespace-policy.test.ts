import { describe, expect, it } from 'vitest';
import { parseQuantity } from '../../tenant-apiserver/api/strategies/quantity.js';
import { defaultPolicy, type ResolvedPolicy } from '../../policy/types.js';
import { LABEL_TENANT, LABEL_TENANT_NAMESPACE, superNamespace } from '../mapping.js';
import { planSync } from '../engine/reconciler.js';
import { NOW, TENANT, context, ns, superCopy, world } from '../engine/testkit.js';
import type { Action } from '../engine/kind.js';
import type { KubeObject } from '../types.js';
import { namespaces } from './namespaces.js';
import { BACKSTOP_QUOTA, DEFAULTS_LIMIT_RANGE, ISOLATION_POLICY, PRIVATE_RANGES } from './namespace-policy.js';

const SUPER_NS = superNamespace(TENANT, 'default');

function quotaPolicy(): ResolvedPolicy {
  const p = defaultPolicy(TENANT.name);
  p.quota.hard = new Map([['pods', parseQuantity('10')], ['requests.cpu', parseQuantity('2000m')]]);
  p.quota.defaultRequests = new Map([['cpu', parseQuantity('100m')], ['memory', parseQuantity('128Mi')]]);
  p.quota.defaultLimits = new Map([['memory', parseQuantity('256Mi')]]);
  return p;
}

/** Plan the default namespace with its super namespace present and the given super objects. */
function plan(policy: ResolvedPolicy, superObjs: Record<string, KubeObject[]> = {}) {
  const tenantNs = ns('default');
  const superNs = superCopy(namespaces, context(world()), tenantNs);
  const w = world({}, { namespaces: [superNs], ...superObjs });
  return planSync(namespaces, context(w, TENANT, 'kata', NOW, policy), '', 'default');
}

const creates = (actions: Action[]) => actions.filter((a): a is Extract<Action, { op: 'create-super' }> => a.op === 'create-super');

describe('namespace policy objects', () => {
  it('default policy: only the isolation NetworkPolicy, covering every pod, with the ownership marks', () => {
    const out = creates(plan(defaultPolicy(TENANT.name)).actions);
    expect(out.map((a) => `${a.ref.plural}/${a.object.metadata?.name}`)).toEqual([`networkpolicies/${ISOLATION_POLICY}`]);
    const np = out[0]!.object;
    expect(np.apiVersion).toBe('networking.k8s.io/v1');
    expect(np.metadata?.namespace).toBe(SUPER_NS);
    expect(np.metadata?.labels).toEqual({ [LABEL_TENANT]: 'acme', [LABEL_TENANT_NAMESPACE]: 'default' });
    const spec = np.spec as Record<string, any>;
    expect(spec.podSelector).toEqual({});
    expect(spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(spec.ingress).toEqual([{ from: [{ namespaceSelector: { matchLabels: { [LABEL_TENANT]: 'acme' } } }] }]);
    expect(spec.egress[0]).toEqual({ to: [{ namespaceSelector: { matchLabels: { [LABEL_TENANT]: 'acme' } } }] });
    expect(spec.egress[1].ports).toEqual([{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }]);
    expect(spec.egress[1].to[0].podSelector).toEqual({ matchLabels: { 'k8s-app': 'kube-dns' } });
    expect(spec.egress[2]).toEqual({ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: PRIVATE_RANGES } }] });
  });

  it('quota policy: backstop ResourceQuota with the tenant-wide hard, and a LimitRange with the defaults', () => {
    const out = creates(plan(quotaPolicy()).actions);
    const by = new Map(out.map((a) => [a.object.metadata?.name, a.object]));
    // Compute is left to the tenant API server: the super charges each pod its sandbox's overhead too.
    expect(by.get(BACKSTOP_QUOTA)!.spec).toEqual({ hard: { pods: '10' } });
    expect(by.get(DEFAULTS_LIMIT_RANGE)!.spec).toEqual({ limits: [{ type: 'Container', default: { memory: '256Mi' }, defaultRequest: { cpu: '100m', memory: '128Mi' } }] });
  });

  it('is in sync once created (server-normalised quantities compare equal), converges drift, deletes what the policy dropped', () => {
    const p = quotaPolicy();
    const made = creates(plan(p).actions).map((a) => ({ ...a.object, metadata: { ...a.object.metadata, uid: `u-${a.object.metadata?.name}`, resourceVersion: '3' } }));
    const lists = (objs: KubeObject[]) => ({
      resourcequotas: objs.filter((o) => o.kind === 'ResourceQuota'),
      limitranges: objs.filter((o) => o.kind === 'LimitRange'),
      networkpolicies: objs.filter((o) => o.kind === 'NetworkPolicy'),
    });
    // Another spelling of the same quantity (10 = 10000m) is equal all the same.
    const spelled = made.map((o) => (o.kind === 'ResourceQuota' ? { ...o, spec: { hard: { pods: '10000m' } } } : o));
    expect(plan(p, lists(spelled)).actions).toEqual([]);
    // Someone widened the backstop in the super cluster: put back.
    const widened = made.map((o) => (o.kind === 'ResourceQuota' ? { ...o, spec: { hard: { pods: '1000' } } } : o));
    const fix = plan(p, lists(widened)).actions;
    expect(fix.map((a) => a.op)).toEqual(['update-super']);
    expect((fix[0] as Extract<Action, { op: 'update-super' }>).object).toMatchObject({ spec: { hard: { pods: '10' } }, metadata: { resourceVersion: '3' } });
    // A reload without quota or isolation: the objects go.
    const none = defaultPolicy(TENANT.name);
    none.network.isolation = false;
    const gone = plan(none, lists(made)).actions;
    expect(gone.map((a) => (a.op === 'delete-super' ? `${a.ref.plural}/${a.name}` : a.op)).sort()).toEqual([`limitranges/${DEFAULTS_LIMIT_RANGE}`, `networkpolicies/${ISOLATION_POLICY}`, `resourcequotas/${BACKSTOP_QUOTA}`]);
  });

  it('never touches a same-named object that is not this tenant’s', () => {
    const foreign: KubeObject = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: ISOLATION_POLICY, namespace: SUPER_NS, uid: 'x', labels: { [LABEL_TENANT]: 'acme' } }, spec: {} };
    expect(plan(defaultPolicy(TENANT.name), { networkpolicies: [foreign] }).actions.map((a) => a.op)).toEqual(['conflict']);
  });

  it('are created right after a new super namespace, before anything else goes in', () => {
    const out = planSync(namespaces, context(world(), TENANT, 'kata', NOW, quotaPolicy()), '', 'default');
    expect(out.actions.map((a) => (a.op === 'create-super' ? `${a.ref.plural}/${a.object.metadata?.namespace ?? ''}` : a.op))).toEqual([
      'namespaces/',
      `resourcequotas/${SUPER_NS}`,
      `limitranges/${SUPER_NS}`,
      `networkpolicies/${SUPER_NS}`,
    ]);
  });
});
