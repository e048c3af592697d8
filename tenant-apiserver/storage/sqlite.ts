// The embedded store: SQLite in WAL mode with synchronous=FULL, so a commit is on
// disk before it is acknowledged. Writes that arrive in the same event-loop turn
// are applied in one transaction (group commit): each op still gets its own
// revision and its own precondition check, but they share one fsync. That is what
// lets durable creates keep pace with etcd, which batches the same way.
//
// Schema: `log` is the MVCC history (one row per revision, tombstones keep the
// last value so DELETE watch events carry the object); `live` indexes the latest
// revision of each existing key so reads at the head never scan history.

import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
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

interface Pending {
  op: WriteOp;
  resolve(r: WriteResult): void;
  reject(e: Error): void;
}

export interface SqliteStoreOptions {
  /** Ring size of the in-memory watch history. */
  watchRing?: number;
  /** Called with the duration of each committed batch, in seconds, and its size. */
  onCommit?(seconds: number, ops: number): void;
}

export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly hub: WatchHub;
  private revision: number;
  private compacted: number;
  private queue: Pending[] = [];
  private flushScheduled = false;
  private closed = false;
  private readonly stmts;

  constructor(
    file: string,
    private readonly opts: SqliteStoreOptions = {},
  ) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // FULL: the WAL is fsynced at every commit, so an acknowledged write survives a crash or power loss.
    this.db.pragma('synchronous = FULL');
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
      getLive: this.db.prepare<[string], LogRow>('SELECT l.* FROM live v JOIN log l ON l.rev = v.rev WHERE v.key = ?'),
      getAt: this.db.prepare<[string, number], LogRow>('SELECT * FROM log WHERE key = ? AND rev <= ? ORDER BY rev DESC LIMIT 1'),
      rangeLive: this.db.prepare<[string, string, number], LogRow>(
        'SELECT l.* FROM live v JOIN log l ON l.rev = v.rev WHERE v.key > ? AND v.key < ? ORDER BY v.key LIMIT ?',
      ),
      rangeAt: this.db.prepare<[{ lo: string; hi: string; at: number; lim: number }], LogRow>(
        `SELECT l.* FROM log l WHERE l.rev = (SELECT MAX(rev) FROM log x WHERE x.key = l.key AND x.rev <= @at)
           AND l.key > @lo AND l.key < @hi AND l.deleted = 0
         ORDER BY l.key LIMIT @lim`,
      ),
      // Distinct keys at a revision, used to walk old snapshots in key order.
      countLive: this.db.prepare<[string, string], { n: number }>('SELECT COUNT(*) AS n FROM live WHERE key >= ? AND key < ?'),
      insertLog: this.db.prepare('INSERT INTO log (rev, key, value, create_rev, version, prev_rev, deleted) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      upsertLive: this.db.prepare('INSERT INTO live (key, rev) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET rev = excluded.rev'),
      deleteLive: this.db.prepare('DELETE FROM live WHERE key = ?'),
      setMeta: this.db.prepare('INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value'),
      getMeta: this.db.prepare<[string], { value: number }>('SELECT value FROM meta WHERE name = ?'),
      maxRev: this.db.prepare<[], { r: number | null }>('SELECT MAX(rev) AS r FROM log'),
      history: this.db.prepare<[number, string, string], LogRow>('SELECT * FROM log WHERE rev > ? AND key >= ? AND key < ? ORDER BY rev'),
      byRev: this.db.prepare<[number], LogRow>('SELECT * FROM log WHERE rev = ?'),
      compact: this.db.prepare(
        `DELETE FROM log WHERE rev <= @to AND NOT EXISTS (SELECT 1 FROM live v WHERE v.rev = log.rev)
           AND (deleted = 1 OR EXISTS (SELECT 1 FROM log n WHERE n.key = log.key AND n.rev > log.rev AND n.rev <= @to))`,
      ),
    };
    this.stmts = s;
    this.revision = Math.max(s.getMeta.get('revision')?.value ?? 0, s.maxRev.get()?.r ?? 0);
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
    const row = at === undefined ? this.stmts.getLive.get(key) : this.stmts.getAt.get(key, at);
    if (!row || row.deleted) return undefined;
    return toKv(row);
  }

  async range(prefix: string, opts: RangeOptions = {}): Promise<RangeResult> {
    const at = this.checkRevision(opts.revision);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : -1;
    // Ask for one more than the limit to learn whether more remain.
    const fetch = limit > 0 ? limit + 1 : -1;
    const lower = opts.after !== undefined && opts.after >= prefix ? opts.after : lowerBound(prefix);
    const end = prefixEnd(prefix);
    const rows =
      at === undefined ? this.stmts.rangeLive.all(lower, end, fetch) : this.stmts.rangeAt.all({ lo: lower, hi: end, at, lim: fetch });
    const inPrefix = rows.filter((r) => r.key.startsWith(prefix));
    const more = limit > 0 && inPrefix.length > limit;
    const kvs = (more ? inPrefix.slice(0, limit) : inPrefix).map(toKv);
    return { kvs, more, revision: at ?? this.revision };
  }

  async count(prefix: string): Promise<number> {
    return this.stmts.countLive.get(prefix, prefixEnd(prefix))?.n ?? 0;
  }

  write(op: WriteOp): Promise<WriteResult> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
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
    const outcomes: ({ ok: true; result: WriteResult; event: WatchEvent } | { ok: false; error: Error })[] = [];
    let rev = this.revision;
    try {
      this.db.transaction(() => {
        // Keys touched earlier in this batch: later ops must see them, and the live
        // table already reflects them because we write through as we go.
        for (const p of batch) {
          try {
            const r = this.apply(p.op, rev + 1);
            rev++;
            outcomes.push({ ok: true, ...r });
          } catch (e) {
            outcomes.push({ ok: false, error: e as Error });
          }
        }
        if (rev !== this.revision) this.stmts.setMeta.run('revision', rev);
      })();
    } catch (e) {
      // The transaction rolled back: nothing in this batch is durable.
      for (const p of batch) p.reject(e as Error);
      return;
    }
    this.revision = rev;
    this.opts.onCommit?.(Number(process.hrtime.bigint() - started) / 1e9, batch.length);
    const events: WatchEvent[] = [];
    batch.forEach((p, i) => {
      const o = outcomes[i]!;
      if (o.ok) {
        events.push(o.event);
        p.resolve(o.result);
      } else {
        p.reject(o.error);
      }
    });
    if (events.length > 0) this.hub.publish(events);
  }

  private apply(op: WriteOp, rev: number): { result: WriteResult; event: WatchEvent } {
    const prevRow = this.stmts.getLive.get(op.key);
    const prev = prevRow ? toKv(prevRow) : undefined;
    if (op.type === 'create') {
      if (prev) throw new KeyExistsError(op.key);
      this.stmts.insertLog.run(rev, op.key, op.value, rev, 1, 0, 0);
      this.stmts.upsertLive.run(op.key, rev);
      const kv: KeyValue = { key: op.key, value: op.value, createRevision: rev, modRevision: rev, version: 1 };
      return { result: { revision: rev, kv }, event: { type: 'PUT', kv } };
    }
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
    const rows = this.stmts.history.all(after, prefix, prefixEnd(prefix));
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
    })();
    this.compacted = to;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.queue.length > 0) this.flush();
    this.db.close();
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
