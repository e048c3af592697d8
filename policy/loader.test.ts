import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { formatQuantity } from '../tenant-apiserver/api/strategies/quantity.js';
import { loadPolicyDir, watchPolicyDir, type WatchedPolicySource } from './loader.js';
import { formatPolicyError, type PolicySet } from './types.js';

const HEAD = 'apiVersion: tenantry.io/v1alpha1\nkind: TenantPolicy\n';
const policy = (name: string, spec: string) => `${HEAD}metadata: {name: ${name}}\nspec:\n${spec}`;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tenantry-policy-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function write(name: string, text: string): void {
  writeFileSync(join(dir, name), text);
}

function errors(): string[] {
  return loadPolicyDir(dir).errors.map(formatPolicyError);
}

const pods = (set: PolicySet, tenant: string) => {
  const q = set.forTenant(tenant).quota.hard.get('pods');
  return q ? formatQuantity(q) : undefined;
};

describe('loadPolicyDir: resolution', () => {
  beforeEach(() => {
    write(
      'tiers.yaml',
      policy('default-tier', '  tier: default\n  quota:\n    hard: {pods: "5", requests.cpu: "2"}\n') +
        '---\n' +
        policy(
          'gold',
          '  tier: gold\n  quota:\n    hard: {pods: "50", requests.cpu: "20"}\n    defaults:\n      requests: {cpu: 100m}\n      limits: {cpu: "1"}\n  runtimeClasses: {allowed: [kata-fc]}\n  podSecurity: {level: restricted}\n  weight: 3\n',
        ),
    );
    write('acme.yml', policy('acme', '  tenants: [acme]\n  tierRef: gold\n  quota:\n    hard: {pods: "70"}\n  podSecurity: {allow: [hostNetwork]}\n'));
    write('plain.yaml', policy('plain', '  tenants: [plain]\n  weight: 2\n'));
  });

  it('layers built-in defaults, the tier and the tenant policy', () => {
    const { set, errors } = loadPolicyDir(dir);
    expect(errors).toEqual([]);
    const acme = set.forTenant('acme');
    expect(acme.tenant).toBe('acme');
    expect(pods(set, 'acme')).toBe('70'); // the tenant's own figure
    expect(formatQuantity(acme.quota.hard.get('requests.cpu')!)).toBe('20'); // the tier's other figures stay
    expect(formatQuantity(acme.quota.defaultRequests.get('cpu')!)).toBe('100m');
    expect(acme.runtimeClasses).toEqual({ default: 'kata', allowed: ['kata', 'kata-fc'] });
    expect(acme.podSecurity.level).toBe('restricted');
    expect([...acme.podSecurity.allow]).toEqual(['hostNetwork']);
    expect(acme.network.isolation).toBe(true);
    expect(acme.weight).toBe(3);
    expect(acme.sources).toEqual([`${join(dir, 'tiers.yaml')} (policy gold)`, `${join(dir, 'acme.yml')} (policy acme)`]);
    expect(set.tenants).toEqual(['acme', 'plain']);
    expect(set.tiers).toEqual(['default', 'gold']);
  });

  it('starts a tenant policy without tierRef from tier "default", and gives it to unnamed tenants', () => {
    const { set } = loadPolicyDir(dir);
    expect(pods(set, 'plain')).toBe('5');
    expect(set.forTenant('plain').weight).toBe(2);
    const other = set.forTenant('nobody');
    expect(other.tenant).toBe('nobody');
    expect(pods(set, 'nobody')).toBe('5');
    expect(other.podSecurity.level).toBe('baseline');
    expect(other.runtimeClasses).toEqual({ default: 'kata', allowed: ['kata'] });
  });

  it('gives the built-in defaults when there is no tier "default"', () => {
    rmSync(join(dir, 'tiers.yaml'));
    rmSync(join(dir, 'acme.yml'));
    const { set, errors } = loadPolicyDir(dir, { runtimeClass: 'gvisor' });
    expect(errors).toEqual([]);
    const p = set.forTenant('nobody');
    expect(p.sources).toEqual(['built-in defaults']);
    expect(p.quota.hard.size).toBe(0);
    expect(p.runtimeClasses).toEqual({ default: 'gvisor', allowed: ['gvisor'] });
    expect(p.podSecurity).toEqual({ level: 'baseline', allow: new Set() });
    expect(p.network.isolation).toBe(true);
    expect(set.forTenant('plain').weight).toBe(2);
  });

  it('ignores dotfiles, other extensions and subdirectories', () => {
    write('.#acme.yaml', 'not: [valid');
    write('notes.txt', 'not: [valid');
    write('acme.yaml~', 'not: [valid');
    mkdirSync(join(dir, 'sub.yaml'));
    expect(errors()).toEqual([]);
  });

  it('loads an empty directory as the built-in defaults', () => {
    const empty = mkdtempSync(join(tmpdir(), 'tenantry-policy-empty-'));
    try {
      const { set, errors } = loadPolicyDir(empty);
      expect(errors).toEqual([]);
      expect(set.forTenant('x').sources).toEqual(['built-in defaults']);
    } finally {
      rmSync(empty, { recursive: true });
    }
  });
});

