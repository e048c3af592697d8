import { describe, expect, it } from 'vitest';
import './index.js';
import { create, info, update } from './testkit.js';

const pvcs = info({ resource: 'persistentvolumeclaims', kind: 'PersistentVolumeClaim' });
const pvs = info({ resource: 'persistentvolumes', kind: 'PersistentVolume', namespaced: false });

function claim(spec: Record<string, unknown> = {}) {
  return { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1024Mi' } }, ...spec } };
}

describe('persistent volume claims', () => {
  it('default volumeMode and Pending phase, canonicalise sizes', () => {
    const r = create(pvcs, claim());
    expect(r.errors).toEqual([]);
    expect(r.obj.spec).toEqual({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeMode: 'Filesystem' });
    expect(r.obj.status).toEqual({ phase: 'Pending' });
  });

  it('require access modes and a storage request', () => {
    expect(create(pvcs, { metadata: { name: 'd' }, spec: {} }).errors).toEqual([
      'spec.accessModes: Required value: at least 1 access mode is required',
      'spec.resources[storage]: Required value',
    ]);
    expect(create(pvcs, claim({ accessModes: ['ReadWriteOncePod', 'ReadWriteOnce', 'Sometimes'] })).errors).toEqual([
      'spec.accessModes: Unsupported value: "Sometimes": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"',
      'spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes',
    ]);
    expect(create(pvcs, claim({ resources: { requests: { storage: '0' } } })).errors).toEqual(['spec.resources[storage]: Invalid value: "0": must be greater than zero']);
  });

  it('keep the spec immutable except bound claims growing', () => {
    const old = create(pvcs, claim()).obj;
    const grow = claim({ resources: { requests: { storage: '2Gi' } } });
    const unbound = update(pvcs, grow, old).errors;
    expect(unbound).toHaveLength(1);
    expect(unbound[0]!.split('\n')[0]).toBe('spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims');
    const bound = { ...old, status: { phase: 'Bound', capacity: { storage: '1Gi' } } };
    expect(update(pvcs, grow, bound).errors).toEqual([]);
    expect(update(pvcs, claim({ resources: { requests: { storage: '512Mi' } } }), bound).errors).toEqual([
      'spec.resources.requests.storage: Forbidden: field can not be less than status.capacity',
    ]);
    expect(update(pvcs, claim({ volumeName: 'pv-1' }), old).errors).toEqual([]);
  });
});

describe('persistent volumes', () => {
  const pv = (spec: Record<string, unknown> = {}) => ({
    metadata: { name: 'pv1' },
    spec: { capacity: { storage: '10Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/data' }, ...spec },
  });

  it('default reclaim policy and volume mode; start Pending with a transition time', () => {
    const r = create(pvs, pv());
    expect(r.errors).toEqual([]);
    expect(r.obj.spec).toMatchObject({ persistentVolumeReclaimPolicy: 'Retain', volumeMode: 'Filesystem', hostPath: { path: '/data', type: '' } });
    expect(r.obj.status).toEqual({ phase: 'Pending', lastPhaseTransitionTime: '2025-01-02T03:04:05Z' });
  });

  it('require a single volume source and capacity', () => {
    expect(create(pvs, pv({ hostPath: undefined })).errors).toEqual(['spec: Required value: must specify a volume type']);
    expect(create(pvs, pv({ nfs: { server: 'nfs', path: '/x' } })).errors).toEqual(['spec.nfs: Forbidden: may not specify more than 1 volume type']);
    expect(create(pvs, pv({ capacity: {} })).errors).toEqual(['spec.capacity: Required value', 'spec.capacity: Unsupported value: "{}": supported values: "storage"']);
  });

  it('keep the volume source immutable', () => {
    const old = create(pvs, pv()).obj;
    const errs = update(pvs, pv({ hostPath: { path: '/other' } }), old).errors;
    expect(errs).toHaveLength(1);
    expect(errs[0]!.split('\n')[0]).toBe('spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable after creation');
  });
});
