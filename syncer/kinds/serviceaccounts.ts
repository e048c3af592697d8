// ServiceAccounts: copied so image pull secrets and names line up, but never
// with a token: super pods run as the super namespace's `default` account
// with automounting off (see pods.ts). The tenant's `default` account is not
// copied: the super cluster makes its own in every namespace.

import { CORE } from '../types.js';
import type { KindSync } from '../engine/kind.js';

export const serviceaccounts: KindSync = {
  ref: CORE('serviceaccounts', 'ServiceAccount'),
  fields: ['imagePullSecrets', 'automountServiceAccountToken'],
  skip: (sa) => sa.metadata?.name === 'default',
  toSuper: (sa) => ({ imagePullSecrets: sa.imagePullSecrets, automountServiceAccountToken: false }),
};
