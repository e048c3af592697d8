// Measure 8, the syncer at scale: the same pods created directly on a local
// super cluster (baseline) and through 100 tenant control planes synced onto
// another fresh super cluster by one `tenantry syncer`; then the syncer's
// memory, restart and one patrol round. Processes:
//   - the super cluster: `tenantry super` (its own process);
//   - the tenants: bench/tenant-host.ts, several API servers per process;
//   - the syncer: `tenantry syncer --tenant …×N --metrics-listen …` (its own
//     process, so its RSS and CPU are its own);
//   - this process: the load generator and the watches that time everything.

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliFor, Client, freePort, nowMs, peakRssMb, probeReadyz, readKubeconfig, rssMb, sleep, tempDir, track, type Credentials } from './client.js';
import { percentile } from './stats.js';
import { cpuSeconds } from './workloads.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));

export interface SyncerBenchOptions {
  tenants: number;
  podsPerTenant: number;
  nodes: number;
  /** Node capacity flag for `tenantry super --node-capacity`. */
  nodeCapacity: string;
  podStartDelayMs: number;
  /** Concurrent creates, the same for the baseline and the tenants. */
  concurrency: number;
  /** Tenant API servers per host process. */
  tenantsPerProcess: number;
  patrolIntervalS: number;
  /** The syncer's --workers (concurrent reconciles). */
  workers: number;
  /** Run a syncer under `node --cpu-prof` into this directory and stop it gracefully so the profile is written. */
  profileDir?: string;
  /** Which syncer profileDir profiles: the first (the burst of creates) or the restarted one (restart and patrol). */
  profileTarget?: 'first' | 'restart';
  /** Run the super cluster (the one the syncer writes to) under `node --cpu-prof` into this directory. */
  profileSuperDir?: string;
  /** Run the tenant host processes under `node --cpu-prof` into this directory. */
  profileTenantsDir?: string;
  /** Take a heap snapshot of the first syncer at steady state into this directory. */
  heapSnapshotDir?: string;
  /** The paced phase: this many pods at this many per second, round robin over the tenants (0 pods: skipped). */
  pacedPods: number;
  pacedRate: number;
  /** Skip the direct baseline (while working on the syncer; its figures are then NaN). */
  skipDirect?: boolean;
  /** Extra node flags for every syncer process (trying V8 settings such as --max-semi-space-size). */
  syncerNodeArgs?: string[];
  /** Write the restarted syncer's log (up to the probe pod's arrival) to this file (run with TENANTRY_LOG_LEVEL=info). */
  restartLogFile?: string;
  log(msg: string): void;
}

export const DEFAULT_SYNCER_BENCH: Omit<SyncerBenchOptions, 'log'> = {
  tenants: 100,
  podsPerTenant: 100,
  // A simulated node's pod CIDR is a /24 (253 pod IPs): 10,000 pods, the probe and the paced
  // ones need 45 nodes (bench/run.ts computes it from the counts).
  nodes: 45,
  // Each pod asks for 100m + 64Mi, plus the kata RuntimeClass overhead (250m + 160Mi).
  nodeCapacity: 'cpu=96,memory=64Gi,pods=253',
  podStartDelayMs: 100,
  concurrency: 16,
  tenantsPerProcess: 50,
  patrolIntervalS: 10,
  // Reconciles wait on the servers' commits far more than on CPU: 8 workers left the syncer
  // mostly idle while 10,000 pods queued up behind them.
  workers: 32,
  pacedPods: 1000,
  pacedRate: 50,
};

export interface SyncerResult {
  tenants: number;
  pods: number;
  nodes: number;
  concurrency: number;
  tenantProcesses: number;
  /** The syncer's --workers. */
  workers?: number;
  /** superCpuS: CPU seconds the super cluster used from the first create until every pod ran. */
  direct: { createdS: number; runningS: number; errors: number; superCpuS?: number };
  synced: {
    createdS: number;
    /** Until every super pod had arrived on the super-side watch. */
    superCreatedS: number;
    /** Until every tenant pod showed status.phase Running in its tenant. */
    runningS: number;
    errors: number;
    /** Tenant create response → super pod ADDED on a super watch. */
    p50Ms: number;
    p99Ms: number;
    maxMs: number;
    notRunning: number;
    /** CPU seconds used during the run by the syncer, the super cluster and the tenant hosts. */
    syncerCpuS: number;
    superCpuS: number;
    tenantsCpuS: number;
    /** The syncer's own counts for the run, from its /metrics. */
    work?: { tenantWrites: number; superWrites: number; reconciles: number };
  };
  /** Syncer RSS after connecting to every tenant, before any pod (idle 5 s). */
  rssIdleMb: number;
  /** Syncer RSS after every pod is Running and 10 s without work. */
  rssSteadyMb: number;
  /** The syncer's highest RSS (VmHWM) until then. */
  rssPeakMb?: number;
  restart: { readyMs: number; probeMs: number };
  patrol: { tenants: number; meanS: number; maxS: number; roundS: number };
  /** Pods created open-loop at a pace the super cluster keeps up with, spread over every tenant: tenant create → super create. */
  paced?: { pods: number; rate: number; p50Ms: number; p99Ms: number; maxMs: number; missing: number };
}

