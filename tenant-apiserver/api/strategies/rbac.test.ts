import { describe, expect, it } from 'vitest';
import './index.js';
import { strategyFor } from './register.js';
import { create, info, update } from './testkit.js';

const G = 'rbac.authorization.k8s.io';
const roles = info({ group: G, resource: 'roles', kind: 'Role' });
const clusterroles = info({ group: G, resource: 'clusterroles', kind: 'ClusterRole', namespaced: false });
const bindings = info({ group: G, resource: 'rolebindings', kind: 'RoleBinding' });
const clusterbindings = info({ group: G, resource: 'clusterrolebindings', kind: 'ClusterRoleBinding', namespaced: false });

describe('roles', () => {
  it('use path-segment names and allow create on update', () => {
    for (const i of [roles, clusterroles, bindings, clusterbindings]) {
      expect(strategyFor(i).nameRule).toBe('path');
      expect(strategyFor(i).allowCreateOnUpdate).toBe(true);
    }
  });

  it('validate rules', () => {
    expect(create(roles, { metadata: { name: 'r' }, rules: [{ resources: ['pods'] }] }).errors).toEqual([
      'rules[0].verbs: Required value: verbs must contain at least one value',
      'rules[0].apiGroups: Required value: resource rules must supply at least one api group',
    ]);
    expect(create(roles, { metadata: { name: 'r' }, rules: [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }] }).errors).toEqual([
      'rules[0].nonResourceURLs: Invalid value: []string{"/healthz"}: namespaced rules cannot apply to non-resource URLs',
    ]);
    expect(create(clusterroles, { metadata: { name: 'r' }, rules: [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }] }).errors).toEqual([]);
  });
});

describe('bindings', () => {
  const binding = { metadata: { name: 'b' }, roleRef: { kind: 'Role', name: 'r' }, subjects: [{ kind: 'User', name: 'alice' }, { kind: 'ServiceAccount', name: 'sa' }] };

  it('default api groups', () => {
    const r = create(bindings, binding);
    expect(r.errors).toEqual([]);
    expect(r.obj.roleRef).toEqual({ kind: 'Role', name: 'r', apiGroup: G });
    expect(r.obj.subjects).toEqual([
      { kind: 'User', name: 'alice', apiGroup: G },
      { kind: 'ServiceAccount', name: 'sa', apiGroup: '' },
    ]);
  });

  it('validate subject kinds and roleRef kinds', () => {
    expect(create(bindings, { ...binding, subjects: [{ kind: 'Robot', name: 'x' }] }).errors).toEqual([
      'subjects[0].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"',
    ]);
    expect(create(clusterbindings, { ...binding, subjects: [{ kind: 'ServiceAccount', name: 'sa' }] }).errors).toEqual([
      'roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"',
      'subjects[0].namespace: Required value',
    ]);
  });

  it('never change roleRef', () => {
    const old = create(bindings, binding).obj;
    expect(update(bindings, { ...structuredClone(old), roleRef: { apiGroup: G, kind: 'Role', name: 'other' } }, old).errors).toEqual([
      'roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"Role", Name:"other"}: cannot change roleRef',
    ]);
  });
});
