// `npm run bench`: runs the measures (1–7 and 9 each against freshly started tenant
// API server, 8 the syncer at scale) and writes docs/benchmarks.md.
//   --only=1,4     run just those measures (prints results, does not write the doc)
//   --profile      run the servers (for 8: the syncer) under `node --cpu-prof` and print hot spots (does not write the doc)
//   --syncer-tenants=N --syncer-pods=M   a smaller measure 8 (N tenants × M pods) while working on it
//   --profile-restart  with --profile: profile the restarted syncer (restart and patrol) instead of the first
//   --profile-tenants, --profile-super  with --profile: also profile the tenant hosts, the super cluster
//   --heap-snapshot=DIR  measure 8: a heap snapshot of the syncer at steady state
//   --skip-direct  measure 8 without its direct baseline (while working on the syncer)
//   --syncer-node-args="--flag …"  measure 8: extra node flags for the syncer processes
//   --restart-log=FILE  measure 8: the restarted syncer's log, to FILE (with TENANTRY_LOG_LEVEL=info: its timings)

import { measureWriteCosts } from './writes.js';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, nowMs, rssMb, sleep, startServer, tempDir, track, type BenchServer, type ServerOptions } from './client.js';
import { ensureEtcd, etcdPutThroughput, etcdVersion, startEtcd } from './etcd.js';
import { rawInsertThroughput, rawRead } from './sqlite-raw.js';
import { median } from './stats.js';
import { bulkCreate, closedLoopCreates, cpuSeconds, pacedCreates, timeLists, watchFanout, type PacedResult } from './workloads.js';
import { render, type Machine, type Results } from './report.js';
import { formatProfile, summarizeProfile } from './profile.js';
import { DEFAULT_SYNCER_BENCH, benchPod, measureSyncer } from './syncer.js';
import { measurePolicyOverhead } from './policy.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const DOC = path.join(ROOT, 'docs', 'benchmarks.md');

const args = process.argv.slice(2);
const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',').map(Number);
const profile = args.includes('--profile');
const wanted = (n: number): boolean => !only || only.includes(n);
const numArg = (name: string): number | undefined => {
  const v = args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  return v === undefined ? undefined : Number(v);
};

const T0 = nowMs();
function log(msg: string): void {
  process.stdout.write(`[bench ${((nowMs() - T0) / 1000).toFixed(1).padStart(5)}s] ${msg}\n`);
}

/** Starts a server for one measure; under --profile it runs with --cpu-prof into its own dir. */
async function serverFor(label: string): Promise<{ server: BenchServer; client: Client; done: () => Promise<void> }> {
  const profDir = profile ? tempDir(`prof-${label}`) : undefined;
  const opts: ServerOptions = profDir ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profDir}`] } : {};
  const server = await startServer(opts);
  const client = new Client(server.creds);
  return {
    server,
    client,
    async done() {
      client.close();
      await server.stop();
      if (profDir) printProfiles(profDir, label);
    },
  };
}

function printProfiles(dir: string, label: string): void {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length === 0) log(`no CPU profile written for ${label} (server did not exit cleanly?)`);
  for (const f of files) console.log(formatProfile(label, summarizeProfile(path.join(dir, f))));
  log(`profiles kept in ${dir}`);
}

function spawnExit(cmd: string, argv: string[]): Promise<number> {
  const t = nowMs();
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, argv, { stdio: 'ignore' });
    p.once('error', reject);
    p.once('exit', () => resolve(nowMs() - t));
  });
}

async function measureStart(r: Results): Promise<void> {
  log('1/6 cold start: node -e 0 baseline ×5');
  const nodeAll: number[] = [];
  for (let i = 0; i < 5; i++) nodeAll.push(await spawnExit(process.execPath, ['-e', '0']));
  const freshAll: number[] = [];
  for (let i = 0; i < 5; i++) {
    const s = await startServer();
    freshAll.push(s.startMs);
    await s.stop();
  }
  log(`1/6 fresh data dir: ${freshAll.map((x) => x.toFixed(0)).join(', ')} ms`);
  const dir = tempDir('restart');
  const first = await startServer({ dataDir: dir });
  first.proc.kill('SIGTERM');
  await new Promise((res) => first.proc.once('exit', res));
  const restartAll: number[] = [];
  for (let i = 0; i < 5; i++) {
    const s = await startServer({ dataDir: dir });
    restartAll.push(s.startMs);
    s.proc.kill('SIGTERM');
    await new Promise((res) => s.proc.once('exit', res));
  }
  fs.rmSync(dir, { recursive: true, force: true });
  if (profile) {
    const profDir = tempDir('prof-start');
    const s = await startServer({ nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profDir}`] });
    log(`1/6 profiled start (fresh data dir): ${s.startMs.toFixed(0)} ms`);
    await s.stop();
    printProfiles(profDir, 'start');
  }
  r.start = { nodeMs: median(nodeAll), freshMs: median(freshAll), restartMs: median(restartAll), freshAll, restartAll };
  log(`1/6 start: ${r.start.freshMs.toFixed(0)} ms fresh, ${r.start.restartMs.toFixed(0)} ms restart, node -e 0 ${r.start.nodeMs.toFixed(0)} ms`);
}

