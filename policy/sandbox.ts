// The tenant sandbox: what a tenant's pods, services and claims may not do.
// Pure functions over wire JSON, shared by the tenant API server's admission
// (refuse at the door) and the syncer's re-check (never send it down).
//
// Two layers, reported separately so kubectl users recognise both:
// - the Pod Security Standards level (baseline or restricted), with the checks
//   and wording of Kubernetes' Pod Security Admission ("violates PodSecurity
//   \"baseline:latest\": host namespaces (hostNetwork=true)");
// - the tenant policy: always-denied settings PSS does not cover (system-
//   priority classes, blanket tolerations, nodes outside the pool, service
//   externalIPs), runtime and storage classes, reserved label keys.
// The always-denied settings PSS does cover (host namespaces, privileged,
// capabilities, hostPath, host ports, unconfined seccomp/AppArmor) are refused
// by the level checks: every level is at least baseline, which refuses them
// all, so they are denied at any level and reported once, in PSA's words.
// Allowing one by name in a policy file exempts it from the level's
// equivalent checks (restricted volume types for hostPath, for instance).

import { asArr, asObj, objs, str, type Obj } from '../tenant-apiserver/api/strategies/util.js';
import { isObject as isObj, type KubeObject } from '../tenant-apiserver/api/types.js';
import type { DeniedSetting, ResolvedPolicy, Violation } from './types.js';

export interface PodCheckContext {
  /** Tenant virtual node names a pod may set nodeName to (tenant side); undefined = do not check names. */
  virtualNodes?: Pick<ReadonlySet<string>, 'has'>;
}

/** Rules of the tenant policy (the rest are Pod Security Standards checks). */
export const RULE_RUNTIME_CLASS = 'runtimeClass';
export const RULE_STORAGE_CLASS = 'storageClass';
export const RULE_RESERVED_KEYS = 'reservedKeys';

const TENANT_RULE_PHRASES: Record<string, string> = {
  systemPriorityClass: 'system- priority classes are not allowed',
  blanketToleration: 'tolerations of every taint are not allowed',
  nodeOutsidePool: "nodes outside the tenant's node pool are not allowed",
  externalIPs: 'service externalIPs are not allowed',
  [RULE_RUNTIME_CLASS]: 'runtime class not allowed',
  [RULE_STORAGE_CLASS]: 'storage class not allowed',
  [RULE_RESERVED_KEYS]: 'labels and annotations under tenantry.io/ are reserved',
};

/** Whether a violation belongs to the tenant policy rather than the Pod Security level. */
export function isTenantRule(rule: string): boolean {
  return rule in TENANT_RULE_PHRASES;
}

// ---- Pod Security Standards data (the values PSS "latest" documents) ----

/** Capabilities baseline lets a container add (the container runtime's default set). */
const BASELINE_CAPABILITIES = new Set([
  'AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT',
]);
/** Sysctls namespaced to the pod and harmless to the node. */
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
  'net.ipv4.tcp_rmem',
  'net.ipv4.tcp_wmem',
]);
const BASELINE_SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);
/** The only volume sources restricted allows. */
const RESTRICTED_VOLUME_TYPES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);
const APPARMOR_ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';
const HOSTNAME_LABEL = 'kubernetes.io/hostname';

interface Container {
  /** `spec.containers[0]` */
  path: string;
  name: string;
  c: Obj;
}

function containersOf(spec: Obj): Container[] {
  const out: Container[] = [];
  for (const list of ['initContainers', 'containers', 'ephemeralContainers']) {
    objs(spec[list]).forEach((c, i) => out.push({ path: `spec.${list}[${i}]`, name: str(c.name), c }));
  }
  return out;
}

const q = (s: string): string => JSON.stringify(s);
const sc = (o: Obj): Obj => asObj(o.securityContext) ?? {};

/** Collects violations, skipping those of always-denied settings the policy allows. */
class Findings {
  readonly list: Violation[] = [];
  constructor(private readonly allow: ReadonlySet<DeniedSetting>) {}
  allowed(s: DeniedSetting): boolean {
    return this.allow.has(s);
  }
  add(field: string, rule: string, detail: string, setting?: DeniedSetting): void {
    if (setting && this.allow.has(setting)) return;
    this.list.push({ field, rule, detail });
  }
}

