// autoscaling: HorizontalPodAutoscaler, from either the v2 (metrics) or the
// v1 (targetCPUUtilizationPercentage) wire form.

import { ageColumn, ageOf, col, int, nameColumn, nameOf, obj, objs, optObj, str, type Json } from './format.js';
import type { KubeObject, Printer } from './types.js';

/** A *resource.Quantity printed with String(): nil pointers print "<nil>". */
function qptr(v: unknown): string {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return typeof v === 'string' && v !== '' ? v : '<nil>';
}

function has(v: unknown): boolean {
  return v !== undefined && v !== null;
}

/** v1 objects carry one CPU target; express it the way the v2 metrics list would. */
function metricsOf(hpa: KubeObject): { specs: Json[]; statuses: Json[] } {
  const spec = obj(hpa.spec);
  const status = obj(hpa.status);
  if (Array.isArray(spec.metrics) || !has(spec.targetCPUUtilizationPercentage)) {
    return { specs: objs(spec.metrics), statuses: objs(status.currentMetrics) };
  }
  const specs = [
    {
      type: 'Resource',
      resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: spec.targetCPUUtilizationPercentage } },
    },
  ];
  const statuses = has(status.currentCPUUtilizationPercentage)
    ? [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: status.currentCPUUtilizationPercentage } } }]
    : [];
  return { specs, statuses };
}

/** The TARGETS column: "cpu: 40%/80%, memory: 1Gi/2Gi + 1 more...". Status entries are matched by index, as in kube. */
export function formatHPAMetrics(specs: Json[], statuses: Json[]): string {
  if (specs.length === 0) return '<none>';
  const max = 2;
  const list: string[] = [];
  specs.forEach((spec, i) => {
    const st = statuses[i];
    switch (str(spec.type)) {
      case 'External': {
        const target = obj(obj(spec.external).target);
        const cur = st ? optObj(st.external) : undefined;
        if (has(target.averageValue)) {
          const current = cur && has(obj(cur.current).averageValue) ? qptr(obj(cur.current).averageValue) : '<unknown>';
          list.push(`${current}/${qptr(target.averageValue)} (avg)`);
        } else {
          const current = cur ? qptr(obj(cur.current).value) : '<unknown>';
          list.push(`${current}/${qptr(target.value)}`);
        }
        break;
      }
      case 'Pods': {
        const cur = st ? optObj(st.pods) : undefined;
        const current = cur ? qptr(obj(cur.current).averageValue) : '<unknown>';
        list.push(`${current}/${qptr(obj(obj(spec.pods).target).averageValue)}`);
        break;
      }
      case 'Object': {
        const target = obj(obj(spec.object).target);
        const cur = st ? optObj(st.object) : undefined;
        if (has(target.averageValue)) {
          const current = cur && has(obj(cur.current).averageValue) ? qptr(obj(cur.current).averageValue) : '<unknown>';
          list.push(`${current}/${qptr(target.averageValue)} (avg)`);
        } else {
          const current = cur ? qptr(obj(cur.current).value) : '<unknown>';
          list.push(`${current}/${qptr(target.value)}`);
        }
        break;
      }
      case 'Resource':
      case 'ContainerResource': {
        const field = str(spec.type) === 'Resource' ? 'resource' : 'containerResource';
        const src = obj(spec[field]);
        const target = obj(src.target);
        const cur = st ? optObj(st[field]) : undefined;
        const name = str(src.name);
        if (has(target.averageValue)) {
          const current = cur ? qptr(obj(cur.current).averageValue) : '<unknown>';
          list.push(`${name}: ${current}/${qptr(target.averageValue)}`);
        } else {
          const curUtil = cur ? obj(cur.current).averageUtilization : undefined;
          const current = has(curUtil) ? `${int(curUtil)}%` : '<unknown>';
          const targetText = has(target.averageUtilization) ? `${int(target.averageUtilization)}%` : '<auto>';
          list.push(`${name}: ${current}/${targetText}`);
        }
        break;
      }
      default:
        list.push('<unknown type>');
    }
  });
  if (list.length > max) return `${list.slice(0, max).join(', ')} + ${list.length - max} more...`;
  return list.join(', ');
}

export const horizontalPodAutoscalerPrinter: Printer = {
  columns: [
    nameColumn(),
    col('Reference', 'string', 'Reference to the scaled resource.'),
    col('Targets', 'string', 'The metrics used to calculate the desired replica count.'),
    col('MinPods', 'string', 'Lower limit for the number of pods.'),
    col('MaxPods', 'string', 'Upper limit for the number of pods.'),
    col('Replicas', 'string', 'Current number of replicas of pods managed by this autoscaler.'),
    ageColumn(),
  ],
  cells(hpa, now) {
    const spec = obj(hpa.spec);
    const ref = obj(spec.scaleTargetRef);
    const { specs, statuses } = metricsOf(hpa);
    return [
      nameOf(hpa),
      `${str(ref.kind)}/${str(ref.name)}`,
      formatHPAMetrics(specs, statuses),
      typeof spec.minReplicas === 'number' ? String(int(spec.minReplicas)) : '<unset>',
      int(spec.maxReplicas),
      int(obj(hpa.status).currentReplicas),
      ageOf(hpa, now),
    ];
  },
};
