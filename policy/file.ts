// One policy file: YAML text → the TenantPolicy documents it holds, or precise
// errors (file, line, field path, reason). Pure: no file system, so the loader,
// `tenantry policy check` and tests share it.
//
// Decoding is strict, like kube-apiserver's strict field validation: a typo
// (`hrd` for `hard`) must not silently drop a limit, so unknown fields are errors.
// Checks that need every file at once (duplicate names, tenants named twice,
// tierRef to an unknown tier) live in resolve.ts.

import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Document } from 'yaml';
import { fieldErrorMessage, type FieldError } from '../tenant-apiserver/api/errors.js';
import { quotaResourceNameErrors } from '../tenant-apiserver/api/strategies/cluster.js';
import { validateContainerResourceName, validateResourceQuantity } from '../tenant-apiserver/api/strategies/pod-spec.js';
import { compareQuantities, formatQuantity, parseQuantity } from '../tenant-apiserver/api/strategies/quantity.js';
import { dns1123LabelErrors, dns1123SubdomainErrors, labelValueErrors, qualifiedNameErrors } from '../tenant-apiserver/api/validation/names.js';
import type { ResourceList } from '../local-cluster/resources.js';
import { ALWAYS_DENIED, POLICY_API_VERSION, POLICY_KIND, type DeniedSetting, type PodSecurityLevel, type PolicyError } from './types.js';

/** What one policy sets; absent fields are inherited (tier, then built-in defaults). */
export interface PolicySettings {
  quota?: { hard?: ResourceList; defaultRequests?: ResourceList; defaultLimits?: ResourceList };
  runtimeClasses?: { default?: string; allowed?: string[] };
  podSecurity?: { level?: PodSecurityLevel; allow?: DeniedSetting[] };
  nodeSelector?: Record<string, string>;
  networkIsolation?: boolean;
  storageClassesAllowed?: string[];
  weight?: number;
}

/** A path segment: an object field, a free map key (rendered `[key]`), or a list index. */
export type Seg = string | { key: string } | number;

/** One valid TenantPolicy document. */
export interface PolicyDoc {
  file: string;
  name: string;
  /** Set when the policy defines a tier (then `tenants` is not). */
  tier?: string;
  tenants?: string[];
  tierRef?: string;
  settings: PolicySettings;
  /**
   * The document had errors (reported already). Kept, with what did decode, so the
   * cross-file checks still run and one `policy check` shows as much as it can;
   * a set containing it is never put in force.
   */
  hasErrors: boolean;
  /** The line (1-based) of a field, for errors found later against other files. */
  lineOf(path: Seg[]): number | undefined;
}

export interface ParsedPolicyFile {
  docs: PolicyDoc[];
  errors: PolicyError[];
}

/** `spec.quota.hard[requests.cpu]`, `spec.tenants[1]`. */
export function fieldPath(path: Seg[]): string {
  let s = '';
  for (const seg of path) {
    if (typeof seg === 'number') s += `[${seg}]`;
    else if (typeof seg === 'string') s += s ? `.${seg}` : seg;
    else s += `[${seg.key}]`;
  }
  return s;
}

// ---- the schema, for strict decoding ---------------------------------------------------------------------------

type Shape =
  | { t: 'string' }
  | { t: 'boolean' }
  | { t: 'integer' }
  | { t: 'quantity' }
  | { t: 'list'; of: Shape }
  | { t: 'map'; of: Shape }
  | { t: 'object'; fields: Record<string, Shape> };

const str: Shape = { t: 'string' };
const strList: Shape = { t: 'list', of: str };
const strMap: Shape = { t: 'map', of: str };
const quantities: Shape = { t: 'map', of: { t: 'quantity' } };
const obj = (fields: Record<string, Shape>): Shape => ({ t: 'object', fields });

