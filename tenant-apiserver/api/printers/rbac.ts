// rbac.authorization.k8s.io/v1: role bindings and cluster role bindings.
// Roles and cluster roles have no printer in kube and use the default table
// (NAME, CREATED AT).

import { ageColumn, ageOf, col, nameColumn, nameOf, obj, objs, str } from './format.js';
import type { KubeObject, Printer } from './types.js';

/** rbac.SubjectsStrings: users, groups and "namespace/name" service accounts. */
export function subjectsStrings(subjects: unknown): { users: string[]; groups: string[]; serviceAccounts: string[] } {
  const users: string[] = [];
  const groups: string[] = [];
  const serviceAccounts: string[] = [];
  for (const s of objs(subjects)) {
    switch (str(s.kind)) {
      case 'ServiceAccount':
        serviceAccounts.push(`${str(s.namespace)}/${str(s.name)}`);
        break;
      case 'User':
        users.push(str(s.name));
        break;
      case 'Group':
        groups.push(str(s.name));
        break;
    }
  }
  return { users, groups, serviceAccounts };
}

function bindingPrinter(what: string): Printer {
  return {
    columns: [
      nameColumn(),
      col('Role', 'string', 'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace.'),
      ageColumn(),
      col('Users', 'string', `Users in the ${what}`, 1),
      col('Groups', 'string', `Groups in the ${what}`, 1),
      col('ServiceAccounts', 'string', `ServiceAccounts in the ${what}`, 1),
    ],
    cells(o: KubeObject, now: number) {
      const ref = obj(o.roleRef);
      const { users, groups, serviceAccounts } = subjectsStrings(o.subjects);
      return [
        nameOf(o),
        `${str(ref.kind)}/${str(ref.name)}`,
        ageOf(o, now),
        users.join(', '),
        groups.join(', '),
        serviceAccounts.join(', '),
      ];
    },
  };
}

export const roleBindingPrinter = bindingPrinter('roleBinding');
export const clusterRoleBindingPrinter = bindingPrinter('clusterRoleBinding');
