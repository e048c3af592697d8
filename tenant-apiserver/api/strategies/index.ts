// Strategy lookup: one small file per resource family; resources without one get
// the generic behaviour.

import type { ResourceInfo } from '../registry.js';
import type { Strategy } from '../strategy.js';

const STRATEGIES: Record<string, Strategy> = {};

export function registerStrategy(group: string, resource: string, s: Strategy): void {
  STRATEGIES[`${group}/${resource}`] = s;
}

export function strategyFor(info: Pick<ResourceInfo, 'group' | 'resource'>): Strategy {
  return STRATEGIES[`${info.group}/${info.resource}`] ?? {};
}
