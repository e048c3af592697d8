// The load we put on a tenant API server (or on the bare https baseline): paced
// open-loop creates, closed-loop create throughput, bulk pod creation and
// listing, and watch fan-out.

import https from 'node:https';
import fs from 'node:fs';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { Client, nowMs, sleep } from './client.js';
import { mean, median, percentile } from './stats.js';
import type { WatchWorkerData, WatchWorkerMessage } from './watch-worker.js';

/** User + system CPU seconds a process has used so far (from /proc/PID/stat). */
export function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are the 14th and 15th fields overall.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) / 100;
}

export interface PacedResult {
  sent: number;
  ok: number;
  errors: string[];
  /** Response minus send time. */
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** p99 of how late sends left against their schedule. */
  sendLagP99Ms: number;
  seconds: number;
}

/**
 * Open loop: request i is sent at t0 + i/rate whatever happened to earlier ones
 * (sends never wait for responses, so a slow server cannot slow the sender and
 * hide its stalls: a stall shows up in every request queued behind it).
 * Latency counts from the actual send; how late sends were against their
 * schedule (timer granularity, the client's own event loop) is reported apart.
 */
export async function pacedCreates(client: Client, count: number, rate: number, make: (i: number) => { path: string; body: unknown }, progress?: (done: number) => void): Promise<PacedResult> {
  const lat: number[] = [];
  const lag: number[] = [];
  const errors: string[] = [];
  const inflight: Promise<void>[] = [];
  const t0 = nowMs() + 20;
  const interval = 1000 / rate;
  let i = 0;
  while (i < count) {
    const wait = t0 + i * interval - nowMs();
    if (wait > 0) {
      // Always yield to the event loop (never spin): responses must be read while we wait.
      await sleep(wait);
      continue;
    }
    // Fire everything that is due (timers can be late; we never skip a send).
    while (i < count && t0 + i * interval <= nowMs()) {
      const { path, body } = make(i);
      const sent = nowMs();
      lag.push(sent - (t0 + i * interval));
      inflight.push(
        client.request('POST', path, body).then(
          (r) => {
            if (r.code === 201) lat.push(nowMs() - sent);
            else errors.push(`${r.code}: ${r.body.toString().slice(0, 200)}`);
          },
          (e: Error) => void errors.push(e.message),
        ),
      );
      i++;
      if (progress && i % 1000 === 0) progress(i);
    }
  }
  await Promise.all(inflight);
  return {
    sent: count,
    ok: lat.length,
    errors,
    meanMs: mean(lat),
    p50Ms: percentile(lat, 50),
    p99Ms: percentile(lat, 99),
    maxMs: Math.max(...lat),
    sendLagP99Ms: percentile(lag, 99),
    seconds: (nowMs() - t0) / 1000,
  };
}

export interface ClosedLoopResult {
  ops: number;
  errors: string[];
  seconds: number;
  perSecond: number;
  meanMs: number;
  p99Ms: number;
}

