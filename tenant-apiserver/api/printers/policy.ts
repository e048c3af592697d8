// policy/v1: PodDisruptionBudget.

import { ageColumn, ageOf, col, int, intOrString, nameColumn, nameOf, obj } from './format.js';
import type { Printer } from './types.js';

const present = (v: unknown): boolean => v !== undefined && v !== null;

export const podDisruptionBudgetPrinter: Printer = {
  columns: [
    nameColumn(),
    col('Min Available', 'string', 'The minimum number of pods that must be available.'),
    col('Max Unavailable', 'string', 'The maximum number of pods that may be unavailable.'),
    col('Allowed Disruptions', 'integer', 'Calculated number of pods that may be disrupted at this time.'),
    ageColumn(),
  ],
  cells(o, now) {
    const spec = obj(o.spec);
    return [
      nameOf(o),
      present(spec.minAvailable) ? intOrString(spec.minAvailable) : 'N/A',
      present(spec.maxUnavailable) ? intOrString(spec.maxUnavailable) : 'N/A',
      int(obj(o.status).disruptionsAllowed),
      ageOf(o, now),
    ];
  },
};