describe('loadPolicyDir: errors across files', () => {
  it('reports a missing directory instead of throwing', () => {
    const missing = join(dir, 'nope');
    const { set, errors } = loadPolicyDir(missing);
    expect(errors.map(formatPolicyError)).toEqual([`${missing}: policy directory does not exist`]);
    expect(set.forTenant('a').sources).toEqual(['built-in defaults']);
  });

  it('reports a duplicate metadata.name', () => {
    write('a.yaml', policy('same', '  tenants: [a]\n'));
    write('b.yaml', policy('same', '  tenants: [b]\n'));
    expect(errors()).toEqual([`${join(dir, 'b.yaml')}:3: metadata.name: Duplicate value: "same": also defined in ${join(dir, 'a.yaml')}`]);
  });

  it('reports a tenant named by two policies', () => {
    write('a.yaml', policy('one', '  tenants: [acme, globex]\n'));
    write('b.yaml', `# second\n${policy('two', '  tenants: [initech, globex]\n')}`);
    expect(errors()).toEqual([`${join(dir, 'b.yaml')}:6: spec.tenants[1]: Duplicate value: "globex": tenant already named by ${join(dir, 'a.yaml')} (policy one)`]);
  });

  it('reports a tier defined twice', () => {
    write('a.yaml', policy('one', '  tier: gold\n'));
    write('b.yaml', policy('two', '  tier: gold\n'));
    expect(errors()).toEqual([`${join(dir, 'b.yaml')}:5: spec.tier: Duplicate value: "gold": tier already defined by ${join(dir, 'a.yaml')} (policy one)`]);
  });

  it('reports an unknown tier in tierRef', () => {
    write('a.yaml', policy('silver', '  tier: silver\n'));
    write('b.yaml', policy('acme', '  tenants: [acme]\n  tierRef: gold\n'));
    expect(errors()).toEqual([`${join(dir, 'b.yaml')}:6: spec.tierRef: Not found: "gold": no policy defines this tier (tiers: silver)`]);
  });

  it('reports a default request above the default limit once tier and tenant combine', () => {
    write('tier.yaml', policy('gold', '  tier: gold\n  quota:\n    defaults:\n      requests: {cpu: "1"}\n'));
    write('acme.yaml', policy('acme', '  tenants: [acme]\n  tierRef: gold\n  quota:\n    defaults:\n      limits: {cpu: 500m}\n'));
    expect(errors()).toEqual([
      `${join(dir, 'acme.yaml')}:9: spec.quota.defaults.limits[cpu]: Invalid value: "1": must be less than or equal to cpu limit of 500m (combined with tier "gold" from ${join(dir, 'tier.yaml')} (policy gold))`,
    ]);
  });

  it('rejects the whole directory when any file is bad, and reports every file', () => {
    write('good.yaml', policy('good', '  tenants: [a]\n  quota:\n    hard: {pods: "3"}\n'));
    write('bad1.yaml', policy('bad1', '  tenants: [b]\n  quota:\n    hard: {pods: "-3"}\n'));
    write('bad2.yaml', 'apiVersion: [\n');
    const { set, errors } = loadPolicyDir(dir);
    expect(errors.map((e) => e.file).sort()).toEqual([join(dir, 'bad1.yaml'), join(dir, 'bad2.yaml')]);
    expect(set.forTenant('a').quota.hard.size).toBe(0); // not half-loaded
  });

  it('loads the documented examples cleanly', () => {
    const { set, errors } = loadPolicyDir(join(import.meta.dirname, '../docs/examples/policies'));
    expect(errors.map(formatPolicyError)).toEqual([]);
    expect(set.tenants).toEqual(['acme', 'globex', 'monitoring']);
    expect([...set.forTenant('monitoring').podSecurity.allow].sort()).toEqual(['hostNetwork', 'hostPID', 'hostPath', 'hostPorts']);
    expect(set.forTenant('acme').weight).toBe(5);
  });
});

