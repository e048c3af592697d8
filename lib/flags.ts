// A small flag parser for the CLI: --name value, --name=value, repeatable flags,
// booleans; unknown flags are errors so typos do not pass silently.

export interface FlagSpec {
  [name: string]: { type: 'string' | 'boolean' | 'number'; repeat?: boolean; help: string; default?: string };
}

export type ParsedFlags = Record<string, string | string[] | boolean | number | undefined>;

export class FlagError extends Error {}

export function parseFlags(argv: string[], spec: FlagSpec): ParsedFlags {
  const out: ParsedFlags = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new FlagError(`unexpected argument: ${arg}`);
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    const s = spec[name];
    if (!s) throw new FlagError(`unknown flag: --${name}`);
    let value: string | undefined = eq > 0 ? arg.slice(eq + 1) : undefined;
    if (s.type === 'boolean') {
      out[name] = value === undefined ? true : value === 'true';
      continue;
    }
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new FlagError(`flag --${name} needs a value`);
    }
    const v = s.type === 'number' ? Number(value) : value;
    if (s.type === 'number' && !Number.isFinite(v)) throw new FlagError(`flag --${name} needs a number, got ${value}`);
    if (s.repeat) out[name] = [...((out[name] as string[] | undefined) ?? []), value];
    else out[name] = v;
  }
  return out;
}

export function flagHelp(spec: FlagSpec): string {
  return Object.entries(spec)
    .map(([n, s]) => `  --${n}${s.type === 'boolean' ? '' : ' ' + s.type.toUpperCase()}${s.repeat ? ' (repeatable)' : ''}\n      ${s.help}${s.default ? ` (default ${s.default})` : ''}`)
    .join('\n');
}

/** "HOST:PORT", "[::1]:PORT" or ":PORT" → parts. */
export function parseListen(v: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(v);
  if (!m) throw new FlagError(`--listen must be HOST:PORT, got ${v}`);
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port: Number(m[3]) };
}
