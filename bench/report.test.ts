import { describe, expect, it } from 'vitest';
import { render, type Results } from './report.js';

const machine = { date: '2026-01-01T00:00:00Z', command: 'npm run bench', nproc: 2, cpu: 'CPU', memGb: 24, node: 'v20', os: 'Linux', fs: 'ext4 (/tmp)' };

function row(doc: string, startsWith: string): string {
  const line = doc.split('\n').find((l) => l.startsWith(`| ${startsWith}`));
  if (!line) throw new Error(`no row starting with ${startsWith}`);
  return line;
}

describe('render', () => {
  it('marks targets PASS or FAIL from the numbers and shows ratios to the baselines', () => {
    const r: Results = {
      machine,
      durationS: 100,
      load: { start: [0.1, 0.1, 0.1], end: [0.2, 0.2, 0.2] },
      start: { nodeMs: 50, freshMs: 400, restartMs: 300, freshAll: [400], restartAll: [300] },
      rss: { serverMb: 75, nodeMb: 40 },
    };
    const doc = render(r);
    expect(row(doc, 'Cold start')).toContain('| 400 ms |');
    expect(row(doc, 'Cold start')).toContain('8.00×');
    expect(row(doc, 'Cold start')).toMatch(/\| PASS \|$/);
    expect(row(doc, 'Idle RSS')).toMatch(/\| FAIL \|$/);
    expect(doc).toContain('Command: `npm run bench`');
    expect(doc).not.toContain('other work was running');
  });

  it('cannot pass the etcd comparison when etcd was skipped, and flags a busy machine', () => {
    const r: Results = {
      machine,
      durationS: 100,
      load: { start: [3, 1, 1], end: [0.1, 0.1, 0.1] },
      throughput: {
        server: { ops: 1000, errors: [], seconds: 10, perSecond: 100, meanMs: 5, p99Ms: 9 },
        serverCores: 0.5,
        sqlite: { ops: 2000, seconds: 10, perSecond: 200, meanMs: 5 },
        etcd: { skip: 'etcd is not on PATH' },
        clients: 8,
        valueBytes: 1024,
      },
    };
    const doc = render(r);
    expect(row(doc, 'Durable creates')).toContain('skipped (etcd is not on PATH)');
    expect(row(doc, 'Durable creates')).toMatch(/\| n\/a \|$/);
    expect(row(doc, '… against raw SQLite')).toContain('0.50×');
    expect(doc).toContain('other work was running');
  });

  it('fails the watch target when events went missing even if the latency is low', () => {
    const r: Results = {
      machine,
      durationS: 1,
      load: { start: [0, 0, 0], end: [0, 0, 0] },
      watch: { watchers: 2, events: 3, expected: 4, p50Ms: 1, p99Ms: 2, maxMs: 2, createP50Ms: 1, createP99Ms: 2, serverCores: 0.1, clientCores: 0.1, rate: 10 },
    };
    const line = row(render(r), 'Watch delivery');
    expect(line).toContain('(1 events missing)');
    expect(line).toMatch(/\| FAIL \|$/);
  });
});

describe('render: syncer at scale', () => {
  const syncer = {
    tenants: 100,
    pods: 10_000,
    nodes: 40,
    concurrency: 16,
    tenantProcesses: 2,
    direct: { createdS: 20, runningS: 40, errors: 0 },
    synced: { createdS: 30, superCreatedS: 35, runningS: 41, errors: 0, p50Ms: 200, p99Ms: 900, maxMs: 1500, notRunning: 0, syncerCpuS: 10, superCpuS: 20, tenantsCpuS: 30 },
    rssIdleMb: 100,
    rssSteadyMb: 160,
    restart: { readyMs: 1500, probeMs: 3500 },
    patrol: { tenants: 100, meanS: 0.15, maxS: 0.4, roundS: 15 },
  };

  it('judges total time against the same-run direct baseline and restart by the slower of ready and probe', () => {
    const doc = render({ machine, durationS: 1, load: { start: [0, 0, 0], end: [0, 0, 0] }, syncer });
    expect(row(doc, '10000 pods across 100 tenants')).toContain('1.02×');
    expect(row(doc, '10000 pods across 100 tenants')).toMatch(/\| PASS \|$/);
    expect(row(doc, '… tenant create → super create')).toMatch(/\| PASS \|$/);
    expect(row(doc, 'Syncer RSS')).toMatch(/\| FAIL \|$/);
    expect(row(doc, 'Syncer restart')).toContain('| 3.50 s |');
    expect(row(doc, 'Syncer restart')).toMatch(/\| FAIL \|$/);
    expect(row(doc, 'One patrol scan')).toMatch(/\| PASS \|$/);
    expect(doc).toContain("VirtualCluster's paper");
  });

  it('fails the total-time target when some tenant pods never ran, however fast the rest were', () => {
    const doc = render({ machine, durationS: 1, load: { start: [0, 0, 0], end: [0, 0, 0] }, syncer: { ...syncer, synced: { ...syncer.synced, runningS: 30, notRunning: 3 } } });
    expect(row(doc, '10000 pods across 100 tenants')).toContain('(3 never Running)');
    expect(row(doc, '10000 pods across 100 tenants')).toMatch(/\| FAIL \|$/);
  });
});
