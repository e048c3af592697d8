// The embedded store: SQLite in WAL mode; a write is acknowledged only once its
// commit is fsynced. Writes that arrive in the same event-loop turn are applied in
// one transaction (group commit): each op still gets its own revision and its own
// precondition check, but they share one fsync. That is what lets durable creates
// keep pace with etcd, which batches the same way.
//
// The fsync runs off the event loop. synchronous=FULL would fsync the WAL inside
// the commit, blocking every request for the length of a disk flush (~45% of the
// server's busy time under write load). Instead the connection runs with
// synchronous=NORMAL (SQLite then syncs only around checkpoints, which keeps the
// database consistent) and the store syncs the WAL file itself on libuv's thread
// pool after each commit (fdatasync, as SQLite and etcd sync their logs: the data
// and the file size, not the modification time, which would cost a journal commit
// on every write), while the main thread goes on parsing and committing the
// next requests. Until that fsync returns, a committed batch is "in flight": its
// writers are not answered, watchers do not see it, and reads are served as of the
// last durable revision (keys touched in flight are read at that revision), so
// nothing a client can observe is lost by a crash or power cut. Preconditions of
// new writes are checked against the newest state including batches in flight,
// and outcomes (failures too) are delivered in revision order once durable, so a
// writer retrying a conflict re-reads a state that contains the winner.
//
// Schema: `log` is the MVCC history (one row per revision, tombstones keep the
// last value so DELETE watch events carry the object); `live` indexes the latest
// revision of each existing key so reads at the head never scan history.

import Database from 'better-sqlite3';
import { LRUCache } from 'lru-cache';
import fs from 'node:fs';
import path from 'node:path';
import { Checkpointer } from './checkpointer.js';
import { WatchHub } from './watch-hub.js';
import {
  CompactedError,
  FutureRevisionError,
  KeyExistsError,
  KeyNotFoundError,
  RevisionMismatchError,
  prefixEnd,
  type KeyValue,
  type RangeOptions,
  type RangeResult,
  type Store,
  type WatchEvent,
  type WatchHandle,
  type WatchOptions,
  type WriteOp,
  type WriteResult,
} from './types.js';

interface LogRow {
  rev: number;
  key: string;
  value: string;
  create_rev: number;
  version: number;
  prev_rev: number;
  deleted: number;
}

// Rows are read as arrays (better-sqlite3's raw mode) and made into objects here: its own row
// objects are built property by property, ~6 µs of a 2 KB row's ~15 µs read.
const LOG_COLS = 'l.rev, l.key, l.value, l.create_rev, l.version, l.prev_rev, l.deleted';
type RawRow = [number, string, string, number, number, number, number];
const RANGE_LIVE = `SELECT ${LOG_COLS} FROM live v JOIN log l ON l.rev = v.rev WHERE v.key > ? AND v.key < ? ORDER BY v.key`;
const RANGE_AT = `SELECT ${LOG_COLS} FROM log l WHERE l.rev = (SELECT MAX(rev) FROM log x WHERE x.key = l.key AND x.rev <= @at)
  AND l.key > @lo AND l.key < @hi AND l.deleted = 0 ORDER BY l.key`;
/** Limited range statements kept prepared. */
const LIMITED_STATEMENTS = 16;

function toRow(r: RawRow): LogRow {
  return { rev: r[0], key: r[1], value: r[2], create_rev: r[3], version: r[4], prev_rev: r[5], deleted: r[6] };
}

interface RowStatement<P extends unknown[]> {
  get(...params: P): LogRow | undefined;
  all(...params: P): LogRow[];
}

function rowStatement<P extends unknown[]>(db: Database.Database, sql: string): RowStatement<P> {
  const st = db.prepare<P, RawRow>(sql).raw(true);
  return {
    get: (...params) => {
      const r = st.get(...params);
      return r === undefined ? undefined : toRow(r);
    },
    all: (...params) => {
      const rows = st.all(...params);
      const out = new Array<LogRow>(rows.length);
      for (let i = 0; i < rows.length; i++) out[i] = toRow(rows[i]!);
      return out;
    },
  };
}

