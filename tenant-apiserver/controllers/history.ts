// ControllerRevisions for StatefulSets and DaemonSets (pkg/controller/history):
// each distinct pod template is stored as a revision whose data is the patch
// `{"spec":{"template":{…,"$patch":"replace"}}}`, named `<owner>-<hash>` and
// labelled with the hash. Returning to an old template re-numbers its revision
// rather than making a new one; a hash clash with different data bumps the
// owner's collisionCount.

import type { Registry, ResourceInfo } from '../api/registry.js';
import type { ResourceStore } from '../api/store.js';
import { ApiError } from '../api/errors.js';
import { asObj, clone, deepEqual, num } from '../api/strategies/util.js';
import type { KubeObject, StoredObject, UserInfo } from '../api/types.js';
import { controllerOf, controllerRef, ignoreNotFound, resource, spec, status, unpinned } from './common.js';
import { controllerRevisionHash, semanticNormalize } from './hash.js';

export const CONTROLLER_REVISION_HASH_LABEL = 'controller-revision-hash';

/** The patch a revision stores: the owner's pod template, replacing the whole template. */
export function revisionData(owner: KubeObject): Record<string, unknown> {
  const template = clone(asObj(spec(owner).template) ?? {});
  return { spec: { template: { ...template, $patch: 'replace' } } };
}

/** The pod template a revision holds. */
export function templateOfRevision(rev: KubeObject): Record<string, unknown> {
  const t = clone(asObj(asObj(asObj(rev.data)?.spec)?.template) ?? {});
  delete t.$patch;
  return t;
}

export function revisionNumber(rev: KubeObject): number {
  return num(rev.revision) ?? 0;
}

/** ControllerRevisionName: `<prefix>-<hash>`, the prefix cut to leave room in 253 characters. */
export function revisionName(prefix: string, hash: string): string {
  return `${prefix.length > 223 ? prefix.slice(0, 223) : prefix}-${hash}`;
}

/** NewControllerRevision. */
export function newControllerRevision(owner: StoredObject, revision: number, collisionCount: number | undefined): KubeObject {
  const data = revisionData(owner);
  const hash = controllerRevisionHash(semanticNormalize(data), collisionCount);
  const labels = { ...((asObj(asObj(asObj(spec(owner).template)?.metadata)?.labels) ?? {}) as Record<string, string>), [CONTROLLER_REVISION_HASH_LABEL]: hash };
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: { name: revisionName(owner.metadata.name, hash), namespace: owner.metadata.namespace, labels, ownerReferences: [controllerRef(owner)] },
    data,
    revision,
  };
}

export interface Revisions {
  /** The revision for the owner's current template. */
  update: StoredObject;
  /** All revisions the owner controls, oldest revision number first (after any writes). */
  all: StoredObject[];
  collisionCount: number;
}

export function revisionsInfo(registry: Registry): ResourceInfo {
  return resource(registry, 'apps', 'v1', 'controllerrevisions');
}

/**
 * getStatefulSetRevisions / constructHistory: find the revision matching the
 * current template (re-numbering it to the newest if it is an old one) or
 * create it. Throws after bumping collisionCount when a namesake with other
 * data exists, so the caller retries with the new count.
 */
export async function syncRevisions(
  registry: Registry,
  store: ResourceStore,
  owner: StoredObject,
  user: UserInfo,
  bumpCollisionCount: (n: number) => Promise<void>,
): Promise<Revisions> {
  const info = revisionsInfo(registry);
  const list = (await store.list(info, owner.metadata.namespace)).items.filter((r) => controllerOf(r)?.uid === owner.metadata.uid);
  list.sort((a, b) => revisionNumber(a) - revisionNumber(b) || a.metadata.creationTimestamp.localeCompare(b.metadata.creationTimestamp));
  const collisionCount = num(status(owner).collisionCount) ?? 0;
  const next = list.length ? revisionNumber(list[list.length - 1]!) + 1 : 1;
  const data = revisionData(owner);
  const same = (x: unknown) => deepEqual(semanticNormalize(x), semanticNormalize(data));
  const equal = list.filter((r) => same(r.data));
  if (equal.length > 0) {
    const last = equal[equal.length - 1]!;
    if (last.metadata.uid === list[list.length - 1]!.metadata.uid) return { update: last, all: list, collisionCount };
    // Rolling back to an old template: it becomes the newest revision again.
    const r = await store.update(
      info,
      last.metadata.namespace,
      last.metadata.name,
      (cur) => {
        if (!cur || cur.metadata.uid !== last.metadata.uid) throw new ApiError(404, 'NotFound', 'gone');
        return unpinned({ ...cur, revision: next });
      },
      { user },
    );
    const all = list.map((x) => (x.metadata.uid === last.metadata.uid ? r.object : x)).sort((a, b) => revisionNumber(a) - revisionNumber(b));
    return { update: r.object, all, collisionCount };
  }
  const rev = newControllerRevision(owner, next, collisionCount);
  try {
    const created = await store.create(info, owner.metadata.namespace, rev, { user });
    return { update: created, all: [...list, created], collisionCount };
  } catch (e) {
    if (!(e instanceof ApiError && e.reason === 'AlreadyExists')) throw e;
    const existing = await ignoreNotFound(store.get(info, owner.metadata.namespace, rev.metadata!.name!));
    if (existing && controllerOf(existing)?.uid === owner.metadata.uid && same(existing.data)) {
      return { update: existing, all: [...list, existing], collisionCount };
    }
    await bumpCollisionCount(collisionCount + 1);
    throw e;
  }
}

/** Delete the oldest revisions beyond `limit`, never one in `live` (names). */
export async function truncateHistory(registry: Registry, store: ResourceStore, all: StoredObject[], live: Set<string>, limit: number, user: UserInfo): Promise<void> {
  const candidates = all.filter((r) => !live.has(r.metadata.name));
  const excess = candidates.length - limit;
  for (let i = 0; i < excess; i++) {
    const r = candidates[i]!;
    await ignoreNotFound(store.delete(revisionsInfo(registry), r.metadata.namespace, r.metadata.name, { preconditions: { uid: r.metadata.uid } }, { user }));
  }
}
