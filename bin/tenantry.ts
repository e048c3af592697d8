// The one CLI: every part of Tenantry runs from here. Subcommands parse flags and
// call a component's start function; nothing else lives in this file.

import path from 'node:path';
import { FlagError, flagHelp, parseFlags, parseListen, type FlagSpec } from '../lib/flags.js';
import { createLogger } from '../lib/log.js';

interface Command {
  summary: string;
  flags: FlagSpec;
  run(flags: Record<string, unknown>): Promise<void>;
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
    },
    async run(f) {
      const { startApiServer, ALL_CONTROLLERS } = await import('../tenant-apiserver/apiserver.js');
      if (!f['data-dir']) throw new FlagError('--data-dir is required');
      const { host, port } = parseListen((f.listen as string | undefined) ?? '127.0.0.1:6443');
      const ctl = (f.controllers as string | undefined) ?? 'all';
      const log = createLogger('apiserver');
      const server = await startApiServer({
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
      process.stdout.write(
        `Tenant control plane ready at ${server.url}\n` +
          `Point kubectl at it:\n  export KUBECONFIG=${server.kubeconfigPath}\n  kubectl get namespaces\n`,
      );
      await waitForSignal(log, () => server.close());
    },
  },
};

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

async function waitForSignal(log: { info(o: object, m: string): void }, close: () => Promise<void>): Promise<void> {
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, 'shutting down');
      void close().then(resolve, resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
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
    console.log(`Usage: tenantry ${name} [flags]\n\n${cmd.summary}\n\nFlags:\n${flagHelp(cmd.flags)}`);
    return 0;
  }
  try {
    await cmd.run(parseFlags(rest, cmd.flags));
    return 0;
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
