// `tenantry syncer`: load kubeconfigs, start the engine against the super
// cluster, connect every tenant, and serve /metrics, /healthz and /readyz.

import http from 'node:http';
import path from 'node:path';
import type { Logger } from 'pino';
import { Registry, collectDefaultMetrics, register as globalRegistry } from 'prom-client';
import { createKubeClient, type KubeClient } from './client.js';
import { loadClusterAccess } from './kubeconfig.js';
import { startIdleReclaim } from '../lib/memory.js';
import { SyncEngine } from './engine/engine.js';
import { createSyncerMetrics } from './engine/metrics.js';
import { tenantNameError } from './mapping.js';
import type { PolicySource } from '../policy/types.js';
import { LeaderElector, fenceWrites, leaderElectionOptions, leaderGauge, type LeaderElectionOptions } from './leader.js';

export { LEADER_ELECTION_DEFAULTS, defaultIdentity, leaderElectionOptions, type LeaderElectionOptions } from './leader.js';

export interface TenantConfig {
  name: string;
  kubeconfig: string;
  weight?: number;
}

export interface SyncerConfig {
  superKubeconfig: string;
  tenants: TenantConfig[];
  runtimeClass?: string;
  /** Tenant policies (--policy-dir); default: the built-in defaults with runtimeClass. */
  policy?: PolicySource;
  metricsListen?: { host: string; port: number };
  patrolIntervalMs?: number;
  workers?: number;
  /** Elect one writing replica with a Lease in the super cluster (defaults: leader.ts); off when absent. */
  leaderElection?: Partial<LeaderElectionOptions>;
  log: Logger;
}

export interface RunningSyncer {
  /** The engine of the current (or last) term: each leadership term runs a fresh one. */
  readonly engine: SyncEngine;
  /** With leader election: whether this replica leads, and who does. */
  elector?: LeaderElector;
  registry: Registry;
  /** http://host:port of the metrics server, when one was asked for. */
  metricsUrl?: string;
  /** Resolves once every configured tenant is connected and synced (with leader election: the first time this replica leads and has). */
  ready: Promise<void>;
  close(): Promise<void>;
}

/** "NAME=KUBECONFIG" → a tenant; an optional ":WEIGHT" suffix is not supported (paths may hold colons): use weights separately. */
export function parseTenantFlag(v: string): TenantConfig {
  const eq = v.indexOf('=');
  if (eq <= 0 || eq === v.length - 1) throw new Error(`--tenant must be NAME=KUBECONFIG, got ${JSON.stringify(v)}`);
  const name = v.slice(0, eq);
  const err = tenantNameError(name);
  if (err) throw new Error(err);
  return { name, kubeconfig: path.resolve(v.slice(eq + 1)) };
}

/** "60s", "500ms", "2m", "1h", or a bare number of seconds → milliseconds. */
export function parseDuration(v: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(v.trim());
  if (!m) throw new Error(`not a duration: ${JSON.stringify(v)} (use e.g. 60s, 500ms, 2m)`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return Math.round(n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit]!);
}

