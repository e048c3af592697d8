import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.js';
import './index.js';
import { BEHAVIOR_ANNOTATION, CONDITIONS_ANNOTATION, METRIC_SPECS_ANNOTATION, METRIC_STATUSES_ANNOTATION, hpaV1ToV2, hpaV2ToV1 } from './autoscaling.js';
import { strategyFor } from './register.js';
import { create, info, update } from './testkit.js';
import type { KubeObject } from '../types.js';

const v2 = info({ group: 'autoscaling', version: 'v2', resource: 'horizontalpodautoscalers', kind: 'HorizontalPodAutoscaler' });
const v1 = info({ group: 'autoscaling', version: 'v1', resource: 'horizontalpodautoscalers', kind: 'HorizontalPodAutoscaler' });
const s = strategyFor(v2);
const target = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };

describe('HPA conversion', () => {
  it('maps v1 targetCPUUtilizationPercentage to a v2 cpu Utilization metric', () => {
    const out = s.convert!({ apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'h' }, spec: { scaleTargetRef: target, maxReplicas: 5, targetCPUUtilizationPercentage: 60 } }, 'autoscaling/v2');
    expect(out.spec).toEqual({
      scaleTargetRef: target,
      maxReplicas: 5,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }],
    });
    expect(out.apiVersion).toBe('autoscaling/v2');
  });

  it('gives v1 objects without a target the implicit 80% cpu', () => {
    const out = hpaV1ToV2({ apiVersion: 'autoscaling/v1', metadata: { name: 'h' }, spec: { scaleTargetRef: target, maxReplicas: 3 } });
    expect((out.spec as { metrics: unknown }).metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }]);
  });

  it('keeps what v1 cannot express in annotations and restores it', () => {
    const hpa: KubeObject = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'h', namespace: 'default', annotations: { keep: 'me' } },
      spec: {
        scaleTargetRef: target,
        minReplicas: 2,
        maxReplicas: 10,
        metrics: [
          { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } } },
          { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
          { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '500Mi' } } },
          {
            type: 'External',
            external: { metric: { name: 'queue', selector: { matchLabels: { q: 'jobs' } } }, target: { type: 'Value', value: '30' } },
          },
        ],
        behavior: { scaleDown: { stabilizationWindowSeconds: 60, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } },
      },
      status: {
        currentReplicas: 3,
        desiredReplicas: 4,
        currentMetrics: [
          { type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 55, averageValue: '110m' } } },
          { type: 'Pods', pods: { metric: { name: 'qps' }, current: { averageValue: '12' } } },
        ],
        conditions: [{ type: 'AbleToScale', status: 'True', lastTransitionTime: '2025-01-01T00:00:00Z', reason: 'ReadyForNewScale' }],
      },
    };
    const old = hpaV2ToV1(hpa);
    expect(old.spec).toEqual({ scaleTargetRef: target, minReplicas: 2, maxReplicas: 10, targetCPUUtilizationPercentage: 70 });
    expect(old.status).toEqual({ currentReplicas: 3, desiredReplicas: 4, currentCPUUtilizationPercentage: 55 });
    const ann = old.metadata!.annotations!;
    expect(ann.keep).toBe('me');
    expect(JSON.parse(ann[METRIC_SPECS_ANNOTATION]!)).toEqual([
      { type: 'Pods', pods: { metricName: 'qps', targetAverageValue: '10' } },
      { type: 'Resource', resource: { name: 'memory', targetAverageValue: '500Mi' } },
      { type: 'External', external: { metricName: 'queue', metricSelector: { matchLabels: { q: 'jobs' } }, targetValue: '30' } },
    ]);
    expect(JSON.parse(ann[METRIC_STATUSES_ANNOTATION]!)).toHaveLength(2);
    expect(JSON.parse(ann[CONDITIONS_ANNOTATION]!)).toEqual((hpa.status as { conditions: unknown }).conditions);
    expect(JSON.parse(ann[BEHAVIOR_ANNOTATION]!)).toEqual((hpa.spec as { behavior: unknown }).behavior);

    const back = hpaV1ToV2(old);
    expect(back.metadata).toEqual(hpa.metadata);
    expect(back.status).toEqual(hpa.status);
    // v1 → v2 puts the annotation metrics first and the cpu target last, as kube does.
    const metrics = (hpa.spec as { metrics: unknown[] }).metrics;
    expect((back.spec as { metrics: unknown[] }).metrics).toEqual([metrics[0], metrics[2], metrics[3], metrics[1]]);
    expect((back.spec as { behavior: unknown }).behavior).toEqual((hpa.spec as { behavior: unknown }).behavior);
  });

  it('round-trips a plain cpu HPA both ways', () => {
    const v1obj: KubeObject = {
      apiVersion: 'autoscaling/v1',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'h' },
      spec: { scaleTargetRef: target, minReplicas: 1, maxReplicas: 4, targetCPUUtilizationPercentage: 50 },
      status: { currentReplicas: 1, desiredReplicas: 1, currentCPUUtilizationPercentage: 20 },
    };
    const once = hpaV2ToV1(hpaV1ToV2(v1obj));
    expect(once.spec).toEqual(v1obj.spec);
    expect(once.status).toEqual(v1obj.status);
    // Like kube, the raw cpu status is kept in the current-metrics annotation after a v2 trip…
    expect(JSON.parse(once.metadata!.annotations![METRIC_STATUSES_ANNOTATION]!)).toEqual([
      { type: 'Resource', resource: { name: 'cpu', currentAverageUtilization: 20, currentAverageValue: '0' } },
    ]);
    // …and from then on the round trip is exact.
    expect(hpaV2ToV1(hpaV1ToV2(once))).toEqual(once);
    const v2obj = hpaV1ToV2(v1obj);
    expect(hpaV1ToV2(hpaV2ToV1(v2obj))).toEqual({ ...v2obj, status: { ...(v2obj.status as object), currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageValue: '0', averageUtilization: 20 } } }] } });
  });
});