// ---- baseline ----

function checkHostProcess(spec: Obj, cs: Container[], f: Findings): void {
  if (asObj(asObj(spec.securityContext)?.windowsOptions)?.hostProcess === true) {
    f.add('spec.securityContext.windowsOptions.hostProcess', 'hostProcess', 'pod must not set securityContext.windowsOptions.hostProcess=true');
  }
  for (const x of cs) {
    if (asObj(sc(x.c).windowsOptions)?.hostProcess === true) {
      f.add(`${x.path}.securityContext.windowsOptions.hostProcess`, 'hostProcess', `container ${q(x.name)} must not set securityContext.windowsOptions.hostProcess=true`);
    }
  }
}

function checkHostNamespaces(spec: Obj, f: Findings): void {
  for (const field of ['hostNetwork', 'hostPID', 'hostIPC'] as const) {
    if (spec[field] === true) f.add(`spec.${field}`, 'host namespaces', `${field}=true`, field);
  }
}

function checkPrivileged(cs: Container[], f: Findings): void {
  for (const x of cs) {
    if (sc(x.c).privileged === true) {
      f.add(`${x.path}.securityContext.privileged`, 'privileged', `container ${q(x.name)} must not set securityContext.privileged=true`, 'privileged');
    }
  }
}

function addedCapabilities(x: Container): string[] {
  return asArr(asObj(sc(x.c).capabilities)?.add).map(str);
}

function checkBaselineCapabilities(cs: Container[], f: Findings): void {
  for (const x of cs) {
    const bad = addedCapabilities(x).filter((c) => !BASELINE_CAPABILITIES.has(c));
    if (bad.length > 0) {
      f.add(`${x.path}.securityContext.capabilities.add`, 'non-default capabilities', `container ${q(x.name)} must not include ${bad.map(q).join(', ')} in securityContext.capabilities.add`, 'capabilities');
    }
  }
}

function checkHostPathVolumes(spec: Obj, f: Findings): void {
  objs(spec.volumes).forEach((v, i) => {
    if (v.hostPath !== undefined) f.add(`spec.volumes[${i}].hostPath`, 'hostPath volumes', `volume ${q(str(v.name))} uses hostPath`, 'hostPath');
  });
}

function checkHostPorts(cs: Container[], f: Findings): void {
  for (const x of cs) {
    objs(x.c.ports).forEach((p, i) => {
      const port = p.hostPort;
      if (typeof port === 'number' && port !== 0) f.add(`${x.path}.ports[${i}].hostPort`, 'hostPort', `container ${q(x.name)} uses hostPort ${port}`, 'hostPorts');
    });
  }
}

function checkAppArmor(pod: KubeObject, spec: Obj, cs: Container[], f: Findings): void {
  const rule = 'forbidden AppArmor profile';
  for (const [k, v] of Object.entries(pod.metadata?.annotations ?? {})) {
    if (!k.startsWith(APPARMOR_ANNOTATION_PREFIX)) continue;
    if (v === '' || v === 'runtime/default' || v.startsWith('localhost/')) continue;
    f.add(`metadata.annotations[${k}]`, rule, `annotation ${k}=${q(v)}`, v === 'unconfined' ? 'unconfinedAppArmor' : undefined);
  }
  const fieldCheck = (path: string, who: string, o: Obj): void => {
    const type = str(asObj(o.appArmorProfile)?.type);
    if (type && type !== 'RuntimeDefault' && type !== 'Localhost') {
      f.add(`${path}.appArmorProfile.type`, rule, `${who} must not set securityContext.appArmorProfile.type to ${q(type)}`, type === 'Unconfined' ? 'unconfinedAppArmor' : undefined);
    }
  };
  fieldCheck('spec.securityContext', 'pod', asObj(spec.securityContext) ?? {});
  for (const x of cs) fieldCheck(`${x.path}.securityContext`, `container ${q(x.name)}`, sc(x.c));
}

