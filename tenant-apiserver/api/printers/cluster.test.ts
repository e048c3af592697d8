import { describe, expect, it } from 'vitest';
import { csrCondition, certificateSigningRequestPrinter } from './certificates.js';
import { endpointSlicePrinter, formatDiscoveryEndpoints, formatDiscoveryPorts, leasePrinter, priorityClassPrinter, runtimeClassPrinter } from './cluster.js';
import {
  accessModesString,
  configMapPrinter,
  namespacePrinter,
  persistentVolumeClaimPrinter,
  persistentVolumePrinter,
  replicationControllerPrinter,
  resourceQuotaPrinter,
  secretPrinter,
  serviceAccountPrinter,
} from './core.js';
import { eventPrinter, eventsV1Printer } from './events.js';
import { flowSchemaPrinter, priorityLevelConfigurationPrinter } from './flowcontrol.js';
import { formatIngressHosts, ingressClassPrinter, ingressPrinter, networkPolicyPrinter } from './networking.js';
import { nodePrinter, nodeRoles, nodeStatus } from './nodes.js';
import { podDisruptionBudgetPrinter } from './policy.js';
import { roleBindingPrinter } from './rbac.js';
import { resourceClaimState } from './resource.js';
import { csiDriverPrinter, storageClassPrinter } from './storage.js';
import { validatingAdmissionPolicyBindingPrinter } from './admission.js';
import type { KubeObject } from './types.js';

const NOW = Date.parse('2024-05-01T12:00:00Z');
const ago = (ms: number): string => new Date(NOW - ms).toISOString();
const MIN = 60_000;
const meta = (name: string, extra: Record<string, unknown> = {}) => ({ name, creationTimestamp: ago(45 * MIN), ...extra });

