// The strategy table. Kept apart from index.ts so strategy files can register
// themselves while index.ts is still importing them (an ESM import cycle through
// index.ts would see the table uninitialised).

import type { ResourceInfo } from '../registry.js';
import type { Strategy } from '../strategy.js';

const STRATEGIES = new Map<string, Strategy>();

export function registerStrategy(group: string, resource: string, s: Strategy): void {
  STRATEGIES.set(`${group}/${resource}`, s);
}

/** Removes a strategy registered at run time (custom resources whose CRD is gone). */
export function unregisterStrategy(group: string, resource: string): void {
  STRATEGIES.delete(`${group}/${resource}`);
}

/** The strategy for a group/resource; resources without one get the generic behaviour ({}). */
export function strategyFor(info: Pick<ResourceInfo, 'group' | 'resource'>): Strategy {
  return STRATEGIES.get(`${info.group}/${info.resource}`) ?? {};
}

/** Every registered group/resource key (`apps/deployments`, `/pods`), for tests and discovery checks. */
export function registeredStrategies(): string[] {
  return [...STRATEGIES.keys()].sort();
}
