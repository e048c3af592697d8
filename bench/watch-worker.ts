// One thread of watchers for the watch fan-out measure (bench/workloads.ts):
// opens its share of the watch streams, records each stamped event's arrival
// minus its stamp, and hands the latencies back when told to stop. Watchers
// are spread over a few threads because in a cluster they are separate
// clients: in one thread, the last of 100 watchers would wait for the client
// to process the 99 events before its own, and that wait is the load
// generator's, not the server's delivery.

import https from 'node:https';
import type { ClientRequest } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import { nowMs } from './client.js';

export interface WatchWorkerData {
  url: string;
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
  watchers: number;
}

/** lat: arrival minus stamp per event; stamps: the stamp of each, in the same order. */
export type WatchWorkerMessage = { ready: true } | { error: string } | { lat: number[]; stamps: number[]; counts: number[] };

const CREATED_AT = /"created-at":"([0-9.]+)"/;

const data = workerData as WatchWorkerData;
const port = parentPort!;
const agent = new https.Agent({ ca: data.ca, cert: data.cert, key: data.key, keepAlive: false, maxSockets: data.watchers });
const lat: number[] = [];
const stamps: number[] = [];
const counts = new Array<number>(data.watchers).fill(0);
const reqs: ClientRequest[] = [];

const opened = Array.from(
  { length: data.watchers },
  (_, w) =>
    new Promise<void>((resolve, reject) => {
      const req = https.get(data.url, { agent }, (res) => {
        if (res.statusCode !== 200) return reject(new Error(`watch ${w} -> ${res.statusCode}`));
        resolve();
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          const t = nowMs();
          buf += d;
          let nl;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl);
            buf = buf.slice(nl + 1);
            // A regex, not JSON.parse: keep the client's cost per event small.
            const m = line.startsWith('{"type":"ADDED"') ? CREATED_AT.exec(line) : null;
            if (m) {
              const stamp = Number(m[1]);
              lat.push(t - stamp);
              stamps.push(stamp);
              counts[w]!++;
            }
          }
        });
        res.on('error', () => undefined);
      });
      req.on('error', reject);
      reqs.push(req);
    }),
);

Promise.all(opened).then(
  () => port.postMessage({ ready: true } satisfies WatchWorkerMessage),
  (e: Error) => port.postMessage({ error: e.message } satisfies WatchWorkerMessage),
);

port.on('message', (m: string) => {
  if (m === 'count') port.postMessage({ lat: [], stamps: [], counts } satisfies WatchWorkerMessage);
  if (m !== 'stop') return;
  for (const r of reqs) r.destroy();
  agent.destroy();
  port.postMessage({ lat, stamps, counts } satisfies WatchWorkerMessage);
  port.close();
});
