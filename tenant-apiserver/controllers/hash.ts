// Hashes that name controller-owned objects: the Deployment's pod-template-hash
// (controller.ComputeHash: FNV-32a over the template, then the collision count
// as 8 little-endian bytes) and ControllerRevision hashes (history.HashControllerRevision:
// FNV-32 over the revision data, then the collision count in decimal), both
// rendered through rand.SafeEncodeString's vowel-free alphabet.
//
// kube hashes the Go struct as printed by spew; we hash the template's
// key-sorted JSON instead, so values differ from kube's for the same template
// but have the same properties: stable across restarts and field order, changed
// by any template change, and moved off a colliding name by collisionCount.

const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';
const FNV_OFFSET = 2166136261;
const FNV_PRIME = 16777619;

export function fnv32a(data: Uint8Array, seed = FNV_OFFSET): number {
  let h = seed >>> 0;
  for (const b of data) {
    h ^= b;
    h = Math.imul(h, FNV_PRIME) >>> 0;
  }
  return h >>> 0;
}

export function fnv32(data: Uint8Array, seed = FNV_OFFSET): number {
  let h = seed >>> 0;
  for (const b of data) {
    h = Math.imul(h, FNV_PRIME) >>> 0;
    h ^= b;
  }
  return h >>> 0;
}

/** rand.SafeEncodeString: each byte mapped into an alphabet without vowels or look-alikes. */
export function safeEncodeString(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += ALPHANUMS[s.charCodeAt(i) % ALPHANUMS.length];
  return out;
}

/** JSON with object keys sorted at every level, undefined members dropped. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : stableJson(x))).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const parts: string[] = [];
    for (const k of Object.keys(o).sort()) if (o[k] !== undefined) parts.push(`${JSON.stringify(k)}:${stableJson(o[k])}`);
    return `{${parts.join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

const enc = new TextEncoder();

/**
 * Drop what a Go struct cannot tell apart from absent: null members (a zero
 * creationTimestamp arrives as `null` in templates kubectl sends back) and empty
 * lists (apimachinery's semantic equality treats nil and empty slices alike).
 */
export function semanticNormalize(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(semanticNormalize);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (x === null || x === undefined || (Array.isArray(x) && x.length === 0)) continue;
      out[k] = semanticNormalize(x);
    }
    return out;
  }
  return v;
}

/** controller.ComputeHash for a pod template (the Deployment's pod-template-hash). */
export function podTemplateHash(template: unknown, collisionCount?: number | null): string {
  let h = fnv32a(enc.encode(stableJson(semanticNormalize(template ?? {}))));
  if (collisionCount !== undefined && collisionCount !== null) {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(b, h);
  }
  return safeEncodeString(String(h));
}

/** history.HashControllerRevision over a revision's data. */
export function controllerRevisionHash(data: unknown, collisionCount?: number | null): string {
  let h = fnv32(enc.encode(stableJson(data ?? {})));
  if (collisionCount !== undefined && collisionCount !== null) h = fnv32(enc.encode(String(collisionCount)), h);
  return safeEncodeString(String(h));
}
