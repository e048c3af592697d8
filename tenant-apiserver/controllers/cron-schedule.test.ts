import { describe, expect, it } from 'vitest';
import { dateIn, dueScheduleTime, mostRecentScheduleTime, nextAfter, nextScheduleDelayMs, parseSchedule, rfc3339In } from './cron-schedule.js';
import { effectiveSchedule, jobNameFor } from './cronjob.js';

const t = (s: string) => Date.parse(s);
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const next = (spec: string, from: string) => iso(nextAfter(parseSchedule(spec), t(from)));

describe('parsing and Next (robfig/cron semantics)', () => {
  it('steps, ranges and lists', () => {
    expect(next('*/15 * * * *', '2024-01-01T10:07:30Z')).toBe('2024-01-01T10:15:00Z');
    expect(next('*/15 * * * *', '2024-01-01T10:45:00Z')).toBe('2024-01-01T11:00:00Z');
    expect(next('5,35 */2 * * *', '2024-01-01T10:36:00Z')).toBe('2024-01-01T12:05:00Z');
    expect(next('0 0 1 jan *', '2024-03-01T00:00:00Z')).toBe('2025-01-01T00:00:00Z');
    // Always strictly after the given time.
    expect(next('* * * * *', '2024-01-01T10:00:00Z')).toBe('2024-01-01T10:01:00Z');
  });

  it('weekdays roll over the weekend', () => {
    // 2024-01-05 is a Friday.
    expect(next('0 9 * * 1-5', '2024-01-05T10:00:00Z')).toBe('2024-01-08T09:00:00Z');
    expect(next('0 9 * * mon-fri', '2024-01-05T08:00:00Z')).toBe('2024-01-05T09:00:00Z');
  });

  it('ORs day-of-month and day-of-week when both are restricted, ANDs when one is *', () => {
    // The 13th, or any Friday: from Sat 2024-01-06 the next is Fri 01-12.
    expect(next('0 0 13 * 5', '2024-01-06T00:00:00Z')).toBe('2024-01-12T00:00:00Z');
    expect(next('0 0 13 * *', '2024-01-06T00:00:00Z')).toBe('2024-01-13T00:00:00Z');
    // A stepped star is no longer a star: */2 in dow restricts (Sun, Tue, Thu, Sat) and ORs with dom 1.
    expect(next('0 0 1 * */2', '2024-01-02T01:00:00Z')).toBe('2024-01-04T00:00:00Z');
  });

  it('descriptors and @every', () => {
    expect(next('@hourly', '2024-01-01T10:07:30Z')).toBe('2024-01-01T11:00:00Z');
    expect(next('@daily', '2024-01-01T10:07:30Z')).toBe('2024-01-02T00:00:00Z');
    expect(next('@weekly', '2024-01-01T10:07:30Z')).toBe('2024-01-07T00:00:00Z');
    expect(next('@monthly', '2024-01-15T00:00:00Z')).toBe('2024-02-01T00:00:00Z');
    expect(next('@yearly', '2024-01-15T00:00:00Z')).toBe('2025-01-01T00:00:00Z');
    expect(next('@every 90s', '2024-01-01T10:00:00.500Z')).toBe('2024-01-01T10:01:30Z');
    expect(next('@every 100ms', '2024-01-01T10:00:00Z')).toBe('2024-01-01T10:00:01Z');
  });

  it('never-matching dates give no next time', () => {
    expect(nextAfter(parseSchedule('0 0 30 2 *'), t('2024-01-01T00:00:00Z'))).toBe(0);
  });

  it('rejects invalid schedules with robfig\'s message', () => {
    expect(() => parseSchedule('61 * * * *')).toThrow('end of range (61) above maximum (59): 61');
    expect(() => parseSchedule('* * *')).toThrow('expected exactly 5 fields, found 3: [* * *]');
  });
});

describe('time zones', () => {
  it('evaluates in the schedule\'s zone', () => {
    expect(next('TZ=America/New_York 0 9 * * *', '2024-01-09T00:00:00Z')).toBe('2024-01-09T14:00:00Z');
    expect(next('CRON_TZ=Asia/Kolkata 30 9 * * *', '2024-01-09T00:00:00Z')).toBe('2024-01-09T04:00:00Z');
    // Across the spring-forward change 9:00 is 13:00 UTC.
    expect(next('TZ=America/New_York 0 9 * * *', '2024-03-10T00:00:00Z')).toBe('2024-03-10T13:00:00Z');
  });

  it('skips a wall time that does not exist and fires twice in a repeated hour, as robfig does', () => {
    // 2024-03-10 02:30 does not exist in New York.
    expect(next('TZ=America/New_York 30 2 * * *', '2024-03-10T05:00:00Z')).toBe('2024-03-11T06:30:00Z');
    // 2024-11-03 01:30 happens twice (EDT, then EST).
    expect(next('TZ=America/New_York 30 1 * * *', '2024-11-03T04:00:00Z')).toBe('2024-11-03T05:30:00Z');
    expect(next('TZ=America/New_York 30 1 * * *', '2024-11-03T05:30:00Z')).toBe('2024-11-03T06:30:00Z');
  });

  it('normalises wall times like time.Date', () => {
    expect(iso(dateIn(2024, 13, 1, 0, 0, 0, 'UTC'))).toBe('2025-01-01T00:00:00Z');
    // In a spring-forward gap Go's lookup lands on the offset after the change: 02:30 → 06:30Z (01:30 EST).
    expect(iso(dateIn(2024, 3, 10, 2, 30, 0, 'America/New_York'))).toBe('2024-03-10T06:30:00Z');
    expect(iso(dateIn(2024, 7, 1, 9, 0, 0, 'America/New_York'))).toBe('2024-07-01T13:00:00Z');
  });

  it('spec.timeZone becomes a TZ= prefix unless the schedule has one', () => {
    expect(effectiveSchedule({ spec: { schedule: '0 9 * * *', timeZone: 'Europe/Paris' } })).toBe('TZ=Europe/Paris 0 9 * * *');
    expect(effectiveSchedule({ spec: { schedule: 'TZ=UTC 0 9 * * *', timeZone: 'Europe/Paris' } })).toBe('TZ=UTC 0 9 * * *');
    expect(effectiveSchedule({ spec: { schedule: '0 9 * * *' } })).toBe('0 9 * * *');
  });

  it('prints the scheduled-timestamp annotation in the zone', () => {
    expect(rfc3339In(t('2024-01-01T14:00:00Z'), 'America/New_York')).toBe('2024-01-01T09:00:00-05:00');
    expect(rfc3339In(t('2024-01-01T14:00:00Z'), 'Asia/Kolkata')).toBe('2024-01-01T19:30:00+05:30');
    expect(rfc3339In(t('2024-01-01T14:00:00Z'), 'UTC')).toBe('2024-01-01T14:00:00Z');
  });
});

