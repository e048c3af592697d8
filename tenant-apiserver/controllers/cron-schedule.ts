// Cron schedules as the CronJob controller evaluates them: robfig/cron v3's
// ParseStandard (five fields, @descriptors, @every, a TZ= / CRON_TZ= prefix)
// and SpecSchedule.Next, which walks month → day → hour → minute in the
// schedule's time zone with Go's time.Date normalisation (a wall time in a DST
// gap moves forward; days that do not start at midnight are corrected).
// Times are plain epoch milliseconds; zones come from Intl (IANA names).

import { DOM, DOW, HOURS, MINUTES, MONTHS, cronScheduleError, type Bounds } from '../api/strategies/cron.js';

/** A parsed field: which values match, and whether it was `*` / `?` (robfig's starBit). */
interface Field {
  bits: Set<number>;
  star: boolean;
}

export type Schedule =
  | { kind: 'spec'; minute: Field; hour: Field; dom: Field; month: Field; dow: Field; timeZone: string }
  | { kind: 'every'; delayMs: number };

function all(b: Bounds): Field {
  const bits = new Set<number>();
  for (let i = b.min; i <= b.max; i++) bits.add(i);
  return { bits, star: true };
}

function one(v: number): Field {
  return { bits: new Set([v]), star: false };
}

function num(s: string, b: Bounds): number {
  const named = b.names?.[s.toLowerCase()];
  return named ?? Number(s);
}

function parseField(field: string, b: Bounds): Field {
  const out: Field = { bits: new Set(), star: false };
  for (const expr of field.split(',').filter((x) => x !== '')) {
    const [range, stepStr] = expr.split('/');
    const lh = range!.split('-');
    let start: number;
    let end: number;
    let star = false;
    if (lh[0] === '*' || lh[0] === '?') {
      start = b.min;
      end = b.max;
      star = true;
    } else {
      start = num(lh[0]!, b);
      end = lh.length === 2 ? num(lh[1]!, b) : start;
    }
    let step = 1;
    if (stepStr !== undefined) {
      step = Number(stepStr);
      if (lh.length === 1) end = b.max;
      if (step > 1) star = false;
    }
    for (let i = start; i <= end; i += step) out.bits.add(i);
    if (star) out.star = true;
  }
  return out;
}

/** time.ParseDuration for @every (validated already), to milliseconds. */
function parseDurationMs(s: string): number {
  const UNIT: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let sign = 1;
  if (s[0] === '-' || s[0] === '+') {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  let total = 0;
  const re = /(\d*\.?\d*)([^0-9.]+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s))) total += Number(m[1]) * (UNIT[m[2]!] ?? 0);
  return sign * total;
}

/** Parse a schedule; throws with robfig's message when it is invalid. `defaultZone` is used without a TZ= prefix. */
export function parseSchedule(spec: string, defaultZone = 'UTC'): Schedule {
  const err = cronScheduleError(spec);
  if (err) throw new Error(err);
  let s = spec;
  let timeZone = defaultZone;
  if (s.startsWith('TZ=') || s.startsWith('CRON_TZ=')) {
    const i = s.indexOf(' ');
    const eq = s.indexOf('=');
    timeZone = i < 0 ? s.slice(eq + 1) : s.slice(eq + 1, i);
    s = i < 0 ? '' : s.slice(i).trim();
  }
  if (s.startsWith('@every ')) {
    let d = parseDurationMs(s.slice('@every '.length));
    // Every(): at least a second, and whole seconds.
    if (d < 1000) d = 1000;
    return { kind: 'every', delayMs: d - (d % 1000) };
  }
  const base = { timeZone, minute: one(0), hour: one(0), dom: all(DOM), month: all(MONTHS), dow: all(DOW) };
  switch (s) {
    case '@yearly':
    case '@annually':
      return { kind: 'spec', ...base, dom: one(1), month: one(1) };
    case '@monthly':
      return { kind: 'spec', ...base, dom: one(1) };
    case '@weekly':
      return { kind: 'spec', ...base, dow: one(0) };
    case '@daily':
    case '@midnight':
      return { kind: 'spec', ...base };
    case '@hourly':
      return { kind: 'spec', ...base, hour: all(HOURS) };
  }
  const f = s.split(/\s+/).filter((x) => x !== '');
  return {
    kind: 'spec',
    timeZone,
    minute: parseField(f[0]!, MINUTES),
    hour: parseField(f[1]!, HOURS),
    dom: parseField(f[2]!, DOM),
    month: parseField(f[3]!, MONTHS),
    dow: parseField(f[4]!, DOW),
  };
}

