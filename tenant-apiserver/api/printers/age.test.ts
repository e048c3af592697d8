import { describe, expect, it } from 'vitest';
import { humanDuration, parseTimestamp, translateTimestampSince, translateTimestampUntil } from './age.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('humanDuration', () => {
  it.each([
    [-2 * S, '<invalid>'],
    [-1999, '0s'], // truncates to -1: within the skew allowance
    [-1, '0s'],
    [0, '0s'],
    [999, '0s'],
    [59 * S, '59s'],
    [119 * S + 999, '119s'],
    [2 * M, '2m'],
    [2 * M + 30 * S, '2m30s'],
    [9 * M + 59 * S, '9m59s'],
    [10 * M, '10m'],
    [10 * M + 30 * S, '10m'],
    [179 * M + 59 * S, '179m'],
    [3 * H, '3h'],
    [3 * H + 30 * M, '3h30m'],
    [7 * H + 59 * M, '7h59m'],
    [8 * H, '8h'],
    [8 * H + 59 * M, '8h'],
    [47 * H + 59 * M, '47h'],
    [48 * H, '2d'],
    [2 * D + 5 * H, '2d5h'],
    [7 * D + 23 * H, '7d23h'],
    [8 * D, '8d'],
    [8 * D + 5 * H, '8d'],
    [729 * D, '729d'],
    [730 * D, '2y'],
    [730 * D + 31 * D, '2y31d'],
    [365 * 8 * D - D, '7y364d'],
    [365 * 8 * D, '8y'],
    [365 * 20 * D + 100 * D, '20y'],
  ])('%d ms -> %s', (ms, want) => {
    expect(humanDuration(ms)).toBe(want);
  });
});

describe('timestamps', () => {
  const now = Date.parse('2024-05-01T12:00:00Z');
  it('parses RFC 3339 and MicroTime, rejects junk', () => {
    expect(parseTimestamp('2024-05-01T11:59:00Z')).toBe(now - M);
    expect(parseTimestamp('2024-05-01T11:59:00.123456Z')).toBe(now - M + 123);
    expect(parseTimestamp('')).toBeNull();
    expect(parseTimestamp(null)).toBeNull();
    expect(parseTimestamp('yesterday-ish')).toBeNull();
  });
  it('translates ages and reports a missing time as <unknown>', () => {
    expect(translateTimestampSince('2024-05-01T11:57:30Z', now)).toBe('2m30s');
    expect(translateTimestampSince(undefined, now)).toBe('<unknown>');
    expect(translateTimestampSince('2024-05-01T12:00:05Z', now)).toBe('<invalid>');
    expect(translateTimestampUntil('2024-05-01T15:00:00Z', now)).toBe('3h');
    expect(translateTimestampUntil(undefined, now)).toBe('<unknown>');
  });
});