// ---- processes ---------------------------------------------------------------------------------------------------

interface Proc {
  proc: ChildProcess;
  pid: number;
  logs(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

function launch(argv: string[], nodeArgs: string[] = [], onStdout?: (chunk: string) => void): Proc {
  const proc = track(spawn(process.execPath, [...nodeArgs, ...argv], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TENANTRY_LOG_LEVEL: process.env.TENANTRY_LOG_LEVEL ?? 'warn' } }));
  let out = '';
  const keep = (d: Buffer): void => {
    out += d.toString();
    if (out.length > 64_000) out = out.slice(-32_000);
  };
  proc.stdout!.on('data', (d: Buffer) => {
    keep(d);
    onStdout?.(d.toString());
  });
  proc.stderr!.on('data', keep);
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  return {
    proc,
    pid: proc.pid!,
    logs: () => out,
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill(signal);
        const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

const alive = (p: Proc): boolean => p.proc.exitCode === null && p.proc.signalCode === null;

async function until(what: string, p: Proc | undefined, timeoutMs: number, check: () => Promise<boolean> | boolean, everyMs = 50): Promise<void> {
  const deadline = nowMs() + timeoutMs;
  for (;;) {
    if (p && !alive(p)) throw new Error(`${what}: process exited (${p.proc.exitCode ?? p.proc.signalCode}):\n${p.logs().slice(-4000)}`);
    if (await check()) return;
    if (nowMs() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s${p ? `\n${p.logs().slice(-4000)}` : ''}`);
    await sleep(everyMs);
  }
}

interface SuperProc extends Proc {
  creds: Credentials;
  kubeconfig: string;
  dataDir: string;
}

async function startSuper(o: SyncerBenchOptions, profileDir?: string): Promise<SuperProc> {
  const dataDir = tempDir('super');
  const port = await freePort();
  const prof = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const p = launch([cliFor(prof), 'super', '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`, '--nodes', String(o.nodes), '--node-capacity', o.nodeCapacity, '--pod-start-delay-ms', String(o.podStartDelayMs)], prof);
  const kubeconfig = path.join(dataDir, 'admin.kubeconfig');
  await until('super cluster ready', p, 60_000, async () => (await probeReadyz(port)) === 200 && fs.existsSync(kubeconfig));
  const creds = readKubeconfig(kubeconfig);
  const client = new Client(creds);
  try {
    // Every node registered and Ready before anything is timed.
    await until('super nodes registered', p, 60_000, async () => {
      const r = await client.request('GET', '/api/v1/nodes');
      if (r.code !== 200) return false;
      const items = (JSON.parse(r.body.toString()) as { items: unknown[] }).items;
      return items.length >= o.nodes;
    }, 200);
  } finally {
    client.close();
  }
  return {
    ...p,
    creds,
    kubeconfig,
    dataDir,
    async stop(signal) {
      await p.stop(signal);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

interface TenantInfo {
  name: string;
  kubeconfig: string;
  creds: Credentials;
}

async function startTenantHosts(o: SyncerBenchOptions, dir: string): Promise<{ hosts: Proc[]; tenants: TenantInfo[] }> {
  const hosts: Proc[] = [];
  const waits: Promise<{ name: string; kubeconfig: string }[]>[] = [];
  for (let first = 1; first <= o.tenants; first += o.tenantsPerProcess) {
    const count = Math.min(o.tenantsPerProcess, o.tenants - first + 1);
    let buf = '';
    let resolve!: (v: { name: string; kubeconfig: string }[]) => void;
    waits.push(new Promise((r) => (resolve = r)));
    const prof = o.profileTenantsDir ? ['--cpu-prof', `--cpu-prof-dir=${o.profileTenantsDir}`] : [];
    const h = launch([path.join(HERE, 'tenant-host.js'), dir, String(first), String(count)], prof, (chunk) => {
      buf += chunk;
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve((JSON.parse(buf.slice(0, nl)) as { tenants: { name: string; kubeconfig: string }[] }).tenants);
    });
    hosts.push(h);
  }
  const lists = await Promise.race([
    Promise.all(waits),
    (async () => {
      await until('tenant control planes ready', undefined, 180_000, () => hosts.some((h) => !alive(h)), 200);
      const dead = hosts.find((h) => !alive(h))!;
      throw new Error(`a tenant host exited:\n${dead.logs().slice(-4000)}`);
    })(),
  ]);
  const tenants = lists.flat().map((t) => ({ ...t, creds: readKubeconfig(t.kubeconfig) }));
  return { hosts, tenants };
}

interface SyncerProc extends Proc {
  metricsUrl: string;
}

async function startSyncer(superKubeconfig: string, tenants: TenantInfo[], patrolInterval: string, workers: number, nodeArgs: string[] = []): Promise<SyncerProc & { spawnedAt: number }> {
  const port = await freePort();
  const argv = [cliFor(nodeArgs), 'syncer', '--super-kubeconfig', superKubeconfig, '--metrics-listen', `127.0.0.1:${port}`, '--patrol-interval', patrolInterval, '--workers', String(workers)];
  for (const t of tenants) argv.push('--tenant', `${t.name}=${t.kubeconfig}`);
  const spawnedAt = nowMs();
  const p = launch(argv, nodeArgs);
  return { ...p, metricsUrl: `http://127.0.0.1:${port}`, spawnedAt };
}

function httpGet(url: string): Promise<{ code: number; body: string }> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
    });
    req.on('error', () => resolve({ code: 0, body: '' }));
    req.setTimeout(5000, () => req.destroy());
  });
}