async function measureRss(r: Results): Promise<void> {
  log('2/6 idle RSS: sampling 5 s and 10 s after ready');
  const s = await startServer();
  const bare = track(spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' }));
  await sleep(5000);
  const at5Mb = rssMb(s.pid);
  // An idle server returns its start-up's heap after a few quiet seconds (bin/tenantry.ts): 10 s is settled.
  await sleep(5000);
  r.rss = { serverMb: rssMb(s.pid), at5Mb, nodeMb: rssMb(bare.pid!) };
  bare.kill('SIGKILL');
  await s.stop();
  log(`2/6 idle RSS: ${r.rss.serverMb.toFixed(1)} MB at 10 s, ${at5Mb.toFixed(1)} MB at 5 s (bare node ${r.rss.nodeMb.toFixed(1)} MB)`);
}

const secretNamed = (prefix: string) => (i: number): { path: string; body: unknown } => ({
  path: '/api/v1/namespaces/default/secrets',
  body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: `${prefix}-${i}`, labels: { bench: 'latency' } }, type: 'Opaque', data: { token: Buffer.from(`token-${i}-`.padEnd(48, 'x')).toString('base64') } },
});
const WARMUP_S = 1;

/**
 * One second of the same paced creates, not counted: opens the keep-alive
 * connections and warms the JIT on both sides, so the measured run is steady
 * state rather than a burst of TLS handshakes (which stalls both processes for
 * hundreds of ms on 2 cores and would dominate the mean).
 */
async function pacedWithWarmup(client: Client, count: number, rate: number, progress?: (n: number) => void): Promise<PacedResult> {
  await pacedCreates(client, rate * WARMUP_S, rate, secretNamed('warmup'));
  return pacedCreates(client, count, rate, secretNamed('s'), progress);
}

/** Runs the paced workload against the bare https echo server, using the API server's certificates. */
async function echoBaseline(pkiDir: string, count: number, rate: number, creds: Client['creds']): Promise<PacedResult> {
  const p = track(spawn(process.execPath, [path.join(HERE, 'echo-server.js'), pkiDir], { stdio: ['ignore', 'pipe', 'inherit'] }));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    p.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(Number(out.trim()));
    });
    p.once('exit', (c) => reject(new Error(`echo server exited ${c}`)));
  });
  const client = new Client({ ...creds, server: `https://127.0.0.1:${port}` });
  try {
    return await pacedWithWarmup(client, count, rate);
  } finally {
    client.close();
    p.kill('SIGTERM');
  }
}

