// flowcontrol.apiserver.k8s.io: FlowSchema and PriorityLevelConfiguration.

import { ageColumn, ageOf, byteCompare, col, int, nameColumn, nameOf, obj, objs, optObj, str } from './format.js';
import type { KubeObject, Printer } from './types.js';

/** v1 defaulting fills matchingPrecedence with 1000 when omitted. */
function matchingPrecedence(o: KubeObject): number {
  const p = obj(o.spec).matchingPrecedence;
  return typeof p === 'number' ? int(p) : 1000;
}

export const flowSchemaPrinter: Printer = {
  columns: [
    nameColumn(),
    col('PriorityLevel', 'string', 'The priority level configuration requests are assigned to.'),
    col('MatchingPrecedence', 'string', 'Lower values match first.'),
    col('DistinguisherMethod', 'string', 'How flows are distinguished.'),
    ageColumn(),
    col('MissingPL', 'string', 'references a broken or non-existent PriorityLevelConfiguration'),
  ],
  cells(o, now) {
    const spec = obj(o.spec);
    const dm = optObj(spec.distinguisherMethod);
    const dangling = objs(obj(o.status).conditions).find((c) => str(c.type) === 'Dangling');
    return [
      nameOf(o),
      str(obj(spec.priorityLevelConfiguration).name),
      matchingPrecedence(o),
      dm ? str(dm.type) : '<none>',
      ageOf(o, now),
      dangling ? str(dangling.status) : '?',
    ];
  },
  // Lists are shown in matching order: precedence, then name.
  sortObjects(objects) {
    return [...objects].sort((a, b) => matchingPrecedence(a) - matchingPrecedence(b) || byteCompare(nameOf(a), nameOf(b)));
  },
};

export const priorityLevelConfigurationPrinter: Printer = {
  columns: [
    nameColumn(),
    col('Type', 'string', 'Exempt or Limited.'),
    col('NominalConcurrencyShares', 'string', 'Share of the server concurrency limit for this level.'),
    col('Queues', 'string', 'Number of queues for this level.'),
    col('HandSize', 'string', 'Number of queues a flow is shuffle-sharded over.'),
    col('QueueLengthLimit', 'string', 'Maximum requests waiting in one queue.'),
    ageColumn(),
  ],
  cells(o, now) {
    const spec = obj(o.spec);
    let ncs: unknown = '<none>';
    let queues: unknown = '<none>';
    let handSize: unknown = '<none>';
    let queueLengthLimit: unknown = '<none>';
    const limited = optObj(spec.limited);
    if (limited) {
      ncs = int(limited.nominalConcurrencyShares);
      const q = optObj(obj(limited.limitResponse).queuing);
      if (q) {
        queues = int(q.queues);
        handSize = int(q.handSize);
        queueLengthLimit = int(q.queueLengthLimit);
      }
    }
    return [nameOf(o), str(spec.type), ncs, queues, handSize, queueLengthLimit, ageOf(o, now)];
  },
};