/** Samples of one metric family from Prometheus text: labels string → value. */
export function metricSamples(text: string, name: string): Map<string, number> {
  const out = new Map<string, number>();
  const re = new RegExp(`^${name}(\\{[^}]*\\})? ([0-9.eE+-]+|NaN)$`, 'gm');
  for (const m of text.matchAll(re)) out.set(m[1] ?? '', Number(m[2]));
  return out;
}

const sum = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);

/** The syncer's writes so far by side, op and kind ("tenant create events" → n), for the progress log. */
async function syncerWriteBreakdown(s: SyncerProc): Promise<Map<string, number>> {
  const text = (await httpGet(`${s.metricsUrl}/metrics`)).body;
  const out = new Map<string, number>();
  for (const [labels, n] of metricSamples(text, 'tenantry_syncer_writes_total')) {
    const l = (k: string): string => new RegExp(`[{,]${k}="([^"]*)"`).exec(labels)?.[1] ?? '';
    out.set(`${l('side')} ${l('op')} ${l('kind')}`, n);
  }
  return out;
}

/** pino lines counted by level and message, most frequent first. */
function logSummary(text: string): string {
  const counts = new Map<string, number>();
  for (const line of text.split('\n')) {
    try {
      const e = JSON.parse(line) as { level?: number; msg?: string };
      const k = `${e.level ?? '?'} ${e.msg ?? ''}`;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    } catch {
      // not a log line (a partial one at the cut)
    }
  }
  return [...counts].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k, n]) => `${k} ×${n}`).join('; ');
}

/** The syncer's V8 heap against its RSS, from its /metrics (prom-client's default metrics). */
async function syncerHeap(s: SyncerProc): Promise<string> {
  const text = (await httpGet(`${s.metricsUrl}/metrics`)).body;
  const one = (name: string): number => [...metricSamples(text, name).values()].reduce((a, b) => a + b, 0) / 1e6;
  const spaces = [...metricSamples(text, 'tenantry_syncer_nodejs_heap_space_size_total_bytes')].filter(([, v]) => v >= 1e6).map(([l, v]) => `${/space="([a-z_]+)"/.exec(l)?.[1] ?? l} ${(v / 1e6).toFixed(0)}`);
  return `heap used ${one('tenantry_syncer_nodejs_heap_size_used_bytes').toFixed(0)} MB of ${one('tenantry_syncer_nodejs_heap_size_total_bytes').toFixed(0)} MB (${spaces.join(', ')}), external ${one('tenantry_syncer_nodejs_external_memory_bytes').toFixed(0)} MB`;
}

