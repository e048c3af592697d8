// Cron schedule parsing as CronJob validation does it (robfig/cron v3
// ParseStandard: five fields or an @descriptor), with that library's error
// text, since kube passes it through verbatim (`spec.schedule: Invalid value: …`).

/** A cron field's range and names, shared with the CronJob controller's scheduler. */
export interface Bounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}

export const MINUTES: Bounds = { min: 0, max: 59 };
export const HOURS: Bounds = { min: 0, max: 23 };
export const DOM: Bounds = { min: 1, max: 31 };
export const MONTHS: Bounds = {
  min: 1,
  max: 12,
  names: { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 },
};
export const DOW: Bounds = { min: 0, max: 6, names: { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 } };

const DESCRIPTORS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);

class CronError extends Error {}

/** strconv.Atoi, with Go's error text. */
function atoi(s: string): number {
  if (!/^[+-]?\d+$/.test(s)) throw new CronError(`strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  const n = Number(s);
  if (!Number.isSafeInteger(n) || Math.abs(n) > 2 ** 63 - 1) throw new CronError(`strconv.Atoi: parsing ${JSON.stringify(s)}: value out of range`);
  return n;
}

function mustParseInt(expr: string): number {
  let n: number;
  try {
    n = atoi(expr);
  } catch (e) {
    throw new CronError(`failed to parse int from ${expr}: ${(e as Error).message}`);
  }
  if (n < 0) throw new CronError(`negative number (${n}) not allowed: ${expr}`);
  return n;
}

function parseIntOrName(expr: string, b: Bounds): number {
  const named = b.names?.[expr.toLowerCase()];
  return named ?? mustParseInt(expr);
}

function checkRange(expr: string, b: Bounds): void {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = rangeAndStep[0]!.split('-');
  const single = lowAndHigh.length === 1;
  let start: number;
  let end: number;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    start = b.min;
    end = b.max;
  } else {
    start = parseIntOrName(lowAndHigh[0]!, b);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseIntOrName(lowAndHigh[1]!, b);
    else throw new CronError(`too many hyphens: ${expr}`);
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    step = mustParseInt(rangeAndStep[1]!);
    // "N/step" means "N-max/step".
    if (single) end = b.max;
  } else if (rangeAndStep.length > 2) {
    throw new CronError(`too many slashes: ${expr}`);
  }
  if (start < b.min) throw new CronError(`beginning of range (${start}) below minimum (${b.min}): ${expr}`);
  if (end > b.max) throw new CronError(`end of range (${end}) above maximum (${b.max}): ${expr}`);
  if (start > end) throw new CronError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new CronError(`step of range should be a positive number: ${expr}`);
}

function checkField(field: string, b: Bounds): void {
  for (const expr of field.split(',').filter((x) => x !== '')) checkRange(expr, b);
}

const DURATION_UNITS = new Set(['ns', 'us', 'µs', 'μs', 'ms', 's', 'm', 'h']);

/** time.ParseDuration's acceptance, with its error text. */
function checkDuration(s: string): void {
  const orig = s;
  const quoted = JSON.stringify(orig);
  if (s === '') throw new CronError(`time: invalid duration ${quoted}`);
  if (s[0] === '-' || s[0] === '+') s = s.slice(1);
  if (s === '0') return;
  if (s === '') throw new CronError(`time: invalid duration ${quoted}`);
  while (s !== '') {
    const m = /^(\d*)(\.\d*)?/.exec(s)!;
    if (m[0] === '' || m[0] === '.') throw new CronError(`time: invalid duration ${quoted}`);
    s = s.slice(m[0].length);
    const u = /^[^0-9.]*/.exec(s)![0];
    if (u === '') throw new CronError(`time: missing unit in duration ${quoted}`);
    if (!DURATION_UNITS.has(u)) throw new CronError(`time: unknown unit ${JSON.stringify(u)} in duration ${quoted}`);
    s = s.slice(u.length);
  }
}

/** Go's strings.Fields: split on runs of whitespace. */
function fields(s: string): string[] {
  return s.split(/\s+/).filter((x) => x !== '');
}

/** Why a schedule does not parse (robfig/cron's message), or undefined when it does. */
export function cronScheduleError(schedule: string): string | undefined {
  try {
    let spec = schedule;
    if (spec === '') throw new CronError('empty spec string');
    if (spec.startsWith('TZ=') || spec.startsWith('CRON_TZ=')) {
      const i = spec.indexOf(' ');
      const eq = spec.indexOf('=');
      const loc = i < 0 ? spec.slice(eq + 1) : spec.slice(eq + 1, i);
      if (!isTimeZone(loc)) throw new CronError(`provided bad location ${loc}: unknown time zone ${loc}`);
      spec = i < 0 ? '' : spec.slice(i).trim();
    }
    if (spec.startsWith('@')) {
      if (DESCRIPTORS.has(spec)) return undefined;
      if (spec.startsWith('@every ')) {
        try {
          checkDuration(spec.slice('@every '.length));
        } catch (e) {
          throw new CronError(`failed to parse duration ${spec}: ${(e as Error).message}`);
        }
        return undefined;
      }
      throw new CronError(`unrecognized descriptor: ${spec}`);
    }
    const f = fields(spec);
    if (f.length !== 5) throw new CronError(`expected exactly 5 fields, found ${f.length}: [${f.join(' ')}]`);
    checkField(f[0]!, MINUTES);
    checkField(f[1]!, HOURS);
    checkField(f[2]!, DOM);
    checkField(f[3]!, MONTHS);
    checkField(f[4]!, DOW);
    return undefined;
  } catch (e) {
    if (e instanceof CronError) return e.message;
    throw e;
  }
}

/** Whether time.LoadLocation would find the zone (IANA names, UTC). */
export function isTimeZone(tz: string): boolean {
  if (tz === 'UTC' || tz === '') return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
