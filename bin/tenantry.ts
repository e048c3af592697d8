// The one CLI: every part of Tenantry runs from here. Subcommands parse flags and
// call a component's start function; nothing else lives in this file.

import path from 'node:path';
import { FlagError, flagHelp, parseFlags, parseListen, type FlagSpec } from '../lib/flags.js';
import { createLogger } from '../lib/log.js';
import { resumeOptimization } from '../lib/startup-jit.js';

interface Command {
  summary: string;
  flags: FlagSpec;
  /** Names of the leading arguments that are not flags (`policy check DIR`). */
  positional?: string[];
  run(flags: Record<string, unknown>, args: string[]): Promise<void>;
}

const COMMANDS: Record<string, Command> = {
  apiserver: {
    summary: 'Run a tenant control plane (Kubernetes-compatible API server with its own storage)',
    flags: {
      'data-dir': { type: 'string', help: 'Directory for state, certificates and the admin kubeconfig (required)' },
      listen: { type: 'string', help: 'HOST:PORT to serve HTTPS on; port 0 picks a free port', default: '127.0.0.1:6443' },
      'kubeconfig-out': { type: 'string', help: 'Where to write the admin kubeconfig once ready', default: 'DATA_DIR/admin.kubeconfig' },
      'token-auth-file': { type: 'string', help: 'CSV of bearer tokens: token,user,uid,"group1,group2"' },
      controllers: { type: 'string', help: 'Comma-separated controllers to run, or "none"', default: 'all' },
      'history-revisions': { type: 'number', help: 'Revisions of history kept for watch resumption', default: '100000' },
      'compaction-interval': { type: 'number', help: 'Seconds between storage compactions', default: '10' },
      tenant: { type: 'string', help: 'The tenant this control plane serves (names it in policy files)', default: 'basename of DATA_DIR' },
      'policy-dir': { type: 'string', help: 'Directory of TenantPolicy files (watched); without it the built-in safe defaults apply' },
      'tenant-policy': { type: 'boolean', help: 'Enforce the tenant policy; --tenant-policy=false serves a plain API server', default: 'true' },
    },
    async run(f) {
      const { startApiServer, ALL_CONTROLLERS } = await import('../tenant-apiserver/apiserver.js');
      if (!f['data-dir']) throw new FlagError('--data-dir is required');
      const { host, port } = parseListen((f.listen as string | undefined) ?? '127.0.0.1:6443');
      const ctl = (f.controllers as string | undefined) ?? 'all';
      const log = createLogger('apiserver');
      const tenant = (f.tenant as string | undefined) ?? path.basename(path.resolve(f['data-dir'] as string));
      let tenantPolicy: { tenant: string; source: import('../policy/types.js').PolicySource } | undefined;
      if (f['tenant-policy'] !== false) {
        const { openPolicySource } = await import('../policy/open.js');
        tenantPolicy = { tenant, source: await openPolicySource(f['policy-dir'] as string | undefined, log.child({ component: 'policy' })) };
      }
      const server = await startApiServer({
        tenantPolicy,
        dataDir: path.resolve(f['data-dir'] as string),
        host,
        port,
        kubeconfigOut: f['kubeconfig-out'] ? path.resolve(f['kubeconfig-out'] as string) : undefined,
        tokenAuthFile: f['token-auth-file'] as string | undefined,
        controllers: ctl === 'all' ? ALL_CONTROLLERS : ctl === 'none' ? [] : ctl.split(','),
        historyRevisions: f['history-revisions'] as number | undefined,
        compactionIntervalSeconds: f['compaction-interval'] as number | undefined,
        log,
      });
      // Listening for SIGTERM before saying "ready": whoever reads that line may signal at once.
      const signal = stopSignal();
      process.stdout.write(
        `Tenant control plane ready at ${server.url}\n` +
          `Point kubectl at it:\n  export KUBECONFIG=${server.kubeconfigPath}\n  kubectl get namespaces\n`,
      );
      const stopReclaim = await settleAfterStart(server, log);
      await closeOnSignal(signal, log, () => {
        stopReclaim();
        return server.close().finally(() => tenantPolicy?.source.close());
      });
    },
  },
};

