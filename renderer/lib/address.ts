import type { NetworkSettings } from './network.js';

export interface ServerAddress {
  /** What the server listens on, e.g. "127.0.0.1:8600"; several after LAN access was turned on. */
  bind: string;
  /** The base URL to give to applications; the inference API is under /v2. */
  appUrls: string[];
  /** Only this computer can connect. */
  loopbackOnly: boolean;
}

const hostPort = (host: string, port: number) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

/**
 * Addresses for the overview. The network view's URLs are the truth when the server has them;
 * otherwise the bind address, with the page's own host standing in for a wildcard bind.
 */
export function serverAddress(server: { host: string; port: number }, network: NetworkSettings | undefined, pageHost = ''): ServerAddress {
  // The start-up host goes stale once LAN access is switched at run time; the network view does not.
  const bind = network && network.listening.length > 0 ? network.listening.join(', ') : hostPort(server.host, server.port);
  const scheme = network?.tls ? 'https' : 'http';
  const wildcard = server.host === '0.0.0.0' || server.host === '::';
  const loopbackOnly = network ? !network.lan : server.host === '127.0.0.1' || server.host === 'localhost' || server.host === '::1';
  let appUrls = network?.urls.filter((u) => u !== '') ?? [];
  if (appUrls.length > 0 && !loopbackOnly) {
    // Loopback URLs are of no use to another machine; keep them only when nothing else is listed.
    const lan = appUrls.filter((u) => !/\/\/(127\.|localhost|\[::1\])/.test(u));
    if (lan.length > 0) appUrls = lan;
  }
  if (appUrls.length === 0) {
    const host = wildcard ? (pageHost !== '' ? pageHost : server.host) : server.host;
    appUrls = [`${scheme}://${hostPort(host, server.port)}`];
  }
  return { bind, appUrls: appUrls.map((u) => u.replace(/\/+$/, '')), loopbackOnly };
}
