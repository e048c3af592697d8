// Label and field selectors, as k8s.io/apimachinery/pkg/labels and
// pkg/fields parse and match them. kube-apiserver hands the parser's error
// text straight to the client as a 400 BadRequest, so the wording below is
// what `?labelSelector=` / `?fieldSelector=` users see.

import { badRequest } from './errors.js';
import { goJsonMarshal, goQuote } from './goquote.js';

// ---------------------------------------------------------------------------
// Validation messages (apimachinery/pkg/util/validation).

const QNAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const QNAME_RE = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const QNAME_MSG = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_FMT = `(${QNAME_FMT})?`;
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*';
const DNS1123_SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";

function regexError(msg: string, fmt: string, ...examples: string[]): string {
  // validation.RegexError: note the doubled space before each "or".
  return `${msg} (e.g. ${examples.map((e) => `'${e}', `).join(' or ')}regex used for validation is '${fmt}')`;
}
const maxLenError = (n: number): string => `must be no more than ${n} characters`;
// Go measures length in bytes.
const byteLen = (s: string): number => Buffer.byteLength(s, 'utf8');

/** validation.IsQualifiedName: the label key rules. Empty list when valid. */
export function qualifiedNameErrors(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0]!;
  } else if (parts.length === 2) {
    const prefix = parts[0]!;
    name = parts[1]!;
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else {
      if (byteLen(prefix) > 253) errs.push('prefix part ' + maxLenError(253));
      if (!DNS1123_SUBDOMAIN_RE.test(prefix)) errs.push('prefix part ' + regexError(DNS1123_SUBDOMAIN_MSG, DNS1123_SUBDOMAIN_FMT, 'example.com'));
    }
  } else {
    return [
      'a qualified name ' +
        regexError(QNAME_MSG, QNAME_FMT, 'MyName', 'my.name', '123-abc') +
        " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (byteLen(name) > 63) errs.push('name part ' + maxLenError(63));
  if (!QNAME_RE.test(name)) errs.push('name part ' + regexError(QNAME_MSG, QNAME_FMT, 'MyName', 'my.name', '123-abc'));
  return errs;
}

/** validation.IsValidLabelValue. Empty list when valid. */
export function labelValueErrors(value: string): string[] {
  const errs: string[] = [];
  if (byteLen(value) > 63) errs.push(maxLenError(63));
  if (value !== '' && !QNAME_RE.test(value)) errs.push(regexError(LABEL_VALUE_MSG, LABEL_VALUE_FMT, 'MyValue', 'my_value', '12345'));
  return errs;
}

/** field.Invalid(...).Error() with a string or string-list bad value. */
function invalidField(path: string, value: string | string[] | null, detail: string): string {
  const shown = typeof value === 'string' ? goQuote(value) : goJsonMarshal(value);
  return `${path}: Invalid value: ${shown}: ${detail}`;
}

/** utilerrors.Aggregate: one message bare, several bracketed, duplicates dropped. */
function aggregate(msgs: string[]): string {
  const uniq = [...new Set(msgs)];
  return uniq.length === 1 ? uniq[0]! : `[${uniq.join(', ')}]`;
}

// ---------------------------------------------------------------------------
// Label selectors.

/** selection.Operator spellings. `!` is DoesNotExist. */
export type LabelOperator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  /** Sorted and de-duplicated for set operators, as kube's sets.String.List() leaves them. */
  values: string[];
}

/** A parsed selector: all requirements must match. No requirements matches everything. */
export interface LabelSelector {
  requirements: LabelRequirement[];
}

const BINARY_OPERATORS = 'in, notin, =, ==, !=, gt, lt';
const INT64 = /^[+-]?[0-9]+$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** strconv.ParseInt(s, 10, 64), or undefined. */
function parseInt64(s: string): bigint | undefined {
  if (!INT64.test(s)) return undefined;
  const n = BigInt(s);
  return n < INT64_MIN || n > INT64_MAX ? undefined : n;
}

/**
 * labels.NewRequirement: validates and returns the error text (already
 * aggregated) or undefined. `path` is the field path prefix kube passes in;
 * the parser passes none, LabelSelectorAsSelector none either.
 */
