// Events: core/v1 and events.k8s.io/v1 share one storage (core/v1). The core
// strategy owns conversion both ways (regarding↔involvedObject, note↔message,
// deprecatedSource↔source, …); each served version has its own validation, as
// pkg/apis/core/validation/events.go splits legacy and strict rules.

import type { FieldError } from '../errors.js';
import type { Strategy } from '../strategy.js';
import type { KubeObject } from '../types.js';
import { registerStrategy } from './register.js';
import { asObj, clone, deepEqual, invalid, required, str, type Obj } from './util.js';
import { dnsSubdomain, qualifiedName } from './validators.js';

const REPORTING_INSTANCE_LIMIT = 128;
const ACTION_LIMIT = 128;
const REASON_LIMIT = 128;
const NOTE_LIMIT = 1024;

export const EVENTS_V1 = 'events.k8s.io/v1';

/** Drop empty strings / zero counts kube's omitempty leaves out. */
function put(o: Obj, key: string, v: unknown, omitEmpty = true): void {
  if (v === undefined) return;
  if (omitEmpty && (v === '' || v === 0 || v === null)) return;
  o[key] = clone(v);
}

/** core/v1 Event → events.k8s.io/v1 Event. */
export function coreEventToEventsV1(e: KubeObject): KubeObject {
  const out: Obj = { apiVersion: EVENTS_V1, kind: 'Event', metadata: clone(e.metadata ?? {}) };
  out.eventTime = e.eventTime ?? null;
  put(out, 'series', e.series);
  put(out, 'reportingController', e.reportingComponent);
  put(out, 'reportingInstance', e.reportingInstance);
  put(out, 'action', e.action);
  put(out, 'reason', e.reason);
  out.regarding = clone(e.involvedObject ?? {});
  put(out, 'related', e.related);
  put(out, 'note', e.message);
  put(out, 'type', e.type);
  out.deprecatedSource = clone(e.source ?? {});
  out.deprecatedFirstTimestamp = e.firstTimestamp ?? null;
  out.deprecatedLastTimestamp = e.lastTimestamp ?? null;
  put(out, 'deprecatedCount', e.count);
  return out as KubeObject;
}

/** events.k8s.io/v1 Event → core/v1 Event. */
export function eventsV1ToCoreEvent(e: KubeObject): KubeObject {
  const out: Obj = { apiVersion: 'v1', kind: 'Event', metadata: clone(e.metadata ?? {}) };
  out.involvedObject = clone(e.regarding ?? {});
  put(out, 'reason', e.reason);
  put(out, 'message', e.note);
  out.source = clone(e.deprecatedSource ?? {});
  out.firstTimestamp = e.deprecatedFirstTimestamp ?? null;
  out.lastTimestamp = e.deprecatedLastTimestamp ?? null;
  put(out, 'count', e.deprecatedCount);
  put(out, 'type', e.type);
  out.eventTime = e.eventTime ?? null;
  put(out, 'series', e.series);
  put(out, 'action', e.action);
  put(out, 'related', e.related);
  out.reportingComponent = str(e.reportingController);
  out.reportingInstance = str(e.reportingInstance);
  return out as KubeObject;
}

/** The shape kube serialises core events in: structs and non-omitempty fields always present. */
export function defaultCoreEvent(e: KubeObject): void {
  if (e.involvedObject === undefined || e.involvedObject === null) e.involvedObject = {};
  if (e.source === undefined || e.source === null) e.source = {};
  if (e.firstTimestamp === undefined) e.firstTimestamp = null;
  if (e.lastTimestamp === undefined) e.lastTimestamp = null;
  if (e.eventTime === undefined) e.eventTime = null;
  if (typeof e.reportingComponent !== 'string') e.reportingComponent = '';
  if (typeof e.reportingInstance !== 'string') e.reportingInstance = '';
}

function defaultEventsV1(e: KubeObject): void {
  if (e.eventTime === undefined) e.eventTime = null;
  if (e.regarding === undefined || e.regarding === null) e.regarding = {};
  if (e.deprecatedSource === undefined || e.deprecatedSource === null) e.deprecatedSource = {};
  if (e.deprecatedFirstTimestamp === undefined) e.deprecatedFirstTimestamp = null;
  if (e.deprecatedLastTimestamp === undefined) e.deprecatedLastTimestamp = null;
}

/**
 * legacyValidateEvent on a core-shaped event. `strict` is set for
 * events.k8s.io requests, whose field names differ for reportingController.
 */
