// TTL-after-finished controller (pkg/controller/ttlafterfinished): a finished
// Job with spec.ttlSecondsAfterFinished is deleted (foreground, so its pods go
// first) that many seconds after it finished: completionTime, else the time its
// Complete/Failed condition turned True.

import type { Registry, ResourceInfo } from '../api/registry.js';
import type { ResourceStore } from '../api/store.js';
import { num } from '../api/strategies/util.js';
import type { KubeObject } from '../api/types.js';
import { conditions, controllerUser, getOrUndefined, ignoreNotFound, isConflict, resource, spec, splitKey, status } from './common.js';
import { finishedCondition } from './job-util.js';
import type { Controller } from './runtime.js';
import { selfMapper, watchAll } from './watch.js';

/** When a finished Job expires (ms since epoch), or undefined when it has no TTL or is not finished. */
export function jobExpiry(job: KubeObject): number | undefined {
  const ttl = num(spec(job).ttlSecondsAfterFinished);
  if (ttl === undefined) return undefined;
  const done = finishedCondition(conditions(job));
  if (!done) return undefined;
  const ct = status(job).completionTime;
  const finishedAt = typeof ct === 'string' ? Date.parse(ct) : done.lastTransitionTime ? Date.parse(done.lastTransitionTime) : undefined;
  if (finishedAt === undefined || Number.isNaN(finishedAt)) return undefined;
  return finishedAt + ttl * 1000;
}

export function ttlAfterFinishedController(registry: Registry, store: ResourceStore, opts: { clock?: () => number } = {}): Controller {
  const clock = opts.clock ?? Date.now;
  const user = controllerUser('ttl-after-finished-controller');
  const jobs = (): ResourceInfo => resource(registry, 'batch', 'v1', 'jobs');
  return {
    name: 'ttl-after-finished',
    async start(enqueue) {
      return watchAll(store, jobs(), (type, job) => {
        if (type !== 'DELETED' && !job.metadata.deletionTimestamp && jobExpiry(job) !== undefined) selfMapper(enqueue)(type, job);
      });
    },
    async reconcile(key) {
      const { namespace, name } = splitKey(key);
      const job = await getOrUndefined(store, jobs(), namespace, name);
      if (!job || job.metadata.deletionTimestamp) return;
      const at = jobExpiry(job);
      if (at === undefined) return;
      const left = at - clock();
      if (left > 0) return { requeueAfterMs: left };
      try {
        // The preconditions make sure we delete the Job we judged, unchanged (its TTL may just have been extended).
        await ignoreNotFound(
          store.delete(jobs(), namespace, name, { propagationPolicy: 'Foreground', preconditions: { uid: job.metadata.uid, resourceVersion: job.metadata.resourceVersion } }, { user }),
        );
      } catch (e) {
        if (isConflict(e)) return { requeueAfterMs: 10 };
        throw e;
      }
      return;
    },
  };
}
