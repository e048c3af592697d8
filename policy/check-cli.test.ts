import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runPolicyCheck } from './check-cli.js';

const HEAD = 'apiVersion: tenantry.io/v1alpha1\nkind: TenantPolicy\n';

describe('runPolicyCheck', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tenantry-policy-check-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function run(d = dir): { code: number; lines: string[] } {
    const lines: string[] = [];
    const code = runPolicyCheck(d, (l) => lines.push(l));
    return { code, lines };
  }

  it('prints every error as file:line: field: reason and exits 1', () => {
    writeFileSync(join(dir, 'a.yaml'), `${HEAD}metadata: {name: a}\nspec:\n  tenants: [acme]\n  tierRef: gold\n  weight: 0\n`);
    writeFileSync(join(dir, 'b.yaml'), `${HEAD}metadata: {name: b}\nspec:\n  tenants: [other]\n  quota: {hard: {requests.cpu: lots}}\n`);
    const { code, lines } = run();
    expect(code).toBe(1);
    expect(lines).toEqual([
      `${join(dir, 'a.yaml')}:6: spec.tierRef: Not found: "gold": no policy defines this tier (no tiers are defined)`,
      `${join(dir, 'a.yaml')}:7: spec.weight: Invalid value: 0: must be greater than or equal to 1`,
      `${join(dir, 'b.yaml')}:6: spec.quota.hard[requests.cpu]: Invalid value: "lots": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
      `3 errors in ${dir}: not loaded (a running Tenantry keeps its last good policy)`,
    ]);
  });

  it('reports a missing directory and exits 1', () => {
    const { code, lines } = run(join(dir, 'missing'));
    expect(code).toBe(1);
    expect(lines[0]).toBe(`${join(dir, 'missing')}: policy directory does not exist`);
  });

  it('summarises each policy and exits 0', () => {
    writeFileSync(join(dir, 'p.yaml'), `${HEAD}metadata: {name: gold}\nspec:\n  tier: gold\n  quota: {hard: {pods: "10", requests.cpu: "4"}}\n  weight: 3\n---\n${HEAD}metadata: {name: acme}\nspec:\n  tenants: [acme, globex]\n  tierRef: gold\n  podSecurity: {allow: [hostNetwork]}\n`);
    const { code, lines } = run();
    expect(code).toBe(0);
    const text = lines.join('\n');
    expect(text).toContain(`policy gold (${join(dir, 'p.yaml')}): defines tier gold\n  quota: pods=10, requests.cpu=4`);
    expect(text).toContain(`policy acme (${join(dir, 'p.yaml')}): tenants acme, globex (from tier gold)\n  quota: pods=10, requests.cpu=4`);
    expect(text).toContain('pod security: baseline, allowed: hostNetwork');
    expect(text).toContain('weight: 3');
    expect(text).toContain('tenants no policy names: built-in defaults\n  quota: none');
    expect(lines.at(-1)).toBe('OK: 2 policies, 1 tier(s), 2 tenant(s) named');
  });
});
