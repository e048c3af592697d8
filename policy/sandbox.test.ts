import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../syncer/types.js';
import { checkClaim, checkObject, checkPod, checkReservedKeys, checkService, violationMessage } from './sandbox.js';
import { defaultPolicy, type DeniedSetting, type ResolvedPolicy } from './types.js';

type Spec = Record<string, unknown>;

function policy(over: { level?: 'baseline' | 'restricted'; allow?: DeniedSetting[]; pool?: Record<string, string>; runtime?: string[]; storage?: string[] } = {}): ResolvedPolicy {
  const p = defaultPolicy('acme');
  p.sources = ['gold.yaml (policy gold)'];
  if (over.level) p.podSecurity.level = over.level;
  if (over.allow) p.podSecurity.allow = new Set(over.allow);
  if (over.pool) p.nodePool.nodeSelector = over.pool;
  if (over.runtime) p.runtimeClasses.allowed = over.runtime;
  if (over.storage) p.storageClasses.allowed = over.storage;
  return p;
}

const LOCKED: Spec = {
  allowPrivilegeEscalation: false,
  runAsNonRoot: true,
  seccompProfile: { type: 'RuntimeDefault' },
  capabilities: { drop: ['ALL'] },
};

/** A pod that passes restricted: every container locked down. */
function restrictedPod(spec: Spec = {}, annotations?: Record<string, string>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', ...(annotations ? { annotations } : {}) },
    spec: {
      containers: [{ name: 'app', image: 'nginx', securityContext: { ...LOCKED }, ports: [{ containerPort: 80 }] }],
      volumes: [{ name: 'cfg', configMap: { name: 'cfg' } }, { name: 'tmp', emptyDir: {} }],
      ...spec,
    },
  };
}

function plainPod(spec: Spec = {}, annotations?: Record<string, string>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', ...(annotations ? { annotations } : {}) },
    spec: { containers: [{ name: 'app', image: 'nginx' }], ...spec },
  };
}

const withContainer = (sc: Spec, extra: Spec = {}): Spec => ({ containers: [{ name: 'app', image: 'nginx', securityContext: sc, ...extra }] });

interface Case {
  name: string;
  spec: Spec;
  annotations?: Record<string, string>;
  rule: string;
  field: string;
  /** The always-denied setting that, allowed, lets the pod through (baseline). */
  allow?: DeniedSetting;
  message: string;
}

