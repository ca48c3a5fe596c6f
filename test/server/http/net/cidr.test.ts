import { describe, expect, it } from 'vitest';
import { AddressList, CidrError, DEFAULT_ALLOWLIST, isLoopbackAddress, normalizeAddress, parseCidr } from '../../../../server/http/net/cidr.js';

describe('address ranges', () => {
  it('parses IPv4 and IPv6 ranges and bare addresses', () => {
    expect(parseCidr('10.0.0.0/8')).toEqual({ address: '10.0.0.0', prefix: 8, family: 'ipv4' });
    expect(parseCidr(' fd00::/8 ')).toEqual({ address: 'fd00::', prefix: 8, family: 'ipv6' });
    expect(parseCidr('192.0.2.7')).toEqual({ address: '192.0.2.7', prefix: 32, family: 'ipv4' });
    expect(parseCidr('::1')).toEqual({ address: '::1', prefix: 128, family: 'ipv6' });
  });

  it('refuses what is not a range, naming it', () => {
    for (const bad of ['10.0.0.0/33', 'fd00::/129', 'example.org/24', '10.0.0/8', '10.0.0.0/8/1', '10.0.0.0/-1', '10.0.0.0/x', '']) {
      expect(() => parseCidr(bad), bad).toThrow(CidrError);
    }
    expect(() => parseCidr('10.0.0.0/33')).toThrow(/"10\.0\.0\.0\/33" has a bad prefix length; it must be 0 to 32/);
  });

  it('matches clients, IPv4-mapped IPv6 ones included', () => {
    const list = new AddressList(['192.168.0.0/16', 'fd00::/8']);
    expect(list.has('192.168.40.2')).toBe(true);
    expect(list.has('::ffff:192.168.40.2')).toBe(true);
    expect(list.has('fd00::2')).toBe(true);
    expect(list.has('192.169.0.1')).toBe(false);
    expect(list.has('::ffff:8.8.8.8')).toBe(false);
    expect(list.has('fe80::1')).toBe(false);
    expect(list.has(undefined)).toBe(false);
    expect(list.has('not an address')).toBe(false);
  });

  it('allows loopback and the private ranges by default, and nothing public', () => {
    const list = new AddressList(DEFAULT_ALLOWLIST);
    for (const a of ['127.0.0.1', '::1', '10.1.2.3', '172.16.0.1', '172.31.255.254', '192.168.1.1', '169.254.3.4', 'fd12::1', 'fe80::1%eth0']) {
      expect(list.has(a), a).toBe(true);
    }
    for (const a of ['172.32.0.1', '8.8.8.8', '192.0.2.2', '2001:db8::1', '::ffff:1.1.1.1']) expect(list.has(a), a).toBe(false);
  });

  it('knows loopback in every spelling a socket reports', () => {
    expect(['127.0.0.1', '127.9.9.9', '::1', '::ffff:127.0.0.1'].every(isLoopbackAddress)).toBe(true);
    expect(['10.0.0.1', '::ffff:10.0.0.1', '::', '0.0.0.0', '', undefined].some(isLoopbackAddress)).toBe(false);
    expect(normalizeAddress('::ffff:10.0.0.1')).toBe('10.0.0.1');
    expect(normalizeAddress('fe80::1%eth0')).toBe('fe80::1');
  });
});
