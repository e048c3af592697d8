// The tenant API server driven by the real kubectl 1.32: discovery, CRUD,
// output formats, selectors, patches, conflicts, watch, finalizers, namespace
// deletion and pagination.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { eventually, k, kubectl, kubectlBackground, startServer, type ServerProcess } from './harness.js';

let s: ServerProcess;

beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => {
  await s?.stop();
});

const cm = (name: string, ns = 'default', labels: Record<string, string> = {}) =>
  JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, labels }, data: { a: '1' } });

describe('kubectl against a tenant control plane', () => {
  it('reports version and api-resources from discovery', () => {
    const v = JSON.parse(k(s, ['version', '-o', 'json']));
    expect(v.serverVersion.major).toBe('1');
    expect(v.serverVersion.gitVersion).toMatch(/^v1\.\d+\.\d+/);
    const res = k(s, ['api-resources']);
    expect(res).toMatch(/^pods\s+po\s+v1\s+true\s+Pod$/m);
    expect(res).toMatch(/^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
    expect(res).toMatch(/^namespaces\s+ns\s+v1\s+false\s+Namespace$/m);
  });

  it('lists the built-in namespaces', () => {
    const out = k(s, ['get', 'ns']);
    for (const n of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) expect(out).toMatch(new RegExp(`^${n}\\s+Active\\s+`, 'm'));
    expect(out.split('\n')[0]).toMatch(/^NAME\s+STATUS\s+AGE$/);
  });

  it('creates from a file, and a second create is AlreadyExists', () => {
    const file = path.join(s.dataDir, 'cm.json');
    fs.writeFileSync(file, cm('one', 'default', { app: 'web', tier: 'front' }));
    expect(k(s, ['create', '-f', file])).toContain('configmap/one created');
    const again = kubectl(s, ['create', '-f', file]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('Error from server (AlreadyExists): error when creating "' + file + '": configmaps "one" already exists');
  });

  it('prints objects as yaml, json, wide, name, jsonpath and custom-columns', () => {
    const y = k(s, ['get', 'cm', 'one', '-o', 'yaml']);
    expect(y).toMatch(/^kind: ConfigMap$/m);
    expect(y).toMatch(/resourceVersion: "\d+"/);
    const j = JSON.parse(k(s, ['get', 'cm', 'one', '-o', 'json']));
    expect(j.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(k(s, ['get', 'cm', 'one', '-o', 'name']).trim()).toBe('configmap/one');
    expect(k(s, ['get', 'cm', 'one', '-o', 'jsonpath={.data.a}'])).toBe('1');
    expect(k(s, ['get', 'cm', 'one', '-o', 'custom-columns=N:.metadata.name,A:.data.a', '--no-headers']).trim()).toMatch(/^one\s+1$/);
    expect(k(s, ['get', 'cm', 'one', '-o', 'wide'])).toMatch(/^NAME\s+DATA\s+AGE/);
    expect(k(s, ['get', 'cm', '-A', '--show-labels'])).toMatch(/default\s+one\s+1\s+\S+\s+app=web,tier=front/);
  });

  it('labels, annotates and patches (merge and json)', () => {
    k(s, ['label', 'cm', 'one', 'color=blue']);
    k(s, ['annotate', 'cm', 'one', 'note=hello']);
    k(s, ['patch', 'cm', 'one', '--type', 'merge', '-p', '{"data":{"b":"2"}}']);
    k(s, ['patch', 'cm', 'one', '--type', 'json', '-p', '[{"op":"replace","path":"/data/a","value":"9"}]']);
    const j = JSON.parse(k(s, ['get', 'cm', 'one', '-o', 'json']));
    expect(j.metadata.labels.color).toBe('blue');
    expect(j.metadata.annotations.note).toBe('hello');
    expect(j.data).toEqual({ a: '9', b: '2' });
    const bad = kubectl(s, ['patch', 'cm', 'one', '--type', 'json', '-p', '[{"op":"test","path":"/data/a","value":"0"}]']);
    expect(bad.code).not.toBe(0);
  });

  it('refuses replace with a stale resourceVersion (Conflict)', () => {
    const j = JSON.parse(k(s, ['get', 'cm', 'one', '-o', 'json']));
    k(s, ['label', 'cm', 'one', 'bump=1']);
    const file = path.join(s.dataDir, 'stale.json');
    j.data.c = '3';
    fs.writeFileSync(file, JSON.stringify(j));
    const r = kubectl(s, ['replace', '-f', file]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      'Error from server (Conflict): error when replacing "' + file + '": Operation cannot be fulfilled on configmaps "one": the object has been modified; please apply your changes to the latest version and try again',
    );
  });

  it('selects by label and field', () => {
    k(s, ['create', '-f', '-'], { input: cm('two', 'default', { app: 'db' }) });
    k(s, ['create', '-f', '-'], { input: cm('three', 'default', { app: 'web', tier: 'back' }) });
    const names = (args: string[]) => k(s, ['get', 'cm', '-o', 'name', ...args]).trim().split('\n').filter(Boolean).sort();
    expect(names(['-l', 'app=web'])).toEqual(['configmap/one', 'configmap/three']);
    expect(names(['-l', 'app in (db),tier!=front'])).toEqual(['configmap/two']);
    expect(names(['-l', 'app,!tier'])).toEqual(['configmap/two']);
    expect(names(['--field-selector', 'metadata.name=three'])).toEqual(['configmap/three']);
    expect(names(['--field-selector', 'metadata.name!=three', '-l', 'app'])).toEqual(['configmap/one', 'configmap/two']);
    const bad = kubectl(s, ['get', 'cm', '--field-selector', 'data.a=1']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('"data.a" is not a known field selector');
  });

  it('pages with --chunk-size=1 and still lists everything', () => {
    const out = k(s, ['get', 'cm', '--chunk-size=1', '-o', 'name']).trim().split('\n').sort();
    expect(out).toEqual(['configmap/kube-root-ca.crt', 'configmap/one', 'configmap/three', 'configmap/two']);
    const out2 = k(s, ['get', 'ns', '--chunk-size=1', '--no-headers']).trim().split('\n');
    expect(out2.length).toBeGreaterThanOrEqual(4);
  });

  it('streams changes with get -w: one header, events as they happen', async () => {
    k(s, ['create', 'namespace', 'watched']);
    const w = kubectlBackground(s, ['get', 'cm', '-n', 'watched', '-w']);
    try {
      await new Promise((r) => setTimeout(r, 700));
      k(s, ['create', '-f', '-'], { input: cm('w1', 'watched') });
      k(s, ['create', '-f', '-'], { input: cm('w2', 'watched') });
      await eventually(() => {
        expect(w.output()).toMatch(/w2/);
      });
      const lines = w.output().trim().split('\n');
      expect(lines.filter((l) => l.startsWith('NAME')).length).toBe(1);
      expect(lines.some((l) => /^w1\s+1\s+/.test(l))).toBe(true);
    } finally {
      w.proc.kill();
    }
  });

  it('holds a deleted object while a finalizer remains; wait --for=delete returns once it is removed', async () => {
    k(s, ['create', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'held', namespace: 'default', finalizers: ['example.com/hold'] } }),
    });
    const del = k(s, ['delete', 'cm', 'held', '--wait=false']);
    expect(del).toContain('configmap "held" deleted');
    const j = JSON.parse(k(s, ['get', 'cm', 'held', '-o', 'json']));
    expect(j.metadata.deletionTimestamp).toBeTruthy();
    const wait = kubectlBackground(s, ['wait', '--for=delete', 'cm/held', '--timeout=30s']);
    await new Promise((r) => setTimeout(r, 500));
    k(s, ['patch', 'cm', 'held', '--type', 'merge', '-p', '{"metadata":{"finalizers":null}}']);
    expect(await wait.done).toBe(0);
    expect(kubectl(s, ['get', 'cm', 'held']).stderr).toContain('configmaps "held" not found');
  });

  it('deletes a namespace with its contents', async () => {
    k(s, ['create', 'namespace', 'doomed']);
    k(s, ['create', '-f', '-'], { input: cm('x', 'doomed') });
    k(s, ['create', '-f', '-'], { input: cm('y', 'doomed') });
    k(s, ['delete', 'ns', 'doomed', '--timeout=30s']);
    expect(kubectl(s, ['get', 'ns', 'doomed']).stderr).toContain('namespaces "doomed" not found');
    expect(kubectl(s, ['get', 'cm', 'x', '-n', 'doomed']).stderr).toContain('not found');
  });

  it('refuses creates in a missing namespace (404) and a terminating one (403)', async () => {
    const missing = kubectl(s, ['create', '-f', '-'], { input: cm('z', 'nowhere') });
    expect(missing.stderr).toContain('namespaces "nowhere" not found');
    k(s, ['create', 'namespace', 'ending']);
    k(s, ['create', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'pin', namespace: 'ending', finalizers: ['example.com/hold'] } }),
    });
    k(s, ['delete', 'ns', 'ending', '--wait=false']);
    const r = kubectl(s, ['create', '-f', '-'], { input: cm('late', 'ending') });
    expect(r.stderr).toContain('configmaps "late" is forbidden: unable to create new content in namespace ending because it is being terminated');
    k(s, ['patch', 'cm', 'pin', '-n', 'ending', '--type', 'merge', '-p', '{"metadata":{"finalizers":null}}']);
    await eventually(() => expect(kubectl(s, ['get', 'ns', 'ending']).code).not.toBe(0), 15_000);
  });

  it('refuses a manifest with a misspelled field with the strict decoding message', () => {
    const r = kubectl(s, ['create', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'typo', namespace: 'default' }, dataa: { a: '1' } }),
    });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('strict decoding error: unknown field "dataa"');
    expect(kubectl(s, ['get', 'cm', 'typo']).code).not.toBe(0);
  });

  it('explains fields from the OpenAPI v3 document', () => {
    const out = k(s, ['explain', 'pods.spec.containers']);
    expect(out).toMatch(/KIND:\s+Pod/);
    expect(out).toMatch(/FIELD:\s+containers/);
    expect(out).toMatch(/image\s+<string>/);
  });
});
