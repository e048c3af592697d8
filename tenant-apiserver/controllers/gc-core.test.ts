// The garbage collector's logic against an in-memory object store that
// behaves like the API server for deletion: finalizers keep an object with a
// deletionTimestamp, the orphan / foregroundDeletion finalizers come from the
// propagation policy, and every change is observed as a watch event.

import { describe, expect, it } from 'vitest';
import type { OwnerReference } from '../api/types.js';
import { FINALIZER_FOREGROUND, FINALIZER_ORPHAN, GarbageCollectorCore, type GcClient, type GcObject, type Propagation } from './gc-core.js';

const SCOPES: Record<string, 'namespaced' | 'cluster'> = { Deployment: 'namespaced', ReplicaSet: 'namespaced', Pod: 'namespaced', ConfigMap: 'namespaced', Node: 'cluster', ClusterRole: 'cluster' };
const API: Record<string, string> = { Deployment: 'apps/v1', ReplicaSet: 'apps/v1', Pod: 'v1', ConfigMap: 'v1', Node: 'v1', ClusterRole: 'rbac.authorization.k8s.io/v1', Widget: 'example.com/v1' };

class Conflict extends Error {}

class FakeCluster {
  objects = new Map<string, GcObject>();
  rv = 1;
  core!: GarbageCollectorCore;
  queue = new Set<string>();
  log: string[] = [];

  client: GcClient = {
    scope: (_a, kind) => SCOPES[kind],
    get: async (id) => {
      for (const o of this.objects.values()) {
        if (o.kind === id.kind && o.metadata.name === id.name && (o.metadata.namespace ?? undefined) === (id.namespace ?? undefined)) return structuredClone(o);
      }
      return undefined;
    },
    delete: async (id, policy: Propagation, resourceVersion) => {
      const o = this.objects.get(id.uid);
      if (!o) return;
      if (resourceVersion && o.metadata.resourceVersion !== resourceVersion) throw new Conflict('rv');
      this.log.push(`delete ${o.metadata.name} ${policy}`);
      const fins = [...(o.metadata.finalizers ?? [])];
      if (policy === 'Orphan' && !fins.includes(FINALIZER_ORPHAN)) fins.push(FINALIZER_ORPHAN);
      if (policy === 'Foreground' && !fins.includes(FINALIZER_FOREGROUND)) fins.push(FINALIZER_FOREGROUND);
      if (fins.length === 0) this.remove(o);
      else this.write({ ...o, metadata: { ...o.metadata, finalizers: fins, deletionTimestamp: o.metadata.deletionTimestamp ?? '2024-01-01T00:00:00Z' } });
    },
    updateOwnerReferences: async (id, fn) => {
      const o = this.objects.get(id.uid);
      if (!o) return;
      this.write({ ...o, metadata: { ...o.metadata, ownerReferences: fn(o.metadata.ownerReferences ?? []) } });
    },
    removeFinalizer: async (id, f) => {
      const o = this.objects.get(id.uid);
      if (!o) return;
      const fins = (o.metadata.finalizers ?? []).filter((x) => x !== f);
      if (o.metadata.deletionTimestamp && fins.length === 0) this.remove(o);
      else this.write({ ...o, metadata: { ...o.metadata, finalizers: fins } });
    },
    isConflict: (e) => e instanceof Conflict,
  };

  constructor() {
    this.core = new GarbageCollectorCore(this.client, {
      attemptToDelete: (uid) => this.queue.add(`d:${uid}`),
      attemptToOrphan: (uid) => this.queue.add(`o:${uid}`),
    });
  }

  private write(o: GcObject): void {
    const isNew = !this.objects.has(o.metadata.uid);
    o.metadata.resourceVersion = String(++this.rv);
    this.objects.set(o.metadata.uid, o);
    this.core.observe(isNew ? 'ADDED' : 'MODIFIED', structuredClone(o));
  }

  private remove(o: GcObject): void {
    this.objects.delete(o.metadata.uid);
    this.log.push(`gone ${o.metadata.name}`);
    this.core.observe('DELETED', structuredClone(o));
  }

  add(kind: string, name: string, owners: { uid: string; kind?: string; name?: string; block?: boolean }[] = [], opts: { namespace?: string | null; finalizers?: string[] } = {}): string {
    const uid = `uid-${name}`;
    const refs: OwnerReference[] = owners.map((o) => ({
      apiVersion: API[o.kind ?? 'ReplicaSet']!,
      kind: o.kind ?? 'ReplicaSet',
      name: o.name ?? o.uid.replace(/^uid-/, ''),
      uid: o.uid,
      ...(o.block === false ? { blockOwnerDeletion: false } : { blockOwnerDeletion: true }),
    }));
    const namespace = opts.namespace === null ? undefined : (opts.namespace ?? (SCOPES[kind] === 'cluster' ? undefined : 'default'));
    this.write({ apiVersion: API[kind]!, kind, metadata: { name, uid, ...(namespace ? { namespace } : {}), ownerReferences: refs, ...(opts.finalizers ? { finalizers: opts.finalizers } : {}) } });
    return uid;
  }