async function measureLatency(r: Results): Promise<void> {
  const count = 5000;
  const rate = 200;
  const { server, client, done } = await serverFor('latency');
  log(`3/6 baseline: ${count} creates at ${rate}/s against a bare node https echo server`);
  const echo = await echoBaseline(path.join(server.dataDir, 'pki'), count, rate, server.creds);
  log(`3/6 echo: mean ${echo.meanMs.toFixed(2)} ms, p99 ${echo.p99Ms.toFixed(2)} ms`);
  log(`3/6 ${count} secrets at ${rate}/s against the API server (~${count / rate} s)`);
  const res = await pacedWithWarmup(client, count, rate, (n) => log(`3/6   sent ${n}/${count}`));
  if (r.rss) r.rss.afterLoadMb = rssMb(server.pid);
  await done();
  r.latency = { server: res, echo, rate, count };
  log(`3/6 secrets: mean ${res.meanMs.toFixed(2)} ms, p99 ${res.p99Ms.toFixed(2)} ms, ${res.sent - res.ok} failed${res.errors[0] ? ` (first: ${res.errors[0]})` : ''}`);
}

async function measureThroughput(r: Results): Promise<void> {
  const clients = 8;
  const seconds = 10;
  const valueBytes = 1024;
  const value = 'x'.repeat(valueBytes);
  const { server, client, done } = await serverFor('throughput');
  log(`4/6 ${clients} closed-loop clients creating ConfigMaps for ${seconds} s`);
  const m0 = await commitMetrics(client);
  const cpu0 = cpuSeconds(server.pid);
  const res = await closedLoopCreates(client, clients, seconds, (c, i) => ({
    path: '/api/v1/namespaces/default/configmaps',
    body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${c}-${i}` }, data: { v: value } },
  }));
  const serverCores = (cpuSeconds(server.pid) - cpu0) / res.seconds;
  const m1 = await commitMetrics(client);
  const commits = m1.commits - m0.commits;
  const storage = commits > 0 ? { commits, meanBatch: (m1.ops - m0.ops) / commits, meanCommitMs: ((m1.seconds - m0.seconds) / commits) * 1000 } : undefined;
  await done();
  log(`4/6 API: ${res.perSecond.toFixed(0)} creates/s, mean ${res.meanMs.toFixed(2)} ms, ${res.errors.length} errors, server used ${serverCores.toFixed(2)} cores`);
  if (storage) log(`4/6 server storage: ${storage.commits} commits, ${storage.meanBatch.toFixed(2)} writes per commit, ${storage.meanCommitMs.toFixed(2)} ms per commit`);
  log(`4/6 raw better-sqlite3 inserts (WAL, synchronous=FULL, 1 tx each) for ${seconds} s`);
  const sqlite = rawInsertThroughput(clients, seconds, valueBytes);
  log(`4/6 raw SQLite: ${sqlite.perSecond.toFixed(0)} inserts/s`);
  const found = ensureEtcd(log);
  let etcd: Awaited<ReturnType<typeof etcdPutThroughput>> | { skip: string };
  let etcdPlain: Awaited<ReturnType<typeof etcdPutThroughput>> | undefined;
  let version: string | undefined;
  if ('skip' in found) {
    etcd = found;
    log(`4/6 SKIPPING the etcd baseline: ${found.skip}`);
  } else {
    version = etcdVersion(found.bin);
    const run = async (tls: boolean) => {
      log(`4/6 raw etcd ${version} puts${tls ? ' over TLS' : ' over plain HTTP'}, ${clients} clients via /v3/kv/put for ${seconds} s`);
      const e = await startEtcd(found.bin, { tls });
      try {
        const t = await etcdPutThroughput(e, clients, seconds, valueBytes);
        log(`4/6 raw etcd${tls ? ' (TLS)' : ' (plain)'}: ${t.perSecond.toFixed(0)} puts/s, mean ${t.meanMs.toFixed(2)} ms`);
        return t;
      } finally {
        await e.stop();
      }
    };
    etcd = await run(true);
    etcdPlain = await run(false);
  }
  r.throughput = { server: res, serverCores, storage, sqlite, etcd, etcdPlain, etcdVersion: version, clients, valueBytes };
}

/** The server's own group-commit counters, from /metrics (absent metrics read as zero). */
async function commitMetrics(client: Client): Promise<{ commits: number; ops: number; seconds: number }> {
  const text = (await client.request('GET', '/metrics')).body.toString();
  const num = (name: string): number => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? 0);
  return {
    commits: num('tenantry_storage_commit_batch_size_count'),
    ops: num('tenantry_storage_commit_batch_size_sum'),
    seconds: num('tenantry_storage_commit_duration_seconds_sum'),
  };
}

function pod(i: number): { path: string; body: unknown } {
  return { path: '/api/v1/namespaces/default/pods', body: benchPod(`pod-${String(i).padStart(5, '0')}`, i) };
}

async function measureList(r: Results): Promise<void> {
  const count = 10_000;
  const limit = 500;
  const { client, done } = await serverFor('list');
  log(`5/6 creating ${count} pods with 16 concurrent clients`);
  const createPerSecond = await bulkCreate(client, count, 16, pod, (n) => log(`5/6   created ${n}/${count}`));
  log(`5/6 created at ${createPerSecond.toFixed(0)}/s; timing GET /api/v1/pods (full ×3, limit=${limit} ×3)`);
  const api = await timeLists(client, '/api/v1/pods', count, limit, 3);
  const sample = JSON.stringify(JSON.parse((await client.must('GET', '/api/v1/namespaces/default/pods/pod-00000')).body.toString()));
  await done();
  log(`5/6 API: full ${api.fullMs.toFixed(0)} ms, paginated ${api.pagedMs.toFixed(0)} ms (${api.pages} pages); raw SQLite read of ${count} rows…`);
  const raw = rawRead(count, sample, 3);
  r.list = { count, createPerSecond, api, raw, limit };
  log(`5/6 raw SQLite: ${raw.readMs.toFixed(0)} ms (${raw.rowBytes} B rows)`);
}

async function measureWatch(r: Results): Promise<void> {
  const watchers = 100;
  // 500 events: a p99 over 200 was set by the two or three slowest events (one slow disk flush each).
  const objects = numArg('watch-objects') ?? 500;
  const rate = 50;
  const { server, client, done } = await serverFor('watch');
  await client.must('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'watched' } });
  log(`6/6 ${watchers} watchers; creating ${objects} ConfigMaps at ${rate}/s`);
  const w = await watchFanout(client, 'watched', watchers, objects, rate, server.pid);
  await done();
  r.watch = { ...w, rate };
  log(`6/6 watch: p50 ${w.p50Ms.toFixed(2)} ms, p99 ${w.p99Ms.toFixed(2)} ms (first arrival p50 ${w.firstP50Ms?.toFixed(2)}, p99 ${w.firstP99Ms?.toFixed(2)}; create p50 ${w.createP50Ms.toFixed(2)}, p99 ${w.createP99Ms.toFixed(2)}), ${w.events}/${w.expected} events; server ${w.serverCores.toFixed(2)} cores, bench client ${w.clientCores.toFixed(2)} cores`);
}

async function measureWrites(r: Results): Promise<void> {
  const ops = 500;
  const { client, done } = await serverFor('writes');
  log(`7/7 ${ops} updates, strategic merge patches and server-side applies of a 3-container Deployment`);
  r.writes = await measureWriteCosts(client, ops);
  await done();
  const w = r.writes;
  log(`7/7 update ${w.update.meanMs.toFixed(2)} ms, strategic ${w.strategic.meanMs.toFixed(2)} ms, apply ${w.apply.meanMs.toFixed(2)} ms (means)`);
}

async function measureSyncerAtScale(r: Results): Promise<void> {
  const tenants = numArg('syncer-tenants') ?? DEFAULT_SYNCER_BENCH.tenants;
  const podsPerTenant = numArg('syncer-pods') ?? DEFAULT_SYNCER_BENCH.podsPerTenant;
  const profDir = profile ? tempDir('prof-syncer') : undefined;
  const profTenants = profile && args.includes('--profile-tenants') ? tempDir('prof-tenants') : undefined;
  const profSuper = profile && args.includes('--profile-super') ? tempDir('prof-super') : undefined;
  // Enough nodes for the pods (253 per node), never fewer than 2.
  const perNode = 253;
  const pods = tenants * podsPerTenant + DEFAULT_SYNCER_BENCH.pacedPods + 1;
  const nodes = Math.max(2, Math.ceil(pods / (perNode - 3)));
  r.syncer = await measureSyncer({ tenants, podsPerTenant, nodes, tenantsPerProcess: Math.ceil(tenants / 2), profileDir: profDir, profileTarget: args.includes('--profile-restart') ? 'restart' : 'first', skipDirect: args.includes('--skip-direct'), heapSnapshotDir: args.find((a) => a.startsWith('--heap-snapshot='))?.slice('--heap-snapshot='.length), syncerNodeArgs: args.find((a) => a.startsWith('--syncer-node-args='))?.slice('--syncer-node-args='.length).split(' ').filter(Boolean), restartLogFile: args.find((a) => a.startsWith('--restart-log='))?.slice('--restart-log='.length), profileTenantsDir: profTenants, profileSuperDir: profSuper, log });
  if (profDir) printProfiles(profDir, 'syncer');
  if (profTenants) printProfiles(profTenants, 'tenant hosts');
  if (profSuper) printProfiles(profSuper, 'super cluster');
}

async function measurePolicy(r: Results): Promise<void> {
  log('9/9 pod creates with and without tenant policy enforcement, alternating rounds');
  const profDir = profile ? tempDir('prof-policy') : undefined;
  r.policy = await measurePolicyOverhead(log, { profileDir: profDir, rounds: numArg('rounds') });
  if (profDir) for (const side of ['off', 'on']) printProfiles(path.join(profDir, side), `policy ${side}`);
  const p = r.policy;
  log(`9/9 mean ${p.on.meanMs.toFixed(2)} ms with policy, ${p.off.meanMs.toFixed(2)} ms without (${((p.on.meanMs / p.off.meanMs - 1) * 100).toFixed(1)}%)`);
}

function machine(): Machine {
  const fsType =
    spawnSync('findmnt', ['-n', '-o', 'FSTYPE', '-T', os.tmpdir()], { encoding: 'utf8' }).stdout?.trim() ||
    spawnSync('stat', ['-f', '-c', '%T', os.tmpdir()], { encoding: 'utf8' }).stdout?.trim() ||
    'unknown';
  const osRelease = fs.existsSync('/etc/os-release') ? (/PRETTY_NAME="([^"]+)"/.exec(fs.readFileSync('/etc/os-release', 'utf8'))?.[1] ?? os.type()) : os.type();
  return {
    extraCaCerts: !!process.env.NODE_EXTRA_CA_CERTS,
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    command: process.env.npm_lifecycle_event === 'bench' ? 'npm run bench' : `node dist/bench/run.js${args.length ? ' ' + args.join(' ') : ''}`,
    nproc: os.availableParallelism(),
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown CPU',
    memGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    os: `${osRelease}, Linux ${os.release()}`,
    fs: `${fsType} (${os.tmpdir()})`,
  };
}

async function main(): Promise<void> {
  const r: Results = { machine: machine(), durationS: 0, load: { start: os.loadavg(), end: [] } };
  log(`machine: ${r.machine.nproc} cores, node ${r.machine.node}${profile ? ' — profiling servers with --cpu-prof' : ''}`);
  if (r.load.start[0]! > r.machine.nproc / 2) log(`warning: load average is ${r.load.start[0]!.toFixed(2)} before we start: other work will skew the figures`);
  const steps: [number, (r: Results) => Promise<void>][] = [
    [1, measureStart],
    [2, measureRss],
    [3, measureLatency],
    [4, measureThroughput],
    [5, measureList],
    [6, measureWatch],
    [7, measureWrites],
    [8, measureSyncerAtScale],
    [9, measurePolicy],
  ];
  for (const [n, step] of steps) if (wanted(n)) await step(r);
  r.durationS = (nowMs() - T0) / 1000;
  r.load.end = os.loadavg();
  const doc = render(r);
  if (only || profile) {
    console.log(doc.slice(doc.indexOf('## Results')));
    log('partial or profiled run: docs/benchmarks.md left unchanged');
  } else {
    fs.mkdirSync(path.dirname(DOC), { recursive: true });
    fs.writeFileSync(DOC, doc);
    console.log(doc.slice(doc.indexOf('## Results')));
    log(`wrote ${path.relative(process.cwd(), DOC) || DOC} in ${r.durationS.toFixed(0)} s`);
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exit(1);
});
