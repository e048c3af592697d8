// The listener: HTTP/2 (ALPN "h2") and HTTP/1.1 on one TLS port.
//
// kube-apiserver serves both; client-go and kubectl negotiate h2 and multiplex
// every request and watch of a client over one connection, so a client with many
// watches (a syncer informer per kind per tenant) costs one TLS connection, not
// one per watch. HTTP/1.1 (node https, client-node, curl --http1.1, clients
// without ALPN) is served on the same port exactly as before.
//
// This file is also the one place where the two protocols' request objects meet
// the rest of the server (toExchange), and where connections are tracked so that
// shutdown can end them: Http2SecureServer has no closeAllConnections().

import http2 from 'node:http2';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';

export type HttpProtocol = 'h2' | 'http/1.1';

/** One request as the handlers see it, whichever protocol carried it. */
export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  /**
   * The connection's TLS socket, the same object for every request on the connection (under h2
   * `req.socket` is a new proxy per stream), for client-certificate authentication.
   */
  tls: TLSSocket;
  protocol: HttpProtocol;
}

/** HTTP/2 settings we advertise. */
export const H2_SETTINGS = {
  // kube's generic API server advertises 250 by default and 1000 where one client multiplexes many
  // long-running requests (aggregated API servers behind the aggregator's proxy). A syncer is such a
  // client: one watch per kind per tenant control plane, all on one connection.
  maxConcurrentStreams: 1000,
  // Per-stream receive window (request bodies): 1 MiB takes most objects in one round trip; bodies
  // are limited to 3 MiB anyway (decode.ts).
  initialWindowSize: 1 << 20,
} as const;

/** Connection-level receive window, shared by a session's streams (the protocol default is 64 KiB). */
const H2_CONNECTION_WINDOW = 16 << 20;

/**
 * Node refuses new streams (ENHANCE_YOUR_CALM) while a session's queued output exceeds this (MB; node's
 * default is 10). A list of 10,000 pods is ~10 MB and waits in that queue for a client that reads it
 * slowly, so the default would refuse a client's other requests on the same connection meanwhile.
 */
const H2_MAX_SESSION_MEMORY_MB = 256;


/**
 * HTTP/1.1 timeouts. Node's HTTP/1.1 path under an HTTP/2 server (allowHTTP1) reads these from the
 * server object, as an http.Server would; Http2SecureServer's type does not declare them.
 */
const H1_TIMEOUTS = {
  keepAliveTimeout: 65_000,
  headersTimeout: 66_000,
  // Watches are long-lived: never time out a request under a stream.
  requestTimeout: 0,
};

export interface ListenerTiming {
  /**
   * Like Go's http2.Server IdleTimeout (kube sets 90 s): a session without open streams is closed
   * (GOAWAY) after this. A session carrying a watch has an open stream, so it never times out.
   */
  idleSessionMs: number;
  /** How long shutdown waits for connections to finish before destroying them. */
  shutdownGraceMs: number;
}

const DEFAULT_TIMING: ListenerTiming = { idleSessionMs: 90_000, shutdownGraceMs: 2000 };

/**
 * The single adapter between node's HTTP/2 compatibility API and the rest of the server, which is
 * typed on the HTTP/1 classes. Http2ServerRequest/Http2ServerResponse implement the part of
 * IncomingMessage/ServerResponse the handlers use (headers, method, url, the body stream and
 * resume(); writeHead, write, end, flushHeaders, statusCode, headersSent, writableEnded, 'close').
 * What differs under h2 is handled where it arises: connection-specific headers such as
 * Transfer-Encoding make writeHead throw (so no handler sets them), req.headers carries
 * pseudo-headers (`:path`, …) and no `host` (no handler iterates or copies request headers), and
 * req.socket is a per-stream proxy (hence `tls`).
 */
export function toExchange(req: IncomingMessage | http2.Http2ServerRequest, res: ServerResponse | http2.Http2ServerResponse): Exchange {
  if (req instanceof http2.Http2ServerRequest) {
    // The session's socket proxy is created once per session and forwards to its TLS socket.
    const tls = (req.stream.session?.socket ?? req.socket) as TLSSocket;
    return { req: req as unknown as IncomingMessage, res: res as unknown as ServerResponse, tls, protocol: 'h2' };
  }
  if (res instanceof http2.Http2ServerResponse) throw new Error('HTTP/1 request with an HTTP/2 response');
  return { req, res, tls: req.socket as TLSSocket, protocol: 'http/1.1' };
}

export interface TlsOptions {
  key: string;
  cert: string;
  ca: string;
}

export interface Listener {
  server: http2.Http2SecureServer;
  /**
   * Stop accepting; GOAWAY to HTTP/2 sessions (they close once their streams end), close idle
   * HTTP/1.1 connections and busy ones after their response; destroy whatever remains after the
   * grace period. Resolves once every connection is gone. End long-running streams (watches)
   * first, or they hold their connection until the grace period ends.
   */
  close(): Promise<void>;
}

