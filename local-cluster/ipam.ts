// IPv4 arithmetic for the simulated networks: pod IPs from a node's CIDR,
// service IPs from the service CIDR. Allocation state is never kept apart from
// the objects: callers pass the addresses in use, read from the store.

export interface Cidr {
  /** Network address as an unsigned 32-bit number. */
  base: number;
  prefix: number;
  /** Number of addresses in the range. */
  size: number;
}

export function ipToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

export function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

export function parseCidr(cidr: string): Cidr {
  const [ip, bits] = cidr.split('/');
  const base = ipToInt(ip ?? '');
  const prefix = Number(bits);
  if (base === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) throw new Error(`invalid CIDR ${cidr}`);
  const size = 2 ** (32 - prefix);
  return { base: base - (base % size), prefix, size };
}

export function cidrContains(c: Cidr, ip: string): boolean {
  const n = ipToInt(ip);
  return n !== undefined && n >= c.base && n < c.base + c.size;
}

/**
 * The lowest free host address of a node's pod CIDR: .1 is the bridge's
 * gateway, the network and broadcast addresses are never handed out.
 */
export function pickPodIP(cidr: string, used: ReadonlySet<string>): string | undefined {
  const c = parseCidr(cidr);
  for (let n = c.base + 2; n < c.base + c.size - 1; n++) {
    const ip = intToIp(n);
    if (!used.has(ip)) return ip;
  }
  return undefined;
}
