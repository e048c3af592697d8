// Pods: the kind the rest exists for.
// Down (toSuper):
// - checked against the tenant's policy first (policy/sandbox.ts): a pod
//   breaking it is not created, and gets a PolicyViolation Warning;
// - runtimeClassName is the tenant's if the policy allows it, else the
//   policy's default (Kata); the node pool's selector is forced on;
// - nodeName: cleared; when it names one of the tenant's virtual nodes the
//   pod is pinned there by node affinity (the super scheduler still checks
//   taints and room); any other value is refused with a Warning;
// - no super credentials: automountServiceAccountToken false, the super
//   namespace's `default` account, projected token volumes (and volumes of
//   token secrets) dropped along with their mounts;
// - fields that name super-cluster policy objects the tenant cannot see
//   (priority classes, scheduler, overhead) are left to the super's defaults;
// - service env vars computed from the tenant's services, service links off;
// - secrets, config maps and claims the pod uses are synced first.
// Only a pod's mutable fields (images, activeDeadlineSeconds, added
// tolerations) are compared and updated afterwards.
// Up (backToTenant): the tenant pod is bound to the super pod's node (a
// virtual node made first) and shows the super pod's status.
// Deletion: the super pod is deleted with the tenant's grace period; once it
// is gone the syncer finishes the tenant pod (grace 0), the kubelet's part.
// A pod that ran and whose super copy vanished out of band shows as Failed
// (Evicted) in the tenant.

import { checkObject } from '../../policy/sandbox.js';
import { LABEL_VIRTUAL_NODE } from '../mapping.js';
import { CORE, asArr, asObj, clone, isDeleting, objs, semanticEqual, str, uidOf, type KubeObject, type Obj } from '../types.js';
import type { Action, Deferral, Key, KindSync, Refusal, SyncContext } from '../engine/kind.js';
import { isServiceAccountToken } from './secrets.js';
import { serviceEnvFor, withServiceEnv } from './pod-env.js';
import { tenantClusterIP } from './services.js';

const POD = CORE('pods', 'Pod');
const CONTAINER_LISTS = ['initContainers', 'containers'] as const;
/**
 * How long a new pod waits for the cluster IPs of services created just before
 * it (the super allocates them; the env vars need them). A kubelet starts a
 * pod seconds after its service exists; the syncer would otherwise race the
 * allocation by milliseconds. A super that never allocates costs this much.
 */
export const SERVICE_IP_WAIT_MS = 10_000;
const SERVICE_IP_RETRY_MS = 250;
/** Spec fields naming super-cluster policy objects; the super's admission fills them in. */
const SUPER_POLICY_FIELDS = ['priority', 'priorityClassName', 'preemptionPolicy', 'overhead', 'schedulerName'];

function specOf(o: KubeObject): Obj {
  return asObj(o.spec) ?? {};
}

function statusOf(o: KubeObject): Obj {
  return asObj(o.status) ?? {};
}

/** Names of the secrets, config maps and claims a pod spec refers to. */
export function podReferences(spec: Obj): { secrets: string[]; configmaps: string[]; claims: string[] } {
  const secrets = new Set<string>();
  const configmaps = new Set<string>();
  const claims = new Set<string>();
  for (const v of objs(spec.volumes)) {
    const s = str(asObj(v.secret)?.secretName);
    if (s) secrets.add(s);
    const c = str(asObj(v.configMap)?.name);
    if (c) configmaps.add(c);
    const p = str(asObj(v.persistentVolumeClaim)?.claimName);
    if (p) claims.add(p);
    for (const src of objs(asObj(v.projected)?.sources)) {
      const ps = str(asObj(src.secret)?.name);
      if (ps) secrets.add(ps);
      const pc = str(asObj(src.configMap)?.name);
      if (pc) configmaps.add(pc);
    }
  }
  for (const list of [...CONTAINER_LISTS, 'ephemeralContainers']) {
    for (const c of objs(spec[list])) {
      for (const e of objs(c.env)) {
        const from = asObj(e.valueFrom);
        const s = str(asObj(from?.secretKeyRef)?.name);
        if (s) secrets.add(s);
        const cm = str(asObj(from?.configMapKeyRef)?.name);
        if (cm) configmaps.add(cm);
      }
      for (const ef of objs(c.envFrom)) {
        const s = str(asObj(ef.secretRef)?.name);
        if (s) secrets.add(s);
        const cm = str(asObj(ef.configMapRef)?.name);
        if (cm) configmaps.add(cm);
      }
    }
  }
  for (const ps of objs(spec.imagePullSecrets)) if (str(ps.name)) secrets.add(str(ps.name));
  return { secrets: [...secrets].sort(), configmaps: [...configmaps].sort(), claims: [...claims].sort() };
}

