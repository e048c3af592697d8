// Start-up without the optimizing compilers. A server's start-up runs code once
// (the module loader resolving ~50 modules and packages, the registry built
// from the API spec), yet the loader's path functions get hot enough to be
// compiled by TurboFan. That work is wasted (the code never runs again) and it
// costs memory for good: the compiler's own machine code, ~3.6 MB of the node
// binary, is paged in and stays in the RSS of a server that then sits idle.
// So an API server process starts with TurboFan (and Maglev, where Node turns
// it on) off and turns them back on once it is ready; from then on, request
// paths are optimized as usual (an idle server optimizes nothing, so the
// compiler's pages stay out of its RSS until work comes). V8 reads these flags
// when it decides to tier up, so changing them at run time takes effect for
// later decisions.

import v8 from 'node:v8';

/** Node ≥ 22 runs V8's Maglev tier by default; Node 20 has it off, and it stays off there. */
const MAGLEV_DEFAULT = Number(process.versions.node.split('.')[0]) >= 22;

function setByUser(flag: string): boolean {
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  return given.some((a) => a.replace(/_/g, '-').replace(/^--no-/, '--').startsWith(`--${flag}`));
}

/** Turns the optimizing tiers off until resumeOptimization(); a no-op where the user set them. */
export function deferOptimization(): void {
  if (!setByUser('turbofan') && !setByUser('opt')) v8.setFlagsFromString('--no-turbofan');
  if (MAGLEV_DEFAULT && !setByUser('maglev')) v8.setFlagsFromString('--no-maglev');
}

/** Turns them back on: the server is ready, what runs from now on is worth optimizing. */
export function resumeOptimization(): void {
  if (!setByUser('turbofan') && !setByUser('opt')) v8.setFlagsFromString('--turbofan');
  if (MAGLEV_DEFAULT && !setByUser('maglev')) v8.setFlagsFromString('--maglev');
}
