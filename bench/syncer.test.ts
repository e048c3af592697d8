import { describe, expect, it } from 'vitest';
import { metricSamples } from './syncer.js';

describe('metricSamples', () => {
  it('reads every labelled sample of one family and nothing of a family sharing its prefix', () => {
    const text = [
      '# HELP tenantry_syncer_patrol_duration_seconds x',
      'tenantry_syncer_patrol_duration_seconds_sum{tenant="t001"} 0.25',
      'tenantry_syncer_patrol_duration_seconds_sum{tenant="t002"} 1e-2',
      'tenantry_syncer_patrol_duration_seconds_count{tenant="t001"} 2',
      'tenantry_syncer_queue_depth{tenant="t001"} 0',
      'tenantry_syncer_queue_depth_other 7',
    ].join('\n');
    const sums = metricSamples(text, 'tenantry_syncer_patrol_duration_seconds_sum');
    expect([...sums]).toEqual([
      ['{tenant="t001"}', 0.25],
      ['{tenant="t002"}', 0.01],
    ]);
    expect([...metricSamples(text, 'tenantry_syncer_queue_depth').values()]).toEqual([0]);
  });
});