/**
 * Once an API server process is ready: the optimizing compilers, off during start-up, come back on
 * (lib/startup-jit.ts), and its start-up's garbage (parsing the API spec, building the registry) and
 * later bursts' go back to the system whenever it is quiet (lib/memory.ts). An idle control plane
 * costs ~10 MB less for both. A handful of requests or writes a second (leases, a syncer's resyncs)
 * still counts as quiet; the first reclaim waits for 6 quiet seconds, as V8 shrinks its young
 * generation only once its recent allocation rate (over 5 s) is low.
 */
async function settleAfterStart(server: { activity(): number }, log: import('pino').Logger): Promise<() => void> {
  resumeOptimization();
  const { startIdleReclaim } = await import('../lib/memory.js');
  return startIdleReclaim({ activity: () => server.activity(), quietPerSecond: 20, everyMs: 1000, quietLooks: 6, minGrowthBytes: 16 << 20, floorBytes: 0, log });
}

COMMANDS.kubeconfig = {
  summary: 'Issue a client-certificate kubeconfig for another user of a tenant control plane',
  flags: {
    'data-dir': { type: 'string', help: 'The tenant control plane\'s data directory (required)' },
    user: { type: 'string', help: 'User name (certificate CN) (required)' },
    group: { type: 'string', repeat: true, help: 'Group (certificate O)' },
    out: { type: 'string', help: 'Where to write the kubeconfig', default: 'DATA_DIR/USER.kubeconfig' },
    days: { type: 'number', help: 'Certificate validity in days', default: '365' },
  },
  async run(f) {
    const { writeUserKubeconfig } = await import('../tenant-apiserver/user-kubeconfig.js');
    if (!f['data-dir']) throw new FlagError('--data-dir is required');
    if (!f.user) throw new FlagError('--user is required');
    const out = await writeUserKubeconfig({
      dataDir: path.resolve(f['data-dir'] as string),
      user: f.user as string,
      groups: (f.group as string[] | undefined) ?? [],
      out: f.out ? path.resolve(f.out as string) : undefined,
      days: f.days as number | undefined,
    });
    process.stdout.write(`Wrote ${out}\n`);
  },
};

