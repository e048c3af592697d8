// End-to-end harness: starts the real `tenantry` CLI as a child process on
// 127.0.0.1 with a temp data dir, waits for its kubeconfig, and runs the real
// kubectl binary against it.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import https from 'node:https';
import YAML from 'yaml';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CLI = path.join(ROOT, 'bin', 'tenantry.js');

/** kubectl of a given minor version: $KUBECTL, else the versioned SDK binaries, else PATH. */
export function kubectlPath(minor = 32): string {
  if (process.env.KUBECTL) return process.env.KUBECTL;
  const versioned = `/usr/lib/google-cloud-sdk/bin/kubectl.1.${minor}`;
  if (fs.existsSync(versioned)) return versioned;
  return 'kubectl';
}

export interface ServerProcess {
  dataDir: string;
  kubeconfig: string;
  url: string;
  proc: ChildProcess;
  logs: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `tenantry-${prefix}-`));
}

export async function startServer(opts: { dataDir?: string; args?: string[]; listen?: string; env?: Record<string, string> } = {}): Promise<ServerProcess> {
  const dataDir = opts.dataDir ?? tempDir('e2e');
  const kubeconfig = path.join(dataDir, 'admin.kubeconfig');
  fs.rmSync(kubeconfig, { force: true });
  const proc = spawn(process.execPath, [CLI, 'apiserver', '--data-dir', dataDir, '--listen', opts.listen ?? '127.0.0.1:0', ...(opts.args ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TENANTRY_LOG_LEVEL: process.env.TENANTRY_LOG_LEVEL ?? 'info', ...opts.env },
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (/ready at (https:\/\/\S+)/.test(out)) break;
    if (proc.exitCode !== null) throw new Error(`server exited early (${proc.exitCode}):\n${out}`);
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`server did not become ready:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  const url = /ready at (https:\/\/\S+)/.exec(out)![1]!;
  return {
    dataDir,
    kubeconfig,
    url,
    proc,
    logs: () => out,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
      proc.kill(signal);
      return exited;
    },
  };
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function kubectl(server: Pick<ServerProcess, 'kubeconfig' | 'dataDir'>, args: string[], opts: { input?: string; minor?: number; env?: Record<string, string> } = {}): KubectlResult {
  const r = spawnSync(kubectlPath(opts.minor), ['--kubeconfig', server.kubeconfig, '--cache-dir', path.join(server.dataDir, `kubectl-cache-${opts.minor ?? 32}`), ...args], {
    input: opts.input,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, ...opts.env },
  });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** kubectl that must succeed; returns stdout. */
export function k(server: Pick<ServerProcess, 'kubeconfig' | 'dataDir'>, args: string[], opts: { input?: string; minor?: number } = {}): string {
  const r = kubectl(server, args, opts);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}):\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** Start kubectl in the background (for -w / wait); returns the process and its output so far. */
export function kubectlBackground(server: Pick<ServerProcess, 'kubeconfig' | 'dataDir'>, args: string[], minor = 32): { proc: ChildProcess; output: () => string; done: Promise<number | null> } {
  const proc = spawn(kubectlPath(minor), ['--kubeconfig', server.kubeconfig, '--cache-dir', path.join(server.dataDir, `kubectl-cache-${minor}`), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const done = new Promise<number | null>((resolve) => proc.once('exit', (c) => resolve(c)));
  return { proc, output: () => out, done };
}

export async function eventually<T>(fn: () => T | Promise<T>, timeoutMs = 10_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw last;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

interface Kubeconfig {
  clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
  users: { user: { 'client-certificate-data': string; 'client-key-data': string } }[];
}

/** A kubeconfig's server URL and embedded TLS material (CA, client certificate and key, PEM). */
export function credentials(kubeconfigPath: string): { server: string; ca: Buffer; cert: Buffer; key: Buffer } {
  const kc = YAML.parse(fs.readFileSync(kubeconfigPath, 'utf8')) as Kubeconfig;
  const b = (s: string) => Buffer.from(s, 'base64');
  return {
    server: kc.clusters[0]!.cluster.server,
    ca: b(kc.clusters[0]!.cluster['certificate-authority-data']),
    cert: b(kc.users[0]!.user['client-certificate-data']),
    key: b(kc.users[0]!.user['client-key-data']),
  };
}

/** A raw HTTPS client authenticated with a kubeconfig's embedded certificates. */
export function client(kubeconfigPath: string, maxSockets = 8) {
  const kc = YAML.parse(fs.readFileSync(kubeconfigPath, 'utf8')) as Kubeconfig;
  const { server: base, ca, cert, key } = credentials(kubeconfigPath);
  const agent = new https.Agent({ ca, cert, key, keepAlive: true, maxSockets });
  const request = (method: string, p: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ code: number; body: string; headers: Record<string, string | string[] | undefined> }> =>
    new Promise((resolve, reject) => {
      const req = https.request(base + p, { method, agent, headers: { 'Content-Type': 'application/json', ...headers } }, (res) => {
        let data = '';
        res.on('data', (d) => (data += d));
        res.on('end', () => resolve({ code: res.statusCode ?? 0, body: data, headers: res.headers }));
        res.on('error', reject);
      });
      req.on('error', reject);
      if (body !== undefined) req.write(typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body));
      req.end();
    });
  return { base, agent, request, ca: kc.clusters[0]!.cluster['certificate-authority-data'] };
}

