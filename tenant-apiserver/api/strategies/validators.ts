// Field-level validators shared across resource families, worded like
// k8s.io/apimachinery/pkg/util/validation and apimachinery's meta/v1 validation.

import type { FieldError } from '../errors.js';
import { isObject } from '../types.js';
import { dns1035LabelErrors, dns1123LabelErrors, dns1123SubdomainErrors, labelValueErrors, qualifiedNameErrors } from '../validation/names.js';
import { asArr, asObj, forbidden, invalid, invalidGo, goIntOrString, notSupported, required, str, type Obj } from './util.js';

export function inclusiveRangeError(lo: number, hi: number): string {
  return `must be between ${lo} and ${hi}, inclusive`;
}

export const NEGATIVE_ERROR = 'must be greater than or equal to 0';
export const NOT_POSITIVE_ERROR = 'must be greater than zero';

export function dnsLabel(field: string, v: string): FieldError[] {
  return dns1123LabelErrors(v).map((m) => invalid(field, v, m));
}

export function dnsSubdomain(field: string, v: string): FieldError[] {
  return dns1123SubdomainErrors(v).map((m) => invalid(field, v, m));
}

export function dns1035Label(field: string, v: string): FieldError[] {
  return dns1035LabelErrors(v).map((m) => invalid(field, v, m));
}

export function qualifiedName(field: string, v: string): FieldError[] {
  return qualifiedNameErrors(v).map((m) => invalid(field, v, m));
}

/** ValidateNonnegativeField. */
export function nonNegative(field: string, v: unknown): FieldError[] {
  return typeof v === 'number' && v < 0 ? [invalid(field, v, NEGATIVE_ERROR)] : [];
}

export function portNumErrors(port: number): string[] {
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? [] : [inclusiveRangeError(1, 65535)];
}

/** validation.IsValidPortName. */
export function portNameErrors(name: string): string[] {
  const errs: string[] = [];
  if (name.length > 15) errs.push('must be no more than 15 characters');
  if (!/^[-a-z0-9]+$/.test(name)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(name)) errs.push('must contain at least one letter (a-z)');
  if (name.includes('--')) errs.push('must not contain consecutive hyphens');
  if (name.length > 0 && (name.startsWith('-') || name.endsWith('-'))) errs.push('must not begin or end with a hyphen');
  return errs;
}

/** ValidatePortNumOrName for an IntOrString port. */
export function portNumOrName(field: string, port: unknown): FieldError[] {
  if (typeof port === 'number') return portNumErrors(port).map((m) => invalid(field, port, m));
  if (typeof port === 'string') return portNameErrors(port).map((m) => invalid(field, port, m));
  return portNumErrors(0).map((m) => invalid(field, 0, m));
}

/** ValidateLabels: keys are qualified names, values label values; errors on the map's path. */
export function validateLabels(labels: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObject(labels)) return errs;
  for (const [k, v] of Object.entries(labels)) {
    for (const m of qualifiedNameErrors(k)) errs.push(invalid(field, k, m));
    const s = typeof v === 'string' ? v : String(v);
    for (const m of labelValueErrors(s)) errs.push(invalid(field, s, m));
  }
  return errs;
}

/** ValidateLabelName (qualified name) on a single key. */
export function labelName(field: string, key: string): FieldError[] {
  return qualifiedNameErrors(key).map((m) => invalid(field, key, m));
}