export async function startSyncer(cfg: SyncerConfig): Promise<RunningSyncer> {
  const log = cfg.log;
  const names = new Set<string>();
  for (const t of cfg.tenants) {
    const err = tenantNameError(t.name);
    if (err) throw new Error(err);
    if (names.has(t.name)) throw new Error(`tenant ${t.name} given twice`);
    names.add(t.name);
  }
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'tenantry_syncer_' });
  const metrics = createSyncerMetrics(registry);
  const superClient = await createKubeClient('super', await loadClusterAccess(cfg.superKubeconfig));
  const tenantClients: KubeClient[] = [];

  // Leader election: a standby keeps no engine; the leader runs one per term, and every write it
  // makes is fenced so none starts once the term has ended. Without election this replica always leads.
  const le = cfg.leaderElection ? leaderElectionOptions(cfg.leaderElection) : undefined;
  const leaseClient = le ? await createKubeClient('super-lease', await loadClusterAccess(cfg.superKubeconfig), { timeoutMs: Math.max(1000, Math.floor(le.renewDeadlineMs / 2)) }) : undefined;
  let elector: LeaderElector | undefined;
  const fence = (c: KubeClient): KubeClient => (elector ? fenceWrites(c, () => elector!.isLeader()) : c);
  const leaderMetric = leaderGauge(registry);
  leaderMetric.set(le ? 0 : 1);
  const newEngine = () =>
    new SyncEngine({
      superClient: fence(superClient),
      runtimeClass: cfg.runtimeClass ?? 'kata',
      policy: cfg.policy,
      workers: cfg.workers ?? 8,
      patrolIntervalMs: cfg.patrolIntervalMs ?? 60_000,
      log,
      metrics,
    });
  let engine = newEngine();
  // Without leader election this replica leads at once: its super side lists (at 10,000 pods the
  // longest single wait of a start) while the tenants' kubeconfigs and TLS contexts load.
  let earlyStart: Promise<void> | undefined = le ? undefined : engine.start();
  // Awaited by the first term; never left unhandled meanwhile (it retries rather than fails, but still).
  earlyStart?.catch(() => undefined);
  /**
   * Each tenant's client, made one after another (reading a kubeconfig and building its TLS context
   * is synchronous work, ~4 ms a tenant). Every ten, the event loop turns, so the tenants already
   * connected go on with their lists meanwhile: at 100 tenants that work is ~0.4 s of a restart.
   */
  const clientReady: Promise<KubeClient>[] = [];
  let previous: Promise<unknown> = Promise.resolve();
  for (const t of cfg.tenants) {
    const made = previous.then(async () => {
      const c = await createKubeClient(t.name, await loadClusterAccess(t.kubeconfig));
      tenantClients.push(c);
      // Every few tenants: a turn after each one let the lists already answered run first, and the
      // last of 100 tenants got its client seconds later.
      if (tenantClients.length % 10 === 0) await new Promise<void>((r) => setImmediate(r));
      return c;
    });
    // Never unhandled: whoever waits on the clients (below) hears of a failure.
    made.catch(() => undefined);
    clientReady.push(made);
    previous = made;
  }
  let engineUsed = false;
  let term = 0;
  let readyNow = false;
  let resolveReady!: () => void;
  const ready = new Promise<void>((r) => (resolveReady = r));
  /** Start a term: a fresh engine (a stopped one does not restart), then every tenant. (Wrapped: a returned promise would be flattened.) */
  const startTerm = async (): Promise<{ synced: Promise<void> }> => {
    if (engineUsed) engine = newEngine();
    engineUsed = true;
    const current = engine;
    const myTerm = ++term;
    readyNow = false;
    // Tenants connect while the super informers list: a restart waits for the longer of the two, not their sum.
    const started = earlyStart ?? current.start();
    earlyStart = undefined;
    const synced = Promise.all([started, ...cfg.tenants.map((t, i) => clientReady[i]!.then((c) => current.addTenant({ name: t.name, client: fence(c), weight: t.weight })))]).then(() => {
      if (myTerm !== term) return;
      readyNow = true;
      resolveReady();
    });
    return { synced };
  };
  const endTerm = async () => {
    term++;
    readyNow = false;
    await engine.stop();
    metrics.tenantsReady.set(0);
    metrics.queueDepth.reset();
  };
  if (le) {
    elector = new LeaderElector(
      leaseClient!,
      le,
      {
        onStartedLeading: async () => {
          leaderMetric.set(1);
          await (await startTerm()).synced;
        },
        onStoppedLeading: async () => {
          leaderMetric.set(0);
          await endTerm();
        },
      },
      log.child({ lease: `${le.namespace}/${le.name}` }),
    );
  }
  let server: http.Server | undefined;
  let metricsUrl: string | undefined;
  if (cfg.metricsListen) {
    server = http.createServer((req, res) => {
      const url = (req.url ?? '/').split('?')[0];
      if (url === '/metrics') {
        // Plus prom-client's default registry: the policy watcher (made before the syncer) reports there.
        Promise.all([registry.metrics(), globalRegistry.metrics()]).then(([own, shared]) => own + (shared ? '\n' + shared : '')).then(
          (body) => {
            res.writeHead(200, { 'Content-Type': registry.contentType });
            res.end(body);
          },
          (e: unknown) => {
            res.writeHead(500);
            res.end(String(e));
          },
        );
        return;
      }
      // Who leads, for people and probes; a standby is healthy and ready (it must not block a
      // rollout), it just does not write.
      const leadership = elector ? `\nidentity: ${elector.identity}\nleader: ${elector.leader() || '(none)'}\nleading: ${elector.isLeader()}` : '';
      if (url === '/healthz' || url === '/livez') {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end(`ok${leadership}`);
        return;
      }
      if (url === '/readyz') {
        if (elector && !elector.isLeader()) {
          res.writeHead(200, { 'Content-Type': 'text/plain' });
          res.end(`standby${leadership}`);
          return;
        }
        res.writeHead(readyNow ? 200 : 503, { 'Content-Type': 'text/plain' });
        res.end((readyNow ? 'ok' : 'tenants not synced yet') + leadership);
        return;
      }
      res.writeHead(404);
      res.end();
    });
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(cfg.metricsListen!.port, cfg.metricsListen!.host, () => resolve());
    });
    const addr = server.address();
    if (addr && typeof addr === 'object') metricsUrl = `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
  }

  // Without leader election, tenants connect as their clients are made; a standby makes them all first.
  const firstTerm = elector ? undefined : await startTerm();
  firstTerm?.synced.catch(async (e: unknown) => {
    // A client that could not be made is startSyncer's own error (thrown below), not a connection failure.
    const made = await Promise.allSettled(clientReady);
    if (made.every((m) => m.status === 'fulfilled')) log.error({ err: String(e) }, 'connecting tenants failed');
  });
  try {
    await Promise.all(clientReady);
  } catch (e) {
    if (firstTerm) await endTerm();
    else await engine.stop();
    if (server) await new Promise<void>((r) => server!.close(() => r()));
    superClient.close();
    leaseClient?.close();
    for (const c of tenantClients) c.close();
    throw e;
  }
  elector?.start();
  const stopReclaim = startIdleReclaim({ activity: () => engine.reconcilesStarted + term * 1e9, busy: () => engine.queue.pending() > 0, log });

  return {
    get engine() {
      return engine;
    },
    elector,
    registry,
    metricsUrl,
    ready,
    async close() {
      stopReclaim();
      // Stop writing first; only then release the lease, so a successor never overlaps.
      if (elector) await elector.stop();
      else await endTerm();
      if (server) await new Promise<void>((r) => server!.close(() => r()));
      superClient.close();
      leaseClient?.close();
      for (const c of tenantClients) c.close();
    },
  };
}
