// Events, core/v1 and events.k8s.io/v1. kube stores both as one internal type
// and prints them with one printer; the events.k8s.io wire form renames most
// fields, so it is mapped onto the core/v1 names first.

import { parseTimestamp, translateTimestampSince } from './age.js';
import { col, int, nameOf, NAME_DESCRIPTION, obj, optObj, str } from './format.js';
import type { KubeObject, Printer } from './types.js';

/** events.k8s.io/v1 Event -> core/v1 field names. */
export function eventsV1ToCore(e: KubeObject): KubeObject {
  const series = optObj(e.series);
  return {
    metadata: e.metadata,
    involvedObject: e.regarding,
    reason: e.reason,
    message: e.note,
    type: e.type,
    source: e.deprecatedSource,
    firstTimestamp: e.deprecatedFirstTimestamp,
    lastTimestamp: e.deprecatedLastTimestamp,
    count: e.deprecatedCount,
    eventTime: e.eventTime,
    series: series ? { count: series.count, lastObservedTime: series.lastObservedTime } : undefined,
    reportingComponent: e.reportingController,
    reportingInstance: e.reportingInstance,
  };
}

function formatEventSource(source: unknown, reportingController: string, reportingInstance: string): string {
  const s = obj(source);
  const component = str(s.component) || reportingController;
  const instance = str(s.host) || reportingInstance;
  return instance === '' ? component : `${component}, ${instance}`;
}

function coreEventCells(e: KubeObject, now: number): unknown[] {
  const first =
    parseTimestamp(e.firstTimestamp) !== null
      ? translateTimestampSince(e.firstTimestamp, now)
      : translateTimestampSince(e.eventTime, now);
  let last = parseTimestamp(e.lastTimestamp) !== null ? translateTimestampSince(e.lastTimestamp, now) : first;

  let count = int(e.count);
  const series = optObj(e.series);
  if (series) {
    last = translateTimestampSince(series.lastObservedTime, now);
    count = int(series.count);
  } else if (count === 0) {
    // Singleton events of the new API carry no count.
    count = 1;
  }

  const involved = obj(e.involvedObject);
  const kind = str(involved.kind).toLowerCase();
  const target = str(involved.name) ? `${kind}/${str(involved.name)}` : kind;

  return [
    last,
    str(e.type),
    str(e.reason),
    target,
    str(involved.fieldPath),
    formatEventSource(e.source, str(e.reportingComponent), str(e.reportingInstance)),
    str(e.message).trim(),
    first,
    count,
    nameOf(e),
  ];
}

const eventColumns = [
  col('Last Seen', 'string', 'The time at which the most recent occurrence of this event was recorded.'),
  col('Type', 'string', 'Type of this event (Normal, Warning).'),
  col('Reason', 'string', "A short, machine understandable string that gives the reason for this event."),
  col('Object', 'string', 'The object that this event is about.'),
  col('Subobject', 'string', 'The field of the object the event is about, e.g. a container.', 1),
  col('Source', 'string', 'The component reporting this event.', 1),
  col('Message', 'string', 'A human-readable description of the status of this operation.'),
  col('First Seen', 'string', 'The time at which the event was first recorded.', 1),
  col('Count', 'string', 'The number of times this event has occurred.', 1),
  col('Name', 'string', NAME_DESCRIPTION, 1, 'name'),
];

export const eventPrinter: Printer = {
  columns: eventColumns,
  cells: coreEventCells,
};

export const eventsV1Printer: Printer = {
  columns: eventColumns,
  cells(e, now) {
    return coreEventCells(eventsV1ToCore(e), now);
  },
};