  /** A user's DELETE with a propagation policy. */
  async userDelete(uid: string, policy: Propagation = 'Background'): Promise<void> {
    const o = this.objects.get(uid)!;
    await this.client.delete({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, namespace: o.metadata.namespace, uid }, policy);
  }

  async drain(): Promise<void> {
    for (let i = 0; i < 500 && this.queue.size > 0; i++) {
      const key = this.queue.values().next().value as string;
      this.queue.delete(key);
      try {
        if (key.startsWith('o:')) await this.core.attemptToOrphan(key.slice(2));
        else await this.core.attemptToDelete(key.slice(2));
      } catch {
        // The controller runtime retries failed items.
        this.queue.add(key);
      }
    }
    expect(this.queue.size).toBe(0);
  }

  names(): string[] {
    return [...this.objects.values()].map((o) => o.metadata.name).sort();
  }
}

describe('background deletion', () => {
  it('deletes dependents after the owner is gone, transitively', async () => {
    const c = new FakeCluster();
    const d = c.add('Deployment', 'web');
    const r = c.add('ReplicaSet', 'web-1', [{ uid: d, kind: 'Deployment' }]);
    c.add('Pod', 'web-1-a', [{ uid: r }]);
    c.add('Pod', 'web-1-b', [{ uid: r }]);
    c.add('ConfigMap', 'unrelated');
    await c.drain();
    expect(c.names()).toEqual(['unrelated', 'web', 'web-1', 'web-1-a', 'web-1-b']);
    await c.userDelete(d);
    await c.drain();
    expect(c.names()).toEqual(['unrelated']);
  });

  it('collects dependents whose owner never existed, verified by a live read', async () => {
    const c = new FakeCluster();
    c.add('Pod', 'orphaned', [{ uid: 'uid-ghost', name: 'ghost' }]);
    // Same name as the owner reference, another UID: not the owner either.
    c.add('ReplicaSet', 'namesake');
    c.add('Pod', 'stale', [{ uid: 'uid-old-namesake', name: 'namesake' }]);
    await c.drain();
    expect(c.names()).toEqual(['namesake']);
    expect(c.log).toContain('delete orphaned Background');
  });

  it('keeps a dependent with a live owner and drops only its dangling references', async () => {
    const c = new FakeCluster();
    const rs = c.add('ReplicaSet', 'live');
    const pod = c.add('Pod', 'shared', [{ uid: rs }, { uid: 'uid-ghost', name: 'ghost' }]);
    await c.drain();
    expect(c.names()).toEqual(['live', 'shared']);
    expect(c.objects.get(pod)!.metadata.ownerReferences!.map((r) => r.uid)).toEqual([rs]);
  });

  it('leaves objects alone when the owner kind is not served or the reference is invalid', async () => {
    const c = new FakeCluster();
    c.add('Pod', 'custom-owned', [{ uid: 'uid-w', kind: 'Widget', name: 'w' }]);
    // A cluster-scoped object cannot be owned by a namespaced one.
    c.add('Node', 'n1', [{ uid: 'uid-cm', kind: 'ConfigMap', name: 'cm' }]);
    await c.drain();
    expect(c.names()).toEqual(['custom-owned', 'n1']);
  });

  it('deletes a cluster-scoped dependent of a cluster-scoped owner that is gone', async () => {
    const c = new FakeCluster();
    const owner = c.add('ClusterRole', 'parent');
    c.add('ClusterRole', 'child', [{ uid: owner, kind: 'ClusterRole' }]);
    await c.userDelete(owner);
    await c.drain();
    expect(c.names()).toEqual([]);
  });
});

