import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultSpecPath, isParameterRef, loadOpenApiV2 } from './spec.js';

describe('loadOpenApiV2', () => {
  it('finds the vendored spec by walking up to third_party/', async () => {
    const p = await defaultSpecPath();
    expect(p.endsWith(join('third_party', 'kubernetes-api', 'openapi-v2.json'))).toBe(true);
    expect(existsSync(p)).toBe(true);
  });

  it('loads the vendored v1.34 spec with typed definitions, paths and parameters', async () => {
    const t0 = performance.now();
    const spec = await loadOpenApiV2();
    const ms = performance.now() - t0;
    console.log(`loadOpenApiV2: ${ms.toFixed(1)} ms`);
    expect(spec.swagger).toBe('2.0');
    const pod = spec.definitions['io.k8s.api.core.v1.Pod'];
    expect(pod?.['x-kubernetes-group-version-kind']).toEqual([{ group: '', kind: 'Pod', version: 'v1' }]);
    const item = spec.paths['/api/v1/namespaces/{namespace}/pods/{name}'];
    expect(item?.patch?.['x-kubernetes-action']).toBe('patch');
    const refs = (item?.patch?.parameters ?? []).filter(isParameterRef).map((p) => p.$ref);
    expect(refs.length).toBeGreaterThan(0);
    for (const r of refs) expect(spec.parameters?.[r.replace('#/parameters/', '')]).toBeDefined();
  });

  it('accepts an explicit path and rejects a file that is not Swagger 2.0', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'openapi-'));
    try {
      const good = join(dir, 'good.json');
      await writeFile(good, JSON.stringify({ swagger: '2.0', info: { title: 't', version: 'v' }, paths: {}, definitions: {} }));
      await expect(loadOpenApiV2(good)).resolves.toMatchObject({ swagger: '2.0' });
      const bad = join(dir, 'bad.json');
      await writeFile(bad, JSON.stringify({ openapi: '3.0.0', paths: {} }));
      await expect(loadOpenApiV2(bad)).rejects.toThrow(/not a Swagger 2.0 document/);
      await expect(loadOpenApiV2(join(dir, 'missing.json'))).rejects.toThrow(/ENOENT/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
