// Kubernetes resource quantities (k8s.io/apimachinery/pkg/api/resource): parse
// `100m`, `1Gi`, `1e3`, `0.5`, compare exactly, and print the canonical form
// kube-apiserver stores (`0.5` → `500m`, `1024Mi` → `1Gi`, `1000m` → `1`).
// Values are exact: a BigInt times a power of ten, so 1Ei and 1n compare right.

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

export interface Quantity {
  /** value = mantissa × 10^exp10 (exact). */
  mantissa: bigint;
  exp10: number;
  /** Chosen from the suffix, as kube does; decides the canonical spelling. */
  format: QuantityFormat;
}

/** kube's ErrFormatWrong, ErrSuffix, ErrNumeric — surfaced verbatim in decode errors. */
export const QUANTITY_FORMAT_ERROR = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
export const QUANTITY_SUFFIX_ERROR = "unable to parse quantity's suffix";
export const QUANTITY_NUMERIC_ERROR = 'unable to parse numeric part of quantity';

export class QuantityError extends Error {}

const SPLIT = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;

const DECIMAL_SUFFIX: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIX: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const DECIMAL_BY_EXP = new Map(Object.entries(DECIMAL_SUFFIX).map(([k, v]) => [v, k]));
const BINARY_BY_EXP = new Map(Object.entries(BINARY_SUFFIX).map(([k, v]) => [v, k]));

// Anything finer than a nano-unit is rounded up (away from zero), as ParseQuantity does.
const MIN_EXP10 = -9;

/** Powers of ten up to 10^64, computed once: quota sums and comparisons align exponents on every pod write. */
const POW10: bigint[] = Array.from({ length: 65 }, (_, i) => 10n ** BigInt(i));

function pow10(n: number): bigint {
  return POW10[n] ?? 10n ** BigInt(n);
}

/**
 * The same few spellings (`100m`, `64Mi`, `1`) are parsed on every pod write by
 * validation, defaults and quota; parsed values are immutable, so they are
 * shared. Bounded: cleared when full rather than tracking recency.
 */
const PARSED = new Map<string, Quantity>();
const PARSED_MAX = 4096;

/** Parse a quantity; accepts the JSON number form too (`cpu: 1`). Throws QuantityError. The result is frozen (shared). */
export function parseQuantity(input: string | number): Quantity {
  const key = typeof input === 'number' ? `#${input}` : input;
  const hit = PARSED.get(key);
  if (hit) return hit;
  const q = Object.freeze(parseQuantityUncached(input));
  if (PARSED.size >= PARSED_MAX) PARSED.clear();
  PARSED.set(key, q);
  return q;
}

function parseQuantityUncached(input: string | number): Quantity {
  const s = typeof input === 'number' ? numberToString(input) : input.trim();
  if (s === '') throw new QuantityError(QUANTITY_FORMAT_ERROR);
  const m = SPLIT.exec(s);
  if (!m) throw new QuantityError(QUANTITY_FORMAT_ERROR);
  const numPart = m[1]!;
  const suffix = m[2]!;
  const num = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(numPart);
  if (!num || (num[2] === '' && (num[3] ?? '') === '')) throw new QuantityError(QUANTITY_NUMERIC_ERROR);
  const negative = num[1] === '-';
  const intDigits = num[2] ?? '';
  const fracDigits = num[3] ?? '';
  let mantissa = BigInt((intDigits + fracDigits) || '0');
  let exp10 = -fracDigits.length;
  let format: QuantityFormat;
  if (suffix in DECIMAL_SUFFIX) {
    format = 'DecimalSI';
    exp10 += DECIMAL_SUFFIX[suffix]!;
  } else if (suffix in BINARY_SUFFIX) {
    format = 'BinarySI';
    mantissa *= 1024n ** BigInt(BINARY_SUFFIX[suffix]!);
  } else if (/^[eE][-+]?\d+$/.test(suffix)) {
    format = 'DecimalExponent';
    exp10 += Number(suffix.slice(1));
  } else {
    throw new QuantityError(QUANTITY_SUFFIX_ERROR);
  }
  if (negative) mantissa = -mantissa;
  if (exp10 < MIN_EXP10) {
    const div = pow10(MIN_EXP10 - exp10);
    const abs = mantissa < 0n ? -mantissa : mantissa;
    let q = abs / div;
    if (q * div !== abs) q += 1n;
    mantissa = mantissa < 0n ? -q : q;
    exp10 = MIN_EXP10;
  }
  return normalize({ mantissa, exp10, format });
}

function numberToString(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  // JSON numbers like 1e21 print in exponent form already; plain ones as decimals.
  return String(n);
}

