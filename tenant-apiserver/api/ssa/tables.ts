// Facts about the built-in types that structured-merge-diff gets from kube's
// OpenAPI v3 models or from the Go structs, but that neither the vendored
// OpenAPI v2 document nor the compiled SchemaNodes carry.

import type { Json } from './fieldpath.js';

/**
 * Definitions marked `x-kubernetes-map-type: atomic` on the definition itself
 * (`+structType=atomic`). schema-check keeps only property-level map types, so
 * the list is spelled out here; ssa.test.ts checks it against the vendored spec.
 */
export const ATOMIC_STRUCT_DEFINITIONS: ReadonlySet<string> = new Set([
  'io.k8s.api.admissionregistration.v1.MatchResources',
  'io.k8s.api.admissionregistration.v1.NamedRuleWithOperations',
  'io.k8s.api.admissionregistration.v1.ParamKind',
  'io.k8s.api.admissionregistration.v1.ParamRef',
  'io.k8s.api.admissionregistration.v1.Variable',
  'io.k8s.api.admissionregistration.v1alpha1.MatchResources',
  'io.k8s.api.admissionregistration.v1alpha1.NamedRuleWithOperations',
  'io.k8s.api.admissionregistration.v1alpha1.ParamKind',
  'io.k8s.api.admissionregistration.v1alpha1.ParamRef',
  'io.k8s.api.admissionregistration.v1beta1.MatchResources',
  'io.k8s.api.admissionregistration.v1beta1.NamedRuleWithOperations',
  'io.k8s.api.admissionregistration.v1beta1.ParamKind',
  'io.k8s.api.admissionregistration.v1beta1.ParamRef',
  'io.k8s.api.admissionregistration.v1beta1.Variable',
  'io.k8s.api.autoscaling.v1.CrossVersionObjectReference',
  'io.k8s.api.core.v1.ConfigMapKeySelector',
  'io.k8s.api.core.v1.EndpointAddress',
  'io.k8s.api.core.v1.EndpointPort',
  'io.k8s.api.core.v1.FileKeySelector',
  'io.k8s.api.core.v1.LocalObjectReference',
  'io.k8s.api.core.v1.NodeSelector',
  'io.k8s.api.core.v1.NodeSelectorTerm',
  'io.k8s.api.core.v1.ObjectFieldSelector',
  'io.k8s.api.core.v1.ObjectReference',
  'io.k8s.api.core.v1.ResourceFieldSelector',
  'io.k8s.api.core.v1.ScopeSelector',
  'io.k8s.api.core.v1.SecretKeySelector',
  'io.k8s.api.core.v1.SecretReference',
  'io.k8s.api.core.v1.TopologySelectorTerm',
  'io.k8s.api.core.v1.TypedLocalObjectReference',
  'io.k8s.api.discovery.v1.EndpointPort',
  'io.k8s.api.networking.v1.ServiceBackendPort',
  'io.k8s.api.rbac.v1.RoleRef',
  'io.k8s.api.rbac.v1.Subject',
  'io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector',
  'io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference',
]);

/**
 * `+default=` values of associative-list key fields (kube's OpenAPI v3 has
 * them, v2 does not): a port without `protocol` is keyed as protocol "TCP".
 */
export const LIST_KEY_DEFAULTS: ReadonlyMap<string, Readonly<Record<string, Json>>> = new Map([
  ['io.k8s.api.core.v1.ContainerPort', { protocol: 'TCP' }],
  ['io.k8s.api.core.v1.ServicePort', { protocol: 'TCP' }],
]);

export const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
export const RAW_EXTENSION = 'io.k8s.apimachinery.pkg.runtime.RawExtension';

/**
 * The Go zero value of a built-in type, as structured-merge-diff sees a typed
 * object: a non-pointer struct field is always there (`{}` at least), a field
 * without `omitempty` is there as `null` when unset, and an empty map or slice
 * under `omitempty` is not there at all. This decides where kube's Update
 * entries carry `.` (a node that is new in the object) and what counts as a
 * change. Derived rules (see ssa/typed.ts) cover top-level metadata/spec/status
 * and `required` properties (the OpenAPI generator marks fields without
 * omitempty or +optional required); this table adds the optional ones.
 */
export const ZERO_STRUCT_FIELDS: ReadonlyMap<string, readonly string[]> = new Map([
  ['io.k8s.api.core.v1.PodTemplateSpec', ['metadata', 'spec']],
  ['io.k8s.api.batch.v1.JobTemplateSpec', ['metadata', 'spec']],
  ['io.k8s.api.core.v1.PodTemplate', ['template']],
  ['io.k8s.api.core.v1.Container', ['resources']],
  ['io.k8s.api.core.v1.EphemeralContainer', ['resources']],
  ['io.k8s.api.apps.v1.DeploymentSpec', ['strategy', 'template']],
  ['io.k8s.api.apps.v1.ReplicaSetSpec', ['template']],
  ['io.k8s.api.apps.v1.StatefulSetSpec', ['updateStrategy']],
  ['io.k8s.api.apps.v1.DaemonSetSpec', ['updateStrategy']],
  ['io.k8s.api.core.v1.ServiceStatus', ['loadBalancer']],
  ['io.k8s.api.networking.v1.IngressStatus', ['loadBalancer']],
  ['io.k8s.api.core.v1.PersistentVolumeClaimSpec', ['resources']],
  ['io.k8s.api.core.v1.Event', ['source']],
  ['io.k8s.api.events.v1.Event', ['deprecatedSource']],
  ['io.k8s.api.networking.v1.NetworkPolicySpec', ['podSelector']],
  ['io.k8s.api.core.v1.NodeStatus', ['daemonEndpoints', 'nodeInfo']],
  ['io.k8s.api.core.v1.NodeDaemonEndpoints', ['kubeletEndpoint']],
]);

/** Fields without `omitempty` (or value Times) that are `null` when unset. */
export const ZERO_NULL_FIELDS: ReadonlyMap<string, readonly string[]> = new Map([
  [OBJECT_META, ['creationTimestamp']],
  ['io.k8s.api.core.v1.Event', ['eventTime', 'firstTimestamp', 'lastTimestamp']],
  ['io.k8s.api.events.v1.Event', ['deprecatedFirstTimestamp', 'deprecatedLastTimestamp']],
  ['io.k8s.api.rbac.v1.Role', ['rules']],
  ['io.k8s.api.rbac.v1.ClusterRole', ['rules']],
  ['io.k8s.api.apps.v1.ControllerRevision', ['data']],
]);
