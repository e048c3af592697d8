// Renders the results of one bench run as docs/benchmarks.md: what was run,
// on what, each figure next to a baseline from the same run, and the targets.

import type { WritesResult } from './writes.js';
import type { RawInsertResult, RawReadResult } from './sqlite-raw.js';
import type { ThroughputResult } from './etcd.js';
import type { ClosedLoopResult, ListResult, PacedResult, WatchResult } from './workloads.js';
import { fmt } from './stats.js';
import type { SyncerResult } from './syncer.js';
import type { PolicyOverheadResult } from './policy.js';

export interface Machine {
  date: string;
  command: string;
  nproc: number;
  cpu: string;
  memGb: number;
  node: string;
  os: string;
  fs: string;
  /** NODE_EXTRA_CA_CERTS is set (node then reads the CA bundle at every process start). */
  extraCaCerts?: boolean;
}

export interface Results {
  machine: Machine;
  durationS: number;
  /** 1/5/15-minute load averages when the run started and ended: other work on the machine skews every figure. */
  load: { start: number[]; end: number[] };
  start?: { nodeMs: number; freshMs: number; restartMs: number; freshAll: number[]; restartAll: number[] };
  rss?: { serverMb: number; at5Mb?: number; nodeMb: number; afterLoadMb?: number };
  latency?: { server: PacedResult; echo: PacedResult; rate: number; count: number };
  throughput?: {
    server: ClosedLoopResult;
    serverCores: number;
    /** From the server's /metrics: how its group commit behaved during the run. */
    storage?: { commits: number; meanBatch: number; meanCommitMs: number };
    sqlite: RawInsertResult;
    /** etcd as kube-apiserver reaches it, over TLS (the verdict's baseline). */
    etcd: ThroughputResult | { skip: string };
    /** The same etcd on plain HTTP. */
    etcdPlain?: ThroughputResult;
    etcdVersion?: string;
    clients: number;
    valueBytes: number;
  };
  list?: { count: number; createPerSecond: number; api: ListResult; raw: RawReadResult; limit: number };
  watch?: WatchResult & { rate: number };
  writes?: WritesResult;
  syncer?: SyncerResult;
  policy?: PolicyOverheadResult;
}

type Verdict = 'PASS' | 'FAIL' | 'n/a';

const verdict = (ok: boolean | undefined): Verdict => (ok === undefined ? 'n/a' : ok ? 'PASS' : 'FAIL');
const ratio = (a: number, b: number): string => (Number.isFinite(a / b) && b > 0 ? `${fmt(a / b, 2)}×` : 'n/a');