function requirementError(key: string, op: LabelOperator, values: string[] | null): string | undefined {
  const errs: string[] = [];
  const keyErrs = qualifiedNameErrors(key);
  if (keyErrs.length) errs.push(invalidField('key', key, keyErrs.join('; ')));
  const vals = values ?? [];
  switch (op) {
    case 'in':
    case 'notin':
      if (vals.length === 0) errs.push(invalidField('values', values, "for 'in', 'notin' operators, values set can't be empty"));
      break;
    case '=':
    case '==':
    case '!=':
      if (vals.length !== 1) errs.push(invalidField('values', values, 'exact-match compatibility requires one single value'));
      break;
    case 'exists':
    case '!':
      if (vals.length !== 0) errs.push(invalidField('values', values, 'values set must be empty for exists and does not exist'));
      break;
    case 'gt':
    case 'lt':
      if (vals.length !== 1) errs.push(invalidField('values', values, "for 'Gt', 'Lt' operators, exactly one value is required"));
      vals.forEach((v, i) => {
        if (parseInt64(v) === undefined) errs.push(invalidField(`values[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"));
      });
      break;
  }
  vals.forEach((v, i) => {
    const ve = labelValueErrors(v);
    if (ve.length) errs.push(invalidField(`values[${i}][${key}]`, v, ve.join('; ')));
  });
  return errs.length ? aggregate(errs) : undefined;
}

// --- lexer (labels.Lexer) ---

const enum Tok {
  EndOfString,
  ClosedPar,
  Comma,
  DoesNotExist,
  DoubleEquals,
  Equals,
  GreaterThan,
  Identifier,
  In,
  LessThan,
  NotEquals,
  NotIn,
  OpenPar,
}

const LITERAL_TOKENS: Record<string, Tok> = {
  ')': Tok.ClosedPar,
  ',': Tok.Comma,
  '!': Tok.DoesNotExist,
  '==': Tok.DoubleEquals,
  '=': Tok.Equals,
  '>': Tok.GreaterThan,
  in: Tok.In,
  '<': Tok.LessThan,
  '!=': Tok.NotEquals,
  notin: Tok.NotIn,
  '(': Tok.OpenPar,
};

const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isSpecial = (c: string): boolean => '=!(),><'.includes(c);

interface Item {
  tok: Tok;
  lit: string;
}

function lex(s: string): Item[] {
  const items: Item[] = [];
  let i = 0;
  for (;;) {
    while (i < s.length && isSpace(s[i]!)) i++;
    if (i >= s.length) {
      items.push({ tok: Tok.EndOfString, lit: '' });
      return items;
    }
    const start = i;
    if (isSpecial(s[i]!)) {
      // Longest run of special characters that still spells a token.
      let best = '';
      let j = i;
      while (j < s.length && isSpecial(s[j]!)) {
        const cand = s.slice(i, j + 1);
        if (cand in LITERAL_TOKENS) best = cand;
        else if (best) break;
        j++;
      }
      // Every single special character is itself a token, so `best` is never empty.
      i = start + best.length;
      items.push({ tok: LITERAL_TOKENS[best]!, lit: best });
    } else {
      while (i < s.length && !isSpecial(s[i]!) && !isSpace(s[i]!)) i++;
      const word = s.slice(start, i);
      const kw = word === 'in' || word === 'notin' ? LITERAL_TOKENS[word]! : Tok.Identifier;
      items.push({ tok: kw, lit: word });
    }
  }
}

// --- parser (labels.Parser) ---

class LabelParser {
  private pos = 0;
  constructor(private readonly items: Item[]) {}

  /** In value context the keywords `in`/`notin` are plain identifiers. */
  private look(values: boolean): Item {
    const it = this.items[this.pos]!;
    return values && (it.tok === Tok.In || it.tok === Tok.NotIn) ? { tok: Tok.Identifier, lit: it.lit } : it;
  }
  private next(values: boolean): Item {
    const it = this.look(values);
    this.pos++;
    return it;
  }

  parse(): LabelRequirement[] {
    const reqs: LabelRequirement[] = [];
    for (;;) {
      const { tok, lit } = this.look(true);
      if (tok === Tok.Identifier || tok === Tok.DoesNotExist) {
        reqs.push(this.requirement());
        const t = this.next(true);
        if (t.tok === Tok.EndOfString) return reqs;
        if (t.tok === Tok.Comma) {
          const t2 = this.look(true);
          if (t2.tok !== Tok.Identifier && t2.tok !== Tok.DoesNotExist) throw new Error(`found '${t2.lit}', expected: identifier after ','`);
        } else {
          throw new Error(`found '${t.lit}', expected: ',' or 'end of string'`);
        }
      } else if (tok === Tok.EndOfString) {
        return reqs;
      } else {
        throw new Error(`found '${lit}', expected: !, identifier, or 'end of string'`);
      }
    }
  }

  private requirement(): LabelRequirement {
    try {
      const { key, op } = this.keyAndInferOperator();
      if (op === 'exists' || op === '!') return newRequirement(key, op, []);
      const operator = this.operator();
      const values = operator === 'in' || operator === 'notin' ? this.setValues() : this.exactValue();
      return newRequirement(key, operator, [...values].sort());
    } catch (e) {
      throw new Error(`unable to parse requirement: ${(e as Error).message}`);
    }
  }

  private keyAndInferOperator(): { key: string; op: LabelOperator | undefined } {
    let op: LabelOperator | undefined;
    let t = this.next(true);
    if (t.tok === Tok.DoesNotExist) {
      op = '!';
      t = this.next(true);
    }
    if (t.tok !== Tok.Identifier) throw new Error(`found '${t.lit}', expected: identifier`);
    const errs = qualifiedNameErrors(t.lit);
    // The parser validates the key with a nil field path, hence kube's "<nil>".
    if (errs.length) throw new Error(invalidField('<nil>', t.lit, errs.join('; ')));
    const after = this.look(true).tok;
    if ((after === Tok.EndOfString || after === Tok.Comma) && op !== '!') op = 'exists';
    return { key: t.lit, op };
  }

  private operator(): LabelOperator {
    const t = this.next(false);
    switch (t.tok) {
      case Tok.In: return 'in';
      case Tok.Equals: return '=';
      case Tok.DoubleEquals: return '==';
      case Tok.GreaterThan: return 'gt';
      case Tok.LessThan: return 'lt';
      case Tok.NotIn: return 'notin';
      case Tok.NotEquals: return '!=';
      default: throw new Error(`found '${t.lit}', expected: ${BINARY_OPERATORS}`);
    }
  }

  private setValues(): Set<string> {
    const open = this.next(true);
    if (open.tok !== Tok.OpenPar) throw new Error(`found '${open.lit}' expected: '('`);
    const { tok, lit } = this.look(true);
    if (tok === Tok.Identifier || tok === Tok.Comma) {
      const s = this.identifierList();
      this.next(true); // identifierList only returns in front of ')'
      return s;
    }
    if (tok === Tok.ClosedPar) {
      this.next(true);
      return new Set(['']);
    }
    throw new Error(`found '${lit}', expected: ',', ')' or identifier`);
  }

  private identifierList(): Set<string> {
    const s = new Set<string>();
    for (;;) {
      const t = this.next(true);
      if (t.tok === Tok.Identifier) {
        s.add(t.lit);
        const t2 = this.look(true);
        if (t2.tok === Tok.Comma) continue;
        if (t2.tok === Tok.ClosedPar) return s;
        throw new Error(`found '${t2.lit}', expected: ',' or ')'`);
      } else if (t.tok === Tok.Comma) {
        // Empty entries such as "(,a)", "(a,)", "(a,,b)" stand for the empty value.
        if (s.size === 0) s.add('');
        const t2 = this.look(true);
        if (t2.tok === Tok.ClosedPar) {
          s.add('');
          return s;
        }
        if (t2.tok === Tok.Comma) {
          this.next(true);
          s.add('');
        }
      } else {
        throw new Error(`found '${t.lit}', expected: ',', or identifier`);
      }
    }
  }

  private exactValue(): Set<string> {
    const peek = this.look(true).tok;
    if (peek === Tok.EndOfString || peek === Tok.Comma) return new Set(['']);
    const t = this.next(true);
    if (t.tok === Tok.Identifier) return new Set([t.lit]);
    throw new Error(`found '${t.lit}', expected: identifier`);
  }
}

function newRequirement(key: string, operator: LabelOperator, values: string[]): LabelRequirement {
  const err = requirementError(key, operator, values);
  if (err) throw new Error(err);
  return { key, operator, values };
}

/** kube sorts requirements by key (sort.Sort; stable here, which matches Go for short lists). */
function byKey(reqs: LabelRequirement[]): LabelRequirement[] {
  return reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** labels.Parse. Throws 400 BadRequest with kube's message on bad input. */
export function parseLabelSelector(s: string): LabelSelector {
  try {
    return { requirements: byKey(new LabelParser(lex(s)).parse()) };
  } catch (e) {
    throw badRequest((e as Error).message);
  }
}

function requirementMatches(r: LabelRequirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const v = has ? labels[r.key]! : '';
  switch (r.operator) {
    case 'in':
    case '=':
    case '==':
      return has && r.values.includes(v);
    case 'notin':
    case '!=':
      return !has || !r.values.includes(v);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (!has || r.values.length !== 1) return false;
      const lv = parseInt64(v);
      const rv = parseInt64(r.values[0]!);
      if (lv === undefined || rv === undefined) return false;
      return r.operator === 'gt' ? lv > rv : lv < rv;
    }
  }
}

/** Selector.Matches. Missing labels behave like an empty label set. */
export function matchLabels(sel: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const ls = labels ?? {};
  for (const r of sel.requirements) if (!requirementMatches(r, ls)) return false;
  return true;
}

/**
 * Text that an object's stored JSON must contain for the selector to match it:
 * for each requirement that needs a label present, the `"key":"value"` pairs
 * (any one of them) it accepts, as JSON.stringify writes them. A list checks
 * these before decoding a row, so a selector that picks 100 pods out of 10,000
 * parses 100 objects, not 10,000. A hint only ever rules rows out; whatever
 * passes is still matched on the decoded labels. Undefined: nothing to check.
 */
export function labelSelectorHints(sel: LabelSelector): string[][] | undefined {
  const hints: string[][] = [];
  for (const r of sel.requirements) {
    const key = JSON.stringify(r.key);
    if (r.operator === '=' || r.operator === '==' || r.operator === 'in') hints.push(r.values.map((v) => `${key}:${JSON.stringify(v)}`));
    else if (r.operator === 'exists' || r.operator === 'gt' || r.operator === 'lt') hints.push([`${key}:`]);
  }
  return hints.length > 0 ? hints : undefined;
}

/** Whether stored JSON can match, by the hints of labelSelectorHints (every group has one of its texts). */
export function rawMayMatch(json: string, hints: readonly (readonly string[])[]): boolean {
  for (const anyOf of hints) {
    let found = false;
    for (const h of anyOf) {
      if (json.includes(h)) {
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}

/** True when the selector does not restrict anything (Selector.Empty). */
export function labelSelectorIsEmpty(sel: LabelSelector): boolean {
  return sel.requirements.length === 0;
}

/** metav1.LabelSelector as it appears in objects (spec.selector and friends). */
export interface LabelSelectorObject {
  matchLabels?: Record<string, string> | null;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] | null }> | null;
}

const EXPRESSION_OPERATORS: Record<string, LabelOperator> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' };

/**
 * metav1.LabelSelectorAsSelector. A null/undefined selector selects nothing and
 * comes back as undefined; an empty one ({}) selects everything. Invalid
 * content throws 400 BadRequest with kube's message.
 */
export function labelSelectorFromObject(ls: LabelSelectorObject | null | undefined): LabelSelector | undefined {
  if (ls === null || ls === undefined) return undefined;
  const reqs: LabelRequirement[] = [];
  try {
    for (const [k, v] of Object.entries(ls.matchLabels ?? {})) reqs.push(newRequirement(k, '=', [v]));
    for (const expr of ls.matchExpressions ?? []) {
      const op = EXPRESSION_OPERATORS[expr.operator];
      if (!op) throw new Error(`${goQuote(expr.operator)} is not a valid label selector operator`);
      // Go copies Values with append([]string(nil), ...): an empty list is nil and prints as null.
      const vals = expr.values && expr.values.length ? [...expr.values] : null;
      const err = requirementError(expr.key, op, vals);
      if (err) throw new Error(err);
      reqs.push({ key: expr.key, operator: op, values: vals ?? [] });
    }
  } catch (e) {
    throw badRequest((e as Error).message);
  }
  return { requirements: byKey(reqs) };
}

function requirementToString(r: LabelRequirement): string {
  const vals = r.values.length === 1 ? r.values[0]! : [...r.values].sort().join(',');
  switch (r.operator) {
    case 'exists': return r.key;
    case '!': return '!' + r.key;
    case 'in': return `${r.key} in (${vals})`;
    case 'notin': return `${r.key} notin (${vals})`;
    case 'gt': return `${r.key}>${vals}`;
    case 'lt': return `${r.key}<${vals}`;
    default: return `${r.key}${r.operator}${vals}`;
  }
}

/** Selector.String: the canonical form kube echoes back (and that round-trips through parse). */
export function labelSelectorToString(sel: LabelSelector): string {
  return sel.requirements.map(requirementToString).join(',');
}

/** Selector.RequiresExactMatch: the single value a label must have, if the selector pins one. */
export function labelSelectorExactMatch(sel: LabelSelector, key: string): string | undefined {
  const r = sel.requirements.find((q) => q.key === key);
  if (!r) return undefined;
  return (r.operator === '=' || r.operator === '==' || r.operator === 'in') && r.values.length === 1 ? r.values[0] : undefined;
}

// ---------------------------------------------------------------------------
// Field selectors.

export type FieldOperator = '=' | '==' | '!=';

export interface FieldRequirement {
  field: string;
  op: FieldOperator;
  /** Unescaped value. */
  value: string;
}

export interface FieldSelector {
  requirements: FieldRequirement[];
}

/** Split on commas not escaped by a backslash (fields.splitTerms); escapes stay in place. */
function splitTerms(s: string): string[] {
  if (s === '') return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

/** First operator occurrence wins; `!=` and `==` are tried before `=` at each position. */
function splitTerm(term: string): { lhs: string; op: FieldOperator; rhs: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of ['!=', '==', '='] as const) {
      if (term.startsWith(op, i)) return { lhs: term.slice(0, i), op, rhs: term.slice(i + op.length) };
    }
  }
  return undefined;
}

/** fields.UnescapeValue: `\\`, `\,`, `\=` are the only escapes; bare `,`/`=` are errors. */
function unescapeValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = '';
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c !== '\\' && c !== ',' && c !== '=') throw new Error(`invalid field selector: invalid escape sequence: \\${c}`);
      out += c;
      inSlash = false;
    } else if (c === '\\') {
      inSlash = true;
    } else if (c === ',' || c === '=') {
      // Go formats the rune with %v, i.e. as its number.
      throw new Error(`invalid field selector: unescaped character in value: ${c.codePointAt(0)}`);
    } else {
      out += c;
    }
  }
  if (inSlash) throw new Error('invalid field selector: invalid escape sequence: \\');
  return out;
}

/** fields.ParseSelector. Terms are sorted by their raw text, as kube does. */
export function parseFieldSelector(s: string): FieldSelector {
  const parts = splitTerms(s).sort();
  const requirements: FieldRequirement[] = [];
  for (const part of parts) {
    if (part === '') continue;
    const t = splitTerm(part);
    if (!t) throw badRequest(`invalid selector: '${s}'; can't understand '${part}'`);
    let value: string;
    try {
      value = unescapeValue(t.rhs);
    } catch (e) {
      throw badRequest((e as Error).message);
    }
    // Term.Transform turns a term with an empty field and value into Everything.
    if (t.lhs === '' && value === '') continue;
    requirements.push({ field: t.lhs, op: t.op, value });
  }
  return { requirements };
}

/** Selector.Matches. A field missing from `fields` reads as "". */
export function matchFields(sel: FieldSelector, fields: Record<string, string>): boolean {
  for (const r of sel.requirements) {
    const v = Object.prototype.hasOwnProperty.call(fields, r.field) ? fields[r.field]! : '';
    if (r.op === '!=' ? v === r.value : v !== r.value) return false;
  }
  return true;
}

export function fieldSelectorRequirements(sel: FieldSelector): FieldRequirement[] {
  return sel.requirements.map((r) => ({ ...r }));
}

/** fields.EscapeValue. */
export function escapeFieldValue(v: string): string {
  return v.replace(/[\\,=]/g, (c) => '\\' + c);
}

export function fieldSelectorToString(sel: FieldSelector): string {
  return sel.requirements.map((r) => `${r.field}${r.op === '!=' ? '!=' : '='}${escapeFieldValue(r.value)}`).join(',');
}

/**
 * Kinds and API groups served by kube-apiserver itself (from the vendored
 * v1.34 OpenAPI). A built-in kind that registers no field-label conversion
 * falls back to runtime.DefaultMetaV1FieldSelectorConversion, whose rejection
 * is worded differently from the per-kind conversion functions and from custom
 * resources.
 */
const BUILTIN_KINDS = new Set(
  ('APIService Binding CSIDriver CSINode CSIStorageCapacity CertificateSigningRequest ClusterRole ClusterRoleBinding ' +
    'ClusterTrustBundle ComponentStatus ConfigMap ControllerRevision CronJob CustomResourceDefinition DaemonSet Deployment ' +
    'DeviceClass DeviceTaintRule EndpointSlice Endpoints Event Eviction FlowSchema HorizontalPodAutoscaler IPAddress Ingress ' +
    'IngressClass Job Lease LeaseCandidate LimitRange LocalSubjectAccessReview MutatingAdmissionPolicy ' +
    'MutatingAdmissionPolicyBinding MutatingWebhookConfiguration Namespace NetworkPolicy Node PersistentVolume ' +
    'PersistentVolumeClaim Pod PodCertificateRequest PodDisruptionBudget PodGroup PodTemplate PriorityClass ' +
    'PriorityLevelConfiguration ReplicaSet ReplicationController ResourceClaim ResourceClaimTemplate ResourcePoolStatusRequest ' +
    'ResourceQuota ResourceSlice Role RoleBinding RuntimeClass Scale Secret SelfSubjectAccessReview SelfSubjectReview ' +
    'SelfSubjectRulesReview Service ServiceAccount ServiceCIDR StatefulSet StorageClass StorageVersion StorageVersionMigration ' +
    'SubjectAccessReview TokenRequest TokenReview ValidatingAdmissionPolicy ValidatingAdmissionPolicyBinding ' +
    'ValidatingWebhookConfiguration VolumeAttachment VolumeAttributesClass Workload').split(' '),
);
const BUILTIN_GROUPS = new Set([
  '', 'admissionregistration.k8s.io', 'apiextensions.k8s.io', 'apiregistration.k8s.io', 'apps',
  'authentication.k8s.io', 'authorization.k8s.io', 'autoscaling', 'batch', 'certificates.k8s.io',
  'coordination.k8s.io', 'discovery.k8s.io', 'events.k8s.io', 'extensions', 'flowcontrol.apiserver.k8s.io',
  'internal.apiserver.k8s.io', 'networking.k8s.io', 'node.k8s.io', 'policy', 'rbac.authorization.k8s.io',
  'resource.k8s.io', 'scheduling.k8s.io', 'storage.k8s.io', 'storagemigration.k8s.io',
]);
const META_FIELDS = new Set(['metadata.name', 'metadata.namespace']);

/** `Pod` / `Deployment` by name, or `Kind.group` (`Pod` for core is just `Pod`). */
function isBuiltinKind(kind: string): boolean {
  const dot = kind.indexOf('.');
  if (dot < 0) return BUILTIN_KINDS.has(kind);
  return BUILTIN_KINDS.has(kind.slice(0, dot)) && BUILTIN_GROUPS.has(kind.slice(dot + 1));
}

/**
 * Rejects the first requirement (in kube's sorted order) whose field is not in
 * `supported`, as the list handler does when it runs the selector through
 * Scheme.ConvertFieldLabel. `kind` is the kind name (`Pod`, `Widget`) or, to
 * disambiguate a custom resource that reuses a built-in name, `Kind.group`
 * (`Widget.example.com`). Built-in kinds that only know metadata.name and
 * metadata.namespace answer with the default converter's wording
 * (`"x" is not a known field selector: only "metadata.name", "metadata.namespace"`);
 * all others — built-ins with their own conversion (Pod, Node, Secret, ...)
 * and every custom resource — say `field label not supported: x`.
 * Returns the requirements on success.
 */
export function checkFieldSelectorSupported(sel: FieldSelector, supported: ReadonlySet<string>, kind: string): FieldRequirement[] {
  const metaDefault = isBuiltinKind(kind) && [...supported].every((f) => META_FIELDS.has(f));
  for (const r of sel.requirements) {
    if (supported.has(r.field)) continue;
    throw badRequest(
      metaDefault
        ? `${goQuote(r.field)} is not a known field selector: only "metadata.name", "metadata.namespace"`
        : `field label not supported: ${r.field}`,
    );
  }
  return fieldSelectorRequirements(sel);
}

/** Selector.RequiresExactMatch: the value of the first `field=value` term, if any. */
export function fieldSelectorExactMatch(sel: FieldSelector, field: string): string | undefined {
  return sel.requirements.find((r) => r.field === field && r.op !== '!=')?.value;
}

/** `metadata.name=X`: lets the store read one key instead of scanning. */
export function exactNameFromFieldSelector(sel: FieldSelector): string | undefined {
  return fieldSelectorExactMatch(sel, 'metadata.name');
}

/** `metadata.namespace=X`: lets the store narrow a cluster-wide list to one namespace. */
export function exactNamespaceFromFieldSelector(sel: FieldSelector): string | undefined {
  return fieldSelectorExactMatch(sel, 'metadata.namespace');
}
