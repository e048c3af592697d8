// ConfigMaps: data as is. kube-root-ca.crt is per-cluster (every namespace of
// the super cluster gets its own from the super's CA publisher), so the
// tenant's is never copied over it.

import { CORE } from '../types.js';
import type { KindSync } from '../engine/kind.js';

export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';

export const configmaps: KindSync = {
  ref: CORE('configmaps', 'ConfigMap'),
  fields: ['data', 'binaryData', 'immutable'],
  skip: (cm) => cm.metadata?.name === ROOT_CA_CONFIGMAP,
  toSuper: (cm) => ({ data: cm.data, binaryData: cm.binaryData, immutable: cm.immutable }),
  // Immutable config maps cannot be changed in place.
  recreateOnInvalid: true,
};
