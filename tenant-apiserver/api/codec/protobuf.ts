// Protobuf request bodies (application/vnd.kubernetes.protobuf), which kubectl
// sends for `create namespace|deployment|configmap|secret|job|…`: the 4-byte
// magic `k8s\0`, then a runtime.Unknown envelope whose `raw` holds the typed
// message. Decoded with protobufjs from the vendored .proto files, then
// normalised to the JSON form (Go writes every non-pointer field, so empty
// strings and empty messages mean "unset"; Time, IntOrString and Quantity have
// their own messages; int64 arrives as Long).

import fs from 'node:fs';
import path from 'node:path';
import type protobuf from 'protobufjs';
import { lazyRequire } from '../../../lib/lazy.js';

// Loaded on first use: most servers never see a protobuf body.
const pb = lazyRequire<typeof protobuf>('protobufjs');
import { badRequest } from '../errors.js';
import type { KubeObject } from '../types.js';

// Go writes non-pointer fields even when zero (and JSON would omit them: omitempty),
// but pointer fields only when set. The wire cannot tell the two apart, so a zero
// or false is dropped unless the field is one of the API's pointer scalars, where
// an explicit zero means something (replicas: 0, backoffLimit: 0, …).
const POINTER_SCALARS = new Set([
  'replicas', 'parallelism', 'completions', 'backoffLimit', 'backoffLimitPerIndex', 'maxFailedIndexes',
  'activeDeadlineSeconds', 'ttlSecondsAfterFinished', 'terminationGracePeriodSeconds', 'automountServiceAccountToken',
  'enableServiceLinks', 'suspend', 'startingDeadlineSeconds', 'successfulJobsHistoryLimit', 'failedJobsHistoryLimit',
  'revisionHistoryLimit', 'progressDeadlineSeconds', 'deletionGracePeriodSeconds', 'runAsUser', 'runAsGroup',
  'runAsNonRoot', 'privileged', 'allowPrivilegeEscalation', 'readOnlyRootFilesystem', 'fsGroup', 'defaultMode',
  'optional', 'immutable', 'shareProcessNamespace', 'hostUsers', 'setHostnameAsFQDN', 'priority', 'expirationSeconds',
  'podReplacementPolicy', 'manualSelector', 'timeoutSeconds', 'periodSeconds', 'successThreshold',
  'failureThreshold', 'initialDelaySeconds', 'allocateLoadBalancerNodePorts', 'publishNotReadyAddresses', 'value',
]);

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);
const TIME = new Set(['k8s.io.apimachinery.pkg.apis.meta.v1.Time', 'k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime']);
const INT_OR_STRING = 'k8s.io.apimachinery.pkg.util.intstr.IntOrString';
const QUANTITY = 'k8s.io.apimachinery.pkg.api.resource.Quantity';
const RAW_EXTENSION = 'k8s.io.apimachinery.pkg.runtime.RawExtension';
const FIELDS_V1 = 'k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1';