COMMANDS.super = {
  summary: 'Run a local super cluster: the API server plus simulated nodes, scheduler, kubelets and core controllers',
  flags: {
    'data-dir': { type: 'string', help: 'Directory for state, certificates and the admin kubeconfig (required)' },
    listen: { type: 'string', help: 'HOST:PORT to serve HTTPS on; port 0 picks a free port', default: '127.0.0.1:6443' },
    'kubeconfig-out': { type: 'string', help: 'Where to write the admin kubeconfig once ready', default: 'DATA_DIR/admin.kubeconfig' },
    'token-auth-file': { type: 'string', help: 'CSV of bearer tokens: token,user,uid,"group1,group2"' },
    nodes: { type: 'number', help: 'Number of simulated nodes (node-1 … node-N)', default: '3' },
    'pod-start-delay-ms': { type: 'number', help: 'Delay before a scheduled pod is Running', default: '300' },
    'node-capacity': { type: 'string', help: 'Each node\'s capacity, e.g. cpu=64,memory=256Gi,pods=250 (a node\'s pod CIDR is a /24: at most 253 pods)', default: 'cpu=4,memory=16Gi,pods=110' },
  },
  async run(f) {
    const { startSuperCluster } = await import('../local-cluster/super.js');
    if (!f['data-dir']) throw new FlagError('--data-dir is required');
    const { host, port } = parseListen((f.listen as string | undefined) ?? '127.0.0.1:6443');
    const nodeShape: Record<string, string> = {};
    for (const part of ((f['node-capacity'] as string | undefined) ?? '').split(',').filter(Boolean)) {
      const [k, v] = part.split('=');
      const field = { cpu: 'cpu', memory: 'memory', pods: 'pods', 'ephemeral-storage': 'ephemeralStorage' }[k ?? ''];
      if (!field || !v) throw new FlagError(`--node-capacity takes cpu=, memory=, pods= and ephemeral-storage= entries, got ${JSON.stringify(part)}`);
      nodeShape[field] = v;
    }
    const log = createLogger('super');
    const cluster = await startSuperCluster({
      dataDir: path.resolve(f['data-dir'] as string),
      host,
      port,
      kubeconfigOut: f['kubeconfig-out'] ? path.resolve(f['kubeconfig-out'] as string) : undefined,
      tokenAuthFile: f['token-auth-file'] as string | undefined,
      nodes: f.nodes as number | undefined,
      podStartDelayMs: f['pod-start-delay-ms'] as number | undefined,
      nodeShape,
      log,
    });
    const signal = stopSignal();
    process.stdout.write(
      `Local super cluster ready at ${cluster.url} with ${cluster.nodeNames.length} nodes\n` +
        `Point kubectl at it:\n  export KUBECONFIG=${cluster.kubeconfigPath}\n  kubectl get nodes\n`,
    );
    const stopReclaim = await settleAfterStart(cluster, log);
    await closeOnSignal(signal, log, () => {
      stopReclaim();
      return cluster.close();
    });
  },
};

