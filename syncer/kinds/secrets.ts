// Secrets: type and data as is, except service-account token secrets, which
// hold credentials for the tenant's API server and mean nothing (or worse,
// something else) to the super cluster.

import { CORE, str, type KubeObject } from '../types.js';
import type { KindSync } from '../engine/kind.js';

export const SA_TOKEN_TYPE = 'kubernetes.io/service-account-token';

export function isServiceAccountToken(secret: KubeObject | undefined): boolean {
  return str(secret?.type) === SA_TOKEN_TYPE;
}

export const secrets: KindSync = {
  ref: CORE('secrets', 'Secret'),
  fields: ['type', 'data', 'immutable'],
  skip: (s) => isServiceAccountToken(s),
  toSuper: (s) => ({ type: s.type, data: s.data, immutable: s.immutable }),
  // The type (and immutable data) cannot change in place.
  recreateOnInvalid: true,
};
