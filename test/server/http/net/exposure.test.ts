import type os from 'node:os';
import { describe, expect, it } from 'vitest';
import { HearthError } from '../../../../server/base/errors.js';
import { bindAddresses, covers, isLanExposure, listInterfaces } from '../../../../server/http/net/exposure.js';

const info = (address: string, family: 'IPv4' | 'IPv6', internal = false): os.NetworkInterfaceInfo => ({
  address, family, internal, netmask: family === 'IPv4' ? '255.255.255.0' : 'ffff:ffff:ffff:ffff::', mac: '00:00:00:00:00:00',
  cidr: null, ...(family === 'IPv6' ? { scopeid: 0 } : {}),
} as os.NetworkInterfaceInfo);

const machine = {
  lo: [info('127.0.0.1', 'IPv4', true), info('::1', 'IPv6', true)],
  eth0: [info('192.168.1.20', 'IPv4'), info('fd00::20', 'IPv6'), info('fe80::20', 'IPv6')],
  wlan0: [info('10.0.0.7', 'IPv4')],
};
const v4only = { lo: [info('127.0.0.1', 'IPv4', true)], eth0: [info('192.168.1.20', 'IPv4')] };

describe('where the server listens for an exposure', () => {
  it('binds loopback only by default', () => {
    expect(bindAddresses('loopback', machine)).toEqual(['127.0.0.1']);
    expect(isLanExposure('loopback')).toBe(false);
    expect(isLanExposure('::1')).toBe(false);
  });

  it('binds every interface for "all", IPv6 and IPv4 where the machine has IPv6', () => {
    expect(bindAddresses('all', machine)).toEqual(['::']);
    expect(bindAddresses('all', v4only)).toEqual(['0.0.0.0']);
    expect(bindAddresses('0.0.0.0', machine)).toEqual(['0.0.0.0']);
    expect(isLanExposure('all')).toBe(true);
  });

  it('binds one interface beside loopback, by name or by address', () => {
    expect(bindAddresses('eth0', machine)).toEqual(['127.0.0.1', '192.168.1.20', 'fd00::20']);
    expect(bindAddresses('wlan0', machine)).toEqual(['127.0.0.1', '10.0.0.7']);
    expect(bindAddresses('10.0.0.7', machine)).toEqual(['127.0.0.1', '10.0.0.7']);
    expect(bindAddresses('::1', machine)).toEqual(['::1']);
  });

  it('refuses an interface or address the machine does not have, listing what it has', () => {
    expect(() => bindAddresses('eth9', machine)).toThrow(HearthError);
    expect(() => bindAddresses('eth9', machine)).toThrow(/"eth9" is neither .*interface \(lo, eth0, wlan0\)/);
    expect(() => bindAddresses('192.168.1.99', machine)).toThrow(/192\.168\.1\.99 is not an address of this machine; its addresses are .*192\.168\.1\.20 \(eth0\)/);
  });

  it('leaves out IPv6 link-local addresses, which cannot be bound without a zone', () => {
    expect(listInterfaces(machine).map((i) => i.address)).toEqual(['127.0.0.1', '::1', '192.168.1.20', 'fd00::20', '10.0.0.7']);
  });

  it('knows which open connections a set of listening addresses still serves', () => {
    expect(covers(['127.0.0.1'], '127.0.0.1')).toBe(true);
    expect(covers(['127.0.0.1'], '::ffff:127.0.0.1')).toBe(true);
    expect(covers(['127.0.0.1'], '192.168.1.20')).toBe(false);
    expect(covers(['127.0.0.1', '192.168.1.20'], '::ffff:192.168.1.20')).toBe(true);
    expect(covers(['::'], 'fd00::20')).toBe(true);
    expect(covers(['0.0.0.0'], '10.0.0.7')).toBe(true);
    expect(covers(['0.0.0.0'], 'fd00::20')).toBe(false);
    expect(covers(['127.0.0.1'], undefined)).toBe(false);
  });
});