export function createListener(tls: TlsOptions, onRequest: (x: Exchange) => void, log: Logger, timing: ListenerTiming = DEFAULT_TIMING): Listener {
  const connections = new Connections(timing.idleSessionMs);
  const server = http2.createSecureServer(
    {
      allowHTTP1: true,
      key: tls.key,
      cert: tls.cert,
      ca: tls.ca,
      requestCert: true,
      // We decide ourselves: unauthenticated requests still reach public paths and get 401 elsewhere.
      rejectUnauthorized: false,
      minVersion: 'TLSv1.2',
      settings: H2_SETTINGS,
      maxSessionMemory: H2_MAX_SESSION_MEMORY_MB,
    },
    (req: IncomingMessage | http2.Http2ServerRequest, res: ServerResponse | http2.Http2ServerResponse) => {
      const x = toExchange(req, res);
      if (x.protocol === 'http/1.1') connections.requestStarted(x.tls, x.res);
      onRequest(x);
    },
  );
  Object.assign(server, H1_TIMEOUTS);
  server.on('session', (session) => connections.addSession(session));
  // Every TCP connection, whatever became of it (mid-handshake, HTTP/1.1, HTTP/2): the last resort of
  // shutdown. An HTTP/2 session destroyed after its GOAWAY was seen to leave its socket open, and
  // the server's close waits for every socket.
  server.on('connection', (socket: Socket) => {
    // Nagle off, as Go (kube-apiserver) and Node's own HTTP/1.1 server have it; an HTTP/2 server's
    // sockets keep it on otherwise. With it on, a watch event written while the client still delays
    // its ACK of the previous one waits for that ACK, up to the peer's delayed-ACK timer (40 ms).
    socket.setNoDelay(true);
    connections.addSocket(socket);
  });
  server.on('secureConnection', (socket: TLSSocket) => {
    // h2 connections are tracked as sessions; everything else is HTTP/1.1 (allowHTTP1).
    if (socket.alpnProtocol !== 'h2') connections.addHttp1(socket);
  });
  // Protocol errors of one client (bad frames, resets): not the server's problem, but worth a trace.
  server.on('sessionError', (err) => log.debug({ err }, 'HTTP/2 session error'));
  return {
    server,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        connections.closeAll(timing.shutdownGraceMs);
      }),
  };
}

/** Open connections of both protocols, so shutdown can end them. */
class Connections {
  private readonly sessions = new Set<http2.ServerHttp2Session>();
  /** HTTP/1.1 sockets and their requests in flight. */
  private readonly http1 = new Map<TLSSocket, number>();
  /** Every TCP socket accepted and not yet closed. */
  private readonly sockets = new Set<Socket>();
  private closing = false;

  constructor(private readonly idleSessionMs: number) {}

  addSession(session: http2.ServerHttp2Session): void {
    if (this.closing) {
      session.close();
      return;
    }
    this.sessions.add(session);
    session.setLocalWindowSize(H2_CONNECTION_WINDOW);
    closeWhenIdle(session, this.idleSessionMs);
    session.once('close', () => this.sessions.delete(session));
  }

  addHttp1(socket: TLSSocket): void {
    if (this.closing) {
      socket.end();
      return;
    }
    this.http1.set(socket, 0);
    socket.once('close', () => this.http1.delete(socket));
  }

  requestStarted(socket: TLSSocket, res: ServerResponse): void {
    const busy = this.http1.get(socket);
    // Not tracked: the socket has closed already.
    if (busy === undefined) return;
    this.http1.set(socket, busy + 1);
    res.once('close', () => {
      const now = this.http1.get(socket);
      if (now === undefined) return;
      const left = now - 1;
      this.http1.set(socket, left);
      // During shutdown, a keep-alive connection ends with its last response.
      if (this.closing && left === 0) socket.end();
    });
  }

  addSocket(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  closeAll(graceMs: number): void {
    this.closing = true;
    for (const session of this.sessions) session.close();
    for (const [socket, busy] of this.http1) if (busy === 0) socket.end();
    setTimeout(() => {
      for (const session of this.sessions) session.destroy();
      // Every TCP socket, HTTP/1.1 ones included (destroying it ends its TLS socket too).
      for (const socket of this.sockets) socket.destroy();
    }, graceMs).unref();
  }
}

/** Closes the session (GOAWAY) once it has had no open stream for idleMs. */
function closeWhenIdle(session: http2.ServerHttp2Session, idleMs: number): void {
  let open = 0;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    timer = setTimeout(() => session.close(), idleMs);
    timer.unref();
  };
  session.on('stream', (stream) => {
    open++;
    clearTimeout(timer);
    stream.once('close', () => {
      if (--open === 0 && !session.closed) arm();
    });
  });
  session.once('close', () => clearTimeout(timer));
  arm();
}