function checkSELinux(spec: Obj, cs: Container[], f: Findings): void {
  const one = (path: string, who: string, o: Obj): void => {
    const se = asObj(o.seLinuxOptions);
    if (!se) return;
    const bad: string[] = [];
    const type = str(se.type);
    if (!BASELINE_SELINUX_TYPES.has(type)) bad.push(`type ${q(type)}`);
    if (str(se.user)) bad.push(`user ${q(str(se.user))}`);
    if (str(se.role)) bad.push(`role ${q(str(se.role))}`);
    if (bad.length > 0) f.add(`${path}.seLinuxOptions`, 'seLinuxOptions', `${who} set forbidden securityContext.seLinuxOptions: ${bad.join('; ')}`);
  };
  one('spec.securityContext', 'pod', asObj(spec.securityContext) ?? {});
  for (const x of cs) one(`${x.path}.securityContext`, `container ${q(x.name)}`, sc(x.c));
}

function checkProcMount(cs: Container[], f: Findings): void {
  for (const x of cs) {
    const pm = str(sc(x.c).procMount);
    if (pm && pm !== 'Default') f.add(`${x.path}.securityContext.procMount`, 'procMount', `container ${q(x.name)} sets securityContext.procMount to ${q(pm)}`);
  }
}

const seccompType = (o: Obj): string => str(asObj(o.seccompProfile)?.type);

function checkSeccompBaseline(spec: Obj, cs: Container[], f: Findings): void {
  if (seccompType(asObj(spec.securityContext) ?? {}) === 'Unconfined') {
    f.add('spec.securityContext.seccompProfile.type', 'seccompProfile', 'pod must not set securityContext.seccompProfile.type to "Unconfined"', 'unconfinedSeccomp');
  }
  for (const x of cs) {
    if (seccompType(sc(x.c)) === 'Unconfined') {
      f.add(`${x.path}.securityContext.seccompProfile.type`, 'seccompProfile', `container ${q(x.name)} must not set securityContext.seccompProfile.type to "Unconfined"`, 'unconfinedSeccomp');
    }
  }
}

function checkSysctls(spec: Obj, f: Findings): void {
  objs(asObj(spec.securityContext)?.sysctls).forEach((s, i) => {
    const name = str(s.name);
    if (!SAFE_SYSCTLS.has(name)) f.add(`spec.securityContext.sysctls[${i}].name`, 'forbidden sysctls', name);
  });
}

// ---- restricted ----

function checkVolumeTypes(spec: Obj, f: Findings): void {
  objs(spec.volumes).forEach((v, i) => {
    const type = Object.keys(v).find((k) => k !== 'name');
    if (!type || RESTRICTED_VOLUME_TYPES.has(type)) return;
    if (type === 'hostPath' && f.allowed('hostPath')) return;
    f.add(`spec.volumes[${i}].${type}`, 'restricted volume types', `volume ${q(str(v.name))} uses restricted volume type ${q(type)}`);
  });
}

function checkPrivilegeEscalation(cs: Container[], f: Findings): void {
  for (const x of cs) {
    if (sc(x.c).allowPrivilegeEscalation !== false) {
      f.add(`${x.path}.securityContext.allowPrivilegeEscalation`, 'allowPrivilegeEscalation != false', `container ${q(x.name)} must set securityContext.allowPrivilegeEscalation=false`);
    }
  }
}

function checkRunAsNonRoot(spec: Obj, cs: Container[], f: Findings): void {
  const rule = 'runAsNonRoot != true';
  const podValue = asObj(spec.securityContext)?.runAsNonRoot;
  if (podValue === false) f.add('spec.securityContext.runAsNonRoot', rule, 'pod must not set securityContext.runAsNonRoot=false');
  for (const x of cs) {
    const v = sc(x.c).runAsNonRoot;
    if (v === false) f.add(`${x.path}.securityContext.runAsNonRoot`, rule, `container ${q(x.name)} must not set securityContext.runAsNonRoot=false`);
    else if (v !== true && podValue !== true && podValue !== false) {
      f.add(`${x.path}.securityContext.runAsNonRoot`, rule, `pod or container ${q(x.name)} must set securityContext.runAsNonRoot=true`);
    }
  }
}

