// Test support: run a strategy the way the generic store does (prepare →
// defaults → validate), and render field errors as kube's message would.
// Kept out of *.test.ts so each family's tests share it.

import { fieldErrorMessage, type FieldError } from '../errors.js';
import type { ResourceInfo } from '../registry.js';
import type { Strategy, StrategyContext } from '../strategy.js';
import type { KubeObject } from '../types.js';
import { strategyFor } from './register.js';

export interface InfoSpec {
  group?: string;
  version?: string;
  resource: string;
  kind: string;
  namespaced?: boolean;
}

export function info(s: InfoSpec): ResourceInfo {
  const group = s.group ?? '';
  const version = s.version ?? 'v1';
  return {
    group,
    version,
    resource: s.resource,
    singular: s.kind.toLowerCase(),
    kind: s.kind,
    listKind: `${s.kind}List`,
    namespaced: s.namespaced ?? true,
    verbs: [],
    shortNames: [],
    categories: [],
    subresources: new Map(),
    storage: { group, resource: s.resource, version },
  };
}

export function ctx(i: ResourceInfo, subresource?: string): StrategyContext {
  return { info: i, user: { username: 'tester', groups: [] }, now: new Date('2025-01-02T03:04:05Z'), subresource };
}

/** Every error as `field: Type: value: detail`. */
export function messages(errs: FieldError[]): string[] {
  return errs.map(fieldErrorMessage);
}

/** What the store does on create, minus storage: system fields, prepare, defaults, validate. */
export function create(i: ResourceInfo, body: KubeObject, s: Strategy = strategyFor(i)): { obj: KubeObject; errors: string[] } {
  const obj = structuredClone(body);
  obj.apiVersion = i.group ? `${i.group}/${i.version}` : i.version;
  obj.kind = i.kind;
  obj.metadata = { uid: '11111111-2222-3333-4444-555555555555', creationTimestamp: '2025-01-02T03:04:05Z', ...(obj.metadata ?? {}) };
  if (i.namespaced && !obj.metadata.namespace) obj.metadata.namespace = 'default';
  const c = ctx(i);
  s.prepareForCreate?.(obj, c);
  s.defaults?.(obj, c);
  return { obj, errors: messages(s.validate?.(obj, c) ?? []) };
}

/** What the store does on update: status carried over (unless a status write), prepare, defaults, validate. */
export function update(
  i: ResourceInfo,
  next: KubeObject,
  old: KubeObject,
  opts: { subresource?: string; keepStatus?: boolean } = {},
  s: Strategy = strategyFor(i),
): { obj: KubeObject; errors: string[] } {
  const obj = structuredClone(next);
  obj.apiVersion = old.apiVersion;
  obj.kind = old.kind;
  obj.metadata = { ...structuredClone(old.metadata ?? {}), ...(obj.metadata ?? {}) };
  if (opts.subresource === 'status') {
    for (const k of Object.keys(obj)) if (k !== 'metadata' && k !== 'status' && k !== 'apiVersion' && k !== 'kind') delete obj[k];
    for (const k of Object.keys(old)) if (k !== 'metadata' && k !== 'status') obj[k] = structuredClone(old[k]);
  } else if (!opts.keepStatus) {
    if (old.status === undefined) delete obj.status;
    else obj.status = structuredClone(old.status);
  }
  const c = ctx(i, opts.subresource);
  s.prepareForUpdate?.(obj, old, c);
  s.defaults?.(obj, c);
  const v = s.validateUpdate ?? ((o: KubeObject, _old: KubeObject, cc: StrategyContext) => s.validate?.(o, cc) ?? []);
  return { obj, errors: messages(v(obj, old, c)) };
}
