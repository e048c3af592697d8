// Human-readable durations, as apimachinery's duration.HumanDuration renders
// them in AGE and similar columns: about two significant figures, with a
// second unit only where it still adds information (2m30s, 5h12m, 3d4h, 2y31d).

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Formats a duration given in milliseconds. */
export function humanDuration(ms: number): string {
  // Two seconds of clock skew between machines still counts as "now"; more
  // than that in the future is reported as invalid rather than as a negative age.
  const seconds = Math.trunc(ms / SECOND);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;

  const minutes = Math.trunc(ms / MINUTE);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;

  const hours = Math.trunc(ms / HOUR);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    const d = Math.trunc(hours / 24);
    return h === 0 ? `${d}d` : `${d}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const years = Math.trunc(hours / 24 / 365);
    const dy = Math.trunc(hours / 24) % 365;
    return dy === 0 ? `${years}y` : `${years}y${dy}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/** Epoch ms of an RFC 3339 timestamp (metav1.Time or MicroTime), or null when absent/unparseable. */
export function parseTimestamp(value: unknown): number | null {
  if (typeof value !== 'string' || value === '') return null;
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : t;
}

/** Age of a timestamp at `now` (epoch ms); `<unknown>` for a missing (zero) time. */
export function translateTimestampSince(timestamp: unknown, now: number): string {
  const t = parseTimestamp(timestamp);
  return t === null ? '<unknown>' : humanDuration(now - t);
}

/** Time remaining until a timestamp; `<unknown>` for a missing time. */
export function translateTimestampUntil(timestamp: unknown, now: number): string {
  const t = parseTimestamp(timestamp);
  return t === null ? '<unknown>' : humanDuration(t - now);
}
