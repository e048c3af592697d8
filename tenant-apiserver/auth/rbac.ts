// The RBAC authorizer: Role, ClusterRole, RoleBinding and ClusterRoleBinding,
// evaluated as kube-apiserver's RBAC authorizer does (union of allow rules; no
// deny), with the system:masters bypass. Bindings and roles are kept in memory
// from the store's watch, so a decision never touches storage.

import type { KubeObject, UserInfo } from '../api/types.js';

export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface Subject {
  kind: 'User' | 'Group' | 'ServiceAccount' | string;
  name: string;
  namespace?: string;
  apiGroup?: string;
}

export interface RoleRef {
  apiGroup: string;
  kind: 'Role' | 'ClusterRole' | string;
  name: string;
}

export interface Attributes {
  user: UserInfo;
  verb: string;
  isResourceRequest: boolean;
  /** Resource requests. */
  apiGroup?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  /** Non-resource requests. */
  path?: string;
}

export interface Decision {
  allowed: boolean;
  /** Why (for SubjectAccessReview status.reason). */
  reason: string;
}

interface Binding {
  namespace?: string;
  name: string;
  subjects: Subject[];
  roleRef: RoleRef;
}

/** The live policy, fed with every change of the four RBAC kinds. */
export class RbacPolicy {
  private readonly roles = new Map<string, PolicyRule[]>(); // ns/name
  private readonly clusterRoles = new Map<string, PolicyRule[]>();
  private readonly roleBindings = new Map<string, Binding>(); // ns/name
  private readonly clusterRoleBindings = new Map<string, Binding>();

  upsert(kind: 'Role' | 'ClusterRole' | 'RoleBinding' | 'ClusterRoleBinding', obj: KubeObject): void {
    const ns = obj.metadata?.namespace ?? '';
    const name = obj.metadata?.name ?? '';
    switch (kind) {
      case 'Role':
        this.roles.set(`${ns}/${name}`, (obj.rules as PolicyRule[] | undefined) ?? []);
        break;
      case 'ClusterRole':
        this.clusterRoles.set(name, (obj.rules as PolicyRule[] | undefined) ?? []);
        break;
      case 'RoleBinding':
        this.roleBindings.set(`${ns}/${name}`, { namespace: ns, name, subjects: (obj.subjects as Subject[] | undefined) ?? [], roleRef: obj.roleRef as RoleRef });
        break;
      case 'ClusterRoleBinding':
        this.clusterRoleBindings.set(name, { name, subjects: (obj.subjects as Subject[] | undefined) ?? [], roleRef: obj.roleRef as RoleRef });
        break;
    }
  }

  remove(kind: 'Role' | 'ClusterRole' | 'RoleBinding' | 'ClusterRoleBinding', obj: KubeObject): void {
    const ns = obj.metadata?.namespace ?? '';
    const name = obj.metadata?.name ?? '';
    if (kind === 'Role') this.roles.delete(`${ns}/${name}`);
    else if (kind === 'ClusterRole') this.clusterRoles.delete(name);
    else if (kind === 'RoleBinding') this.roleBindings.delete(`${ns}/${name}`);
    else this.clusterRoleBindings.delete(name);
  }

  private rulesOf(ref: RoleRef, bindingNamespace?: string): PolicyRule[] {
    if (ref.kind === 'ClusterRole') return this.clusterRoles.get(ref.name) ?? [];
    if (ref.kind === 'Role' && bindingNamespace) return this.roles.get(`${bindingNamespace}/${ref.name}`) ?? [];
    return [];
  }

  /** Every rule that applies to the user in a namespace (cluster-wide ones included). */
  rulesFor(user: UserInfo, namespace: string | undefined): PolicyRule[] {
    const out: PolicyRule[] = [];
    for (const b of this.clusterRoleBindings.values()) if (appliesTo(b.subjects, user, undefined)) out.push(...this.rulesOf(b.roleRef));
    if (namespace) {
      for (const b of this.roleBindings.values()) {
        if (b.namespace === namespace && appliesTo(b.subjects, user, namespace)) out.push(...this.rulesOf(b.roleRef, b.namespace));
      }
    }
    return out;
  }