async function syncerWork(s: SyncerProc): Promise<{ tenantWrites: number; superWrites: number; reconciles: number }> {
  const text = (await httpGet(`${s.metricsUrl}/metrics`)).body;
  const writes = metricSamples(text, 'tenantry_syncer_writes_total');
  const side = (x: string): number => sum(new Map([...writes].filter(([labels]) => labels.includes(`side="${x}"`))));
  return { tenantWrites: side('tenant'), superWrites: side('super'), reconciles: sum(metricSamples(text, 'tenantry_syncer_reconciles_total')) };
}

/** Waits until the syncer's queues are empty and no reconcile ran for `quietMs`. */
async function syncerIdle(s: SyncerProc, timeoutMs: number, quietMs = 1000): Promise<void> {
  let last = -1;
  let since = nowMs();
  await until('syncer idle', s, timeoutMs, async () => {
    const text = (await httpGet(`${s.metricsUrl}/metrics`)).body;
    const depth = sum(metricSamples(text, 'tenantry_syncer_queue_depth'));
    const done = sum(metricSamples(text, 'tenantry_syncer_reconciles_total'));
    if (depth > 0 || done !== last) {
      last = done;
      since = nowMs();
      return false;
    }
    return nowMs() - since >= quietMs;
  }, 250);
}

// ---- watches and load --------------------------------------------------------------------------------------------

interface PodEvent {
  type: string;
  object: { metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; resourceVersion?: string }; status?: { phase?: string } };
}

/** A watch stream that reconnects from the last seen resourceVersion; `onEvent` gets each event. */
function watch(creds: Credentials, p: string, onEvent: (e: PodEvent) => void): { stop(): void } {
  const agent = new https.Agent({ ca: creds.ca, cert: creds.cert, key: creds.key, keepAlive: false });
  let rv = '';
  let stopped = false;
  let req: http.ClientRequest | undefined;
  const open = (): void => {
    if (stopped) return;
    const q = `${p}${p.includes('?') ? '&' : '?'}watch=1&allowWatchBookmarks=true${rv ? `&resourceVersion=${rv}` : ''}`;
    req = https.get(creds.server + q, { agent }, (res) => {
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        buf += d;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (!line.trim()) continue;
          const e = JSON.parse(line) as PodEvent;
          if (e.type === 'ERROR') {
            rv = '';
            continue;
          }
          rv = e.object.metadata?.resourceVersion ?? rv;
          if (e.type !== 'BOOKMARK') onEvent(e);
        }
      });
      res.on('end', () => setTimeout(open, 100));
      res.on('error', () => setTimeout(open, 100));
    });
    req.on('error', () => setTimeout(open, 200));
  };
  open();
  return {
    stop() {
      stopped = true;
      req?.destroy();
      agent.destroy();
    },
  };
}

/** The pod every run creates: the same spec in the baseline and through the tenants. */
export function benchPod(name: string, i: number, extraSpec: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'bench', shard: String(i % 16) } },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'registry.example/bench/app:1.0',
          ports: [{ containerPort: 8080, name: 'http' }],
          env: [{ name: 'POD_INDEX', value: String(i) }],
          resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '128Mi' } },
        },
      ],
      ...extraSpec,
    },
  };
}

/**
 * What the syncer makes of a tenant pod's spec in the super cluster, applied
 * to the baseline's pods too, so that the super cluster does the same work
 * for both (RuntimeClass admission, no token volume, no service links).
 */
const SUPER_SIDE_SPEC = { runtimeClassName: 'kata', automountServiceAccountToken: false, enableServiceLinks: false };

export const podName = (i: number): string => `pod-${String(i).padStart(3, '0')}`;

interface CreateJob {
  client: Client;
  path: string;
  body: unknown;
  id: string;
}

