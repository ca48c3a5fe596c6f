import { describe, expect, test } from 'vitest';
import { serverAddress } from '../../../renderer/lib/address.js';
import { parseNetwork } from '../../../renderer/lib/network.js';

describe('server address for the overview', () => {
  test('loopback bind: this computer only', () => {
    expect(serverAddress({ host: '127.0.0.1', port: 8600 }, undefined)).toEqual({
      bind: '127.0.0.1:8600', appUrls: ['http://127.0.0.1:8600'], loopbackOnly: true,
    });
  });

  test('the network view\'s URLs win, loopback ones dropped when LAN ones exist', () => {
    const network = parseNetwork({
      lan: true, exposure: 'all', urls: ['http://127.0.0.1:8600/', 'https://10.0.0.5:8600/'], tls: { fingerprint256: 'x' },
      listening: [{ address: '::', port: 8600, family: 'IPv6' }, { address: '127.0.0.1', port: 8600, family: 'IPv4' }],
    });
    // Started on loopback, switched to LAN access since: the live listeners win.
    expect(serverAddress({ host: '127.0.0.1', port: 8600 }, network)).toEqual({
      bind: '[::]:8600, 127.0.0.1:8600', appUrls: ['https://10.0.0.5:8600'], loopbackOnly: false,
    });
  });

  test('a wildcard bind without a URL list uses the host the page was loaded from', () => {
    expect(serverAddress({ host: '0.0.0.0', port: 8600 }, undefined, 'hearth.lan').appUrls).toEqual(['http://hearth.lan:8600']);
  });
});
