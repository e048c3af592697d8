import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Registry } from '../registry.js';
import { createSchemaChecker } from '../../openapi-serving.js';
import { INDEX_RELATIVE, buildOpenApiIndex, defaultSpecPath, loadOpenApi, loadOpenApiV2 } from './spec.js';

// The index is checked in next to the vendored spec and derived from it. After
// updating the spec, regenerate with: UPDATE_OPENAPI_INDEX=1 npx vitest run tenant-apiserver/api/openapi/spec-index.test.ts
describe('OpenAPI index', () => {
  it('is current with the vendored document', async () => {
    const file = await defaultSpecPath();
    const indexFile = join(dirname(dirname(dirname(file))), INDEX_RELATIVE);
    const expected = JSON.stringify(buildOpenApiIndex(await loadOpenApiV2(file), statSync(file).size)) + '\n';
    if (process.env.UPDATE_OPENAPI_INDEX === '1') writeFileSync(indexFile, expected);
    expect(readFileSync(indexFile, 'utf8') === expected, `${indexFile} is stale: see the comment at the top of this test`).toBe(true);
  });

  it('builds the same registry as the full document', async () => {
    const { index } = await loadOpenApi();
    const fromIndex = new Registry(index).all();
    const fromSpec = new Registry(await loadOpenApiV2()).all();
    expect(fromIndex.length).toBeGreaterThan(50);
    expect(fromIndex).toEqual(fromSpec);
  });

  it('is one document per process, and so are its compiled schemas (servers in one process share them)', async () => {
    const [a, b] = await Promise.all([loadOpenApi(), loadOpenApi()]);
    expect(b.spec).toBe(a.spec);
    expect((await loadOpenApi()).spec.definitions).toBe(a.spec.definitions);
    const one = createSchemaChecker(a.spec);
    const two = createSchemaChecker(b.spec);
    expect(two.index()).toBe(one.index());
    // Sharing must not leak one check's findings into another's.
    const pods = new Registry(a.index).all().find((r) => r.group === '' && r.resource === 'pods')!;
    const bad = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i', bogus: 1 }] } };
    expect(one.checkAndPrune(pods, bad).unknown).toEqual(['spec.containers[0].bogus']);
    expect(two.checkAndPrune(pods, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'q' }, spec: { containers: [{ name: 'c', image: 'i' }] } }).unknown).toEqual([]);
  });

  it('serves the full document behind the same interface, parsed on first use', async () => {
    const { spec } = await loadOpenApi();
    expect(spec.swagger).toBe('2.0');
    expect(spec.definitions['io.k8s.api.core.v1.Pod']?.['x-kubernetes-group-version-kind']).toEqual([{ group: '', kind: 'Pod', version: 'v1' }]);
    expect(spec.paths['/api/v1/namespaces/{namespace}/pods/{name}']?.patch?.['x-kubernetes-action']).toBe('patch');
    expect(spec.definitions).toBe(spec.definitions);
    expect({ ...spec }.paths).toBe(spec.paths);
  });
});
