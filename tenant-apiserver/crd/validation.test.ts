import { describe, expect, it } from 'vitest';
import { fieldErrorMessage } from '../api/errors.js';
import type { ResourceInfo } from '../api/registry.js';
import { nameCollisions, validateCrd, validateCrdUpdate } from './validation.js';
import type { CustomResourceDefinition } from './types.js';

// Tests reach into the CRD freely; `any` keeps the fixtures short.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function crd(over: (c: any) => void = () => {}): CustomResourceDefinition {
  const c = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList', shortNames: ['wd'] },
      conversion: { strategy: 'None' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { replicas: { type: 'integer' } } } } } },
          subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' } },
          additionalPrinterColumns: [{ name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' }],
          selectableFields: [{ jsonPath: '.spec.replicas' }],
        },
      ],
    },
    status: { storedVersions: ['v1'] },
  };
  over(c);
  return c as CustomResourceDefinition;
}

const msgs = (c: CustomResourceDefinition) => validateCrd(c).map(fieldErrorMessage);

describe('CRD validation', () => {
  it('accepts a complete CRD', () => {
    expect(msgs(crd())).toEqual([]);
  });

  it('checks the name, group and scope', () => {
    expect(
      msgs(
        crd((c) => {
          c.metadata!.name = 'widgets.other.com';
          c.spec.group = 'example';
          c.spec.scope = 'Global';
        }),
      ),
    ).toEqual([
      'metadata.name: Invalid value: "widgets.other.com": must be spec.names.plural+"."+spec.group',
      'spec.group: Invalid value: "example": should be a domain with at least one dot',
      'spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced"',
    ]);
  });

  it('requires exactly one storage version and a schema per version', () => {
    const out = msgs(
      crd((c) => {
        c.spec.versions.push({ name: 'v2', served: false, storage: true });
      }),
    );
    expect(out).toEqual([
      'spec.versions[1].schema.openAPIV3Schema: Required value: schemas are required',
      'spec.versions: Invalid value: [{"name":"v1","served":true,"storage":true},{"name":"v2","served":false,"storage":true}]: must have exactly one version marked as storage version',
      'status.storedVersions: Invalid value: ["v1"]: must have the storage version v2',
    ]);
  });

  it('checks names, printer columns, scale paths and selectable fields', () => {
    const out = msgs(
      crd((c) => {
        c.spec.names = { plural: 'Widgets', kind: 'Widget', listKind: 'Widget', shortNames: ['w_d'] };
        const v = c.spec.versions[0];
        v.additionalPrinterColumns = [{ name: 'X', type: 'text', jsonPath: 'spec.x' }];
        v.subresources.scale = { specReplicasPath: '.status.replicas', statusReplicasPath: '' };
        v.selectableFields = [{ jsonPath: '.spec.missing' }];
      }),
    );
    expect(out).toEqual([
      'metadata.name: Invalid value: "widgets.example.com": must be spec.names.plural+"."+spec.group',
      'spec.versions[0].subresources.scale.specReplicasPath: Invalid value: ".status.replicas": should be a json path under .spec',
      'spec.versions[0].subresources.scale.statusReplicasPath: Required value',
      'spec.versions[0].additionalPrinterColumns[0].type: Invalid value: "text": must be one of boolean,date,integer,number,string',
      'spec.versions[0].additionalPrinterColumns[0].JSONPath: Invalid value: "spec.x": must be a simple json path starting with .',
      'spec.versions[0].selectableFields[0].jsonPath: Invalid value: ".spec.missing": is an invalid path: does not refer to a valid field',
      'spec.names.singular: Required value',
      expect.stringMatching(/^spec\.names\.plural: Invalid value: "Widgets": a DNS-1035 label must consist of lower case/),
      expect.stringMatching(/^spec\.names\.shortNames\[0\]: Invalid value: "w_d": a DNS-1035 label/),
      'spec.names.listKind: Invalid value: "Widget": kind and listKind may not be the same',
    ]);
  });

  it('reports non-structural schemas', () => {
    expect(
      msgs(
        crd((c) => {
          c.spec.versions[0].schema.openAPIV3Schema.properties.spec = { properties: { a: { type: 'string' } } };
        }),
      ),
    ).toContain('spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields');
  });

  it('requires API approval for protected groups', () => {
    const c = crd((x) => {
      x.metadata!.name = 'widgets.apps.k8s.io';
      x.spec.group = 'apps.k8s.io';
    });
    expect(msgs(c)).toEqual([
      'metadata.annotations[api-approved.kubernetes.io]: Required value: protected groups must have approval annotation "api-approved.kubernetes.io", see https://github.com/kubernetes/enhancements/pull/1111',
    ]);
    c.metadata!.annotations = { 'api-approved.kubernetes.io': 'https://github.com/kubernetes/kubernetes/pull/1' };
    expect(msgs(c)).toEqual([]);
  });

  it('keeps group and plural immutable, and scope and kind once established', () => {
    const old = crd((c) => {
      c.status!.conditions = [{ type: 'Established', status: 'True' }];
    });
    const next = crd((c) => {
      c.spec.scope = 'Cluster';
      c.spec.names.kind = 'Gadget';
      c.spec.names.listKind = 'GadgetList';
    });
    expect(validateCrdUpdate(next, old).map(fieldErrorMessage)).toEqual([
      'spec.scope: Invalid value: "Cluster": field is immutable',
      'spec.names.kind: Invalid value: "Gadget": field is immutable',
    ]);
    expect(validateCrdUpdate(next, crd()).map(fieldErrorMessage)).toEqual([]);
  });

  it('keeps stored versions in spec.versions', () => {
    const c = crd((x) => {
      x.status!.storedVersions = ['v1', 'v0'];
    });
    expect(msgs(c)).toEqual([
      'status.storedVersions[1]: Invalid value: "v0": missing from spec.versions; v0 was previously a storage version, and must remain in spec.versions until a storage migration ensures no data remains persisted in v0 and removes v0 from status.storedVersions',
    ]);
  });
});