function protoRoot(): string {
  // Works from source (tenant-apiserver/api/codec) and from dist/ alike.
  let dir = path.dirname(new URL(import.meta.url).pathname);
  for (let i = 0; i < 8; i++) {
    const candidate = path.join(dir, 'third_party', 'kubernetes-api', 'proto');
    if (fs.existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error('vendored protobuf definitions not found (third_party/kubernetes-api/proto)');
}

let root: protobuf.Root | undefined;
const loadedFiles = new Set<string>();

function ensureLoaded(group: string, version: string): protobuf.Root {
  const base = protoRoot();
  if (!root) {
    root = new (pb().Root)();
    root.resolvePath = (_origin, target) => (path.isAbsolute(target) ? target : path.join(base, target));
    root.loadSync('k8s.io/apimachinery/pkg/runtime/generated.proto', { keepCase: true });
  }
  const dirGroup = group === '' ? 'core' : group.replace(/\.k8s\.io$/, '').replace(/\.authorization$/, '');
  const rel = `k8s.io/api/${protoGroupDir(group, dirGroup)}/${version}/generated.proto`;
  if (!loadedFiles.has(rel) && fs.existsSync(path.join(base, rel))) {
    root.loadSync(rel, { keepCase: true });
    loadedFiles.add(rel);
  }
  return root;
}

function protoGroupDir(group: string, fallback: string): string {
  const special: Record<string, string> = {
    'rbac.authorization.k8s.io': 'rbac',
    'apiextensions.k8s.io': 'apiextensions',
    'admissionregistration.k8s.io': 'admissionregistration',
    'scheduling.k8s.io': 'scheduling',
    'networking.k8s.io': 'networking',
    'storage.k8s.io': 'storage',
    'node.k8s.io': 'node',
    'coordination.k8s.io': 'coordination',
    'discovery.k8s.io': 'discovery',
    'events.k8s.io': 'events',
    'authentication.k8s.io': 'authentication',
    'authorization.k8s.io': 'authorization',
    'certificates.k8s.io': 'certificates',
    'policy': 'policy',
  };
  return special[group] ?? fallback;
}

function protoPackage(group: string, version: string): string {
  const dir = protoGroupDir(group, group === '' ? 'core' : group.split('.')[0]!);
  return `k8s.io.api.${dir}.${version}`;
}

/** Decode a kube protobuf body into the JSON form of the object. */
export function decodeKubeProtobuf(body: Buffer): KubeObject {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) {
    throw badRequest('provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]');
  }
  const r = ensureLoaded('', 'v1');
  const Unknown = r.lookupType('k8s.io.apimachinery.pkg.runtime.Unknown');
  let env: { typeMeta?: { apiVersion?: string; kind?: string }; raw?: Uint8Array };
  try {
    env = Unknown.decode(body.subarray(4)) as unknown as typeof env;
  } catch (e) {
    throw badRequest(`unable to decode protobuf body: ${(e as Error).message}`);
  }
  const apiVersion = env.typeMeta?.apiVersion ?? '';
  const kind = env.typeMeta?.kind ?? '';
  if (!kind) throw badRequest(`Object 'Kind' is missing in protobuf body`);
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') as [string, string] : ['', apiVersion];
  const rr = ensureLoaded(group, version);
  let type: protobuf.Type;
  try {
    type = rr.lookupType(`${protoPackage(group, version)}.${kind}`);
  } catch {
    throw badRequest(`no kind "${kind}" is registered for version "${apiVersion}" in protobuf`);
  }
  let msg: protobuf.Message;
  try {
    msg = type.decode(env.raw ?? new Uint8Array());
  } catch (e) {
    throw badRequest(`unable to decode ${kind} from protobuf: ${(e as Error).message}`);
  }
  const obj = normalise(type, msg) as KubeObject;
  return { apiVersion, kind, ...(obj ?? {}) };
}

/** protobuf message → kube JSON value, field by field, guided by the message types. */
function normalise(type: protobuf.Type, msg: unknown): unknown {
  const full = type.fullName.replace(/^\./, '');
  const m = msg as Record<string, unknown>;
  if (TIME.has(full)) {
    const seconds = toNumber(m.seconds);
    if (!seconds) return undefined;
    return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
  if (full === INT_OR_STRING) return toNumber(m.type) === 1 ? (m.strVal as string) : toNumber(m.intVal);
  if (full === QUANTITY) return (m.string as string) || undefined;
  if (full === RAW_EXTENSION || full === FIELDS_V1) {
    const raw = m.raw as Uint8Array | undefined;
    if (!raw || raw.length === 0) return undefined;
    try {
      return JSON.parse(Buffer.from(raw).toString('utf8'));
    } catch {
      return undefined;
    }
  }
  const out: Record<string, unknown> = {};
  for (const field of type.fieldsArray) {
    // protobufjs exposes defaults through the prototype: only fields present on the wire count.
    if (!Object.prototype.hasOwnProperty.call(m, field.name)) continue;
    const v = m[field.name];
    if (v === undefined || v === null) continue;
    const conv = convertField(field, v);
    if (conv !== undefined) out[field.name] = conv;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function convertField(field: protobuf.Field, v: unknown): unknown {
  field.resolve();
  if (field.map) {
    const entries = Object.entries(v as Record<string, unknown>);
    if (entries.length === 0) return undefined;
    const o: Record<string, unknown> = {};
    for (const [k, val] of entries) {
      const c = convertScalarOrMessage(field, val, true);
      o[k] = c === undefined && field.resolvedType ? {} : c;
    }
    return o;
  }
  if (field.repeated) {
    const arr = (v as unknown[]).map((x) => convertScalarOrMessage(field, x, true));
    return arr.length > 0 ? arr.map((x) => (x === undefined ? (field.resolvedType ? {} : '') : x)) : undefined;
  }
  return convertScalarOrMessage(field, v, false);
}

function convertScalarOrMessage(field: protobuf.Field, v: unknown, inCollection: boolean): unknown {
  if (field.resolvedType instanceof pb().Type) return normalise(field.resolvedType, v);
  if (field.resolvedType instanceof pb().Enum) return v;
  switch (field.type) {
    case 'string':
      return v === '' && !inCollection ? undefined : v;
    case 'bytes':
      return Buffer.from(v as Uint8Array).toString('base64');
    case 'int64':
    case 'uint64':
    case 'sint64':
    case 'fixed64':
    case 'sfixed64': {
      const n = toNumber(v);
      return n === 0 && !inCollection && !POINTER_SCALARS.has(field.name) ? undefined : n;
    }
    default:
      if (!inCollection && (v === false || v === 0) && !POINTER_SCALARS.has(field.name)) return undefined;
      return v;
  }
}

function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v && typeof v === 'object' && 'toNumber' in v) return (v as { toNumber(): number }).toNumber();
  return Number(v ?? 0);
}
