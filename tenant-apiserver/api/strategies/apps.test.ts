import { describe, expect, it } from 'vitest';
import './index.js';
import { DAEMONSET_TEMPLATE_GENERATION_ANNOTATION } from './apps.js';
import { strategyFor } from './register.js';
import { create, info, update } from './testkit.js';
import type { KubeObject } from '../types.js';

const deployments = info({ group: 'apps', resource: 'deployments', kind: 'Deployment' });
const replicasets = info({ group: 'apps', resource: 'replicasets', kind: 'ReplicaSet' });
const statefulsets = info({ group: 'apps', resource: 'statefulsets', kind: 'StatefulSet' });
const daemonsets = info({ group: 'apps', resource: 'daemonsets', kind: 'DaemonSet' });

function workload(spec: Record<string, unknown> = {}, labels: Record<string, string> = { app: 'web' }): KubeObject {
  return {
    metadata: { name: 'web' },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } },
      ...spec,
    },
  };
}

describe('deployments', () => {
  it('apply apps/v1 defaults and default the pod template', () => {
    const r = create(deployments, workload());
    expect(r.errors).toEqual([]);
    expect(r.obj.spec).toMatchObject({
      replicas: 1,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      template: { spec: { restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', terminationGracePeriodSeconds: 30, schedulerName: 'default-scheduler', securityContext: {} } },
    });
    expect((r.obj.spec as { template: { spec: Record<string, unknown> } }).template.spec.enableServiceLinks).toBeUndefined();
    expect(r.obj.status).toEqual({});
  });

  it('require a selector that matches the template labels', () => {
    const noSel = workload();
    delete (noSel.spec as Record<string, unknown>).selector;
    expect(create(deployments, noSel).errors).toEqual([
      'spec.selector: Required value',
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`',
    ]);
    expect(create(deployments, workload({}, { app: 'other', tier: 'x' })).errors).toEqual([
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"other", "tier":"x"}: `selector` does not match template `labels`',
    ]);
    expect(create(deployments, workload({ selector: {} })).errors).toEqual([
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment',
    ]);
  });

  it('require restartPolicy Always in the template', () => {
    const w = workload();
    ((w.spec as Record<string, Record<string, Record<string, unknown>>>).template!.spec!).restartPolicy = 'Never';
    expect(create(deployments, w).errors).toEqual(['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"']);
  });

  it('validate the rollout strategy', () => {
    expect(create(deployments, workload({ strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } } })).errors).toEqual([
      'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:0, IntVal:0, StrVal:""}: may not be 0 when `maxSurge` is 0',
    ]);
    expect(create(deployments, workload({ strategy: { type: 'Recreate', rollingUpdate: {} } })).errors).toEqual([
      "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'",
    ]);
    expect(create(deployments, workload({ progressDeadlineSeconds: 5, minReadySeconds: 10 })).errors).toEqual([
      'spec.progressDeadlineSeconds: Invalid value: 5: must be greater than minReadySeconds',
    ]);
  });

  it('keep the selector immutable', () => {
    const old = create(deployments, workload()).obj;
    const next = workload({ selector: { matchLabels: { app: 'web', v: '2' } } }, { app: 'web', v: '2' });
    expect(update(deployments, next, old).errors).toEqual([
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web", "v":"2"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
    ]);
  });

  it('bump the generation on annotation changes too', () => {
    const old = create(deployments, workload()).obj;
    old.metadata!.generation = 3;
    const next = structuredClone(old);
    next.metadata!.annotations = { 'deployment.kubernetes.io/revision': '2' };
    expect(update(deployments, next, old).obj.metadata!.generation).toBe(4);
  });

  it('check status counters on status writes', () => {
    const old = create(deployments, workload()).obj;
    const r = update(deployments, { ...structuredClone(old), status: { replicas: 1, readyReplicas: 2 } }, old, { subresource: 'status' });
    expect(r.errors).toEqual([
      'status.readyReplicas: Invalid value: 2: cannot be greater than status.replicas',
    ]);
  });
});

describe('replicasets', () => {
  it('default replicas and use kube\'s (deployment) empty-selector wording', () => {
    expect(create(replicasets, workload()).obj.spec).toMatchObject({ replicas: 1 });
    expect(create(replicasets, workload()).obj.status).toEqual({ replicas: 0 });
    expect(create(replicasets, workload({ selector: { matchLabels: {} } })).errors[0]).toMatch(/: empty selector is invalid for deployment$/);
    expect(strategyFor(replicasets).selectableFields!({ status: { replicas: 3 } })).toEqual({ 'status.replicas': '3' });
  });
});

describe('statefulsets', () => {
  it('default policies, update strategy, retention and claim templates', () => {
    const r = create(statefulsets, workload({ serviceName: 'web', volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'] } }] }));
    expect(r.errors).toEqual([]);
    expect(r.obj.spec).toMatchObject({
      replicas: 1,
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
      revisionHistoryLimit: 10,
      volumeClaimTemplates: [
        { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], volumeMode: 'Filesystem' }, status: { phase: 'Pending' } },
      ],
    });
    expect(strategyFor(statefulsets).nameRule).toBe('label');
  });

  it('allow only the listed spec fields to change', () => {
    const old = create(statefulsets, workload({ serviceName: 'web' })).obj;
    const ok = structuredClone(old);
    (ok.spec as Record<string, unknown>).replicas = 3;
    expect(update(statefulsets, ok, old).errors).toEqual([]);
    const bad = structuredClone(old);
    (bad.spec as Record<string, unknown>).serviceName = 'other';
    expect(update(statefulsets, bad, old).errors).toEqual([
      "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    ]);
  });

  it('validate podManagementPolicy', () => {
    expect(create(statefulsets, workload({ podManagementPolicy: 'Random' })).errors).toEqual([
      "spec.podManagementPolicy: Invalid value: \"Random\": must be 'OrderedReady' or 'Parallel'",
    ]);
  });
});

describe('daemonsets', () => {
  it('default the rolling update and stamp the template generation', () => {
    const r = create(daemonsets, workload());
    expect(r.errors).toEqual([]);
    expect(r.obj.spec).toMatchObject({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } }, revisionHistoryLimit: 10 });
    expect(r.obj.metadata!.annotations).toEqual({ [DAEMONSET_TEMPLATE_GENERATION_ANNOTATION]: '1' });
    expect(r.obj.status).toEqual({ currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 });
  });

  it('advance the template generation only when the template changes', () => {
    const old = create(daemonsets, workload()).obj;
    expect(update(daemonsets, structuredClone(old), old).obj.metadata!.annotations![DAEMONSET_TEMPLATE_GENERATION_ANNOTATION]).toBe('1');
    const next = structuredClone(old);
    ((next.spec as Record<string, Record<string, Record<string, { image: string }[]>>>).template!.spec!.containers![0]!).image = 'nginx:1.28';
    expect(update(daemonsets, next, old).obj.metadata!.annotations![DAEMONSET_TEMPLATE_GENERATION_ANNOTATION]).toBe('2');
  });

  it('report a missing selector only as a mismatch, as kube does', () => {
    const w = workload();
    delete (w.spec as Record<string, unknown>).selector;
    expect(create(daemonsets, w).errors).toEqual([
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`',
    ]);
  });

  it('allow surge or unavailability, not both', () => {
    expect(create(daemonsets, workload({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } } })).errors).toEqual([
      'spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:0, IntVal:1, StrVal:""}: may not be set when maxUnavailable is non-zero',
    ]);
  });
});
