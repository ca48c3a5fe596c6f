import net from 'node:net';

/** Loopback, then the private and link-local ranges of RFC 1918, RFC 3927, RFC 4193 and RFC 4291. */
export const DEFAULT_ALLOWLIST: readonly string[] = [
  '127.0.0.0/8', '::1/128',
  '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16',
  'fc00::/7', 'fe80::/10',
];

export interface Cidr {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

export class CidrError extends Error {}

/** The address as a client socket reports it, without an IPv6 zone or the IPv4-mapped prefix. */
export function normalizeAddress(address: string): string {
  const bare = address.replace(/%.*$/, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  return mapped ? mapped[1] : bare;
}

export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const a = normalizeAddress(address);
  return a === '::1' || (net.isIPv4(a) && a.startsWith('127.'));
}

/** "10.0.0.0/8", "fd00::/8", or a bare address (a /32 or /128). */
export function parseCidr(text: string): Cidr {
  const trimmed = text.trim();
  const [addr, prefixText, extra] = trimmed.split('/');
  const version = net.isIP(addr ?? '');
  if (extra !== undefined || version === 0) {
    throw new CidrError(`"${text}" is not an address range; write it as CIDR, e.g. 192.168.1.0/24 or fd00::/8.`);
  }
  const max = version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (!/^\d{1,3}$/.test(prefixText ?? String(max)) || prefix > max) {
    throw new CidrError(`"${text}" has a bad prefix length; it must be 0 to ${max}.`);
  }
  return { address: addr, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** A set of address ranges; IPv4 ranges also match IPv4-mapped IPv6 clients (::ffff:a.b.c.d). */
export class AddressList {
  private readonly list = new net.BlockList();

  constructor(readonly ranges: readonly string[]) {
    for (const r of ranges) {
      const c = parseCidr(r);
      this.list.addSubnet(c.address, c.prefix, c.family);
    }
  }

  has(address: string | undefined): boolean {
    if (!address) return false;
    const a = normalizeAddress(address);
    const family = net.isIP(a);
    if (family === 0) return false;
    return this.list.check(a, family === 4 ? 'ipv4' : 'ipv6');
  }
}
