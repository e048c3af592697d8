// Baselines on bare better-sqlite3, configured like the server's store (WAL,
// synchronous=FULL): what the storage engine alone can do, with no HTTP, TLS,
// validation or JSON handling in front of it.

import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { nowMs, tempDir } from './client.js';
import { median } from './stats.js';

function open(): { db: Database.Database; dir: string } {
  const dir = tempDir('sqlite');
  const db = new Database(path.join(dir, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID');
  return { db, dir };
}

function close(db: Database.Database, dir: string): void {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

export interface RawInsertResult {
  ops: number;
  seconds: number;
  perSecond: number;
  meanMs: number;
}

/**
 * `clients` writers interleaved round-robin in this one process, each insert its
 * own transaction (so its own fsync). better-sqlite3 is synchronous: there is
 * never a second insert waiting, so nothing can be batched into one commit.
 */
export function rawInsertThroughput(clients: number, seconds: number, valueBytes: number): RawInsertResult {
  const { db, dir } = open();
  const insert = db.prepare('INSERT INTO kv (key, value) VALUES (?, ?)');
  const value = 'x'.repeat(valueBytes);
  const seq = new Array<number>(clients).fill(0);
  const t0 = nowMs();
  const end = t0 + seconds * 1000;
  let ops = 0;
  while (nowMs() < end) {
    const c = ops % clients;
    insert.run(`/registry/configmaps/bench/c${c}-${seq[c]!++}`, value);
    ops++;
  }
  const elapsed = (nowMs() - t0) / 1000;
  close(db, dir);
  return { ops, seconds: elapsed, perSecond: ops / elapsed, meanMs: (elapsed * 1000) / ops };
}

export interface RawReadResult {
  rows: number;
  rowBytes: number;
  /** SELECT of every row, values as strings. */
  readMs: number;
  /** The same, then spliced into one JSON list body (what a server storing JSON must at least do). */
  readSpliceMs: number;
  /** The same, parsing each row and serializing the list (a server that decodes objects). */
  readParseMs: number;
}

/** Reads `rows` copies of `sample` (a stored object's JSON, names varied), median of `repeats`. */
export function rawRead(rows: number, sample: string, repeats: number): RawReadResult {
  const { db, dir } = open();
  const insert = db.prepare('INSERT INTO kv (key, value) VALUES (?, ?)');
  const name = (i: number): string => `pod-${String(i).padStart(5, '0')}`;
  db.transaction(() => {
    for (let i = 0; i < rows; i++) insert.run(`/registry/pods/bench/${name(i)}`, sample.replace('"name":"pod-00000"', `"name":"${name(i)}"`));
  })();
  const select = db.prepare<[string, string], { key: string; value: string }>('SELECT key, value FROM kv WHERE key >= ? AND key < ? ORDER BY key');
  const run = (f: (vals: { value: string }[]) => unknown): number => {
    const times: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const s = nowMs();
      const all = select.all('/registry/pods/bench/', '/registry/pods/bench0');
      if (all.length !== rows) throw new Error(`raw read got ${all.length} rows, want ${rows}`);
      f(all);
      times.push(nowMs() - s);
    }
    return median(times);
  };
  const readMs = run(() => undefined);
  const readSpliceMs = run((vals) => `{"kind":"PodList","apiVersion":"v1","metadata":{},"items":[${vals.map((v) => v.value).join(',')}]}`);
  const readParseMs = run((vals) => JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: {}, items: vals.map((v) => JSON.parse(v.value) as unknown) }));
  close(db, dir);
  return { rows, rowBytes: sample.length, readMs, readSpliceMs, readParseMs };
}
