// rbac.authorization.k8s.io/v1 (pkg/apis/rbac/validation, pkg/registry/rbac/*):
// path-segment names, rule shape, roleRef that never changes, subject kinds.

import type { FieldError } from '../errors.js';
import type { Strategy } from '../strategy.js';
import type { KubeObject } from '../types.js';
import { goQuote } from '../goquote.js';
import { pathSegmentErrors } from '../validation/names.js';
import { registerStrategy } from './register.js';
import { asArr, asObj, deepEqual, goStringSlice, invalid, invalidGo, notSupported, objs, required, setDefault, str } from './util.js';
import { dnsSubdomain, validateLabelSelector } from './validators.js';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** ValidatePolicyRule. */
export function validatePolicyRule(rule: Record<string, unknown>, namespaced: boolean, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (asArr(rule.verbs).length === 0) errs.push(required(`${field}.verbs`, 'verbs must contain at least one value'));
  const urls = asArr(rule.nonResourceURLs);
  if (urls.length > 0) {
    if (namespaced) errs.push(invalidGo(`${field}.nonResourceURLs`, goStringSlice(urls), 'namespaced rules cannot apply to non-resource URLs'));
    if (asArr(rule.apiGroups).length > 0 || asArr(rule.resources).length > 0 || asArr(rule.resourceNames).length > 0) {
      errs.push(invalidGo(`${field}.nonResourceURLs`, goStringSlice(urls), 'rules cannot apply to both regular resources and non-resource URLs'));
    }
    return errs;
  }
  if (asArr(rule.apiGroups).length === 0) errs.push(required(`${field}.apiGroups`, 'resource rules must supply at least one api group'));
  if (asArr(rule.resources).length === 0) errs.push(required(`${field}.resources`, 'resource rules must supply at least one resource'));
  return errs;
}

function validateRole(role: KubeObject, namespaced: boolean): FieldError[] {
  const errs: FieldError[] = [];
  objs(role.rules).forEach((r, i) => errs.push(...validatePolicyRule(r, namespaced, `rules[${i}]`)));
  const agg = asObj(role.aggregationRule);
  if (agg) {
    const sels = asArr(agg.clusterRoleSelectors);
    if (sels.length === 0) errs.push(required('aggregationRule.clusterRoleSelectors', 'at least one clusterRoleSelector required if aggregationRule is non-nil'));
    sels.forEach((s, i) => errs.push(...validateLabelSelector(s, `aggregationRule.clusterRoleSelectors[${i}]`)));
  }
  return errs;
}

/** SetDefaults_Subject and the roleRef group. */
export function defaultBinding(b: KubeObject): void {
  const ref = asObj(b.roleRef);
  if (ref && !str(ref.apiGroup)) ref.apiGroup = RBAC_GROUP;
  for (const s of objs(b.subjects)) {
    if (str(s.apiGroup)) continue;
    if (s.kind === 'ServiceAccount') setDefault(s, 'apiGroup', '');
    else if (s.kind === 'User' || s.kind === 'Group') s.apiGroup = RBAC_GROUP;
  }
}

/** ValidateRoleBindingSubject. */
export function validateSubject(s: Record<string, unknown>, namespaced: boolean, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(s.name);
  if (!name) errs.push(required(`${field}.name`));
  const group = str(s.apiGroup);
  switch (s.kind) {
    case 'ServiceAccount':
      if (name) errs.push(...dnsSubdomain(`${field}.name`, name));
      if (group) errs.push(notSupported(`${field}.apiGroup`, group, ['']));
      if (!namespaced && !str(s.namespace)) errs.push(required(`${field}.namespace`));
      break;
    case 'User':
    case 'Group':
      if (group !== RBAC_GROUP) errs.push(notSupported(`${field}.apiGroup`, group, [RBAC_GROUP]));
      break;
    default:
      errs.push(notSupported(`${field}.kind`, str(s.kind), ['ServiceAccount', 'User', 'Group']));
  }
  return errs;
}

function validateBinding(b: KubeObject, namespaced: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const ref = asObj(b.roleRef) ?? {};
  if (ref.apiGroup !== RBAC_GROUP) errs.push(notSupported('roleRef.apiGroup', str(ref.apiGroup), [RBAC_GROUP]));
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!kinds.includes(str(ref.kind))) errs.push(notSupported('roleRef.kind', str(ref.kind), kinds));
  const name = str(ref.name);
  if (!name) errs.push(required('roleRef.name'));
  else for (const m of pathSegmentErrors(name)) errs.push(invalid('roleRef.name', name, m));
  objs(b.subjects).forEach((s, i) => errs.push(...validateSubject(s, namespaced, `subjects[${i}]`)));
  return errs;
}

/** rbac.RoleRef as `%#v` prints it. */
function goRoleRef(ref: unknown): string {
  const r = asObj(ref) ?? {};
  return `rbac.RoleRef{APIGroup:${goQuote(str(r.apiGroup))}, Kind:${goQuote(str(r.kind))}, Name:${goQuote(str(r.name))}}`;
}

function bindingStrategy(namespaced: boolean): Strategy {
  return {
    nameRule: 'path',
    allowCreateOnUpdate: true,
    tracksGeneration: false,
    defaults: (obj) => defaultBinding(obj),
    validate: (obj) => validateBinding(obj, namespaced),
    validateUpdate(obj, old) {
      const errs = validateBinding(obj, namespaced);
      if (!deepEqual(obj.roleRef, old.roleRef)) errs.push(invalidGo('roleRef', goRoleRef(obj.roleRef), 'cannot change roleRef'));
      return errs;
    },
  };
}

function roleStrategy(namespaced: boolean): Strategy {
  return {
    nameRule: 'path',
    allowCreateOnUpdate: true,
    tracksGeneration: false,
    validate: (obj) => validateRole(obj, namespaced),
  };
}

registerStrategy(RBAC_GROUP, 'roles', roleStrategy(true));
registerStrategy(RBAC_GROUP, 'clusterroles', roleStrategy(false));
registerStrategy(RBAC_GROUP, 'rolebindings', bindingStrategy(true));
registerStrategy(RBAC_GROUP, 'clusterrolebindings', bindingStrategy(false));