const BASELINE_CASES: Case[] = [
  { name: 'host network', spec: { hostNetwork: true }, rule: 'host namespaces', field: 'spec.hostNetwork', allow: 'hostNetwork', message: 'violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true)' },
  { name: 'host PID', spec: { hostPID: true }, rule: 'host namespaces', field: 'spec.hostPID', allow: 'hostPID', message: 'host namespaces (hostPID=true)' },
  { name: 'host IPC', spec: { hostIPC: true }, rule: 'host namespaces', field: 'spec.hostIPC', allow: 'hostIPC', message: 'host namespaces (hostIPC=true)' },
  {
    name: 'privileged',
    spec: withContainer({ privileged: true }),
    rule: 'privileged',
    field: 'spec.containers[0].securityContext.privileged',
    allow: 'privileged',
    message: 'privileged (container "app" must not set securityContext.privileged=true)',
  },
  {
    name: 'SYS_ADMIN',
    spec: withContainer({ capabilities: { add: ['SYS_ADMIN', 'CHOWN'] } }),
    rule: 'non-default capabilities',
    field: 'spec.containers[0].securityContext.capabilities.add',
    allow: 'capabilities',
    message: 'non-default capabilities (container "app" must not include "SYS_ADMIN" in securityContext.capabilities.add)',
  },
  {
    name: 'hostPath',
    spec: { containers: [{ name: 'app', image: 'nginx' }], volumes: [{ name: 'root', hostPath: { path: '/' } }] },
    rule: 'hostPath volumes',
    field: 'spec.volumes[0].hostPath',
    allow: 'hostPath',
    message: 'hostPath volumes (volume "root" uses hostPath)',
  },
  {
    name: 'host port',
    spec: { containers: [{ name: 'app', image: 'nginx', ports: [{ containerPort: 80, hostPort: 8080 }] }] },
    rule: 'hostPort',
    field: 'spec.containers[0].ports[0].hostPort',
    allow: 'hostPorts',
    message: 'hostPort (container "app" uses hostPort 8080)',
  },
  {
    name: 'unconfined seccomp (pod)',
    spec: { securityContext: { seccompProfile: { type: 'Unconfined' } } },
    rule: 'seccompProfile',
    field: 'spec.securityContext.seccompProfile.type',
    allow: 'unconfinedSeccomp',
    message: 'seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined")',
  },
  {
    name: 'unconfined seccomp (container)',
    spec: withContainer({ seccompProfile: { type: 'Unconfined' } }),
    rule: 'seccompProfile',
    field: 'spec.containers[0].securityContext.seccompProfile.type',
    allow: 'unconfinedSeccomp',
    message: 'container "app" must not set securityContext.seccompProfile.type to "Unconfined"',
  },
  {
    name: 'unconfined AppArmor (annotation)',
    spec: {},
    annotations: { 'container.apparmor.security.beta.kubernetes.io/app': 'unconfined' },
    rule: 'forbidden AppArmor profile',
    field: 'metadata.annotations[container.apparmor.security.beta.kubernetes.io/app]',
    allow: 'unconfinedAppArmor',
    message: 'forbidden AppArmor profile (annotation container.apparmor.security.beta.kubernetes.io/app="unconfined")',
  },
  {
    name: 'unconfined AppArmor (field)',
    spec: withContainer({ appArmorProfile: { type: 'Unconfined' } }),
    rule: 'forbidden AppArmor profile',
    field: 'spec.containers[0].securityContext.appArmorProfile.type',
    allow: 'unconfinedAppArmor',
    message: 'container "app" must not set securityContext.appArmorProfile.type to "Unconfined"',
  },
  {
    name: 'hostProcess',
    spec: { securityContext: { windowsOptions: { hostProcess: true } } },
    rule: 'hostProcess',
    field: 'spec.securityContext.windowsOptions.hostProcess',
    message: 'hostProcess (pod must not set securityContext.windowsOptions.hostProcess=true)',
  },
  {
    name: 'SELinux type',
    spec: withContainer({ seLinuxOptions: { type: 'spc_t', user: 'root' } }),
    rule: 'seLinuxOptions',
    field: 'spec.containers[0].securityContext.seLinuxOptions',
    message: 'seLinuxOptions (container "app" set forbidden securityContext.seLinuxOptions: type "spc_t"; user "root")',
  },
  {
    name: 'procMount',
    spec: withContainer({ procMount: 'Unmasked' }),
    rule: 'procMount',
    field: 'spec.containers[0].securityContext.procMount',
    message: 'procMount (container "app" sets securityContext.procMount to "Unmasked")',
  },
  {
    name: 'unsafe sysctl',
    spec: { securityContext: { sysctls: [{ name: 'net.ipv4.tcp_syncookies', value: '1' }, { name: 'kernel.msgmax', value: '1' }] } },
    rule: 'forbidden sysctls',
    field: 'spec.securityContext.sysctls[1].name',
    message: 'forbidden sysctls (kernel.msgmax)',
  },
  {
    name: 'system- priority class',
    spec: { priorityClassName: 'system-node-critical' },
    rule: 'systemPriorityClass',
    field: 'spec.priorityClassName',
    allow: 'systemPriorityClass',
    message: 'violates tenant policy (gold.yaml (policy gold)): system- priority classes are not allowed (priorityClassName "system-node-critical" is reserved for the platform)',
  },
  {
    name: 'blanket toleration',
    spec: { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'x' }, { operator: 'Exists' }] },
    rule: 'blanketToleration',
    field: 'spec.tolerations[1]',
    allow: 'blanketToleration',
    message: 'tolerations of every taint are not allowed (toleration 1 has no key and operator Exists, which tolerates every taint)',
  },
  {
    name: 'disallowed runtime class',
    spec: { runtimeClassName: 'runc' },
    rule: 'runtimeClass',
    field: 'spec.runtimeClassName',
    message: 'runtime class not allowed (runtimeClassName "runc" is not one of "kata")',
  },
];

