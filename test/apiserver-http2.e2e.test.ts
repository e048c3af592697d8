// HTTP/2 on the API server: node's http2 client with the admin certificate
// negotiates h2 through ALPN and multiplexes requests and watches on one
// session; a reset stream frees its watcher; large lists stream under flow
// control; HTTP/1.1 keeps working on the same port; kubectl negotiates h2;
// SIGTERM ends h2 sessions promptly.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http2 from 'node:http2';
import https from 'node:https';
import net from 'node:net';
import { credentials, eventually, kubectl, startServer, type ServerProcess } from './harness.js';

let s: ServerProcess;
let creds: ReturnType<typeof credentials>;
const sessions: http2.ClientHttp2Session[] = [];

beforeAll(async () => {
  // Debug level: the request log line carries the protocol (checked for kubectl below).
  s = await startServer({ env: { TENANTRY_LOG_LEVEL: 'debug' } });
  creds = credentials(s.kubeconfig);
});
afterAll(async () => {
  for (const session of sessions) session.destroy();
  await s?.stop();
});

/** An h2 session, with the admin client certificate unless anonymous. */
async function connect(opts: { anonymous?: boolean } = {}): Promise<http2.ClientHttp2Session> {
  const session = http2.connect(creds.server, { ca: creds.ca, ...(opts.anonymous ? {} : { cert: creds.cert, key: creds.key }) });
  sessions.push(session);
  session.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    session.once('connect', () => resolve());
    session.once('error', reject);
  });
  return session;
}

interface H2Response {
  status: number;
  headers: http2.IncomingHttpHeaders;
  body: string;
}

