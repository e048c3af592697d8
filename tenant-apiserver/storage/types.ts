// The storage contract, shaped like etcd's KV API (the store kube-apiserver itself
// uses): one global revision, reads at a revision, compare-and-swap on a key's
// modification revision, watch from a revision, compaction. The API layer only
// ever talks to this interface, so an etcd backend can slot in beside SQLite.

export interface KeyValue {
  key: string;
  /** Serialised object (JSON text). */
  value: string;
  /** Revision at which the key was created (reset when deleted and re-created). */
  createRevision: number;
  /** Revision of the last modification: this is the object's resourceVersion. */
  modRevision: number;
  /** Number of modifications since creation, starting at 1. */
  version: number;
}

export interface RangeOptions {
  /** Read as of this revision (0/undefined: latest). Older than the compacted revision → CompactedError. */
  revision?: number;
  /** Maximum keys returned; 0/undefined: no limit. */
  limit?: number;
  /** Only keys strictly greater than this one (for pagination). */
  after?: string;
}

export interface RangeResult {
  kvs: KeyValue[];
  /** Whether more keys remain in the range after the last one returned. */
  more: boolean;
  /** The revision the read was served at. */
  revision: number;
}

export type WriteOp =
  /** Create: fails with KeyExistsError if the key exists. */
  | { type: 'create'; key: string; value: string }
  /** Update: fails with KeyNotFoundError if absent, RevisionMismatchError if modRevision differs (when given). */
  | { type: 'update'; key: string; value: string; expectedModRevision?: number }
  /** Delete: same preconditions as update. */
  | { type: 'delete'; key: string; expectedModRevision?: number };

export interface WriteResult {
  /** The revision the write committed at. */
  revision: number;
  /** The key's state after the write (for delete: the last value, modRevision = the delete revision). */
  kv: KeyValue;
  /** The state before the write (absent for create). */
  prevKv?: KeyValue;
}

export interface WatchEvent {
  type: 'PUT' | 'DELETE';
  /** For PUT the new state; for DELETE the last value with modRevision = the delete revision. */
  kv: KeyValue;
  /** The previous state (for PUT of an existing key and for DELETE). */
  prevKv?: KeyValue;
}

export interface WatchHandle {
  cancel(): void;
}

export interface WatchOptions {
  /** Deliver events with revision > afterRevision. Older than the history window → CompactedError thrown synchronously. */
  afterRevision: number;
  /** Called for each batch of events, in revision order (the array may be shared with other watchers). */
  onEvents(events: readonly WatchEvent[]): void;
}

export interface Store {
  /** The latest committed revision. */
  currentRevision(): number;
  /** The oldest revision still readable (everything ≤ this was compacted away). */
  compactedRevision(): number;
  get(key: string, revision?: number): Promise<KeyValue | undefined>;
  /** Keys starting with prefix, sorted by key. */
  range(prefix: string, opts?: RangeOptions): Promise<RangeResult>;
  /** Count keys under a prefix at the latest revision. */
  count(prefix: string): Promise<number>;
  /** Durable once resolved. Preconditions are checked atomically with the write. */
  write(op: WriteOp): Promise<WriteResult>;
  watch(prefix: string, opts: WatchOptions): WatchHandle;
  /** Drop history at or below revision (not the latest value of live keys). */
  compact(revision: number): Promise<void>;
  close(): Promise<void>;
}

export class StorageError extends Error {}

export class KeyExistsError extends StorageError {
  constructor(readonly key: string) {
    super(`key exists: ${key}`);
  }
}

export class KeyNotFoundError extends StorageError {
  constructor(readonly key: string) {
    super(`key not found: ${key}`);
  }
}

export class RevisionMismatchError extends StorageError {
  constructor(
    readonly key: string,
    readonly actual: number,
  ) {
    super(`revision mismatch on ${key}: actual ${actual}`);
  }
}

export class CompactedError extends StorageError {
  constructor(
    readonly requested: number,
    readonly compacted: number,
  ) {
    super(`required revision ${requested} has been compacted (oldest available ${compacted + 1})`);
  }
}

/** Revision requested is in the future. */
export class FutureRevisionError extends StorageError {
  constructor(
    readonly requested: number,
    readonly current: number,
  ) {
    super(`required revision ${requested} is a future revision (current ${current})`);
  }
}

/** The smallest string greater than every string with this prefix. */
export function prefixEnd(prefix: string): string {
  return prefix + '\uffff';
}
