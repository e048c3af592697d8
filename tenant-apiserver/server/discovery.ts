// Discovery documents: the legacy /api, /apis, /api/v1, /apis/G[/V] and the
// aggregated apidiscovery.k8s.io v2 / v2beta1 lists, all derived from the registry.

import { createHash } from 'node:crypto';
import { preferredVersion, type Registry, type ResourceInfo } from '../api/registry.js';

export function storageVersionHash(info: ResourceInfo): string {
  return createHash('sha256').update(`${info.storage.group}/${info.storage.version}/${info.kind}`).digest('base64').slice(0, 11);
}

export function apiVersions(serverAddress: string): object {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function groupVersionsOf(reg: Registry, group: string): string[] {
  return reg.groupVersions().filter((gv) => gv.group === group).map((gv) => gv.version);
}

export function apiGroup(reg: Registry, group: string): object | undefined {
  const versions = groupVersionsOf(reg, group);
  if (versions.length === 0) return undefined;
  const preferred = preferredVersion(group) ?? versions[0]!;
  return {
    kind: 'APIGroup',
    apiVersion: 'v1',
    name: group,
    versions: versions.map((v) => ({ groupVersion: `${group}/${v}`, version: v })),
    preferredVersion: { groupVersion: `${group}/${preferred}`, version: preferred },
  };
}

export function apiGroupList(reg: Registry): object {
  const groups: string[] = [];
  for (const gv of reg.groupVersions()) if (gv.group && !groups.includes(gv.group)) groups.push(gv.group);
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: groups.map((g) => {
      const { kind: _k, apiVersion: _a, ...rest } = apiGroup(reg, g) as Record<string, unknown>;
      return rest;
    }),
  };
}

export function apiResourceList(reg: Registry, group: string, version: string): object | undefined {
  const infos = reg.inGroupVersion(group, version);
  if (infos.length === 0) return undefined;
  const resources: object[] = [];
  for (const r of infos) {
    resources.push({
      name: r.resource,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs,
      ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
      ...(r.categories.length ? { categories: r.categories } : {}),
      storageVersionHash: storageVersionHash(r),
    });
    for (const s of r.subresources.values()) {
      resources.push({
        name: `${r.resource}/${s.name}`,
        singularName: '',
        namespaced: r.namespaced,
        ...(s.group !== r.group ? { group: s.group } : {}),
        ...(s.version !== r.version ? { version: s.version } : {}),
        kind: s.kind,
        verbs: s.verbs,
      });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
}

/** Aggregated discovery for /api (core) or /apis (every other group). */
export function aggregatedDiscovery(reg: Registry, core: boolean, version: 'v2' | 'v2beta1'): object {
  const groups = new Map<string, { version: string; infos: ResourceInfo[] }[]>();
  for (const gv of reg.groupVersions()) {
    if ((gv.group === '') !== core) continue;
    const list = groups.get(gv.group) ?? [];
    list.push({ version: gv.version, infos: reg.inGroupVersion(gv.group, gv.version) });
    groups.set(gv.group, list);
  }
  const items = [...groups.entries()].map(([group, versions]) => {
    const preferred = preferredVersion(group);
    // Preferred version first, as kube-apiserver orders them.
    versions.sort((a, b) => (a.version === preferred ? -1 : b.version === preferred ? 1 : 0));
    return {
      metadata: { name: group, creationTimestamp: null },
      versions: versions.map((v) => ({
        version: v.version,
        resources: v.infos.map((r) => ({
          resource: r.resource,
          responseKind: { group: r.group, version: r.version, kind: r.kind },
          scope: r.namespaced ? 'Namespaced' : 'Cluster',
          singularResource: r.singular,
          verbs: r.verbs,
          ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
          ...(r.categories.length ? { categories: r.categories } : {}),
          ...(r.subresources.size
            ? {
                subresources: [...r.subresources.values()].map((s) => ({
                  subresource: s.name,
                  responseKind: { group: s.group, version: s.version, kind: s.kind },
                  verbs: s.verbs,
                })),
              }
            : {}),
        })),
        freshness: 'Current',
      })),
    };
  });
  return { kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items };
}
