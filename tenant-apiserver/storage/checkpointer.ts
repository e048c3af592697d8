// WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside
// the commit that crosses its threshold: it fsyncs the WAL, copies ~1000 pages
// into the database file and fsyncs that, stalling every request for several
// milliseconds a few times a second under write load. The store turns it off
// and asks a worker thread, which holds its own connection, to run a PASSIVE
// checkpoint instead (it never blocks the writer or readers; SQLite syncs around
// it as with the automatic one, so crash safety is unchanged).
//
// One thread serves every store of the process: a thread is a whole V8 isolate
// (~10 MB), and a process that hosts many control planes (the bench's tenant
// hosts, tests) would otherwise carry one per store. Checkpoints are rare and
// I/O-bound, so queueing them on one thread costs nothing that matters. The
// thread starts with the first checkpoint, so a server that does not write
// much never pays for it, and ends when the last store closes.

import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const dbs = new Map();
parentPort.on('message', ({ op, id, file }) => {
  try {
    if (op === 'close') {
      dbs.get(id)?.close();
      dbs.delete(id);
      parentPort.postMessage({ id, result: 'closed' });
      return;
    }
    let db = dbs.get(id);
    if (!db) {
      db = new Database(file);
      db.pragma('busy_timeout = 5000');
      db.pragma('synchronous = NORMAL');
      dbs.set(id, db);
    }
    db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ id, result: 'done' });
  } catch (e) {
    parentPort.postMessage({ id, result: String((e && e.message) || e) });
  }
});
`;

interface Reply {
  id: number;
  result: string;
}

/** The process's one checkpoint thread and the stores waiting on it. */
const shared: { worker: Worker | undefined; waiting: Map<number, (result: string) => void>; nextId: number } = {
  worker: undefined,
  waiting: new Map(),
  nextId: 1,
};

function sharedWorker(): Worker {
  if (shared.worker) return shared.worker;
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const w = new Worker(WORKER, { eval: true, workerData: { driver } });
  w.unref();
  w.on('message', (m: Reply) => {
    const done = shared.waiting.get(m.id);
    shared.waiting.delete(m.id);
    done?.(m.result);
  });
  w.on('error', (e) => {
    // The thread died: whoever waited hears why, and the next request starts a fresh one
    // (each store's connection is reopened there on its first checkpoint).
    if (shared.worker === w) shared.worker = undefined;
    const waiting = [...shared.waiting.values()];
    shared.waiting.clear();
    for (const done of waiting) done(e.message);
  });
  shared.worker = w;
  return w;
}

/** Ids of the stores with a connection open in the shared thread. */
const openIds = new Set<number>();

/** Ends the shared thread once no store has a connection open in it. */
function releaseIfUnused(): void {
  if (openIds.size > 0 || !shared.worker) return;
  const w = shared.worker;
  shared.worker = undefined;
  void w.terminate();
}

export class Checkpointer {
  private readonly id = shared.nextId++;
  private running = false;
  private closing: Promise<void> | undefined;
  private pendingDone: Promise<void> | undefined;

  constructor(
    private readonly file: string,
    private readonly onError: (message: string) => void,
  ) {}

  /** Starts a checkpoint unless one is already running (the next request covers what this one missed). */
  request(): void {
    if (this.running || this.closing) return;
    this.running = true;
    this.pendingDone = this.send('checkpoint').then((result) => {
      this.running = false;
      if (result !== 'done') this.onError(result);
    });
  }

  /** Waits for a running checkpoint, then closes this store's connection in the thread. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.pendingDone;
      if (!openIds.has(this.id)) return;
      await this.send('close');
      openIds.delete(this.id);
      releaseIfUnused();
    })();
    return this.closing;
  }

  private send(op: 'checkpoint' | 'close'): Promise<string> {
    const w = sharedWorker();
    if (op === 'checkpoint') openIds.add(this.id);
    return new Promise<string>((resolve) => {
      shared.waiting.set(this.id, resolve);
      w.postMessage({ op, id: this.id, file: this.file });
    });
  }
}

/** Whether the shared checkpoint thread is running (for tests). */
export const checkpointThreadRunning = (): boolean => shared.worker !== undefined;
