// The start-up mode really keeps TurboFan off until resumed, and turns it
// back on: a hot function stays unoptimized while deferred and is optimized
// once resumed. A --turbofan the user passes wins over the deferral. Runs
// the built module (dist/) in a child node with V8's natives syntax, which
// can ask which tier a function runs in.

import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const built = pathToFileURL(path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'lib', 'startup-jit.js')).href;

function tiers(nodeArgs: string[] = []): { deferred: boolean; resumed: boolean } {
  const script = `
    import(${JSON.stringify(built)}).then(({ deferOptimization, resumeOptimization }) => {
      deferOptimization();
      function hot(x) { return (x * 2 + 1) | 0; }
      let s = 0;
      for (let i = 0; i < 2e7; i++) s += hot(i);
      const deferred = %ActiveTierIsTurbofan(hot);
      resumeOptimization();
      for (let i = 0; i < 2e7; i++) s += hot(i);
      console.log(JSON.stringify({ deferred, resumed: %ActiveTierIsTurbofan(hot), s }));
    });`;
  const r = spawnSync(process.execPath, ['--allow-natives-syntax', ...nodeArgs, '-e', script], { encoding: 'utf8', timeout: 30_000 });
  expect(r.status, r.stderr).toBe(0);
  const { deferred, resumed } = JSON.parse(r.stdout) as { deferred: boolean; resumed: boolean };
  return { deferred, resumed };
}

describe('startup-jit', () => {
  it('keeps a hot function out of TurboFan while deferred, and lets it in once resumed', () => {
    expect(tiers()).toEqual({ deferred: false, resumed: true });
  });

  it('leaves the optimizer alone when the user set it on the command line', () => {
    expect(tiers(['--turbofan']).deferred).toBe(true);
  });
});