export function render(r: Results): string {
  const m = r.machine;
  const rows: string[][] = [];
  if (r.start) {
    rows.push([
      'Cold start, spawn → first 200 from `/readyz` (fresh data dir, median of 5)',
      `${fmt(r.start.freshMs, 0)} ms`,
      `\`node -e 0\` spawn → exit: ${fmt(r.start.nodeMs, 0)} ms`,
      ratio(r.start.freshMs, r.start.nodeMs),
      '≤ 500 ms',
      verdict(r.start.freshMs <= 500),
    ]);
    rows.push(['Restart on an existing data dir (median of 5)', `${fmt(r.start.restartMs, 0)} ms`, `same`, ratio(r.start.restartMs, r.start.nodeMs), '—', '—']);
  }
  if (r.rss) {
    rows.push(['Idle RSS, ready + 10 s', `${fmt(r.rss.serverMb)} MB`, `idle bare \`node\`: ${fmt(r.rss.nodeMb)} MB`, ratio(r.rss.serverMb, r.rss.nodeMb), '≤ 60 MB', verdict(r.rss.serverMb <= 60)]);
  }
  if (r.latency) {
    const { server, echo } = r.latency;
    const errs = server.sent - server.ok;
    rows.push([
      `Create ${r.latency.count} secrets at ${r.latency.rate} req/s (open loop): mean latency`,
      `${fmt(server.meanMs, 2)} ms${errs ? ` (${errs} failed)` : ''}`,
      `bare node https echo, same TLS/client/pace: ${fmt(echo.meanMs, 2)} ms`,
      ratio(server.meanMs, echo.meanMs),
      '≤ 10 ms',
      verdict(errs === 0 && server.meanMs <= 10),
    ]);
    rows.push(['… p99 latency', `${fmt(server.p99Ms, 2)} ms`, `echo p99: ${fmt(echo.p99Ms, 2)} ms`, ratio(server.p99Ms, echo.p99Ms), '—', '—']);
  }
  if (r.throughput) {
    const t = r.throughput;
    const etcdOk = 'perSecond' in t.etcd;
    rows.push([
      `Durable creates through the API: ${t.clients} closed-loop clients, ConfigMaps with ${t.valueBytes} B values, ~10 s`,
      `${fmt(t.server.perSecond, 0)} creates/s (mean ${fmt(t.server.meanMs, 2)} ms)`,
      etcdOk ? `raw etcd ${t.etcdVersion ?? ''} puts over TLS (as kube-apiserver reaches etcd), ${t.clients} clients: ${fmt((t.etcd as ThroughputResult).perSecond, 0)} puts/s` : `raw etcd: skipped (${(t.etcd as { skip: string }).skip})`,
      etcdOk ? ratio(t.server.perSecond, (t.etcd as ThroughputResult).perSecond) : 'n/a',
      '≥ raw etcd puts',
      etcdOk ? verdict(t.server.errors.length === 0 && t.server.perSecond >= (t.etcd as ThroughputResult).perSecond) : 'n/a',
    ]);
    if (t.etcdPlain) {
      rows.push([
        '… against the same etcd on plain HTTP (no TLS)',
        `${fmt(t.server.perSecond, 0)} creates/s`,
        `raw etcd puts, plain HTTP: ${fmt(t.etcdPlain.perSecond, 0)} puts/s`,
        ratio(t.server.perSecond, t.etcdPlain.perSecond),
        '—',
        '—',
      ]);
    }
    rows.push([
      '… against raw SQLite (WAL, synchronous=FULL, one transaction per insert)',
      `${fmt(t.server.perSecond, 0)} creates/s`,
      `better-sqlite3 alone: ${fmt(t.sqlite.perSecond, 0)} inserts/s`,
      ratio(t.server.perSecond, t.sqlite.perSecond),
      '—',
      '—',
    ]);
  }
  if (r.writes) {
    const w = r.writes;
    rows.push([`Strategic merge patch of a 3-container Deployment (${w.ops} sequential, mean)`, `${fmt(w.strategic.meanMs, 2)} ms (p99 ${fmt(w.strategic.p99Ms, 2)})`, `plain update (PUT): ${fmt(w.update.meanMs, 2)} ms (p99 ${fmt(w.update.p99Ms, 2)})`, ratio(w.strategic.meanMs, w.update.meanMs), '—', '—']);
    rows.push([`Server-side apply of the same Deployment (${w.ops} sequential, mean)`, `${fmt(w.apply.meanMs, 2)} ms (p99 ${fmt(w.apply.p99Ms, 2)})`, `plain update (PUT): ${fmt(w.update.meanMs, 2)} ms`, ratio(w.apply.meanMs, w.update.meanMs), '—', '—']);
  }
  if (r.list) {
    const l = r.list;
    rows.push([
      `List ${l.count} pods, \`GET /api/v1/pods\` (median of 3)`,
      `${fmt(l.api.fullMs, 0)} ms (${fmt(l.api.fullBytes / 1e6)} MB)`,
      `raw SQLite SELECT of ${l.count} rows of ${l.raw.rowBytes} B: ${fmt(l.raw.readMs, 0)} ms`,
      ratio(l.api.fullMs, l.raw.readMs),
      '—',
      '—',
    ]);
    rows.push([
      `… paginated, \`limit=${l.limit}\` (${l.api.pages} pages, median of 3)`,
      `${fmt(l.api.pagedMs, 0)} ms`,
      `same raw SELECT: ${fmt(l.raw.readMs, 0)} ms`,
      ratio(l.api.pagedMs, l.raw.readMs),
      '—',
      '—',
    ]);
  }
  if (r.watch) {
    const w = r.watch;
    const missing = w.expected - w.events;
    rows.push([
      `Watch delivery, ${w.watchers} watchers × ${w.expected / w.watchers} ConfigMaps created at ${w.rate}/s: p99`,
      `${fmt(w.p99Ms, 2)} ms${missing ? ` (${missing} events missing)` : ''}`,
      `the create's own response latency p99: ${fmt(w.createP99Ms, 2)} ms`,
      ratio(w.p99Ms, w.createP99Ms),
      '≤ 10 ms',
      verdict(missing === 0 && w.p99Ms <= 10),
    ]);
    rows.push(['… p50', `${fmt(w.p50Ms, 2)} ms`, `create p50: ${fmt(w.createP50Ms, 2)} ms`, ratio(w.p50Ms, w.createP50Ms), '—', '—']);
  }

  if (r.syncer) rows.push(...syncerRows(r.syncer));
  if (r.policy) {
    const p = r.policy;
    rows.push([
      `Pod create with tenant policy enforced (${p.pods} pods at ${p.rate}/s, ${p.rounds} alternating rounds): mean`,
      `${fmt(p.on.meanMs, 2)} ms (p99 ${fmt(p.on.p99Ms, 2)} ms)`,
      `the same without policy: ${fmt(p.off.meanMs, 2)} ms (p99 ${fmt(p.off.p99Ms, 2)} ms)`,
      ratio(p.on.meanMs, p.off.meanMs),
      '≤ 1.05×',
      verdict(p.errors.length === 0 && p.on.meanMs <= p.off.meanMs * 1.05),
    ]);
  }

  const table = [
    '| Measure | Result | Baseline (same run) | Ratio | Target | Verdict |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map((c) => `| ${c.map((x) => x.replace(/\|/g, '\\|')).join(' | ')} |`),
  ].join('\n');

  const details: string[] = [];
  if (r.start) details.push(`- Start samples (ms): fresh ${r.start.freshAll.map((x) => fmt(x, 0)).join(', ')}; restart ${r.start.restartAll.map((x) => fmt(x, 0)).join(', ')}.`);
  if (r.start && r.machine.extraCaCerts) {
    details.push(
      '- This machine sets `NODE_EXTRA_CA_CERTS`, so every node process parses the system CA bundle before running any code (about 90 ms of the `node -e 0` baseline here). The start figures include it, as the server and the baseline both inherit it; the server itself never reads that bundle.',
    );
  }
  if (r.rss?.at5Mb !== undefined) details.push(`- Idle RSS 5 s after ready, before the first idle reclaim: ${fmt(r.rss.at5Mb)} MB.`);
  if (r.rss?.afterLoadMb !== undefined) details.push(`- RSS after the ${r.latency?.count ?? ''} paced secret creates: ${fmt(r.rss.afterLoadMb)} MB.`);
  if (r.latency) {
    const s = r.latency.server;
    details.push(
      `- Paced creates: ${s.ok}/${s.sent} succeeded in ${fmt(s.seconds)} s; p50 ${fmt(s.p50Ms, 2)} ms, max ${fmt(s.maxMs, 1)} ms; sends left at most ${fmt(s.sendLagP99Ms, 2)} ms after their scheduled time (p99; echo run: ${fmt(r.latency.echo.sendLagP99Ms, 2)} ms).${s.errors.length ? ` First error: \`${s.errors[0]}\`` : ''}`,
    );
  }
  if (r.throughput) {
    const t = r.throughput;
    details.push(
      `- Throughput run: ${t.server.ops} creates in ${fmt(t.server.seconds)} s, p99 ${fmt(t.server.p99Ms, 2)} ms, ${t.server.errors.length} errors; the server process used ${fmt(t.serverCores, 2)} cores on average (out of ${m.nproc}, shared with the load generator).`,
    );
    if (t.storage) {
      details.push(`- The server's store (from its \`/metrics\`): ${t.storage.commits} commits, ${fmt(t.storage.meanBatch, 2)} creates per commit on average (group commit), ${fmt(t.storage.meanCommitMs, 2)} ms per commit including the fsync.`);
    }
    details.push(`- Raw SQLite: ${t.sqlite.ops} inserts, ${fmt(t.sqlite.meanMs, 2)} ms each (one fsync per insert).`);
    if ('perSecond' in t.etcd) details.push(`- Raw etcd over TLS: ${t.etcd.ops} puts, mean ${fmt(t.etcd.meanMs, 2)} ms, ${t.etcd.errors} errors.`);
    if (t.etcdPlain) details.push(`- Raw etcd on plain HTTP: ${t.etcdPlain.ops} puts, mean ${fmt(t.etcdPlain.meanMs, 2)} ms, ${t.etcdPlain.errors} errors.`);
  }
  if (r.list) {
    const l = r.list;
    details.push(`- Pods were created at ${fmt(l.createPerSecond, 0)}/s (16 concurrent clients). Raw SQLite read + splice into one JSON list body: ${fmt(l.raw.readSpliceMs, 0)} ms; read + JSON.parse each + JSON.stringify the list: ${fmt(l.raw.readParseMs, 0)} ms.`);
  }
  if (r.watch) {
    const w = r.watch;
    details.push(
      `- Watch: ${w.events}/${w.expected} events received; max ${fmt(w.maxMs, 1)} ms.${w.firstP50Ms !== undefined && w.firstP99Ms !== undefined ? ` Each event's first arrival at any watcher: p50 ${fmt(w.firstP50Ms, 2)} ms, p99 ${fmt(w.firstP99Ms, 2)} ms (the rest is the fan-out's spread over ${w.watchers} sockets).` : ''} While delivering, the server used ${fmt(w.serverCores, 2)} cores and the bench process (${w.watchers} TLS streams in ${w.threads ?? 1} threads + the creator) ${fmt(w.clientCores, 2)}: the client's share of each latency is not small. The create's response is written after the server has written the event to every watcher, so the create latency includes the fan-out.`,
    );
  }

  if (r.syncer) details.push(...syncerDetails(r.syncer));
  if (r.policy?.cpuUsPerCreate) {
    const c = r.policy.cpuUsPerCreate;
    details.push(
      `- Policy: ${r.policy.rounds} rounds of ${r.policy.pods / r.policy.rounds} pods per side, alternating. Server CPU per create: ${fmt(c.on, 0)} µs enforcing, ${fmt(c.off, 0)} µs without (${fmt(c.on / c.off, 2)}×; a latency mean also carries the disk's fsync times, which wander by more than the target between rounds).`,
    );
  }

  return `# Benchmarks

Produced by \`${m.command}\` (source: \`bench/\`); regenerate with the same command — this file is overwritten.

**How it works.** Each measure starts a fresh \`tenantry apiserver\` as a child process on a new temp data dir
(\`--listen 127.0.0.1:PORT\`), talks to it over HTTPS with the admin client certificate from the kubeconfig it
writes (one keep-alive \`https.Agent\`), and stops it afterwards. Each figure sits next to a baseline measured
in the same run on the same machine, and the ratio is result ÷ baseline:

1. **Cold start**: spawn → first \`200\` from \`/readyz\` (polled from the instant of spawn on a port picked beforehand),
   median of 5, fresh data dir (so it includes generating the CA and certificates); also a restart on an existing
   data dir. Baseline: spawning \`node -e 0\` until it exits.
2. **Idle RSS**: \`VmRSS\` from \`/proc/PID/status\` 10 s after ready, once the server has returned its start-up's
   heap (it does after 6 quiet seconds, \`lib/memory.ts\`); the figure at 5 s is in the notes. Baseline: an idle bare \`node\` process.
3. **Latency at a fixed pace**: secrets created open-loop (each send scheduled at a fixed time whatever the earlier
   responses did, so a stalled server cannot slow the sender down and hide the stall; latency from send to
   response), after 1 s of the same paced creates that are not counted (it opens the keep-alive connections and
   warms the JIT). Baseline: a bare node
   \`https\` server with the same certificates that parses the body and answers 201 (\`bench/echo-server.ts\`).
4. **Durable create throughput**: closed-loop clients creating ConfigMaps for ~10 s; a create is acknowledged only
   after its SQLite commit is fsynced. Baselines: (a) bare better-sqlite3 with WAL + \`synchronous=FULL\`, one
   transaction per insert, the clients interleaved in one process — it is synchronous, so it can never batch two
   commits into one fsync, while the server (and etcd) can; (b) Debian's etcd 3.4 on loopback with a temp data dir,
   driven by the same number of closed-loop clients through its v3 HTTP/JSON gateway (\`POST /v3/kv/put\`) over TLS
   on keep-alive connections: that is how kube-apiserver reaches etcd in every supported deployment, and how the
   bench reaches our server, so both sides pay for the same transport. The same etcd on plain HTTP is measured too
   and shown next to it. etcd is installed with \`apt-get install etcd-server\` when missing and
   the bench runs as root; otherwise that baseline is skipped.
5. **List**: pods created with concurrency, then \`GET /api/v1/pods\` in full and paginated with \`limit\`. Baseline:
   a raw SQLite \`SELECT\` of the same number of rows of the same size (a pod's JSON as the server returns it).
6. **Watch fan-out**: watchers on one namespace's ConfigMaps; objects created at a fixed pace, each carrying a
   \`created-at\` annotation with its send time (monotonic \`process.hrtime\` ms); each watcher records arrival minus
   that stamp (20 unstamped creates first warm the path up). The watchers are spread over one thread per core
   of the bench process: in a cluster they are separate clients, and in one thread the last of 100 would wait for
   the client to process the 99 events before its own. 500 events (10 s at 50/s): with 200, the p99 was set by the
   two or three slowest events, each one a slow disk flush. Baseline: the creating request's own response
   latency in the same run.
7. **Write paths**: on a 3-container Deployment, 500 sequential each of a plain update (PUT of the whole object),
   a strategic merge patch (an annotation plus a containers entry matched by merge key) and a server-side apply of
   the full manifest (one manager, \`force=true\`). Every write changes only an annotation, so no rollout starts and
   the three do the same work downstream. Baseline: the plain update in the same run.

8. **Syncer at scale** (\`bench/syncer.ts\`): ${syncerText(r.syncer)}
9. **Policy enforcement cost** (\`bench/policy.ts\`): two tenant API servers side by side, one started with
   \`--tenant-policy=false\` (the baseline), one enforcing a policy with every layer busy: a tenant-wide quota on
   pods, CPU and memory (so each create is counted and checked), container default requests and limits, the
   \`baseline\` Pod Security level with the always-denied settings, and the runtime-class default. Pods as
   \`kubectl run\` makes them (one container, no resources) are created open-loop at a fixed pace in alternating
   rounds (off, on, on, off, …; eight short rounds per side) after a warm-up on both, so drift in the machine's load
   and in the disk's fsync latency falls on both alike; the mean is over all rounds, p99 the mean of the rounds'
   p99s. The notes add each server's CPU per create over its rounds, which the disk does not blur.

The load generator runs on the same ${m.nproc} cores as the server, so every API figure includes client CPU
contention; baselines suffer it the same way.

To see where a server spends its time, \`npm run build && node dist/bench/run.js --profile --only=3\` runs the
chosen measures with the server under \`node --cpu-prof\` and prints its hot spots (self time by function and by
file, and inclusive time of the project's own functions); \`--only=N,M\` alone runs a subset. Neither rewrites this file.

## Run

- Date: ${m.date}
- Command: \`${m.command}\`
- Machine: ${m.nproc} cores (\`nproc\`), ${m.cpu}, ${m.memGb} GB RAM, ${m.os}; temp dirs on ${m.fs}
- Node: ${m.node}
- Whole run: ${fmt(r.durationS, 0)} s
- Load average (1/5/15 min) at start: ${r.load.start.map((x) => fmt(x, 2)).join(' / ')}; at end: ${r.load.end.map((x) => fmt(x, 2)).join(' / ')}${
    Math.max(r.load.start[0] ?? 0, r.load.end[0] ?? 0) > m.nproc / 2
      ? ` — **other work was running on this machine during the run**: absolute figures are inflated; the same-run baselines suffered the same contention, so the ratios are the more meaningful numbers`
      : ''
  }

## Results

${table}

${details.join('\n')}
`;
}