// ---- zoned wall clock ---------------------------------------------------------------------------------------------------

interface Wall {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** The wall clock in a zone at an instant (second precision). */
export function wallAt(ms: number, tz: string): Wall {
  const secs = Math.floor(ms / 1000) * 1000;
  if (tz === 'UTC') {
    const d = new Date(secs);
    return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds() };
  }
  const w: Wall = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  let bc = false;
  for (const p of formatter(tz).formatToParts(new Date(secs))) {
    if (p.type === 'era') bc = p.value.startsWith('B');
    else if (p.type in w) (w as unknown as Record<string, number>)[p.type] = Number(p.value);
  }
  if (bc) w.year = 1 - w.year;
  return w;
}

function wallAsUtc(w: Wall): number {
  const d = new Date(0);
  d.setUTCFullYear(w.year, w.month - 1, w.day);
  d.setUTCHours(w.hour, w.minute, w.second, 0);
  return d.getTime();
}

/** The zone's offset from UTC at an instant, in ms. */
export function offsetAt(ms: number, tz: string): number {
  if (tz === 'UTC') return 0;
  return wallAsUtc(wallAt(ms, tz)) - Math.floor(ms / 1000) * 1000;
}

/** time.Date: a wall time in a zone (fields may overflow and are normalised) to an instant. */
export function dateIn(year: number, month: number, day: number, hour: number, minute: number, second: number, tz: string): number {
  const unix = wallAsUtc({ year, month, day, hour, minute, second });
  if (tz === 'UTC') return unix;
  let off = offsetAt(unix, tz);
  if (off !== 0) {
    const utc = unix - off;
    // Near a transition the guess is from the wrong side: look again at the candidate instant.
    const off2 = offsetAt(utc, tz);
    if (off2 !== off) off = off2;
  }
  return unix - off;
}

function weekday(w: Wall): number {
  return new Date(Date.UTC(w.year, w.month - 1, w.day)).getUTCDay();
}

function dayMatches(s: Extract<Schedule, { kind: 'spec' }>, w: Wall): boolean {
  const domMatch = s.dom.bits.has(w.day);
  const dowMatch = s.dow.bits.has(weekday(w));
  if (s.dom.star || s.dow.star) return domMatch && dowMatch;
  return domMatch || dowMatch;
}

/** Schedule.Next: the first activation strictly after `ms` (0 when none within five years). */
export function nextAfter(s: Schedule, ms: number): number {
  if (s.kind === 'every') {
    // ConstantDelaySchedule: the delay from t, rounded down to the second.
    return Math.floor(ms / 1000) * 1000 + s.delayMs;
  }
  const tz = s.timeZone;
  // The upcoming second.
  let t = Math.floor(ms / 1000) * 1000 + 1000;
  let added = false;
  const yearLimit = wallAt(t, tz).year + 5;
  wrap: for (;;) {
    let w = wallAt(t, tz);
    if (w.year > yearLimit) return 0;
    while (!s.month.bits.has(w.month)) {
      if (!added) {
        added = true;
        t = dateIn(w.year, w.month, 1, 0, 0, 0, tz);
        w = wallAt(t, tz);
      }
      t = dateIn(w.year, w.month + 1, w.day, w.hour, w.minute, w.second, tz);
      w = wallAt(t, tz);
      if (w.month === 1) continue wrap;
    }
    while (!dayMatches(s, w)) {
      if (!added) {
        added = true;
        t = dateIn(w.year, w.month, w.day, 0, 0, 0, tz);
        w = wallAt(t, tz);
      }
      t = dateIn(w.year, w.month, w.day + 1, w.hour, w.minute, w.second, tz);
      w = wallAt(t, tz);
      // A DST change can leave the new day starting off midnight: pull it back to 00:00.
      if (w.hour !== 0) {
        t += (w.hour > 12 ? 24 - w.hour : -w.hour) * 3_600_000;
        w = wallAt(t, tz);
      }
      if (w.day === 1) continue wrap;
    }
    while (!s.hour.bits.has(w.hour)) {
      if (!added) {
        added = true;
        t = dateIn(w.year, w.month, w.day, w.hour, 0, 0, tz);
      }
      t += 3_600_000;
      w = wallAt(t, tz);
      if (w.hour === 0) continue wrap;
    }
    while (!s.minute.bits.has(w.minute)) {
      if (!added) {
        added = true;
        t = Math.floor(t / 60_000) * 60_000;
      }
      t += 60_000;
      w = wallAt(t, tz);
      if (w.minute === 0) continue wrap;
    }
    // Standard schedules fire at second 0.
    while (w.second !== 0) {
      if (!added) {
        added = true;
        t = Math.floor(t / 1000) * 1000;
      }
      t += 1000;
      w = wallAt(t, tz);
      if (w.second === 0) continue wrap;
    }
    return t;
  }
}

