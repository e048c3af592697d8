import { afterEach, describe, expect, it } from 'vitest';
import { createEventRecorder, eventName } from './events.js';
import { controllerEnv, type ControllerEnv } from './testkit.js';

let env: ControllerEnv;
afterEach(async () => env?.close());

describe('event recorder', () => {
  it('writes core/v1 Events the way client-go\'s recorder does and counts repeats on the first one', async () => {
    env = await controllerEnv(() => []);
    const cm = await env.create('/v1/configmaps', { metadata: { name: 'cfg' } });
    let now = Date.parse('2024-01-01T00:00:00Z');
    const rec = createEventRecorder(env.registry, env.store, 'test-controller', undefined, () => now);
    rec.event(cm, 'Normal', 'Synced', 'all good');
    now += 5000;
    rec.event(cm, 'Normal', 'Synced', 'all good');
    rec.event(cm, 'Warning', 'Broken', 'not good');
    await rec.flush();
    const events = await env.list('/v1/events');
    expect(events.length).toBe(2);
    const synced = events.find((e) => e.reason === 'Synced')!;
    expect(synced.metadata.name).toMatch(/^cfg\.[0-9a-f]+$/);
    expect(synced).toMatchObject({
      involvedObject: { kind: 'ConfigMap', namespace: 'default', name: 'cfg', uid: cm.metadata.uid, apiVersion: 'v1', resourceVersion: cm.metadata.resourceVersion },
      source: { component: 'test-controller' },
      reportingComponent: 'test-controller',
      type: 'Normal',
      message: 'all good',
      count: 2,
      firstTimestamp: '2024-01-01T00:00:00Z',
      lastTimestamp: '2024-01-01T00:00:05Z',
    });
    expect(events.find((e) => e.reason === 'Broken')).toMatchObject({ type: 'Warning', count: 1 });
  });

  it('names events uniquely even within a millisecond', () => {
    const a = eventName('x', 1000);
    const b = eventName('x', 1000);
    expect(a).not.toBe(b);
    expect(BigInt(`0x${b.slice(2)}`)).toBeGreaterThan(BigInt(`0x${a.slice(2)}`));
  });
});
