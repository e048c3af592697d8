// A child process of the syncer bench that runs many tenant control planes in
// one Node process (100 separate processes would cost ~100 × 90 MB and 100
// runtime start-ups on a 2-core machine). Each is a full startApiServer with
// its own SQLite data dir, certificates, port and admin kubeconfig.
//   node dist/bench/tenant-host.js DIR FIRST COUNT
// starts tenants t<FIRST>…t<FIRST+COUNT-1>, prints one JSON line
// {"tenants":[{"name","kubeconfig"}…]} on stdout once all are ready, and
// closes them all on SIGTERM.

import path from 'node:path';
import { startApiServer, type ApiServer } from '../tenant-apiserver/apiserver.js';
import { createLogger } from '../lib/log.js';

export const tenantName = (i: number): string => `t${String(i).padStart(3, '0')}`;

async function main(): Promise<void> {
  const [dir, firstArg, countArg] = process.argv.slice(2);
  if (!dir || !firstArg || !countArg) throw new Error('usage: tenant-host.js DIR FIRST COUNT');
  const first = Number(firstArg);
  const count = Number(countArg);
  const log = createLogger('bench-tenants', process.env.TENANTRY_LOG_LEVEL ?? 'warn');
  const servers: ApiServer[] = [];
  const out: { name: string; kubeconfig: string }[] = [];
  // A few at a time: start-up is mostly certificate generation and SQLite set-up, and a
  // burst of 100 concurrent starts only thrashes.
  const names = Array.from({ length: count }, (_, i) => tenantName(first + i));
  const batch = 4;
  for (let i = 0; i < names.length; i += batch) {
    await Promise.all(
      names.slice(i, i + batch).map(async (name) => {
        const kubeconfig = path.join(dir, `${name}.kubeconfig`);
        const s = await startApiServer({ dataDir: path.join(dir, name), host: '127.0.0.1', port: 0, kubeconfigOut: kubeconfig, log: log.child({ tenant: name }) });
        servers.push(s);
        out.push({ name, kubeconfig });
      }),
    );
  }
  out.sort((a, b) => a.name.localeCompare(b.name));
  process.stdout.write(JSON.stringify({ tenants: out }) + '\n');
  const stop = (): void => {
    void Promise.allSettled(servers.map((s) => s.close())).then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exit(1);
});
