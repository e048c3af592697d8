// The table of served resources, derived from the Kubernetes OpenAPI document's
// paths (URL shape → scope, verbs, subresources; x-kubernetes-group-version-kind →
// kind). Only what OpenAPI cannot say — short names, categories, which versions
// share storage — is written here by hand. CRDs add entries at run time.

export interface SubresourceInfo {
  name: string;
  /** Kind served at the subresource (Scale for scale, the parent kind for status). */
  group: string;
  version: string;
  kind: string;
  verbs: string[];
}

export interface ResourceInfo {
  group: string;
  version: string;
  /** Plural, lower case: the URL segment. */
  resource: string;
  singular: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  verbs: string[];
  shortNames: string[];
  categories: string[];
  subresources: Map<string, SubresourceInfo>;
  /** OpenAPI definition name of the kind, e.g. io.k8s.api.core.v1.Pod (undefined for CRDs). */
  definition?: string;
  /** The group/resource whose storage this version reads and writes (versions of one resource share it). */
  storage: { group: string; resource: string; version: string };
  /** Served from a CRD rather than built in. */
  custom?: boolean;
  /** CRD scale subresource: where replicas and the selector live (built-ins use spec.replicas / status.replicas). */
  scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string };
}

/** The group-versions a tenant control plane serves (the list), in discovery order. */
export const SERVED_GROUP_VERSIONS: readonly string[] = [
  'v1',
  'apps/v1',
  'events.k8s.io/v1',
  'authentication.k8s.io/v1',
  'authorization.k8s.io/v1',
  'autoscaling/v2',
  'autoscaling/v1',
  'batch/v1',
  'networking.k8s.io/v1',
  'policy/v1',
  'rbac.authorization.k8s.io/v1',
  'storage.k8s.io/v1',
  'scheduling.k8s.io/v1',
  'coordination.k8s.io/v1',
  'node.k8s.io/v1',
  'discovery.k8s.io/v1',
  // CustomResourceDefinitions (tenant-apiserver/crd/ serves the resources they define).
  'apiextensions.k8s.io/v1',
];

/** The version a group prefers (first served) — discovery's preferredVersion. */
export function preferredVersion(group: string): string | undefined {
  for (const gv of SERVED_GROUP_VERSIONS) {
    const [g, v] = gv.includes('/') ? gv.split('/') : ['', gv];
    if (g === group) return v;
  }
  return undefined;
}

// Resources kube-apiserver serves that a tenant control plane deliberately does not:
// deprecated (componentstatuses), proxies into nodes (proxy, exec, attach,
// portforward, log — the syncer serves logs later) and token requests (issue 5).
// tokenreviews arrive with service-account tokens (controllers issue).
const UNSERVED_RESOURCES = new Set(['componentstatuses', 'bindings', 'tokenreviews']);
const UNSERVED_SUBRESOURCES = new Set(['proxy', 'exec', 'attach', 'portforward', 'log', 'approval']);

const SHORT_NAMES: Record<string, string[]> = {
  'configmaps': ['cm'],
  'endpoints': ['ep'],
  'events': ['ev'],
  'limitranges': ['limits'],
  'namespaces': ['ns'],
  'nodes': ['no'],
  'persistentvolumeclaims': ['pvc'],
  'persistentvolumes': ['pv'],
  'pods': ['po'],
  'replicationcontrollers': ['rc'],
  'resourcequotas': ['quota'],
  'serviceaccounts': ['sa'],
  'services': ['svc'],
  'apps/daemonsets': ['ds'],
  'apps/deployments': ['deploy'],
  'apps/replicasets': ['rs'],
  'apps/statefulsets': ['sts'],
  'autoscaling/horizontalpodautoscalers': ['hpa'],
  'batch/cronjobs': ['cj'],
  'networking.k8s.io/ingresses': ['ing'],
  'networking.k8s.io/networkpolicies': ['netpol'],
  'policy/poddisruptionbudgets': ['pdb'],
  'scheduling.k8s.io/priorityclasses': ['pc'],
  'storage.k8s.io/storageclasses': ['sc'],
  'events.k8s.io/events': ['ev'],
  'apiextensions.k8s.io/customresourcedefinitions': ['crd', 'crds'],
  'certificates.k8s.io/certificatesigningrequests': ['csr'],
};

