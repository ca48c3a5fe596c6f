import net from 'node:net';
import os from 'node:os';
import { badRequest } from '../errors.js';
import { isLoopbackAddress, normalizeAddress } from './cidr.js';

export type Interfaces = NodeJS.Dict<os.NetworkInterfaceInfo[]>;

export interface InterfaceAddress {
  name: string;
  address: string;
  family: 'IPv4' | 'IPv6';
  internal: boolean;
}

/** Every address of this machine; IPv6 link-local ones are left out (they cannot be bound without a zone). */
export function listInterfaces(interfaces: Interfaces = os.networkInterfaces()): InterfaceAddress[] {
  const out: InterfaceAddress[] = [];
  for (const [name, infos] of Object.entries(interfaces)) {
    for (const i of infos ?? []) {
      if (i.family === 'IPv6' && i.address.toLowerCase().startsWith('fe80:')) continue;
      out.push({ name, address: i.address, family: i.family, internal: i.internal });
    }
  }
  return out;
}

export const LOOPBACK_HOST = '127.0.0.1';
const WILDCARDS = new Set(['0.0.0.0', '::']);

/** Whether an exposure lets other machines connect. */
export function isLanExposure(exposure: string): boolean {
  return exposure !== 'loopback' && !isLoopbackAddress(exposure);
}

/**
 * The addresses to listen on for an exposure. "all" is the IPv6 wildcard (which takes IPv4 too)
 * where the machine has IPv6, else 0.0.0.0. One interface is listened on beside loopback, so that
 * the admin's own CLI and desktop app keep reaching the server on 127.0.0.1.
 */
export function bindAddresses(exposure: string, interfaces: Interfaces = os.networkInterfaces()): string[] {
  const all = listInterfaces(interfaces);
  if (exposure === 'loopback') return [LOOPBACK_HOST];
  if (exposure === 'all') return [all.some((i) => i.family === 'IPv6') ? '::' : '0.0.0.0'];
  if (WILDCARDS.has(exposure)) return [exposure];
  if (net.isIP(exposure)) {
    const address = normalizeAddress(exposure);
    if (isLoopbackAddress(address)) return [address];
    if (!all.some((i) => i.address === address)) {
      throw badRequest(`${address} is not an address of this machine; its addresses are ${all.map((i) => `${i.address} (${i.name})`).join(', ')}.`);
    }
    return [LOOPBACK_HOST, address];
  }
  const mine = all.filter((i) => i.name === exposure);
  if (mine.length === 0) {
    const names = [...new Set(all.map((i) => i.name))].join(', ');
    throw badRequest(`"${exposure}" is neither "loopback", "all", an interface (${names}) nor an address of this machine.`);
  }
  if (mine.every((i) => i.internal)) return [LOOPBACK_HOST];
  return [LOOPBACK_HOST, ...mine.filter((i) => !i.internal).map((i) => i.address)];
}

/** Whether a connection that arrived on `localAddress` is still served by these listening addresses. */
export function covers(bound: readonly string[], localAddress: string | undefined): boolean {
  if (!localAddress) return false;
  const local = normalizeAddress(localAddress);
  return bound.some((b) => b === '::' || (b === '0.0.0.0' && net.isIPv4(local)) || normalizeAddress(b) === local);
}
