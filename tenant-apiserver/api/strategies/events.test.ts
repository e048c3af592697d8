import { describe, expect, it } from 'vitest';
import './index.js';
import { coreEventToEventsV1, eventsV1ToCoreEvent } from './events.js';
import { strategyFor } from './register.js';
import { create, info, update } from './testkit.js';
import type { KubeObject } from '../types.js';

const coreEvents = info({ resource: 'events', kind: 'Event' });
const v1Events = info({ group: 'events.k8s.io', resource: 'events', kind: 'Event' });
const storage = strategyFor({ group: '', resource: 'events' });

const core: KubeObject = {
  apiVersion: 'v1',
  kind: 'Event',
  metadata: { name: 'web.17f', namespace: 'default' },
  involvedObject: { kind: 'Pod', namespace: 'default', name: 'web', uid: 'u1', apiVersion: 'v1', resourceVersion: '42', fieldPath: 'spec.containers{app}' },
  reason: 'Pulled',
  message: 'Successfully pulled image',
  source: { component: 'kubelet', host: 'node-1' },
  firstTimestamp: '2025-01-01T00:00:00Z',
  lastTimestamp: '2025-01-01T00:01:00Z',
  count: 3,
  type: 'Normal',
  eventTime: null,
  reportingComponent: 'kubelet',
  reportingInstance: 'node-1',
};

describe('event conversion', () => {
  it('maps core fields onto events.k8s.io/v1', () => {
    expect(storage.convert!(core, 'events.k8s.io/v1')).toEqual({
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: 'web.17f', namespace: 'default' },
      eventTime: null,
      reportingController: 'kubelet',
      reportingInstance: 'node-1',
      reason: 'Pulled',
      regarding: core.involvedObject,
      note: 'Successfully pulled image',
      type: 'Normal',
      deprecatedSource: { component: 'kubelet', host: 'node-1' },
      deprecatedFirstTimestamp: '2025-01-01T00:00:00Z',
      deprecatedLastTimestamp: '2025-01-01T00:01:00Z',
      deprecatedCount: 3,
    });
  });

  it('round-trips core → events.k8s.io → core', () => {
    expect(eventsV1ToCoreEvent(coreEventToEventsV1(core))).toEqual(core);
  });

  it('round-trips events.k8s.io → core → events.k8s.io', () => {
    const ev: KubeObject = {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: 'x', namespace: 'ns' },
      eventTime: '2025-01-01T00:00:00.000000Z',
      series: { count: 2, lastObservedTime: '2025-01-01T00:00:01.000000Z' },
      reportingController: 'example.com/ctl',
      reportingInstance: 'ctl-0',
      action: 'Reconcile',
      reason: 'Synced',
      regarding: { kind: 'Widget', name: 'w', namespace: 'ns' },
      related: { kind: 'Pod', name: 'p' },
      note: 'done',
      type: 'Normal',
      deprecatedSource: {},
      deprecatedFirstTimestamp: null,
      deprecatedLastTimestamp: null,
    };
    const stored = storage.convert!(ev, 'v1');
    expect(stored).toMatchObject({ apiVersion: 'v1', involvedObject: ev.regarding, message: 'done', reportingComponent: 'example.com/ctl', source: {} });
    expect(storage.convert!(stored, 'events.k8s.io/v1')).toEqual(ev);
  });

  it('leaves same-version objects alone', () => {
    expect(storage.convert!(core, 'v1')).toBe(core);
  });
});

