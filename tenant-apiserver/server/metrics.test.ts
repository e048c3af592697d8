import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.js';

describe('createMetrics', () => {
  it('replays observations made before prom-client is loaded into the first exposition', async () => {
    const m = createMetrics();
    m.requests.inc({ verb: 'create', resource: 'configmaps', code: '201' });
    m.requests.inc({ verb: 'create', resource: 'configmaps', code: '201' });
    m.inflight.inc({ kind: 'mutating' });
    m.inflight.inc({ kind: 'mutating' });
    m.inflight.dec({ kind: 'mutating' });
    m.storageBatch.observe(3);
    const first = await m.exposition();
    expect(first.contentType).toMatch(/^text\/plain/);
    expect(first.text).toMatch(/^apiserver_request_total\{verb="create",resource="configmaps",code="201"\} 2$/m);
    expect(first.text).toMatch(/^apiserver_current_inflight_requests\{kind="mutating"\} 1$/m);
    expect(first.text).toMatch(/^tenantry_storage_commit_batch_size_sum 3$/m);
    expect(first.text).toMatch(/^process_cpu_seconds_total /m);
    // Once loaded, observations go straight through.
    m.storageBatch.observe(4);
    expect((await m.exposition()).text).toMatch(/^tenantry_storage_commit_batch_size_sum 7$/m);
  });

  it('loads early rather than queue without bound, and keeps every count', async () => {
    const m = createMetrics();
    for (let i = 0; i < 10_000; i++) m.latency.observe({ verb: 'get', resource: 'pods' }, 0.001);
    expect((await m.exposition()).text).toMatch(/^apiserver_request_duration_seconds_count\{verb="get",resource="pods"\} 10000$/m);
  });

  it('keeps one registry per server', async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.requests.inc({ verb: 'list', code: '200' });
    expect((await b.exposition()).text).not.toMatch(/^apiserver_request_total\{/m);
  });
});
