// glibc's malloc_trim, through the optional native helper in native/malloc-trim
// (built by `npm ci`, hack/build-native.mjs). Memory that Node, OpenSSL and
// nghttp2 malloc'ed during a burst is freed afterwards, but glibc keeps the
// pages of a fragmented heap: in the syncer at 10,000 pods, ~60 MB of RSS held
// ~3 MB of live buffers. A V8 collection cannot return those; this does.

import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ADDON = path.join('native', 'malloc-trim', 'build', 'Release', 'malloc_trim.node');

/** The helper's function, looked up once: null where it was not built (or is not loadable). */
let trim: (() => boolean) | null | undefined;

function load(): (() => boolean) | null {
  // This module runs from lib/ (sources, tests), dist/lib/ or the CLI bundle's dist/cli/chunks/.
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++, dir = path.dirname(dir)) {
    const file = path.join(dir, ADDON);
    if (!fs.existsSync(file)) continue;
    try {
      const m = createRequire(import.meta.url)(file) as { mallocTrim?: unknown };
      return typeof m.mallocTrim === 'function' ? (m.mallocTrim as () => boolean) : null;
    } catch {
      return null;
    }
  }
  return null;
}

/** Whether the helper is here (it is optional: without a compiler, `npm ci` skips it). */
export function mallocTrimAvailable(): boolean {
  trim ??= load();
  return trim !== null;
}

/** Returns the C heap's free pages to the system; true when some were. A no-op without the helper. */
export function mallocTrim(): boolean {
  trim ??= load();
  return trim ? trim() : false;
}