/** Volumes that would carry credentials for the tenant's API server (or, in super, the super's). */
function tokenVolumes(spec: Obj, ns: string, ctx: SyncContext): Set<string> {
  const out = new Set<string>();
  for (const v of objs(spec.volumes)) {
    const projected = objs(asObj(v.projected)?.sources);
    if (projected.some((s) => s.serviceAccountToken !== undefined)) out.add(str(v.name));
    const secret = str(asObj(v.secret)?.secretName);
    if (secret && isServiceAccountToken(ctx.view.tenantGet('secrets', ns, secret))) out.add(str(v.name));
  }
  return out;
}

function dropVolumes(spec: Obj, names: Set<string>): void {
  if (names.size === 0) return;
  spec.volumes = objs(spec.volumes).filter((v) => !names.has(str(v.name)));
  for (const list of CONTAINER_LISTS) {
    for (const c of objs(spec[list])) {
      if (c.volumeMounts !== undefined) c.volumeMounts = objs(c.volumeMounts).filter((m) => !names.has(str(m.name)));
      if (c.volumeDevices !== undefined) c.volumeDevices = objs(c.volumeDevices).filter((m) => !names.has(str(m.name)));
    }
  }
}

/**
 * Whether a tenant may pin a pod to this node: one of its virtual nodes, that
 * is, a super node running some of its pods (the label alone could be forged
 * on a tenant-made Node).
 */
export function isUsableVirtualNode(ctx: SyncContext, name: string): boolean {
  const node = ctx.view.tenantGet('nodes', '', name);
  return node?.metadata?.labels?.[LABEL_VIRTUAL_NODE] === 'true' && ctx.view.superNode(name) !== undefined && ctx.view.superPodCountOnNode(name) > 0;
}

/**
 * Pin to a node through required node affinity on its name, as the DaemonSet
 * controller does, rather than spec.nodeName: the super scheduler still checks
 * taints and resources. The name requirement is added to every existing
 * required term (terms are ORed), so the tenant's own constraints still hold.
 */
export function pinToNode(spec: Obj, node: string): void {
  const field = { key: 'metadata.name', operator: 'In', values: [node] };
  const affinity = (spec.affinity = asObj(spec.affinity) ?? {});
  const nodeAffinity = (affinity.nodeAffinity = asObj(affinity.nodeAffinity) ?? {});
  const required = (nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution = asObj(nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution) ?? {});
  const terms = objs(required.nodeSelectorTerms);
  if (terms.length === 0) terms.push({});
  for (const t of terms) t.matchFields = [...objs(t.matchFields).filter((f) => f.key !== 'metadata.name'), field];
  required.nodeSelectorTerms = terms;
}

export function podToSuper(pod: KubeObject, ctx: SyncContext): KubeObject | Refusal | Deferral {
  const ns = pod.metadata?.namespace ?? '';
  const spec = clone(specOf(pod));
  const nodeName = str(spec.nodeName);
  delete spec.nodeName;
  if (nodeName) {
    if (!isUsableVirtualNode(ctx, nodeName)) {
      return {
        refused: {
          reason: 'InvalidNodeName',
          message: `spec.nodeName ${JSON.stringify(nodeName)} is not a node of this cluster; leave nodeName empty to have the pod scheduled, or name one of the nodes "kubectl get nodes" lists`,
        },
      };
    }
    pinToNode(spec, nodeName);
  }
  const wanted = str(spec.runtimeClassName);
  spec.runtimeClassName = wanted && ctx.policy.runtimeClasses.allowed.includes(wanted) ? wanted : ctx.policy.runtimeClasses.default;
  // The pool's labels win over the tenant's (the policy check refused contradicting ones already).
  const pool = ctx.policy.nodePool.nodeSelector;
  if (Object.keys(pool).length > 0) spec.nodeSelector = { ...(asObj(spec.nodeSelector) ?? {}), ...pool };
  spec.serviceAccountName = 'default';
  delete spec.serviceAccount;
  spec.automountServiceAccountToken = false;
  for (const f of SUPER_POLICY_FIELDS) delete spec[f];
  // Ephemeral containers can only be added through their subresource, never on create.
  delete spec.ephemeralContainers;
  dropVolumes(spec, tokenVolumes(spec, ns, ctx));
  if (spec.enableServiceLinks !== false) {
    const superNs = ctx.superNamespace(ns);
    const services = ctx.view.tenantList('services', ns);
    const ipOf = (svc: KubeObject): string => {
      const ip = tenantClusterIP(svc);
      if (ip) return ip;
      return str(asObj(ctx.view.superGet('services', superNs, svc.metadata?.name ?? '')?.spec)?.clusterIP);
    };
    const waiting = services.filter((svc) => {
      if (ipOf(svc) || str(asObj(svc.spec)?.type) === 'ExternalName') return false;
      const created = Date.parse(svc.metadata?.creationTimestamp ?? '');
      return Number.isFinite(created) && ctx.now() - created < SERVICE_IP_WAIT_MS;
    });
    if (!spec.nodeName && waiting.length > 0 && !isDeleting(pod)) {
      return { deferred: { message: `waiting for the cluster IP of service ${waiting[0]!.metadata?.name}`, retryAfterMs: SERVICE_IP_RETRY_MS } };
    }
    const vars = serviceEnvFor(services, ipOf);
    for (const list of CONTAINER_LISTS) for (const c of objs(spec[list])) withServiceEnv(c, vars);
  }
  spec.enableServiceLinks = false;
  return { spec };
}

