import { isIPv4, isIPv6 } from 'node:net';

/**
 * IPv4 and IPv6 addresses as BigInts, so one set of range arithmetic serves both families.
 * Parsing is strict: what the API stores is what these functions print (canonical forms).
 */
export type IpVersion = 4 | 6;

export interface Cidr {
  version: IpVersion;
  /** Network address (host bits cleared). */
  network: bigint;
  prefix: number;
}

const BITS: Record<IpVersion, number> = { 4: 32, 6: 128 };

export function versionOf(address: string): IpVersion | undefined {
  if (isIPv4(address)) return 4;
  if (isIPv6(address)) return 6;
  return undefined;
}

export function parseAddress(address: string): { version: IpVersion; value: bigint } | undefined {
  const version = versionOf(address);
  if (version === 4) return { version, value: address.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n) };
  if (version === 6) return { version, value: parseIpv6(address) };
  return undefined;
}

function parseIpv6(address: string): bigint {
  let text = address;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const n = parseAddress(v4[1])!.value;
    text = `${text.slice(0, -v4[1].length)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const headParts = head ? head.split(':') : [];
  const tailParts = tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : Array(8 - headParts.length - tailParts.length).fill('0');
  return [...headParts, ...fill, ...tailParts].reduce((acc, part) => (acc << 16n) | BigInt(parseInt(part, 16)), 0n);
}

export function formatAddress(version: IpVersion, value: bigint): string {
  if (version === 4) return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => ((value >> BigInt((7 - i) * 16)) & 0xffffn).toString(16));
  // RFC 5952: the longest run (≥ 2) of zero groups becomes "::".
  let best = { start: -1, len: 0 };
  for (let i = 0; i < 8;) {
    if (groups[i] !== '0') { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best.len && j - i >= 2) best = { start: i, len: j - i };
    i = j;
  }
  if (best.start < 0) return groups.join(':');
  return `${groups.slice(0, best.start).join(':')}::${groups.slice(best.start + best.len).join(':')}`;
}

/** `10.0.0.0/24`; host bits set (`10.0.0.1/24`) is invalid, as Neutron answers. */
export function parseCidr(text: string): Cidr | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text.trim());
  if (!m) return undefined;
  const addr = parseAddress(m[1]);
  const prefix = Number(m[2]);
  if (!addr || prefix > BITS[addr.version]) return undefined;
  if ((addr.value & hostMask(addr.version, prefix)) !== 0n) return undefined;
  return { version: addr.version, network: addr.value, prefix };
}

function hostMask(version: IpVersion, prefix: number): bigint {
  return (1n << BigInt(BITS[version] - prefix)) - 1n;
}

export function formatCidr(c: Cidr): string {
  return `${formatAddress(c.version, c.network)}/${c.prefix}`;
}

export function lastAddress(c: Cidr): bigint {
  return c.network | hostMask(c.version, c.prefix);
}

export function contains(c: Cidr, version: IpVersion, value: bigint): boolean {
  return version === c.version && value >= c.network && value <= lastAddress(c);
}

/** Is the address text inside the CIDR text (both as the API stores them)? */
export function cidrHolds(cidrText: string, address: string): boolean {
  const c = parseCidr(cidrText);
  const a = parseAddress(address);
  return !!c && !!a && contains(c, a.version, a.value);
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.version === b.version && a.network <= lastAddress(b) && b.network <= lastAddress(a);
}

/** The addresses a subnet may hand out by default: not the network address, nor IPv4's broadcast. */
export function usableRange(c: Cidr): { first: bigint; last: bigint } | undefined {
  const last = lastAddress(c);
  if (c.version === 4) {
    if (c.prefix >= 31) return { first: c.network, last };
    return { first: c.network + 1n, last: last - 1n };
  }
  if (c.prefix === 128) return { first: c.network, last };
  return { first: c.network + 1n, last };
}

export interface Range {
  first: bigint;
  last: bigint;
}

/** Neutron's default pools: the usable range minus the gateway, split around it. */
export function defaultPools(c: Cidr, gateway: bigint | null): Range[] {
  const usable = usableRange(c);
  if (!usable) return [];
  if (gateway === null || gateway < usable.first || gateway > usable.last) return [usable];
  const pools: Range[] = [];
  if (gateway > usable.first) pools.push({ first: usable.first, last: gateway - 1n });
  if (gateway < usable.last) pools.push({ first: gateway + 1n, last: usable.last });
  return pools;
}

/** Ranges minus one address (used to take a requested address out of the free ranges). */
export function without(ranges: Range[], value: bigint): Range[] {
  return ranges.flatMap((r) => {
    if (value < r.first || value > r.last) return [r];
    const out: Range[] = [];
    if (value > r.first) out.push({ first: r.first, last: value - 1n });
    if (value < r.last) out.push({ first: value + 1n, last: r.last });
    return out;
  });
}
