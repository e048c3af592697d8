// The listener on its own: protocol negotiation, the request adapter (the
// connection's TLS socket and its client certificate under both protocols),
// idle h2 sessions, and shutdown of both kinds of connection.

import http2 from 'node:http2';
import https from 'node:https';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreatePki, type Pki } from './pki.js';
import { createListener, type Exchange, type Listener, type ListenerTiming } from './transport.js';

let dir: string;
let pki: Pki;
let listener: Listener | undefined;
const clients: http2.ClientHttp2Session[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'tenantry-transport-'));
  pki = await loadOrCreatePki(dir, { hosts: [] });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await listener?.close();
  listener = undefined;
});

const FAST: ListenerTiming = { idleSessionMs: 200, shutdownGraceMs: 300 };

/** A listener on 127.0.0.1 whose requests go to handle; returns its URL. */
async function serve(handle: (x: Exchange) => void, timing = FAST): Promise<string> {
  listener = createListener({ key: pki.serverKeyPem, cert: pki.serverCertPem, ca: pki.caPem }, handle, pino({ level: 'silent' }), timing);
  const server = listener.server;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function h2(url: string): Promise<http2.ClientHttp2Session> {
  const session = http2.connect(url, { ca: pki.caPem, cert: pki.adminCertPem, key: pki.adminKeyPem });
  clients.push(session);
  session.on('error', () => {});
  await new Promise<void>((resolve) => session.once('connect', () => resolve()));
  return session;
}

function h2Get(session: http2.ClientHttp2Session, p: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':path': p });
    let body = '';
    stream.setEncoding('utf8');
    stream.on('data', (d: string) => (body += d));
    stream.on('end', () => resolve(body));
    stream.on('error', reject);
  });
}

/** An HTTP/1.1 keep-alive agent with the admin certificate. */
function h1Agent(): https.Agent {
  return new https.Agent({ ca: pki.caPem, cert: pki.adminCertPem, key: pki.adminKeyPem, keepAlive: true, maxSockets: 1 });
}

function h1Get(url: string, agent: https.Agent): Promise<{ body: string; socket: TLSSocket; keepAlive: string | string[] | undefined }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { agent }, (res) => {
      // Taken now: a keep-alive agent detaches the socket once the response ends.
      const socket = res.socket as TLSSocket;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ body, socket, keepAlive: res.headers['keep-alive'] }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Answers with what the adapter saw: protocol, client certificate CN, and a per-connection id. */
function whoAmI(): (x: Exchange) => void {
  const ids = new WeakMap<TLSSocket, number>();
  let next = 0;
  return ({ req, res, tls, protocol }) => {
    if (!ids.has(tls)) ids.set(tls, next++);
    const cn = tls.authorized ? tls.getPeerCertificate().subject.CN : '';
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ protocol, cn, conn: ids.get(tls), path: req.url, method: req.method }));
  };
}

describe('listener', () => {
  it('gives h2 requests the connection TLS socket: one per session, carrying the client certificate', async () => {
    const url = await serve(whoAmI());
    const session = await h2(url);
    const [a, b] = (await Promise.all([h2Get(session, '/a'), h2Get(session, '/b')])).map((s) => JSON.parse(s));
    expect(a).toMatchObject({ protocol: 'h2', cn: 'admin', path: '/a', method: 'GET' });
    expect(b).toMatchObject({ protocol: 'h2', cn: 'admin', path: '/b' });
    expect(a.conn).toBe(b.conn);
    const other = JSON.parse(await h2Get(await h2(url), '/c'));
    expect(other.conn).not.toBe(a.conn);
  });

  it('serves HTTP/1.1 clients on the same port with the same view', async () => {
    const url = await serve(whoAmI());
    const agent = h1Agent();
    const first = await h1Get(url + '/x', agent);
    const second = await h1Get(url + '/y', agent);
    expect(JSON.parse(first.body)).toMatchObject({ protocol: 'http/1.1', cn: 'admin', path: '/x' });
    expect(JSON.parse(second.body).conn).toBe(JSON.parse(first.body).conn);
    expect(first.socket.alpnProtocol).toBe(false);
    // The HTTP/1.1 keep-alive timeout reaches node's HTTP/1.1 path under the HTTP/2 server.
    expect(first.keepAlive).toBe('timeout=65');
    agent.destroy();
  });

  it('closes an h2 session idle for the idle timeout, but not one with an open stream', async () => {
    const url = await serve(({ req, res }) => {
      if (req.url === '/hang') res.writeHead(200).flushHeaders();
      else res.end('ok');
    });
    const idle = await h2(url);
    await h2Get(idle, '/');
    const busy = await h2(url);
    const hanging = busy.request({ ':path': '/hang' });
    hanging.on('error', () => {});
    const goaway = new Promise<void>((resolve) => idle.once('goaway', () => resolve()));
    await goaway;
    await new Promise((r) => setTimeout(r, FAST.idleSessionMs * 2));
    expect(busy.closed).toBe(false);
    expect(await h2Get(busy, '/')).toBe('ok');
  });

  it('on close: GOAWAY to sessions, idle HTTP/1.1 sockets ended, the rest destroyed after the grace period', async () => {
    const url = await serve(({ req, res }) => {
      if (req.url === '/hang') res.writeHead(200).flushHeaders();
      else res.end('ok');
    }, { idleSessionMs: 60_000, shutdownGraceMs: 300 });
    const idle = await h2(url);
    await h2Get(idle, '/');
    const busy = await h2(url);
    const hanging = busy.request({ ':path': '/hang' });
    hanging.on('error', () => {});
    await new Promise<void>((resolve) => hanging.once('response', () => resolve()));
    const agent = h1Agent();
    const { socket } = await h1Get(url + '/', agent);
    const h1Closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const idleGone = new Promise<void>((resolve) => idle.once('close', () => resolve()));
    const hangingGone = new Promise<void>((resolve) => hanging.once('close', () => resolve()));

    const started = Date.now();
    await listener!.close();
    listener = undefined;
    const took = Date.now() - started;
    await Promise.all([h1Closed, idleGone, hangingGone]);
    // Only the hanging stream had to wait for the grace period.
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(2000);
    agent.destroy();
  });

  it('closes promptly when nothing is in flight', async () => {
    const url = await serve(whoAmI(), { idleSessionMs: 60_000, shutdownGraceMs: 5000 });
    await h2Get(await h2(url), '/');
    const agent = h1Agent();
    await h1Get(url + '/', agent);
    const started = Date.now();
    await listener!.close();
    listener = undefined;
    expect(Date.now() - started).toBeLessThan(1000);
    agent.destroy();
  });
});