/** What may change on a running pod, in a comparable shape. */
function mutablePart(spec: Obj): Obj {
  return {
    images: CONTAINER_LISTS.map((l) => objs(spec[l]).map((c) => str(c.image))),
    activeDeadlineSeconds: spec.activeDeadlineSeconds,
  };
}

const tolerationKey = (t: unknown): string => JSON.stringify(t);

/** Tolerations the super pod lacks (the super's admission may have added others: those stay). */
function missingTolerations(desired: Obj, actual: Obj): unknown[] {
  const have = new Set(asArr(actual.tolerations).map(tolerationKey));
  return asArr(desired.tolerations).filter((t) => !have.has(tolerationKey(t)));
}

export function podsEqual(desired: KubeObject, superObj: KubeObject): boolean {
  const d = specOf(desired);
  const s = specOf(superObj);
  return semanticEqual(mutablePart(d), mutablePart(s)) && missingTolerations(d, s).length === 0;
}

export function podsMerge(desired: KubeObject, superObj: KubeObject): KubeObject {
  const out = clone(superObj);
  const d = specOf(desired);
  const s = (out.spec = clone(specOf(superObj)));
  for (const l of CONTAINER_LISTS) {
    const want = objs(d[l]);
    objs(s[l]).forEach((c, i) => {
      if (want[i]) c.image = want[i]!.image;
    });
  }
  if (d.activeDeadlineSeconds === undefined) delete s.activeDeadlineSeconds;
  else s.activeDeadlineSeconds = d.activeDeadlineSeconds;
  const add = missingTolerations(d, s);
  if (add.length > 0) s.tolerations = [...asArr(s.tolerations), ...add];
  return out;
}

/** The tenant pod's status mirroring the super pod's (the tenant keeps its own QoS class: same spec, same class). */
export function tenantPodStatus(superPod: KubeObject, tenantPod: KubeObject): Obj {
  const status = clone(statusOf(superPod));
  const qos = statusOf(tenantPod).qosClass;
  if (qos !== undefined) status.qosClass = qos;
  return status;
}

/**
 * How long the status of a pod just bound on the super cluster is held back. Its kubelet reports
 * it started moments later, and one tenant status write carrying scheduled and running replaces
 * two (of the syncer's upward writes per pod, this one was pure overhead; the tenant sees the node
 * at once through the binding). lastTransitionTime has second precision, so the hold lasts
 * between 1 and 2 s; after it the scheduled status is written anyway (a slow image pull shows).
 */
export const SCHEDULED_STATUS_HOLD_MS = 2000;

/** Ms the status write may still wait: the super pod is bound and no container has been reported yet. */
function holdScheduledStatus(superPod: KubeObject, tenantPod: KubeObject, now: number): number {
  const st = statusOf(superPod);
  if (st.phase !== 'Pending' || !str(specOf(superPod).nodeName) || st.containerStatuses !== undefined || st.initContainerStatuses !== undefined) return 0;
  // Only a tenant pod that never ran: anything it shows now stays true until then.
  if (ran(tenantPod) || terminal(tenantPod)) return 0;
  const scheduled = objs(st.conditions).find((c) => c.type === 'PodScheduled' && c.status === 'True');
  const since = Date.parse(str(scheduled?.lastTransitionTime));
  if (!Number.isFinite(since)) return 0;
  return Math.max(0, since + SCHEDULED_STATUS_HOLD_MS - now);
}

function ran(pod: KubeObject): boolean {
  const st = statusOf(pod);
  return !!str(st.startTime) || !!str(st.hostIP) || !!str(st.podIP) || st.phase === 'Running';
}

