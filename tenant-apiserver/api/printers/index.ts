// Server-side printing: which printer a resource uses, and how a list of
// objects becomes the meta.k8s.io Table kubectl renders.

import { badRequest } from '../errors.js';
import { customPrinter } from './custom.js';
import * as admission from './admission.js';
import * as apps from './apps.js';
import { horizontalPodAutoscalerPrinter } from './autoscaling.js';
import * as batch from './batch.js';
import * as certificates from './certificates.js';
import * as cluster from './cluster.js';
import * as core from './core.js';
import { eventPrinter, eventsV1Printer } from './events.js';
import * as flowcontrol from './flowcontrol.js';
import { col, metadata, nameColumn, nameOf, obj, AGE_DESCRIPTION } from './format.js';
import * as networking from './networking.js';
import { nodePrinter } from './nodes.js';
import { podPrinter, podTemplatePrinter } from './pods.js';
import { podDisruptionBudgetPrinter } from './policy.js';
import * as rbac from './rbac.js';
import * as resource from './resource.js';
import { endpointsPrinter, servicePrinter } from './services.js';
import * as storage from './storage.js';
import type { KubeObject, PartialObjectMetadata, Printer, Table, TableListMeta, TableRow } from './types.js';

export type { ColumnDefinition, KubeObject, Printer, Table, TableRow, TableRowCondition } from './types.js';
export { humanDuration, translateTimestampSince } from './age.js';

