// The syncer's transport against real TLS servers on 127.0.0.1: HTTP/2 when
// the server offers it (every request and stream of a client on one
// connection), HTTP/1.1 when it does not, and a fresh session after the
// server closes one.

import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { issuePki } from '../lib/x509-lite.js';
import { createTransport, type Transport } from './transport.js';

const pki = issuePki(['127.0.0.1', 'localhost']);
const tlsServer = { key: pki.serverKeyPem, cert: pki.serverCertPem };
const clientContext = () => tls.createSecureContext({ ca: pki.caPem });

/** The parts of a response (HTTP/1.1 or the HTTP/2 compatibility one) the handlers use. */
interface Res {
  writeHead(code: number, headers?: Record<string, string>): unknown;
  write(chunk: string): unknown;
  end(chunk?: string): unknown;
}
type Handler = (req: { method?: string; url?: string }, res: Res) => void;
const serve = (h: Handler) => (req: http.IncomingMessage | http2.Http2ServerRequest, res: http.ServerResponse | http2.Http2ServerResponse) => h(req, res as unknown as Res);

/** Answers GET /obj with JSON and GET /stream with three lines, then ends. */
const answer: Handler = (req, res) => {
  if (req.url === '/stream') {
    res.writeHead(200, { 'content-type': 'application/json' });
    let n = 0;
    const t = setInterval(() => {
      res.write(`{"n":${++n}}\n`);
      if (n === 3) {
        clearInterval(t);
        res.end();
      }
    }, 10);
    return;
  }
  res.writeHead(req.url === '/obj' ? 200 : 404, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ method: req.method, url: req.url }));
};

const closers: (() => void)[] = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});

async function listen(server: https.Server | http2.Http2SecureServer): Promise<URL> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return new URL(`https://127.0.0.1:${(server.address() as AddressInfo).port}`);
}

function transportFor(base: URL): Transport {
  const t = createTransport(base, { secureContext: clientContext(), rejectUnauthorized: true });
  closers.push(() => t.close());
  return t;
}

function streamLines(t: Transport, path: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    let text = '';
    t.open(
      { method: 'GET', path, headers: {} },
      { head: (c) => expect(c).toBe(200), data: (d) => (text += d.toString()), end: () => resolve(text.split('\n').filter(Boolean)), error: reject },
    );
  });
}

describe('transport', () => {
  it('multiplexes requests and streams on one HTTP/2 connection', async () => {
    const server = http2.createSecureServer({ ...tlsServer, allowHTTP1: true }, serve(answer));
    let connections = 0;
    server.on('secureConnection', () => connections++);
    const versions = new Set<string>();
    server.on('request', (req) => versions.add(req.httpVersion));
    closers.push(() => server.close());
    const t = transportFor(await listen(server));
    const [streams, answers] = await Promise.all([
      Promise.all(Array.from({ length: 10 }, () => streamLines(t, '/stream'))),
      Promise.all(Array.from({ length: 20 }, () => t.send({ method: 'POST', path: '/obj', headers: { 'content-type': 'application/json' }, body: Buffer.from('{}') }))),
    ]);
    expect(t.protocol()).toBe('h2');
    expect(streams.every((s) => s.join() === '{"n":1},{"n":2},{"n":3}')).toBe(true);
    expect(answers.every((a) => a.code === 200 && JSON.parse(a.body.toString()).method === 'POST')).toBe(true);
    expect(connections).toBe(1);
    expect([...versions]).toEqual(['2.0']);
  });

  it('falls back to HTTP/1.1 against a server that does not offer HTTP/2', async () => {
    const server = https.createServer(tlsServer, serve(answer));
    closers.push(() => server.close());
    const t = transportFor(await listen(server));
    const r = await t.send({ method: 'GET', path: '/missing', headers: {} });
    expect(r.code).toBe(404);
    expect(t.protocol()).toBe('http/1.1');
    expect(await streamLines(t, '/stream')).toEqual(['{"n":1}', '{"n":2}', '{"n":3}']);
  });

  it('opens a new session after the server closes the old one', async () => {
    const server = http2.createSecureServer(tlsServer, serve(answer));
    const sessions: http2.ServerHttp2Session[] = [];
    server.on('session', (s) => sessions.push(s));
    closers.push(() => server.close());
    const t = transportFor(await listen(server));
    expect((await t.send({ method: 'GET', path: '/obj', headers: {} })).code).toBe(200);
    sessions[0]!.close();
    await new Promise((r) => setTimeout(r, 50));
    expect((await t.send({ method: 'GET', path: '/obj', headers: {} })).code).toBe(200);
    expect(sessions).toHaveLength(2);
  });

  it('refuses a server whose certificate the CA did not sign', async () => {
    const other = issuePki(['127.0.0.1']);
    const server = http2.createSecureServer({ key: other.serverKeyPem, cert: other.serverCertPem }, serve(answer));
    closers.push(() => server.close());
    const t = transportFor(await listen(server));
    await expect(t.send({ method: 'GET', path: '/obj', headers: {} })).rejects.toThrow(/certificate/);
  });

  it('drops a session whose server stopped answering, failing what was in flight', async () => {
    // Speaks TLS and offers h2, then never reads or writes another byte: a peer gone silent.
    const server = tls.createServer({ ...tlsServer, ALPNProtocols: ['h2'] }, (socket) => socket.pause());
    closers.push(() => server.close());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const base = new URL(`https://127.0.0.1:${(server.address() as AddressInfo).port}`);
    const t = createTransport(base, { secureContext: clientContext(), rejectUnauthorized: true, pingIntervalMs: 100, pingTimeoutMs: 100 });
    closers.push(() => t.close());
    const started = Date.now();
    await expect(t.send({ method: 'GET', path: '/obj', headers: {} })).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('cancelling a stream ends it without calling end or error', async () => {
    const server = http2.createSecureServer(tlsServer, (req, res) => {
      res.writeHead(200);
      res.write('{"n":1}\n');
      req.on('close', () => closed.push(req.url));
    });
    const closed: string[] = [];
    closers.push(() => server.close());
    const t = transportFor(await listen(server));
    const calls: string[] = [];
    const got = new Promise<void>((resolve) => {
      const h = t.open({ method: 'GET', path: '/forever', headers: {} }, { head: () => {}, data: () => (calls.push('data'), h.cancel(), resolve()), end: () => calls.push('end'), error: () => calls.push('error') });
    });
    await got;
    await new Promise((r) => setTimeout(r, 100));
    expect(calls).toEqual(['data']);
    expect(closed).toEqual(['/forever']);
  });
});
