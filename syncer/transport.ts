// The connections to one cluster. Over TLS the transport offers HTTP/2 and
// HTTP/1.1 through ALPN, as client-go does: against a server that speaks
// HTTP/2 (kube-apiserver, ours) every request and every watch of the client
// is a stream on ONE connection. A syncer runs about ten watches per tenant;
// over HTTP/1.1 each holds a TLS connection of its own, so connecting a
// hundred tenants cost a thousand handshakes and as many sockets' buffers —
// most of a restart and a large share of the syncer's memory. A server that
// picks HTTP/1.1 (or plain http://) gets a keep-alive connection pool instead.

import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import tls from 'node:tls';

export interface Exchange {
  method: string;
  /** Path and query, already prefixed with the server's base path. */
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** For send(): give up after this long in all. Streams (open()) have no timeout of their own. */
  timeoutMs?: number;
}

export interface StreamHandlers {
  head(code: number): void;
  data(chunk: Buffer): void;
  end(): void;
  error(e: Error): void;
}

export interface Transport {
  /** One request, its whole answer. */
  send(x: Exchange): Promise<{ code: number; body: Buffer }>;
  /** A streamed answer (watches). Exactly one of end/error is called, unless cancelled first. */
  open(x: Exchange, on: StreamHandlers): { cancel(): void };
  /** The protocol in use: 'h2', 'http/1.1', or '' before the first connection. */
  protocol(): string;
  close(): void;
}

export interface TransportOptions {
  secureContext?: tls.SecureContext;
  rejectUnauthorized: boolean;
  servername?: string;
  /** Offer HTTP/2 (default true). */
  http2?: boolean;
  /** HTTP/2 liveness pings (defaults PING_INTERVAL_MS, PING_TIMEOUT_MS). */
  pingIntervalMs?: number;
  pingTimeoutMs?: number;
}

/** A stream's receive window; large list answers (10,000 pods are ~10 MB) must not stall on it (client-go: 4 MiB). */
const STREAM_WINDOW = 4 << 20;
/** The connection's receive window, shared by every stream on it (client-go: 1 GiB; a few large lists at once suffice here). */
const SESSION_WINDOW = 64 << 20;
/** Sessions are pinged this often; without an answer within PING_TIMEOUT_MS one is dropped (client-go: 30 s and 15 s). */
const PING_INTERVAL_MS = 30_000;
const PING_TIMEOUT_MS = 15_000;

