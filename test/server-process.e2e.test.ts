// The API server process as a platform engineer runs it: once quiet, it gives
// its start-up's heap back to the system (the idle reclaim logs it, with the
// heap before and after), and it serves at once, optimizing compilers back on.

import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, client, eventually, startServer, tempDir, type ServerProcess } from './harness.js';

let s: ServerProcess;

beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => {
  await s?.stop();
});

describe('the apiserver process', () => {
  it('returns its start-up heap once quiet', async () => {
    const line = await eventually(() => {
      const m = /^.*idle: heap returned to the system.*$/m.exec(s.logs());
      expect(m).not.toBeNull();
      return m![0];
    }, 20_000, 200);
    const logged = JSON.parse(line) as { heapBeforeMB: number; heapAfterMB: number; liveMB: number };
    expect(logged.heapAfterMB).toBeLessThan(logged.heapBeforeMB);
    expect(logged.liveMB).toBeLessThanOrEqual(logged.heapAfterMB);
    // Still serving afterwards.
    const c = client(s.kubeconfig);
    expect((await c.request('GET', '/api/v1/namespaces/default')).code).toBe(200);
    c.agent.destroy();
  }, 30_000);

  it('shuts down gracefully on a SIGTERM sent the moment it says it is ready', async () => {
    // A supervisor may signal as soon as it reads the ready line; the process must already be
    // listening then, or Node's default handler ends it without closing its store (exit by signal).
    const proc = spawn(process.execPath, [CLI, 'apiserver', '--data-dir', tempDir('ready-signal'), '--listen', '127.0.0.1:0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TENANTRY_LOG_LEVEL: 'info' },
    });
    let out = '';
    proc.stderr!.on('data', (d) => (out += d));
    proc.stdout!.on('data', (d) => {
      out += d;
      if (/ready at/.test(out) && proc.signalCode === null && proc.exitCode === null) proc.kill('SIGTERM');
    });
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => proc.once('exit', (c, sig) => resolve([c, sig])));
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(out).toContain('shutting down');
  }, 30_000);
});
