// storage.k8s.io/v1: storage classes, volume attachments, CSI drivers/nodes/
// storage capacities and volume attributes classes.

import { ageColumn, ageOf, col, metadata, nameColumn, nameOf, obj, objs, quantity, str } from './format.js';
import type { KubeObject, Printer } from './types.js';

const DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';
const BETA_DEFAULT_CLASS_ANNOTATION = 'storageclass.beta.kubernetes.io/is-default-class';

export function isDefaultStorageClass(o: KubeObject): boolean {
  const ann = obj(metadata(o).annotations);
  return str(ann[DEFAULT_CLASS_ANNOTATION]) === 'true' || str(ann[BETA_DEFAULT_CLASS_ANNOTATION]) === 'true';
}

export const storageClassPrinter: Printer = {
  columns: [
    nameColumn(),
    col('Provisioner', 'string', 'Provisioner indicates the type of the provisioner.'),
    col('ReclaimPolicy', 'string', 'Reclaim policy of volumes dynamically provisioned by this class.'),
    col('VolumeBindingMode', 'string', 'When volumes are bound and provisioned.'),
    col('AllowVolumeExpansion', 'string', 'Whether the class allows volume expansion.'),
    ageColumn(),
  ],
  cells(o, now) {
    const name = isDefaultStorageClass(o) ? `${nameOf(o)} (default)` : nameOf(o);
    return [
      name,
      str(o.provisioner),
      typeof o.reclaimPolicy === 'string' ? o.reclaimPolicy : 'Delete',
      typeof o.volumeBindingMode === 'string' ? o.volumeBindingMode : 'Immediate',
      o.allowVolumeExpansion === true,
      ageOf(o, now),
    ];
  },
};

export const volumeAttributesClassPrinter: Printer = {
  columns: [nameColumn(), col('DriverName', 'string', 'Name of the CSI driver.'), ageColumn()],
  cells(o, now) {
    return [nameOf(o), str(o.driverName), ageOf(o, now)];
  },
};

export const volumeAttachmentPrinter: Printer = {
  columns: [
    nameColumn(),
    // kube marks this column with format "name" too.
    col('Attacher', 'string', 'Attacher indicates the name of the volume driver that MUST handle this request.', 0, 'name'),
    col('PV', 'string', 'Name of the persistent volume to attach.'),
    col('Node', 'string', 'The node that the volume should be attached to.'),
    col('Attached', 'boolean', 'Indicates the volume is successfully attached.'),
    ageColumn(),
  ],
  cells(o, now) {
    const spec = obj(o.spec);
    return [
      nameOf(o),
      str(spec.attacher),
      str(obj(spec.source).persistentVolumeName),
      str(spec.nodeName),
      obj(o.status).attached === true,
      ageOf(o, now),
    ];
  },
};

export const csiNodePrinter: Printer = {
  columns: [nameColumn(), col('Drivers', 'integer', 'Drivers indicates the number of CSI drivers registered on the node'), ageColumn()],
  cells(o, now) {
    return [nameOf(o), objs(obj(o.spec).drivers).length, ageOf(o, now)];
  },
};

export const csiDriverPrinter: Printer = {
  columns: [
    nameColumn(),
    col('AttachRequired', 'boolean', 'Whether the driver requires an attach operation.'),
    col('PodInfoOnMount', 'boolean', 'Whether the driver requires pod information on mount.'),
    col('StorageCapacity', 'boolean', 'Whether the driver reports storage capacity.'),
    col('TokenRequests', 'string', 'Audiences of service account tokens passed to the driver.'),
    col('RequiresRepublish', 'boolean', 'Whether NodePublishVolume is called periodically.'),
    col('Modes', 'string', 'Volume lifecycle modes supported by the driver.'),
    ageColumn(),
  ],
  cells(o, now) {
    const spec = obj(o.spec);
    const modes = (Array.isArray(spec.volumeLifecycleModes) ? spec.volumeLifecycleModes : []).map(str).join(',');
    const tokenRequests = Array.isArray(spec.tokenRequests)
      ? objs(spec.tokenRequests).map((t) => str(t.audience)).join(',')
      : '<unset>';
    return [
      nameOf(o),
      spec.attachRequired !== false, // defaults to true
      spec.podInfoOnMount === true,
      spec.storageCapacity === true,
      tokenRequests,
      spec.requiresRepublish === true,
      modes || '<none>',
      ageOf(o, now),
    ];
  },
};

export const csiStorageCapacityPrinter: Printer = {
  columns: [
    nameColumn(),
    col('StorageClassName', 'string', 'The storage class this capacity applies to.'),
    col('Capacity', 'string', 'Capacity reported by the driver.'),
  ],
  cells(o) {
    const cap = o.capacity === undefined || o.capacity === null ? '<unset>' : quantity(o.capacity);
    return [nameOf(o), str(o.storageClassName), cap];
  },
};

