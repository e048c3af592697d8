// Bundles the CLI (bin/tenantry.ts and everything it imports from this repo)
// into dist/cli/: one module for what every command loads, plus a chunk per
// lazily imported part. Node's ESM loader resolves, reads and links each module
// on its own: the ~120 modules an API server loads cost ~100 ms of its ~450 ms
// cold start and kept V8's optimizing compiler busy on the loader itself.
// Packages stay in node_modules (native better-sqlite3, pino, prom-client…).
// tsc still builds dist/ for the benchmarks' in-process servers and for types.

import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// Chunk names carry content hashes: clear out the last build's.
fs.rmSync(path.join(root, 'dist/cli'), { recursive: true, force: true });

await build({
  absWorkingDir: root,
  entryPoints: ['bin/tenantry.ts', 'bin/start-mode.ts'],
  outdir: 'dist/cli',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  chunkNames: 'chunks/[name]-[hash]',
  sourcemap: 'linked',
  logLevel: 'warning',
});
