// Load a CommonJS dependency on first use instead of at start-up: protobufjs and
// friends cost tens of milliseconds and megabytes that a server which never
// sees a protobuf body should not pay.

import { createRequire } from 'node:module';

const requireHere = createRequire(import.meta.url);

export function lazyRequire<T>(id: string): () => T {
  let mod: T | undefined;
  return () => (mod ??= requireHere(id) as T);
}

/** The YAML library (~50 ms and several MB): loaded by the first YAML body or response, not at start-up. */
export const yaml = lazyRequire<typeof import('yaml')>('yaml');