describe('name collisions at create', () => {
  const pods = { group: '', version: 'v1', resource: 'pods', singular: 'pod', kind: 'Pod', listKind: 'PodList', shortNames: ['po'], custom: false } as unknown as ResourceInfo;
  const other = (name: string, group: string, names: Record<string, unknown>) =>
    ({ metadata: { name }, spec: { group, names }, status: { acceptedNames: names } }) as CustomResourceDefinition;

  it('names what collides with what', () => {
    const mine = crd((c) => {
      c.spec.names.shortNames = ['wd', 'po', 'gz'];
    });
    const errs = nameCollisions(mine, [other('gadgets.example.com', 'example.com', { plural: 'gadgets', kind: 'Widget', listKind: 'WidgetList', shortNames: ['wd'] }), other('gizmos.else.io', 'else.io', { plural: 'gizmos', kind: 'Gizmo', shortNames: ['gz'] })], [pods]);
    expect(errs.map(fieldErrorMessage)).toEqual([
      'spec.names.shortNames[0]: Invalid value: "wd": "wd" is already in use by customresourcedefinition "gadgets.example.com"',
      'spec.names.kind: Invalid value: "Widget": "Widget" is already in use by customresourcedefinition "gadgets.example.com"',
      'spec.names.listKind: Invalid value: "WidgetList": "WidgetList" is already in use by customresourcedefinition "gadgets.example.com"',
      'spec.names.shortNames[2]: Invalid value: "gz": "gz" is already in use by customresourcedefinition "gizmos.else.io" as a short name',
      'spec.names.shortNames[1]: Invalid value: "po": "po" is already in use by the built-in resource "pods" as a short name',
    ]);
  });

  it('lets the same plural live in another group, and ignores the CRD itself', () => {
    expect(nameCollisions(crd(), [other('widgets.other.io', 'other.io', { plural: 'widgets', kind: 'Widget' }), crd()], [pods])).toEqual([]);
  });
});
