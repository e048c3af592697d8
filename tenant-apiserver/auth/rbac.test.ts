import { describe, expect, it } from 'vitest';
import { RbacPolicy, forbiddenMessage, ruleAllows, type Attributes } from './rbac.js';

const bob = { username: 'bob', groups: ['devs', 'system:authenticated'] };
const res = (verb: string, resource: string, extra: Partial<Attributes> = {}): Attributes => ({ user: bob, verb, isResourceRequest: true, apiGroup: '', resource, namespace: 'team', ...extra });

describe('ruleAllows', () => {
  it('matches verbs, groups, resources, subresources and names', () => {
    const r = { verbs: ['get'], apiGroups: [''], resources: ['pods', 'pods/log'], resourceNames: ['a'] };
    expect(ruleAllows(r, res('get', 'pods', { name: 'a' }))).toBe(true);
    expect(ruleAllows(r, res('get', 'pods', { name: 'b' }))).toBe(false);
    expect(ruleAllows(r, res('list', 'pods'))).toBe(false); // resourceNames never allow list
    expect(ruleAllows(r, res('get', 'pods', { subresource: 'log', name: 'a' }))).toBe(true);
    expect(ruleAllows(r, res('get', 'pods', { subresource: 'exec', name: 'a' }))).toBe(false);
    expect(ruleAllows({ verbs: ['*'], apiGroups: ['*'], resources: ['*/scale'] }, res('update', 'deployments', { apiGroup: 'apps', subresource: 'scale' }))).toBe(true);
    expect(ruleAllows({ verbs: ['get'], apiGroups: ['apps'], resources: ['pods'] }, res('get', 'pods'))).toBe(false);
  });

  it('matches non-resource URLs with a trailing wildcard', () => {
    const r = { verbs: ['get'], nonResourceURLs: ['/apis/*', '/version'] };
    const nr = (path: string): Attributes => ({ user: bob, verb: 'get', isResourceRequest: false, path });
    expect(ruleAllows(r, nr('/apis/apps/v1'))).toBe(true);
    expect(ruleAllows(r, nr('/version'))).toBe(true);
    expect(ruleAllows(r, nr('/metrics'))).toBe(false);
  });
});

describe('RbacPolicy', () => {
  const p = new RbacPolicy();
  p.upsert('Role', { metadata: { namespace: 'team', name: 'reader' }, rules: [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['configmaps'] }] });
  p.upsert('ClusterRole', { metadata: { name: 'node-reader' }, rules: [{ verbs: ['list'], apiGroups: [''], resources: ['nodes'] }] });
  p.upsert('RoleBinding', { metadata: { namespace: 'team', name: 'rb' }, subjects: [{ kind: 'Group', name: 'devs' }], roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' } });
  p.upsert('RoleBinding', { metadata: { namespace: 'team', name: 'sa' }, subjects: [{ kind: 'ServiceAccount', name: 'robot' }], roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'node-reader' } });

  it('grants through group bindings in the binding namespace only', () => {
    expect(p.authorize(res('list', 'configmaps')).allowed).toBe(true);
    expect(p.authorize(res('list', 'configmaps', { namespace: 'other' })).allowed).toBe(false);
    expect(p.authorize(res('list', 'configmaps', { namespace: undefined })).allowed).toBe(false);
  });

  it('binds service accounts in the binding namespace; a ClusterRole bound by a RoleBinding stays namespaced', () => {
    const robot = { username: 'system:serviceaccount:team:robot', groups: ['system:serviceaccounts'] };
    expect(p.authorize({ ...res('list', 'nodes'), user: robot }).allowed).toBe(true);
    expect(p.authorize({ ...res('list', 'nodes', { namespace: undefined }), user: robot }).allowed).toBe(false);
  });

  it('lets system:masters do anything and forgets deleted bindings', () => {
    expect(p.authorize({ ...res('delete', 'nodes'), user: { username: 'x', groups: ['system:masters'] } }).allowed).toBe(true);
    p.remove('RoleBinding', { metadata: { namespace: 'team', name: 'rb' } });
    expect(p.authorize(res('list', 'configmaps')).allowed).toBe(false);
  });
});

describe('forbiddenMessage', () => {
  it('words denials as kube-apiserver does', () => {
    expect(forbiddenMessage(res('get', 'pods', { name: 'x', subresource: 'log' }))).toBe(
      'pods "x" is forbidden: User "bob" cannot get resource "pods/log" in API group "" in the namespace "team"',
    );
    expect(forbiddenMessage(res('list', 'deployments', { apiGroup: 'apps', namespace: undefined }))).toBe(
      'deployments.apps is forbidden: User "bob" cannot list resource "deployments" in API group "apps" at the cluster scope',
    );
    expect(forbiddenMessage({ user: bob, verb: 'get', isResourceRequest: false, path: '/metrics' })).toBe('forbidden: User "bob" cannot get path "/metrics"');
  });
});