COMMANDS.syncer = {
  summary: 'Sync tenant control planes onto a shared super cluster (pods forced onto one RuntimeClass)',
  flags: {
    'super-kubeconfig': { type: 'string', help: 'Kubeconfig of the super cluster (required)' },
    tenant: { type: 'string', repeat: true, help: 'NAME=KUBECONFIG of a tenant control plane (required, repeatable)' },
    'tenant-weight': { type: 'string', repeat: true, help: 'NAME=WEIGHT: the tenant\'s share of the work queue (default 1)' },
    'runtime-class': { type: 'string', help: 'RuntimeClass every super pod runs with', default: 'kata' },
    'metrics-listen': { type: 'string', help: 'HOST:PORT serving /metrics, /healthz and /readyz (port 0 picks one)' },
    'patrol-interval': { type: 'string', help: 'How often a full diff of each tenant against the super cluster runs (0 disables)', default: '60s' },
    workers: { type: 'number', help: 'Concurrent reconciles', default: '8' },
    'policy-dir': { type: 'string', help: 'Directory of TenantPolicy files (watched); without it the built-in safe defaults apply' },
    'leader-elect': { type: 'boolean', help: 'Run as one of several replicas: only the holder of a Lease in the super cluster writes' },
    'leader-elect-namespace': { type: 'string', help: 'Namespace of the Lease', default: 'tenantry-system' },
    'leader-elect-name': { type: 'string', help: 'Name of the Lease', default: 'tenantry-syncer' },
    'leader-elect-identity': { type: 'string', help: 'This replica\'s identity in the Lease', default: 'HOSTNAME_<random>' },
    'leader-elect-lease-duration': { type: 'string', help: 'How long a standby waits on an unrenewed Lease before taking over', default: '15s' },
    'leader-elect-renew-deadline': { type: 'string', help: 'How long the leader keeps trying to renew before it stops writing', default: '10s' },
    'leader-elect-retry-period': { type: 'string', help: 'How often candidates try to acquire or renew', default: '2s' },
  },
  async run(f) {
    const { startSyncer, parseTenantFlag, parseDuration, leaderElectionOptions } = await import('../syncer/syncer.js');
    if (!f['super-kubeconfig']) throw new FlagError('--super-kubeconfig is required');
    const tenantFlags = (f.tenant as string[] | undefined) ?? [];
    if (tenantFlags.length === 0) throw new FlagError('at least one --tenant NAME=KUBECONFIG is required');
    const asFlagError = <T>(fn: () => T): T => {
      try {
        return fn();
      } catch (e) {
        throw new FlagError((e as Error).message);
      }
    };
    const tenants = tenantFlags.map((t) => asFlagError(() => parseTenantFlag(t)));
    for (const w of (f['tenant-weight'] as string[] | undefined) ?? []) {
      const [name, weight] = w.split('=');
      const t = tenants.find((x) => x.name === name);
      if (!t || !Number.isFinite(Number(weight)) || Number(weight) < 1) throw new FlagError(`--tenant-weight must be NAME=WEIGHT for a configured tenant, got ${w}`);
      t.weight = Number(weight);
    }
    const patrolIntervalMs = asFlagError(() => parseDuration((f['patrol-interval'] as string | undefined) ?? '60s'));
    const metricsListen = f['metrics-listen'] ? parseListen(f['metrics-listen'] as string) : undefined;
    let leaderElection: Parameters<typeof leaderElectionOptions>[0] | undefined;
    if (f['leader-elect']) {
      const dur = (name: string) => (f[name] === undefined ? undefined : asFlagError(() => parseDuration(f[name] as string)));
      leaderElection = {};
      if (f['leader-elect-namespace']) leaderElection.namespace = f['leader-elect-namespace'] as string;
      if (f['leader-elect-name']) leaderElection.name = f['leader-elect-name'] as string;
      if (f['leader-elect-identity']) leaderElection.identity = f['leader-elect-identity'] as string;
      const lease = dur('leader-elect-lease-duration');
      const renew = dur('leader-elect-renew-deadline');
      const retry = dur('leader-elect-retry-period');
      if (lease !== undefined) leaderElection.leaseDurationMs = lease;
      if (renew !== undefined) leaderElection.renewDeadlineMs = renew;
      if (retry !== undefined) leaderElection.retryPeriodMs = retry;
      const checked = leaderElection;
      asFlagError(() => leaderElectionOptions(checked));
    }
    const log = createLogger('syncer');
    const { openPolicySource } = await import('../policy/open.js');
    const runtimeClass = (f['runtime-class'] as string | undefined) ?? 'kata';
    const policy = await openPolicySource(f['policy-dir'] as string | undefined, log.child({ component: 'policy' }), runtimeClass);
    const syncer = await startSyncer({
      policy,
      superKubeconfig: path.resolve(f['super-kubeconfig'] as string),
      tenants,
      runtimeClass,
      metricsListen,
      patrolIntervalMs,
      workers: f.workers as number | undefined,
      leaderElection,
      log,
    });
    const signal = stopSignal();
    if (syncer.elector) {
      process.stdout.write(
        `Leader election on: this replica is ${syncer.elector.identity}; it writes only while it holds the Lease` +
          `${syncer.metricsUrl ? `; health and metrics at ${syncer.metricsUrl}` : ''}\n`,
      );
    }
    void syncer.ready.then(() =>
      process.stdout.write(`Syncer running: ${tenants.length} tenant(s) synced${syncer.metricsUrl ? `, metrics at ${syncer.metricsUrl}/metrics` : ''}\n`),
    );
    await closeOnSignal(signal, log, () => syncer.close().finally(() => policy.close()));
  },
};