/** ValidateLabelSelector (metav1). */
export function validateLabelSelector(sel: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const s = asObj(sel);
  if (!s) return errs;
  asArr(s.matchExpressions).forEach((x, i) => {
    const r = asObj(x) ?? {};
    const p = `${field}.matchExpressions[${i}]`;
    const op = str(r.operator);
    const values = asArr(r.values);
    if (op === 'In' || op === 'NotIn') {
      if (values.length === 0) errs.push(required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
    } else if (op === 'Exists' || op === 'DoesNotExist') {
      if (values.length > 0) errs.push(forbidden(`${p}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
    } else {
      errs.push(invalid(`${p}.operator`, op, 'not a valid selector operator'));
    }
    errs.push(...labelName(`${p}.key`, str(r.key)));
    for (const [j, v] of values.entries()) {
      for (const m of labelValueErrors(String(v))) errs.push(invalid(`${p}.values[${j}]`, v, m));
    }
  });
  errs.push(...validateLabels(s.matchLabels, `${field}.matchLabels`));
  return errs;
}

/** Whether a LabelSelector matches a label set (nil selector matches nothing; empty matches all). */
export function selectorMatches(sel: unknown, labels: unknown): boolean {
  const s = asObj(sel);
  if (!s) return false;
  const l = asObj(labels) ?? {};
  for (const [k, v] of Object.entries(asObj(s.matchLabels) ?? {})) if (l[k] !== v) return false;
  for (const x of asArr(s.matchExpressions)) {
    const r = asObj(x) ?? {};
    const key = str(r.key);
    const values = asArr(r.values).map(String);
    const has = Object.prototype.hasOwnProperty.call(l, key);
    switch (str(r.operator)) {
      case 'In':
        if (!has || !values.includes(String(l[key]))) return false;
        break;
      case 'NotIn':
        if (has && values.includes(String(l[key]))) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** A selector with neither matchLabels nor matchExpressions. */
export function selectorEmpty(sel: unknown): boolean {
  const s = asObj(sel);
  if (!s) return true;
  return Object.keys(asObj(s.matchLabels) ?? {}).length + asArr(s.matchExpressions).length === 0;
}

/** Whether a map-form selector (RC, Service) matches labels. Empty selects nothing here. */
export function mapSelectorMatches(sel: Record<string, unknown>, labels: unknown): boolean {
  const l = asObj(labels) ?? {};
  return Object.entries(sel).every(([k, v]) => l[k] === v);
}

// ---- config keys, percents, IPs -------------------------------------------------------------------------------------

/** validation.IsConfigMapKey (also secret data keys). */
export function configMapKeyErrors(key: string): string[] {
  const errs: string[] = [];
  if (key.length > 253) errs.push('must be no more than 253 characters');
  if (!/^[-._a-zA-Z0-9]+$/.test(key)) {
    errs.push(
      "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
    );
  }
  if (key === '.') errs.push("must not be '.'");
  else if (key === '..') errs.push("must not be '..'");
  else if (key.startsWith('..')) errs.push("must not start with '..'");
  return errs;
}

const PERCENT = /^[0-9]+%$/;

/** ValidatePositiveIntOrPercent (apps). */
export function positiveIntOrPercent(field: string, v: unknown): FieldError[] {
  if (typeof v === 'string') {
    if (!PERCENT.test(v)) {
      return [
        invalidGo(
          field,
          goIntOrString(v),
          "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
        ),
      ];
    }
    return [];
  }
  if (typeof v === 'number') return nonNegative(field, v);
  return [];
}

/** Integer value of an int-or-percent (percent number for strings), as getIntOrPercentValue. */
export function intOrPercentValue(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && PERCENT.test(v)) return Number(v.slice(0, -1));
  return 0;
}

/** IsNotMoreThan100Percent. */
export function notMoreThan100Percent(field: string, v: unknown): FieldError[] {
  if (typeof v !== 'string' || !PERCENT.test(v)) return [];
  return Number(v.slice(0, -1)) > 100 ? [invalidGo(field, goIntOrString(v), 'must not be greater than 100%')] : [];
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIPv4(s: string): boolean {
  return IPV4.test(s);
}

export function isIPv6(s: string): boolean {
  if (!s.includes(':') || !/^[0-9a-fA-F:.]+$/.test(s)) return false;
  let tail = s;
  let groupsNeeded = 8;
  const lastColon = s.lastIndexOf(':');
  const last = s.slice(lastColon + 1);
  if (last.includes('.')) {
    if (!isIPv4(last)) return false;
    tail = s.slice(0, lastColon + 1) + '0:0';
    groupsNeeded = 8;
  }
  const dbl = tail.split('::');
  if (dbl.length > 2) return false;
  const part = (x: string) => (x === '' ? [] : x.split(':'));
  const groups = [...part(dbl[0]!), ...(dbl.length === 2 ? part(dbl[1]!) : [])];
  if (groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return false;
  return dbl.length === 2 ? groups.length < groupsNeeded : groups.length === groupsNeeded;
}

export function isIP(s: string): boolean {
  return isIPv4(s) || isIPv6(s);
}

/** validation.IsValidIP. */
export function validIP(field: string, v: string): FieldError[] {
  return isIP(v) ? [] : [invalid(field, v, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)')];
}

/** validation.IsValidCIDR. */
export function validCIDR(field: string, v: string): FieldError[] {
  const [ip, bits, ...rest] = v.split('/');
  const max = ip && isIPv4(ip) ? 32 : ip && isIPv6(ip) ? 128 : -1;
  const n = Number(bits);
  if (rest.length > 0 || max < 0 || bits === undefined || !/^\d+$/.test(bits) || n > max) {
    return [invalid(field, v, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)')];
  }
  return [];
}

/** ValidateNonSpecialIP (endpoints, external IPs). */
export function nonSpecialIP(field: string, ip: string): FieldError[] {
  if (!isIP(ip)) return [invalid(field, ip, 'must be a valid IP address')];
  const errs: FieldError[] = [];
  if (ip === '0.0.0.0' || ip === '::' || /^0*:(0*:)*0*$/.test(ip)) errs.push(invalid(field, ip, `may not be unspecified (${ip})`));
  if (ip.startsWith('127.') || ip === '::1') errs.push(invalid(field, ip, 'may not be in the loopback range (127.0.0.0/8, ::1/128)'));
  if (ip.startsWith('169.254.') || /^fe[89ab]/i.test(ip)) errs.push(invalid(field, ip, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'));
  if (ip.startsWith('224.0.0.') || /^ff02:/i.test(ip)) {
    errs.push(invalid(field, ip, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'));
  }
  return errs;
}

/** Enum check: Required when empty, NotSupported when not in the list. */
export function oneOf(field: string, v: unknown, values: readonly string[], requiredWhenEmpty = true): FieldError[] {
  if (v === undefined || v === null || v === '') return requiredWhenEmpty ? [required(field)] : [];
  return values.includes(String(v)) ? [] : [notSupported(field, v, values)];
}

/** The fields of an Obj that hold a non-nil value, for "exactly one of" checks. */
export function setMembers(o: Obj, keys: readonly string[]): string[] {
  return keys.filter((k) => o[k] !== undefined && o[k] !== null);
}
