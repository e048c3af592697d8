// Baseline: raw etcd puts, the write path kube-apiserver sits on. We use
// Debian's etcd 3.4 (installed on demand when we are root) on loopback ports
// with a temp data dir, and drive it through its v3 HTTP/JSON gateway so no
// gRPC client dependency is needed. It runs either on plain HTTP or over TLS, as
// kube-apiserver reaches it in every supported deployment and as the bench
// reaches our own API server. (Its clients present a certificate but etcd does
// not require one: with --client-cert-auth, etcd 3.4's gateway dials the server
// with the serving certificate as its client certificate, which needs a
// clientAuth usage ours lacks. Over keep-alive connections, checking a client
// certificate is a once-per-connection cost either way.)

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { issuePki } from '../lib/x509-lite.js';
import { freePort, nowMs, sleep, tempDir, track } from './client.js';

/** Path of an etcd binary, installing Debian's etcd-server if allowed; or why we can't. */
export function ensureEtcd(log: (msg: string) => void): { bin: string } | { skip: string } {
  const found = which('etcd');
  if (found) return { bin: found };
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    return { skip: 'etcd is not on PATH and we are not root, so we cannot `apt-get install etcd-server`' };
  }
  log('etcd not found: installing Debian etcd-server (apt-get install -y etcd-server)…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = spawnSync('apt-get', ['install', '-y', '-q', 'etcd-server'], { env, encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) {
    // A fresh machine may have no package lists yet.
    spawnSync('apt-get', ['update', '-q'], { env, encoding: 'utf8', timeout: 300_000 });
    r = spawnSync('apt-get', ['install', '-y', '-q', 'etcd-server'], { env, encoding: 'utf8', timeout: 300_000 });
  }
  const bin = which('etcd');
  if (r.status !== 0 || !bin) return { skip: `apt-get install etcd-server failed: ${(r.stderr || r.stdout || '').trim().split('\n').slice(-2).join(' ')}` };
  return { bin };
}

function which(name: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const p = r.stdout.trim();
  return r.status === 0 && p ? p : undefined;
}

export function etcdVersion(bin: string): string {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  return /etcd Version:\s*(\S+)/.exec(r.stdout)?.[1] ?? 'unknown';
}

export interface EtcdServer {
  url: string;
  /** The client's TLS material when etcd serves TLS. */
  tls?: { ca: string; cert: string; key: string };
  stop(): Promise<void>;
}

export async function startEtcd(bin: string, opts: { tls?: boolean } = {}): Promise<EtcdServer> {
  const dir = tempDir('etcd');
  const [client, peer] = [await freePort(), await freePort()];
  const url = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${client}`;
  const peerUrl = `http://127.0.0.1:${peer}`;
  const tlsArgs: string[] = [];
  let tls: EtcdServer['tls'];
  if (opts.tls) {
    const pki = issuePki(['127.0.0.1']);
    const file = (name: string, data: string): string => {
      const f = path.join(dir, name);
      fs.writeFileSync(f, data, { mode: 0o600 });
      return f;
    };
    tlsArgs.push(
      '--cert-file', file('server.crt', pki.serverCertPem),
      '--key-file', file('server.key', pki.serverKeyPem),
    );
    tls = { ca: pki.caPem, cert: pki.adminCertPem, key: pki.adminKeyPem };
  }
  const proc: ChildProcess = track(spawn(
    bin,
    [
      '--name', 'bench',
      '--data-dir', path.join(dir, 'data'),
      '--listen-client-urls', url,
      '--advertise-client-urls', url,
      '--listen-peer-urls', peerUrl,
      '--initial-advertise-peer-urls', peerUrl,
      '--initial-cluster', `bench=${peerUrl}`,
      '--log-level', 'warn',
      '--logger', 'zap',
      ...tlsArgs,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  ));
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-8000);
  });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const deadline = nowMs() + 20_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`etcd exited (${proc.exitCode}):\n${err}`);
    if (nowMs() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`etcd not healthy within 20 s:\n${err}`);
    }
    const probe = agentFor(tls, 1);
    const ok = await post(probe, url, '/v3/kv/range', { key: b64('health') }).then((r) => r.code === 200, () => false);
    probe.destroy();
    if (ok) break;
    await sleep(50);
  }
  return {
    url,
    tls,
    async stop() {
      proc.kill('SIGTERM');
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64');

function agentFor(tls: EtcdServer['tls'], sockets: number): http.Agent {
  return tls ? new https.Agent({ keepAlive: true, maxSockets: sockets, ...tls }) : new http.Agent({ keepAlive: true, maxSockets: sockets });
}

function post(agent: http.Agent, base: string, p: string, body: unknown): Promise<{ code: number; body: string }> {
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = (base.startsWith('https:') ? https : http).request(base + p, { method: 'POST', agent, headers: { 'Content-Type': 'application/json', 'Content-Length': payload.length } }, (res) => {
      let data = '';
      res.on('data', (d) => (data += d));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body: data }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

export interface ThroughputResult {
  ops: number;
  seconds: number;
  perSecond: number;
  meanMs: number;
  errors: number;
}

/** `clients` closed-loop writers each putting a fresh key with a value of `valueBytes`, for `seconds`. */
export async function etcdPutThroughput(server: Pick<EtcdServer, 'url' | 'tls'>, clients: number, seconds: number, valueBytes: number): Promise<ThroughputResult> {
  const { url } = server;
  const agent = agentFor(server.tls, clients);
  const value = b64('x'.repeat(valueBytes));
  const lat: number[] = [];
  let errors = 0;
  const t0 = nowMs();
  const end = t0 + seconds * 1000;
  const worker = async (c: number): Promise<void> => {
    for (let i = 0; nowMs() < end; i++) {
      const s = nowMs();
      const r = await post(agent, url, '/v3/kv/put', { key: b64(`/registry/configmaps/bench/c${c}-${i}`), value });
      if (r.code === 200) lat.push(nowMs() - s);
      else errors++;
    }
  };
  await Promise.all(Array.from({ length: clients }, (_, c) => worker(c)));
  const elapsed = (nowMs() - t0) / 1000;
  agent.destroy();
  return { ops: lat.length, seconds: elapsed, perSecond: lat.length / elapsed, meanMs: lat.reduce((a, b) => a + b, 0) / Math.max(1, lat.length), errors };
}