function terminal(pod: KubeObject): boolean {
  const phase = statusOf(pod).phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** The status a pod gets when its super copy vanished while it ran: Failed, Evicted, containers terminated. */
export function vanishedStatus(pod: KubeObject, now = new Date()): Obj {
  const ts = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const st = clone(statusOf(pod));
  st.phase = 'Failed';
  st.reason = 'Evicted';
  st.message = 'The pod was removed from the node it ran on and will not be restarted.';
  for (const key of ['containerStatuses', 'initContainerStatuses']) {
    for (const cs of objs(st[key])) {
      const state = asObj(cs.state) ?? {};
      if (state.terminated) continue;
      const startedAt = str(asObj(state.running)?.startedAt) || undefined;
      cs.lastState = asObj(cs.lastState) ?? {};
      cs.state = { terminated: { exitCode: 137, reason: 'ContainerStatusUnknown', message: 'The container could not be located when the pod was terminated', startedAt, finishedAt: ts } };
      cs.ready = false;
      cs.started = false;
    }
  }
  for (const c of objs(st.conditions)) {
    if ((c.type === 'Ready' || c.type === 'ContainersReady') && c.status !== 'False') {
      c.status = 'False';
      c.reason = 'PodFailed';
      c.lastTransitionTime = ts;
    }
  }
  return st;
}

export const pods: KindSync = {
  ref: POD,
  fields: ['spec'],
  toSuper: podToSuper,
  // nodeName is checked against the tenant's usable virtual nodes (the same test pinning uses).
  check: (pod, ctx) => checkObject(ctx.policy, '', 'pods', pod, { virtualNodes: { has: (n) => isUsableVirtualNode(ctx, n) } }),
  equal: podsEqual,
  merge: podsMerge,

  dependencies(pod, ctx) {
    const ns = pod.metadata?.namespace ?? '';
    const refs = podReferences(specOf(pod));
    const skip = tokenVolumes(specOf(pod), ns, ctx);
    const secretsUsed = refs.secrets.filter((s) => !objs(specOf(pod).volumes).some((v) => skip.has(str(v.name)) && str(asObj(v.secret)?.secretName) === s));
    const keys: Key[] = [];
    for (const name of secretsUsed) keys.push({ kind: 'secrets', namespace: ns, name });
    for (const name of refs.configmaps) keys.push({ kind: 'configmaps', namespace: ns, name });
    for (const name of refs.claims) keys.push({ kind: 'persistentvolumeclaims', namespace: ns, name });
    return keys;
  },

  deletionGrace: (pod) => pod.metadata?.deletionGracePeriodSeconds,

  absentInSuper(pod, ctx) {
    const ns = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    const confirmAbsent = { side: 'super' as const, ref: POD, namespace: ctx.superNamespace(ns), name };
    if (isDeleting(pod)) {
      // The super pod is gone (or never was): nothing runs this pod any more, so its deletion completes now.
      return [{ op: 'delete-tenant', ref: POD, namespace: ns, name, uid: uidOf(pod), gracePeriodSeconds: 0, confirmAbsent, why: 'super pod gone' }];
    }
    if (terminal(pod)) return [];
    if (ran(pod)) {
      return [{ op: 'update-tenant', ref: POD, object: { ...clone(pod), status: vanishedStatus(pod) }, subresource: 'status', confirmAbsent, why: 'super pod vanished' }];
    }
    return undefined;
  },

  backToTenant(superPod, tenantPod, ctx) {
    const actions: Action[] = [];
    const needs: Key[] = [];
    const ns = tenantPod.metadata?.namespace ?? '';
    const name = tenantPod.metadata?.name ?? '';
    // Status first: it is written against the pod's resourceVersion, which a binding would move.
    const status = tenantPodStatus(superPod, tenantPod);
    let requeueAfterMs: number | undefined;
    if (superPod.status !== undefined && !semanticEqual(status, tenantPod.status)) {
      const hold = isDeleting(tenantPod) ? 0 : holdScheduledStatus(superPod, tenantPod, ctx.now());
      if (hold > 0) requeueAfterMs = hold;
      else actions.push({ op: 'update-tenant', ref: POD, object: { ...clone(tenantPod), status }, subresource: 'status' });
    }
    const node = str(specOf(superPod).nodeName);
    if (node && !str(specOf(tenantPod).nodeName) && !isDeleting(tenantPod)) {
      needs.push({ kind: 'vnodes', namespace: '', name: node });
      actions.push({ op: 'bind-tenant', namespace: ns, name, uid: uidOf(tenantPod), node });
    }
    return { needs, actions, requeueAfterMs };
  },
};