function checkRunAsUser(spec: Obj, cs: Container[], f: Findings): void {
  if (asObj(spec.securityContext)?.runAsUser === 0) f.add('spec.securityContext.runAsUser', 'runAsUser=0', 'pod must not set runAsUser=0');
  for (const x of cs) {
    if (sc(x.c).runAsUser === 0) f.add(`${x.path}.securityContext.runAsUser`, 'runAsUser=0', `container ${q(x.name)} must not set runAsUser=0`);
  }
}

/** Restricted replaces baseline's seccomp check: a profile must be set, RuntimeDefault or Localhost. */
function checkSeccompRestricted(spec: Obj, cs: Container[], f: Findings): void {
  const rule = 'seccompProfile';
  const ok = (t: string): boolean => t === 'RuntimeDefault' || t === 'Localhost' || (t === 'Unconfined' && f.allowed('unconfinedSeccomp'));
  const podType = seccompType(asObj(spec.securityContext) ?? {});
  if (podType && !ok(podType)) f.add('spec.securityContext.seccompProfile.type', rule, `pod must not set securityContext.seccompProfile.type to ${q(podType)}`);
  for (const x of cs) {
    const t = seccompType(sc(x.c));
    if (t) {
      if (!ok(t)) f.add(`${x.path}.securityContext.seccompProfile.type`, rule, `container ${q(x.name)} must not set securityContext.seccompProfile.type to ${q(t)}`);
    } else if (!podType) {
      f.add(`${x.path}.securityContext.seccompProfile.type`, rule, `pod or container ${q(x.name)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`);
    }
  }
}

function checkRestrictedCapabilities(cs: Container[], f: Findings): void {
  const rule = 'unrestricted capabilities';
  for (const x of cs) {
    // Ephemeral containers are exempt from the drop requirement in PSS (they join a running pod to debug it).
    const caps = asObj(sc(x.c).capabilities) ?? {};
    if (!x.path.startsWith('spec.ephemeralContainers') && !asArr(caps.drop).map(str).includes('ALL')) {
      f.add(`${x.path}.securityContext.capabilities.drop`, rule, `container ${q(x.name)} must set securityContext.capabilities.drop=["ALL"]`);
    }
    const bad = addedCapabilities(x).filter((c) => c !== 'NET_BIND_SERVICE');
    if (bad.length > 0) {
      f.add(`${x.path}.securityContext.capabilities.add`, rule, `container ${q(x.name)} must not include ${bad.map(q).join(', ')} in securityContext.capabilities.add`, 'capabilities');
    }
  }
}

// ---- tenant policy (not covered by PSS) ----

function checkPriorityClass(spec: Obj, f: Findings): void {
  const pc = str(spec.priorityClassName);
  if (pc.startsWith('system-')) f.add('spec.priorityClassName', 'systemPriorityClass', `priorityClassName ${q(pc)} is reserved for the platform`, 'systemPriorityClass');
}

function checkTolerations(spec: Obj, f: Findings): void {
  objs(spec.tolerations).forEach((t, i) => {
    if (!str(t.key) && t.operator === 'Exists') {
      f.add(`spec.tolerations[${i}]`, 'blanketToleration', `toleration ${i} has no key and operator Exists, which tolerates every taint`, 'blanketToleration');
    }
  });
}