export function createTransport(base: URL, opts: TransportOptions): Transport {
  const secure = base.protocol === 'https:';
  const port = Number(base.port) || (secure ? 443 : 80);
  const host = base.hostname.replace(/^\[(.*)\]$/, '$1');
  const servername = opts.servername ?? (/^[\d.]+$|:/.test(host) ? undefined : host);
  const agent = secure
    ? new https.Agent({ secureContext: opts.secureContext, rejectUnauthorized: opts.rejectUnauthorized, servername, keepAlive: true, maxSockets: 64 })
    : new http.Agent({ keepAlive: true, maxSockets: 64 });
  let proto = secure ? '' : 'http/1.1';
  let closed = false;
  let session: http2.ClientHttp2Session | undefined;
  let connecting: Promise<http2.ClientHttp2Session | undefined> | undefined;

  /** The HTTP/2 session, connecting if needed; undefined when the server speaks only HTTP/1.1. */
  function h2(): Promise<http2.ClientHttp2Session | undefined> {
    if (!secure || opts.http2 === false || proto === 'http/1.1' || closed) return Promise.resolve(undefined);
    if (session && !session.closed && !session.destroyed) return Promise.resolve(session);
    connecting ??= connect().finally(() => (connecting = undefined));
    return connecting;
  }

  function connect(): Promise<http2.ClientHttp2Session | undefined> {
    return new Promise((resolve, reject) => {
      const socket = tls.connect({ host, port, servername, secureContext: opts.secureContext, rejectUnauthorized: opts.rejectUnauthorized, ALPNProtocols: ['h2', 'http/1.1'] });
      socket.once('error', reject);
      socket.once('secureConnect', () => {
        socket.off('error', reject);
        if (closed) {
          // close() ran while this connection was being made: nothing may be left open.
          socket.destroy();
          resolve(undefined);
          return;
        }
        if (socket.alpnProtocol !== 'h2') {
          // The server chose HTTP/1.1: use the pool from now on (this socket is not handed over; one wasted handshake).
          proto = 'http/1.1';
          socket.destroy();
          resolve(undefined);
          return;
        }
        proto = 'h2';
        const s = http2.connect(base.origin, { createConnection: () => socket, settings: { initialWindowSize: STREAM_WINDOW, enablePush: false } });
        s.on('error', () => undefined);
        s.once('connect', () => s.setLocalWindowSize(SESSION_WINDOW));
        const forget = () => {
          if (session === s) session = undefined;
          clearInterval(pinger);
        };
        s.once('close', forget);
        s.once('goaway', forget);
        // Liveness: a connection that died without a word would hold every watch on it forever.
        // (A ping every interval, busy or not: the socket itself belongs to the session now and must
        // not be read from here; one small frame per 30 s per cluster costs nothing.)
        const pinger = setInterval(() => {
          if (s.destroyed) return;
          const timer = setTimeout(() => s.destroy(new Error('HTTP/2 ping not answered')), opts.pingTimeoutMs ?? PING_TIMEOUT_MS);
          timer.unref();
          s.ping((err) => {
            clearTimeout(timer);
            if (err && !s.destroyed) s.destroy(err);
          });
        }, opts.pingIntervalMs ?? PING_INTERVAL_MS);
        pinger.unref();
        session = s;
        resolve(s);
      });
    });
  }

  function h2Stream(s: http2.ClientHttp2Session, x: Exchange): http2.ClientHttp2Stream {
    const headers: http2.OutgoingHttpHeaders = { ':method': x.method, ':path': x.path, ':authority': base.host };
    for (const [k, v] of Object.entries(x.headers)) headers[k.toLowerCase()] = v;
    const stream = s.request(headers, { endStream: false });
    stream.end(x.body);
    return stream;
  }

  function h1Request(x: Exchange, onResponse: (res: http.IncomingMessage) => void): http.ClientRequest {
    const req = (secure ? https : http).request(new URL(x.path, base), { method: x.method, agent, headers: x.headers }, onResponse);
    req.end(x.body);
    return req;
  }

  function open(x: Exchange, on: StreamHandlers): { cancel(): void } {
    let cancelled = false;
    let cancel = () => {};
    let finished = false;
    const finish = (e?: Error) => {
      if (finished || cancelled) return;
      finished = true;
      if (e) on.error(e);
      else on.end();
    };
    h2()
      .then((s) => {
        if (cancelled) return;
        if (s) {
          const stream = h2Stream(s, x);
          cancel = () => stream.close(http2.constants.NGHTTP2_CANCEL);
          stream.on('response', (h) => on.head(Number(h[':status'] ?? 0)));
          stream.on('data', (d: Buffer) => !cancelled && on.data(d));
          stream.on('end', () => finish());
          stream.on('error', (e) => finish(e));
          stream.on('close', () => finish(stream.readableEnded ? undefined : new Error(`stream closed (${stream.rstCode ?? 'no code'})`)));
          return;
        }
        const req = h1Request(x, (res) => {
          on.head(res.statusCode ?? 0);
          res.on('data', (d: Buffer) => !cancelled && on.data(d));
          res.on('error', (e) => finish(e));
          res.on('aborted', () => finish(new Error('connection lost')));
          res.on('end', () => finish());
        });
        cancel = () => req.destroy();
        req.on('error', (e) => finish(e));
      })
      // A failed connection, or a session that closed under a new stream (request() throws).
      .catch((e: unknown) => finish(e instanceof Error ? e : new Error(String(e))));
    return {
      cancel() {
        if (cancelled) return;
        cancelled = true;
        cancel();
      },
    };
  }

  function send(x: Exchange): Promise<{ code: number; body: Buffer }> {
    // A whole request is a stream read to its end, given up after timeoutMs in all.
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let code = 0;
      let timer: NodeJS.Timeout | undefined;
      const stream = open(x, {
        head: (c) => (code = c),
        data: (d) => chunks.push(d),
        end: () => {
          clearTimeout(timer);
          resolve({ code, body: Buffer.concat(chunks) });
        },
        error: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      if (x.timeoutMs) {
        timer = setTimeout(() => {
          stream.cancel();
          reject(new Error(`${x.method} ${x.path.split('?')[0]}: timed out after ${x.timeoutMs} ms`));
        }, x.timeoutMs);
      }
    });
  }

  return {
    protocol: () => proto,
    send,
    open,
    close() {
      closed = true;
      session?.destroy();
      agent.destroy();
    },
  };
}
