// The cost of kubectl's richer write paths on a 3-container Deployment:
// strategic merge patch and server-side apply, each next to a plain update
// (PUT of the whole object) measured on the same server in the same run.

import https from 'node:https';
import { mean, percentile } from './stats.js';
import type { Client } from './client.js';
import { nowMs } from './client.js';

export interface WriteCost {
  meanMs: number;
  p99Ms: number;
}

export interface WritesResult {
  ops: number;
  update: WriteCost;
  strategic: WriteCost;
  apply: WriteCost;
}

const PATH = '/apis/apps/v1/namespaces/default/deployments/bench';

function deployment(n: number): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'bench', namespace: 'default', annotations: { n: String(n) } },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'bench' } },
      template: {
        metadata: { labels: { app: 'bench' } },
        spec: {
          containers: ['web', 'sidecar', 'metrics'].map((name, i) => ({
            name,
            image: `registry.example/${name}:1.${n}`,
            ports: [{ containerPort: 8080 + i, name: `p${i}` }],
            env: [{ name: 'MODE', value: 'bench' }, { name: 'INDEX', value: String(i) }],
            resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
          })),
        },
      },
    },
  };
}

function send(client: Client, method: string, path: string, body: string, contentType: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.request(client.creds.server + path, { method, agent: client.agent, headers: { 'Content-Type': contentType, Accept: 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode && res.statusCode < 300 ? resolve(res.statusCode) : reject(new Error(`${method} ${path} -> ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function timed(ops: number, op: (i: number) => Promise<unknown>): Promise<WriteCost> {
  const lat: number[] = [];
  for (let i = 0; i < ops; i++) {
    const t = nowMs();
    await op(i);
    lat.push(nowMs() - t);
  }
  return { meanMs: mean(lat), p99Ms: percentile(lat, 99) };
}

export async function measureWriteCosts(client: Client, ops: number): Promise<WritesResult> {
  await client.must('POST', '/apis/apps/v1/namespaces/default/deployments', deployment(0));
  // Plain update: the whole object (what `kubectl replace` sends), unconditional: the deployment
  // controller writes status meanwhile, and a pinned resourceVersion would measure conflicts instead.
  let current = JSON.parse((await client.must('GET', PATH)).body.toString()) as { metadata: { resourceVersion: string; annotations: Record<string, string> } };
  const update = await timed(ops, async (i) => {
    current.metadata.annotations = { n: `u${i}` };
    delete (current.metadata as { resourceVersion?: string }).resourceVersion;
    const r = await client.must('PUT', PATH, current);
    current = JSON.parse(r.body.toString());
  });
  // Every write changes only an annotation, so no rollout starts and the three paths do the same work
  // downstream; the patch still walks the containers list by merge key, as `kubectl apply` patches do.
  const strategic = await timed(ops, (i) =>
    send(client, 'PATCH', PATH, JSON.stringify({ metadata: { annotations: { n: `s${i}` } }, spec: { template: { spec: { containers: [{ name: 'web', image: 'registry.example/web:1.0' }] } } } }), 'application/strategic-merge-patch+json'),
  );
  // Server-side apply of the full manifest by one manager (what `kubectl apply --server-side` sends).
  const apply = await timed(ops, (i) => {
    const d = deployment(0);
    (d.metadata as { annotations: Record<string, string> }).annotations = { n: `a${i}` };
    return send(client, 'PATCH', `${PATH}?fieldManager=bench&force=true`, JSON.stringify(d), 'application/apply-patch+yaml');
  });
  return { ops, update, strategic, apply };
}