describe('core events', () => {
  it('allow create on update, path names, no generation', () => {
    const s = strategyFor(coreEvents);
    expect(s.allowCreateOnUpdate).toBe(true);
    expect(s.nameRule).toBe('path');
    expect(s.tracksGeneration).toBe(false);
  });

  it('check the involved object\'s namespace', () => {
    const e = { metadata: { name: 'e', namespace: 'team' }, involvedObject: { kind: 'Pod', name: 'p', namespace: 'other' }, reason: 'X' };
    expect(create(coreEvents, e).errors).toEqual(['involvedObject.namespace: Invalid value: "other": does not match event.namespace']);
    expect(create(coreEvents, { ...e, involvedObject: { kind: 'Pod', name: 'p', namespace: 'team' } }).errors).toEqual([]);
    expect(create(coreEvents, { metadata: { name: 'e', namespace: 'team' }, reason: 'X' }).errors).toEqual([
      'involvedObject.namespace: Invalid value: "": does not match event.namespace',
    ]);
  });

  it('require reporting fields on new-style events', () => {
    const e = { metadata: { name: 'e', namespace: 'default' }, involvedObject: { namespace: 'default' }, eventTime: '2025-01-01T00:00:00.000000Z' };
    expect(create(coreEvents, e).errors).toEqual([
      'reportingComponent: Required value',
      expect.stringMatching(/^reportingComponent: Invalid value: "": /),
      'reportingInstance: Required value',
      'action: Required value',
      'reason: Required value',
    ]);
  });

  it('select on involved object, reason, source, type', () => {
    expect(strategyFor(coreEvents).selectableFields!(core)).toEqual({
      'involvedObject.kind': 'Pod',
      'involvedObject.namespace': 'default',
      'involvedObject.name': 'web',
      'involvedObject.uid': 'u1',
      'involvedObject.apiVersion': 'v1',
      'involvedObject.resourceVersion': '42',
      'involvedObject.fieldPath': 'spec.containers{app}',
      reason: 'Pulled',
      reportingComponent: 'kubelet',
      source: 'kubelet',
      type: 'Normal',
    });
  });

  it('default the always-present fields', () => {
    const r = create(coreEvents, { metadata: { name: 'e', namespace: 'default' }, involvedObject: { namespace: 'default' } });
    expect(r.obj).toMatchObject({ source: {}, firstTimestamp: null, lastTimestamp: null, eventTime: null, reportingComponent: '', reportingInstance: '' });
  });
});

describe('events.k8s.io/v1 events', () => {
  const good: KubeObject = {
    metadata: { name: 'e', namespace: 'default' },
    eventTime: '2025-01-01T00:00:00.000000Z',
    reportingController: 'example.com/ctl',
    reportingInstance: 'ctl-0',
    action: 'Act',
    reason: 'Because',
    regarding: { kind: 'Pod', name: 'p', namespace: 'default' },
    type: 'Normal',
  };

  it('accept a well-formed event', () => {
    expect(create(v1Events, good).errors).toEqual([]);
  });

  it('apply the strict rules', () => {
    const r = create(v1Events, { ...good, type: 'Odd', deprecatedCount: 2, eventTime: undefined, reportingController: '' });
    expect(r.errors).toEqual([
      'eventTime: Required value',
      'type: Invalid value: "": has invalid value: Odd',
      'deprecatedCount: Invalid value: "": needs to be unset',
    ]);
    const late = create(v1Events, { ...good, reportingController: '' });
    expect(late.errors).toContain('reportingController: Required value');
  });

  it('keep everything but series fixed on update', () => {
    const old = create(v1Events, good).obj;
    expect(update(v1Events, { ...structuredClone(old), note: 'changed' }, old).errors).toEqual(['message: Invalid value: "changed": field is immutable']);
    expect(update(v1Events, { ...structuredClone(old), series: { count: 2, lastObservedTime: '2025-01-01T00:00:02.000000Z' } }, old).errors).toEqual([]);
  });

  it('select with the events.k8s.io field names', () => {
    expect(strategyFor(v1Events).selectableFields!(coreEventToEventsV1(core))).toMatchObject({
      'regarding.kind': 'Pod',
      'regarding.name': 'web',
      reportingController: 'kubelet',
      reason: 'Pulled',
      type: 'Normal',
    });
  });
});