describe('HPA strategy', () => {
  it('defaults v2 objects (minReplicas, cpu metric, behavior rules)', () => {
    const r = create(v2, { metadata: { name: 'h' }, spec: { scaleTargetRef: target, maxReplicas: 3, behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } } });
    expect(r.errors).toEqual([]);
    expect(r.obj.spec).toEqual({
      scaleTargetRef: target,
      minReplicas: 1,
      maxReplicas: 3,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }],
      behavior: {
        scaleUp: {
          stabilizationWindowSeconds: 0,
          selectPolicy: 'Max',
          policies: [
            { type: 'Pods', value: 4, periodSeconds: 15 },
            { type: 'Percent', value: 100, periodSeconds: 15 },
          ],
        },
        scaleDown: { stabilizationWindowSeconds: 60, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
      },
    });
  });

  it('validates replica bounds', () => {
    expect(create(v2, { metadata: { name: 'h' }, spec: { scaleTargetRef: target, minReplicas: 3, maxReplicas: 2 } }).errors).toEqual([
      'spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`',
    ]);
    expect(create(v2, { metadata: { name: 'h' }, spec: { scaleTargetRef: target, minReplicas: 0, maxReplicas: 2 } }).errors).toEqual([
      'spec.minReplicas: Invalid value: 0: must be greater than or equal to 1',
    ]);
    expect(create(v2, { metadata: { name: 'h' }, spec: { scaleTargetRef: { kind: 'Deployment' }, maxReplicas: 2 } }).errors).toEqual([
      'spec.scaleTargetRef.name: Required value',
    ]);
  });

  it('validates v1 objects in their v2 form', () => {
    expect(create(v1, { metadata: { name: 'h' }, spec: { scaleTargetRef: target, maxReplicas: 2, targetCPUUtilizationPercentage: 0 } }).errors).toEqual([
      'spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0',
    ]);
  });

  it('rejects malformed v1 annotations as a decode error', () => {
    expect(() =>
      create(v1, { metadata: { name: 'h', annotations: { [METRIC_SPECS_ANNOTATION]: '{bad' } }, spec: { scaleTargetRef: target, maxReplicas: 2 } }),
    ).toThrow(ApiError);
  });

  it('validates metric specs', () => {
    const r = create(v2, {
      metadata: { name: 'h' },
      spec: { scaleTargetRef: target, maxReplicas: 2, metrics: [{ type: 'Pods' }, { type: 'Bogus' }, { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization' } } }] },
    });
    expect(r.errors).toEqual([
      'spec.metrics[0].pods: Required value: must populate information for the given metric source',
      'spec.metrics[1].type: Unsupported value: "Bogus": supported values: "Object", "Pods", "Resource", "External", "ContainerResource"',
      'spec.metrics[2].resource.target.averageUtilization: Required value: must set either a target raw value or a target utilization',
    ]);
  });

  it('keeps status on spec updates', () => {
    const old = create(v2, { metadata: { name: 'h' }, spec: { scaleTargetRef: target, maxReplicas: 3 } }).obj;
    old.status = { desiredReplicas: 2 };
    const r = update(v2, { ...structuredClone(old), status: { desiredReplicas: 9 } }, old);
    expect(r.obj.status).toEqual({ desiredReplicas: 2 });
  });
});
