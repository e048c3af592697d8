// Events, upward: what the super cluster reports about a synced pod, service
// or claim (scheduling, image pulls, probes, kills) is copied into the tenant
// namespace, about the tenant object: same event name (super and tenant
// namespaces map one to one), involved object re-pointed at the tenant's
// namespace and UID, super namespace names in the message replaced.

import { ANN_OBJECT_UID } from '../mapping.js';
import { asObj, str, uidOf, type KubeObject, type Obj } from '../types.js';
import type { Plan, SyncContext } from '../engine/kind.js';

/** Involved-object kinds whose events are copied, and their plural. */
export const EVENT_KINDS: Record<string, string> = { Pod: 'pods', Service: 'services', PersistentVolumeClaim: 'persistentvolumeclaims' };

const COPIED = ['reason', 'type', 'source', 'count', 'firstTimestamp', 'lastTimestamp', 'eventTime', 'series', 'action', 'reportingComponent', 'reportingInstance'];

function replaceAll(s: string, from: string, to: string): string {
  return from ? s.split(from).join(to) : s;
}

/** The tenant copy of a super event about a synced object (undefined when it is about nothing of the tenant's). */
export function tenantEvent(ctx: SyncContext, tenantNamespace: string, superEvent: KubeObject): KubeObject | undefined {
  const superNs = ctx.superNamespace(tenantNamespace);
  const io = asObj(superEvent.involvedObject) ?? {};
  const plural = EVENT_KINDS[str(io.kind)];
  if (!plural || str(io.namespace) !== superNs) return undefined;
  const name = str(io.name);
  const superObj = ctx.view.superGet(plural, superNs, name);
  if (!superObj || (str(io.uid) && uidOf(superObj) !== str(io.uid))) return undefined;
  const tenantObj = ctx.view.tenantGet(plural, tenantNamespace, name);
  if (!tenantObj || uidOf(tenantObj) !== superObj.metadata?.annotations?.[ANN_OBJECT_UID]) return undefined;
  const involved: Obj = { kind: io.kind, apiVersion: io.apiVersion, namespace: tenantNamespace, name, uid: uidOf(tenantObj) };
  if (io.fieldPath !== undefined) involved.fieldPath = io.fieldPath;
  const out: KubeObject = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: superEvent.metadata?.name, namespace: tenantNamespace },
    involvedObject: involved,
    message: replaceAll(str(superEvent.message), `${superNs}/`, `${tenantNamespace}/`),
  };
  for (const f of COPIED) if (superEvent[f] !== undefined && superEvent[f] !== null) out[f] = superEvent[f];
  return out;
}

export function planEvent(ctx: SyncContext, tenantNamespace: string, name: string): Plan {
  const ev = ctx.view.superEvent(ctx.superNamespace(tenantNamespace), name);
  if (!ev) return { needs: [], actions: [] };
  const event = tenantEvent(ctx, tenantNamespace, ev);
  if (!event) return { needs: [], actions: [] };
  return { needs: [], actions: [{ op: 'tenant-event', event, source: { uid: uidOf(ev), resourceVersion: ev.metadata?.resourceVersion ?? '', namespace: ev.metadata?.namespace ?? '', name: ev.metadata?.name ?? '' } }] };
}
