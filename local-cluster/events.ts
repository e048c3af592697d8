// Events as kube components record them (client-go's legacy recorder): a core
// v1 Event named `<object>.<hex nanoseconds>` in the object's namespace, and a
// repeat of the same reason and message bumps `count` and `lastTimestamp` on
// the existing event instead of adding one (the recorder's correlator).
// Recording is best effort: a failure is logged, never the caller's problem.

import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import type { ResourceInfo } from '../tenant-apiserver/api/registry.js';
import type { ResourceStore } from '../tenant-apiserver/api/store.js';
import { rfc3339, type KubeObject, type UserInfo } from '../tenant-apiserver/api/types.js';
import { isCode } from './util.js';

export interface EventSource {
  component: string;
  /** The node, for kubelet events. */
  host?: string;
}

export interface Recorder {
  record(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string, fieldPath?: string): Promise<void>;
}

export function eventName(objectName: string, now: Date, seq: number): string {
  // Nanoseconds since the epoch in hex, like the recorder's; seq keeps names unique within a millisecond.
  const ns = BigInt(now.getTime()) * 1_000_000n + BigInt(seq % 1_000_000);
  return `${objectName}.${ns.toString(16)}`;
}

export function createRecorder(store: ResourceStore, events: ResourceInfo, source: EventSource, user: UserInfo, log: Logger): Recorder {
  const seen = new LRUCache<string, { name: string; count: number }>({ max: 4096 });
  let seq = 0;
  return {
    async record(obj, type, reason, message, fieldPath) {
      const meta = obj.metadata ?? {};
      const namespace = meta.namespace || 'default';
      const key = [meta.uid, reason, type, message, fieldPath ?? ''].join('\u0000');
      const now = new Date();
      const ts = rfc3339(now);
      try {
        const prev = seen.get(key);
        if (prev) {
          const count = prev.count + 1;
          const r = await store
            .update(events, namespace, prev.name, (cur) => {
              if (!cur) throw Object.assign(new Error('gone'), { gone: true });
              return { ...cur, count, lastTimestamp: ts };
            }, { user })
            .catch((e: unknown) => {
              if ((e as { gone?: boolean }).gone || isCode(e, 404)) return undefined;
              throw e;
            });
          if (r) {
            seen.set(key, { name: prev.name, count });
            return;
          }
        }
        const name = eventName(String(meta.name ?? 'unknown'), now, seq++);
        const involvedObject: Record<string, unknown> = {
          kind: obj.kind,
          namespace: meta.namespace,
          name: meta.name,
          uid: meta.uid,
          apiVersion: obj.apiVersion,
          resourceVersion: meta.resourceVersion,
        };
        if (fieldPath) involvedObject.fieldPath = fieldPath;
        await store.create(
          events,
          namespace,
          {
            metadata: { name, namespace },
            involvedObject,
            reason,
            message,
            source: { component: source.component, ...(source.host ? { host: source.host } : {}) },
            firstTimestamp: ts,
            lastTimestamp: ts,
            count: 1,
            type,
            eventTime: null,
            reportingComponent: source.component,
            reportingInstance: source.host ?? source.component,
          },
          { user },
        );
        seen.set(key, { name, count: 1 });
      } catch (e) {
        log.debug({ err: e, reason, object: meta.name }, 'event not recorded');
      }
    },
  };
}