interface Pending {
  op: WriteOp;
  resolve(r: WriteResult): void;
  reject(e: Error): void;
}

type Outcome = { ok: true; result: WriteResult; event: WatchEvent } | { ok: false; error: Error };

/** A committed batch waiting for the fsync that makes it durable. */
interface InFlight {
  batch: Pending[];
  outcomes: Outcome[];
  /** The last revision this batch wrote (= the previous one's when every op failed). */
  revision: number;
  /** Keys this batch wrote. */
  keys: string[];
  started: bigint;
}

export interface SqliteStoreOptions {
  /** Ring size of the in-memory watch history. */
  watchRing?: number;
  /**
   * Called once per fsync with the writes it made durable and the time from the
   * first of them being committed to the fsync returning, in seconds.
   */
  onCommit?(seconds: number, ops: number): void;
}

const HOT_ROWS = 256;
/** Writes between WAL checkpoints: ~3-4 pages each, about SQLite's default of 1000 pages. */
const CHECKPOINT_EVERY = 250;

export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly hub: WatchHub;
  /** The last durable revision: everything readers and watchers see. */
  private revision: number;
  /** The last revision committed to the WAL (≥ revision; greater while batches are in flight). */
  private written: number;
  private compacted: number;
  private queue: Pending[] = [];
  private flushScheduled = false;
  private closed = false;
  private readonly stmts;
  /** One batch's ops in one transaction; returns the last revision used. */
  private readonly applyBatch: (batch: Pending[], from: number, outcomes: Outcome[], keys: string[]) => number;
  /** The WAL file, fsynced after each commit to make it durable (undefined for an in-memory database). */
  private readonly walFd: number | undefined;
  private inFlight: InFlight[] = [];
  /** Keys written by in-flight batches, with how many such writes: reads see them at `revision`. */
  private readonly pendingKeys = new Map<string, number>();
  private syncing = false;
  /**
   * Recently read durable rows at the head, by key (least recently used first):
   * some keys are read on every request — the namespace of each create — and a
   * SQLite lookup costs more than the rest of that check. A write to a key drops it.
   */
  private readonly hot = new Map<string, LogRow>();
  /** Range statements by kind and limit. */
  private readonly limitedStmts = new LRUCache<string, RowStatement<never>>({ max: LIMITED_STATEMENTS });
  private syncIdle: (() => void)[] = [];
  private readonly checkpointer: Checkpointer | undefined;
  private writesSinceCheckpoint = 0;
  private failed: Error | undefined;

  constructor(
    file: string,
    private readonly opts: SqliteStoreOptions = {},
  ) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file);
    const journal = this.db.pragma('journal_mode = WAL', { simple: true });
    // NORMAL: SQLite syncs the WAL before each checkpoint and the database after it, so the file
    // stays consistent; per-commit durability comes from our own fsync of the WAL (see above).
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS log (
        rev INTEGER PRIMARY KEY,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        create_rev INTEGER NOT NULL,
        version INTEGER NOT NULL,
        prev_rev INTEGER NOT NULL,
        deleted INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS log_key_rev ON log(key, rev);
      CREATE TABLE IF NOT EXISTS live (key TEXT PRIMARY KEY, rev INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
    `);
    const s = {
      getLive: rowStatement<[string]>(this.db, `SELECT ${LOG_COLS} FROM live v JOIN log l ON l.rev = v.rev WHERE v.key = ?`),
      getAt: rowStatement<[string, number]>(this.db, `SELECT ${LOG_COLS} FROM log l WHERE key = ? AND rev <= ? ORDER BY rev DESC LIMIT 1`),
      // Unlimited ranges; limited ones come from limited().
      rangeLive: rowStatement<[string, string]>(this.db, RANGE_LIVE),
      rangeAt: rowStatement<[{ lo: string; hi: string; at: number }]>(this.db, RANGE_AT),
      countLive: this.db.prepare<[string, string], { n: number }>('SELECT COUNT(*) AS n FROM live WHERE key >= ? AND key < ?'),
      insertLog: this.db.prepare('INSERT INTO log (rev, key, value, create_rev, version, prev_rev, deleted) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      upsertLive: this.db.prepare('INSERT INTO live (key, rev) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET rev = excluded.rev'),
      insertLive: this.db.prepare('INSERT INTO live (key, rev) VALUES (?, ?)'),
      deleteLive: this.db.prepare('DELETE FROM live WHERE key = ?'),
      setMeta: this.db.prepare('INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value'),
      getMeta: this.db.prepare<[string], { value: number }>('SELECT value FROM meta WHERE name = ?'),
      maxRev: this.db.prepare<[], { r: number | null }>('SELECT MAX(rev) AS r FROM log'),
      history: rowStatement<[number, number, string, string]>(
        this.db,
        `SELECT ${LOG_COLS} FROM log l WHERE rev > ? AND rev <= ? AND key >= ? AND key < ? ORDER BY rev`,
      ),
      byRev: rowStatement<[number]>(this.db, `SELECT ${LOG_COLS} FROM log l WHERE rev = ?`),
      compact: this.db.prepare(
        `DELETE FROM log WHERE rev <= @to AND NOT EXISTS (SELECT 1 FROM live v WHERE v.rev = log.rev)
           AND (deleted = 1 OR EXISTS (SELECT 1 FROM log n WHERE n.key = log.key AND n.rev > log.rev AND n.rev <= @to))`,
      ),
    };
    this.stmts = s;
    // Made once: better-sqlite3 builds a transaction function's wrappers (and BEGIN/COMMIT
    // statements) each time one is made, ~3% of a create when it was made per batch.
    this.applyBatch = this.db.transaction((batch: Pending[], from: number, outcomes: Outcome[], keys: string[]): number => {
      let rev = from;
      // Later ops in the batch see earlier ones: the live table is written through as we go.
      for (const p of batch) {
        try {
          const r = this.apply(p.op, rev + 1);
          rev++;
          keys.push(p.op.key);
          outcomes.push({ ok: true, ...r });
        } catch (e) {
          outcomes.push({ ok: false, error: e as Error });
        }
      }
      return rev;
    });
    // The WAL exists from the first read in WAL mode; it is kept (and reset in place) until the last connection closes.
    if (journal === 'wal') {
      this.db.pragma('wal_autocheckpoint = 0');
      this.checkpointer = new Checkpointer(file, (message) => {
        // Correctness does not depend on the worker: fall back to SQLite's own checkpoints.
        process.emitWarning(`WAL checkpoint worker failed (${message}); checkpointing on the main thread`);
        this.db.pragma('wal_autocheckpoint = 1000');
      });
      this.walFd = fs.openSync(`${file}-wal`, 'r');
      // Its directory entry must be durable too, or a power cut could lose the whole file.
      fsyncDir(path.dirname(file));
    }
    this.revision = Math.max(s.getMeta.get('revision')?.value ?? 0, s.maxRev.get()?.r ?? 0);
    this.written = this.revision;
    this.compacted = s.getMeta.get('compacted')?.value ?? 0;
    this.hub = new WatchHub(
      {
        readHistory: (after, prefix) => this.readHistory(after, prefix),
        compactedRevision: () => this.compacted,
        currentRevision: () => this.revision,
      },
      opts.watchRing ?? 4096,
    );
  }

  /**
   * A range statement with its LIMIT written into the SQL, one per limit in use (a few: clients
   * page by 500, kubectl's --chunk-size, watch-list pages). SQLite runs `LIMIT ?` about 30 µs
   * slower per execution than a literal limit, ten times an empty range's whole cost, and
   * admission's small per-namespace lists run on every create.
   */
  private limited(kind: 'live', limit: number): RowStatement<[string, string]>;
  private limited(kind: 'at', limit: number): RowStatement<[{ lo: string; hi: string; at: number }]>;
  private limited(kind: 'live' | 'at', limit: number): RowStatement<never> {
    const key = `${kind}:${limit}`;
    let st = this.limitedStmts.get(key);
    if (!st) this.limitedStmts.set(key, (st = rowStatement(this.db, `${kind === 'live' ? RANGE_LIVE : RANGE_AT} LIMIT ${Math.trunc(limit)}`)));
    return st;
  }

  currentRevision(): number {
    return this.revision;
  }

  compactedRevision(): number {
    return this.compacted;
  }

  get watcherCount(): number {
    return this.hub.watcherCount;
  }

  private checkRevision(rev: number | undefined): number | undefined {
    if (!rev) return undefined;
    if (rev > this.revision) throw new FutureRevisionError(rev, this.revision);
    if (rev <= this.compacted) throw new CompactedError(rev, this.compacted);
    return rev >= this.revision ? undefined : rev;
  }

  async get(key: string, revision?: number): Promise<KeyValue | undefined> {
    const at = this.checkRevision(revision);
    const row = this.readRow(key, at);
    if (!row || row.deleted) return undefined;
    return toKv(row);
  }

  /** A key's row as of `at`, or of the last durable revision when undefined (never an in-flight write). */
  private readRow(key: string, at: number | undefined): LogRow | undefined {
    if (at !== undefined) return this.stmts.getAt.get(key, at);
    if (this.pendingKeys.has(key)) return this.stmts.getAt.get(key, this.revision);
    let row = this.hot.get(key);
    if (row) this.hot.delete(key);
    else row = this.stmts.getLive.get(key);
    if (row) {
      this.hot.set(key, row);
      if (this.hot.size > HOT_ROWS) this.hot.delete(this.hot.keys().next().value!);
    }
    return row;
  }

  /** In-flight keys inside [lower, end) that start with prefix. */
  private pendingIn(prefix: string, lower: string, end: string): string[] {
    const out: string[] = [];
    for (const k of this.pendingKeys.keys()) if (k > lower && k < end && k.startsWith(prefix)) out.push(k);
    return out;
  }

  async range(prefix: string, opts: RangeOptions = {}): Promise<RangeResult> {
    const at = this.checkRevision(opts.revision);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : -1;
    // Ask for one more than the limit to learn whether more remain.
    const fetch = limit > 0 ? limit + 1 : -1;
    const lower = opts.after !== undefined && opts.after >= prefix ? opts.after : lowerBound(prefix);
    const end = prefixEnd(prefix);
    let rows: LogRow[];
    if (at !== undefined) rows = fetch > 0 ? this.limited('at', fetch).all({ lo: lower, hi: end, at }) : this.stmts.rangeAt.all({ lo: lower, hi: end, at });
    else {
      const pending = this.pendingIn(prefix, lower, end);
      rows = fetch > 0 ? this.limited('live', fetch + pending.length).all(lower, end) : this.stmts.rangeLive.all(lower, end);
      if (pending.length > 0) {
        // Swap in-flight keys for their durable state (absent when created in flight, present when deleted in flight).
        const skip = new Set(pending);
        rows = rows.filter((r) => !skip.has(r.key));
        for (const k of pending) {
          const r = this.stmts.getAt.get(k, this.revision);
          if (r && !r.deleted) rows.push(r);
        }
        rows.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
        if (fetch > 0) rows = rows.slice(0, fetch);
      }
    }
    const inPrefix = rows.filter((r) => r.key.startsWith(prefix));
    const more = limit > 0 && inPrefix.length > limit;
    const kvs = (more ? inPrefix.slice(0, limit) : inPrefix).map(toKv);
    return { kvs, more, revision: at ?? this.revision };
  }

  async count(prefix: string): Promise<number> {
    let n = this.stmts.countLive.get(prefix, prefixEnd(prefix))?.n ?? 0;
    for (const k of this.pendingIn(prefix, lowerBound(prefix), prefixEnd(prefix))) {
      const durable = this.stmts.getAt.get(k, this.revision);
      n += (durable && !durable.deleted ? 1 : 0) - (this.stmts.getLive.get(k) ? 1 : 0);
    }
    return n;
  }

  write(op: WriteOp): Promise<WriteResult> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      this.queue.push({ op, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        // setImmediate lets every request already read off the sockets join this batch.
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    const started = process.hrtime.bigint();
    const outcomes: Outcome[] = [];
    const keys: string[] = [];
    let rev = this.written;
    try {
      rev = this.applyBatch(batch, rev, outcomes, keys);
    } catch (e) {
      // The transaction rolled back: nothing in this batch was written.
      for (const p of batch) p.reject(e as Error);
      return;
    }
    this.written = rev;
    this.writesSinceCheckpoint += keys.length;
    if (this.checkpointer && this.writesSinceCheckpoint >= CHECKPOINT_EVERY) {
      this.writesSinceCheckpoint = 0;
      this.checkpointer.request();
    }
    for (const k of keys) this.pendingKeys.set(k, (this.pendingKeys.get(k) ?? 0) + 1);
    this.inFlight.push({ batch, outcomes, revision: rev, keys, started });
    this.sync();
  }

  /**
   * One fsync of the WAL at a time, covering every batch committed before it
   * started; batches committed meanwhile wait for the next one (a second level of
   * group commit: the slower the disk, the bigger the batches).
   */
  private sync(): void {
    if (this.syncing) return;
    // A batch whose ops all failed wrote nothing: it needs no fsync, only its turn.
    while (this.inFlight.length > 0 && this.inFlight[0]!.keys.length === 0) this.complete(this.inFlight.shift()!);
    if (this.inFlight.length === 0) {
      for (const f of this.syncIdle.splice(0)) f();
      return;
    }
    this.syncing = true;
    const covered = this.inFlight;
    this.inFlight = [];
    const synced = (err: Error | null): void => {
      this.syncing = false;
      if (err) this.fail(err, covered);
      else {
        const ops = covered.reduce((n, f) => n + f.batch.length, 0);
        this.opts.onCommit?.(Number(process.hrtime.bigint() - covered[0]!.started) / 1e9, ops);
        for (const f of covered) this.complete(f);
      }
      this.sync();
    };
    // An in-memory database (tests) has nothing to make durable.
    // fdatasync: the WAL's data and size are what a restart needs (see the top of this file).
    if (this.walFd === undefined) synced(null);
    else fs.fdatasync(this.walFd, synced);
  }

  /** A batch is durable: make it visible, answer its writers, then tell watchers, in revision order. */
  private complete(f: InFlight): void {
    this.revision = f.revision;
    for (const k of f.keys) {
      const n = this.pendingKeys.get(k)!;
      if (n <= 1) this.pendingKeys.delete(k);
      else this.pendingKeys.set(k, n - 1);
    }
    const events: WatchEvent[] = [];
    f.batch.forEach((p, i) => {
      const o = f.outcomes[i]!;
      if (o.ok) {
        events.push(o.event);
        p.resolve(o.result);
      } else {
        p.reject(o.error);
      }
    });
    if (events.length > 0) this.hub.publish(events);
  }

  /**
   * An fsync failed: whether those pages reached the disk is unknown (and Linux
   * may already have dropped them), so no later write can be acknowledged
   * either. Like etcd on a failed WAL sync, the store stops accepting writes;
   * a restart recovers whatever the disk holds.
   */
  private fail(err: Error, covered: InFlight[]): void {
    this.failed = new Error(`storage fsync failed, store stopped: ${err.message}`);
    for (const f of [...covered, ...this.inFlight.splice(0)]) for (const p of f.batch) p.reject(this.failed);
    for (const p of this.queue.splice(0)) p.reject(this.failed);
  }

  private apply(op: WriteOp, rev: number): { result: WriteResult; event: WatchEvent } {
    this.hot.delete(op.key);
    if (op.type === 'create') {
      // The live table's key is unique: claiming it is the existence check (a failed statement
      // leaves the transaction as it was), which saves reading the key first on every create.
      try {
        this.stmts.insertLive.run(op.key, rev);
      } catch (e) {
        if (String((e as { code?: unknown }).code).startsWith('SQLITE_CONSTRAINT')) throw new KeyExistsError(op.key);
        throw e;
      }
      try {
        this.stmts.insertLog.run(rev, op.key, op.value, rev, 1, 0, 0);
      } catch (e) {
        // The batch goes on without this op: its claim on the key must not outlive it.
        this.stmts.deleteLive.run(op.key);
        throw e;
      }
      const kv: KeyValue = { key: op.key, value: op.value, createRevision: rev, modRevision: rev, version: 1 };
      return { result: { revision: rev, kv }, event: { type: 'PUT', kv } };
    }
    const prevRow = this.stmts.getLive.get(op.key);
    const prev = prevRow ? toKv(prevRow) : undefined;
    if (!prev) throw new KeyNotFoundError(op.key);
    if (op.expectedModRevision !== undefined && op.expectedModRevision !== prev.modRevision) {
      throw new RevisionMismatchError(op.key, prev.modRevision);
    }
    if (op.type === 'update') {
      const kv: KeyValue = { key: op.key, value: op.value, createRevision: prev.createRevision, modRevision: rev, version: prev.version + 1 };
      this.stmts.insertLog.run(rev, op.key, op.value, prev.createRevision, kv.version, prev.modRevision, 0);
      this.stmts.upsertLive.run(op.key, rev);
      return { result: { revision: rev, kv, prevKv: prev }, event: { type: 'PUT', kv, prevKv: prev } };
    }
    // Tombstone keeps the last value so history replays can emit a full DELETED object.
    this.stmts.insertLog.run(rev, op.key, prev.value, prev.createRevision, prev.version, prev.modRevision, 1);
    this.stmts.deleteLive.run(op.key);
    const kv: KeyValue = { ...prev, modRevision: rev };
    return { result: { revision: rev, kv, prevKv: prev }, event: { type: 'DELETE', kv, prevKv: prev } };
  }

  private readHistory(after: number, prefix: string): WatchEvent[] {
    const rows = this.stmts.history.all(after, this.revision, prefix, prefixEnd(prefix));
    return rows.map((r) => {
      const prevRow = r.prev_rev ? this.stmts.byRev.get(r.prev_rev) : undefined;
      const prevKv = prevRow ? toKv(prevRow) : undefined;
      if (r.deleted) return { type: 'DELETE', kv: { ...toKv(r), modRevision: r.rev }, prevKv };
      return { type: 'PUT', kv: toKv(r), prevKv };
    });
  }

  watch(prefix: string, opts: WatchOptions): WatchHandle {
    return this.hub.watch(prefix, opts);
  }

  async compact(revision: number): Promise<void> {
    if (revision <= this.compacted) return;
    const to = Math.min(revision, this.revision);
    this.db.transaction(() => {
      this.stmts.compact.run({ to });
      this.stmts.setMeta.run('compacted', to);
      // The log's highest row gives the revision on restart, unless compaction removed it (a
      // tombstone): the revision is recorded here, so commits need not write it (one page less each).
      this.stmts.setMeta.run('revision', this.written);
    })();
    this.compacted = to;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.queue.length > 0) this.flush();
    // Writers already committed are answered once durable, before the connection goes.
    if (this.syncing || this.inFlight.length > 0) await new Promise<void>((r) => this.syncIdle.push(r));
    await this.checkpointer?.close();
    this.db.close();
    if (this.walFd !== undefined) fs.closeSync(this.walFd);
  }
}

function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function toKv(r: LogRow): KeyValue {
  return { key: r.key, value: r.value, createRevision: r.create_rev, modRevision: r.rev, version: r.version };
}

/** A string just below every key that starts with prefix (the range is exclusive). */
function lowerBound(prefix: string): string {
  if (prefix === '') return '';
  const last = prefix.charCodeAt(prefix.length - 1);
  return prefix.slice(0, -1) + String.fromCharCode(last - 1) + '\uffff';
}
