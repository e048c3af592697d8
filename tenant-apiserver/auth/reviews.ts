// The create-only review APIs that `kubectl auth can-i` and `kubectl auth whoami`
// use: SelfSubjectAccessReview, SubjectAccessReview, LocalSubjectAccessReview,
// SelfSubjectRulesReview (authorization.k8s.io/v1) and SelfSubjectReview
// (authentication.k8s.io/v1). Nothing is stored: the answer is the object with
// its status filled in.

import { badRequest, invalid } from '../api/errors.js';
import { isObject, type KubeObject, type UserInfo } from '../api/types.js';
import type { Attributes, RbacPolicy } from './rbac.js';

export type ReviewHandler = (body: KubeObject, user: UserInfo, namespace: string | undefined) => KubeObject;

interface ResourceAttributes {
  namespace?: string;
  verb?: string;
  group?: string;
  resource?: string;
  subresource?: string;
  name?: string;
}

interface NonResourceAttributes {
  path?: string;
  verb?: string;
}

function attributesFrom(user: UserInfo, spec: Record<string, unknown>, kind: string): Attributes {
  const ra = spec.resourceAttributes as ResourceAttributes | undefined;
  const nra = spec.nonResourceAttributes as NonResourceAttributes | undefined;
  if (ra && nra) {
    throw invalid(kind, 'authorization.k8s.io', '', [
      { type: 'FieldValueInvalid', field: 'spec.nonResourceAttributes', value: nra, detail: 'cannot be specified in combination with resourceAttributes' },
    ]);
  }
  if (ra) {
    return {
      user,
      verb: ra.verb ?? '',
      isResourceRequest: true,
      apiGroup: ra.group ?? '',
      resource: ra.resource ?? '',
      subresource: ra.subresource || undefined,
      namespace: ra.namespace || undefined,
      name: ra.name || undefined,
    };
  }
  if (nra) return { user, verb: nra.verb ?? '', isResourceRequest: false, path: nra.path ?? '' };
  throw invalid(kind, 'authorization.k8s.io', '', [
    { type: 'FieldValueRequired', field: 'spec.resourceAttributes', detail: 'exactly one of nonResourceAttributes or resourceAttributes must be specified' },
  ]);
}

function decide(policy: RbacPolicy, a: Attributes): Record<string, unknown> {
  const d = policy.authorize(a);
  return d.allowed ? { allowed: true, reason: d.reason } : { allowed: false };
}

export function reviewHandlers(policy: RbacPolicy): Record<string, ReviewHandler> {
  const spec = (body: KubeObject) => {
    if (!isObject(body.spec)) throw badRequest('spec is required');
    return body.spec;
  };
  return {
    'authorization.k8s.io/selfsubjectaccessreviews': (body, user) => ({
      ...body,
      status: decide(policy, attributesFrom(user, spec(body), 'SelfSubjectAccessReview')),
    }),
    'authorization.k8s.io/subjectaccessreviews': (body) => {
      const s = spec(body);
      const subject: UserInfo = { username: String(s.user ?? ''), uid: s.uid as string | undefined, groups: (s.groups as string[] | undefined) ?? [] };
      if (!subject.username && subject.groups.length === 0) {
        throw invalid('SubjectAccessReview', 'authorization.k8s.io', '', [{ type: 'FieldValueInvalid', field: 'spec.user', value: '', detail: 'at least one of user or group must be specified' }]);
      }
      return { ...body, status: decide(policy, attributesFrom(subject, s, 'SubjectAccessReview')) };
    },
    'authorization.k8s.io/localsubjectaccessreviews': (body, _user, namespace) => {
      const s = spec(body);
      const subject: UserInfo = { username: String(s.user ?? ''), groups: (s.groups as string[] | undefined) ?? [] };
      const a = attributesFrom(subject, s, 'LocalSubjectAccessReview');
      if (a.isResourceRequest && a.namespace && a.namespace !== namespace) {
        throw invalid('LocalSubjectAccessReview', 'authorization.k8s.io', '', [
          { type: 'FieldValueInvalid', field: 'spec.resourceAttributes.namespace', value: a.namespace, detail: 'must match metadata.namespace' },
        ]);
      }
      return { ...body, status: decide(policy, { ...a, namespace }) };
    },
    'authorization.k8s.io/selfsubjectrulesreviews': (body, user) => {
      const ns = String(spec(body).namespace ?? '');
      const rules = policy.rulesFor(user, ns || undefined);
      const superUser = user.groups.includes('system:masters');
      const resourceRules = superUser
        ? [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }]
        : rules.filter((r) => r.resources).map((r) => ({ verbs: r.verbs, apiGroups: r.apiGroups ?? [], resources: r.resources ?? [], ...(r.resourceNames ? { resourceNames: r.resourceNames } : {}) }));
      const nonResourceRules = superUser
        ? [{ verbs: ['*'], nonResourceURLs: ['*'] }]
        : rules.filter((r) => r.nonResourceURLs).map((r) => ({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs ?? [] }));
      return { ...body, status: { resourceRules, nonResourceRules, incomplete: false } };
    },
    'authentication.k8s.io/selfsubjectreviews': (body, user) => ({
      ...body,
      status: { userInfo: { username: user.username, ...(user.uid ? { uid: user.uid } : {}), groups: user.groups, ...(user.extra ? { extra: user.extra } : {}) } },
    }),
  };
}
