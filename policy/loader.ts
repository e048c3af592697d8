// A policy directory: read and load it all-or-nothing (`loadPolicyDir`), or
// watch it (`watchPolicyDir`) so edits apply within seconds while a broken edit
// never replaces the policy in force.
//
// Files: `*.yaml` / `*.yml` directly in the directory (not recursive), dotfiles
// skipped (editor lock and swap files such as `.#gold.yaml`). Symlinks are
// followed, so a ConfigMap mounted as a volume works: its files are symlinks
// through `..data`, which the kubelet swaps atomically on update.

import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { parsePolicyFile, type PolicyDoc } from './file.js';
import { createPolicyMetrics, type PolicyMetrics } from './metrics.js';
import { buildPolicySet, emptySet, type BuildOptions, type LoadedPolicySet } from './resolve.js';
import { formatPolicyError, type PolicyError, type PolicySet, type PolicySource } from './types.js';

export interface PolicyFileText {
  /** The directory joined with the file name: what errors and logs show. */
  path: string;
  text: string;
}

export type DirRead = { ok: true; files: PolicyFileText[] } | { ok: false; error: PolicyError };

function errnoCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : undefined;
}

/** The policy files' contents, sorted by name (so load order, and duplicate reports, are stable). */
export function readPolicyDir(dir: string): DirRead {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    const code = errnoCode(e);
    const reason =
      code === 'ENOENT' ? 'policy directory does not exist' : code === 'ENOTDIR' ? 'not a directory' : `cannot read policy directory: ${(e as Error).message}`;
    return { ok: false, error: { file: dir, field: '', reason } };
  }
  const files: PolicyFileText[] = [];
  for (const name of names.sort()) {
    if (name.startsWith('.') || !/\.ya?ml$/.test(name)) continue;
    const path = join(dir, name);
    try {
      if (!statSync(path).isFile()) continue;
      files.push({ path, text: readFileSync(path, 'utf8') });
    } catch (e) {
      // Gone between listing and reading: an editor's rename-save; the next look sees the new file.
      if (errnoCode(e) === 'ENOENT') continue;
      return { ok: false, error: { file: path, field: '', reason: `cannot read: ${(e as Error).message}` } };
    }
  }
  return { ok: true, files };
}

export interface PolicyLoad {
  /** The loaded set; the built-in defaults when `errors` is not empty. */
  set: LoadedPolicySet;
  errors: PolicyError[];
}

export function loadPolicyFiles(files: PolicyFileText[], opts: BuildOptions = {}): PolicyLoad {
  const docs: PolicyDoc[] = [];
  const errors: PolicyError[] = [];
  for (const f of files) {
    const parsed = parsePolicyFile(f.path, f.text);
    docs.push(...parsed.docs);
    errors.push(...parsed.errors);
  }
  // Cross-file checks run on the valid documents even when some file failed, so
  // one run reports as much as it can.
  const built = buildPolicySet(docs, opts);
  errors.push(...built.errors);
  // By file and line, as a compiler lists them (sort is stable: whole-file errors keep their order).
  errors.sort((x, y) => (x.file < y.file ? -1 : x.file > y.file ? 1 : (x.line ?? 0) - (y.line ?? 0)));
  return errors.length > 0 ? { set: emptySet(opts.runtimeClass), errors } : built;
}

/** Load a directory once: every file valid, or errors and the built-in defaults. */
export function loadPolicyDir(dir: string, opts: BuildOptions = {}): PolicyLoad {
  const read = readPolicyDir(dir);
  if (!read.ok) return { set: emptySet(opts.runtimeClass), errors: [read.error] };
  return loadPolicyFiles(read.files, opts);
}

function fingerprint(read: DirRead): string {
  if (!read.ok) return `error\0${read.error.file}\0${read.error.reason}`;
  const h = createHash('sha256');
  for (const f of read.files) h.update(f.path).update('\0').update(f.text).update('\0');
  return h.digest('hex');
}

export interface WatchOptions extends BuildOptions {
  /** Where the metrics go (default: prom-client's default registry). */
  registry?: Registry;
  metrics?: PolicyMetrics;
  /** How often the directory is re-read whatever fs.watch says (default 2000 ms). */
  pollMs?: number;
  /** A change applies once the files read the same twice this far apart (default 300 ms). */
  debounceMs?: number;
  /** Use fs.watch for quick notice (default true); polling alone otherwise. */
  fsWatch?: boolean;
}

export interface WatchedPolicySource extends PolicySource {
  current(): LoadedPolicySet;
  /** Look at the directory now (tests, SIGHUP). */
  check(): void;
}

/**
 * Watch a policy directory. The first load happens before this returns; with
 * errors, the built-in defaults are in force until a good load.
 */