export type MissedSchedules = 'none' | 'few' | 'many';

export interface ScheduleState {
  /** metadata.creationTimestamp (ms). */
  createdMs: number;
  /** status.lastScheduleTime (ms), if any. */
  lastScheduleMs?: number;
  startingDeadlineSeconds?: number;
}

/**
 * mostRecentScheduleTime: the latest activation in (earliest, now], where
 * earliest is the last schedule time (else creation), raised to now −
 * startingDeadlineSeconds when asked. Missed runs are counted roughly (by the
 * interval between the first two activations) only to flag "many" (> 100);
 * only the most recent one is ever started.
 */
export function mostRecentScheduleTime(
  s: Schedule,
  st: ScheduleState,
  nowMs: number,
  includeStartingDeadline: boolean,
): { earliestMs: number; mostRecentMs?: number; missed: MissedSchedules; error?: string } {
  let earliest = st.lastScheduleMs ?? st.createdMs;
  if (includeStartingDeadline && st.startingDeadlineSeconds !== undefined) {
    const deadline = nowMs - st.startingDeadlineSeconds * 1000;
    if (deadline > earliest) earliest = deadline;
  }
  const t1 = nextAfter(s, earliest);
  const t2 = nextAfter(s, t1);
  if (t1 === 0 || nowMs < t1) return { earliestMs: earliest, missed: 'none' };
  if (t2 === 0 || nowMs < t2) return { earliestMs: earliest, mostRecentMs: t1, missed: 'none' };
  const between = Math.round((t2 - t1) / 1000);
  if (between < 1) return { earliestMs: earliest, missed: 'none', error: 'time difference between two schedules is less than 1 second' };
  const elapsed = Math.trunc((nowMs - t1) / 1000);
  const missedCount = Math.trunc(elapsed / between) + 1;
  // Jump close to now by the interval, then let the schedule find the exact last activation (irregular schedules).
  const potentialEarliest = t1 + (missedCount - 2) * between * 1000;
  let mostRecent: number | undefined;
  for (let t = nextAfter(s, potentialEarliest); t !== 0 && t <= nowMs; t = nextAfter(s, t)) mostRecent = t;
  const missed: MissedSchedules = missedCount > 100 ? 'many' : 'few';
  return { earliestMs: earliest, mostRecentMs: mostRecent, missed };
}

/** nextScheduleTime: the activation to run now, if one is due. */
export function dueScheduleTime(s: Schedule, st: ScheduleState, nowMs: number): { timeMs?: number; missed: MissedSchedules; error?: string } {
  const r = mostRecentScheduleTime(s, st, nowMs, true);
  if (r.mostRecentMs === undefined || r.mostRecentMs > nowMs) return { missed: r.missed, error: r.error };
  return { timeMs: r.mostRecentMs, missed: r.missed };
}

/** The small delay past the activation kube adds before requeueing. */
export const NEXT_SCHEDULE_DELTA_MS = 100;

/** nextScheduleTimeDuration: how long until the controller should look again. */
export function nextScheduleDelayMs(s: Schedule, st: ScheduleState, nowMs: number): number {
  const r = mostRecentScheduleTime(s, st, nowMs, false);
  let from: number;
  if (r.error) from = nowMs;
  else if (r.mostRecentMs === undefined) from = r.missed === 'none' ? r.earliestMs : nowMs;
  else from = r.mostRecentMs;
  const next = nextAfter(s, from);
  if (next === 0) return 24 * 3_600_000;
  return next + NEXT_SCHEDULE_DELTA_MS - nowMs;
}

/** RFC 3339 in a zone, as Go's time.RFC3339 prints it (Z for UTC, else ±hh:mm). */
export function rfc3339In(ms: number, tz: string): string {
  const w = wallAt(ms, tz);
  const off = Math.round(offsetAt(ms, tz) / 60_000);
  const p = (n: number, l = 2) => String(Math.abs(n)).padStart(l, '0');
  const date = `${w.year < 0 ? '-' : ''}${p(w.year, 4)}-${p(w.month)}-${p(w.day)}T${p(w.hour)}:${p(w.minute)}:${p(w.second)}`;
  if (off === 0) return `${date}Z`;
  return `${date}${off < 0 ? '-' : '+'}${p(Math.floor(Math.abs(off) / 60))}:${p(Math.abs(off) % 60)}`;
}