const CATEGORIES: Record<string, string[]> = {
  'pods': ['all'],
  'services': ['all'],
  'replicationcontrollers': ['all'],
  'apps/daemonsets': ['all'],
  'apps/deployments': ['all'],
  'apps/replicasets': ['all'],
  'apps/statefulsets': ['all'],
  'autoscaling/horizontalpodautoscalers': ['all'],
  'batch/cronjobs': ['all'],
  'batch/jobs': ['all'],
  'apiextensions.k8s.io/customresourcedefinitions': ['api-extensions'],
};

/**
 * Versions of one resource that share storage, and the version objects are stored in.
 * Keys are group/resource as served; values name the storage group/resource/version.
 */
const SHARED_STORAGE: Record<string, { group: string; resource: string; version: string }> = {
  'autoscaling/horizontalpodautoscalers': { group: 'autoscaling', resource: 'horizontalpodautoscalers', version: 'v2' },
  'events.k8s.io/events': { group: '', resource: 'events', version: 'v1' },
};

// Virtual resources (reviews): create-only, nothing stored.
const VIRTUAL_GROUPS = new Set(['authentication.k8s.io', 'authorization.k8s.io']);

interface OpenApiOperation {
  'x-kubernetes-action'?: string;
  'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string };
}
type OpenApiPaths = Record<string, object>;

export interface OpenApiLike {
  paths: OpenApiPaths;
  definitions: Record<string, { 'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string }[] }>;
}

const ACTION_VERB: Record<string, string> = {
  get: 'get',
  list: 'list',
  post: 'create',
  put: 'update',
  patch: 'patch',
  delete: 'delete',
  deletecollection: 'deletecollection',
  watch: 'watch',
  watchlist: 'watch',
};

// Discovery lists verbs in kube's order.
const VERB_ORDER = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function gvOfPath(p: string): { group: string; version: string; rest: string[] } | undefined {
  const parts = p.split('/').filter(Boolean);
  if (parts[0] === 'api' && parts[1] === 'v1') return { group: '', version: 'v1', rest: parts.slice(2) };
  if (parts[0] === 'apis' && parts.length >= 3) return { group: parts[1]!, version: parts[2]!, rest: parts.slice(3) };
  return undefined;
}

export class Registry {
  private readonly byGvr = new Map<string, ResourceInfo>();
  private readonly defsByGvk = new Map<string, string>();
  /** Bumped on every change, so discovery and OpenAPI caches know to rebuild. */
  generation = 0;