export function watchPolicyDir(dir: string, log: Logger, opts: WatchOptions = {}): WatchedPolicySource {
  const metrics = opts.metrics ?? createPolicyMetrics(opts.registry);
  const pollMs = opts.pollMs ?? 2000;
  const debounceMs = opts.debounceMs ?? 300;
  const build: BuildOptions = opts.runtimeClass !== undefined ? { runtimeClass: opts.runtimeClass } : {};
  const listeners = new Set<(set: PolicySet) => void>();

  let current = emptySet(opts.runtimeClass);
  let lastErrors: PolicyError[] = [];
  let lastGoodAt: Date | undefined;
  let attemptedKey: string | undefined;
  let pending: { key: string; at: number } | undefined;
  let watcher: FSWatcher | undefined;
  let watchedIno: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  function attempt(read: DirRead, key: string): void {
    attemptedKey = key;
    pending = undefined;
    const result = read.ok ? loadPolicyFiles(read.files, build) : { set: current, errors: [read.error] };
    metrics.errors.set(result.errors.length);
    if (result.errors.length > 0) {
      lastErrors = result.errors;
      metrics.reloads.inc({ result: 'error' });
      for (const e of result.errors) log.error({ dir, file: e.file, line: e.line, field: e.field, reason: e.reason }, `policy error: ${formatPolicyError(e)}`);
      const n = result.errors.length;
      log.warn(
        { dir, errors: n, inForce: lastGoodAt ? lastGoodAt.toISOString() : 'built-in defaults' },
        lastGoodAt
          ? `policy reload rejected (${n} error${n === 1 ? '' : 's'}); the policy loaded at ${lastGoodAt.toISOString()} stays in force`
          : `policy load failed (${n} error${n === 1 ? '' : 's'}); built-in defaults apply to every tenant until the files are fixed`,
      );
      return;
    }
    const first = lastGoodAt === undefined;
    current = result.set;
    lastErrors = [];
    lastGoodAt = new Date();
    metrics.reloads.inc({ result: 'success' });
    metrics.lastSuccess.set(lastGoodAt.getTime() / 1000);
    metrics.tenantsConfigured.set(current.tenants.length);
    const files = read.ok ? read.files.map((f) => f.path) : [];
    log.info(
      {
        dir,
        files,
        policies: current.policies.map((p) => ({ file: p.file, name: p.name, ...(p.tier ? { tier: p.tier } : { tenants: p.tenants, baseTier: p.baseTier }) })),
        tiers: current.tiers,
        tenants: current.tenants,
      },
      files.length === 0
        ? `no policy files in ${dir}: built-in defaults apply to every tenant`
        : `policy ${first ? 'loaded' : 'reloaded'}: ${current.policies.length} polic${current.policies.length === 1 ? 'y' : 'ies'} from ${files.length} file${files.length === 1 ? '' : 's'}, ${current.tenants.length} tenant(s) named`,
    );
    for (const fn of listeners) {
      try {
        fn(current);
      } catch (err) {
        log.error({ err }, 'policy change listener failed');
      }
    }
  }

  function schedule(): void {
    if (closed) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      check(true);
    }, debounceMs);
    timer.unref();
  }

  /** fs.watch on the directory as it is now; re-made when it was replaced or re-created. */
  function ensureWatcher(): void {
    if (opts.fsWatch === false) return;
    let ino: number | undefined;
    try {
      ino = statSync(dir).ino;
    } catch {
      ino = undefined;
    }
    if (watcher && ino === watchedIno) return;
    watcher?.close();
    watcher = undefined;
    watchedIno = undefined;
    if (ino === undefined) return;
    try {
      const w = watch(dir, { persistent: false }, () => schedule());
      w.on('error', () => {
        // The directory went away; polling notices and ensureWatcher re-makes it.
        w.close();
        if (watcher === w) watcher = undefined;
      });
      watcher = w;
      watchedIno = ino;
    } catch {
      // fs.watch unavailable (some network file systems): polling alone.
    }
  }

  function check(settle: boolean): void {
    if (closed) return;
    ensureWatcher();
    const read = readPolicyDir(dir);
    const key = fingerprint(read);
    if (key === attemptedKey) {
      pending = undefined;
      return;
    }
    // Apply only once the files read the same twice, debounceMs apart: an editor
    // or `cp` mid-write would otherwise be reported as a broken file.
    const now = Date.now();
    if (!settle || (pending?.key === key && now - pending.at >= debounceMs)) return attempt(read, key);
    if (pending?.key !== key) pending = { key, at: now };
    schedule();
  }

  check(false);
  const poll = setInterval(() => check(true), pollMs);
  poll.unref();

  return {
    current: () => current,
    errors: () => lastErrors,
    onChange(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    check: () => check(false),
    close() {
      closed = true;
      clearInterval(poll);
      if (timer) clearTimeout(timer);
      watcher?.close();
      watcher = undefined;
      listeners.clear();
    },
  };
}
