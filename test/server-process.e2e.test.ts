// The API server process as a platform engineer runs it: once quiet, it gives
// its start-up's heap back to the system (the idle reclaim logs it, with the
// heap before and after), and it serves at once, optimizing compilers back on.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, eventually, startServer, type ServerProcess } from './harness.js';

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
});
