// The remaining core/v1 kinds: namespaces, config maps, secrets, service
// accounts, persistent volumes and claims, resource quotas, component
// statuses and replication controllers.

import {
  ageColumn,
  ageOf,
  arr,
  byteCompare,
  col,
  containersColumn,
  formatLabels,
  imagesColumn,
  int,
  isDeleting,
  layoutContainerCells,
  mapSize,
  metadata,
  nameColumn,
  nameOf,
  obj,
  objs,
  quantity,
  str,
} from './format.js';
import type { KubeObject, Printer } from './types.js';

export const namespacePrinter: Printer = {
  columns: [nameColumn(), col('Status', 'string', 'The status of the namespace'), ageColumn()],
  cells(o, now) {
    return [nameOf(o), str(obj(o.status).phase), ageOf(o, now)];
  },
};

export const configMapPrinter: Printer = {
  columns: [nameColumn(), col('Data', 'string', 'Configuration data entries.'), ageColumn()],
  cells(o, now) {
    return [nameOf(o), mapSize(o.data) + mapSize(o.binaryData), ageOf(o, now)];
  },
};

export const secretPrinter: Printer = {
  columns: [
    nameColumn(),
    col('Type', 'string', 'Used to facilitate programmatic handling of secret data.'),
    col('Data', 'string', 'Secret data entries.'),
    ageColumn(),
  ],
  cells(o, now) {
    // stringData is write-only and merged into data on write; count the union
    // in case an object reaches us before that merge.
    const keys = new Set([...Object.keys(obj(o.data)), ...Object.keys(obj(o.stringData))]);
    return [nameOf(o), str(o.type), keys.size, ageOf(o, now)];
  },
};

export const serviceAccountPrinter: Printer = {
  // kube dropped the SECRETS column when token secrets stopped being auto-created.
  columns: [nameColumn(), ageColumn()],
  cells(o, now) {
    return [nameOf(o), ageOf(o, now)];
  },
};

/** helper.GetAccessModesAsString: de-duplicated, in the fixed order RWO, ROX, RWX, RWOP. */
export function accessModesString(modes: unknown): string {
  const set = new Set(arr(modes).map(str));
  const out: string[] = [];
  if (set.has('ReadWriteOnce')) out.push('RWO');
  if (set.has('ReadOnlyMany')) out.push('ROX');
  if (set.has('ReadWriteMany')) out.push('RWX');
  if (set.has('ReadWriteOncePod')) out.push('RWOP');
  return out.join(',');
}

const BETA_STORAGE_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

function storageClassOf(o: KubeObject): string {
  const ann = obj(metadata(o).annotations);
  if (Object.prototype.hasOwnProperty.call(ann, BETA_STORAGE_CLASS_ANNOTATION)) return str(ann[BETA_STORAGE_CLASS_ANNOTATION]);
  return str(obj(o.spec).storageClassName);
}

export const persistentVolumePrinter: Printer = {
  columns: [
    nameColumn(),
    col('Capacity', 'string', 'Capacity of the persistent volume.'),
    col('Access Modes', 'string', 'Ways the volume can be mounted.'),
    col('Reclaim Policy', 'string', 'What happens to the volume when released from its claim.'),
    col('Status', 'string', 'Phase of the persistent volume.'),
    col('Claim', 'string', 'The claim bound to this volume.'),
    col('StorageClass', 'string', 'StorageClass of the pv'),
    col('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pv'),
    col('Reason', 'string', 'Reason for a failed phase.'),
    ageColumn(),
    col('VolumeMode', 'string', 'Filesystem or Block.', 1),
  ],
  cells(o, now) {
    const spec = obj(o.spec);
    const status = obj(o.status);
    const claimRef = spec.claimRef ? `${str(obj(spec.claimRef).namespace)}/${str(obj(spec.claimRef).name)}` : '';
    const phase = isDeleting(o) ? 'Terminating' : str(status.phase);
    return [
      nameOf(o),
      quantity(obj(spec.capacity).storage),
      accessModesString(spec.accessModes),
      str(spec.persistentVolumeReclaimPolicy),
      phase,
      claimRef,
      storageClassOf(o),
      typeof spec.volumeAttributesClassName === 'string' ? spec.volumeAttributesClassName : '<unset>',
      str(status.reason),
      ageOf(o, now),
      typeof spec.volumeMode === 'string' ? spec.volumeMode : '<unset>',
    ];
  },
};