/** `clients` closed-loop creators for `seconds`: each sends its next create as soon as the last one is answered. */
export async function closedLoopCreates(client: Client, clients: number, seconds: number, make: (c: number, i: number) => { path: string; body: unknown }): Promise<ClosedLoopResult> {
  const lat: number[] = [];
  const errors: string[] = [];
  const t0 = nowMs();
  const end = t0 + seconds * 1000;
  const worker = async (c: number): Promise<void> => {
    for (let i = 0; nowMs() < end; i++) {
      const { path, body } = make(c, i);
      const s = nowMs();
      try {
        const r = await client.request('POST', path, body);
        if (r.code === 201) lat.push(nowMs() - s);
        else errors.push(`${r.code}: ${r.body.toString().slice(0, 200)}`);
      } catch (e) {
        errors.push((e as Error).message);
        if (errors.length > 100) return;
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, (_, c) => worker(c)));
  const elapsed = (nowMs() - t0) / 1000;
  return { ops: lat.length, errors, seconds: elapsed, perSecond: lat.length / elapsed, meanMs: mean(lat), p99Ms: percentile(lat, 99) };
}

/** Creates `count` objects as fast as `concurrency` workers can; returns creates/s. */
export async function bulkCreate(client: Client, count: number, concurrency: number, make: (i: number) => { path: string; body: unknown }, progress?: (done: number) => void): Promise<number> {
  let next = 0;
  let done = 0;
  const t0 = nowMs();
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      const { path, body } = make(i);
      await client.must('POST', path, body);
      done++;
      if (progress && done % 2000 === 0) progress(done);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return count / ((nowMs() - t0) / 1000);
}

export interface ListResult {
  fullMs: number;
  fullBytes: number;
  pagedMs: number;
  pages: number;
}

/** Full list and limit-paginated list of `path`, each the median of `repeats`; checks the item count. */
export async function timeLists(client: Client, path: string, expected: number, limit: number, repeats: number): Promise<ListResult> {
  const full: number[] = [];
  const paged: number[] = [];
  let fullBytes = 0;
  let pages = 0;
  for (let r = 0; r < repeats; r++) {
    const s = nowMs();
    const res = await client.must('GET', path);
    full.push(nowMs() - s);
    fullBytes = res.body.length;
    // Count after the clock stopped: decoding is the client's cost, not the server's.
    const n = (JSON.parse(res.body.toString()) as { items: unknown[] }).items.length;
    if (n < expected) throw new Error(`full list returned ${n} items, want ${expected}`);
  }
  for (let r = 0; r < repeats; r++) {
    let cont = '';
    let items = 0;
    let p = 0;
    let elapsed = 0;
    do {
      const s = nowMs();
      const res = await client.must('GET', `${path}?limit=${limit}${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`);
      elapsed += nowMs() - s;
      const body = JSON.parse(res.body.toString()) as { items: unknown[]; metadata: { continue?: string } };
      items += body.items.length;
      cont = body.metadata.continue ?? '';
      p++;
      if (p > expected) throw new Error('pagination does not terminate');
    } while (cont);
    if (items < expected) throw new Error(`paginated list returned ${items} items, want ${expected}`);
    paged.push(elapsed);
    pages = p;
  }
  return { fullMs: median(full), fullBytes, pagedMs: median(paged), pages };
}

export interface WatchResult {
  watchers: number;
  events: number;
  expected: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** The creating client's own request latency in the same run. */
  createP50Ms: number;
  createP99Ms: number;
  /** Each event's first arrival at any of the watchers (absent in results from before it was measured). */
  firstP50Ms?: number;
  firstP99Ms?: number;
  /** Threads of the bench process the watchers were spread over. */
  threads?: number;
  /** CPU used while the objects were created and delivered: the server's, and this load generator's (watchers + creator). */
  serverCores: number;
  clientCores: number;
}

/**
 * Threads the watchers are spread over (bench/watch-worker.ts says why): one per core. More threads
 * than cores only add their own overhead to the CPU the server needs (8 threads on 2 cores: p99 ~14 ms
 * against ~9 ms with 2, and ~11 ms with every watcher in one thread).
 */
export const WATCH_THREADS = Math.max(1, os.availableParallelism());

/**
 * `watchers` streams on one namespace's configmaps, spread over WATCH_THREADS
 * threads; `objects` creates paced at `rate`/s, each stamped with its send
 * time; each watcher records arrival minus that stamp for every ADDED event.
 */
export async function watchFanout(client: Client, namespace: string, watchers: number, objects: number, rate: number, serverPid: number): Promise<WatchResult> {
  const url = `${client.creds.server}/api/v1/namespaces/${namespace}/configmaps?watch=1&timeoutSeconds=120`;
  const script = new URL('./watch-worker.js', import.meta.url);
  const threads = Array.from({ length: WATCH_THREADS }, (_, i) => {
    const share = Math.floor(watchers / WATCH_THREADS) + (i < watchers % WATCH_THREADS ? 1 : 0);
    const data: WatchWorkerData = { url, ca: client.creds.ca, cert: client.creds.cert, key: client.creds.key, watchers: share };
    return new Worker(script, { workerData: data });
  });
  const next = (w: Worker): Promise<WatchWorkerMessage> =>
    new Promise((resolve, reject) => {
      const onMessage = (m: WatchWorkerMessage): void => {
        w.off('error', onError);
        resolve(m);
      };
      const onError = (e: Error): void => {
        w.off('message', onMessage);
        reject(e);
      };
      w.once('message', onMessage);
      w.once('error', onError);
    });
  const ask = (w: Worker, what: 'count' | 'stop'): Promise<WatchWorkerMessage> => {
    const reply = next(w);
    w.postMessage(what);
    return reply;
  };
  for (const m of await Promise.all(threads.map(next))) if ('error' in m) throw new Error(m.error);
  const delivered = async (): Promise<number> => {
    const got = await Promise.all(threads.map((w) => ask(w, 'count')));
    return got.reduce((n, m) => n + ('counts' in m ? m.counts.reduce((a, b) => a + b, 0) : 0), 0);
  };
  // Warm-up: a few unstamped objects take the fan-out path through the JIT before we measure it.
  for (let i = 0; i < 20; i++) {
    await client.must('POST', `/api/v1/namespaces/${namespace}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `warmup-${i}` } });
    await sleep(1000 / rate);
  }
  await sleep(200);
  const createLat: number[] = [];
  const interval = 1000 / rate;
  const t0 = nowMs();
  const cpuServer0 = cpuSeconds(serverPid);
  const cpuClient0 = process.cpuUsage();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < objects; i++) {
    const wait = t0 + i * interval - nowMs();
    if (wait > 0) await sleep(wait);
    const sent = nowMs();
    const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `w-${i}`, annotations: { 'created-at': sent.toFixed(3) } }, data: { v: String(i) } };
    pending.push(client.must('POST', `/api/v1/namespaces/${namespace}/configmaps`, body).then(() => void createLat.push(nowMs() - sent)));
  }
  await Promise.all(pending);
  const deadline = nowMs() + 10_000;
  while ((await delivered()) < watchers * objects) {
    if (nowMs() > deadline) break;
    await sleep(20);
  }
  const elapsed = (nowMs() - t0) / 1000;
  const cpuClient = process.cpuUsage(cpuClient0);
  const serverCores = (cpuSeconds(serverPid) - cpuServer0) / elapsed;
  const clientCores = (cpuClient.user + cpuClient.system) / 1e6 / elapsed;
  const results = await Promise.all(threads.map((w) => ask(w, 'stop')));
  await Promise.all(threads.map((w) => w.terminate()));
  const lat = results.flatMap((m) => ('lat' in m ? m.lat : []));
  // Each event's first arrival at any watcher: how long until delivery starts, apart from the fan-out's spread.
  const first = new Map<number, number>();
  for (const m of results) if ('lat' in m) m.stamps.forEach((s, i) => first.set(s, Math.min(first.get(s) ?? Infinity, m.lat[i]!)));
  return {
    watchers,
    events: lat.length,
    expected: watchers * objects,
    p50Ms: percentile(lat, 50),
    p99Ms: percentile(lat, 99),
    maxMs: Math.max(...lat),
    createP50Ms: percentile(createLat, 50),
    createP99Ms: percentile(createLat, 99),
    firstP50Ms: percentile([...first.values()], 50),
    firstP99Ms: percentile([...first.values()], 99),
    threads: WATCH_THREADS,
    serverCores,
    clientCores,
  };
}
