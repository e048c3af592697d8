// OpenAPI for custom resources, the way kube-apiserver publishes CRDs: per
// served version, a definition named by the reversed group
// (`com.example.stable.v1.CronTab`) holding the CRD's schema plus apiVersion,
// kind and metadata, its List definition, and REST paths with the operations,
// parameters and x-kubernetes-group-version-kind kubectl looks for
// (fieldValidation support, explain). The paths are shaped after a built-in
// resource's in the vendored spec, so parameters stay kube's exactly.

import type { OpenApiV2, PathItem, SchemaObject } from '../api/openapi/spec.js';
import { isParameterRef } from '../api/openapi/spec.js';
import { isObject } from '../api/types.js';
import type { CustomResourceState } from './custom-resource.js';
import { schemaOf, type JSONSchemaProps } from './types.js';

export interface GroupVersionOpenApi {
  /** `apis/<group>/<version>`, the /openapi/v3 key. */
  gvPath: string;
  paths: Record<string, PathItem>;
  definitions: Record<string, SchemaObject>;
}

const TEMPLATE_GROUP = 'apps';
const TEMPLATE_VERSION = 'v1';
const TEMPLATE_PLURAL = 'deployments';
const TEMPLATE_KIND = 'Deployment';
const TEMPLATE_DEF = 'io.k8s.api.apps.v1.Deployment';
const TEMPLATE_LIST_DEF = 'io.k8s.api.apps.v1.DeploymentList';
const STRATEGIC = 'application/strategic-merge-patch+json';

/** `stable.example.com` + v1 + CronTab → `com.example.stable.v1.CronTab`. */
export function definitionName(group: string, version: string, kind: string): string {
  return `${group.split('.').reverse().join('.')}.${version}.${kind}`;
}

function camel(s: string): string {
  return s
    .split(/[.-]/)
    .filter(Boolean)
    .map((p) => p[0]!.toUpperCase() + p.slice(1))
    .join('');
}

/** The published schema: the CRD's, with TypeMeta and ObjectMeta filled in as kube does. */
function objectSchema(spec: OpenApiV2, st: CustomResourceState, version: string, schema: JSONSchemaProps | undefined): SchemaObject {
  const tmpl = spec.definitions[TEMPLATE_DEF]?.properties ?? {};
  const base = (schema ? structuredClone(schema) : { type: 'object' }) as SchemaObject & Record<string, unknown>;
  const props: Record<string, SchemaObject> = { ...(isObject(base.properties) ? (base.properties as Record<string, SchemaObject>) : {}) };
  props.apiVersion = { ...(tmpl.apiVersion ?? { type: 'string' }) };
  props.kind = { ...(tmpl.kind ?? { type: 'string' }) };
  props.metadata = { ...(tmpl.metadata ?? { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }) };
  base.properties = props;
  base.type = 'object';
  base['x-kubernetes-group-version-kind'] = [{ group: st.group, kind: st.kind, version }];
  return base;
}

