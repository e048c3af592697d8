import { describe, expect, it } from 'vitest';
import './index.js';
import { strategyFor } from './register.js';
import { create, info, update } from './testkit.js';

const leases = info({ group: 'coordination.k8s.io', resource: 'leases', kind: 'Lease' });
const slices = info({ group: 'discovery.k8s.io', resource: 'endpointslices', kind: 'EndpointSlice' });

describe('leases', () => {
  it('allow create on update and check durations', () => {
    expect(strategyFor(leases).allowCreateOnUpdate).toBe(true);
    expect(strategyFor(leases).tracksGeneration).toBe(false);
    expect(create(leases, { metadata: { name: 'l' }, spec: { holderIdentity: 'a', leaseDurationSeconds: 15 } }).errors).toEqual([]);
    expect(create(leases, { metadata: { name: 'l' }, spec: { leaseDurationSeconds: 0 } }).errors).toEqual(['spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0']);
  });
});

describe('endpoint slices', () => {
  const slice = { metadata: { name: 'web-abc' }, addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.1'] }], ports: [{ port: 80 }] };

  it('require an address type and default ports', () => {
    const r = create(slices, slice);
    expect(r.errors).toEqual([]);
    expect(r.obj.ports).toEqual([{ port: 80, protocol: 'TCP', name: '' }]);
    expect(create(slices, { ...slice, addressType: undefined }).errors).toEqual(['addressType: Required value']);
    expect(create(slices, { ...slice, addressType: 'IPv5' }).errors).toEqual(['addressType: Unsupported value: "IPv5": supported values: "FQDN", "IPv4", "IPv6"']);
  });

  it('keep the address type fixed and track generation', () => {
    const old = create(slices, slice).obj;
    expect(update(slices, { ...structuredClone(old), addressType: 'IPv6', endpoints: [{ addresses: ['fd00::1'] }] }, old).errors).toEqual([
      'addressType: Invalid value: "IPv6": field is immutable',
    ]);
    expect(strategyFor(slices).tracksGeneration).toBe(true);
  });

  it('check addresses against the type', () => {
    expect(create(slices, { ...slice, endpoints: [{ addresses: ['fd00::1'] }] }).errors).toEqual([
      'endpoints[0].addresses[0]: Invalid value: "fd00::1": must be an IPv4 address',
    ]);
  });
});