function syncerText(s: SyncerResult | undefined): string {
  const nodes = s?.nodes ?? 40;
  const perTenant = s ? s.pods / s.tenants : 100;
  const work = s?.synced.work
    ? `(per pod, ${fmt(s.synced.work.tenantWrites / s.pods, 1)} writes to the tenants, ${fmt(s.synced.work.superWrites / s.pods, 1)} to the super cluster and ${fmt(s.synced.work.reconciles / s.pods, 1)} reconciles in this run, plus the tenant API servers' own work)`
    : '(the writes to the tenants and the reconciles of each pod, plus the tenant API servers\' own work)';
  return `the issue's load, ${s?.tenants ?? 100} tenants × ${perTenant} pods. Every process shares the same cores.
   - *Baseline*: a fresh local super cluster (\`tenantry super\`, its own process; ${nodes} simulated nodes of
     253 pods each, as a node's pod CIDR is a /24; 100 ms kubelet start delay) gets the 10,000 pods directly, 100 per
     namespace in 100 namespaces, from 16 concurrent closed-loop clients, with the spec the syncer would give them
     (\`runtimeClassName: kata\`, no token, no service links). Timed until every create is answered and until a watch
     on the super cluster has seen every pod \`Running\`.
   - *Through the tenants*: another fresh super cluster; 100 tenant control planes (\`startApiServer\`, 50 per
     process in two host processes, \`bench/tenant-host.ts\`: 100 separate processes would cost ~100 × 90 MB);
     one \`tenantry syncer --tenant …×${s?.tenants ?? 100} --workers ${s?.workers ?? 32} --metrics-listen …\` in its own process. Once the syncer is ready and
     idle, the same 10,000 pods (spec without the super-side fields) are created through the tenants' API servers,
     100 in one namespace of each, by the same 16 clients. The total time runs until every tenant pod shows
     \`status.phase: Running\` in its tenant (100 tenant watches); the ratio is to the baseline's time to Running.
     The latency is per pod, from the tenant's create response to the pod's \`ADDED\` arrival on a watch of the
     super cluster's tenant pods (both on this process's monotonic clock).
   - *RSS*: \`VmRSS\` of the syncer process from \`/proc/PID/status\` once every pod is Running, the syncer's queues are
     empty and no reconcile ran for 1 s, plus 10 s (a quiet syncer returns the burst's heap to the system,
     \`lib/memory.ts\`); the peak during the burst (\`VmHWM\`) is in the notes.
   - *Restart*: the syncer is killed with SIGKILL and a new one spawned; a probe pod is created in one tenant right
     after the spawn. Restart to steady state = spawn → the later of \`/readyz\` 200 (every tenant connected and
     every informer listed) and the probe pod arriving in the super cluster (the resync of all 20,000 cached
     objects is queued in front of it).
   - *Patrol*: the restarted syncer patrols every 10 s; one patrol is one tenant's full diff (live lists of every
     synced kind on both sides, every object planned against them, caches checked). The figure is the mean per tenant
     from the syncer's \`tenantry_syncer_patrol_duration_seconds\` histogram after every tenant was patrolled once;
     a round over all tenants runs them one after another and takes their sum.
   - *Paced*: then, with the restarted syncer, more pods are created open loop at a fixed pace, round robin over
     every tenant; the latency from each tenant's create response to the pod's arrival on the super watch. In the
     burst above the tenants accept pods faster than the super cluster can take them, so its p99 is mostly the queue
     in front of the super cluster; this is the syncer's own delay when the super cluster keeps up.

   For context, VirtualCluster's paper reports, for the same load: 23 s through its syncer against 18 s direct,
   1.2 GB of syncer RSS, 21 s to restart and under 2 s per patrol scan — on separate machines for the super
   cluster, the tenants and the syncer, where here all of them share the same cores, so the work the syncer adds
   ${work} is paid from the same CPU the super cluster needs.`;
}

