import { describe, expect, it } from 'vitest';
import { ANN_TENANT_UID, LABEL_TENANT, LABEL_TENANT_NAMESPACE, superNamespace } from '../mapping.js';
import { configmaps } from '../kinds/configmaps.js';
import { namespaces } from '../kinds/namespaces.js';
import { secrets } from '../kinds/secrets.js';
import { pods } from '../kinds/pods.js';
import { metadataEqual, mergeMetadata, planSync, tenantWarning } from './reconciler.js';
import { TENANT, context, ns, obj, superCopy, world } from './testkit.js';
import type { Action } from './kind.js';

const SUPER_NS = superNamespace(TENANT, 'default');

function only<T extends Action['op']>(actions: Action[], op: T): Extract<Action, { op: T }> {
  expect(actions.map((a) => a.op)).toEqual([op]);
  return actions[0] as Extract<Action, { op: T }>;
}

describe('planSync: tenant only', () => {
  it('creates the copy in the mapped namespace with marks, the namespace first', () => {
    const cm = obj('ConfigMap', 'default', 'cfg', { data: { a: '1' }, metadata: { labels: { app: 'x' } } });
    const ctx = context(world({ configmaps: [cm] }));
    const plan = planSync(configmaps, ctx, 'default', 'cfg');
    expect(plan.needs).toEqual([{ kind: 'namespaces', namespace: '', name: 'default' }]);
    const a = only(plan.actions, 'create-super');
    expect(a.object.metadata).toMatchObject({
      name: 'cfg',
      namespace: SUPER_NS,
      labels: { app: 'x', [LABEL_TENANT]: 'acme', [LABEL_TENANT_NAMESPACE]: 'default' },
      annotations: { [ANN_TENANT_UID]: TENANT.uid, 'tenantry.io/object-uid': cm.metadata!.uid, 'tenantry.io/namespace-uid': 'ns-default' },
    });
    expect(a.object.metadata!.uid).toBeUndefined();
    expect(a.object.metadata!.resourceVersion).toBeUndefined();
    expect(a.object.data).toEqual({ a: '1' });
    expect(a.object.kind).toBe('ConfigMap');
  });

  it('never copies owner references, finalizers or server fields', () => {
    const cm = obj('ConfigMap', 'default', 'cfg', { metadata: { ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: 'x' }], finalizers: ['f'], generation: 3 } });
    const a = only(planSync(configmaps, context(world({ configmaps: [cm] })), 'default', 'cfg').actions, 'create-super');
    expect(Object.keys(a.object.metadata!).sort()).toEqual(['annotations', 'labels', 'name', 'namespace']);
  });

  it('does not create a copy of an object being deleted, nor of a skipped one', () => {
    const going = obj('ConfigMap', 'default', 'cfg', { metadata: { deletionTimestamp: '2026-01-01T00:00:00Z' } });
    expect(planSync(configmaps, context(world({ configmaps: [going] })), 'default', 'cfg').actions).toEqual([]);
    const token = obj('Secret', 'default', 'tok', { type: 'kubernetes.io/service-account-token' });
    expect(planSync(secrets, context(world({ secrets: [token] })), 'default', 'tok').actions).toEqual([]);
    const rootCa = obj('ConfigMap', 'default', 'kube-root-ca.crt');
    expect(planSync(configmaps, context(world({ configmaps: [rootCa] })), 'default', 'kube-root-ca.crt').actions).toEqual([]);
  });

  it('maps a namespace to its super name without copying its labels', () => {
    const n = { ...ns('shop'), metadata: { ...ns('shop').metadata, labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } } };
    // (The namespace's policy objects follow it: kinds/namespace-policy.test.ts.)
    const a = only(planSync(namespaces, context(world({ namespaces: [n] })), '', 'shop').actions.filter((x) => x.op !== 'create-super' || x.ref.plural === 'namespaces'), 'create-super');
    expect(a.object.metadata!.name).toBe(superNamespace(TENANT, 'shop'));
    expect(a.object.metadata!.namespace).toBeUndefined();
    expect(a.object.metadata!.labels).toEqual({ [LABEL_TENANT]: 'acme', [LABEL_TENANT_NAMESPACE]: 'shop' });
  });
});