describe('checkPod: baseline', () => {
  it('passes a benign pod (and the allowed runtime class)', () => {
    expect(checkPod(policy(), plainPod())).toEqual([]);
    expect(checkPod(policy(), plainPod({ runtimeClassName: 'kata', tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists' }] }))).toEqual([]);
    // baseline tolerates what restricted refuses: root, no seccomp, baseline capabilities, non-hostPath volumes.
    expect(checkPod(policy(), plainPod(withContainer({ runAsUser: 0, capabilities: { add: ['NET_BIND_SERVICE', 'CHOWN'] } }, { ports: [{ containerPort: 80 }] })))).toEqual([]);
  });

  for (const c of BASELINE_CASES) {
    it(`refuses ${c.name}`, () => {
      const p = policy();
      const vs = checkPod(p, plainPod(c.spec, c.annotations));
      expect(vs.map((v) => v.rule)).toContain(c.rule);
      expect(vs.find((v) => v.rule === c.rule)!.field).toBe(c.field);
      expect(violationMessage(p, 'pods', vs)).toContain(c.message);
      // Also refused at restricted (restricted is baseline plus more).
      expect(checkPod(policy({ level: 'restricted' }), restrictedPod(c.spec.containers ? { ...c.spec, containers: (c.spec.containers as Spec[]).map((x) => ({ ...x, securityContext: { ...LOCKED, ...(x.securityContext as Spec) } })) } : c.spec, c.annotations)).length).toBeGreaterThan(0);
    });
    if (c.allow) {
      it(`allows ${c.name} when the policy allows ${c.allow}`, () => {
        expect(checkPod(policy({ allow: [c.allow!] }), plainPod(c.spec, c.annotations))).toEqual([]);
      });
    }
  }

  it('checks init and ephemeral containers too', () => {
    const vs = checkPod(policy(), plainPod({ initContainers: [{ name: 'init', image: 'x', securityContext: { privileged: true } }], ephemeralContainers: [{ name: 'dbg', image: 'x', securityContext: { capabilities: { add: ['SYS_PTRACE'] } } }] }));
    expect(vs.map((v) => v.field)).toEqual(['spec.initContainers[0].securityContext.privileged', 'spec.ephemeralContainers[0].securityContext.capabilities.add']);
  });

  it('groups details of one rule and keeps PSA order, tenant policy after', () => {
    const p = policy();
    const vs = checkPod(p, plainPod({ hostNetwork: true, hostPID: true, priorityClassName: 'system-cluster-critical', containers: [{ name: 'a', image: 'x', securityContext: { privileged: true } }, { name: 'b', image: 'x', securityContext: { privileged: true } }] }));
    expect(violationMessage(p, 'pods', vs)).toBe(
      'violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true, hostPID=true), privileged (container "a" must not set securityContext.privileged=true; container "b" must not set securityContext.privileged=true); ' +
        'violates tenant policy (gold.yaml (policy gold)): system- priority classes are not allowed (priorityClassName "system-cluster-critical" is reserved for the platform)',
    );
  });

  it('allows a named AppArmor/seccomp profile and a safe sysctl', () => {
    const pod = plainPod(
      { securityContext: { seccompProfile: { type: 'RuntimeDefault' }, sysctls: [{ name: 'net.ipv4.ip_local_port_range', value: '1024 65535' }] }, containers: [{ name: 'app', image: 'x', securityContext: { seLinuxOptions: { type: 'container_t', level: 's0:c1' }, appArmorProfile: { type: 'Localhost', localhostProfile: 'p' } } }] },
      { 'container.apparmor.security.beta.kubernetes.io/app': 'runtime/default' },
    );
    expect(checkPod(policy(), pod)).toEqual([]);
  });
});

describe('checkPod: node pool', () => {
  const pool = { 'tenantry.io/pool': 'general' };
  const vnodes = new Set(['node-1']);

  it('refuses a nodeName that is not a virtual node; accepts one that is; ignores names without a context', () => {
    expect(checkPod(policy(), plainPod({ nodeName: 'master-0' }), { virtualNodes: vnodes }).map((v) => v.field)).toEqual(['spec.nodeName']);
    expect(checkPod(policy(), plainPod({ nodeName: 'node-1' }), { virtualNodes: vnodes })).toEqual([]);
    expect(checkPod(policy(), plainPod({ nodeName: 'master-0' }))).toEqual([]);
  });

  it('refuses selectors and required affinity contradicting the pool', () => {
    const p = policy({ pool });
    const vs = checkPod(p, plainPod({ nodeSelector: { 'tenantry.io/pool': 'gpu', disk: 'ssd' } }));
    expect(vs.map((v) => v.rule)).toEqual(['nodeOutsidePool']);
    expect(violationMessage(p, 'pods', vs)).toContain("nodes outside the tenant's node pool are not allowed (nodeSelector tenantry.io/pool=gpu contradicts the node pool's tenantry.io/pool=general)");
    expect(checkPod(p, plainPod({ nodeSelector: { 'tenantry.io/pool': 'general', disk: 'ssd' } }))).toEqual([]);
    const affinity = (op: string, values?: string[]): Spec => ({
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'tenantry.io/pool', operator: op, ...(values ? { values } : {}) }] }] } } },
    });
    expect(checkPod(p, plainPod(affinity('In', ['gpu']))).length).toBe(1);
    expect(checkPod(p, plainPod(affinity('NotIn', ['general']))).length).toBe(1);
    expect(checkPod(p, plainPod(affinity('DoesNotExist'))).length).toBe(1);
    expect(checkPod(p, plainPod(affinity('In', ['general', 'gpu'])))).toEqual([]);
    expect(checkPod(p, plainPod(affinity('Exists')))).toEqual([]);
    expect(checkPod(policy({ pool, allow: ['nodeOutsidePool'] }), plainPod(affinity('In', ['gpu'])))).toEqual([]);
  });

  it('allows hostname pinning only to a virtual node', () => {
    const ctx = { virtualNodes: vnodes };
    expect(checkPod(policy(), plainPod({ nodeSelector: { 'kubernetes.io/hostname': 'node-1' } }), ctx)).toEqual([]);
    expect(checkPod(policy(), plainPod({ nodeSelector: { 'kubernetes.io/hostname': 'master-0' } }), ctx).length).toBe(1);
    const hostAffinity: Spec = { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-1', 'master-0'] }] }, { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['etcd-0'] }] }] } } } };
    expect(checkPod(policy(), plainPod(hostAffinity), ctx).map((v) => v.detail)).toEqual([
      "node affinity kubernetes.io/hostname In master-0 names nodes that are not the tenant's",
      "node affinity metadata.name In etcd-0 names nodes that are not the tenant's",
    ]);
  });
});

