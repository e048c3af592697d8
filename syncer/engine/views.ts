// The two View implementations: informer caches (what reconciles read) and a
// snapshot of live lists (what the patroller plans against, so drift in a
// cache cannot hide drift between the clusters).

import { LABEL_TENANT } from '../mapping.js';
import { str, asObj, type KubeObject } from '../types.js';
import type { Informer } from './informer.js';
import type { View } from './kind.js';

export const INDEX_TENANT = 'tenant';
export const INDEX_TENANT_NODE = 'tenant-node';

export const tenantIndex = (o: KubeObject): string[] => {
  const t = o.metadata?.labels?.[LABEL_TENANT];
  return t ? [t] : [];
};

export const tenantNodeIndex = (o: KubeObject): string[] => {
  const t = o.metadata?.labels?.[LABEL_TENANT];
  const node = str(asObj(o.spec)?.nodeName);
  return t && node ? [`${t}/${node}`] : [];
};

const belongs = (o: KubeObject | undefined, tenant: string): KubeObject | undefined => (o?.metadata?.labels?.[LABEL_TENANT] === tenant ? o : undefined);

/** Reads through informer caches; super objects are only this tenant's (by label). */
export class CacheView implements View {
  constructor(
    private readonly tenant: string,
    private readonly tenantInformers: Map<string, Informer>,
    private readonly superInformers: Map<string, Informer>,
  ) {}

  tenantGet(plural: string, namespace: string, name: string): KubeObject | undefined {
    return this.tenantInformers.get(plural)?.get(namespace, name);
  }

  tenantList(plural: string, namespace?: string): KubeObject[] {
    return this.tenantInformers.get(plural)?.list(namespace) ?? [];
  }

  superGet(plural: string, namespace: string, name: string): KubeObject | undefined {
    return belongs(this.superInformers.get(plural)?.get(namespace, name), this.tenant);
  }

  superList(plural: string, namespace?: string): KubeObject[] {
    return this.superInformers.get(plural)?.byIndex(INDEX_TENANT, this.tenant, namespace) ?? [];
  }

  superNode(name: string): KubeObject | undefined {
    return this.superInformers.get('nodes')?.get('', name);
  }

  superPodCountOnNode(node: string): number {
    return this.superInformers.get('pods')?.countByIndex(INDEX_TENANT_NODE, `${this.tenant}/${node}`) ?? 0;
  }

  superEvent(namespace: string, name: string): KubeObject | undefined {
    return this.superInformers.get('events')?.get(namespace, name);
  }
}

const k = (namespace: string, name: string): string => `${namespace}/${name}`;

function index(objs: KubeObject[]): Map<string, KubeObject> {
  return new Map(objs.map((o) => [k(o.metadata?.namespace ?? '', o.metadata?.name ?? ''), o]));
}

/** A view over lists taken at one moment (tests use it too). */
export class SnapshotView implements View {
  private readonly tenantObjs = new Map<string, Map<string, KubeObject>>();
  private readonly superObjs = new Map<string, Map<string, KubeObject>>();

  constructor(
    private readonly tenant: string,
    tenantLists: Record<string, KubeObject[]>,
    superLists: Record<string, KubeObject[]>,
  ) {
    for (const [plural, list] of Object.entries(tenantLists)) this.tenantObjs.set(plural, index(list));
    for (const [plural, list] of Object.entries(superLists)) {
      // Nodes and events are nobody's; everything else must carry this tenant's label.
      const mine = plural === 'nodes' || plural === 'events' ? list : list.filter((o) => belongs(o, tenant));
      this.superObjs.set(plural, index(mine));
    }
  }

  tenantGet(plural: string, namespace: string, name: string): KubeObject | undefined {
    return this.tenantObjs.get(plural)?.get(k(namespace, name));
  }

  tenantList(plural: string, namespace?: string): KubeObject[] {
    const all = [...(this.tenantObjs.get(plural)?.values() ?? [])];
    return namespace === undefined ? all : all.filter((o) => (o.metadata?.namespace ?? '') === namespace);
  }

  superGet(plural: string, namespace: string, name: string): KubeObject | undefined {
    return this.superObjs.get(plural)?.get(k(namespace, name));
  }

  superList(plural: string, namespace?: string): KubeObject[] {
    const all = [...(this.superObjs.get(plural)?.values() ?? [])];
    return namespace === undefined ? all : all.filter((o) => (o.metadata?.namespace ?? '') === namespace);
  }

  superNode(name: string): KubeObject | undefined {
    return this.superGet('nodes', '', name);
  }

  superPodCountOnNode(node: string): number {
    return this.superList('pods').filter((p) => str(asObj(p.spec)?.nodeName) === node).length;
  }

  superEvent(namespace: string, name: string): KubeObject | undefined {
    return this.superGet('events', namespace, name);
  }
}