/** Strip trailing zeros so equal values have one representation (format kept). */
function normalize(q: Quantity): Quantity {
  let { mantissa, exp10 } = q;
  if (mantissa === 0n) return { mantissa: 0n, exp10: 0, format: q.format };
  while (mantissa % 10n === 0n) {
    mantissa /= 10n;
    exp10 += 1;
  }
  return { mantissa, exp10, format: q.format };
}

/** True when the string (or number) parses as a quantity. */
export function isQuantity(v: unknown): boolean {
  if (typeof v !== 'string' && typeof v !== 'number') return false;
  try {
    parseQuantity(v);
    return true;
  } catch {
    return false;
  }
}

/** -1, 0, 1 like Quantity.Cmp. */
export function compareQuantities(a: Quantity, b: Quantity): number {
  const e = Math.min(a.exp10, b.exp10);
  const av = a.mantissa * pow10(a.exp10 - e);
  const bv = b.mantissa * pow10(b.exp10 - e);
  return av < bv ? -1 : av > bv ? 1 : 0;
}

/** Sum, keeping the first operand's format (Quantity.Add). */
export function addQuantities(a: Quantity, b: Quantity): Quantity {
  const e = Math.min(a.exp10, b.exp10);
  return normalize({ mantissa: a.mantissa * pow10(a.exp10 - e) + b.mantissa * pow10(b.exp10 - e), exp10: e, format: a.format });
}

export function isZero(q: Quantity): boolean {
  return q.mantissa === 0n;
}

export function sign(q: Quantity): number {
  return q.mantissa < 0n ? -1 : q.mantissa > 0n ? 1 : 0;
}

/** Integer value rounded up (Quantity.Value). */
export function quantityValue(q: Quantity): bigint {
  if (q.exp10 >= 0) return q.mantissa * pow10(q.exp10);
  const div = pow10(-q.exp10);
  const abs = q.mantissa < 0n ? -q.mantissa : q.mantissa;
  let r = abs / div;
  if (r * div !== abs) r += 1n;
  return q.mantissa < 0n ? -r : r;
}

/** Value in thousandths, rounded up (Quantity.MilliValue). */
export function quantityMilliValue(q: Quantity): bigint {
  return quantityValue({ ...q, exp10: q.exp10 + 3 });
}

/** Whether the value is a whole number. */
export function isInteger(q: Quantity): boolean {
  return q.exp10 >= 0 || q.mantissa % pow10(-q.exp10) === 0n;
}

/** The canonical spelling (Quantity.String). */
export function formatQuantity(q: Quantity): string {
  if (q.mantissa === 0n) return '0';
  let format = q.format;
  if (format === 'BinarySI') {
    const abs = q.mantissa < 0n ? -q.mantissa : q.mantissa;
    const absQ = { ...q, mantissa: abs };
    // Small or fractional binary values read better (and exactly) in decimal.
    if (compareQuantities(absQ, { mantissa: 1024n, exp10: 0, format }) < 0 || !isInteger(q)) format = 'DecimalSI';
  }
  if (format === 'BinarySI') {
    let v = quantityValue(q);
    let exp = 0;
    while (v !== 0n && v % 1024n === 0n && exp < 6) {
      v /= 1024n;
      exp++;
    }
    return v.toString() + (BINARY_BY_EXP.get(exp) ?? '');
  }
  // Decimal: integer mantissa, exponent a multiple of three.
  let mantissa = q.mantissa;
  let exp = q.exp10;
  const r = ((exp % 3) + 3) % 3;
  if (r !== 0) {
    mantissa *= pow10(r);
    exp -= r;
  }
  if (format === 'DecimalExponent') return mantissa.toString() + (exp === 0 ? '' : `e${exp}`);
  const suffix = DECIMAL_BY_EXP.get(exp);
  return mantissa.toString() + (suffix ?? `e${exp}`);
}

/** Parse and print canonically; throws QuantityError for malformed input. */
export function canonicalQuantity(v: string | number): string {
  return formatQuantity(parseQuantity(v));
}

/**
 * Canonicalise every value of a ResourceList in place. Returns the first parse
 * error (the list is left untouched for that key) so callers can report it.
 */
export function canonicalizeResourceList(list: unknown): string | undefined {
  if (typeof list !== 'object' || list === null || Array.isArray(list)) return undefined;
  let firstError: string | undefined;
  const rec = list as Record<string, unknown>;
  for (const [k, v] of Object.entries(rec)) {
    if (typeof v !== 'string' && typeof v !== 'number') {
      firstError ??= QUANTITY_FORMAT_ERROR;
      continue;
    }
    try {
      rec[k] = canonicalQuantity(v);
    } catch (e) {
      firstError ??= e instanceof Error ? e.message : String(e);
    }
  }
  return firstError;
}