  constructor(spec: OpenApiLike) {
    for (const [name, def] of Object.entries(spec.definitions)) {
      for (const gvk of def['x-kubernetes-group-version-kind'] ?? []) this.defsByGvk.set(`${gvk.group}/${gvk.version}/${gvk.kind}`, name);
    }
    const served = new Set(SERVED_GROUP_VERSIONS);
    for (const [p, item] of Object.entries(spec.paths)) {
      const gv = gvOfPath(p);
      if (!gv) continue;
      const gvKey = gv.group ? `${gv.group}/${gv.version}` : gv.version;
      if (!served.has(gvKey)) continue;
      let rest = gv.rest;
      if (rest[0] === 'watch') rest = rest.slice(1);
      let namespaced = false;
      if (rest[0] === 'namespaces' && rest[1] === '{namespace}' && rest.length >= 3) {
        namespaced = true;
        rest = rest.slice(2);
      }
      const [resource, nameSeg, sub, ...more] = rest;
      if (!resource || UNSERVED_RESOURCES.has(resource) || more.length > 0) continue;
      if (nameSeg !== undefined && nameSeg !== '{name}') continue;
      for (const [method, opRaw] of Object.entries(item)) {
        if (method === 'parameters' || typeof opRaw !== 'object' || opRaw === null) continue;
        const op = opRaw as OpenApiOperation;
        const gvk = op['x-kubernetes-group-version-kind'];
        const verb = ACTION_VERB[op['x-kubernetes-action'] ?? ''];
        if (!gvk || !verb) continue;
        if (sub) {
          if (UNSERVED_SUBRESOURCES.has(sub)) continue;
          const parent = this.ensure(gv.group, gv.version, resource, namespaced);
          const s = parent.subresources.get(sub) ?? { name: sub, group: gvk.group, version: gvk.version, kind: gvk.kind, verbs: [] };
          if (!s.verbs.includes(verb)) s.verbs.push(verb);
          parent.subresources.set(sub, s);
          continue;
        }
        const info = this.ensure(gv.group, gv.version, resource, namespaced);
        // The namespaced path is authoritative for scope; the all-namespaces list path also exists.
        if (namespaced) info.namespaced = true;
        if (gvk.group === gv.group && gvk.version === gv.version && !info.kind) {
          info.kind = gvk.kind;
          info.listKind = `${gvk.kind}List`;
          info.singular = gvk.kind.toLowerCase();
          info.definition = this.defsByGvk.get(`${gvk.group}/${gvk.version}/${gvk.kind}`);
        }
        if (!info.verbs.includes(verb)) info.verbs.push(verb);
      }
    }
    for (const [k, info] of this.byGvr) {
      if (!info.kind) {
        this.byGvr.delete(k);
        continue;
      }
      // Cluster-scoped list paths are seen before namespaced ones for some resources; normalise verbs.
      info.verbs.sort((a, b) => VERB_ORDER.indexOf(a) - VERB_ORDER.indexOf(b));
      const gr = info.group ? `${info.group}/${info.resource}` : info.resource;
      info.shortNames = SHORT_NAMES[gr] ?? [];
      info.categories = CATEGORIES[gr] ?? [];
      info.storage = SHARED_STORAGE[gr] ?? { group: info.group, resource: info.resource, version: info.version };
    }
  }

  private ensure(group: string, version: string, resource: string, namespaced: boolean): ResourceInfo {
    const key = `${group}/${version}/${resource}`;
    let info = this.byGvr.get(key);
    if (!info) {
      info = {
        group,
        version,
        resource,
        singular: '',
        kind: '',
        listKind: '',
        namespaced,
        verbs: [],
        shortNames: [],
        categories: [],
        subresources: new Map(),
        storage: { group, resource, version },
      };
      this.byGvr.set(key, info);
    }
    return info;
  }

  get(group: string, version: string, resource: string): ResourceInfo | undefined {
    return this.byGvr.get(`${group}/${version}/${resource}`);
  }

  /** Every served resource, in discovery order of group-versions. */
  all(): ResourceInfo[] {
    return [...this.byGvr.values()];
  }

  groupVersions(): { group: string; version: string }[] {
    const seen = new Map<string, { group: string; version: string }>();
    for (const gv of SERVED_GROUP_VERSIONS) {
      const [g, v] = gv.includes('/') ? gv.split('/') : ['', gv];
      seen.set(gv, { group: g!, version: v! });
    }
    for (const r of this.byGvr.values()) {
      const gv = r.group ? `${r.group}/${r.version}` : r.version;
      if (!seen.has(gv)) seen.set(gv, { group: r.group, version: r.version });
    }
    return [...seen.values()].filter((gv) => this.inGroupVersion(gv.group, gv.version).length > 0);
  }

  inGroupVersion(group: string, version: string): ResourceInfo[] {
    return this.all().filter((r) => r.group === group && r.version === version);
  }

  /** Every served version of one storage group/resource. */
  versionsOf(group: string, resource: string): ResourceInfo[] {
    return this.all().filter((r) => r.storage.group === group && r.storage.resource === resource);
  }

  definitionFor(group: string, version: string, kind: string): string | undefined {
    return this.defsByGvk.get(`${group}/${version}/${kind}`);
  }

  /** Review APIs: create-only, answered without storage. */
  isVirtual(info: Pick<ResourceInfo, 'group'>): boolean {
    return VIRTUAL_GROUPS.has(info.group);
  }

  add(info: ResourceInfo): void {
    this.byGvr.set(`${info.group}/${info.version}/${info.resource}`, info);
    this.generation++;
  }

  remove(group: string, version: string, resource: string): void {
    if (this.byGvr.delete(`${group}/${version}/${resource}`)) this.generation++;
  }
}