const POLICY_SHAPE = obj({
  apiVersion: str,
  kind: str,
  metadata: obj({ name: str, labels: strMap, annotations: strMap }),
  spec: obj({
    tier: str,
    tenants: strList,
    tierRef: str,
    quota: obj({ hard: quantities, defaults: obj({ requests: quantities, limits: quantities }) }),
    runtimeClasses: obj({ default: str, allowed: strList }),
    podSecurity: obj({ level: str, allow: strList }),
    nodePool: obj({ nodeSelector: strMap }),
    network: obj({ isolation: { t: 'boolean' } }),
    storageClasses: obj({ allowed: strList }),
    weight: { t: 'integer' },
  }),
});

interface Problem {
  path: Seg[];
  reason: string;
}

function typeName(v: unknown): string {
  if (Array.isArray(v)) return 'list';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'object';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Type errors and unknown fields. null counts as absent, as in kube's decoder. */
function checkShape(v: unknown, shape: Shape, path: Seg[], out: Problem[]): void {
  if (v === null || v === undefined) return;
  const wrongType = (want: string): void => {
    out.push({ path, reason: `must be of type ${want}, got ${typeName(v)}` });
  };
  switch (shape.t) {
    case 'string':
      if (typeof v !== 'string') wrongType('string');
      return;
    case 'boolean':
      if (typeof v !== 'boolean') wrongType('boolean');
      return;
    case 'integer':
      if (typeof v !== 'number' || !Number.isInteger(v)) wrongType('integer');
      return;
    case 'quantity':
      if (typeof v !== 'string' && typeof v !== 'number') wrongType('quantity (string or number)');
      return;
    case 'list':
      if (!Array.isArray(v)) return wrongType('list');
      v.forEach((x, i) => checkShape(x, shape.of, [...path, i], out));
      return;
    case 'map':
      if (!isRecord(v)) return wrongType('object');
      for (const [k, x] of Object.entries(v)) checkShape(x, shape.of, [...path, { key: k }], out);
      return;
    case 'object':
      if (!isRecord(v)) return wrongType('object');
      for (const [k, x] of Object.entries(v)) {
        const sub = shape.fields[k];
        if (!sub) out.push({ path: [...path, k], reason: `unknown field "${fieldPath([...path, k])}"` });
        else checkShape(x, sub, [...path, k], out);
      }
      return;
  }
}

// ---- semantic checks ---------------------------------------------------------------------------------------------

function fromFieldErrors(errs: FieldError[], path: Seg[]): Problem[] {
  // The reason without kube's leading `field: ` (our field path is precise already).
  return errs.map((e) => ({ path, reason: fieldErrorMessage(e).slice(e.field.length + 2) }));
}

function at(o: unknown, ...keys: string[]): unknown {
  let v = o;
  for (const k of keys) v = isRecord(v) ? v[k] : undefined;
  return v ?? undefined;
}

function strings(v: unknown): string[] | undefined {
  return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : undefined;
}

function stringMap(v: unknown): Record<string, string> | undefined {
  return isRecord(v) && Object.values(v).every((x) => typeof x === 'string') ? (v as Record<string, string>) : undefined;
}

function nameProblems(path: Seg[], value: string, check: (v: string) => string[]): Problem[] {
  if (value === '') return [{ path, reason: 'Required value' }];
  return check(value).map((m) => ({ path, reason: `Invalid value: ${JSON.stringify(value)}: ${m}` }));
}

/** Quota names kube's quota evaluators understand, plus the forms kube validation lets through but never enforces refused. */
function quotaNameProblems(name: string, path: Seg[]): Problem[] {
  if (name.startsWith('count/')) {
    // count/<resource>[.<group>]: object counts for any resource.
    const rest = name.slice('count/'.length);
    const ok = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(rest);
    return ok ? [] : [{ path, reason: `Invalid value: ${JSON.stringify(name)}: must be count/<resource>[.<group>], e.g. count/deployments.apps` }];
  }
  const errs = fromFieldErrors(quotaResourceNameErrors(name, 'x'), path);
  if (errs.length === 0 && name.includes('/') && !name.startsWith('requests.')) {
    // Kube accepts `example.com/gpu` in a quota but only enforces `requests.example.com/gpu`.
    errs.push({ path, reason: `Invalid value: ${JSON.stringify(name)}: extended resources are limited as requests.${name}` });
  }
  return errs;
}

function resourceList(v: unknown, path: Seg[], nameCheck: (name: string, p: Seg[]) => Problem[], out: Problem[]): ResourceList | undefined {
  if (!isRecord(v)) return undefined;
  const list: ResourceList = new Map();
  for (const [k, raw] of Object.entries(v)) {
    if (typeof raw !== 'string' && typeof raw !== 'number') continue; // a shape error already
    const p = [...path, { key: k }];
    const errs = [...nameCheck(k, p), ...fromFieldErrors(validateResourceQuantity(k, raw, 'x'), p)];
    out.push(...errs);
    if (errs.length === 0) list.set(k, parseQuantity(raw));
  }
  return list;
}

const containerNameCheck = (name: string, p: Seg[]) => fromFieldErrors(validateContainerResourceName(name, 'x'), p);

/** Default requests above default limits: every defaulted container would be invalid. */
export function requestAboveLimitProblems(requests: ResourceList, limits: ResourceList, path: Seg[], limitSource = ''): Problem[] {
  const out: Problem[] = [];
  for (const [k, req] of requests) {
    const lim = limits.get(k);
    if (lim && compareQuantities(req, lim) > 0) {
      out.push({
        path: [...path, 'requests', { key: k }],
        reason: `Invalid value: ${JSON.stringify(formatQuantity(req))}: must be less than or equal to ${k} limit of ${formatQuantity(lim)}${limitSource}`,
      });
    }
  }
  return out;
}

function decodeSettings(spec: unknown, out: Problem[]): PolicySettings {
  const s: PolicySettings = {};
  const S = (...p: Seg[]): Seg[] => ['spec', ...p];

  const quota = at(spec, 'quota');
  if (isRecord(quota)) {
    const q: NonNullable<PolicySettings['quota']> = {};
    const hard = resourceList(at(quota, 'hard'), S('quota', 'hard'), quotaNameProblems, out);
    if (hard) q.hard = hard;
    const req = resourceList(at(quota, 'defaults', 'requests'), S('quota', 'defaults', 'requests'), containerNameCheck, out);
    const lim = resourceList(at(quota, 'defaults', 'limits'), S('quota', 'defaults', 'limits'), containerNameCheck, out);
    if (req) q.defaultRequests = req;
    if (lim) q.defaultLimits = lim;
    if (req && lim) out.push(...requestAboveLimitProblems(req, lim, S('quota', 'defaults')));
    s.quota = q;
  }

  const rc = at(spec, 'runtimeClasses');
  if (isRecord(rc)) {
    const r: NonNullable<PolicySettings['runtimeClasses']> = {};
    if (typeof rc.default === 'string') {
      const errs = nameProblems(S('runtimeClasses', 'default'), rc.default, dns1123SubdomainErrors);
      out.push(...errs);
      if (errs.length === 0) r.default = rc.default;
    }
    const allowed = strings(rc.allowed);
    if (allowed) {
      const errs = allowed.flatMap((n, i) => nameProblems(S('runtimeClasses', 'allowed', i), n, dns1123SubdomainErrors));
      out.push(...errs);
      if (errs.length === 0) r.allowed = [...new Set(allowed)];
    }
    s.runtimeClasses = r;
  }

  const ps = at(spec, 'podSecurity');
  if (isRecord(ps)) {
    const p: NonNullable<PolicySettings['podSecurity']> = {};
    if (typeof ps.level === 'string') {
      if (ps.level === 'baseline' || ps.level === 'restricted') p.level = ps.level;
      else out.push({ path: S('podSecurity', 'level'), reason: `Unsupported value: ${JSON.stringify(ps.level)}: supported values: "baseline", "restricted"` });
    }
    const allow = strings(ps.allow);
    if (allow) {
      const known = ALWAYS_DENIED as readonly string[];
      allow.forEach((n, i) => {
        if (!known.includes(n)) {
          out.push({ path: S('podSecurity', 'allow', i), reason: `Unsupported value: ${JSON.stringify(n)}: supported values: ${known.map((k) => JSON.stringify(k)).join(', ')}` });
        }
      });
      p.allow = [...new Set(allow.filter((n): n is DeniedSetting => known.includes(n)))];
    }
    s.podSecurity = p;
  }

  const sel = stringMap(at(spec, 'nodePool', 'nodeSelector'));
  if (sel) {
    for (const [k, v] of Object.entries(sel)) {
      const p = S('nodePool', 'nodeSelector', { key: k });
      out.push(...nameProblems(p, k, qualifiedNameErrors));
      out.push(...labelValueErrors(v).map((m) => ({ path: p, reason: `Invalid value: ${JSON.stringify(v)}: ${m}` })));
    }
    s.nodeSelector = { ...sel };
  }

  const iso = at(spec, 'network', 'isolation');
  if (typeof iso === 'boolean') s.networkIsolation = iso;

  const sc = strings(at(spec, 'storageClasses', 'allowed'));
  if (sc) {
    sc.forEach((n, i) => out.push(...nameProblems(S('storageClasses', 'allowed', i), n, dns1123SubdomainErrors)));
    s.storageClassesAllowed = [...new Set(sc)];
  }

  const weight = at(spec, 'weight');
  if (typeof weight === 'number' && Number.isInteger(weight)) {
    if (weight < 1) out.push({ path: S('weight'), reason: `Invalid value: ${weight}: must be greater than or equal to 1` });
    else s.weight = weight;
  }
  return s;
}

interface Decoded {
  name?: string;
  tier?: string;
  tenants?: string[];
  tierRef?: string;
  settings: PolicySettings;
}

/** Validate one document's value (already parsed YAML). */
export function decodePolicy(v: unknown): { doc: Decoded; problems: Problem[] } {
  const out: Problem[] = [];
  if (!isRecord(v)) return { doc: { settings: {} }, problems: [{ path: [], reason: `a TenantPolicy must be a YAML mapping, got ${typeName(v)}` }] };
  checkShape(v, POLICY_SHAPE, [], out);

  if (v.apiVersion !== POLICY_API_VERSION) {
    out.push({ path: ['apiVersion'], reason: v.apiVersion === undefined ? `Required value: must be ${POLICY_API_VERSION}` : `Unsupported value: ${JSON.stringify(v.apiVersion)}: supported values: "${POLICY_API_VERSION}"` });
  }
  if (v.kind !== POLICY_KIND) {
    out.push({ path: ['kind'], reason: v.kind === undefined ? `Required value: must be ${POLICY_KIND}` : `Unsupported value: ${JSON.stringify(v.kind)}: supported values: "${POLICY_KIND}"` });
  }

  const doc: Decoded = { settings: {} };
  const name = at(v, 'metadata', 'name');
  if (name === undefined) out.push({ path: ['metadata', 'name'], reason: 'Required value' });
  else if (typeof name === 'string') {
    const errs = nameProblems(['metadata', 'name'], name, dns1123LabelErrors);
    out.push(...errs);
    if (errs.length === 0) doc.name = name;
  }

  const spec = at(v, 'spec');
  if (spec === undefined) {
    out.push({ path: ['spec'], reason: 'Required value' });
    return { doc, problems: out };
  }
  const tier = at(spec, 'tier');
  const tenants = at(spec, 'tenants');
  const tierRef = at(spec, 'tierRef');
  if (tier !== undefined && tenants !== undefined) {
    out.push({ path: ['spec', 'tenants'], reason: 'Forbidden: may not be set together with spec.tier (a policy either defines a tier or applies to tenants)' });
  } else if (tier === undefined && tenants === undefined) {
    out.push({ path: ['spec'], reason: 'Required value: one of spec.tier or spec.tenants' });
  }
  if (typeof tier === 'string') {
    const errs = nameProblems(['spec', 'tier'], tier, dns1123LabelErrors);
    out.push(...errs);
    if (errs.length === 0) doc.tier = tier;
    if (tierRef !== undefined) out.push({ path: ['spec', 'tierRef'], reason: 'Forbidden: only a policy with spec.tenants may reference a tier (tiers do not inherit)' });
  }
  const list = strings(tenants);
  if (list) {
    if (list.length === 0) out.push({ path: ['spec', 'tenants'], reason: 'Required value: must name at least one tenant' });
    const seen = new Set<string>();
    list.forEach((t, i) => {
      out.push(...nameProblems(['spec', 'tenants', i], t, dns1123LabelErrors));
      if (seen.has(t)) out.push({ path: ['spec', 'tenants', i], reason: `Duplicate value: ${JSON.stringify(t)}` });
      seen.add(t);
    });
    doc.tenants = [...seen];
  }
  if (typeof tierRef === 'string' && tier === undefined) {
    const errs = nameProblems(['spec', 'tierRef'], tierRef, dns1123LabelErrors);
    out.push(...errs);
    if (errs.length === 0) doc.tierRef = tierRef;
  }
  doc.settings = decodeSettings(spec, out);
  return { doc, problems: out };
}

// ---- YAML and line numbers ---------------------------------------------------------------------------------------

/** Offset in the file of the node (or, for a map field, its key) at a path; the deepest existing one. */
function offsetOf(d: Document, path: Seg[]): number | undefined {
  let node: unknown = d.contents;
  let offset = isScalar(node) || isMap(node) || isSeq(node) ? node.range?.[0] : undefined;
  for (const seg of path) {
    if (isMap(node)) {
      const want = typeof seg === 'number' ? String(seg) : typeof seg === 'string' ? seg : seg.key;
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === want);
      if (!pair) break;
      if (isScalar(pair.key)) offset = pair.key.range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (!item) break;
      if (isScalar(item) || isMap(item) || isSeq(item)) offset = item.range?.[0] ?? offset;
      node = item;
    } else break;
  }
  return offset;
}

