import { describe, expect, it } from 'vitest';
import './index.js';
import { create, info, update } from './testkit.js';

const classes = info({ group: 'storage.k8s.io', resource: 'storageclasses', kind: 'StorageClass', namespaced: false });
const drivers = info({ group: 'storage.k8s.io', resource: 'csidrivers', kind: 'CSIDriver', namespaced: false });

describe('storage classes', () => {
  it('default reclaim policy and binding mode', () => {
    const r = create(classes, { metadata: { name: 'fast' }, provisioner: 'ebs.csi.aws.com' });
    expect(r.errors).toEqual([]);
    expect(r.obj).toMatchObject({ reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate' });
  });

  it('validate provisioner and policies', () => {
    expect(create(classes, { metadata: { name: 'x' } }).errors).toEqual(['provisioner: Required value']);
    expect(create(classes, { metadata: { name: 'x' }, provisioner: 'p', reclaimPolicy: 'Recycle' }).errors).toEqual([
      'reclaimPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain"',
    ]);
  });

  it('keep provisioner, parameters and policies fixed', () => {
    const old = create(classes, { metadata: { name: 'x' }, provisioner: 'p', parameters: { type: 'gp3' } }).obj;
    expect(update(classes, { ...structuredClone(old), provisioner: 'q', parameters: {}, volumeBindingMode: 'WaitForFirstConsumer' }, old).errors).toEqual([
      'parameters: Forbidden: updates to parameters are forbidden.',
      'provisioner: Forbidden: updates to provisioner are forbidden.',
      'volumeBindingMode: Invalid value: "WaitForFirstConsumer": field is immutable',
    ]);
  });
});

describe('CSI drivers', () => {
  it('default the driver spec', () => {
    expect(create(drivers, { metadata: { name: 'd' }, spec: {} }).obj.spec).toEqual({
      attachRequired: true,
      podInfoOnMount: false,
      storageCapacity: false,
      fsGroupPolicy: 'ReadWriteOnceWithFSType',
      volumeLifecycleModes: ['Persistent'],
      requiresRepublish: false,
      seLinuxMount: false,
    });
  });
});
