// WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside
// the commit that crosses its threshold: it fsyncs the WAL, copies ~1000 pages
// into the database file and fsyncs that, stalling every request for several
// milliseconds a few times a second under write load. The store turns it off
// and asks this worker thread, which holds its own connection, to run a PASSIVE
// checkpoint instead (it never blocks the writer or readers; SQLite syncs around
// it as with the automatic one, so crash safety is unchanged). The thread is
// started on the first request, so a server that does not write much never pays
// for it.

import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = NORMAL');
parentPort.on('message', (m) => {
  if (m === 'close') {
    db.close();
    parentPort.postMessage('closed');
    return;
  }
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage('done');
  } catch (e) {
    parentPort.postMessage(String(e && e.message || e));
  }
});
`;

export class Checkpointer {
  private worker: Worker | undefined;
  private running = false;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly file: string,
    private readonly onError: (message: string) => void,
  ) {}

  /** Starts a checkpoint unless one is already running (the next request covers what this one missed). */
  request(): void {
    if (this.running || this.closing) return;
    this.running = true;
    if (!this.worker) {
      const driver = createRequire(import.meta.url).resolve('better-sqlite3');
      this.worker = new Worker(WORKER, { eval: true, workerData: { file: this.file, driver } });
      this.worker.unref();
      this.worker.on('error', (e) => {
        // The thread died: the next request starts a fresh one.
        this.worker = undefined;
        this.running = false;
        this.onError(e.message);
      });
    }
    this.worker.once('message', (m: string) => {
      this.running = false;
      if (m !== 'done' && m !== 'closed') this.onError(m);
    });
    this.worker.postMessage('checkpoint');
  }

  /** Waits for a running checkpoint, then closes the worker's connection and the thread. */
  close(): Promise<void> {
    const w = this.worker;
    if (!w) return Promise.resolve();
    this.closing ??= new Promise<void>((resolve) => {
      const stop = (): void => {
        w.once('message', () => void w.terminate().then(() => resolve()));
        w.postMessage('close');
      };
      if (this.running) w.once('message', stop);
      else stop();
    });
    return this.closing;
  }
}