export function validateLegacyEvent(e: KubeObject, strict: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const ns = str(e.metadata?.namespace);
  const involvedNs = str(asObj(e.involvedObject)?.namespace);
  const reportingField = strict ? 'reportingController' : 'reportingComponent';
  if (!e.eventTime) {
    // Old-style events: the namespace must agree with the involved object's.
    if (!involvedNs) {
      if (ns !== '' && ns !== 'default') errs.push(invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace'));
    } else if (ns !== involvedNs) {
      errs.push(invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace'));
    }
  } else {
    if (!involvedNs && ns !== 'default' && ns !== 'kube-system') {
      errs.push(invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace'));
    }
    const rc = str(e.reportingComponent);
    if (!rc) errs.push(required(reportingField));
    errs.push(...qualifiedName(reportingField, rc));
    const ri = str(e.reportingInstance);
    if (!ri) errs.push(required('reportingInstance'));
    if (ri.length > REPORTING_INSTANCE_LIMIT) errs.push(invalid('reportingInstance', '', `can have at most ${REPORTING_INSTANCE_LIMIT} characters`));
    const action = str(e.action);
    if (!action) errs.push(required('action'));
    if (action.length > ACTION_LIMIT) errs.push(invalid('action', '', `can have at most ${ACTION_LIMIT} characters`));
    const reason = str(e.reason);
    if (!reason) errs.push(required('reason'));
    if (reason.length > REASON_LIMIT) errs.push(invalid('reason', '', `can have at most ${REASON_LIMIT} characters`));
    if (str(e.message).length > NOTE_LIMIT) errs.push(invalid('message', '', `can have at most ${NOTE_LIMIT} characters`));
  }
  errs.push(...dnsSubdomain('namespace', ns));
  return errs;
}

/** The strict checks events.k8s.io/v1 adds on create, on the events.k8s.io shape. */
function validateEventsV1Create(e: KubeObject): FieldError[] {
  const errs = validateLegacyEvent(eventsV1ToCoreEvent(e), true);
  const series = asObj(e.series);
  if (series) {
    if (typeof series.count !== 'number' || series.count < 2) errs.push(invalid('series.count', '', 'should be at least 2'));
    if (!series.lastObservedTime) errs.push(required('series.lastObservedTime'));
  }
  if (!e.eventTime) errs.push(required('eventTime'));
  const type = str(e.type);
  if (type !== 'Normal' && type !== 'Warning') errs.push(invalid('type', '', `has invalid value: ${type}`));
  if (e.deprecatedFirstTimestamp) errs.push(invalid('deprecatedFirstTimestamp', '', 'needs to be unset'));
  if (e.deprecatedLastTimestamp) errs.push(invalid('deprecatedLastTimestamp', '', 'needs to be unset'));
  if (e.deprecatedCount) errs.push(invalid('deprecatedCount', '', 'needs to be unset'));
  const src = asObj(e.deprecatedSource) ?? {};
  if (str(src.component) || str(src.host)) errs.push(invalid('deprecatedSource', '', 'needs to be unset'));
  return errs;
}

/** ValidateEventUpdate for events.k8s.io: everything but series and metadata is fixed. */
function validateEventsV1Update(e: KubeObject, old: KubeObject): FieldError[] {
  const errs = validateLegacyEvent(eventsV1ToCoreEvent(e), true);
  const n = eventsV1ToCoreEvent(e);
  const o = eventsV1ToCoreEvent(old);
  const fields: [string, string][] = [
    ['involvedObject', 'involvedObject'],
    ['reason', 'reason'],
    ['message', 'message'],
    ['source', 'source'],
    ['firstTimestamp', 'firstTimestamp'],
    ['lastTimestamp', 'lastTimestamp'],
    ['count', 'count'],
    ['type', 'type'],
    ['eventTime', 'eventTime'],
    ['action', 'action'],
    ['related', 'related'],
    ['reportingComponent', 'reportingController'],
    ['reportingInstance', 'reportingInstance'],
  ];
  for (const [k, path] of fields) {
    if (!deepEqual(n[k] ?? null, o[k] ?? null)) {
      const v = n[k];
      errs.push(invalid(path, typeof v === 'object' && v !== null ? JSON.stringify(v) : (v ?? null), 'field is immutable'));
    }
  }
  return errs;
}

/** kube's event field selectors (ToSelectableFields), on a core-shaped event. */
export function coreEventFields(e: KubeObject): Record<string, string> {
  const io = asObj(e.involvedObject) ?? {};
  const source = str(asObj(e.source)?.component) || str(e.reportingComponent);
  return {
    'involvedObject.kind': str(io.kind),
    'involvedObject.namespace': str(io.namespace),
    'involvedObject.name': str(io.name),
    'involvedObject.uid': str(io.uid),
    'involvedObject.apiVersion': str(io.apiVersion),
    'involvedObject.resourceVersion': str(io.resourceVersion),
    'involvedObject.fieldPath': str(io.fieldPath),
    reason: str(e.reason),
    reportingComponent: str(e.reportingComponent),
    source,
    type: str(e.type),
  };
}

function convertEvent(obj: KubeObject, toVersion: string): KubeObject {
  const from = str(obj.apiVersion) || 'v1';
  if (from === toVersion) return obj;
  if (toVersion === EVENTS_V1) return coreEventToEventsV1(from === 'v1' ? obj : eventsV1ToCoreEvent(obj));
  if (toVersion === 'v1') return from === EVENTS_V1 ? eventsV1ToCoreEvent(obj) : obj;
  return obj;
}

export const coreEventStrategy: Strategy = {
  // Legacy events only pass the path-segment rule for names.
  nameRule: 'path',
  allowCreateOnUpdate: true,
  tracksGeneration: false,
  defaults: (obj) => defaultCoreEvent(obj),
  validate: (obj) => validateLegacyEvent(obj, false),
  validateUpdate: (obj) => validateLegacyEvent(obj, false),
  selectableFields: (obj) => coreEventFields(obj),
  convert: convertEvent,
};

export const eventsV1Strategy: Strategy = {
  nameRule: 'subdomain',
  allowCreateOnUpdate: true,
  tracksGeneration: false,
  defaults: (obj) => defaultEventsV1(obj),
  validate: (obj) => validateEventsV1Create(obj),
  validateUpdate: (obj, old) => validateEventsV1Update(obj, old),
  // The events.k8s.io field labels map onto the core ones (regarding.* → involvedObject.*).
  selectableFields(obj) {
    const core = coreEventFields(eventsV1ToCoreEvent(obj));
    const out: Record<string, string> = { reason: core.reason!, type: core.type!, reportingController: core.reportingComponent! };
    for (const [k, v] of Object.entries(core)) if (k.startsWith('involvedObject.')) out['regarding.' + k.slice('involvedObject.'.length)] = v;
    return out;
  },
  convert: convertEvent,
};

registerStrategy('', 'events', coreEventStrategy);
registerStrategy('events.k8s.io', 'events', eventsV1Strategy);
