// The garbage collector's logic (pkg/controller/garbagecollector), free of
// storage: a graph of objects and their owners built from watch events, and
// the two work items kube's collector has.
//
// - attemptToDelete(dependent): read the dependent live; classify each owner
//   reference by a live read of the owner as dangling (absent, or another UID),
//   waiting (owner being deleted in the foreground) or solid. With a solid owner
//   the dangling/waiting references are removed; without one the dependent is
//   deleted (in the foreground when an owner waits for it and it has dependents
//   of its own, which also breaks cycles by unblocking its references). An
//   owner being deleted in the foreground drops its `foregroundDeletion`
//   finalizer once no dependent blocks it.
// - attemptToOrphan(owner): remove references to the owner from its dependents,
//   then its `orphan` finalizer.
//
// Owners are looked up in the dependent's namespace; an owner never seen is a
// "virtual" node verified by a live read, so dependents of owners that never
// existed are collected too.

import type { OwnerReference } from '../api/types.js';

export const FINALIZER_ORPHAN = 'orphan';
export const FINALIZER_FOREGROUND = 'foregroundDeletion';

export interface Identity {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  uid: string;
}

/** What the collector needs of an object: metadata only. */
export interface GcObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    uid: string;
    resourceVersion?: string;
    deletionTimestamp?: string;
    finalizers?: string[];
    ownerReferences?: OwnerReference[];
  };
}

export type Propagation = 'Background' | 'Foreground' | 'Orphan';

/** Storage as the collector sees it. `undefined` from scope() means the kind is not served. */
export interface GcClient {
  scope(apiVersion: string, kind: string): 'namespaced' | 'cluster' | undefined;
  get(id: Omit<Identity, 'uid'>): Promise<GcObject | undefined>;
  /** Delete with UID (and, when given, resourceVersion) preconditions; throws a conflict error on mismatch. */
  delete(id: Identity, policy: Propagation, resourceVersion?: string): Promise<void>;
  /** Rewrite the object's owner references (only if its UID still matches). */
  updateOwnerReferences(id: Identity, fn: (refs: OwnerReference[]) => OwnerReference[]): Promise<void>;
  /** Remove a finalizer (only if the UID still matches). */
  removeFinalizer(id: Identity, finalizer: string): Promise<void>;
  isConflict(e: unknown): boolean;
}

export interface GcQueue {
  attemptToDelete(uid: string): void;
  attemptToOrphan(uid: string): void;
}

interface Node {
  identity: Identity;
  owners: OwnerReference[];
  dependents: Set<Node>;
  beingDeleted: boolean;
  deletingDependents: boolean;
  orphanPending: boolean;
  /** Known only as somebody's owner, not (yet) observed. */
  virtual: boolean;
}

const ABSENT_CACHE = 500;

function identityOf(o: GcObject): Identity {
  const id: Identity = { apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, uid: o.metadata.uid };
  if (o.metadata.namespace) id.namespace = o.metadata.namespace;
  return id;
}

function hasFinalizer(o: { metadata: { finalizers?: string[] } }, f: string): boolean {
  return (o.metadata.finalizers ?? []).includes(f);
}

export class GarbageCollectorCore {
  private readonly nodes = new Map<string, Node>();
  /** Owners a live read found absent: coordinates → true (bounded, oldest dropped). */
  private readonly absent = new Map<string, true>();

  constructor(
    private readonly client: GcClient,
    private readonly queue: GcQueue,
  ) {}

  // ---- graph builder ----------------------------------------------------------------------------------------------

  /** Feed a watch event. */
  observe(type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: GcObject): void {
    const uid = obj.metadata.uid;
    const existing = this.nodes.get(uid);
    if (type === 'DELETED') {
      if (existing) this.removeNode(existing);
      return;
    }
    const owners = obj.metadata.ownerReferences ?? [];
    const beingDeleted = !!obj.metadata.deletionTimestamp;
    const gcFinalizer = hasFinalizer(obj, FINALIZER_ORPHAN) || hasFinalizer(obj, FINALIZER_FOREGROUND);
    if (!existing) {
      // Only objects in an ownership relation (or waiting on the collector) need a node.
      if (owners.length === 0 && !(beingDeleted && gcFinalizer)) return;
      const node: Node = {
        identity: identityOf(obj),
        owners: [...owners],
        dependents: new Set(),
        beingDeleted,
        deletingDependents: false,
        orphanPending: false,
        virtual: false,
      };
      this.nodes.set(uid, node);
      for (const ref of owners) this.linkOwner(node, ref);
      this.transitions(node, obj);
      return;
    }
    existing.virtual = false;
    existing.identity = identityOf(obj);
    this.updateOwners(existing, owners);
    existing.beingDeleted = beingDeleted;
    this.transitions(existing, obj);
    this.maybeForget(existing);
  }

