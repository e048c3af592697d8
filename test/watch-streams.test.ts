// HTTP/1.1 watch streams on the wire: events written straight to the socket
// are well-formed chunks a plain HTTP/1.1 client can de-chunk and parse, the
// stream still ends with the terminating chunk, and a watcher that stops
// reading is cut off once its backlog passes the limit instead of making the
// server buffer without bound, while a reading watcher gets every event.

import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../tenant-apiserver/apiserver.js';
import { credentials, eventually } from './harness.js';

let api: ApiServer;
let creds: ReturnType<typeof credentials>;

beforeAll(async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantry-watch-streams-'));
  api = await startApiServer({ dataDir, port: 0, log: pino({ level: 'silent' }), controllers: [], maxWatchBacklogBytes: 256 << 10 });
  creds = credentials(api.kubeconfigPath);
});
afterAll(async () => {
  await api?.close();
});

/** A raw HTTP/1.1 watch over TLS, keeping every byte received. */
async function rawWatch(query: string): Promise<{ socket: tls.TLSSocket; received: () => Buffer; closed: Promise<void> }> {
  const url = new URL(creds.server);
  const socket = tls.connect({ host: url.hostname, port: Number(url.port), ca: creds.ca, cert: creds.cert, key: creds.key, ALPNProtocols: ['http/1.1'] });
  const chunks: Buffer[] = [];
  socket.on('data', (d: Buffer) => chunks.push(d));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => {});
  await new Promise<void>((resolve) => socket.once('secureConnect', () => resolve()));
  socket.write(`GET /api/v1/namespaces/default/configmaps?watch=true&${query} HTTP/1.1\r\nHost: ${url.host}\r\nAccept: application/json\r\n\r\n`);
  const received = (): Buffer => Buffer.concat(chunks);
  await eventually(() => expect(received().includes('\r\n\r\n')).toBe(true));
  return { socket, received, closed };
}

/** Splits an HTTP/1.1 response into its head and de-chunked body; `complete` when the last chunk came. */
function dechunk(raw: Buffer): { head: string; body: string; complete: boolean } {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.subarray(0, split).toString('latin1');
  let at = split + 4;
  const parts: Buffer[] = [];
  for (;;) {
    const eol = raw.indexOf('\r\n', at);
    if (eol < 0) return { head, body: Buffer.concat(parts).toString('utf8'), complete: false };
    const size = parseInt(raw.subarray(at, eol).toString('latin1'), 16);
    expect(Number.isNaN(size)).toBe(false);
    if (size === 0) return { head, body: Buffer.concat(parts).toString('utf8'), complete: true };
    if (raw.length < eol + 2 + size + 2) return { head, body: Buffer.concat(parts).toString('utf8'), complete: false };
    parts.push(raw.subarray(eol + 2, eol + 2 + size));
    expect(raw.subarray(eol + 2 + size, eol + 4 + size).toString('latin1')).toBe('\r\n');
    at = eol + 4 + size;
  }
}

function create(name: string, value: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.request(`${creds.server}/api/v1/namespaces/default/configmaps`, { method: 'POST', ca: creds.ca, cert: creds.cert, key: creds.key, headers: { 'Content-Type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { v: value } }));
  });
}

describe('HTTP/1.1 watch streams', () => {
  it('sends well-formed chunks of JSON events and ends with the last chunk', async () => {
    const w = await rawWatch('timeoutSeconds=2');
    for (let i = 0; i < 5; i++) expect(await create(`small-${i}`, 'x'.repeat(10 + i * 100))).toBe(201);
    // The stream ends with its last chunk; the connection stays open for the next request.
    await eventually(() => expect(dechunk(w.received()).complete).toBe(true), 5_000);
    const { head, body, complete } = dechunk(w.received());
    expect(head).toMatch(/^HTTP\/1\.1 200/);
    expect(head.toLowerCase()).toContain('transfer-encoding: chunked');
    expect(complete).toBe(true);
    const events = body.trim().split('\n').map((l) => JSON.parse(l) as { type: string; object: { metadata: { name: string } } });
    expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual([0, 1, 2, 3, 4].map((i) => `ADDED small-${i}`));
    w.socket.destroy();
  });

  it('cuts off a watcher that stopped reading, while one that reads gets every event', async () => {
    const slow = await rawWatch('timeoutSeconds=60');
    const fast = await rawWatch('timeoutSeconds=60');
    slow.socket.pause();
    const value = 'v'.repeat(500 << 10);
    // ~30 MB of events: more than the kernel's socket buffers on both ends hold, so the server's own backlog grows.
    const count = 60;
    for (let i = 0; i < count; i++) expect(await create(`big-${i}`, value)).toBe(201);
    const names = (raw: Buffer) => [...dechunk(raw).body.matchAll(/"name":"(big-\d+)"/g)].map((m) => m[1]);
    await eventually(() => expect(names(fast.received())).toHaveLength(count), 20_000);
    slow.socket.resume();
    await slow.closed;
    const cut = dechunk(slow.received());
    expect(cut.complete).toBe(false);
    expect(names(slow.received()).length).toBeLessThan(count);
    fast.socket.destroy();
  }, 60_000);
});
