// The synced kinds, in the order a namespace's objects are best created in
// (what pods refer to before the pods).

import type { KindSync } from '../engine/kind.js';
import { configmaps } from './configmaps.js';
import { endpoints } from './endpoints.js';
import { namespaces } from './namespaces.js';
import { persistentvolumeclaims } from './persistentvolumeclaims.js';
import { pods } from './pods.js';
import { secrets } from './secrets.js';
import { serviceaccounts } from './serviceaccounts.js';
import { services } from './services.js';

export const SYNCED_KINDS: readonly KindSync[] = [namespaces, serviceaccounts, secrets, configmaps, persistentvolumeclaims, services, endpoints, pods];

export const KIND_BY_PLURAL: ReadonlyMap<string, KindSync> = new Map(SYNCED_KINDS.map((k) => [k.ref.plural, k]));
