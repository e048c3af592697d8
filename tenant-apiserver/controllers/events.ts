// core/v1 Events from controllers, as client-go's record.EventRecorder writes
// them: named `<object>.<hex unix nanoseconds>`, source.component = the
// controller, count/firstTimestamp/lastTimestamp; an identical event repeated
// bumps count and lastTimestamp on the first one (the EventCorrelator's
// de-duplication). Recording never fails the caller.

import type { Logger } from 'pino';
import type { Registry } from '../api/registry.js';
import type { ResourceStore } from '../api/store.js';
import { rfc3339, type KubeObject, type StoredObject } from '../api/types.js';
import { controllerUser, isNotFound, resource, unpinned } from './common.js';

export type EventType = 'Normal' | 'Warning';

export interface EventRecorder {
  event(obj: StoredObject, type: EventType, reason: string, message: string): void;
  /** Resolves once every event recorded so far has been written (tests). */
  flush(): Promise<void>;
}

const DEDUPE_CACHE = 4096;

let lastNanos = 0n;

/** Unique, increasing nanosecond timestamps (Date has milliseconds only). */
function nanos(nowMs: number): bigint {
  let n = BigInt(nowMs) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
  if (n <= lastNanos) n = lastNanos + 1n;
  lastNanos = n;
  return n;
}

export function eventName(objName: string, nowMs: number): string {
  return `${objName}.${nanos(nowMs).toString(16)}`;
}

export function createEventRecorder(registry: Registry, store: ResourceStore, component: string, log?: Logger, clock: () => number = Date.now): EventRecorder {
  const info = () => resource(registry, '', 'v1', 'events');
  const user = controllerUser(component);
  /** Identical-event key → the stored event's name and count. */
  const seen = new Map<string, { name: string; namespace: string; count: number }>();
  let pending: Promise<void> = Promise.resolve();

  const write = async (obj: StoredObject, type: EventType, reason: string, message: string, now: number): Promise<void> => {
    const ts = rfc3339(new Date(now));
    const namespace = obj.metadata.namespace || 'default';
    const involvedObject = {
      kind: obj.kind,
      namespace: obj.metadata.namespace,
      name: obj.metadata.name,
      uid: obj.metadata.uid,
      apiVersion: obj.apiVersion,
      resourceVersion: obj.metadata.resourceVersion,
    };
    const key = JSON.stringify([component, obj.kind, namespace, obj.metadata.name, obj.metadata.uid, obj.apiVersion, type, reason, message]);
    const prior = seen.get(key);
    if (prior) {
      const count = prior.count + 1;
      try {
        await store.update(
          info(),
          prior.namespace,
          prior.name,
          (cur) => {
            if (!cur) throw Object.assign(new Error('gone'), { gone: true });
            return unpinned({ ...cur, count, lastTimestamp: ts } as KubeObject);
          },
          { user },
        );
        prior.count = count;
        seen.delete(key);
        seen.set(key, prior);
        return;
      } catch (e) {
        if (!(isNotFound(e) || (e as { gone?: boolean }).gone)) throw e;
        seen.delete(key);
      }
    }
    const ev: KubeObject = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: eventName(obj.metadata.name, now), namespace },
      involvedObject,
      reason,
      message,
      source: { component },
      firstTimestamp: ts,
      lastTimestamp: ts,
      count: 1,
      type,
      eventTime: null,
      reportingComponent: component,
      reportingInstance: '',
    };
    const created = await store.create(info(), namespace, ev, { user });
    seen.set(key, { name: created.metadata.name, namespace, count: 1 });
    if (seen.size > DEDUPE_CACHE) seen.delete(seen.keys().next().value as string);
  };

  return {
    event(obj, type, reason, message) {
      // Stamped now, written in order one at a time: a repeat must find the first event written.
      const now = clock();
      pending = pending
        .then(() => write(obj, type, reason, message, now))
        .catch((e) => log?.debug({ err: e, reason, object: obj.metadata.name }, 'event not recorded'));
    },
    flush: () => pending,
  };
}