function request(session: http2.ClientHttp2Session, method: string, path: string, body?: unknown): Promise<H2Response> {
  return new Promise((resolve, reject) => {
    const headers: http2.OutgoingHttpHeaders = { ':method': method, ':path': path };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const stream = session.request(headers);
    let status = 0;
    let got: http2.IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on('response', (h) => {
      status = Number(h[':status']);
      got = h;
    });
    stream.on('data', (d: Buffer) => chunks.push(d));
    stream.on('end', () => resolve({ status, headers: got, body: Buffer.concat(chunks).toString('utf8') }));
    stream.on('error', reject);
    stream.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** A watch stream on a session: its events so far, and the stream to reset. */
function watch(session: http2.ClientHttp2Session, path: string): { stream: http2.ClientHttp2Stream; events: { type: string; name: string }[]; status: Promise<number> } {
  const stream = session.request({ ':method': 'GET', ':path': path });
  const events: { type: string; name: string }[] = [];
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (d: string) => {
    rest += d;
    let nl: number;
    while ((nl = rest.indexOf('\n')) >= 0) {
      const ev = JSON.parse(rest.slice(0, nl)) as { type: string; object: { metadata: { name: string } } };
      events.push({ type: ev.type, name: ev.object.metadata.name });
      rest = rest.slice(nl + 1);
    }
  });
  stream.on('error', () => {});
  const status = new Promise<number>((resolve, reject) => {
    stream.once('response', (h) => resolve(Number(h[':status'])));
    stream.once('close', () => reject(new Error(`watch stream closed before a response (code ${stream.rstCode})`)));
  });
  return { stream, events, status };
}

/** The server's open watch count for a resource (apiserver_registered_watchers), read on a session of its own. */
async function openWatches(resource: string): Promise<number> {
  const session = await connect();
  const r = await request(session, 'GET', '/metrics');
  session.close();
  const m = new RegExp(`^apiserver_registered_watchers\\{group="",resource="${resource}"\\} (\\d+)`, 'm').exec(r.body);
  return m ? Number(m[1]) : 0;
}

function h1Get(path: string, tlsOpts: { ALPNProtocols?: string[] }): Promise<{ code: number; httpVersion: string; alpn: string | false; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(creds.server + path, { ca: creds.ca, cert: creds.cert, key: creds.key, agent: false, ...tlsOpts }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => {
        const alpn = (res.socket as import('node:tls').TLSSocket).alpnProtocol ?? false;
        resolve({ code: res.statusCode ?? 0, httpVersion: res.httpVersion, alpn, body });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('HTTP/2', () => {
  it('negotiates h2 and serves /version and a list', async () => {
    const session = await connect();
    expect(session.alpnProtocol).toBe('h2');
    const v = await request(session, 'GET', '/version');
    expect(v.status).toBe(200);
    expect(JSON.parse(v.body)).toMatchObject({ major: '1' });
    const list = await request(session, 'GET', '/api/v1/namespaces');
    expect(list.status).toBe(200);
    expect(JSON.parse(list.body).items.map((n: { metadata: { name: string } }) => n.metadata.name)).toContain('kube-system');
    // HEAD: headers only.
    const head = await request(session, 'HEAD', '/api/v1/namespaces');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });

  it('authenticates the client certificate: create, get and delete a ConfigMap as admin', async () => {
    const session = await connect();
    const review = await request(session, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
    expect(review.status).toBe(201);
    expect(JSON.parse(review.body).status.userInfo.groups).toContain('system:masters');
    const created = await request(session, 'POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'h2-cm' }, data: { a: '1' } });
    expect(created.status).toBe(201);
    const got = await request(session, 'GET', '/api/v1/namespaces/default/configmaps/h2-cm');
    expect(got.status).toBe(200);
    expect(JSON.parse(got.body).data).toEqual({ a: '1' });
    const deleted = await request(session, 'DELETE', '/api/v1/namespaces/default/configmaps/h2-cm');
    expect(deleted.status).toBe(200);
    expect((await request(session, 'GET', '/api/v1/namespaces/default/configmaps/h2-cm')).status).toBe(404);
  });

  it('answers an anonymous h2 request with the 401 Status, and serves public paths', async () => {
    const session = await connect({ anonymous: true });
    const r = await request(session, 'GET', '/api/v1/namespaces');
    expect(r.status).toBe(401);
    expect(JSON.parse(r.body)).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
    expect((await request(session, 'GET', '/healthz')).body).toBe('ok');
  });

  it('multiplexes two watches on one session, each seeing its events', async () => {
    const session = await connect();
    const a = watch(session, '/api/v1/namespaces/default/configmaps?watch=1&labelSelector=w%3Da');
    const b = watch(session, '/api/v1/namespaces/default/secrets?watch=1');
    expect(await a.status).toBe(200);
    expect(await b.status).toBe(200);
    await eventually(async () => expect(await openWatches('configmaps')).toBe(1));
    const writes = await Promise.all([
      request(session, 'POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'wa', labels: { w: 'a' } } }),
      request(session, 'POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'wb', labels: { w: 'b' } } }),
      request(session, 'POST', '/api/v1/namespaces/default/secrets', { metadata: { name: 'ws' }, stringData: { k: 'v' } }),
    ]);
    expect(writes.map((w) => w.status)).toEqual([201, 201, 201]);
    await eventually(() => {
      expect(a.events).toContainEqual({ type: 'ADDED', name: 'wa' });
      expect(b.events).toContainEqual({ type: 'ADDED', name: 'ws' });
    });
    expect(a.events.map((e) => e.name)).not.toContain('wb');
    a.stream.close(http2.constants.NGHTTP2_CANCEL);
    b.stream.close(http2.constants.NGHTTP2_CANCEL);
    await eventually(async () => expect(await openWatches('configmaps')).toBe(0));
  });

  it('frees the watcher when the client resets the stream or drops the session', async () => {
    const session = await connect();
    const w = watch(session, '/api/v1/namespaces/default/configmaps?watch=1');
    expect(await w.status).toBe(200);
    await eventually(async () => expect(await openWatches('configmaps')).toBe(1));
    w.stream.close(http2.constants.NGHTTP2_CANCEL);
    await eventually(async () => expect(await openWatches('configmaps')).toBe(0));
    // The session stays usable for further requests after one stream is reset.
    expect((await request(session, 'GET', '/version')).status).toBe(200);

    const other = await connect();
    const w2 = watch(other, '/api/v1/namespaces/default/configmaps?watch=1');
    expect(await w2.status).toBe(200);
    await eventually(async () => expect(await openWatches('configmaps')).toBe(1));
    other.destroy();
    await eventually(async () => expect(await openWatches('configmaps')).toBe(0));
  });

  it('frees watchers whose streams are reset as soon as they are sent', async () => {
    const session = await connect();
    for (let i = 0; i < 20; i++) {
      const stream = session.request({ ':method': 'GET', ':path': '/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=1' });
      stream.on('error', () => {});
      stream.close(http2.constants.NGHTTP2_CANCEL);
    }
    expect((await request(session, 'GET', '/version')).status).toBe(200);
    await new Promise((r) => setTimeout(r, 200));
    expect(await openWatches('configmaps')).toBe(0);
  });

  it('streams a large list under flow control while other requests on the session proceed', async () => {
    const session = await connect();
    const value = 'x'.repeat(60_000);
    const names = Array.from({ length: 200 }, (_, i) => `big-${i}`);
    expect((await request(session, 'POST', '/api/v1/namespaces', { metadata: { name: 'big' } })).status).toBe(201);
    for (let i = 0; i < names.length; i += 50) {
      const batch = names.slice(i, i + 50).map((name) => request(session, 'POST', '/api/v1/namespaces/big/configmaps', { metadata: { name }, data: { v: value } }));
      expect((await Promise.all(batch)).every((r) => r.status === 201)).toBe(true);
    }
    // Read the ~12 MB list slowly: the server must queue it without refusing the session's other streams.
    const stream = session.request({ ':method': 'GET', ':path': '/api/v1/namespaces/big/configmaps' });
    stream.pause();
    const chunks: Buffer[] = [];
    const done = new Promise<string>((resolve, reject) => {
      stream.on('data', (d: Buffer) => chunks.push(d));
      stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      stream.on('error', reject);
    });
    stream.end();
    await new Promise((r) => setTimeout(r, 500));
    expect((await request(session, 'GET', '/version')).status).toBe(200);
    stream.resume();
    const list = JSON.parse(await done) as { items: { metadata: { name: string }; data: { v: string } }[] };
    const ours = list.items.filter((cm) => cm.metadata.name.startsWith('big-'));
    expect(ours).toHaveLength(200);
    expect(ours.every((cm) => cm.data.v === value)).toBe(true);
  });

  it('still serves HTTP/1.1 on the same port, with and without ALPN', async () => {
    const plain = await h1Get('/api/v1/namespaces/default', {});
    expect(plain).toMatchObject({ code: 200, httpVersion: '1.1', alpn: false });
    const alpn = await h1Get('/api/v1/namespaces/default', { ALPNProtocols: ['http/1.1'] });
    expect(alpn).toMatchObject({ code: 200, httpVersion: '1.1', alpn: 'http/1.1' });
    expect(JSON.parse(alpn.body).metadata.name).toBe('default');
  });

  it('is what kubectl negotiates', async () => {
    const r = kubectl(s, ['get', 'ns', 'kubectl-h2-probe'], { env: { GODEBUG: 'http2debug=1' } });
    expect(r.stderr).toMatch(/NotFound|not found/);
    // Go's HTTP/2 transport traces its connection; the server logs each request's protocol.
    expect(r.stderr).toContain('http2: Transport creating client conn');
    // (The server's output is read by this process's event loop, which spawnSync blocked.)
    const line = await eventually(() => {
      const found = s.logs().split('\n').find((l) => l.includes('"path":"/api/v1/namespaces/kubectl-h2-probe"'));
      if (!found) throw new Error('no request log line for the probe');
      return found;
    });
    expect(line).toContain('"proto":"h2"');
  });

  it('shuts down promptly on SIGTERM with an h2 watch and an idle session open', async () => {
    const idle = await connect();
    expect((await request(idle, 'GET', '/version')).status).toBe(200);
    const session = await connect();
    const w = watch(session, '/api/v1/namespaces/default/configmaps?watch=1');
    expect(await w.status).toBe(200);
    const ended = new Promise<void>((resolve) => w.stream.once('close', () => resolve()));
    const started = Date.now();
    const code = await s.stop('SIGTERM');
    expect(code).toBe(0);
    // Watches are ended and sessions told to go away at once, not after the 2 s grace period.
    expect(Date.now() - started).toBeLessThan(1900);
    await ended;
    await eventually(() => expect(idle.closed || idle.destroyed).toBe(true));
  });
  it('shuts down within its grace period even when a connection never finishes its TLS handshake', async () => {
    // server.close() waits for every socket; one stuck before TLS (or an HTTP/2 socket that outlived
    // its destroyed session) would hold shutdown until the 120 s handshake timeout, or forever.
    const other = await startServer();
    const port = Number(new URL(other.url).port);
    const silent = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => silent.once('connect', resolve).once('error', reject));
    silent.on('error', () => undefined);
    const started = Date.now();
    expect(await other.stop('SIGTERM')).toBe(0);
    expect(Date.now() - started).toBeLessThan(6000);
    silent.destroy();
  });
});
