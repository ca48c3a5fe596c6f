import { describe, expect, test } from 'vitest';
import { exposureOptions, parseList, parseNetwork, sameList } from '../../../renderer/lib/network.js';

describe('network settings', () => {
  test('reads the server view and tolerates missing fields', () => {
    const n = parseNetwork({
      exposure: 'all', lan: true, urls: ['http://10.0.0.5:8600'], allow: ['10.0.0.0/8'], corsOrigins: [],
      requireApiKey: false, tls: { fingerprint256: 'AB:CD', source: 'generated', subject: 'CN=hearth', validTo: '2027' },
      interfaces: [{ name: 'eth0', address: '10.0.0.5', family: 'IPv4', internal: false }],
    });
    expect(n.lan).toBe(true);
    expect(n.tls?.fingerprint256).toBe('AB:CD');
    expect(n.interfaces).toHaveLength(1);
    expect(parseNetwork({ listening: [{ address: '0.0.0.0', port: 1 }, { address: 'fd00::2', port: 2 }, { port: 3 }] }).listening).toEqual(['0.0.0.0:1', '[fd00::2]:2']);
    expect(parseNetwork({})).toEqual({
      exposure: 'loopback', lan: false, listening: [], urls: [], allow: [], corsOrigins: [], requireApiKey: false, tls: null, interfaces: [],
    });
  });

  test('lists: one a line or comma-separated, trimmed, without repeats', () => {
    expect(parseList(' 10.0.0.0/8\n\n192.168.1.0/24, 10.0.0.0/8 \n')).toEqual(['10.0.0.0/8', '192.168.1.0/24']);
    expect(sameList(['a', 'b'], ['a', 'b'])).toBe(true);
    expect(sameList(['a', 'b'], ['b', 'a'])).toBe(false);
  });

  test('exposure choices: off, all, each external interface, and the current value if it is none of these', () => {
    const ifaces = [
      { name: 'lo', address: '127.0.0.1', family: 'IPv4', internal: true },
      { name: 'eth0', address: '10.0.0.5', family: 'IPv4', internal: false },
    ];
    expect(exposureOptions(ifaces, 'loopback').map((o) => o.value)).toEqual(['loopback', 'all', '10.0.0.5']);
    expect(exposureOptions(ifaces, 'wlan0').map((o) => o.value)).toEqual(['loopback', 'all', '10.0.0.5', 'wlan0']);
  });
});
