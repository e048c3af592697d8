// Loaded by the launcher (bin/tenantry.js) before the CLI itself, so it runs
// before any other module is: the API server commands start with the
// optimizing compilers off (lib/startup-jit.ts explains why); loading the
// CLI's own dependencies is already part of the start-up not worth optimizing.
//
// The built-in modules a server uses are loaded first. Node compiles its
// built-ins from a code cache that V8 accepts only while the flags match
// those it was made with: each one loaded after the flag change would be
// compiled from source instead (~25 ms of a ~380 ms start). A built-in
// missing from this list still works; it only loads more slowly.

import { deferOptimization } from '../lib/startup-jit.js';

const SERVER_COMMANDS = new Set(['apiserver', 'super']);

const SERVER_BUILTINS = [
  'assert', 'child_process', 'cluster', 'crypto', 'dgram', 'dns', 'fs/promises', 'http', 'http2', 'https', 'net', 'os',
  'perf_hooks', 'readline', 'stream', 'stream/promises', 'string_decoder', 'tls', 'v8', 'vm', 'worker_threads', 'zlib',
];

if (SERVER_COMMANDS.has(process.argv[2] ?? '')) {
  await Promise.all(SERVER_BUILTINS.map((m) => import(`node:${m}`)));
  deferOptimization();
}
