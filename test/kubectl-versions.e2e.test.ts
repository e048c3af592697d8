// Older and newer kubectl releases against the same server: discovery, get,
// create and delete must work for each (kubectl 1.27 and 1.29 ask only for
// aggregated discovery v2beta1; 1.33 for v2).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { k, kubectl, startServer, type ServerProcess } from './harness.js';

const MINORS = [27, 29, 31, 33];
let s: ServerProcess;

beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => {
  await s?.stop();
});

describe.each(MINORS)('kubectl 1.%i', (minor) => {
  const binary = `/usr/lib/google-cloud-sdk/bin/kubectl.1.${minor}`;
  const present = !!process.env.KUBECTL || fs.existsSync(binary);
  it.skipIf(!present)('discovers, gets, creates and deletes', () => {
    const v = JSON.parse(k(s, ['version', '-o', 'json'], { minor }));
    expect(v.clientVersion.minor).toBe(String(minor));
    expect(v.serverVersion.major).toBe('1');
    const res = k(s, ['api-resources'], { minor });
    expect(res).toMatch(/^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
    expect(res).toMatch(/^configmaps\s+cm\s+v1\s+true\s+ConfigMap$/m);
    expect(k(s, ['get', 'ns'], { minor })).toMatch(/^default\s+Active/m);
    const name = `v${minor}`;
    const manifest = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { k: 'v' } });
    expect(k(s, ['create', '-f', '-'], { input: manifest, minor })).toContain(`configmap/${name} created`);
    expect(k(s, ['get', 'cm', name, '-o', 'jsonpath={.data.k}'], { minor })).toBe('v');
    expect(k(s, ['get', 'cm', name], { minor })).toMatch(new RegExp(`^${name}\\s+1\\s+`, 'm'));
    expect(k(s, ['create', 'namespace', `ns-${minor}`], { minor })).toContain('created');
    expect(k(s, ['delete', 'cm', name], { minor })).toContain(`configmap "${name}" deleted`);
    expect(kubectl(s, ['get', 'cm', name], { minor }).stderr).toContain(`configmaps "${name}" not found`);
  });
});