function listSchema(spec: OpenApiV2, st: CustomResourceState, version: string, itemDef: string): SchemaObject {
  const tmpl = structuredClone(spec.definitions[TEMPLATE_LIST_DEF] ?? { properties: {} }) as SchemaObject;
  const props = tmpl.properties ?? {};
  return {
    description: `${st.listKind} is a list of ${st.kind}`,
    type: 'object',
    required: ['items'],
    properties: {
      apiVersion: props.apiVersion ?? { type: 'string' },
      items: {
        description: `List of ${st.plural}. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md`,
        type: 'array',
        items: { $ref: `#/definitions/${itemDef}` },
      },
      kind: props.kind ?? { type: 'string' },
      metadata: props.metadata ?? { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta' },
    },
    'x-kubernetes-group-version-kind': [{ group: st.group, kind: st.listKind, version }],
  };
}

interface Rewrite {
  st: CustomResourceState;
  version: string;
  def: string;
  listDef: string;
  dropNamespace: boolean;
}

/** Rewrites a template path item (a Deployment's) into the custom resource's. */
function rewrite(spec: OpenApiV2, item: PathItem, r: Rewrite): PathItem {
  const out = structuredClone(item) as Record<string, unknown>;
  const opPrefix = `${camel(r.st.group)}${camel(r.version)}`;
  const fix = (v: unknown, parentKey?: string): unknown => {
    if (Array.isArray(v)) {
      const list = v.map((x) => fix(x, parentKey));
      if (parentKey === 'parameters' && r.dropNamespace) {
        return list.filter((p) => {
          if (!isObject(p)) return true;
          const resolved = isParameterRef(p as never) ? spec.parameters?.[String(p.$ref).replace('#/parameters/', '')] : (p as { name?: string; in?: string });
          return !(resolved?.in === 'path' && resolved.name === 'namespace');
        });
      }
      if (parentKey === 'consumes') return list.filter((x) => x !== STRATEGIC);
      return list;
    }
    if (!isObject(v)) return v;
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = fix(x, k);
    if (o.$ref === `#/definitions/${TEMPLATE_DEF}`) o.$ref = `#/definitions/${r.def}`;
    if (o.$ref === `#/definitions/${TEMPLATE_LIST_DEF}`) o.$ref = `#/definitions/${r.listDef}`;
    const gvk = o['x-kubernetes-group-version-kind'];
    if (isObject(gvk) && gvk.group === TEMPLATE_GROUP && gvk.kind === TEMPLATE_KIND) {
      o['x-kubernetes-group-version-kind'] = { group: r.st.group, kind: r.st.kind, version: r.version };
    }
    if (typeof o.operationId === 'string') {
      o.operationId = o.operationId.replace('AppsV1', opPrefix).replace(/Namespaced(?=Deployment)/, r.dropNamespace ? '' : 'Namespaced').replace(TEMPLATE_KIND, r.st.kind);
    }
    if (typeof o.description === 'string') o.description = o.description.replace(/\bDeployment\b/g, r.st.kind);
    if (Array.isArray(o.tags)) o.tags = [`${camel(r.st.group).replace(/^./, (c) => c.toLowerCase())}_${r.version}`];
    return o;
  };
  for (const [k, v] of Object.entries(out)) out[k] = fix(v, k === 'parameters' ? 'parameters' : undefined);
  return out as PathItem;
}

/** The OpenAPI paths and definitions of every served version of a CRD. */
export function customResourceOpenApi(spec: OpenApiV2, st: CustomResourceState): GroupVersionOpenApi[] {
  const out: GroupVersionOpenApi[] = [];
  const tp = (suffix: string) => spec.paths[`/apis/${TEMPLATE_GROUP}/${TEMPLATE_VERSION}/namespaces/{namespace}/${TEMPLATE_PLURAL}${suffix}`];
  for (const version of st.served) {
    const v = st.versions.get(version);
    const def = definitionName(st.group, version, st.kind);
    const listDef = definitionName(st.group, version, st.listKind);
    const r: Rewrite = { st, version, def, listDef, dropNamespace: !st.namespaced };
    const base = st.namespaced ? `/apis/${st.group}/${version}/namespaces/{namespace}/${st.plural}` : `/apis/${st.group}/${version}/${st.plural}`;
    const paths: Record<string, PathItem> = {};
    const add = (path: string, item: PathItem | undefined) => {
      if (item) paths[path] = rewrite(spec, item, r);
    };
    add(base, tp(''));
    add(`${base}/{name}`, tp('/{name}'));
    const sr = v?.subresources;
    if (isObject(sr) && isObject(sr.status)) add(`${base}/{name}/status`, tp('/{name}/status'));
    if (isObject(sr) && isObject(sr.scale)) add(`${base}/{name}/scale`, tp('/{name}/scale'));
    if (st.namespaced) add(`/apis/${st.group}/${version}/${st.plural}`, spec.paths[`/apis/${TEMPLATE_GROUP}/${TEMPLATE_VERSION}/${TEMPLATE_PLURAL}`]);
    out.push({
      gvPath: `apis/${st.group}/${version}`,
      paths,
      definitions: {
        [def]: objectSchema(spec, st, version, v ? schemaOf(v) : undefined),
        [listDef]: listSchema(spec, st, version, def),
      },
    });
  }
  return out;
}