describe('planSync: super only', () => {
  it('deletes an orphan of this tenant with a UID precondition, after confirming the tenant object is gone', () => {
    const cm = obj('ConfigMap', 'default', 'cfg');
    const ctx = context(world({ configmaps: [cm] }));
    const copy = superCopy(configmaps, ctx, cm);
    const plan = planSync(configmaps, context(world({}, { configmaps: [copy] })), 'default', 'cfg');
    const a = only(plan.actions, 'delete-super');
    expect(a).toMatchObject({ namespace: SUPER_NS, name: 'cfg', uid: copy.metadata!.uid, why: 'orphan' });
    expect(a.confirmAbsent).toMatchObject({ side: 'tenant', namespace: 'default', name: 'cfg' });
  });

  it('leaves alone a copy of an earlier incarnation of the tenant, and one already being deleted', () => {
    const cm = obj('ConfigMap', 'default', 'cfg');
    const old = superCopy(configmaps, context(world({ configmaps: [cm] }), { name: 'acme', uid: 'previous' }), cm);
    // Same tenant name, so the snapshot view lists it; different tenant UID.
    old.metadata!.namespace = SUPER_NS;
    expect(planSync(configmaps, context(world({}, { configmaps: [old] })), 'default', 'cfg').actions).toEqual([]);
    const going = superCopy(configmaps, context(world({ configmaps: [cm] })), cm, { metadata: { deletionTimestamp: '2026-01-01T00:00:00Z' } });
    expect(planSync(configmaps, context(world({}, { configmaps: [going] })), 'default', 'cfg').actions).toEqual([]);
  });

  it('removes the copy of an object that is now skipped, without a tenant check (it is known to exist)', () => {
    const s = obj('Secret', 'default', 's', { type: 'Opaque', data: {} });
    const copy = superCopy(secrets, context(world({ secrets: [s] })), s);
    const nowToken = { ...s, type: 'kubernetes.io/service-account-token' };
    const a = only(planSync(secrets, context(world({ secrets: [nowToken] }, { secrets: [copy] })), 'default', 's').actions, 'delete-super');
    expect(a.confirmAbsent).toBeUndefined();
  });
});

