// Every live namespace gets a `default` ServiceAccount and the `kube-root-ca.crt`
// ConfigMap holding the cluster CA (what kube-controller-manager's
// serviceaccount and root-ca-cert-publisher controllers do); both come back if deleted.

import { ApiError } from '../api/errors.js';
import type { Registry, ResourceInfo } from '../api/registry.js';
import type { ResourceStore } from '../api/store.js';
import type { KubeObject, UserInfo } from '../api/types.js';
import type { Controller } from './runtime.js';

const SYSTEM: UserInfo = { username: 'system:serviceaccount:kube-system:service-account-controller', groups: ['system:serviceaccounts', 'system:authenticated'] };
export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';

export function serviceAccountController(registry: Registry, store: ResourceStore, caPem: string): Controller {
  const info = (r: string): ResourceInfo => registry.get('', 'v1', r)!;
  const ensure = async (resource: string, ns: string, obj: KubeObject) => {
    try {
      await store.create(info(resource), ns, obj, { user: SYSTEM });
    } catch (e) {
      // Exists already, or the namespace is going away: both fine.
      if (!(e instanceof ApiError && (e.code === 409 || e.code === 403 || e.code === 404))) throw e;
    }
  };
  return {
    name: 'serviceaccount',
    async start(enqueue) {
      const ws = [
        await store.watch(info('namespaces'), undefined, { resourceVersion: '', sharedObjects: true }, (t, o) => {
          if (t !== 'DELETED' && !o.metadata.deletionTimestamp) enqueue(o.metadata.name);
        }),
        await store.watch(info('serviceaccounts'), undefined, { resourceVersion: '', sharedObjects: true }, (t, o) => {
          if (t === 'DELETED' && o.metadata.name === 'default') enqueue(o.metadata.namespace!);
        }),
        await store.watch(info('configmaps'), undefined, { resourceVersion: '', sharedObjects: true }, (t, o) => {
          if (o.metadata.name === ROOT_CA_CONFIGMAP && (t === 'DELETED' || (o.data as Record<string, string> | undefined)?.['ca.crt'] !== caPem)) enqueue(o.metadata.namespace!);
        }),
      ];
      return () => ws.forEach((w) => w.stop());
    },
    async reconcile(ns) {
      let namespace;
      try {
        namespace = await store.get(info('namespaces'), undefined, ns);
      } catch (e) {
        if (e instanceof ApiError && e.code === 404) return;
        throw e;
      }
      if (namespace.metadata.deletionTimestamp) return;
      await ensure('serviceaccounts', ns, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: ns } });
      const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: ROOT_CA_CONFIGMAP, namespace: ns, annotations: { 'kubernetes.io/description': 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.' } }, data: { 'ca.crt': caPem } };
      await ensure('configmaps', ns, cm);
      const current = await store.get(info('configmaps'), ns, ROOT_CA_CONFIGMAP).catch(() => undefined);
      if (current && (current.data as Record<string, string> | undefined)?.['ca.crt'] !== caPem) {
        await store.update(info('configmaps'), ns, ROOT_CA_CONFIGMAP, (c) => ({ ...c!, data: { 'ca.crt': caPem } }), { user: SYSTEM });
      }
    },
  };
}
