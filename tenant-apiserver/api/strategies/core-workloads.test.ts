import { describe, expect, it } from 'vitest';
import './index.js';
import { strategyFor } from './register.js';
import { create, info } from './testkit.js';

const rcs = info({ resource: 'replicationcontrollers', kind: 'ReplicationController' });
const podtemplates = info({ resource: 'podtemplates', kind: 'PodTemplate' });
const endpoints = info({ resource: 'endpoints', kind: 'Endpoints' });
const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'a', image: 'nginx:1' }] } };

describe('replication controllers', () => {
  it('take selector, labels and replicas from defaults', () => {
    const r = create(rcs, { metadata: { name: 'rc' }, spec: { template } });
    expect(r.errors).toEqual([]);
    expect(r.obj.spec).toMatchObject({ replicas: 1, selector: { app: 'web' } });
    expect(r.obj.metadata!.labels).toEqual({ app: 'web' });
  });

  it('require the selector to match and Always restarts', () => {
    const r = create(rcs, { metadata: { name: 'rc' }, spec: { selector: { app: 'db' }, template: { ...template, spec: { ...template.spec, restartPolicy: 'OnFailure' } } } });
    expect(r.errors).toEqual([
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`',
      'spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"',
    ]);
    expect(create(rcs, { metadata: { name: 'rc' }, spec: {} }).errors).toEqual(['spec.selector: Required value', 'spec.template: Required value']);
  });

  it('select on status.replicas', () => {
    expect(strategyFor(rcs).selectableFields!({ status: { replicas: 2 } })).toEqual({ 'status.replicas': '2' });
  });
});

describe('pod templates', () => {
  it('default and validate the template, and track generation', () => {
    const r = create(podtemplates, { metadata: { name: 't' }, template });
    expect(r.errors).toEqual([]);
    expect((r.obj.template as { spec: Record<string, unknown> }).spec.restartPolicy).toBe('Always');
    expect(create(podtemplates, { metadata: { name: 't' }, template: { spec: { containers: [] } } }).errors).toEqual(['template.spec.containers: Required value']);
    expect(strategyFor(podtemplates).tracksGeneration).toBe(true);
  });
});

describe('endpoints', () => {
  it('allow create on update and default port protocols', () => {
    expect(strategyFor(endpoints).allowCreateOnUpdate).toBe(true);
    const r = create(endpoints, { metadata: { name: 'svc' }, subsets: [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }] });
    expect(r.errors).toEqual([]);
    expect(r.obj.subsets).toEqual([{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80, protocol: 'TCP' }] }]);
  });

  it('validate subsets', () => {
    const r = create(endpoints, { metadata: { name: 'svc' }, subsets: [{ ports: [{ port: 80 }] }, { addresses: [{ ip: '127.0.0.1' }], ports: [{ port: 1 }, { port: 2 }] }] });
    expect(r.errors).toEqual([
      'subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`',
      'subsets[1].addresses[0].ip: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
      'subsets[1].ports[0].name: Required value',
      'subsets[1].ports[1].name: Required value',
    ]);
  });
});
