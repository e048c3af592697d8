// Nodes: STATUS is Ready/NotReady/Unknown from the Ready condition, with
// ",SchedulingDisabled" for cordoned nodes; ROLES comes from role labels.

import { ageColumn, ageOf, byteCompare, col, metadata, nameColumn, nameOf, obj, objs, str } from './format.js';
import type { KubeObject, Printer } from './types.js';

const NODE_ROLE_LABEL_PREFIX = 'node-role.kubernetes.io/';
const NODE_ROLE_LABEL = 'kubernetes.io/role';

export function nodeStatus(node: KubeObject): string {
  const status: string[] = [];
  // Only the Ready condition is reported (the last one wins if duplicated, like kube's map).
  const ready = objs(obj(node.status).conditions).filter((c) => str(c.type) === 'Ready').pop();
  if (ready) status.push(str(ready.status) === 'True' ? 'Ready' : 'NotReady');
  if (status.length === 0) status.push('Unknown');
  if (obj(node.spec).unschedulable === true) status.push('SchedulingDisabled');
  return status.join(',');
}

/** Roles from `node-role.kubernetes.io/<role>` keys and the `kubernetes.io/role` value, sorted and de-duplicated. */
export function nodeRoles(node: KubeObject): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(obj(metadata(node).labels))) {
    if (k.startsWith(NODE_ROLE_LABEL_PREFIX)) {
      const role = k.slice(NODE_ROLE_LABEL_PREFIX.length);
      if (role) roles.add(role);
    } else if (k === NODE_ROLE_LABEL && str(v) !== '') {
      roles.add(str(v));
    }
  }
  return roles.size === 0 ? '<none>' : [...roles].sort(byteCompare).join(',');
}

function firstAddress(node: KubeObject, type: string): string {
  const a = objs(obj(node.status).addresses).find((x) => str(x.type) === type);
  return a ? str(a.address) : '<none>';
}

export const nodePrinter: Printer = {
  columns: [
    nameColumn(),
    col('Status', 'string', 'The status of the node'),
    col('Roles', 'string', 'The roles of the node'),
    ageColumn(),
    col('Version', 'string', 'Kubelet version reported by the node.'),
    col('Internal-IP', 'string', 'List of addresses reachable to the node.', 1),
    col('External-IP', 'string', 'List of addresses reachable to the node.', 1),
    col('OS-Image', 'string', 'OS image reported by the node.', 1),
    col('Kernel-Version', 'string', 'Kernel version reported by the node.', 1),
    col('Container-Runtime', 'string', 'Container runtime version reported by the node.', 1),
  ],
  cells(node, now) {
    const info = obj(obj(node.status).nodeInfo);
    return [
      nameOf(node),
      nodeStatus(node),
      nodeRoles(node),
      ageOf(node, now),
      str(info.kubeletVersion),
      firstAddress(node, 'InternalIP'),
      firstAddress(node, 'ExternalIP'),
      str(info.osImage) || '<unknown>',
      str(info.kernelVersion) || '<unknown>',
      str(info.containerRuntimeVersion) || '<unknown>',
    ];
  },
};