describe('planSync: both', () => {
  it('does nothing when in sync, and converges data and metadata when not', () => {
    const cm = obj('ConfigMap', 'default', 'cfg', { data: { a: '1' }, metadata: { annotations: { keep: 'me', gone: 'soon' } } });
    const copy = superCopy(configmaps, context(world({ configmaps: [cm] })), cm);
    // A super-cluster component added an annotation and a label of its own.
    copy.metadata!.annotations!['super.example/added'] = 'yes';
    copy.metadata!.labels!['kubernetes.io/metadata.name'] = 'x';
    expect(planSync(configmaps, context(world({ configmaps: [cm] }, { configmaps: [copy] })), 'default', 'cfg').actions).toEqual([]);

    const changed = { ...cm, data: { a: '2' }, metadata: { ...cm.metadata, annotations: { keep: 'me' } } };
    const a = only(planSync(configmaps, context(world({ configmaps: [changed] }, { configmaps: [copy] })), 'default', 'cfg').actions, 'update-super');
    expect(a.object.data).toEqual({ a: '2' });
    expect(a.object.metadata!.resourceVersion).toBe('7');
    expect(a.object.metadata!.uid).toBe(copy.metadata!.uid);
    expect(a.object.metadata!.annotations).toMatchObject({ keep: 'me', 'super.example/added': 'yes' });
    expect(a.object.metadata!.annotations!.gone).toBeUndefined();
    expect(a.object.metadata!.labels!['kubernetes.io/metadata.name']).toBe('x');
    expect(a.recreateOnInvalid).toBe(true);
  });

  it('replaces a copy made for an earlier object of the same name', () => {
    const cm = obj('ConfigMap', 'default', 'cfg');
    const copy = superCopy(configmaps, context(world({ configmaps: [cm] })), cm);
    const recreated = obj('ConfigMap', 'default', 'cfg');
    const a = only(planSync(configmaps, context(world({ configmaps: [recreated] }, { configmaps: [copy] })), 'default', 'cfg').actions, 'delete-super');
    expect(a.why).toBe('replaced');
    expect(a.uid).toBe(copy.metadata!.uid);
  });

  it('reports a conflict for a super object with this name that is not the copy of this tenant object', () => {
    const cm = obj('ConfigMap', 'default', 'cfg');
    const copy = superCopy(configmaps, context(world({ configmaps: [cm] })), cm);
    copy.metadata!.labels![LABEL_TENANT_NAMESPACE] = 'other';
    const a = only(planSync(configmaps, context(world({ configmaps: [cm] }, { configmaps: [copy] })), 'default', 'cfg').actions, 'conflict');
    expect(a.message).toMatch(/not this tenant's copy/);
  });

  it('mirrors a deletion with the tenant grace period, and a later shorter one', () => {
    const pod = obj('Pod', 'default', 'p', { spec: { containers: [{ name: 'c', image: 'i' }] }, status: { phase: 'Running' } });
    const copy = superCopy(pods, context(world({ pods: [pod] })), pod);
    const deleting = { ...pod, metadata: { ...pod.metadata, deletionTimestamp: '2026-01-01T00:00:30Z', deletionGracePeriodSeconds: 30 } };
    const a = only(planSync(pods, context(world({ pods: [deleting] }, { pods: [copy] })), 'default', 'p').actions.filter((x) => x.op !== 'update-tenant'), 'delete-super');
    expect(a).toMatchObject({ why: 'tenant-deleted', gracePeriodSeconds: 30, uid: copy.metadata!.uid });
    const superDeleting = { ...copy, metadata: { ...copy.metadata, deletionTimestamp: 'x', deletionGracePeriodSeconds: 30 } };
    expect(planSync(pods, context(world({ pods: [deleting] }, { pods: [superDeleting] })), 'default', 'p').actions.filter((x) => x.op === 'delete-super')).toEqual([]);
    const shorter = { ...deleting, metadata: { ...deleting.metadata, deletionGracePeriodSeconds: 0 } };
    const b = only(planSync(pods, context(world({ pods: [shorter] }, { pods: [superDeleting] })), 'default', 'p').actions.filter((x) => x.op !== 'update-tenant'), 'delete-super');
    expect(b.gracePeriodSeconds).toBe(0);
  });

  it('deletes the super namespace when the tenant namespace terminates', () => {
    const n = ns('shop');
    const copy = superCopy(namespaces, context(world({ namespaces: [n] })), n);
    const terminating = { ...n, metadata: { ...n.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } };
    const a = only(planSync(namespaces, context(world({ namespaces: [terminating] }, { namespaces: [copy] })), '', 'shop').actions, 'delete-super');
    expect(a).toMatchObject({ name: superNamespace(TENANT, 'shop'), namespace: '', why: 'tenant-deleted' });
  });
});

describe('metadata ownership', () => {
  it('a tenant cannot remove or forge marks, and keys the tenant dropped are removed', () => {
    const desired = { metadata: { labels: { a: '1', [LABEL_TENANT]: 'acme' }, annotations: { [ANN_TENANT_UID]: 'u', 'tenantry.io/synced-labels': 'a' } } };
    const actual = {
      metadata: {
        labels: { a: '1', b: '2', [LABEL_TENANT]: 'acme', 'tenantry.io/extra': 'x' },
        annotations: { [ANN_TENANT_UID]: 'u', 'tenantry.io/synced-labels': 'a,b' },
      },
    };
    expect(metadataEqual(desired, actual)).toBe(false);
    const merged = mergeMetadata(desired, actual);
    expect(merged.labels).toEqual({ a: '1', [LABEL_TENANT]: 'acme' });
    expect(metadataEqual(desired, { metadata: merged })).toBe(true);
  });
});

describe('tenantWarning', () => {
  it('names the event after the object and reason, so repeats are one event', () => {
    const pod = obj('Pod', 'default', 'p');
    const a = tenantWarning(pods.ref, pod, 'InvalidNodeName', 'm');
    const b = tenantWarning(pods.ref, pod, 'InvalidNodeName', 'other message');
    const c = tenantWarning(pods.ref, pod, 'Other', 'm');
    expect(a.metadata!.name).toBe(b.metadata!.name);
    expect(a.metadata!.name).not.toBe(c.metadata!.name);
    expect(a).toMatchObject({ type: 'Warning', involvedObject: { kind: 'Pod', name: 'p', namespace: 'default', uid: pod.metadata!.uid } });
  });
});
