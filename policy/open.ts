// How a component gets its policies: watched from `--policy-dir`, or the
// built-in safe defaults when none is given (never "no policy").

import type { Logger } from 'pino';
import { DEFAULT_RUNTIME_CLASS, defaultPolicySet, staticPolicySource, type PolicySource } from './types.js';

export async function openPolicySource(dir: string | undefined, log: Logger, runtimeClass = DEFAULT_RUNTIME_CLASS): Promise<PolicySource> {
  if (!dir) {
    log.info({ runtimeClass }, 'no policy directory: every tenant gets the built-in defaults');
    return staticPolicySource(defaultPolicySet(runtimeClass));
  }
  // The watcher (YAML parser, prom-client metrics) is loaded only when there are files to watch.
  const { watchPolicyDir } = await import('./loader.js');
  return watchPolicyDir(dir, log, { runtimeClass });
}
