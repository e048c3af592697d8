// `tenantry up`: the whole system on one machine — a local super cluster, one
// control plane per tenant and the syncer — for newcomers and demos. State lives
// in one directory, so running it again resumes where it stopped; ports are
// remembered and reused when still free.

import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Logger } from 'pino';
import { startApiServer, type ApiServer } from '../tenant-apiserver/apiserver.js';
import { startSyncer, type RunningSyncer } from '../syncer/syncer.js';
import { writeFileAtomicSync } from '../lib/kubeconfig.js';
import { openPolicySource } from '../policy/open.js';
import { formatPolicyError } from '../policy/types.js';
import { startSuperCluster } from './super.js';

export interface UpOptions {
  dir: string;
  tenants: string[];
  nodes: number;
  /** TenantPolicy files, watched; without it every tenant gets the built-in safe defaults. */
  policyDir?: string;
  log: Logger;
  /** Progress lines for the person watching. */
  progress(line: string): void;
}

export interface UpResult {
  superKubeconfig: string;
  tenantKubeconfigs: Record<string, string>;
  close(): Promise<void>;
}

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

export async function up(opts: UpOptions): Promise<UpResult> {
  fs.mkdirSync(opts.dir, { recursive: true });
  const portsFile = path.join(opts.dir, 'ports.json');
  const ports: Record<string, number> = fs.existsSync(portsFile) ? JSON.parse(fs.readFileSync(portsFile, 'utf8')) : {};
  const pick = async (name: string) => (ports[name] && (await portFree(ports[name]!)) ? ports[name]! : 0);
  const started: { close(): Promise<void> }[] = [];
  const closeAll = async () => {
    for (const s of started.reverse()) await s.close().catch(() => {});
  };
  try {
    const t0 = Date.now();
    // One watched source for every component in this process: a reload reaches all of them at once.
    const policy = await openPolicySource(opts.policyDir, opts.log.child({ component: 'policy' }));
    started.push({ close: async () => policy.close() });
    if (opts.policyDir) {
      const errors = policy.errors();
      opts.progress(
        errors.length === 0
          ? `Policies from ${opts.policyDir}`
          : `Policies in ${opts.policyDir} have errors (built-in defaults in force until fixed):\n${errors.map((e) => '  ' + formatPolicyError(e)).join('\n')}`,
      );
    }
    opts.progress(`Starting the super cluster (${opts.nodes} nodes)…`);
    const superKubeconfig = path.join(opts.dir, 'super.kubeconfig');
    const sup = await startSuperCluster({
      dataDir: path.join(opts.dir, 'super'),
      host: '127.0.0.1',
      port: await pick('super'),
      kubeconfigOut: superKubeconfig,
      nodes: opts.nodes,
      log: opts.log.child({ component: 'super' }),
    });
    started.push(sup);
    ports.super = sup.port;
    opts.progress(`  super cluster ready at ${sup.url} (${Date.now() - t0} ms)`);
    const tenantKubeconfigs: Record<string, string> = {};
    const tenants: ApiServer[] = [];
    for (const name of opts.tenants) {
      opts.progress(`Starting tenant control plane "${name}"…`);
      const kubeconfig = path.join(opts.dir, `${name}.kubeconfig`);
      const t = await startApiServer({
        dataDir: path.join(opts.dir, 'tenants', name),
        host: '127.0.0.1',
        port: await pick(`tenant:${name}`),
        kubeconfigOut: kubeconfig,
        tenantPolicy: { tenant: name, source: policy },
        log: opts.log.child({ component: 'apiserver', tenant: name }),
      });
      started.push(t);
      tenants.push(t);
      ports[`tenant:${name}`] = t.port;
      tenantKubeconfigs[name] = kubeconfig;
      opts.progress(`  tenant "${name}" ready at ${t.url}`);
    }
    writeFileAtomicSync(portsFile, JSON.stringify(ports, null, 2) + '\n');
    opts.progress('Starting the syncer…');
    const syncer: RunningSyncer = await startSyncer({
      superKubeconfig,
      tenants: opts.tenants.map((name) => ({ name, kubeconfig: tenantKubeconfigs[name]! })),
      policy,
      log: opts.log.child({ component: 'syncer' }),
    });
    started.push(syncer);
    await syncer.ready;
    opts.progress(`  syncer connected to ${opts.tenants.length} tenant(s) (${Date.now() - t0} ms in all)`);
    return { superKubeconfig, tenantKubeconfigs, close: closeAll };
  } catch (e) {
    await closeAll();
    throw e;
  }
}
