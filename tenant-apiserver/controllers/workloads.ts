// The built-in workload controllers and the garbage collector, by the names
// kube-controller-manager's --controllers flag uses, constructed together so
// the API server registers them in one place.

import type { Logger } from 'pino';
import type { Registry } from '../api/registry.js';
import type { ResourceStore } from '../api/store.js';
import { cronJobController } from './cronjob.js';
import { daemonSetController } from './daemonset.js';
import { deploymentController } from './deployment.js';
import { garbageCollectorController } from './gc.js';
import { jobController } from './job.js';
import { replicaSetController } from './replicaset.js';
import type { Controller } from './runtime.js';
import { statefulSetController } from './statefulset.js';
import { ttlAfterFinishedController } from './ttl-after-finished.js';

export const WORKLOAD_CONTROLLERS = [
  'garbagecollector',
  'deployment',
  'replicaset',
  'replicationcontroller',
  'statefulset',
  'daemonset',
  'job',
  'cronjob',
  'ttl-after-finished',
] as const;

export function workloadControllers(registry: Registry, store: ResourceStore, enabled: Set<string>, log?: Logger): Controller[] {
  const opts = { log };
  const out: Controller[] = [];
  const on = (n: (typeof WORKLOAD_CONTROLLERS)[number]) => enabled.has(n);
  if (on('garbagecollector')) out.push(garbageCollectorController(registry, store, opts));
  if (on('deployment')) out.push(deploymentController(registry, store, opts));
  if (on('replicaset')) out.push(replicaSetController(registry, store, 'ReplicaSet', opts));
  if (on('replicationcontroller')) out.push(replicaSetController(registry, store, 'ReplicationController', opts));
  if (on('statefulset')) out.push(statefulSetController(registry, store, opts));
  if (on('daemonset')) out.push(daemonSetController(registry, store, opts));
  if (on('job')) out.push(jobController(registry, store, opts));
  if (on('cronjob')) out.push(cronJobController(registry, store, opts));
  if (on('ttl-after-finished')) out.push(ttlAfterFinishedController(registry, store));
  return out;
}
