// Builds the optional native helper (native/malloc-trim: glibc's malloc_trim for
// lib/memory.ts's idle reclaim) with the node-gyp npm ships, as better-sqlite3's
// own build does. Optional: where it cannot be built (no compiler, no headers),
// this says so and the process simply keeps its freed C heap pages.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.join(root, 'native', 'malloc-trim');
const out = path.join(dir, 'build', 'Release', 'malloc_trim.node');
const sources = ['malloc_trim.c', 'binding.gyp'].map((f) => path.join(dir, f));

const mtime = (f) => fs.statSync(f).mtimeMs;
if (fs.existsSync(out) && sources.every((s) => mtime(s) <= mtime(out))) process.exit(0);

function nodeGyp() {
  if (process.env.npm_config_node_gyp && fs.existsSync(process.env.npm_config_node_gyp)) return process.env.npm_config_node_gyp;
  const npmRoot = spawnSync('npm', ['root', '-g'], { encoding: 'utf8' }).stdout?.trim();
  const bundled = npmRoot && path.join(npmRoot, 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  return bundled && fs.existsSync(bundled) ? bundled : undefined;
}

const gyp = nodeGyp();
const r = gyp ? spawnSync(process.execPath, [gyp, 'rebuild', '--release'], { cwd: dir, encoding: 'utf8' }) : undefined;
if (!r || r.status !== 0) {
  const why = !r ? 'node-gyp not found' : (r.stderr || r.stdout || '').trim().split('\n').filter((l) => /ERR!|error/i.test(l)).slice(0, 3).join(' | ');
  console.warn(`tenantry: optional native helper native/malloc-trim not built (${why}); idle memory reclaim will not return freed C heap pages.`);
}
