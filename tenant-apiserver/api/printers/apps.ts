// apps/v1: deployments, replica sets, stateful sets, daemon sets, controller revisions.

import {
  ageColumn,
  ageOf,
  col,
  containersColumn,
  formatLabelSelector,
  formatLabels,
  imagesColumn,
  int,
  labelSelectorString,
  layoutContainerCells,
  metadata,
  nameColumn,
  nameOf,
  obj,
  objs,
  str,
} from './format.js';
import type { KubeObject, Printer } from './types.js';

/** spec.replicas, defaulted to 1 as apps/v1 defaulting does when it is omitted. */
function desiredReplicas(spec: Record<string, unknown>): number {
  return typeof spec.replicas === 'number' ? int(spec.replicas) : 1;
}

function templateContainers(spec: Record<string, unknown>): [string, string] {
  return layoutContainerCells(obj(obj(spec.template).spec).containers);
}

const selectorColumn = (description: string) => col('Selector', 'string', description, 1);

export const deploymentPrinter: Printer = {
  columns: [
    nameColumn(),
    col('Ready', 'string', 'Number of the pod with ready state'),
    col('Up-to-date', 'string', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'),
    col('Available', 'string', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    selectorColumn('Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.'),
  ],
  cells(o, now) {
    const spec = obj(o.spec);
    const status = obj(o.status);
    const [names, images] = templateContainers(spec);
    // Deployments print the raw selector string: "" (not <none>) when empty.
    const selector = labelSelectorString(spec.selector);
    return [
      nameOf(o),
      `${int(status.readyReplicas)}/${desiredReplicas(spec)}`,
      int(status.updatedReplicas),
      int(status.availableReplicas),
      ageOf(o, now),
      names,
      images,
      selector === null ? '<invalid>' : selector,
    ];
  },
};

export const replicaSetPrinter: Printer = {
  columns: [
    nameColumn(),
    col('Desired', 'integer', 'Replicas is the number of desired replicas.'),
    col('Current', 'integer', 'Replicas is the most recently observed number of replicas.'),
    col('Ready', 'integer', 'The number of ready replicas for this replica set.'),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    selectorColumn('Selector is a label query over pods that should match the replica count.'),
  ],
  cells(o, now) {
    const spec = obj(o.spec);
    const status = obj(o.status);
    const [names, images] = templateContainers(spec);
    return [
      nameOf(o),
      desiredReplicas(spec),
      int(status.replicas),
      int(status.readyReplicas),
      ageOf(o, now),
      names,
      images,
      formatLabelSelector(spec.selector),
    ];
  },
};

export const statefulSetPrinter: Printer = {
  columns: [nameColumn(), col('Ready', 'string', 'Number of the pod with ready state'), ageColumn(), containersColumn(), imagesColumn()],
  cells(o, now) {
    const spec = obj(o.spec);
    const [names, images] = templateContainers(spec);
    return [nameOf(o), `${int(obj(o.status).readyReplicas)}/${desiredReplicas(spec)}`, ageOf(o, now), names, images];
  },
};

export const daemonSetPrinter: Printer = {
  columns: [
    nameColumn(),
    col('Desired', 'integer', 'The total number of nodes that should be running the daemon pod.'),
    col('Current', 'integer', 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.'),
    col('Ready', 'integer', 'Number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.'),
    col('Up-to-date', 'integer', 'The total number of nodes that are running updated daemon pod.'),
    col('Available', 'integer', 'Number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available.'),
    col('Node Selector', 'string', 'Selector which must match a node\'s labels for the pod to be scheduled on that node.'),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    selectorColumn('A label query over pods that are managed by the daemon set.'),
  ],
  cells(o, now) {
    const spec = obj(o.spec);
    const status = obj(o.status);
    const [names, images] = templateContainers(spec);
    return [
      nameOf(o),
      int(status.desiredNumberScheduled),
      int(status.currentNumberScheduled),
      int(status.numberReady),
      int(status.updatedNumberScheduled),
      int(status.numberAvailable),
      formatLabels(obj(obj(spec.template).spec).nodeSelector),
      ageOf(o, now),
      names,
      images,
      formatLabelSelector(spec.selector),
    ];
  },
};

/** "kind.group/name" of the controlling owner, e.g. "daemonset.apps/fluentd"; "<none>" without one. */
export function controllerOf(o: KubeObject): string {
  const ref = objs(metadata(o).ownerReferences).find((r) => r.controller === true);
  if (!ref) return '<none>';
  const apiVersion = str(ref.apiVersion);
  const slash = apiVersion.indexOf('/');
  const group = slash >= 0 ? apiVersion.slice(0, slash) : '';
  const kind = str(ref.kind);
  const name = str(ref.name);
  if (!group && !kind) return name;
  const groupKind = group ? `${kind}.${group}` : kind;
  return `${groupKind.toLowerCase()}/${name}`;
}

export const controllerRevisionPrinter: Printer = {
  columns: [
    nameColumn(),
    col('Controller', 'string', 'Controller of the object'),
    col('Revision', 'string', 'Revision indicates the revision of the state represented by Data.'),
    ageColumn(),
  ],
  cells(o, now) {
    return [nameOf(o), controllerOf(o), int(o.revision), ageOf(o, now)];
  },
};