/** `concurrency` closed-loop creators working through `jobs` in order; calls done(id) at each 201. */
async function createAll(jobs: CreateJob[], concurrency: number, done: (id: string) => void, log: (m: string) => void): Promise<number> {
  let next = 0;
  let finished = 0;
  let errors = 0;
  let first: string | undefined;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const j = jobs[next++]!;
      for (let attempt = 0; ; attempt++) {
        const r = await j.client.request('POST', j.path, j.body).catch((e: Error) => ({ code: 0, body: Buffer.from(e.message) }));
        if (r.code === 201) {
          done(j.id);
          break;
        }
        errors++;
        first ??= `${r.code}: ${r.body.toString().slice(0, 200)}`;
        if (attempt >= 5) break;
        await sleep(100 * 2 ** attempt);
      }
      if (++finished % 2000 === 0) log(`8/8   answered ${finished}/${jobs.length}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  if (first) log(`  ${errors} create attempts failed (first: ${first})`);
  return errors;
}

// ---- the measure -------------------------------------------------------------------------------------------------

async function directBaseline(o: SyncerBenchOptions): Promise<SyncerResult['direct']> {
  const total = o.tenants * o.podsPerTenant;
  o.log(`8/8 baseline: ${total} pods created directly on a fresh super cluster (${o.nodes} nodes), ${o.concurrency} concurrent clients`);
  const sup = await startSuper(o);
  const client = new Client(sup.creds, o.concurrency);
  const running = new Set<string>();
  const w = watch(sup.creds, '/api/v1/pods?labelSelector=app%3Dbench', (e) => {
    if (e.object.status?.phase === 'Running') running.add(`${e.object.metadata?.namespace}/${e.object.metadata?.name}`);
  });
  try {
    const ns = (t: number): string => `direct-${String(t).padStart(3, '0')}`;
    for (let t = 1; t <= o.tenants; t++) await client.must('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns(t) } });
    const jobs: CreateJob[] = [];
    for (let i = 0; i < o.podsPerTenant; i++) {
      for (let t = 1; t <= o.tenants; t++) jobs.push({ client, path: `/api/v1/namespaces/${ns(t)}/pods`, body: benchPod(podName(i), i, SUPER_SIDE_SPEC), id: '' });
    }
    await sleep(500);
    const t0 = nowMs();
    const cpu0 = cpuSeconds(sup.pid);
    const errors = await createAll(jobs, o.concurrency, () => {}, o.log);
    const createdS = (nowMs() - t0) / 1000;
    o.log(`8/8 baseline: all created in ${createdS.toFixed(1)} s; waiting for Running`);
    await until('baseline pods Running', sup, 300_000, () => running.size >= total, 20);
    const runningS = (nowMs() - t0) / 1000;
    const superCpuS = cpuSeconds(sup.pid) - cpu0;
    o.log(`8/8 baseline: all Running after ${runningS.toFixed(1)} s; super cluster CPU ${superCpuS.toFixed(1)} s`);
    return { createdS, runningS, errors, superCpuS };
  } finally {
    w.stop();
    client.close();
    await sup.stop();
  }
}

export async function measureSyncer(opts: Partial<Omit<SyncerBenchOptions, 'log'>> & { log: (m: string) => void }): Promise<SyncerResult> {
  const o: SyncerBenchOptions = { ...DEFAULT_SYNCER_BENCH, ...opts };
  const total = o.tenants * o.podsPerTenant;
  const direct = o.skipDirect ? { createdS: NaN, runningS: NaN, errors: 0 } : await directBaseline(o);
  const profileFirst = o.profileDir && o.profileTarget !== 'restart' ? o.profileDir : undefined;
  const profileRestart = o.profileDir && o.profileTarget === 'restart' ? o.profileDir : undefined;

  o.log(`8/8 starting a fresh super cluster and ${o.tenants} tenant control planes (${o.tenantsPerProcess} per process)`);
  const tenantDir = tempDir('tenants');
  const [sup, th] = await Promise.all([startSuper(o, o.profileSuperDir), startTenantHosts(o, tenantDir)]);
  const { hosts, tenants } = th;
  const clients = new Map(tenants.map((t) => [t.name, new Client(t.creds, 4)]));
  const watches: { stop(): void }[] = [];
  let syncer: (SyncerProc & { spawnedAt: number }) | undefined;
  try {
    for (const t of tenants) await clients.get(t.name)!.must('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } });
    o.log(`8/8 starting the syncer for ${tenants.length} tenants`);
    const profArgs = profileFirst ? ['--cpu-prof', `--cpu-prof-dir=${profileFirst}`] : [];
    if (o.heapSnapshotDir) profArgs.push('--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${o.heapSnapshotDir}`);
    syncer = await startSyncer(sup.kubeconfig, tenants, '0', o.workers, [...(o.syncerNodeArgs ?? []), ...profArgs]);
    const s1 = syncer;
    await until('syncer ready', s1, 120_000, async () => (await httpGet(`${s1.metricsUrl}/readyz`)).code === 200, 50);
    o.log(`8/8 syncer ready after ${((nowMs() - s1.spawnedAt) / 1000).toFixed(1)} s; waiting for its initial sync to finish`);
    await syncerIdle(s1, 120_000);
    await sleep(5000);
    const rssIdleMb = rssMb(s1.pid);
    o.log(`8/8 syncer idle RSS with ${tenants.length} tenants: ${rssIdleMb.toFixed(1)} MB`);

    // Timing: client response per tenant pod, super ADDED arrival, tenant Running.
    const responded = new Map<string, number>();
    const superAdded = new Map<string, number>();
    const tenantRunning = new Map<string, number>();
    watches.push(
      watch(sup.creds, '/api/v1/pods?labelSelector=tenantry.io%2Ftenant', (e) => {
        if (e.type !== 'ADDED') return;
        const id = `${e.object.metadata?.labels?.['tenantry.io/tenant'] ?? ''}/${e.object.metadata?.name ?? ''}`;
        if (!superAdded.has(id)) superAdded.set(id, nowMs());
      }),
    );
    for (const t of tenants) {
      watches.push(
        watch(t.creds, '/api/v1/namespaces/bench/pods', (e) => {
          if (e.object.status?.phase !== 'Running') return;
          const id = `${t.name}/${e.object.metadata?.name ?? ''}`;
          if (!tenantRunning.has(id)) tenantRunning.set(id, nowMs());
        }),
      );
    }
    const jobs: CreateJob[] = [];
    for (let i = 0; i < o.podsPerTenant; i++) {
      for (const t of tenants) jobs.push({ client: clients.get(t.name)!, path: '/api/v1/namespaces/bench/pods', body: benchPod(podName(i), i), id: `${t.name}/${podName(i)}` });
    }
    await sleep(1000);
    const work0 = await syncerWork(s1);
    const cpu0 = { syncer: cpuSeconds(s1.pid), super: cpuSeconds(sup.pid), tenants: hosts.reduce((a, h) => a + cpuSeconds(h.pid), 0) };
    o.log(`8/8 creating ${total} pods through the tenants, ${o.concurrency} concurrent clients`);
    const t0 = nowMs();
    const errors = await createAll(jobs, o.concurrency, (id) => responded.set(id, nowMs()), o.log);
    const createdS = (nowMs() - t0) / 1000;
    o.log(`8/8 all created in the tenants in ${createdS.toFixed(1)} s; ${superAdded.size} in the super so far, ${tenantRunning.size} Running`);
    let lastLog = nowMs();
    const deadline = nowMs() + 300_000;
    while (tenantRunning.size < total && nowMs() < deadline) {
      if (!alive(s1)) throw new Error(`syncer exited:\n${s1.logs().slice(-4000)}`);
      if (nowMs() - lastLog > 10_000) {
        lastLog = nowMs();
        o.log(`8/8   ${superAdded.size}/${total} in the super, ${tenantRunning.size}/${total} Running in the tenants`);
      }
      await sleep(20);
    }
    const runningS = (nowMs() - t0) / 1000;
    const superCreatedS = (Math.max(...superAdded.values()) - t0) / 1000;
    const cpu1 = { syncer: cpuSeconds(s1.pid), super: cpuSeconds(sup.pid), tenants: hosts.reduce((a, h) => a + cpuSeconds(h.pid), 0) };
    const work1 = await syncerWork(s1);
    const breakdown = await syncerWriteBreakdown(s1).catch(() => new Map<string, number>());
    o.log(`8/8 syncer writes so far: ${[...breakdown].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ')}`);
    const lat: number[] = [];
    for (const [id, at] of responded) {
      const sup = superAdded.get(id);
      if (sup !== undefined) lat.push(sup - at);
    }
    const synced: SyncerResult['synced'] = {
      createdS,
      superCreatedS,
      runningS,
      errors,
      p50Ms: percentile(lat, 50),
      p99Ms: percentile(lat, 99),
      maxMs: lat.length ? Math.max(...lat) : NaN,
      notRunning: total - tenantRunning.size,
      syncerCpuS: cpu1.syncer - cpu0.syncer,
      superCpuS: cpu1.super - cpu0.super,
      tenantsCpuS: cpu1.tenants - cpu0.tenants,
      work: { tenantWrites: work1.tenantWrites - work0.tenantWrites, superWrites: work1.superWrites - work0.superWrites, reconciles: work1.reconciles - work0.reconciles },
    };
    o.log(
      `8/8 through the tenants: all in the super after ${superCreatedS.toFixed(1)} s, ${synced.notRunning ? `${synced.notRunning} NOT Running` : 'all Running'} after ${runningS.toFixed(1)} s (direct ${direct.runningS.toFixed(1)} s); tenant create → super create p50 ${synced.p50Ms.toFixed(0)} ms, p99 ${synced.p99Ms.toFixed(0)} ms; CPU s: syncer ${synced.syncerCpuS.toFixed(1)}, super ${synced.superCpuS.toFixed(1)}, tenants ${synced.tenantsCpuS.toFixed(1)}`,
    );

    await syncerIdle(s1, 120_000);
    // Steady state: 10 s without work (the syncer returns a burst's heap to the system once quiet, memory.ts).
    const quiet0 = await syncerWork(s1);
    await sleep(10_000);
    const quiet1 = await syncerWork(s1);
    o.log(`8/8 syncer at rest: ${quiet1.reconciles - quiet0.reconciles} reconciles, ${quiet1.tenantWrites - quiet0.tenantWrites + quiet1.superWrites - quiet0.superWrites} writes in 10 s`);
    const rssSteadyMb = rssMb(s1.pid);
    const rssPeakMb = peakRssMb(s1.pid);
    const heap = await syncerHeap(s1);
    o.log(`8/8 syncer heap: ${heap}`);
    const warned = logSummary(s1.logs());
    if (warned) o.log(`8/8 syncer log lines (last 32 KB or more) by message: ${warned}`);
    if (o.heapSnapshotDir) {
      // Written by the syncer itself (started with --heapsnapshot-signal); it pauses while writing.
      const before = new Set(fs.readdirSync(o.heapSnapshotDir));
      process.kill(s1.pid, 'SIGUSR2');
      // Written once its size stops changing (the file appears empty and grows for many seconds).
      let size = -1;
      await until('heap snapshot written', s1, 600_000, () => {
        const f = fs.readdirSync(o.heapSnapshotDir!).find((n) => !before.has(n) && n.endsWith('.heapsnapshot'));
        const now = f ? fs.statSync(path.join(o.heapSnapshotDir!, f)).size : -1;
        const stable = now > 0 && now === size;
        size = now;
        return stable;
      }, 3000);
      o.log(`8/8 heap snapshot in ${o.heapSnapshotDir}`);
    }
    const kinds = /RssAnon:\s+(\d+).*\n.*RssFile:\s+(\d+)/.exec(fs.readFileSync(`/proc/${s1.pid}/status`, 'utf8'));
    o.log(`8/8 syncer steady-state RSS: ${rssSteadyMb.toFixed(1)} MB (peak during the run ${rssPeakMb.toFixed(1)} MB${kinds ? `; anonymous ${(Number(kinds[1]) / 1024).toFixed(0)} MB, file-backed ${(Number(kinds[2]) / 1024).toFixed(0)} MB` : ''})`);

    // Restart: the old syncer is killed (-9 unless profiling, which needs a clean exit to write the profile).
    await s1.stop(profileFirst ? 'SIGTERM' : 'SIGKILL');
    const probeTenant = tenants[0]!;
    const probeId = `${probeTenant.name}/probe`;
    const s2 = await startSyncer(sup.kubeconfig, tenants, `${o.patrolIntervalS}s`, o.workers, [...(o.syncerNodeArgs ?? []), ...(profileRestart ? ['--cpu-prof', `--cpu-prof-dir=${profileRestart}`] : [])]);
    syncer = s2;
    await clients.get(probeTenant.name)!.must('POST', '/api/v1/namespaces/bench/pods', benchPod('probe', 0));
    let readyMs = NaN;
    await until('restarted syncer ready and probe pod synced', s2, 120_000, async () => {
      if (Number.isNaN(readyMs) && (await httpGet(`${s2.metricsUrl}/readyz`)).code === 200) readyMs = nowMs() - s2.spawnedAt;
      return !Number.isNaN(readyMs) && superAdded.has(probeId);
    }, 10);
    const probeMs = superAdded.get(probeId)! - s2.spawnedAt;
    o.log(`8/8 restart: /readyz 200 after ${readyMs.toFixed(0)} ms, probe pod in the super after ${probeMs.toFixed(0)} ms`);
    if (o.restartLogFile) fs.writeFileSync(o.restartLogFile, s2.logs());

    // Patrol: the restarted syncer patrols every tenant once per interval; wait for one full round.
    o.log(`8/8 waiting for one patrol round over ${tenants.length} tenants (interval ${o.patrolIntervalS} s)`);
    let samples = new Map<string, number>();
    let sums = new Map<string, number>();
    await until('one patrol round', s2, 180_000, async () => {
      const text = (await httpGet(`${s2.metricsUrl}/metrics`)).body;
      samples = metricSamples(text, 'tenantry_syncer_patrol_duration_seconds_count');
      sums = metricSamples(text, 'tenantry_syncer_patrol_duration_seconds_sum');
      return samples.size >= tenants.length && [...samples.values()].every((n) => n >= 1);
    }, 500);
    // Per tenant, the first patrol's duration (sum over count when a second one already ran).
    const perTenant = [...sums].map(([labels, s]) => s / (samples.get(labels) ?? 1));
    const patrol = { tenants: perTenant.length, meanS: perTenant.reduce((a, b) => a + b, 0) / perTenant.length, maxS: Math.max(...perTenant), roundS: perTenant.reduce((a, b) => a + b, 0) };
    o.log(`8/8 patrol: ${patrol.meanS.toFixed(3)} s per tenant (max ${patrol.maxS.toFixed(3)} s), ${patrol.roundS.toFixed(1)} s for the round over ${patrol.tenants}`);

    // The syncer's own latency: pods at a pace below what the super cluster absorbs, so that what is
    // measured is the path through the syncer, not a queue in front of a saturated super cluster.
    let paced: SyncerResult['paced'];
    if (o.pacedPods > 0) {
      o.log(`8/8 ${o.pacedPods} more pods at ${o.pacedRate}/s (open loop), round robin over the tenants`);
      const sent = new Map<string, number>();
      const inFlight: Promise<void>[] = [];
      const start = nowMs();
      for (let i = 0; i < o.pacedPods; i++) {
        const wait = start + (i * 1000) / o.pacedRate - nowMs();
        if (wait > 0) await sleep(wait);
        const t = tenants[i % tenants.length]!;
        const name = `paced-${String(i).padStart(4, '0')}`;
        inFlight.push(
          clients
            .get(t.name)!
            .request('POST', '/api/v1/namespaces/bench/pods', benchPod(name, i))
            .then((r) => {
              if (r.code === 201) sent.set(`${t.name}/${name}`, nowMs());
            }, () => undefined),
        );
      }
      await Promise.all(inFlight);
      const arrived = (): number => [...sent.keys()].filter((id) => superAdded.has(id)).length;
      await until('paced pods in the super', s2, 120_000, async () => arrived() >= sent.size, 50).catch(() => undefined);
      const pacedLat = [...sent].filter(([id]) => superAdded.has(id)).map(([id, at]) => superAdded.get(id)! - at);
      paced = { pods: o.pacedPods, rate: o.pacedRate, p50Ms: percentile(pacedLat, 50), p99Ms: percentile(pacedLat, 99), maxMs: pacedLat.length ? Math.max(...pacedLat) : NaN, missing: o.pacedPods - pacedLat.length };
      o.log(`8/8 paced: tenant create → super create p50 ${paced.p50Ms.toFixed(0)} ms, p99 ${paced.p99Ms.toFixed(0)} ms, max ${paced.maxMs.toFixed(0)} ms${paced.missing ? ` (${paced.missing} missing)` : ''}`);
    }
    return {
      tenants: tenants.length,
      pods: total,
      nodes: o.nodes,
      concurrency: o.concurrency,
      tenantProcesses: hosts.length,
      workers: o.workers,
      direct,
      synced,
      rssIdleMb,
      rssSteadyMb,
      rssPeakMb,
      restart: { readyMs, probeMs },
      patrol,
      paced,
    };
  } finally {
    for (const w of watches) w.stop();
    for (const c of clients.values()) c.close();
    await syncer?.stop();
    await Promise.all([...hosts.map((h) => h.stop()), sup.stop()]);
    fs.rmSync(tenantDir, { recursive: true, force: true });
  }
}
