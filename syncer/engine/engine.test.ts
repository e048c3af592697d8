// The engine against two in-process API servers (one tenant, one standing in
// for the super cluster): routing, orphan removal, and the patroller healing
// drift that the watches did not report.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadClusterAccess } from '../kubeconfig.js';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../../tenant-apiserver/apiserver.js';
import { eventually } from '../../test/harness.js';
import { createKubeClient, type KubeClient } from '../client.js';
import { ownershipAnnotations, ownershipLabels, superNamespace } from '../mapping.js';
import { CORE, type KubeObject } from '../types.js';
import { SyncEngine } from './engine.js';
import type { Informer } from './informer.js';
import { createSyncerMetrics } from './metrics.js';

const CM = CORE('configmaps', 'ConfigMap');
const NS = CORE('namespaces', 'Namespace', false);
const log = pino({ level: 'silent' });

let superApi: ApiServer;
let tenantApi: ApiServer;
let superClient: KubeClient;
let tenantClient: KubeClient;
let engine: SyncEngine;

async function client(name: string, api: ApiServer): Promise<KubeClient> {
  return createKubeClient(name, await loadClusterAccess(api.kubeconfigPath));
}

async function start(name: string): Promise<ApiServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `tenantry-engine-${name}-`));
  return startApiServer({ dataDir, port: 0, log, authorizationMode: 'AlwaysAllow' });
}

beforeAll(async () => {
  [superApi, tenantApi] = await Promise.all([start('super'), start('tenant')]);
  superClient = await client('super', superApi);
  tenantClient = await client('acme', tenantApi);
  engine = new SyncEngine({ superClient, runtimeClass: 'kata', workers: 2, patrolIntervalMs: 0, log, metrics: createSyncerMetrics(new Registry()) });
  await engine.start();
}, 60_000);

afterAll(async () => {
  await engine?.stop();
  superClient?.close();
  tenantClient?.close();
  await Promise.all([superApi?.close(), tenantApi?.close()]);
});

describe('SyncEngine', () => {
  it('removes on connect an orphan carrying the tenant marks, and leaves a foreign look-alike', async () => {
    const ks = await tenantClient.get(NS, '', 'kube-system');
    const identity = { name: 'acme', uid: ks!.metadata!.uid! };
    const ns = superNamespace(identity, 'default');
    const owner = { tenantNamespace: 'default', namespaceUID: 'x', objectName: 'stray', objectUID: 'gone' };
    // The super namespace as the syncer would have made it (so it is this tenant's, not a squatter).
    const tenantDefault = await tenantClient.get(NS, '', 'default');
    const nsOwner = { tenantNamespace: 'default', namespaceUID: tenantDefault!.metadata!.uid!, objectName: 'default', objectUID: tenantDefault!.metadata!.uid! };
    await superClient.create(NS, '', { metadata: { name: ns, labels: ownershipLabels(identity, 'default'), annotations: ownershipAnnotations(identity, nsOwner) } });
    await superClient.create(CM, ns, { metadata: { name: 'stray', labels: ownershipLabels(identity, 'default'), annotations: ownershipAnnotations(identity, owner) } });
    const foreign = { name: 'acme', uid: 'earlier-incarnation' };
    await superClient.create(CM, ns, { metadata: { name: 'old', labels: ownershipLabels(foreign, 'default'), annotations: ownershipAnnotations(foreign, { ...owner, objectName: 'old' }) } });
    await engine.addTenant({ name: 'acme', client: tenantClient });
    await eventually(async () => expect(await superClient.get(CM, ns, 'stray')).toBeUndefined());
    expect(await superClient.get(CM, ns, 'old')).toBeDefined();
  });

  it('heals drift a dead watch hid: the patroller finds the stale cache, re-lists it, and the copy comes back', async () => {
    const identity = engine.tenantIdentity('acme')!;
    const ns = superNamespace(identity, 'default');
    await tenantClient.create(CM, 'default', { metadata: { name: 'app' }, data: { k: 'v' } });
    const first = await eventually(async () => {
      const o = await superClient.get(CM, ns, 'app');
      expect(o?.data).toEqual({ k: 'v' });
      return o!;
    });
    // The super watch for config maps dies without a word; the copy is then deleted out of band.
    const inf = (engine as unknown as { superInformers: Map<string, Informer> }).superInformers.get('configmaps')!;
    // (The informer drops what arrives while it waits to re-list: the same as events never sent.)
    (inf as unknown as { needList: boolean }).needList = true;
    await superClient.delete(CM, ns, 'app');
    await new Promise((r) => setTimeout(r, 300));
    expect(await superClient.get(CM, ns, 'app')).toBeUndefined();
    expect(inf.get(ns, 'app')).toBeDefined();

    const report = await engine.patrol('acme', { settleMs: 100 });
    expect(report.drift).toBeGreaterThanOrEqual(1);
    expect(report.relisted).toContain('super/configmaps');
    const back: KubeObject = await eventually(async () => {
      const o = await superClient.get(CM, ns, 'app');
      expect(o).toBeDefined();
      return o!;
    });
    expect(back.metadata!.uid).not.toBe(first.metadata!.uid);
    expect(back.data).toEqual({ k: 'v' });
    // The rebuilt informer watches again: a later change flows through events alone.
    await tenantClient.update(CM, 'default', { ...(await tenantClient.get(CM, 'default', 'app'))!, data: { k: 'w' } });
    await eventually(async () => expect((await superClient.get(CM, ns, 'app'))?.data).toEqual({ k: 'w' }));
  });

  it('a patrol of a tenant in sync finds nothing', async () => {
    await new Promise((r) => setTimeout(r, 300));
    const report = await engine.patrol('acme', { settleMs: 50 });
    expect(report).toEqual({ tenant: 'acme', drift: 0, relisted: [] });
  });
});
