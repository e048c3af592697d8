import { describe, expect, it } from 'vitest';
import { formatQuantity } from '../tenant-apiserver/api/strategies/quantity.js';
import { parsePolicyFile } from './file.js';
import { formatPolicyError } from './types.js';

const HEAD = 'apiVersion: tenantry.io/v1alpha1\nkind: TenantPolicy\n';

function errorsOf(text: string): string[] {
  return parsePolicyFile('p.yaml', text).errors.map(formatPolicyError);
}

describe('parsePolicyFile: valid files', () => {
  it('decodes every field of a tier policy', () => {
    const { docs, errors } = parsePolicyFile(
      'gold.yaml',
      HEAD +
        `metadata: {name: gold}
spec:
  tier: gold
  quota:
    hard: {pods: 10, requests.cpu: "4", requests.memory: 8Gi, count/deployments.apps: "5", requests.nvidia.com/gpu: "2", services.nodeports: "0"}
    defaults:
      requests: {cpu: 100m, memory: 128Mi}
      limits: {cpu: 0.5, memory: 512Mi}
  runtimeClasses: {default: kata, allowed: [kata-fc]}
  podSecurity: {level: restricted, allow: [hostNetwork]}
  nodePool: {nodeSelector: {tenantry.io/pool: shared}}
  network: {isolation: false}
  storageClasses: {allowed: [standard]}
  weight: 3
`,
    );
    expect(errors).toEqual([]);
    expect(docs).toHaveLength(1);
    const d = docs[0]!;
    expect(d).toMatchObject({ file: 'gold.yaml', name: 'gold', tier: 'gold' });
    expect(d.tenants).toBeUndefined();
    const s = d.settings;
    expect(Object.fromEntries([...s.quota!.hard!].map(([k, q]) => [k, formatQuantity(q)]))).toEqual({
      pods: '10',
      'requests.cpu': '4',
      'requests.memory': '8Gi',
      'count/deployments.apps': '5',
      'requests.nvidia.com/gpu': '2',
      'services.nodeports': '0',
    });
    expect(formatQuantity(s.quota!.defaultLimits!.get('cpu')!)).toBe('500m');
    expect(s.runtimeClasses).toEqual({ default: 'kata', allowed: ['kata-fc'] });
    expect(s.podSecurity).toEqual({ level: 'restricted', allow: ['hostNetwork'] });
    expect(s.nodeSelector).toEqual({ 'tenantry.io/pool': 'shared' });
    expect(s.networkIsolation).toBe(false);
    expect(s.storageClassesAllowed).toEqual(['standard']);
    expect(s.weight).toBe(3);
  });

  it('reads several documents, skipping empty ones, and records lines', () => {
    const text = `# tiers\n---\n${HEAD}metadata: {name: a}\nspec: {tenants: [x, y], tierRef: gold}\n---\n---\n${HEAD}metadata:\n  name: b\nspec:\n  tenants: [z]\n`;
    const { docs, errors } = parsePolicyFile('t.yaml', text);
    expect(errors).toEqual([]);
    expect(docs.map((d) => [d.name, d.tenants, d.tierRef])).toEqual([
      ['a', ['x', 'y'], 'gold'],
      ['b', ['z'], undefined],
    ]);
    expect(docs[1]!.lineOf(['metadata', 'name'])).toBe(12);
    expect(docs[0]!.lineOf(['spec', 'tenants', 1])).toBe(6);
  });

  it('treats an empty file as no policies', () => {
    expect(parsePolicyFile('e.yaml', '')).toEqual({ docs: [], errors: [] });
    expect(parsePolicyFile('e.yaml', '# nothing yet\n')).toEqual({ docs: [], errors: [] });
  });
});

