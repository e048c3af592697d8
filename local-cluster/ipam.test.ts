import { describe, expect, it } from 'vitest';
import { cidrContains, intToIp, ipToInt, parseCidr, pickPodIP } from './ipam.js';

describe('ipam', () => {
  it('converts addresses both ways and rejects malformed ones', () => {
    expect(ipToInt('10.96.0.1')).toBe(10 * 2 ** 24 + 96 * 2 ** 16 + 1);
    expect(intToIp(ipToInt('255.255.255.254')!)).toBe('255.255.255.254');
    expect(ipToInt('10.0.0')).toBeUndefined();
    expect(ipToInt('10.0.0.256')).toBeUndefined();
    expect(ipToInt('::1')).toBeUndefined();
  });

  it('parses CIDRs to their network and size', () => {
    const c = parseCidr('10.96.0.0/12');
    expect(c.size).toBe(2 ** 20);
    expect(cidrContains(c, '10.111.255.255')).toBe(true);
    expect(cidrContains(c, '10.112.0.0')).toBe(false);
    expect(parseCidr('10.244.3.7/24').base).toBe(ipToInt('10.244.3.0'));
    expect(() => parseCidr('10.0.0.0/33')).toThrow('invalid CIDR');
  });

  it('hands out the lowest free host address after the gateway', () => {
    expect(pickPodIP('10.244.1.0/24', new Set())).toBe('10.244.1.2');
    expect(pickPodIP('10.244.1.0/24', new Set(['10.244.1.2', '10.244.1.3']))).toBe('10.244.1.4');
    const all = new Set(Array.from({ length: 253 }, (_, i) => `10.244.1.${i + 2}`));
    expect(pickPodIP('10.244.1.0/24', all)).toBeUndefined();
    all.delete('10.244.1.254');
    expect(pickPodIP('10.244.1.0/24', all)).toBe('10.244.1.254');
  });
});