function syncerRows(s: SyncerResult): string[][] {
  const y = s.synced;
  const missing = y.notRunning > 0 ? ` (${y.notRunning} never Running)` : '';
  return [
    [
      `${s.pods} pods across ${s.tenants} tenants through the syncer: until every tenant pod is Running`,
      `${fmt(y.runningS)} s${missing}`,
      `same pods created directly on the super cluster, until all Running: ${fmt(s.direct.runningS)} s`,
      ratio(y.runningS, s.direct.runningS),
      '≤ +5% (1.05×)',
      verdict(y.notRunning === 0 && y.runningS <= s.direct.runningS * 1.05),
    ],
    ['… until every super pod exists', `${fmt(y.superCreatedS)} s`, `direct, until every create is answered: ${fmt(s.direct.createdS)} s`, ratio(y.superCreatedS, s.direct.createdS), '—', '—'],
    [`… tenant create → super create, p99 (p50 ${fmt(y.p50Ms, 0)} ms)`, `${fmt(y.p99Ms, 0)} ms`, '—', '—', '≤ 1 s', verdict(y.p99Ms <= 1000)],
    [`Syncer RSS at steady state (${s.tenants} tenants, ${s.pods} pods cached on each side)`, `${fmt(s.rssSteadyMb)} MB`, `the syncer idle before any pod: ${fmt(s.rssIdleMb)} MB`, ratio(s.rssSteadyMb, s.rssIdleMb), '≤ 150 MB', verdict(s.rssSteadyMb <= 150)],
    [
      'Syncer restart (SIGKILL) to steady state: spawn → ready and a new tenant pod in the super',
      `${fmt(Math.max(s.restart.readyMs, s.restart.probeMs) / 1000, 2)} s`,
      `spawn → \`/readyz\` 200 alone: ${fmt(s.restart.readyMs / 1000, 2)} s`,
      ratio(Math.max(s.restart.readyMs, s.restart.probeMs), s.restart.readyMs),
      '≤ 3 s',
      verdict(Math.max(s.restart.readyMs, s.restart.probeMs) <= 3000),
    ],
    ...(s.paced
      ? [[
          `… at a pace the super cluster keeps up with: ${s.paced.pods} more pods at ${s.paced.rate}/s over all tenants, tenant create → super create p99 (p50 ${fmt(s.paced.p50Ms, 0)} ms)`,
          `${fmt(s.paced.p99Ms, 0)} ms${s.paced.missing ? ` (${s.paced.missing} never arrived)` : ''}`,
          '—',
          '—',
          '(≤ 1 s)',
          '—',
        ]]
      : []),
    [`One patrol scan, per tenant (mean of ${s.patrol.tenants}; max ${fmt(s.patrol.maxS, 2)} s)`, `${fmt(s.patrol.meanS, 3)} s`, `a full round over all ${s.patrol.tenants} tenants: ${fmt(s.patrol.roundS, 1)} s`, '—', '≤ 0.2 s', verdict(s.patrol.meanS <= 0.2)],
  ];
}