export const persistentVolumeClaimPrinter: Printer = {
  columns: [
    nameColumn(),
    col('Status', 'string', 'Phase of the claim.'),
    col('Volume', 'string', 'The volume bound to this claim.'),
    col('Capacity', 'string', 'Actual capacity of the bound volume.'),
    col('Access Modes', 'string', 'Access modes of the bound volume.'),
    col('StorageClass', 'string', 'StorageClass of the pvc'),
    col('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pvc'),
    ageColumn(),
    col('VolumeMode', 'string', 'Filesystem or Block.', 1),
  ],
  cells(o, now) {
    const spec = obj(o.spec);
    const status = obj(o.status);
    const phase = isDeleting(o) ? 'Terminating' : str(status.phase);
    const volumeName = str(spec.volumeName);
    // Capacity and modes are only meaningful once bound.
    const capacity = volumeName ? quantity(obj(status.capacity).storage) : '';
    const modes = volumeName ? accessModesString(status.accessModes) : '';
    return [
      nameOf(o),
      phase,
      volumeName,
      capacity,
      modes,
      storageClassOf(o),
      typeof spec.volumeAttributesClassName === 'string' ? spec.volumeAttributesClassName : '<unset>',
      ageOf(o, now),
      typeof spec.volumeMode === 'string' ? spec.volumeMode : '<unset>',
    ];
  },
};

export const componentStatusPrinter: Printer = {
  columns: [
    nameColumn(),
    col('Status', 'string', 'Status of the component conditions'),
    col('Message', 'string', 'Message of the component conditions'),
    col('Error', 'string', 'Error of the component conditions'),
  ],
  cells(o) {
    let status = 'Unknown';
    let message = '';
    let error = '';
    const c = objs(o.conditions).find((x) => str(x.type) === 'Healthy');
    if (c) {
      status = str(c.status) === 'True' ? 'Healthy' : 'Unhealthy';
      message = str(c.message);
      error = str(c.error);
    }
    return [nameOf(o), status, message, error];
  },
};

export const resourceQuotaPrinter: Printer = {
  columns: [
    nameColumn(),
    col('Request', 'string', 'Request represents a minimum amount of cpu/memory that a container may consume.'),
    col(
      'Limit',
      'string',
      'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.',
    ),
    ageColumn(),
  ],
  cells(o, now) {
    const status = obj(o.status);
    const hard = obj(status.hard);
    const used = obj(status.used);
    const requests: string[] = [];
    const limits: string[] = [];
    for (const resource of Object.keys(hard).sort(byteCompare)) {
      const text = `${resource}: ${quantity(used[resource])}/${quantity(hard[resource])}`;
      const pieces = resource.split('.');
      (pieces.length > 1 && pieces[0] === 'limits' ? limits : requests).push(text);
    }
    return [nameOf(o), requests.join(', '), limits.join(', '), ageOf(o, now)];
  },
};

export const replicationControllerPrinter: Printer = {
  columns: [
    nameColumn(),
    col('Desired', 'integer', 'Number of desired replicas.'),
    col('Current', 'integer', 'Most recently observed number of replicas.'),
    col('Ready', 'integer', 'Number of ready replicas.'),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    col('Selector', 'string', 'Label query over pods that should match the replicas count.', 1),
  ],
  cells(o, now) {
    const spec = obj(o.spec);
    const status = obj(o.status);
    const [names, images] = layoutContainerCells(obj(obj(spec.template).spec).containers);
    return [
      nameOf(o),
      // v1 defaulting sets replicas to 1 when omitted.
      typeof spec.replicas === 'number' ? int(spec.replicas) : 1,
      int(status.replicas),
      int(status.readyReplicas),
      ageOf(o, now),
      names,
      images,
      formatLabels(spec.selector),
    ];
  },
};