  /** Apply an owner list, relinking the graph and waking owners a removed or unblocked reference was blocking. */
  private updateOwners(node: Node, owners: OwnerReference[]): void {
    const before = new Map(node.owners.map((r) => [r.uid, r]));
    const after = new Map(owners.map((r) => [r.uid, r]));
    for (const [uid, ref] of before) {
      const now = after.get(uid);
      const owner = this.nodes.get(uid);
      if (!now) {
        owner?.dependents.delete(node);
        if (owner?.deletingDependents) this.queue.attemptToDelete(uid);
        if (owner) this.maybeForget(owner);
      } else if (ref.blockOwnerDeletion === true && now.blockOwnerDeletion !== true && owner?.deletingDependents) {
        this.queue.attemptToDelete(uid);
      }
    }
    node.owners = [...owners];
    for (const [uid, ref] of after) if (!before.has(uid)) this.linkOwner(node, ref);
  }

  private linkOwner(node: Node, ref: OwnerReference): void {
    let owner = this.nodes.get(ref.uid);
    if (!owner) {
      const scope = this.client.scope(ref.apiVersion, ref.kind);
      const id: Identity = { apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name, uid: ref.uid };
      if (scope !== 'cluster' && node.identity.namespace) id.namespace = node.identity.namespace;
      owner = { identity: id, owners: [], dependents: new Set(), beingDeleted: false, deletingDependents: false, orphanPending: false, virtual: true };
      this.nodes.set(ref.uid, owner);
      // Verify the owner exists; if it never did, its dependents are garbage.
      this.queue.attemptToDelete(ref.uid);
    }
    owner.dependents.add(node);
  }

  private transitions(node: Node, obj: GcObject): void {
    if (node.beingDeleted && hasFinalizer(obj, FINALIZER_ORPHAN)) {
      node.orphanPending = true;
      this.queue.attemptToOrphan(node.identity.uid);
    } else node.orphanPending = false;
    if (node.beingDeleted && hasFinalizer(obj, FINALIZER_FOREGROUND)) {
      node.deletingDependents = true;
      for (const d of node.dependents) this.queue.attemptToDelete(d.identity.uid);
      this.queue.attemptToDelete(node.identity.uid);
    } else node.deletingDependents = false;
  }

  private removeNode(node: Node): void {
    this.nodes.delete(node.identity.uid);
    if (node.dependents.size > 0) this.rememberAbsent(node.identity, node.identity.namespace);
    for (const d of node.dependents) this.queue.attemptToDelete(d.identity.uid);
    for (const ref of node.owners) {
      const owner = this.nodes.get(ref.uid);
      if (!owner) continue;
      owner.dependents.delete(node);
      if (owner.deletingDependents) this.queue.attemptToDelete(owner.identity.uid);
      this.maybeForget(owner);
    }
  }

  /** Drop nodes that no longer take part in any ownership relation. */
  private maybeForget(node: Node): void {
    if (node.owners.length === 0 && node.dependents.size === 0 && !node.deletingDependents && !node.orphanPending && !node.virtual) {
      this.nodes.delete(node.identity.uid);
    }
  }

  /** Test and debugging view. */
  has(uid: string): boolean {
    return this.nodes.has(uid);
  }

  dependentsOf(uid: string): string[] {
    return [...(this.nodes.get(uid)?.dependents ?? [])].map((d) => d.identity.uid);
  }

  // ---- absent-owner cache -----------------------------------------------------------------------------------------

  private absentKey(ref: { apiVersion: string; kind: string; name: string; uid: string }, namespace: string | undefined): string {
    return JSON.stringify([ref.apiVersion, ref.kind, ref.name, ref.uid, namespace ?? '']);
  }

  private rememberAbsent(ref: { apiVersion: string; kind: string; name: string; uid: string }, namespace: string | undefined): void {
    const k = this.absentKey(ref, namespace);
    this.absent.delete(k);
    this.absent.set(k, true);
    if (this.absent.size > ABSENT_CACHE) this.absent.delete(this.absent.keys().next().value as string);
  }

  // ---- workers ----------------------------------------------------------------------------------------------------

  /** The live object behind a node, or undefined after treating it as deleted. */
  private async live(node: Node): Promise<GcObject | undefined> {
    const scope = this.client.scope(node.identity.apiVersion, node.identity.kind);
    // Unserved kinds cannot be read; a namespaced owner without a namespace came from an invalid
    // reference of a cluster-scoped object. Neither says the owner is absent.
    if (!scope || (scope === 'namespaced' && !node.identity.namespace)) return undefined;
    const { uid: _uid, ...coords } = node.identity;
    const latest = await this.client.get(coords);
    if (!latest || latest.metadata.uid !== node.identity.uid) {
      // Gone (or never was): what a watch DELETE would do.
      if (this.nodes.get(node.identity.uid) === node) this.removeNode(node);
      if (node.dependents.size > 0 || node.virtual) this.rememberAbsent(node.identity, node.identity.namespace);
      return undefined;
    }
    return latest;
  }