function syncerDetails(s: SyncerResult): string[] {
  const y = s.synced;
  return [
    `- Syncer at scale: ${s.tenants} tenants in ${s.tenantProcesses} host processes, ${s.nodes} simulated super nodes, ${s.concurrency} concurrent clients. Creates answered by the tenants after ${fmt(y.createdS)} s (direct: ${fmt(s.direct.createdS)} s); ${y.errors + s.direct.errors} create attempts failed and were retried. Tenant create → super create: p50 ${fmt(y.p50Ms, 0)} ms, p99 ${fmt(y.p99Ms, 0)} ms, max ${fmt(y.maxMs, 0)} ms.${s.rssPeakMb !== undefined ? ` Syncer peak RSS during the burst (VmHWM): ${fmt(s.rssPeakMb)} MB; the steady-state figure is after 10 s without work, once the syncer has returned the burst's heap and freed C heap pages (lib/memory.ts).` : ''}`,
    `- CPU seconds used during the run through the tenants: syncer ${fmt(y.syncerCpuS)}, super cluster ${fmt(y.superCpuS)}, tenant API servers ${fmt(y.tenantsCpuS)} (${fmt((y.syncerCpuS + y.superCpuS + y.tenantsCpuS) / y.runningS, 2)} cores on average, out of the machine's cores shared with the load generator)${s.direct.superCpuS !== undefined ? `; in the direct run the super cluster used ${fmt(s.direct.superCpuS)}` : ''}.`,
  ];
}
