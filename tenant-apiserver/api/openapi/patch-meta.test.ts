import { beforeAll, describe, expect, it } from 'vitest';
import { loadOpenApiV2 } from './spec.js';
import { compileSchemas, type SchemaIndex } from './schema-check.js';
import { listMergeInfo } from './patch-meta.js';

let index: SchemaIndex;

beforeAll(async () => {
  index = compileSchemas(await loadOpenApiV2());
});

const POD = 'io.k8s.api.core.v1.Pod';
const DEPLOYMENT = 'io.k8s.api.apps.v1.Deployment';

describe('listMergeInfo', () => {
  it('reads strategy, merge key, list type and map keys of a list field', () => {
    expect(listMergeInfo(index, POD, ['spec', 'containers'])).toEqual({ strategy: 'merge', mergeKey: 'name', listType: 'map', mapKeys: ['name'] });
    expect(listMergeInfo(index, POD, ['spec', 'volumes'])).toEqual({ strategy: 'merge,retainKeys', mergeKey: 'name', listType: 'map', mapKeys: ['name'] });
    expect(listMergeInfo(index, POD, ['metadata', 'finalizers'])).toEqual({ strategy: 'merge', listType: 'set' });
    expect(listMergeInfo(index, POD, ['metadata', 'ownerReferences'])).toEqual({ strategy: 'merge', mergeKey: 'uid', listType: 'map', mapKeys: ['uid'] });
  });

  it('steps through lists, with or without an explicit index', () => {
    const ports = { strategy: 'merge', mergeKey: 'containerPort', listType: 'map', mapKeys: ['containerPort', 'protocol'] };
    expect(listMergeInfo(index, DEPLOYMENT, ['spec', 'template', 'spec', 'containers', 'ports'])).toEqual(ports);
    expect(listMergeInfo(index, DEPLOYMENT, ['spec', 'template', 'spec', 'containers', '2', 'ports'])).toEqual(ports);
    expect(listMergeInfo(index, DEPLOYMENT, ['spec', 'template', 'spec', 'containers', 'args'])).toEqual({ listType: 'atomic' });
  });

  it('reports the strategy of non-list fields that have one', () => {
    expect(listMergeInfo(index, DEPLOYMENT, ['spec', 'strategy'])).toEqual({ strategy: 'retainKeys' });
    expect(listMergeInfo(index, DEPLOYMENT, ['spec', 'replicas'])).toEqual({});
  });

  it('treats a segment at a map as the key', () => {
    const crd = 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition';
    expect(listMergeInfo(index, crd, ['spec', 'versions', 'schema', 'openAPIV3Schema', 'properties', 'spec', 'required'])).toEqual({ listType: 'atomic' });
    expect(listMergeInfo(index, crd, ['spec', 'versions'])).toEqual({ listType: 'atomic' });
    expect(listMergeInfo(index, crd, ['spec', 'versions', 'additionalPrinterColumns'])).toEqual({ listType: 'atomic' });
  });

  it('gives {} off the schema, at an element, or for an unknown definition', () => {
    expect(listMergeInfo(index, POD, ['spec', 'nope'])).toEqual({});
    expect(listMergeInfo(index, POD, ['spec', 'containers', '0'])).toEqual({});
    expect(listMergeInfo(index, POD, ['spec', 'containers', 'name', 'deeper'])).toEqual({});
    expect(listMergeInfo(index, POD, ['metadata', 'labels', 'app'])).toEqual({});
    expect(listMergeInfo(index, 'no.such.Definition', ['spec'])).toEqual({});
    expect(listMergeInfo(index, POD, [])).toEqual({});
  });
});
