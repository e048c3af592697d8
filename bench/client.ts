// What every benchmark needs to talk to a tenant API server: start one as a
// child process on a temp data dir, read the admin kubeconfig it writes, and
// send requests over a keep-alive TLS agent that presents the admin client cert.

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = path.join(ROOT, 'bin', 'tenantry.js');
/**
 * The CLI as tsc builds it, one file per module: profiles taken from it name the project's own
 * files and functions, where the bundle (dist/cli, what CLI runs) would show chunk names. It skips
 * the launcher's start-up mode (bin/start-mode.ts), which changes nothing once a server is warm.
 */
export const CLI_UNBUNDLED = path.join(ROOT, 'dist', 'bin', 'tenantry.js');

/** The CLI to run under these node flags: the unbundled one when profiling. */
export function cliFor(nodeArgs: readonly string[] = []): string {
  return nodeArgs.some((a) => a.startsWith('--cpu-prof') || a.startsWith('--heap')) ? CLI_UNBUNDLED : CLI;
}

/** Milliseconds on the monotonic clock: every timestamp in the bench uses this one. */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

const children = new Set<ChildProcess>();
/** Remembers a child process so that it is killed if the bench exits early (a failed measure must not leave servers running). */
export function track(p: ChildProcess): ChildProcess {
  children.add(p);
  p.once('exit', () => children.delete(p));
  return p;
}
process.once('exit', () => {
  for (const p of children) p.kill('SIGKILL');
});

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `tenantry-bench-${prefix}-`));
}

/** A port that was free a moment ago: lets us poll /readyz from the instant of spawn. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface Credentials {
  server: string;
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

interface KubeconfigFile {
  clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
  users: { user: { 'client-certificate-data': string; 'client-key-data': string } }[];
}

export function readKubeconfig(file: string): Credentials {
  const kc = YAML.parse(fs.readFileSync(file, 'utf8')) as KubeconfigFile;
  const b = (s: string): Buffer => Buffer.from(s, 'base64');
  return {
    server: kc.clusters[0]!.cluster.server,
    ca: b(kc.clusters[0]!.cluster['certificate-authority-data']),
    cert: b(kc.users[0]!.user['client-certificate-data']),
    key: b(kc.users[0]!.user['client-key-data']),
  };
}

export interface Response {
  code: number;
  body: Buffer;
}

/** A keep-alive https client bound to one server and one identity. */
export class Client {
  readonly agent: https.Agent;

  constructor(
    readonly creds: Credentials,
    maxSockets = 64,
  ) {
    this.agent = new https.Agent({ ca: creds.ca, cert: creds.cert, key: creds.key, keepAlive: true, maxSockets });
  }

  request(method: string, p: string, body?: unknown): Promise<Response> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { Accept: 'application/json' };
      if (payload) {
        headers['Content-Type'] = 'application/json';
        headers['Content-Length'] = payload.length;
      }
      const req = https.request(this.creds.server + p, { method, agent: this.agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => resolve({ code: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Like request, but a non-2xx answer is an error carrying the server's message. */
  async must(method: string, p: string, body?: unknown): Promise<Response> {
    const r = await this.request(method, p, body);
    if (r.code < 200 || r.code >= 300) throw new Error(`${method} ${p} -> ${r.code}: ${r.body.toString().slice(0, 300)}`);
    return r;
  }

  close(): void {
    this.agent.destroy();
  }
}

/** One GET /readyz on a fresh connection; resolves to the status code, or 0 if nothing answered. */
export function probeReadyz(port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = https.request({ host: '127.0.0.1', port, path: '/readyz', method: 'GET', rejectUnauthorized: false, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.setTimeout(2000, () => req.destroy());
    req.end();
  });
}

export interface ServerOptions {
  dataDir?: string;
  /** Extra node flags for the server process (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /** Extra `tenantry apiserver` flags. */
  args?: string[];
}

export interface BenchServer {
  proc: ChildProcess;
  pid: number;
  port: number;
  dataDir: string;
  /** Spawn to first 200 from /readyz, in ms. */
  startMs: number;
  creds: Credentials;
  logs(): string;
  stop(): Promise<void>;
}

/**
 * Spawns `tenantry apiserver` on a port chosen up front and polls /readyz from
 * the moment of spawn, so the measured start is spawn -> first 200 exactly.
 */
export async function startServer(opts: ServerOptions = {}): Promise<BenchServer> {
  const dataDir = opts.dataDir ?? tempDir('server');
  const port = await freePort();
  const t0 = nowMs();
  const proc = track(spawn(process.execPath, [...(opts.nodeArgs ?? []), cliFor(opts.nodeArgs), 'apiserver', '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`, ...(opts.args ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TENANTRY_LOG_LEVEL: process.env.TENANTRY_LOG_LEVEL ?? 'info' },
  }));
  let out = '';
  const keep = (d: Buffer): void => {
    out += d.toString();
    if (out.length > 64_000) out = out.slice(-32_000);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const deadline = t0 + 30_000;
  let startMs = 0;
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`server exited early (${proc.exitCode ?? proc.signalCode}):\n${out}`);
    if (nowMs() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`server not ready within 30 s:\n${out}`);
    }
    const code = await probeReadyz(port);
    if (code === 200) {
      startMs = nowMs() - t0;
      break;
    }
    await sleep(code === 0 ? 2 : 5);
  }
  // The kubeconfig is written just before readiness flips; wait for it regardless.
  const kubeconfig = path.join(dataDir, 'admin.kubeconfig');
  while (!fs.existsSync(kubeconfig)) await sleep(5);
  return {
    proc,
    pid: proc.pid!,
    port,
    dataDir,
    startMs,
    creds: readKubeconfig(kubeconfig),
    logs: () => out,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Resident set size of a live process in MB (VmRSS from /proc). */
/** Peak resident set (VmHWM) of a process, MB. */
export function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+)\s+kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmHWM for pid ${pid}`);
  return Number(m[1]) / 1024;
}

export function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(status);
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) / 1024;
}