describe('checkPod: restricted', () => {
  const R = policy({ level: 'restricted' });

  it('passes a locked-down pod, with pod-level settings covering containers', () => {
    expect(checkPod(R, restrictedPod())).toEqual([]);
    const podLevel = restrictedPod({
      securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [{ name: 'app', image: 'x', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } } }],
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'd' } }, { name: 'tok', projected: { sources: [] } }],
    });
    expect(checkPod(R, podLevel)).toEqual([]);
  });

  it('refuses a plain pod with every restricted rule, in PSA wording', () => {
    const vs = checkPod(R, plainPod());
    expect(violationMessage(R, 'pods', vs)).toBe(
      'violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "app" must set securityContext.allowPrivilegeEscalation=false), ' +
        'runAsNonRoot != true (pod or container "app" must set securityContext.runAsNonRoot=true), ' +
        'seccompProfile (pod or container "app" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"), ' +
        'unrestricted capabilities (container "app" must set securityContext.capabilities.drop=["ALL"])',
    );
  });

  const cases: { name: string; spec: Spec; rule: string; allow?: DeniedSetting }[] = [
    { name: 'a non-restricted volume type', spec: { volumes: [{ name: 'nfs', nfs: { server: 's', path: '/' } }] }, rule: 'restricted volume types' },
    { name: 'hostPath also as a restricted volume type', spec: { volumes: [{ name: 'h', hostPath: { path: '/' } }] }, rule: 'restricted volume types', allow: 'hostPath' },
    { name: 'runAsUser 0', spec: { securityContext: { runAsUser: 0 } }, rule: 'runAsUser=0' },
    { name: 'runAsNonRoot false', spec: withContainer({ ...LOCKED, runAsNonRoot: false }), rule: 'runAsNonRoot != true' },
    { name: 'privilege escalation', spec: withContainer({ ...LOCKED, allowPrivilegeEscalation: true }), rule: 'allowPrivilegeEscalation != false' },
    { name: 'no capability drop', spec: withContainer({ ...LOCKED, capabilities: {} }), rule: 'unrestricted capabilities' },
    { name: 'CHOWN added (baseline-allowed)', spec: withContainer({ ...LOCKED, capabilities: { drop: ['ALL'], add: ['CHOWN'] } }), rule: 'unrestricted capabilities', allow: 'capabilities' },
    { name: 'seccomp Unconfined', spec: withContainer({ ...LOCKED, seccompProfile: { type: 'Unconfined' } }), rule: 'seccompProfile', allow: 'unconfinedSeccomp' },
  ];
  for (const c of cases) {
    it(`refuses ${c.name}`, () => {
      expect(checkPod(R, restrictedPod(c.spec)).map((v) => v.rule)).toContain(c.rule);
      if (c.allow) expect(checkPod(policy({ level: 'restricted', allow: [c.allow] }), restrictedPod(c.spec))).toEqual([]);
    });
  }

  it('checks init containers too (ephemeral ones need not drop capabilities)', () => {
    const vs = checkPod(R, restrictedPod({ initContainers: [{ name: 'init', image: 'x' }], ephemeralContainers: [{ name: 'dbg', image: 'x', securityContext: { allowPrivilegeEscalation: false, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } } }] }));
    expect(new Set(vs.map((v) => v.field.split('.securityContext')[0]))).toEqual(new Set(['spec.initContainers[0]']));
  });
});