/** Parse a policy file's text. `file` is only used in messages. */
export function parsePolicyFile(file: string, text: string): ParsedPolicyFile {
  const lc = new LineCounter();
  const line = (offset: number | undefined) => (offset === undefined ? undefined : lc.linePos(offset).line);
  const parsed = parseAllDocuments(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const docs: PolicyDoc[] = [];
  const errors: PolicyError[] = [];
  // An empty stream (no documents) comes back as an empty array-like object.
  const list: Document[] = Array.isArray(parsed) ? parsed : [...(parsed as Iterable<Document>)];
  for (const d of list) {
    if (d.errors.length > 0) {
      for (const e of d.errors) {
        const l = line(e.pos[0]);
        errors.push({ file, field: '', reason: `invalid YAML: ${e.message}`, ...(l !== undefined ? { line: l } : {}) });
      }
      continue;
    }
    const value: unknown = d.toJS({ maxAliasCount: 100 });
    // `---` followed by nothing (or only comments) is not a policy; editors leave these.
    if (value === null || value === undefined) continue;
    const { doc, problems } = decodePolicy(value);
    for (const p of problems) {
      const l = line(offsetOf(d, p.path));
      errors.push({ file, field: fieldPath(p.path), reason: p.reason, ...(l !== undefined ? { line: l } : {}) });
    }
    if (doc.name !== undefined) {
      const policy: PolicyDoc = { file, name: doc.name, settings: doc.settings, hasErrors: problems.length > 0, lineOf: (p) => line(offsetOf(d, p)) };
      if (doc.tier !== undefined) policy.tier = doc.tier;
      if (doc.tenants !== undefined) policy.tenants = doc.tenants;
      if (doc.tierRef !== undefined) policy.tierRef = doc.tierRef;
      docs.push(policy);
    }
  }
  return { docs, errors };
}
