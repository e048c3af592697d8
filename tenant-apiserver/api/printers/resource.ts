// resource.k8s.io (dynamic resource allocation) plus the apiserver-internal
// StorageVersion and storagemigration StorageVersionMigration kinds.

import { translateTimestampSince } from './age.js';
import {
  ageColumn,
  ageOf,
  col,
  isDeleting,
  listWithMore,
  nameColumn,
  nameOf,
  NAME_DESCRIPTION,
  obj,
  objs,
  optObj,
  str,
} from './format.js';
import type { KubeObject, Printer } from './types.js';

const nameAgePrinter = (): Printer => ({
  columns: [nameColumn(), ageColumn()],
  cells(o, now) {
    return [nameOf(o), ageOf(o, now)];
  },
});

export const deviceClassPrinter = nameAgePrinter();
export const resourceClaimTemplatePrinter = nameAgePrinter();

/** "pending", "allocated,reserved", "deleted,allocated"... */
export function resourceClaimState(o: KubeObject): string {
  const states: string[] = [];
  const deleting = isDeleting(o);
  const status = obj(o.status);
  if (deleting) states.push('deleted');
  if (!optObj(status.allocation)) {
    if (!deleting) states.push('pending');
  } else {
    states.push('allocated');
    if (objs(status.reservedFor).length > 0) states.push('reserved');
  }
  return states.join(',');
}

export const resourceClaimPrinter: Printer = {
  columns: [
    nameColumn(),
    col('State', 'string', 'A summary of the current state (allocated, pending, reserved, etc.).'),
    ageColumn(),
  ],
  cells(o, now) {
    return [nameOf(o), resourceClaimState(o), ageOf(o, now)];
  },
};

export const resourceSlicePrinter: Printer = {
  columns: [
    nameColumn(),
    col('Node', 'string', 'The node providing the resources of this slice.'),
    col('Driver', 'string', 'The driver providing the resources.'),
    col('Pool', 'string', 'The pool this slice belongs to.'),
    ageColumn(),
  ],
  cells(o, now) {
    const spec = obj(o.spec);
    return [nameOf(o), str(spec.nodeName), str(spec.driver), str(obj(spec.pool).name), ageOf(o, now)];
  },
};

export const deviceTaintRulePrinter: Printer = {
  columns: [
    nameColumn(),
    col('Key', 'string', 'The taint key.'),
    col('Value', 'string', 'The taint value.'),
    col('Effect', 'string', 'The taint effect.'),
    col('TimeAdded', 'string', 'When the taint was added.'),
    ageColumn(),
  ],
  cells(o, now) {
    const taint = obj(obj(o.spec).taint);
    const added = taint.timeAdded ? translateTimestampSince(taint.timeAdded, now) : '';
    return [nameOf(o), str(taint.key), str(taint.value), str(taint.effect), added, ageOf(o, now)];
  },
};

export const storageVersionPrinter: Printer = {
  columns: [
    nameColumn(),
    col('CommonEncodingVersion', 'string', 'The encoding version all API servers agree on, if any.'),
    col('StorageVersions', 'string', 'Encoding versions reported by each API server.'),
    ageColumn(),
  ],
  cells(o, now) {
    const status = obj(o.status);
    const max = 3;
    const list: string[] = [];
    let more = false;
    let count = 0;
    for (const sv of objs(status.storageVersions)) {
      if (list.length < max) list.push(`${str(sv.apiServerID)}=${str(sv.encodingVersion)}`);
      else if (list.length === max) more = true;
      count++;
    }
    const common = typeof status.commonEncodingVersion === 'string' ? status.commonEncodingVersion : '<unset>';
    return [nameOf(o), common, listWithMore(list, more, count, max), ageOf(o, now)];
  },
};

export const storageVersionMigrationPrinter: Printer = {
  // kube declares this Name column without the "name" format.
  columns: [{ name: 'Name', type: 'string', format: '', description: NAME_DESCRIPTION, priority: 0 }, col('Resource', 'string', 'Fully qualified resource to migrate')],
  cells(o) {
    const r = obj(obj(o.spec).resource);
    return [nameOf(o), `${str(r.resource)}.${str(r.group)}`];
  },
};