describe('watchPolicyDir', () => {
  let lines: Record<string, unknown>[];
  let source: WatchedPolicySource | undefined;
  let registry: Registry;

  function logger() {
    lines = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
        cb();
      },
    });
    return pino({ level: 'info' }, sink);
  }

  async function metric(name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
    const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
    return m?.values.find((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val))?.value;
  }

  beforeEach(() => {
    registry = new Registry();
  });
  afterEach(() => {
    source?.close();
    source = undefined;
  });

  const opts = (extra: { fsWatch?: boolean; pollMs?: number } = {}) => ({ registry, pollMs: 50, debounceMs: 20, ...extra });
  const waitFor = <T>(fn: () => T) => vi.waitFor(fn, { timeout: 10_000, interval: 20 });

  for (const fsWatch of [true, false]) {
    it(`reloads a good edit, keeps the last good set through a bad one (${fsWatch ? 'fs.watch alone' : 'polling alone'})`, async () => {
      write('acme.yaml', policy('acme', '  tenants: [acme]\n  quota:\n    hard: {pods: "3"}\n'));
      // Each notice path on its own: fs.watch with polling out of the way, or polling without fs.watch.
      source = watchPolicyDir(dir, logger(), opts(fsWatch ? { fsWatch, pollMs: 3_600_000 } : { fsWatch }));
      expect(pods(source.current(), 'acme')).toBe('3');
      expect(source.errors()).toEqual([]);
      expect(lines.some((l) => l.msg === 'policy loaded: 1 policy from 1 file, 1 tenant(s) named' && (l.tenants as string[])[0] === 'acme')).toBe(true);
      const changes: PolicySet[] = [];
      source.onChange((s) => changes.push(s));

      // A good edit, saved the way many editors do: write a temporary file, rename over.
      write('.acme.yaml.tmp', policy('acme', '  tenants: [acme]\n  quota:\n    hard: {pods: "4"}\n'));
      renameSync(join(dir, '.acme.yaml.tmp'), join(dir, 'acme.yaml'));
      await waitFor(() => expect(changes).toHaveLength(1));
      expect(pods(source.current(), 'acme')).toBe('4');
      const good = source.current();

      // A bad edit: reported, and the set in force stays.
      write('acme.yaml', policy('acme', '  tenants: [acme]\n  quota:\n    hard: {pods: "-1"}\n'));
      await waitFor(() => expect(source!.errors()).toHaveLength(1));
      expect(formatPolicyError(source.errors()[0]!)).toBe(`${join(dir, 'acme.yaml')}:7: spec.quota.hard[pods]: Invalid value: "-1": must be greater than or equal to 0`);
      expect(source.current()).toBe(good);
      expect(changes).toHaveLength(1);
      const errLine = lines.find((l) => l.level === 50);
      expect(errLine).toMatchObject({ file: join(dir, 'acme.yaml'), line: 7, field: 'spec.quota.hard[pods]', reason: 'Invalid value: "-1": must be greater than or equal to 0' });
      expect(lines.some((l) => l.level === 40 && String(l.msg).includes('stays in force'))).toBe(true);
      expect(await metric('tenantry_policy_errors')).toBe(1);
      expect(await metric('tenantry_policy_reloads_total', { result: 'error' })).toBe(1);
      expect(await metric('tenantry_policy_reloads_total', { result: 'success' })).toBe(2);

      // Fixed: loads again.
      write('acme.yaml', policy('acme', '  tenants: [acme, globex]\n  quota:\n    hard: {pods: "5"}\n'));
      await waitFor(() => expect(changes).toHaveLength(2));
      expect(source.errors()).toEqual([]);
      expect(pods(changes[1]!, 'globex')).toBe('5');
      expect(await metric('tenantry_policy_errors')).toBe(0);
      expect(await metric('tenantry_policy_tenants_configured')).toBe(2);
      expect(await metric('tenantry_policy_last_success_timestamp_seconds')).toBeGreaterThan(0);
    });
  }

  it('starts on the built-in defaults when the first load fails, and says so', () => {
    write('acme.yaml', policy('acme', '  tenants: [acme]\n  quota:\n    hrd: {pods: "3"}\n'));
    source = watchPolicyDir(dir, logger(), opts());
    expect(source.errors().map(formatPolicyError)).toEqual([`${join(dir, 'acme.yaml')}:7: spec.quota.hrd: unknown field "spec.quota.hrd"`]);
    expect(source.current().forTenant('acme').sources).toEqual(['built-in defaults']);
    expect(lines.some((l) => l.level === 40 && String(l.msg).includes('built-in defaults apply to every tenant'))).toBe(true);
  });

  it('survives a missing directory and loads it once it appears', async () => {
    const later = join(dir, 'later');
    source = watchPolicyDir(later, logger(), opts());
    expect(source.errors().map(formatPolicyError)).toEqual([`${later}: policy directory does not exist`]);
    const changed = new Promise<PolicySet>((resolve) => source!.onChange(resolve));
    mkdirSync(later);
    writeFileSync(join(later, 'a.yaml'), policy('a', '  tenants: [a]\n  quota:\n    hard: {pods: "9"}\n'));
    expect(pods(await changed, 'a')).toBe('9');
    expect(source.errors()).toEqual([]);

    // Removed again: reported, last good kept.
    rmSync(later, { recursive: true });
    await waitFor(() => expect(source!.errors()).toHaveLength(1));
    expect(pods(source.current(), 'a')).toBe('9');
  });

  it('shares metrics between two watchers on one registry', () => {
    source = watchPolicyDir(dir, logger(), opts());
    // prom-client throws on a second registration of a name; the watcher reuses it.
    expect(() => watchPolicyDir(dir, logger(), opts()).close()).not.toThrow();
  });
});
