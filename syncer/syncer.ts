// `tenantry syncer`: load kubeconfigs, start the engine against the super
// cluster, connect every tenant, and serve /metrics, /healthz and /readyz.

import http from 'node:http';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { createKubeClient, type KubeClient } from './client.js';
import { SyncEngine } from './engine/engine.js';
import { createSyncerMetrics } from './engine/metrics.js';
import { tenantNameError } from './mapping.js';

export interface TenantConfig {
  name: string;
  kubeconfig: string;
  weight?: number;
}

export interface SyncerConfig {
  superKubeconfig: string;
  tenants: TenantConfig[];
  runtimeClass?: string;
  metricsListen?: { host: string; port: number };
  patrolIntervalMs?: number;
  workers?: number;
  log: Logger;
}

export interface RunningSyncer {
  engine: SyncEngine;
  registry: Registry;
  /** http://host:port of the metrics server, when one was asked for. */
  metricsUrl?: string;
  /** Resolves once every configured tenant is connected and synced. */
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

function loadKubeConfig(file: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  return kc;
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
  const superClient = await createKubeClient('super', loadKubeConfig(cfg.superKubeconfig));
  const tenantClients: KubeClient[] = [];
  for (const t of cfg.tenants) tenantClients.push(await createKubeClient(t.name, loadKubeConfig(t.kubeconfig)));
  const engine = new SyncEngine({
    superClient,
    runtimeClass: cfg.runtimeClass ?? 'kata',
    workers: cfg.workers ?? 8,
    patrolIntervalMs: cfg.patrolIntervalMs ?? 60_000,
    log,
    metrics,
  });

  let readyNow = false;
  let server: http.Server | undefined;
  let metricsUrl: string | undefined;
  if (cfg.metricsListen) {
    server = http.createServer((req, res) => {
      const url = (req.url ?? '/').split('?')[0];
      if (url === '/metrics') {
        registry.metrics().then(
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
      if (url === '/healthz' || url === '/livez') {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end('ok');
        return;
      }
      if (url === '/readyz') {
        res.writeHead(readyNow ? 200 : 503, { 'Content-Type': 'text/plain' });
        res.end(readyNow ? 'ok' : 'tenants not synced yet');
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

  await engine.start();
  const ready = Promise.all(cfg.tenants.map((t, i) => engine.addTenant({ name: t.name, client: tenantClients[i]!, weight: t.weight }))).then(() => {
    readyNow = true;
  });
  ready.catch((e: unknown) => log.error({ err: String(e) }, 'connecting tenants failed'));

  return {
    engine,
    registry,
    metricsUrl,
    ready,
    async close() {
      await engine.stop();
      if (server) await new Promise<void>((r) => server!.close(() => r()));
      superClient.close();
      for (const c of tenantClients) c.close();
    },
  };
}
