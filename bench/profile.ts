// Summarises a V8 .cpuprofile (as written by `node --cpu-prof`): where the
// server's samples landed, by function and by source file, self time only.

import fs from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface HotSpot {
  name: string;
  ms: number;
  share: number;
}

export interface ProfileSummary {
  totalMs: number;
  byFunction: HotSpot[];
  byFile: HotSpot[];
  /** Inclusive time of the project's own functions (this repo's compiled files), to see which code path is heavy. */
  projectInclusive: HotSpot[];
}

const isProject = (url: string): boolean => /\/dist\/(tenant-apiserver|syncer|local-cluster|policy|lib|bin)\//.test(url);

function shortUrl(url: string): string {
  if (!url) return '(native)';
  const u = url.replace(/^file:\/\//, '');
  const nm = u.lastIndexOf('node_modules/');
  if (nm >= 0) return u.slice(nm + 'node_modules/'.length);
  const dist = u.indexOf('/dist/');
  return dist >= 0 ? u.slice(dist + '/dist/'.length) : u;
}

export function summarizeProfile(file: string, top = 15): ProfileSummary {
  const prof = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (cf: ProfileNode['callFrame']): string => `${cf.functionName || '(anonymous)'} ${cf.url ? `${shortUrl(cf.url)}:${cf.lineNumber + 1}` : ''}`.trim();
  const incl = new Map<string, number>();
  const fn = new Map<string, number>();
  const files = new Map<string, number>();
  let total = 0;
  prof.samples.forEach((id, i) => {
    const us = prof.timeDeltas[i] ?? 0;
    const node = byId.get(id);
    if (!node) return;
    const cf = node.callFrame;
    if (cf.functionName === '(idle)') return;
    total += us;
    const where = shortUrl(cf.url);
    const name = label(cf);
    fn.set(name, (fn.get(name) ?? 0) + us);
    // Walk to the root once per sample, counting each project function once even under recursion.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const f = byId.get(at)!.callFrame;
      if (!isProject(f.url)) continue;
      const l = label(f);
      if (seen.has(l)) continue;
      seen.add(l);
      incl.set(l, (incl.get(l) ?? 0) + us);
    }
    const fileKey = cf.url ? where : cf.functionName;
    files.set(fileKey, (files.get(fileKey) ?? 0) + us);
  });
  const rank = (m: Map<string, number>): HotSpot[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: us / 1000, share: total ? us / total : 0 }));
  return { totalMs: total / 1000, byFunction: rank(fn), byFile: rank(files), projectInclusive: rank(incl) };
}

export function formatProfile(title: string, s: ProfileSummary): string {
  const lines = [`--- CPU profile: ${title} (${(s.totalMs / 1000).toFixed(1)} s busy: sampled non-idle time, including blocking calls) ---`, 'by function:'];
  for (const h of s.byFunction) lines.push(`  ${(h.share * 100).toFixed(1).padStart(5)}%  ${h.ms.toFixed(0).padStart(6)} ms  ${h.name}`);
  lines.push('by file:');
  for (const h of s.byFile) lines.push(`  ${(h.share * 100).toFixed(1).padStart(5)}%  ${h.ms.toFixed(0).padStart(6)} ms  ${h.name}`);
  lines.push('project functions, inclusive (self + callees):');
  for (const h of s.projectInclusive) lines.push(`  ${(h.share * 100).toFixed(1).padStart(5)}%  ${h.ms.toFixed(0).padStart(6)} ms  ${h.name}`);
  return lines.join('\n');
}