describe('services, claims, reserved keys, dispatch', () => {
  const svc = (spec: Spec): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'default' }, spec: { ports: [{ port: 80 }], ...spec } });
  const pvc = (storageClassName?: string): KubeObject => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'c', namespace: 'default' }, spec: storageClassName === undefined ? {} : { storageClassName } });

  it('refuses service externalIPs unless allowed', () => {
    const p = policy();
    const vs = checkService(p, svc({ externalIPs: ['203.0.113.7'] }));
    expect(vs).toEqual([{ field: 'spec.externalIPs', rule: 'externalIPs', detail: 'spec.externalIPs 203.0.113.7' }]);
    expect(violationMessage(p, 'services', vs)).toBe('violates tenant policy (gold.yaml (policy gold)): service externalIPs are not allowed (spec.externalIPs 203.0.113.7)');
    expect(checkService(p, svc({}))).toEqual([]);
    expect(checkService(policy({ allow: ['externalIPs'] }), svc({ externalIPs: ['203.0.113.7'] }))).toEqual([]);
  });

  it('refuses storage classes outside the allowed list; any class when there is no list', () => {
    const p = policy({ storage: ['standard'] });
    expect(checkClaim(p, pvc('fast')).map((v) => v.detail)).toEqual(['storageClassName "fast" is not one of "standard"']);
    expect(checkClaim(p, pvc('standard'))).toEqual([]);
    expect(checkClaim(p, pvc())).toEqual([]);
    expect(checkClaim(policy(), pvc('fast'))).toEqual([]);
  });

  it('refuses forged tenantry.io marks, subdomains included', () => {
    const o: KubeObject = { metadata: { name: 'x', labels: { 'tenantry.io/tenant': 'other', app: 'web' }, annotations: { 'x.tenantry.io/owner': 'me', 'nottenantry.io/k': 'fine', 'example.com/tenantry.io': 'fine' } } };
    expect(checkReservedKeys(o).map((v) => v.field)).toEqual(['metadata.labels[tenantry.io/tenant]', 'metadata.annotations[x.tenantry.io/owner]']);
    expect(violationMessage(policy(), 'configmaps', checkReservedKeys(o))).toBe(
      'violates tenant policy (gold.yaml (policy gold)): labels and annotations under tenantry.io/ are reserved (label "tenantry.io/tenant"; annotation "x.tenantry.io/owner")',
    );
  });

  it('dispatches by resource and checks reserved keys on every synced namespaced kind', () => {
    const p = policy();
    const forged = { 'tenantry.io/tenant': 'x' };
    expect(checkObject(p, '', 'pods', { ...plainPod({ hostNetwork: true }), metadata: { name: 'p', labels: forged } }).map((v) => v.rule)).toEqual(['reservedKeys', 'host namespaces']);
    expect(checkObject(p, '', 'services', svc({ externalIPs: ['1.2.3.4'] })).map((v) => v.rule)).toEqual(['externalIPs']);
    expect(checkObject(policy({ storage: [] }), '', 'persistentvolumeclaims', pvc('x')).map((v) => v.rule)).toEqual(['storageClass']);
    for (const r of ['configmaps', 'secrets', 'serviceaccounts', 'endpoints']) expect(checkObject(p, '', r, { metadata: { name: 'o', labels: forged } }).length, r).toBe(1);
    expect(checkObject(p, 'apps', 'deployments', { metadata: { name: 'd', labels: forged } })).toEqual([]);
    expect(checkObject(p, '', 'pods', plainPod())).toEqual([]);
  });
});
