// storage.k8s.io/v1 StorageClasses and CSIDrivers (pkg/apis/storage/v1/defaults.go,
// pkg/apis/storage/validation).

import type { FieldError } from '../errors.js';
import type { Strategy } from '../strategy.js';
import type { KubeObject } from '../types.js';
import { registerStrategy } from './register.js';
import { asArr, asObj, deepEqual, forbidden, immutable, invalid, notSupported, objs, required, setDefault, setDefaultStr, specOf, str } from './util.js';
import { labelName, qualifiedName } from './validators.js';

const MAX_PARAMETERS_SIZE = 256 * 1024;
const MAX_PARAMETERS = 512;

/** SetDefaults_StorageClass. */
export function defaultStorageClass(sc: KubeObject): void {
  if (!sc.reclaimPolicy) sc.reclaimPolicy = 'Delete';
  if (!sc.volumeBindingMode) sc.volumeBindingMode = 'Immediate';
}

export function validateStorageClass(sc: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const prov = str(sc.provisioner);
  if (!prov) errs.push(required('provisioner'));
  else errs.push(...qualifiedName('provisioner', prov.toLowerCase()));
  const params = asObj(sc.parameters) ?? {};
  let size = 0;
  for (const [k, v] of Object.entries(params)) {
    if (!k) errs.push(invalid('parameters', k, 'field can not be empty.'));
    size += k.length + String(v).length;
  }
  if (Object.keys(params).length > MAX_PARAMETERS) errs.push({ type: 'FieldValueTooLong', field: 'parameters', detail: `Provisioner Parameters exceeded max allowed` });
  if (size > MAX_PARAMETERS_SIZE) errs.push({ type: 'FieldValueTooLong', field: 'parameters', detail: `may not be more than ${MAX_PARAMETERS_SIZE} bytes` });
  const rp = sc.reclaimPolicy;
  if (rp !== undefined && rp !== null && rp !== 'Delete' && rp !== 'Retain') errs.push(notSupported('reclaimPolicy', rp, ['Delete', 'Retain']));
  const vbm = sc.volumeBindingMode;
  if (vbm === undefined || vbm === null) errs.push(required('volumeBindingMode'));
  else if (vbm !== 'Immediate' && vbm !== 'WaitForFirstConsumer') errs.push(notSupported('volumeBindingMode', vbm, ['Immediate', 'WaitForFirstConsumer']));
  objs(sc.allowedTopologies).forEach((term, i) => {
    const keys = new Set<string>();
    objs(term.matchLabelExpressions).forEach((e, j) => {
      const p = `allowedTopologies[${i}].matchLabelExpressions[${j}]`;
      if (asArr(e.values).length === 0) errs.push(required(`${p}.values`));
      errs.push(...labelName(`${p}.key`, str(e.key)));
      if (keys.has(str(e.key))) errs.push({ type: 'FieldValueDuplicate', field: `${p}.key`, value: str(e.key) });
      keys.add(str(e.key));
    });
  });
  return errs;
}

export function validateStorageClassUpdate(sc: KubeObject, old: KubeObject): FieldError[] {
  const errs = validateStorageClass(sc);
  if (!deepEqual(sc.parameters ?? null, old.parameters ?? null)) errs.push(forbidden('parameters', 'updates to parameters are forbidden.'));
  if (sc.provisioner !== old.provisioner) errs.push(forbidden('provisioner', 'updates to provisioner are forbidden.'));
  if (sc.reclaimPolicy !== old.reclaimPolicy) errs.push(forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
  errs.push(...immutable('volumeBindingMode', sc.volumeBindingMode ?? null, old.volumeBindingMode ?? null));
  return errs;
}

export const storageClassStrategy: Strategy = {
  tracksGeneration: false,
  defaults: (obj) => defaultStorageClass(obj),
  validate: (obj) => validateStorageClass(obj),
  validateUpdate: (obj, old) => validateStorageClassUpdate(obj, old),
};

/** SetDefaults_CSIDriver. */
export function defaultCsiDriver(d: KubeObject): void {
  const spec = specOf(d);
  setDefault(spec, 'attachRequired', true);
  setDefault(spec, 'podInfoOnMount', false);
  setDefault(spec, 'storageCapacity', false);
  setDefaultStr(spec, 'fsGroupPolicy', 'ReadWriteOnceWithFSType');
  if (asArr(spec.volumeLifecycleModes).length === 0) spec.volumeLifecycleModes = ['Persistent'];
  setDefault(spec, 'requiresRepublish', false);
  setDefault(spec, 'seLinuxMount', false);
}

export const csiDriverStrategy: Strategy = {
  tracksGeneration: false,
  defaults: (obj) => defaultCsiDriver(obj),
  validateUpdate(obj, old) {
    const spec = asObj(obj.spec) ?? {};
    const oldSpec = asObj(old.spec) ?? {};
    return [
      ...immutable('spec.attachRequired', spec.attachRequired ?? null, oldSpec.attachRequired ?? null),
      ...immutable('spec.volumeLifecycleModes', spec.volumeLifecycleModes ?? null, oldSpec.volumeLifecycleModes ?? null),
    ];
  },
};

registerStrategy('storage.k8s.io', 'storageclasses', storageClassStrategy);
registerStrategy('storage.k8s.io', 'csidrivers', csiDriverStrategy);