function checkNodePool(policy: ResolvedPolicy, spec: Obj, ctx: PodCheckContext, f: Findings): void {
  const rule = 'nodeOutsidePool';
  const pool = policy.nodePool.nodeSelector;
  const vnodes = ctx.virtualNodes;
  const nodeName = str(spec.nodeName);
  if (nodeName && vnodes && !vnodes.has(nodeName)) f.add('spec.nodeName', rule, `nodeName ${q(nodeName)} is not one of the tenant's nodes`, rule);
  for (const [k, v] of Object.entries(asObj(spec.nodeSelector) ?? {})) {
    const value = str(v);
    if (k in pool && pool[k] !== value) f.add(`spec.nodeSelector[${k}]`, rule, `nodeSelector ${k}=${value} contradicts the node pool's ${k}=${pool[k]}`, rule);
    if (k === HOSTNAME_LABEL && vnodes && !vnodes.has(value)) f.add(`spec.nodeSelector[${k}]`, rule, `nodeSelector ${k}=${value} is not one of the tenant's nodes`, rule);
  }
  const required = asObj(asObj(asObj(spec.affinity)?.nodeAffinity)?.requiredDuringSchedulingIgnoredDuringExecution);
  objs(required?.nodeSelectorTerms).forEach((term, ti) => {
    objs(term.matchExpressions).forEach((e, ei) => {
      const path = `spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[${ti}].matchExpressions[${ei}]`;
      const key = str(e.key);
      const op = str(e.operator);
      const values = asArr(e.values).map(str);
      if (key in pool) {
        const want = pool[key]!;
        const contradicts = (op === 'In' && !values.includes(want)) || (op === 'NotIn' && values.includes(want)) || op === 'DoesNotExist' || op === 'Gt' || op === 'Lt';
        if (contradicts) f.add(path, rule, `node affinity ${key} ${op} ${values.join(',')} contradicts the node pool's ${key}=${want}`.replace(/ $/, ''), rule);
      }
      if (key === HOSTNAME_LABEL && vnodes && op === 'In') {
        const outside = values.filter((n) => !vnodes.has(n));
        if (outside.length > 0) f.add(path, rule, `node affinity ${key} In ${outside.join(',')} names nodes that are not the tenant's`, rule);
      }
    });
    objs(term.matchFields).forEach((e, ei) => {
      if (str(e.key) !== 'metadata.name' || str(e.operator) !== 'In' || !vnodes) return;
      const outside = asArr(e.values).map(str).filter((n) => !vnodes.has(n));
      if (outside.length > 0) {
        const path = `spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[${ti}].matchFields[${ei}]`;
        f.add(path, rule, `node affinity metadata.name In ${outside.join(',')} names nodes that are not the tenant's`, rule);
      }
    });
  });
}

function checkRuntimeClass(policy: ResolvedPolicy, spec: Obj, f: Findings): void {
  const rc = str(spec.runtimeClassName);
  if (rc && !policy.runtimeClasses.allowed.includes(rc)) {
    f.add('spec.runtimeClassName', RULE_RUNTIME_CLASS, `runtimeClassName ${q(rc)} is not one of ${policy.runtimeClasses.allowed.map(q).join(', ')}`);
  }
}

/** Every rule a pod breaks under the tenant's policy (empty: allowed). */
export function checkPod(policy: ResolvedPolicy, pod: KubeObject, ctx: PodCheckContext = {}): Violation[] {
  const spec = asObj(pod.spec) ?? {};
  const cs = containersOf(spec);
  const f = new Findings(policy.podSecurity.allow);
  // Baseline, in Pod Security Admission's order.
  checkHostProcess(spec, cs, f);
  checkHostNamespaces(spec, f);
  checkPrivileged(cs, f);
  checkBaselineCapabilities(cs, f);
  checkHostPathVolumes(spec, f);
  checkHostPorts(cs, f);
  checkAppArmor(pod, spec, cs, f);
  checkSELinux(spec, cs, f);
  checkProcMount(cs, f);
  if (policy.podSecurity.level === 'restricted') {
    checkVolumeTypes(spec, f);
    checkPrivilegeEscalation(cs, f);
    checkRunAsNonRoot(spec, cs, f);
    checkRunAsUser(spec, cs, f);
    checkSeccompRestricted(spec, cs, f);
    checkRestrictedCapabilities(cs, f);
  } else {
    checkSeccompBaseline(spec, cs, f);
  }
  checkSysctls(spec, f);
  // Tenant policy.
  checkPriorityClass(spec, f);
  checkTolerations(spec, f);
  checkNodePool(policy, spec, ctx, f);
  checkRuntimeClass(policy, spec, f);
  return f.list;
}

export function checkService(policy: ResolvedPolicy, svc: KubeObject): Violation[] {
  const f = new Findings(policy.podSecurity.allow);
  const ips = asArr(asObj(svc.spec)?.externalIPs).map(str).filter(Boolean);
  if (ips.length > 0) f.add('spec.externalIPs', 'externalIPs', `spec.externalIPs ${ips.join(', ')}`, 'externalIPs');
  return f.list;
}