  async attemptToDelete(uid: string): Promise<void> {
    const node = this.nodes.get(uid);
    if (!node) return;
    const latest = await this.live(node);
    if (!latest) return;
    if (node.virtual) {
      // Observed now, through the live read.
      this.observe('MODIFIED', latest);
    }
    if (node.deletingDependents) return this.processDeletingDependents(node);
    const refs = latest.metadata.ownerReferences ?? [];
    if (refs.length === 0) return;
    const solid: OwnerReference[] = [];
    const dangling: OwnerReference[] = [];
    const waiting: OwnerReference[] = [];
    for (const ref of refs) {
      const c = await this.classify(ref, node);
      if (c === 'invalid' || c === 'unknown') {
        // A reference the collector cannot judge (unserved kind, namespaced owner of a cluster-scoped object) keeps the object.
        solid.push(ref);
        continue;
      }
      if (c === 'dangling') dangling.push(ref);
      else if (c === 'waiting') waiting.push(ref);
      else solid.push(ref);
    }
    if (solid.length > 0) {
      if (dangling.length === 0 && waiting.length === 0) return;
      const drop = new Set([...dangling, ...waiting].map((r) => r.uid));
      await this.client.updateOwnerReferences(node.identity, (cur) => cur.filter((r) => !drop.has(r.uid)));
      return;
    }
    if (waiting.length > 0 && node.dependents.size > 0) {
      let current: GcObject | undefined = latest;
      for (const dep of node.dependents) {
        if (dep.deletingDependents) {
          // A dependent waits on us while our owner waits on us: a cycle. Stop blocking our owners, then go foreground.
          await this.client.updateOwnerReferences(node.identity, (cur) =>
            cur.map((r) => (r.blockOwnerDeletion === true ? { ...r, blockOwnerDeletion: false } : r)),
          );
          const { uid: _u, ...coords } = node.identity;
          current = await this.client.get(coords);
          break;
        }
      }
      if (!current || current.metadata.uid !== node.identity.uid) return;
      await this.deleteObject(node, current, 'Foreground');
      return;
    }
    const policy: Propagation = hasFinalizer(latest, FINALIZER_ORPHAN) ? 'Orphan' : hasFinalizer(latest, FINALIZER_FOREGROUND) ? 'Foreground' : 'Background';
    await this.deleteObject(node, latest, policy);
  }

  private async deleteObject(node: Node, latest: GcObject, policy: Propagation): Promise<void> {
    try {
      await this.client.delete(node.identity, policy, latest.metadata.resourceVersion);
    } catch (e) {
      if (!this.client.isConflict(e)) throw e;
      // Changed since we decided: delete anyway only if its owners are what we judged.
      const { uid: _u, ...coords } = node.identity;
      const now = await this.client.get(coords);
      if (!now || now.metadata.uid !== node.identity.uid) return;
      if (JSON.stringify(now.metadata.ownerReferences ?? []) !== JSON.stringify(latest.metadata.ownerReferences ?? [])) {
        throw new Error(`owner references of ${node.identity.kind} ${node.identity.name} changed; re-evaluating`);
      }
      await this.client.delete(node.identity, policy);
    }
  }

  private async classify(ref: OwnerReference, node: Node): Promise<'dangling' | 'waiting' | 'solid' | 'invalid' | 'unknown'> {
    const ns = node.identity.namespace;
    if (this.absent.has(this.absentKey(ref, undefined)) || this.absent.has(this.absentKey(ref, ns))) return 'dangling';
    const scope = this.client.scope(ref.apiVersion, ref.kind);
    if (!scope) return 'unknown';
    if (!ns && scope === 'namespaced') return 'invalid';
    const ownerNs = scope === 'namespaced' ? ns : undefined;
    const owner = await this.client.get({ apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name, ...(ownerNs ? { namespace: ownerNs } : {}) });
    if (!owner || owner.metadata.uid !== ref.uid) {
      this.rememberAbsent(ref, ownerNs);
      return 'dangling';
    }
    if (owner.metadata.deletionTimestamp && hasFinalizer(owner, FINALIZER_FOREGROUND)) return 'waiting';
    return 'solid';
  }

  private async processDeletingDependents(node: Node): Promise<void> {
    // An object owning itself cannot block its own deletion.
    const blocking = [...node.dependents].filter((d) => d !== node && d.owners.some((r) => r.uid === node.identity.uid && r.blockOwnerDeletion === true));
    if (blocking.length === 0) {
      await this.client.removeFinalizer(node.identity, FINALIZER_FOREGROUND);
      return;
    }
    for (const d of blocking) if (!d.deletingDependents) this.queue.attemptToDelete(d.identity.uid);
  }

  async attemptToOrphan(uid: string): Promise<void> {
    const node = this.nodes.get(uid);
    if (!node || !node.orphanPending) return;
    for (const dep of [...node.dependents]) {
      await this.client.updateOwnerReferences(dep.identity, (refs) => refs.filter((r) => r.uid !== uid));
    }
    await this.client.removeFinalizer(node.identity, FINALIZER_ORPHAN);
  }
}