describe('missed runs', () => {
  const everyMinute = parseSchedule('*/1 * * * *');

  it('starts nothing before the first activation after creation', () => {
    const st = { createdMs: t('2024-01-01T10:00:30Z') };
    expect(dueScheduleTime(everyMinute, st, t('2024-01-01T10:00:50Z')).timeMs).toBeUndefined();
    expect(nextScheduleDelayMs(everyMinute, st, t('2024-01-01T10:00:50Z'))).toBe(10_100);
  });

  it('starts only the most recent of several missed activations', () => {
    const st = { createdMs: t('2024-01-01T10:00:30Z') };
    const r = dueScheduleTime(everyMinute, st, t('2024-01-01T10:05:10Z'));
    expect(iso(r.timeMs!)).toBe('2024-01-01T10:05:00Z');
    expect(r.missed).toBe('few');
  });

  it('counts from lastScheduleTime and waits once it is processed', () => {
    const st = { createdMs: t('2024-01-01T00:00:00Z'), lastScheduleMs: t('2024-01-01T10:05:00Z') };
    expect(dueScheduleTime(everyMinute, st, t('2024-01-01T10:05:40Z')).timeMs).toBeUndefined();
    expect(nextScheduleDelayMs(everyMinute, st, t('2024-01-01T10:05:40Z'))).toBe(20_100);
  });

  it('flags more than 100 missed activations', () => {
    const st = { createdMs: t('2024-01-01T07:00:00Z') };
    const r = dueScheduleTime(everyMinute, st, t('2024-01-01T10:00:30Z'));
    expect(r.missed).toBe('many');
    expect(iso(r.timeMs!)).toBe('2024-01-01T10:00:00Z');
    expect(dueScheduleTime(everyMinute, { createdMs: t('2024-01-01T09:00:00Z') }, t('2024-01-01T10:00:30Z')).missed).toBe('few');
  });

  it('ignores activations older than startingDeadlineSeconds', () => {
    const st = { createdMs: t('2024-01-01T00:00:00Z'), lastScheduleMs: t('2024-01-01T09:55:00Z') };
    const now = t('2024-01-01T10:05:40Z');
    expect(dueScheduleTime(everyMinute, { ...st, startingDeadlineSeconds: 30 }, now).timeMs).toBeUndefined();
    expect(iso(dueScheduleTime(everyMinute, { ...st, startingDeadlineSeconds: 60 }, now).timeMs!)).toBe('2024-01-01T10:05:00Z');
    // A deadline also keeps "many missed" from being reported for a long outage.
    expect(dueScheduleTime(everyMinute, { createdMs: t('2024-01-01T00:00:00Z'), startingDeadlineSeconds: 120 }, now).missed).toBe('few');
  });

  it('finds the exact last activation of irregular schedules across days', () => {
    const s = parseSchedule('30 6-16/4 * * 1-5');
    // Last run Friday 14:30; now Tuesday noon → the most recent activation is Tuesday 10:30.
    const st = { createdMs: t('2024-01-01T00:00:00Z'), lastScheduleMs: t('2024-01-05T14:30:00Z') };
    const r = mostRecentScheduleTime(s, st, t('2024-01-09T12:00:00Z'), true);
    expect(iso(r.mostRecentMs!)).toBe('2024-01-09T10:30:00Z');
  });

  it('reports schedules that can never run twice as invalid', () => {
    const s = parseSchedule('0 0 30 2 *');
    expect(dueScheduleTime(s, { createdMs: t('2024-01-01T00:00:00Z') }, t('2024-06-01T00:00:00Z')).timeMs).toBeUndefined();
  });

  it('names Jobs by the scheduled minute', () => {
    expect(jobNameFor('cj', t('2024-01-01T00:00:00Z'))).toBe('cj-28401120');
    expect(jobNameFor('cj', t('2024-01-01T00:00:59Z'))).toBe('cj-28401120');
  });
});
