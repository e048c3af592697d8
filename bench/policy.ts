// Measure 9: what tenant policy enforcement costs a pod create. Two tenant API
// servers run side by side in the same run: one with `--tenant-policy=false`
// (a plain API server: the baseline), one enforcing a policy with every layer
// busy (tenant-wide quota on pods, CPU and memory, container defaults, the
// baseline Pod Security level and the always-denied settings, runtime
// classes). Pods are created open-loop at a fixed pace in alternating rounds
// (off, on, on, off, …) so drift in the machine's load falls on both alike.

import fs from 'node:fs';
import path from 'node:path';
import { Client, startServer, tempDir } from './client.js';
import { cpuSeconds, pacedCreates, type PacedResult } from './workloads.js';

export interface PolicyOverheadResult {
  pods: number;
  rate: number;
  rounds: number;
  off: { meanMs: number; p50Ms: number; p99Ms: number };
  on: { meanMs: number; p50Ms: number; p99Ms: number };
  /** Server CPU per create in each side's rounds (µs): the overhead without the disk's latency noise. */
  cpuUsPerCreate?: { off: number; on: number };
  errors: string[];
}

const POLICY = `apiVersion: tenantry.io/v1alpha1
kind: TenantPolicy
metadata: {name: bench}
spec:
  tenants: [bench]
  quota:
    hard: {pods: "1000000", requests.cpu: "100000", requests.memory: 100000Gi, limits.cpu: "200000", limits.memory: 200000Gi}
    defaults:
      requests: {cpu: 100m, memory: 64Mi}
      limits: {cpu: 200m, memory: 128Mi}
  podSecurity: {level: baseline}
  runtimeClasses: {default: kata, allowed: [kata]}
`;

/** A pod as `kubectl run` makes it: one container, no resources (so the policy's defaults apply). */
function podNamed(prefix: string) {
  return (i: number) => ({
    path: '/api/v1/namespaces/default/pods',
    body: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `${prefix}-${i}`, labels: { run: 'bench' } },
      spec: { containers: [{ name: 'app', image: 'nginx:1.27', ports: [{ containerPort: 80 }] }] },
    },
  });
}

function average(rs: PacedResult[]): { meanMs: number; p50Ms: number; p99Ms: number } {
  const n = rs.reduce((a, r) => a + r.ok, 0) || 1;
  return {
    meanMs: rs.reduce((a, r) => a + r.meanMs * r.ok, 0) / n,
    p50Ms: rs.reduce((a, r) => a + r.p50Ms, 0) / rs.length,
    p99Ms: rs.reduce((a, r) => a + r.p99Ms, 0) / rs.length,
  };
}

export interface PolicyOverheadOptions {
  podsPerRound?: number;
  rate?: number;
  rounds?: number;
  /** Under --profile: each server runs with --cpu-prof into `${profileDir}/off` and `/on`. */
  profileDir?: string;
}

export async function measurePolicyOverhead(log: (m: string) => void, opts: PolicyOverheadOptions = {}): Promise<PolicyOverheadResult> {
  // Many short rounds rather than a few long ones: the disk's fsync latency drifts by ±20% over
  // tens of seconds on this class of machine, and only frequent alternation cancels that out of a
  // 5% comparison.
  const { podsPerRound = 500, rate = 200, rounds = 8, profileDir } = opts;
  const prof = (side: string): string[] => (profileDir ? ['--cpu-prof', `--cpu-prof-dir=${path.join(profileDir, side)}`] : []);
  const policyDir = tempDir('bench-policy');
  fs.writeFileSync(path.join(policyDir, 'bench.yaml'), POLICY);
  const plain = await startServer({ args: ['--tenant-policy=false'], nodeArgs: prof('off') });
  const enforced = await startServer({ args: ['--tenant', 'bench', '--policy-dir', policyDir], nodeArgs: prof('on') });
  const clients = { off: new Client(plain.creds), on: new Client(enforced.creds) };
  const results: { off: PacedResult[]; on: PacedResult[] } = { off: [], on: [] };
  const pids = { off: plain.pid, on: enforced.pid };
  const cpu = { off: 0, on: 0 };
  const errors: string[] = [];
  try {
    // Warm-up on both: connections, JIT, the quota ledger's first fill.
    for (const side of ['off', 'on'] as const) await pacedCreates(clients[side], rate, rate, podNamed(`warm-${side}`));
    for (let round = 0; round < rounds; round++) {
      const order: ('off' | 'on')[] = round % 2 === 0 ? ['off', 'on'] : ['on', 'off'];
      for (const side of order) {
        const cpu0 = cpuSeconds(pids[side]);
        const r = await pacedCreates(clients[side], podsPerRound, rate, podNamed(`r${round}-${side}`));
        cpu[side] += cpuSeconds(pids[side]) - cpu0;
        results[side].push(r);
        errors.push(...r.errors.slice(0, 3).map((e) => `${side}: ${e}`));
        log(`9/9 round ${round + 1}/${rounds} policy ${side}: mean ${r.meanMs.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms`);
      }
    }
    // The enforced server must really have enforced: its pods carry the defaults.
    const sample = await clients.on.request('GET', '/api/v1/namespaces/default/pods/r0-on-0');
    const res = (JSON.parse(sample.body.toString()) as { spec?: { containers?: { resources?: { requests?: Record<string, string> } }[] } }).spec?.containers?.[0]?.resources;
    if (res?.requests?.cpu !== '100m') errors.push(`enforced server did not apply the policy's defaults: ${sample.body.toString().slice(0, 200)}`);
  } finally {
    clients.off.close();
    clients.on.close();
    await plain.stop();
    await enforced.stop();
    fs.rmSync(policyDir, { recursive: true, force: true });
  }
  const perCreate = (side: 'off' | 'on'): number => (cpu[side] * 1e6) / Math.max(1, results[side].reduce((a, r) => a + r.ok, 0));
  return { pods: podsPerRound * rounds, rate, rounds, off: average(results.off), on: average(results.on), cpuUsPerCreate: { off: perCreate('off'), on: perCreate('on') }, errors };
}