describe('nodes', () => {
  const node = (conditions: unknown[], extra: Record<string, unknown> = {}, labels: Record<string, string> = {}): KubeObject => ({
    metadata: meta('n1', { labels }),
    spec: extra,
    status: {
      conditions,
      addresses: [{ type: 'Hostname', address: 'n1' }, { type: 'InternalIP', address: '172.18.0.2' }],
      nodeInfo: { kubeletVersion: 'v1.34.0', osImage: 'Debian GNU/Linux 12', kernelVersion: '6.1.0', containerRuntimeVersion: 'containerd://2.0' },
    },
  });

  it('Ready / NotReady / Unknown and SchedulingDisabled', () => {
    expect(nodeStatus(node([{ type: 'Ready', status: 'True' }]))).toBe('Ready');
    expect(nodeStatus(node([{ type: 'Ready', status: 'Unknown' }]))).toBe('NotReady');
    expect(nodeStatus(node([{ type: 'MemoryPressure', status: 'False' }]))).toBe('Unknown');
    expect(nodeStatus(node([{ type: 'Ready', status: 'True' }], { unschedulable: true }))).toBe('Ready,SchedulingDisabled');
    expect(nodeStatus(node([], { unschedulable: true }))).toBe('Unknown,SchedulingDisabled');
  });

  it('roles from both label styles, sorted and de-duplicated', () => {
    expect(nodeRoles(node([], {}, { 'node-role.kubernetes.io/worker': '', 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/role': 'worker' }))).toBe('control-plane,worker');
    expect(nodeRoles(node([], {}, { 'node-role.kubernetes.io/': '' }))).toBe('<none>');
  });

  it('full row with wide columns', () => {
    expect(nodePrinter.cells(node([{ type: 'Ready', status: 'True' }]), NOW)).toEqual([
      'n1', 'Ready', '<none>', '45m', 'v1.34.0', '172.18.0.2', '<none>', 'Debian GNU/Linux 12', '6.1.0', 'containerd://2.0',
    ]);
    const bare = { metadata: meta('b') };
    expect(nodePrinter.cells(bare, NOW).slice(5)).toEqual(['<none>', '<none>', '<unknown>', '<unknown>', '<unknown>']);
  });
});

describe('events', () => {
  it('core/v1 event row', () => {
    const e = {
      metadata: meta('web.17c'),
      type: 'Warning',
      reason: 'BackOff',
      message: '  Back-off restarting failed container\n',
      involvedObject: { kind: 'Pod', name: 'web-1', fieldPath: 'spec.containers{app}' },
      source: { component: 'kubelet', host: 'n1' },
      firstTimestamp: ago(10 * MIN),
      lastTimestamp: ago(2 * MIN),
      count: 7,
    };
    expect(eventPrinter.cells(e, NOW)).toEqual([
      '2m', 'Warning', 'BackOff', 'pod/web-1', 'spec.containers{app}', 'kubelet, n1', 'Back-off restarting failed container', '10m', 7, 'web.17c',
    ]);
    expect(eventPrinter.columns.map((c) => `${c.name}:${c.priority}`)).toEqual([
      'Last Seen:0', 'Type:0', 'Reason:0', 'Object:0', 'Subobject:1', 'Source:1', 'Message:0', 'First Seen:1', 'Count:1', 'Name:1',
    ]);
  });

  it('new-style event: eventTime, series, reporting controller, count defaults to 1', () => {
    const e = {
      metadata: meta('x'),
      type: 'Normal',
      reason: 'Scheduled',
      message: 'ok',
      involvedObject: { kind: 'Node' },
      eventTime: '2024-05-01T11:59:00.000000Z',
      reportingComponent: 'default-scheduler',
      reportingInstance: '',
    };
    expect(eventPrinter.cells(e, NOW)).toEqual(['60s', 'Normal', 'Scheduled', 'node', '', 'default-scheduler', 'ok', '60s', 1, 'x']);
    const series = { ...e, series: { count: 4, lastObservedTime: '2024-05-01T11:59:30.500000Z' } };
    expect(eventPrinter.cells(series, NOW)[0]).toBe('29s');
    expect(eventPrinter.cells(series, NOW)[8]).toBe(4);
  });

  it('events.k8s.io/v1 fields are mapped', () => {
    const e = {
      metadata: meta('y'),
      type: 'Normal',
      reason: 'Pulled',
      note: 'Image pulled',
      regarding: { kind: 'Pod', name: 'p', fieldPath: 'spec.containers{c}' },
      eventTime: ago(3 * MIN),
      reportingController: 'kubelet',
      reportingInstance: 'n2',
      deprecatedCount: 2,
    };
    expect(eventsV1Printer.cells(e, NOW)).toEqual(['3m', 'Normal', 'Pulled', 'pod/p', 'spec.containers{c}', 'kubelet, n2', 'Image pulled', '3m', 2, 'y']);
  });
});

describe('core kinds', () => {
  it('namespace, configmap, secret, serviceaccount', () => {
    expect(namespacePrinter.cells({ metadata: meta('ns'), status: { phase: 'Terminating' } }, NOW)).toEqual(['ns', 'Terminating', '45m']);
    expect(configMapPrinter.cells({ metadata: meta('c'), data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } }, NOW)).toEqual(['c', 3, '45m']);
    expect(secretPrinter.cells({ metadata: meta('s'), type: 'kubernetes.io/tls', data: { 'tls.crt': 'x', 'tls.key': 'y' } }, NOW)).toEqual(['s', 'kubernetes.io/tls', 2, '45m']);
    expect(secretPrinter.cells({ metadata: meta('s'), type: 'Opaque', data: { a: 'x' }, stringData: { a: 'y', b: 'z' } }, NOW)[2]).toBe(2);
    expect(serviceAccountPrinter.cells({ metadata: meta('default') }, NOW)).toEqual(['default', '45m']);
  });

  it('access modes in kube\'s fixed order', () => {
    expect(accessModesString(['ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOnce'])).toBe('RWO,RWX');
    expect(accessModesString(['ReadWriteOncePod', 'ReadOnlyMany'])).toBe('ROX,RWOP');
    expect(accessModesString(undefined)).toBe('');
  });

  it('persistent volume and claim', () => {
    const pv = {
      metadata: meta('pv1'),
      spec: { capacity: { storage: '10Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', claimRef: { namespace: 'default', name: 'data' }, storageClassName: 'standard', volumeMode: 'Filesystem' },
      status: { phase: 'Bound' },
    };
    expect(persistentVolumePrinter.cells(pv, NOW)).toEqual(['pv1', '10Gi', 'RWO', 'Retain', 'Bound', 'default/data', 'standard', '<unset>', '', '45m', 'Filesystem']);
    const pending = { metadata: meta('data'), spec: { storageClassName: 'standard', resources: { requests: { storage: '1Gi' } } }, status: { phase: 'Pending' } };
    expect(persistentVolumeClaimPrinter.cells(pending, NOW)).toEqual(['data', 'Pending', '', '', '', 'standard', '<unset>', '45m', '<unset>']);
    const bound = { metadata: meta('data', { deletionTimestamp: ago(0) }), spec: { volumeName: 'pv1', volumeMode: 'Block' }, status: { phase: 'Bound', capacity: { storage: '10Gi' }, accessModes: ['ReadWriteOnce'] } };
    expect(persistentVolumeClaimPrinter.cells(bound, NOW)).toEqual(['data', 'Terminating', 'pv1', '10Gi', 'RWO', '', '<unset>', '45m', 'Block']);
  });

  it('resource quota splits requests and limits, sorted by resource name', () => {
    const rq = {
      metadata: meta('q'),
      status: {
        hard: { pods: '10', 'limits.cpu': '4', 'requests.memory': '1Gi', 'limits.memory': '2Gi' },
        used: { pods: '3', 'limits.cpu': '500m', 'requests.memory': '256Mi' },
      },
    };
    expect(resourceQuotaPrinter.cells(rq, NOW)).toEqual(['q', 'pods: 3/10, requests.memory: 256Mi/1Gi', 'limits.cpu: 500m/4, limits.memory: 0/2Gi', '45m']);
  });

  it('replication controller', () => {
    const rc = { metadata: meta('rc'), spec: { replicas: 2, selector: { app: 'x' }, template: { spec: { containers: [{ name: 'c', image: 'i' }] } } }, status: { replicas: 2, readyReplicas: 2 } };
    expect(replicationControllerPrinter.cells(rc, NOW)).toEqual(['rc', 2, 2, 2, '45m', 'c', 'i', 'app=x']);
  });
});

describe('networking, policy, rbac, storage, misc', () => {
  it('ingress hosts, address and ports', () => {
    expect(formatIngressHosts([])).toBe('*');
    expect(formatIngressHosts([{ host: 'a' }, {}, { host: 'b' }])).toBe('a,b');
    expect(formatIngressHosts([{ host: 'a' }, { host: 'b' }, { host: 'c' }, { host: 'd' }, { host: 'e' }])).toBe('a,b,c + 2 more...');
    const ing = {
      metadata: meta('ing'),
      spec: { ingressClassName: 'nginx', rules: [{ host: 'shop.example' }], tls: [{ hosts: ['shop.example'] }] },
      status: { loadBalancer: { ingress: [{ ip: '203.0.113.9' }] } },
    };
    expect(ingressPrinter.cells(ing, NOW)).toEqual(['ing', 'nginx', 'shop.example', '203.0.113.9', '80, 443', '45m']);
    expect(ingressPrinter.cells({ metadata: meta('i2'), spec: {} }, NOW)).toEqual(['i2', '<none>', '*', '', '80', '45m']);
  });

  it('ingress class parameters', () => {
    const ic = { metadata: meta('nginx'), spec: { controller: 'k8s.io/ingress-nginx', parameters: { apiGroup: 'k8s.example.com', kind: 'IngressParameters', name: 'p' } } };
    expect(ingressClassPrinter.cells(ic, NOW)).toEqual(['nginx', 'k8s.io/ingress-nginx', 'IngressParameters.k8s.example.com/p', '45m']);
  });

  it('network policy pod selector', () => {
    expect(networkPolicyPrinter.cells({ metadata: meta('np'), spec: { podSelector: {} } }, NOW)).toEqual(['np', '<none>', '45m']);
    expect(networkPolicyPrinter.cells({ metadata: meta('np'), spec: { podSelector: { matchLabels: { role: 'db' } } } }, NOW)[1]).toBe('role=db');
  });

  it('pod disruption budget', () => {
    const pdb = { metadata: meta('pdb'), spec: { minAvailable: '50%' }, status: { disruptionsAllowed: 1 } };
    expect(podDisruptionBudgetPrinter.cells(pdb, NOW)).toEqual(['pdb', '50%', 'N/A', 1, '45m']);
    expect(podDisruptionBudgetPrinter.cells({ metadata: meta('p2'), spec: { maxUnavailable: 1 } }, NOW)).toEqual(['p2', 'N/A', '1', 0, '45m']);
  });

  it('role binding subjects', () => {
    const rb = {
      metadata: meta('rb'),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
      subjects: [
        { kind: 'User', name: 'jane' },
        { kind: 'Group', name: 'dev' },
        { kind: 'ServiceAccount', name: 'builder', namespace: 'ci' },
        { kind: 'User', name: 'joe' },
      ],
    };
    expect(roleBindingPrinter.cells(rb, NOW)).toEqual(['rb', 'ClusterRole/view', '45m', 'jane, joe', 'dev', 'ci/builder']);
  });

  it('storage class defaults and the (default) marker', () => {
    const sc = { metadata: meta('standard', { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }), provisioner: 'rancher.io/local-path', volumeBindingMode: 'WaitForFirstConsumer' };
    expect(storageClassPrinter.cells(sc, NOW)).toEqual(['standard (default)', 'rancher.io/local-path', 'Delete', 'WaitForFirstConsumer', false, '45m']);
  });

  it('CSI driver defaults', () => {
    expect(csiDriverPrinter.cells({ metadata: meta('d'), spec: {} }, NOW)).toEqual(['d', true, false, false, '<unset>', false, '<none>', '45m']);
    const d = { metadata: meta('d'), spec: { attachRequired: false, tokenRequests: [{ audience: 'a' }, { audience: 'b' }], volumeLifecycleModes: ['Persistent', 'Ephemeral'] } };
    expect(csiDriverPrinter.cells(d, NOW)).toEqual(['d', false, false, false, 'a,b', false, 'Persistent,Ephemeral', '45m']);
  });

  it('priority class, runtime class, lease', () => {
    expect(priorityClassPrinter.cells({ metadata: meta('high'), value: 1000000, globalDefault: true, preemptionPolicy: 'Never' }, NOW)).toEqual(['high', 1000000, true, '45m', 'Never']);
    expect(runtimeClassPrinter.cells({ metadata: meta('gvisor'), handler: 'runsc' }, NOW)).toEqual(['gvisor', 'runsc', '45m']);
    expect(leasePrinter.cells({ metadata: meta('kube-scheduler'), spec: { holderIdentity: 'n1_abc' } }, NOW)).toEqual(['kube-scheduler', 'n1_abc', '45m']);
    expect(leasePrinter.cells({ metadata: meta('l'), spec: {} }, NOW)[1]).toBe('');
  });

  it('endpoint slices', () => {
    expect(formatDiscoveryPorts([{ port: 80 }, { name: 'http' }, {}, { port: 1 }])).toBe('80,http,* + 1 more...');
    expect(formatDiscoveryPorts([])).toBe('<unset>');
    expect(formatDiscoveryEndpoints([{ addresses: ['10.0.0.1', '10.0.0.2'] }, { addresses: ['10.0.0.3'] }])).toBe('10.0.0.1,10.0.0.2,10.0.0.3');
    expect(formatDiscoveryEndpoints([{ addresses: ['a', 'b'] }, { addresses: ['c', 'd', 'e'] }])).toBe('a,b,c + 2 more...');
    const es = { metadata: meta('web-abc'), addressType: 'IPv4', ports: [{ port: 8080 }], endpoints: [{ addresses: ['10.244.0.5'] }] };
    expect(endpointSlicePrinter.cells(es, NOW)).toEqual(['web-abc', 'IPv4', '8080', '10.244.0.5', '45m']);
  });

  it('certificate signing requests', () => {
    expect(csrCondition({ status: {} })).toBe('Pending');
    expect(csrCondition({ status: { conditions: [{ type: 'Approved' }], certificate: 'LS0t' } })).toBe('Approved,Issued');
    expect(csrCondition({ status: { conditions: [{ type: 'Approved' }, { type: 'Denied' }, { type: 'Failed' }] } })).toBe('Denied,Failed');
    const csr = { metadata: meta('csr-1'), spec: { signerName: 'kubernetes.io/kube-apiserver-client', username: 'jane', expirationSeconds: 86400 } };
    expect(certificateSigningRequestPrinter.cells(csr, NOW)).toEqual(['csr-1', '45m', 'kubernetes.io/kube-apiserver-client', 'jane', '24h', 'Pending']);
  });

  it('flow schemas are listed by matching precedence then name', () => {
    const fs = (name: string, mp?: number): KubeObject => ({ metadata: meta(name), spec: { priorityLevelConfiguration: { name: 'global-default' }, matchingPrecedence: mp } });
    const sorted = flowSchemaPrinter.sortObjects!([fs('b', 9000), fs('z', 100), fs('a', 9000), fs('default')]);
    expect(sorted.map((o) => (o.metadata as { name: string }).name)).toEqual(['z', 'default', 'a', 'b']);
    expect(flowSchemaPrinter.cells(fs('x', 500), NOW)).toEqual(['x', 'global-default', 500, '<none>', '45m', '?']);
    const pl = { metadata: meta('workload-low'), spec: { type: 'Limited', limited: { nominalConcurrencyShares: 100, limitResponse: { type: 'Queue', queuing: { queues: 128, handSize: 6, queueLengthLimit: 50 } } } } };
    expect(priorityLevelConfigurationPrinter.cells(pl, NOW)).toEqual(['workload-low', 'Limited', 100, 128, 6, 50, '45m']);
    expect(priorityLevelConfigurationPrinter.cells({ metadata: meta('exempt'), spec: { type: 'Exempt' } }, NOW)).toEqual(['exempt', 'Exempt', '<none>', '<none>', '<none>', '<none>', '45m']);
  });

  it('admission policy binding param refs', () => {
    const b = (paramRef: unknown) => validatingAdmissionPolicyBindingPrinter.cells({ metadata: meta('b'), spec: { policyName: 'p', paramRef } }, NOW)[2];
    expect(b(undefined)).toBe('<unset>');
    expect(b({ name: 'cfg', namespace: 'ns' })).toBe('ns/cfg');
    expect(b({ name: 'cfg' })).toBe('*/cfg');
    expect(b({ selector: { matchLabels: { a: 'b' } } })).toBe('&LabelSelector{MatchLabels:map[string]string{a: b,},MatchExpressions:[]LabelSelectorRequirement{},}');
  });

  it('resource claim states', () => {
    expect(resourceClaimState({ status: {} })).toBe('pending');
    expect(resourceClaimState({ status: { allocation: {}, reservedFor: [{ name: 'p' }] } })).toBe('allocated,reserved');
    expect(resourceClaimState({ metadata: { deletionTimestamp: ago(0) }, status: {} })).toBe('deleted');
    expect(resourceClaimState({ metadata: { deletionTimestamp: ago(0) }, status: { allocation: {} } })).toBe('deleted,allocated');
  });
});
