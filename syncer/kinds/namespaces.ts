// Namespaces: a tenant namespace becomes a super namespace under its mapped
// name. Nothing of the tenant's metadata crosses: namespace labels steer
// super-cluster policy (pod security admission, network policy selectors),
// which a tenant must not be able to set. Deleting the tenant namespace
// deletes the super namespace, and with it everything synced into it.
// Next to each super namespace the syncer keeps the tenant's policy objects
// (backstop quota, default limits, network isolation: namespace-policy.ts).

import { CORE } from '../types.js';
import type { KindSync } from '../engine/kind.js';
import { planNamespacePolicy } from './namespace-policy.js';

export const namespaces: KindSync = {
  ref: CORE('namespaces', 'Namespace', false),
  fields: [],
  copyTenantMetadata: false,
  toSuper: () => ({}),
  alongside: planNamespacePolicy,
};