export function checkClaim(policy: ResolvedPolicy, pvc: KubeObject): Violation[] {
  const allowed = policy.storageClasses.allowed;
  const sc = asObj(pvc.spec)?.storageClassName;
  // Unset means the super cluster's default class; an explicit "" means no class (static binding): both are left alone.
  if (allowed === undefined || typeof sc !== 'string' || sc === '' || allowed.includes(sc)) return [];
  const list = allowed.length > 0 ? `not one of ${allowed.map(q).join(', ')}` : 'not allowed (no storage class may be named)';
  return [{ field: 'spec.storageClassName', rule: RULE_STORAGE_CLASS, detail: `storageClassName ${q(sc)} is ${list}` }];
}

/** Labels and annotations under tenantry.io/ (or any *.tenantry.io/) would be forged ownership marks. */
export function checkReservedKeys(obj: KubeObject): Violation[] {
  const out: Violation[] = [];
  for (const which of ['labels', 'annotations'] as const) {
    const m = obj.metadata?.[which];
    if (!isObj(m)) continue;
    for (const k of Object.keys(m)) {
      const slash = k.indexOf('/');
      const prefix = slash < 0 ? '' : k.slice(0, slash);
      if (prefix === 'tenantry.io' || prefix.endsWith('.tenantry.io')) {
        out.push({ field: `metadata.${which}[${k}]`, rule: RULE_RESERVED_KEYS, detail: `${which === 'labels' ? 'label' : 'annotation'} ${q(k)}` });
      }
    }
  }
  return out;
}

/** Namespaced core kinds the syncer copies down: their labels and annotations reach the super cluster. */
const SYNCED_NAMESPACED = new Set(['pods', 'services', 'persistentvolumeclaims', 'configmaps', 'secrets', 'serviceaccounts', 'endpoints']);

/** Every rule an object breaks, by resource (kinds the policy says nothing about: none). */
export function checkObject(policy: ResolvedPolicy, group: string, resource: string, obj: KubeObject, ctx?: PodCheckContext): Violation[] {
  if (group !== '' || !SYNCED_NAMESPACED.has(resource)) return [];
  const out = checkReservedKeys(obj);
  if (resource === 'pods') out.push(...checkPod(policy, obj, ctx));
  else if (resource === 'services') out.push(...checkService(policy, obj));
  else if (resource === 'persistentvolumeclaims') out.push(...checkClaim(policy, obj));
  return out;
}

/** Details of one rule joined the way PSA joins them. */
function groupByRule(vs: Violation[]): { rule: string; details: string[] }[] {
  const groups = new Map<string, string[]>();
  for (const v of vs) {
    const g = groups.get(v.rule) ?? [];
    if (!g.includes(v.detail)) g.push(v.detail);
    groups.set(v.rule, g);
  }
  return [...groups].map(([rule, details]) => ({ rule, details }));
}

const COMMA_JOINED = new Set(['host namespaces', 'forbidden sysctls']);

/**
 * The message kubectl shows after `<resource> "name" is forbidden: `:
 * `violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true)`
 * and/or `violates tenant policy (gold.yaml (policy gold)): system- priority
 * classes are not allowed (priorityClassName "system-node-critical" …)`.
 */
export function violationMessage(policy: ResolvedPolicy, resource: string, violations: Violation[]): string {
  const pss = groupByRule(violations.filter((v) => !isTenantRule(v.rule)));
  const tenant = groupByRule(violations.filter((v) => isTenantRule(v.rule)));
  const parts: string[] = [];
  if (pss.length > 0) {
    const items = pss.map((g) => `${g.rule} (${g.details.join(COMMA_JOINED.has(g.rule) ? ', ' : '; ')})`);
    parts.push(`violates PodSecurity ${q(`${policy.podSecurity.level}:latest`)}: ${items.join(', ')}`);
  }
  if (tenant.length > 0) {
    const items = tenant.map((g) => `${TENANT_RULE_PHRASES[g.rule]} (${g.details.join('; ')})`);
    parts.push(`violates tenant policy (${policy.sources.join(', ')}): ${items.join(', ')}`);
  }
  if (parts.length === 0) return `${resource}: no policy violation`;
  return parts.join('; ');
}
