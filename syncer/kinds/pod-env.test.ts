import { describe, expect, it } from 'vitest';
import { serviceEnv, serviceEnvFor, withServiceEnv } from './pod-env.js';

describe('service env vars', () => {
  it('produces the kubelet variables for a service', () => {
    const env = Object.fromEntries(serviceEnv('my-svc', '10.0.0.1', [{ name: 'http', port: 80, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }]).map((e) => [e.name, e.value]));
    expect(env).toEqual({
      MY_SVC_SERVICE_HOST: '10.0.0.1',
      MY_SVC_SERVICE_PORT: '80',
      MY_SVC_SERVICE_PORT_HTTP: '80',
      MY_SVC_PORT: 'tcp://10.0.0.1:80',
      MY_SVC_PORT_80_TCP: 'tcp://10.0.0.1:80',
      MY_SVC_PORT_80_TCP_PROTO: 'tcp',
      MY_SVC_PORT_80_TCP_PORT: '80',
      MY_SVC_PORT_80_TCP_ADDR: '10.0.0.1',
      MY_SVC_PORT_53_UDP: 'udp://10.0.0.1:53',
      MY_SVC_PORT_53_UDP_PROTO: 'udp',
      MY_SVC_PORT_53_UDP_PORT: '53',
      MY_SVC_PORT_53_UDP_ADDR: '10.0.0.1',
    });
  });

  it('brackets IPv6 addresses in URLs and skips headless or unallocated services', () => {
    expect(serviceEnv('a', 'fd00::1', [{ port: 80 }]).find((e) => e.name === 'A_PORT')!.value).toBe('tcp://[fd00::1]:80');
    expect(serviceEnv('a', 'None', [{ port: 80 }])).toEqual([]);
    expect(serviceEnv('a', '', [{ port: 80 }])).toEqual([]);
    const all = serviceEnvFor([{ metadata: { name: 'b' }, spec: { ports: [{ port: 1 }] } }, { metadata: { name: 'a' }, spec: { ports: [{ port: 2 }] } }], () => '10.0.0.2');
    expect(all.map((e) => e.name)).toEqual([...all.map((e) => e.name)].sort());
  });

  it('puts service vars first and never overrides the container', () => {
    const c: Record<string, unknown> = { env: [{ name: 'A_SERVICE_HOST', value: 'x' }, { name: 'OTHER', value: '$(A_SERVICE_PORT)' }] };
    withServiceEnv(c, [{ name: 'A_SERVICE_HOST', value: '1' }, { name: 'A_SERVICE_PORT', value: '2' }]);
    expect(c.env).toEqual([{ name: 'A_SERVICE_PORT', value: '2' }, { name: 'A_SERVICE_HOST', value: 'x' }, { name: 'OTHER', value: '$(A_SERVICE_PORT)' }]);
  });
});
