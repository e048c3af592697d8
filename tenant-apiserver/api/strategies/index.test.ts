import { describe, expect, it } from 'vitest';
import { registeredStrategies, strategyFor } from './index.js';

describe('strategy table', () => {
  it('registers every family the tenant cluster serves', () => {
    const keys = registeredStrategies();
    for (const k of [
      '/pods',
      '/namespaces',
      '/services',
      '/configmaps',
      '/secrets',
      '/serviceaccounts',
      '/endpoints',
      '/events',
      '/nodes',
      '/persistentvolumeclaims',
      '/persistentvolumes',
      '/resourcequotas',
      '/limitranges',
      '/replicationcontrollers',
      '/podtemplates',
      'apps/deployments',
      'apps/replicasets',
      'apps/statefulsets',
      'apps/daemonsets',
      'apps/controllerrevisions',
      'batch/jobs',
      'batch/cronjobs',
      'autoscaling/horizontalpodautoscalers',
      'events.k8s.io/events',
      'networking.k8s.io/ingresses',
      'networking.k8s.io/ingressclasses',
      'networking.k8s.io/networkpolicies',
      'policy/poddisruptionbudgets',
      'rbac.authorization.k8s.io/roles',
      'rbac.authorization.k8s.io/clusterroles',
      'rbac.authorization.k8s.io/rolebindings',
      'rbac.authorization.k8s.io/clusterrolebindings',
      'storage.k8s.io/storageclasses',
      'storage.k8s.io/csidrivers',
      'scheduling.k8s.io/priorityclasses',
      'node.k8s.io/runtimeclasses',
      'coordination.k8s.io/leases',
      'discovery.k8s.io/endpointslices',
    ]) {
      expect(keys).toContain(k);
    }
  });

  it('gives unknown resources the generic behaviour', () => {
    expect(strategyFor({ group: 'example.com', resource: 'widgets' })).toEqual({});
    expect(strategyFor({ group: '', resource: 'pods' }).returnDeletedObject).toBe(true);
  });
});
