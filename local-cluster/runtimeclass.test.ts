import { describe, expect, it } from 'vitest';
import { applyRuntimeClass, mergeTolerations } from './runtimeclass.js';

const pod = (spec: Record<string, unknown> = {}) => ({ metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i' }], ...spec } });

describe('RuntimeClass application', () => {
  it('copies the overhead, and accepts the same overhead spelled differently', () => {
    const rc = { overhead: { podFixed: { cpu: '250m', memory: '160Mi' } } };
    const p = pod();
    expect(applyRuntimeClass(p, rc)).toBeUndefined();
    expect(p.spec).toMatchObject({ overhead: { cpu: '250m', memory: '160Mi' } });
    expect(applyRuntimeClass(pod({ overhead: { cpu: '0.25', memory: '160Mi' } }), rc)).toBeUndefined();
  });

  it('refuses a conflicting or orphaned overhead with kube\'s messages', () => {
    const rc = { overhead: { podFixed: { cpu: '250m' } } };
    expect(applyRuntimeClass(pod({ overhead: { cpu: '1' } }), rc)).toBe("pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead");
    expect(applyRuntimeClass(pod({ overhead: { cpu: '1' } }), undefined)).toBe('pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead');
    expect(applyRuntimeClass(pod({ overhead: { cpu: '1' } }), { handler: 'runc' })).toBe('pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead');
  });

  it('merges scheduling constraints and refuses a conflicting node selector', () => {
    const rc = { scheduling: { nodeSelector: { sandbox: 'kata' }, tolerations: [{ key: 'sandbox', operator: 'Exists', effect: 'NoSchedule' }] } };
    const p = pod({ nodeSelector: { disk: 'ssd' }, tolerations: [{ key: 'sandbox', operator: 'Exists', effect: 'NoSchedule' }] });
    expect(applyRuntimeClass(p, rc)).toBeUndefined();
    expect(p.spec).toMatchObject({ nodeSelector: { disk: 'ssd', sandbox: 'kata' }, tolerations: [{ key: 'sandbox', operator: 'Exists', effect: 'NoSchedule' }] });
    expect(applyRuntimeClass(pod({ nodeSelector: { sandbox: 'gvisor' } }), rc)).toBe(
      'conflict: runtimeClass.scheduling.nodeSelector[sandbox] = kata; pod.spec.nodeSelector[sandbox] = gvisor',
    );
    expect(mergeTolerations([{ key: 'a' }], [{ key: 'a' }, { key: 'b' }])).toEqual([{ key: 'a' }, { key: 'b' }]);
  });
});