COMMANDS.up = {
  summary: 'Run everything locally: a super cluster, tenant control planes and the syncer',
  flags: {
    dir: { type: 'string', help: 'State directory (kubeconfigs are written here)', default: '.tenantry' },
    tenants: { type: 'string', help: 'Comma-separated tenant names', default: 'a,b' },
    nodes: { type: 'number', help: 'Simulated super-cluster nodes', default: '3' },
    'policy-dir': { type: 'string', help: 'Directory of TenantPolicy files (watched), used by the tenants\' API servers and the syncer' },
  },
  async run(f) {
    const { up } = await import('../local-cluster/up.js');
    const dir = path.resolve((f.dir as string | undefined) ?? '.tenantry');
    const tenants = ((f.tenants as string | undefined) ?? 'a,b').split(',').map((t) => t.trim()).filter(Boolean);
    if (tenants.length === 0) throw new FlagError('--tenants needs at least one name');
    // Components log warnings and errors only, unless TENANTRY_LOG_LEVEL says otherwise: the terminal is for progress.
    const log = createLogger('up', process.env.TENANTRY_LOG_LEVEL ?? 'warn');
    const policyDir = f['policy-dir'] ? path.resolve(f['policy-dir'] as string) : undefined;
    const r = await up({ dir, tenants, nodes: (f.nodes as number | undefined) ?? 3, policyDir, log, progress: (l) => process.stdout.write(l + '\n') });
    const first = tenants[0]!;
    const signal = stopSignal();
    process.stdout.write(
      `\nReady. Try, as tenant "${first}":\n` +
        `  export KUBECONFIG=${r.tenantKubeconfigs[first]}\n` +
        `  kubectl create deployment web --image=nginx --replicas=2\n` +
        `  kubectl get pods,nodes -o wide\n` +
        `and look at the super cluster:\n` +
        `  kubectl --kubeconfig ${r.superKubeconfig} get pods -A -L tenantry.io/tenant\n` +
        `Other tenants: ${tenants.map((t) => `${t} → ${r.tenantKubeconfigs[t]}`).join(', ')}\n` +
        `Ctrl-C stops everything; running the same command again resumes.\n`,
    );
    await closeOnSignal(signal, log, () => r.close());
  },
};

COMMANDS.policy = {
  summary: 'Check a directory of TenantPolicy files: `tenantry policy check DIR` (exit 1 on any error)',
  flags: {},
  positional: ['check', 'DIR'],
  async run(_f, args) {
    const [verb, dir, ...extra] = args;
    if (verb !== 'check' || !dir || extra.length > 0) throw new FlagError('usage: tenantry policy check DIR');
    const { runPolicyCheck } = await import('../policy/check-cli.js');
    const code = runPolicyCheck(path.resolve(dir), (line) => process.stdout.write(line + '\n'));
    if (code !== 0) process.exitCode = code;
  },
};

/**
 * The first SIGTERM or SIGINT. Commands call this before they print that they are ready, so a
 * supervisor (or a test) that signals on reading that line never meets Node's default handler,
 * which would end the process without its graceful shutdown.
 */
function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
}

async function closeOnSignal(signal: Promise<NodeJS.Signals>, log: import('pino').Logger, close: () => Promise<void>): Promise<void> {
  log.info({ signal: await signal }, 'shutting down');
  await close().catch((err: unknown) => log.warn({ err }, 'shutdown did not finish cleanly'));
}

function usage(): string {
  const lines = ['Usage: tenantry <command> [flags]', '', 'Commands:'];
  for (const [name, c] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(12)} ${c.summary}`);
  lines.push('', 'Run `tenantry <command> --help` for a command\'s flags.');
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return 0;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    console.error(`unknown command: ${name}\n\n${usage()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(`Usage: tenantry ${name} ${cmd.positional ? cmd.positional.join(' ') + ' ' : ''}[flags]\n\n${cmd.summary}\n\nFlags:\n${flagHelp(cmd.flags)}`);
    return 0;
  }
  try {
    const args: string[] = [];
    if (cmd.positional) while (rest.length > 0 && !rest[0]!.startsWith('--')) args.push(rest.shift()!);
    await cmd.run(parseFlags(rest, cmd.flags), args);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof FlagError) {
      console.error(`error: ${e.message}\nRun \`tenantry ${name} --help\` for usage.`);
      return 2;
    }
    console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
    return 1;
  }
}

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
