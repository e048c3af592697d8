import { describe, expect, it } from 'vitest';
import { superNamespace } from '../mapping.js';
import { TENANT, context, obj, superCopy, world } from '../engine/testkit.js';
import { pods } from './pods.js';
import { planEvent, tenantEvent } from './events.js';

const SUPER_NS = superNamespace(TENANT, 'default');

describe('events up', () => {
  const pod = obj('Pod', 'default', 'web', { spec: { containers: [{ name: 'c', image: 'i' }] } });
  const copy = superCopy(pods, context(world({ pods: [pod] })), pod);
  const ev = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'web.1234', namespace: SUPER_NS, uid: 'e1', resourceVersion: '9' },
    involvedObject: { kind: 'Pod', apiVersion: 'v1', namespace: SUPER_NS, name: 'web', uid: copy.metadata!.uid, fieldPath: 'spec.containers{c}' },
    reason: 'Scheduled',
    message: `Successfully assigned ${SUPER_NS}/web to node-1`,
    type: 'Normal',
    source: { component: 'default-scheduler' },
    count: 1,
    firstTimestamp: '2026-01-01T00:00:00Z',
    lastTimestamp: '2026-01-01T00:00:00Z',
  };

  it('copies an event about a synced pod, re-pointed at the tenant pod', () => {
    const ctx = context(world({ pods: [pod] }, { pods: [copy], events: [ev] }));
    const out = tenantEvent(ctx, 'default', ev)!;
    expect(out.metadata).toEqual({ name: 'web.1234', namespace: 'default' });
    expect(out.involvedObject).toEqual({ kind: 'Pod', apiVersion: 'v1', namespace: 'default', name: 'web', uid: pod.metadata!.uid, fieldPath: 'spec.containers{c}' });
    expect(out.message).toBe('Successfully assigned default/web to node-1');
    expect(out).toMatchObject({ reason: 'Scheduled', type: 'Normal', count: 1, source: { component: 'default-scheduler' } });
    expect(planEvent(ctx, 'default', 'web.1234').actions).toMatchObject([{ op: 'tenant-event', source: { uid: 'e1', resourceVersion: '9' } }]);
  });

  it('copies nothing about objects that are not this tenant object (other kind, other incarnation, gone)', () => {
    const ctx = context(world({ pods: [pod] }, { pods: [copy] }));
    expect(tenantEvent(ctx, 'default', { ...ev, involvedObject: { ...ev.involvedObject, kind: 'Node' } })).toBeUndefined();
    expect(tenantEvent(ctx, 'default', { ...ev, involvedObject: { ...ev.involvedObject, uid: 'older-pod' } })).toBeUndefined();
    const recreated = { ...pod, metadata: { ...pod.metadata, uid: 'new' } };
    expect(tenantEvent(context(world({ pods: [recreated] }, { pods: [copy] })), 'default', ev)).toBeUndefined();
    expect(tenantEvent(context(world({}, { pods: [copy] })), 'default', ev)).toBeUndefined();
    expect(planEvent(context(world({ pods: [pod] }, { pods: [copy] })), 'default', 'missing').actions).toEqual([]);
  });
});