describe('parsePolicyFile: errors name file, line, field and reason', () => {
  const tenantDoc = (spec: string) => `${HEAD}metadata: {name: p}\nspec:\n${spec}`;

  const cases: [string, string, string[]][] = [
    ['bad YAML', `${HEAD}metadata: {name: p\nspec: {tenants: [a]}\n`, ['p.yaml:4: invalid YAML:']],
    ['duplicate YAML key', `${HEAD}metadata: {name: p}\nspec:\n  tenants: [a]\n  tenants: [b]\n`, ['p.yaml:6: invalid YAML: Map keys must be unique']],
    ['not a mapping', `- a\n- b\n`, ['p.yaml:1: a TenantPolicy must be a YAML mapping, got list']],
    ['wrong apiVersion', `apiVersion: v1\nkind: TenantPolicy\nmetadata: {name: p}\nspec: {tenants: [a]}\n`, ['p.yaml:1: apiVersion: Unsupported value: "v1": supported values: "tenantry.io/v1alpha1"']],
    ['wrong kind', `apiVersion: tenantry.io/v1alpha1\nkind: Policy\nmetadata: {name: p}\nspec: {tenants: [a]}\n`, ['p.yaml:2: kind: Unsupported value: "Policy": supported values: "TenantPolicy"']],
    ['missing kind', `apiVersion: tenantry.io/v1alpha1\nmetadata: {name: p}\nspec: {tenants: [a]}\n`, ['p.yaml:1: kind: Required value: must be TenantPolicy']],
    ['missing name', `${HEAD}metadata: {}\nspec: {tenants: [a]}\n`, ['p.yaml:3: metadata.name: Required value']],
    ['bad name', `${HEAD}metadata: {name: Gold_1}\nspec: {tenants: [a]}\n`, ['p.yaml:3: metadata.name: Invalid value: "Gold_1": a lowercase RFC 1123 label must consist of']],
    ['missing spec', `${HEAD}metadata: {name: p}\n`, ['p.yaml:1: spec: Required value']],
    ['unknown top-level field', `${HEAD}metadata: {name: p}\nspec: {tenants: [a]}\nstatus: {}\n`, ['p.yaml:5: status: unknown field "status"']],
    ['unknown nested field', tenantDoc('  tenants: [a]\n  quota:\n    hrd: {pods: "1"}\n'), ['p.yaml:7: spec.quota.hrd: unknown field "spec.quota.hrd"']],
    ['unknown deep field', tenantDoc('  tenants: [a]\n  quota:\n    defaults:\n      request: {cpu: 1}\n'), ['p.yaml:8: spec.quota.defaults.request: unknown field "spec.quota.defaults.request"']],
    ['wrong type', tenantDoc('  tenants: a\n'), ['p.yaml:5: spec.tenants: must be of type list, got string']],
    ['negative quantity', tenantDoc('  tenants: [a]\n  quota:\n    hard:\n      requests.cpu: "-1"\n'), ['p.yaml:8: spec.quota.hard[requests.cpu]: Invalid value: "-1": must be greater than or equal to 0']],
    [
      'unparsable quantity',
      tenantDoc('  tenants: [a]\n  quota:\n    hard:\n      requests.memory: 8GB\n'),
      ['p.yaml:8: spec.quota.hard[requests.memory]: Invalid value: "8GB": quantities must match the regular expression'],
    ],
    ['fractional count', tenantDoc('  tenants: [a]\n  quota:\n    hard: {pods: 1.5}\n'), ['p.yaml:7: spec.quota.hard[pods]: Invalid value: "1.5": must be an integer']],
    ['unknown quota name', tenantDoc('  tenants: [a]\n  quota:\n    hard: {pod: "3"}\n'), ['p.yaml:7: spec.quota.hard[pod]: Invalid value: "pod": must be a standard resource']],
    ['bad count/ name', tenantDoc('  tenants: [a]\n  quota:\n    hard: {count/Deployments: "3"}\n'), ['spec.quota.hard[count/Deployments]: Invalid value: "count/Deployments": must be count/<resource>[.<group>]']],
    ['bare extended resource', tenantDoc('  tenants: [a]\n  quota:\n    hard: {nvidia.com/gpu: "1"}\n'), ['spec.quota.hard[nvidia.com/gpu]: Invalid value: "nvidia.com/gpu": extended resources are limited as requests.nvidia.com/gpu']],
    ['bad default resource', tenantDoc('  tenants: [a]\n  quota:\n    defaults:\n      requests: {pods: "1"}\n'), ['spec.quota.defaults.requests[pods]: Invalid value: "pods": must be a standard resource for containers']],
    [
      'default request above default limit',
      tenantDoc('  tenants: [a]\n  quota:\n    defaults:\n      requests: {cpu: "1", memory: 1Gi}\n      limits: {cpu: 500m, memory: 2Gi}\n'),
      ['p.yaml:8: spec.quota.defaults.requests[cpu]: Invalid value: "1": must be less than or equal to cpu limit of 500m'],
    ],
    ['tier and tenants', tenantDoc('  tier: gold\n  tenants: [a]\n'), ['p.yaml:6: spec.tenants: Forbidden: may not be set together with spec.tier']],
    ['neither tier nor tenants', tenantDoc('  weight: 2\n'), ['p.yaml:4: spec: Required value: one of spec.tier or spec.tenants']],
    ['tierRef on a tier', tenantDoc('  tier: gold\n  tierRef: silver\n'), ['p.yaml:6: spec.tierRef: Forbidden: only a policy with spec.tenants may reference a tier']],
    ['empty tenants', tenantDoc('  tenants: []\n'), ['p.yaml:5: spec.tenants: Required value: must name at least one tenant']],
    ['tenant listed twice', tenantDoc('  tenants: [a, b, a]\n'), ['p.yaml:5: spec.tenants[2]: Duplicate value: "a"']],
    ['bad tenant name', tenantDoc('  tenants: [Acme]\n'), ['spec.tenants[0]: Invalid value: "Acme": a lowercase RFC 1123 label']],
    ['weight zero', tenantDoc('  tenants: [a]\n  weight: 0\n'), ['p.yaml:6: spec.weight: Invalid value: 0: must be greater than or equal to 1']],
    ['weight negative', tenantDoc('  tenants: [a]\n  weight: -2\n'), ['spec.weight: Invalid value: -2: must be greater than or equal to 1']],
    ['weight fractional', tenantDoc('  tenants: [a]\n  weight: 1.5\n'), ['p.yaml:6: spec.weight: must be of type integer, got number']],
    ['weight string', tenantDoc('  tenants: [a]\n  weight: "3"\n'), ['spec.weight: must be of type integer, got string']],
    [
      'unknown podSecurity.allow name',
      tenantDoc('  tenants: [a]\n  podSecurity:\n    allow: [hostNetwork, hostNetworking]\n'),
      ['p.yaml:7: spec.podSecurity.allow[1]: Unsupported value: "hostNetworking": supported values: "hostNetwork", "hostPID"'],
    ],
    ['bad level', tenantDoc('  tenants: [a]\n  podSecurity:\n    level: privileged\n'), ['p.yaml:7: spec.podSecurity.level: Unsupported value: "privileged": supported values: "baseline", "restricted"']],
    ['empty default runtime class', tenantDoc('  tenants: [a]\n  runtimeClasses:\n    default: ""\n'), ['p.yaml:7: spec.runtimeClasses.default: Required value']],
    ['empty allowed runtime class', tenantDoc('  tenants: [a]\n  runtimeClasses:\n    allowed: [kata, ""]\n'), ['p.yaml:7: spec.runtimeClasses.allowed[1]: Required value']],
    ['bad runtime class name', tenantDoc('  tenants: [a]\n  runtimeClasses:\n    allowed: [Kata FC]\n'), ['spec.runtimeClasses.allowed[0]: Invalid value: "Kata FC": a lowercase RFC 1123 subdomain']],
    ['bad node selector', tenantDoc('  tenants: [a]\n  nodePool:\n    nodeSelector: {"a/b/c": x}\n'), ['spec.nodePool.nodeSelector[a/b/c]: Invalid value: "a/b/c": a qualified name must consist of']],
    ['isolation not boolean', tenantDoc('  tenants: [a]\n  network:\n    isolation: "no"\n'), ['spec.network.isolation: must be of type boolean, got string']],
  ];

  it.each(cases)('%s', (_name, text, want) => {
    const got = errorsOf(text);
    expect(got.length).toBeGreaterThan(0);
    for (const w of want) expect(got.some((g) => (w.startsWith('p.yaml') ? g.startsWith(w) : g.includes(w))), `want ${w}\ngot:\n${got.join('\n')}`).toBe(true);
    expect(parsePolicyFile('p.yaml', text).docs.find((d) => d.name === 'p' && !d.hasErrors)).toBeUndefined();
  });

  it('reports every problem of a file, not just the first', () => {
    const got = errorsOf(`${HEAD}metadata: {name: p}\nspec:\n  tenants: [a]\n  weight: 0\n  quota: {hard: {pods: "-1"}}\n  podSecurity: {level: x}\n`);
    expect(got).toHaveLength(3);
  });

  it('keeps the good documents of a file apart from the bad one', () => {
    const { docs, errors } = parsePolicyFile('m.yaml', `${HEAD}metadata: {name: good}\nspec: {tenants: [a]}\n---\n${HEAD}metadata: {name: bad}\nspec: {tenants: [b], weight: 0}\n`);
    expect(docs.map((d) => [d.name, d.hasErrors])).toEqual([
      ['good', false],
      ['bad', true],
    ]);
    expect(errors.map(formatPolicyError)).toEqual(['m.yaml:9: spec.weight: Invalid value: 0: must be greater than or equal to 1']);
  });
});