  authorize(a: Attributes): Decision {
    if (a.user.groups.includes('system:masters')) return { allowed: true, reason: 'system:masters' };
    for (const b of this.clusterRoleBindings.values()) {
      if (!appliesTo(b.subjects, a.user, undefined)) continue;
      if (this.rulesOf(b.roleRef).some((r) => ruleAllows(r, a))) {
        return { allowed: true, reason: `RBAC: allowed by ClusterRoleBinding "${b.name}" of ClusterRole "${b.roleRef.name}" to ${describeUser(a.user)}` };
      }
    }
    if (a.isResourceRequest && a.namespace) {
      for (const b of this.roleBindings.values()) {
        if (b.namespace !== a.namespace || !appliesTo(b.subjects, a.user, b.namespace)) continue;
        if (this.rulesOf(b.roleRef, b.namespace).some((r) => ruleAllows(r, a))) {
          return { allowed: true, reason: `RBAC: allowed by RoleBinding "${b.name}/${b.namespace}" of ${b.roleRef.kind} "${b.roleRef.name}" to ${describeUser(a.user)}` };
        }
      }
    }
    return { allowed: false, reason: '' };
  }
}

function describeUser(u: UserInfo): string {
  return `User "${u.username}"`;
}

function appliesTo(subjects: Subject[], user: UserInfo, bindingNamespace: string | undefined): boolean {
  for (const s of subjects) {
    switch (s.kind) {
      case 'User':
        if (s.name === user.username) return true;
        break;
      case 'Group':
        if (user.groups.includes(s.name)) return true;
        break;
      case 'ServiceAccount': {
        const ns = s.namespace || bindingNamespace;
        if (ns && user.username === `system:serviceaccount:${ns}:${s.name}`) return true;
        break;
      }
    }
  }
  return false;
}

function has(list: string[] | undefined, v: string): boolean {
  return !!list && (list.includes('*') || list.includes(v));
}

export function ruleAllows(r: PolicyRule, a: Attributes): boolean {
  if (!has(r.verbs, a.verb)) return false;
  if (!a.isResourceRequest) {
    const path = a.path ?? '';
    return (r.nonResourceURLs ?? []).some((u) => u === '*' || u === path || (u.endsWith('*') && path.startsWith(u.slice(0, -1))));
  }
  if (!has(r.apiGroups, a.apiGroup ?? '')) return false;
  const combined = a.subresource ? `${a.resource}/${a.subresource}` : (a.resource ?? '');
  const resources = r.resources ?? [];
  const resourceOk =
    resources.includes('*') ||
    resources.includes(combined) ||
    (a.subresource ? resources.includes(`*/${a.subresource}`) : false);
  if (!resourceOk) return false;
  if (r.resourceNames && r.resourceNames.length > 0) return !!a.name && r.resourceNames.includes(a.name);
  return true;
}

/** kube-apiserver's Forbidden wording for a denied request. */
export function forbiddenMessage(a: Attributes): string {
  const who = `User "${a.user.username}"`;
  if (!a.isResourceRequest) return `forbidden: ${who} cannot ${a.verb} path "${a.path}"`;
  const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const subject = a.name ? `${qualified(a)} "${a.name}"` : qualified(a);
  const scope = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
  return `${subject} is forbidden: ${who} cannot ${a.verb} resource "${res}" in API group "${a.apiGroup ?? ''}" ${scope}`;
}

/** The subject names the resource only (`pods "x"`, `deployments.apps`), as kube words it. */
function qualified(a: Attributes): string {
  return a.apiGroup ? `${a.resource}.${a.apiGroup}` : a.resource!;
}