describe('foreground deletion', () => {
  it('keeps the owner until blocking dependents are gone, deepest first', async () => {
    const c = new FakeCluster();
    const d = c.add('Deployment', 'web');
    const r = c.add('ReplicaSet', 'web-1', [{ uid: d, kind: 'Deployment' }]);
    c.add('Pod', 'web-1-a', [{ uid: r }]);
    await c.drain();
    await c.userDelete(d, 'Foreground');
    expect(c.objects.get(d)!.metadata.finalizers).toEqual([FINALIZER_FOREGROUND]);
    await c.drain();
    expect(c.names()).toEqual([]);
    // The ReplicaSet had dependents of its own, so it went in the foreground too; the pod went first.
    expect(c.log).toContain('delete web-1 Foreground');
    expect(c.log.indexOf('gone web-1-a')).toBeLessThan(c.log.indexOf('gone web-1'));
    expect(c.log.indexOf('gone web-1')).toBeLessThan(c.log.indexOf('gone web'));
  });

  it('does not wait for dependents that do not block, but still deletes them', async () => {
    const c = new FakeCluster();
    const d = c.add('Deployment', 'web');
    c.add('ConfigMap', 'held', [{ uid: d, kind: 'Deployment', block: false }], { finalizers: ['example.com/hold'] });
    await c.drain();
    await c.userDelete(d, 'Foreground');
    await c.drain();
    expect(c.names()).toEqual(['held']);
    expect(c.objects.get('uid-held')!.metadata.deletionTimestamp).toBeDefined();
  });

  it('waits for a blocking dependent held by another finalizer', async () => {
    const c = new FakeCluster();
    const d = c.add('Deployment', 'web');
    c.add('ConfigMap', 'held', [{ uid: d, kind: 'Deployment' }], { finalizers: ['example.com/hold'] });
    await c.drain();
    await c.userDelete(d, 'Foreground');
    await c.drain();
    expect(c.names()).toEqual(['held', 'web']);
    await c.client.removeFinalizer({ apiVersion: 'v1', kind: 'ConfigMap', name: 'held', namespace: 'default', uid: 'uid-held' }, 'example.com/hold');
    await c.drain();
    expect(c.names()).toEqual([]);
  });

  it('breaks an ownership cycle', async () => {
    const c = new FakeCluster();
    // a owns b, b owns a; both references block.
    c.add('ConfigMap', 'a', [{ uid: 'uid-b', kind: 'ConfigMap', name: 'b' }]);
    c.add('ConfigMap', 'b', [{ uid: 'uid-a', kind: 'ConfigMap', name: 'a' }]);
    await c.drain();
    expect(c.names()).toEqual(['a', 'b']);
    await c.userDelete('uid-a', 'Foreground');
    await c.drain();
    expect(c.names()).toEqual([]);
  });

  it('lets an object that owns itself go', async () => {
    const c = new FakeCluster();
    c.add('ConfigMap', 'self', [{ uid: 'uid-self', kind: 'ConfigMap', name: 'self' }]);
    await c.drain();
    expect(c.names()).toEqual(['self']);
    await c.userDelete('uid-self', 'Foreground');
    await c.drain();
    expect(c.names()).toEqual([]);
  });
});

describe('cycles without foreground deletion', () => {
  it('leaves a live cycle alone and collects it once one member is deleted', async () => {
    const c = new FakeCluster();
    c.add('ConfigMap', 'a', [{ uid: 'uid-c', kind: 'ConfigMap', name: 'c' }]);
    c.add('ConfigMap', 'b', [{ uid: 'uid-a', kind: 'ConfigMap', name: 'a' }]);
    c.add('ConfigMap', 'c', [{ uid: 'uid-b', kind: 'ConfigMap', name: 'b' }]);
    await c.drain();
    expect(c.names()).toEqual(['a', 'b', 'c']);
    await c.userDelete('uid-a');
    await c.drain();
    expect(c.names()).toEqual([]);
  });
});

describe('orphan deletion', () => {
  it('removes references to the owner from dependents, then lets the owner go', async () => {
    const c = new FakeCluster();
    const d = c.add('Deployment', 'web');
    const other = c.add('Deployment', 'other');
    const r = c.add('ReplicaSet', 'web-1', [{ uid: d, kind: 'Deployment' }, { uid: other, kind: 'Deployment', block: false }]);
    c.add('Pod', 'web-1-a', [{ uid: r }]);
    await c.drain();
    await c.userDelete(d, 'Orphan');
    expect(c.objects.get(d)!.metadata.finalizers).toEqual([FINALIZER_ORPHAN]);
    await c.drain();
    expect(c.names()).toEqual(['other', 'web-1', 'web-1-a']);
    expect(c.objects.get(r)!.metadata.ownerReferences!.map((x) => x.uid)).toEqual([other]);
  });

  it('finishes an orphan deletion of an object nobody depends on', async () => {
    const c = new FakeCluster();
    const d = c.add('Deployment', 'lonely');
    await c.userDelete(d, 'Orphan');
    await c.drain();
    expect(c.names()).toEqual([]);
  });
});