/** Go's time.RFC3339 layout (second precision, UTC "Z"); the zero time for a missing timestamp. */
function rfc3339(value: unknown): string {
  const t = typeof value === 'string' ? Date.parse(value) : NaN;
  if (Number.isNaN(t)) return '0001-01-01T00:00:00Z';
  return new Date(Math.floor(t / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * The table kube-apiserver's DefaultTableConvertor produces for resources
 * without a dedicated printer (roles, limit ranges, custom resources without
 * additionalPrinterColumns...): name and creation time as an RFC 3339 date.
 */
export const defaultPrinter: Printer = {
  columns: [nameColumn(), col('Created At', 'date', AGE_DESCRIPTION)],
  cells(o) {
    return [nameOf(o), rfc3339(metadata(o).creationTimestamp)];
  },
};

/** Printers by "group/resource" (core group is ""). */
const PRINTERS: ReadonlyMap<string, Printer> = new Map<string, Printer>([
  // core/v1
  ['/pods', podPrinter],
  ['/podtemplates', podTemplatePrinter],
  ['/replicationcontrollers', core.replicationControllerPrinter],
  ['/services', servicePrinter],
  ['/endpoints', endpointsPrinter],
  ['/nodes', nodePrinter],
  ['/events', eventPrinter],
  ['/namespaces', core.namespacePrinter],
  ['/secrets', core.secretPrinter],
  ['/configmaps', core.configMapPrinter],
  ['/serviceaccounts', core.serviceAccountPrinter],
  ['/persistentvolumes', core.persistentVolumePrinter],
  ['/persistentvolumeclaims', core.persistentVolumeClaimPrinter],
  ['/componentstatuses', core.componentStatusPrinter],
  ['/resourcequotas', core.resourceQuotaPrinter],
  // apps
  ['apps/deployments', apps.deploymentPrinter],
  ['apps/replicasets', apps.replicaSetPrinter],
  ['apps/statefulsets', apps.statefulSetPrinter],
  ['apps/daemonsets', apps.daemonSetPrinter],
  ['apps/controllerrevisions', apps.controllerRevisionPrinter],
  // batch
  ['batch/jobs', batch.jobPrinter],
  ['batch/cronjobs', batch.cronJobPrinter],
  // autoscaling
  ['autoscaling/horizontalpodautoscalers', horizontalPodAutoscalerPrinter],
  // networking
  ['networking.k8s.io/ingresses', networking.ingressPrinter],
  ['networking.k8s.io/ingressclasses', networking.ingressClassPrinter],
  ['networking.k8s.io/networkpolicies', networking.networkPolicyPrinter],
  ['networking.k8s.io/servicecidrs', networking.serviceCIDRPrinter],
  ['networking.k8s.io/ipaddresses', networking.ipAddressPrinter],
  // policy
  ['policy/poddisruptionbudgets', podDisruptionBudgetPrinter],
  // rbac (roles and cluster roles use the default table, as in kube)
  ['rbac.authorization.k8s.io/rolebindings', rbac.roleBindingPrinter],
  ['rbac.authorization.k8s.io/clusterrolebindings', rbac.clusterRoleBindingPrinter],
  // storage
  ['storage.k8s.io/storageclasses', storage.storageClassPrinter],
  ['storage.k8s.io/volumeattachments', storage.volumeAttachmentPrinter],
  ['storage.k8s.io/csinodes', storage.csiNodePrinter],
  ['storage.k8s.io/csidrivers', storage.csiDriverPrinter],
  ['storage.k8s.io/csistoragecapacities', storage.csiStorageCapacityPrinter],
  ['storage.k8s.io/volumeattributesclasses', storage.volumeAttributesClassPrinter],
  // scheduling, node, coordination, discovery, events
  ['scheduling.k8s.io/priorityclasses', cluster.priorityClassPrinter],
  ['node.k8s.io/runtimeclasses', cluster.runtimeClassPrinter],
  ['coordination.k8s.io/leases', cluster.leasePrinter],
  ['coordination.k8s.io/leasecandidates', cluster.leaseCandidatePrinter],
  ['discovery.k8s.io/endpointslices', cluster.endpointSlicePrinter],
  ['events.k8s.io/events', eventsV1Printer],
  // certificates
  ['certificates.k8s.io/certificatesigningrequests', certificates.certificateSigningRequestPrinter],
  ['certificates.k8s.io/clustertrustbundles', certificates.clusterTrustBundlePrinter],
  ['certificates.k8s.io/podcertificaterequests', certificates.podCertificateRequestPrinter],
  // admission
  ['admissionregistration.k8s.io/mutatingwebhookconfigurations', admission.mutatingWebhookConfigurationPrinter],
  ['admissionregistration.k8s.io/validatingwebhookconfigurations', admission.validatingWebhookConfigurationPrinter],
  ['admissionregistration.k8s.io/validatingadmissionpolicies', admission.validatingAdmissionPolicyPrinter],
  ['admissionregistration.k8s.io/validatingadmissionpolicybindings', admission.validatingAdmissionPolicyBindingPrinter],
  ['admissionregistration.k8s.io/mutatingadmissionpolicies', admission.mutatingAdmissionPolicyPrinter],
  ['admissionregistration.k8s.io/mutatingadmissionpolicybindings', admission.mutatingAdmissionPolicyBindingPrinter],
  // flow control
  ['flowcontrol.apiserver.k8s.io/flowschemas', flowcontrol.flowSchemaPrinter],
  ['flowcontrol.apiserver.k8s.io/prioritylevelconfigurations', flowcontrol.priorityLevelConfigurationPrinter],
  // dynamic resource allocation
  ['resource.k8s.io/deviceclasses', resource.deviceClassPrinter],
  ['resource.k8s.io/resourceclaims', resource.resourceClaimPrinter],
  ['resource.k8s.io/resourceclaimtemplates', resource.resourceClaimTemplatePrinter],
  ['resource.k8s.io/resourceslices', resource.resourceSlicePrinter],
  ['resource.k8s.io/devicetaintrules', resource.deviceTaintRulePrinter],
  // apiserver internals
  ['internal.apiserver.k8s.io/storageversions', resource.storageVersionPrinter],
  ['storagemigration.k8s.io/storageversionmigrations', resource.storageVersionMigrationPrinter],
]);

export { registerPrinter, unregisterPrinter } from './custom.js';

/** The printer kube-apiserver uses for a built-in resource, or the default NAME / CREATED AT table. */
export function printerFor(group: string, resource: string): Printer {
  return PRINTERS.get(`${group}/${resource}`) ?? customPrinter(group, resource) ?? defaultPrinter;
}

/** Every resource with a dedicated printer, as [group, resource] pairs. */
export function printedResources(): [group: string, resource: string][] {
  return [...PRINTERS.keys()].map((k) => {
    const i = k.indexOf('/');
    return [k.slice(0, i), k.slice(i + 1)];
  });
}

/** Whether a resource has a dedicated printer (false: the default table). */
export function hasPrinter(group: string, resource: string): boolean {
  return PRINTERS.has(`${group}/${resource}`);
}

export type IncludeObject = 'None' | 'Object' | 'Metadata';

export interface ToTableOptions {
  /** What each row's `object` carries; kube's default (unset or "") is Metadata. */
  includeObject?: IncludeObject | '';
  /** List metadata (resourceVersion, continue, remainingItemCount); for a single object, its resourceVersion. */
  listMeta?: TableListMeta;
  /** Epoch milliseconds used for every age in the table. */
  now: number;
  /** false suppresses column definitions (noHeaders, and watch events after the first). */
  withColumns: boolean;
  /** meta.k8s.io version the client asked for; sets the Table's and PartialObjectMetadata's apiVersion. */
  version?: 'v1' | 'v1beta1';
}

function rowObject(o: KubeObject, includeObject: IncludeObject | '', version: string): TableRow['object'] {
  switch (includeObject) {
    case 'Object':
      return o;
    case 'Metadata':
    case '': {
      const partial: PartialObjectMetadata = {
        kind: 'PartialObjectMetadata',
        apiVersion: `meta.k8s.io/${version}` as PartialObjectMetadata['apiVersion'],
        metadata: obj(o.metadata),
      };
      return partial;
    }
    case 'None':
      return null;
    default:
      throw badRequest(`unrecognized includeObject value: "${String(includeObject)}"`);
  }
}

/** Builds the meta.k8s.io Table for `objects` (one row each, in order, except kinds the printer sorts). */
export function toTable(printer: Printer, objects: readonly KubeObject[], opts: ToTableOptions): Table {
  const includeObject = opts.includeObject ?? 'Metadata';
  const version = opts.version ?? 'v1';
  const ordered = printer.sortObjects ? printer.sortObjects([...objects]) : objects;

  const rows: TableRow[] = ordered.map((o) => {
    const row: TableRow = { cells: printer.cells(o, opts.now), object: null };
    const conditions = printer.rowConditions?.(o);
    if (conditions && conditions.length > 0) row.conditions = conditions;
    row.object = rowObject(o, includeObject, version);
    return row;
  });

  const metadataOut: TableListMeta = {};
  const lm = opts.listMeta;
  if (lm?.resourceVersion) metadataOut.resourceVersion = lm.resourceVersion;
  if (lm?.continue) metadataOut.continue = lm.continue;
  if (typeof lm?.remainingItemCount === 'number') metadataOut.remainingItemCount = lm.remainingItemCount;

  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${version}` as Table['apiVersion'],
    metadata: metadataOut,
    columnDefinitions: opts.withColumns ? printer.columns.map((c) => ({ ...c })) : null,
    rows,
  };
}
