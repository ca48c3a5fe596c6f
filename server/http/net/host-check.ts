import net from 'node:net';
import os from 'node:os';

/**
 * Which Host headers the server answers: the defence against DNS rebinding. A web page from
 * attacker.example whose name the attacker re-points at 127.0.0.1 reaches a loopback server
 * with `Host: attacker.example:PORT`; refusing names that are not this machine's stops it.
 *
 * Accepted: no Host at all (not a browser), an IP literal (a browser that dialled an address has
 * no name to rebind), `localhost` and `*.localhost` (RFC 6761: never resolved by DNS), this
 * machine's host name (short or full), and the names the admin lists (`--allowed-hosts`, where
 * `*.example.org` covers the subdomains and `*` turns the check off).
 */
export class HostCheck {
  private readonly exact = new Set<string>();
  private readonly suffixes: string[] = [];
  private readonly any: boolean;
  /** Verdicts by Host value, bounded: a client cannot grow it without limit. */
  private readonly seen = new Map<string, boolean>();

  constructor(readonly allowed: readonly string[] = [], hostname: string = os.hostname()) {
    const names = [hostname, hostname.split('.')[0], ...allowed].map((n) => n.trim().toLowerCase()).filter(Boolean);
    this.any = names.includes('*');
    for (const n of names) {
      if (n.startsWith('*.')) this.suffixes.push(n.slice(1));
      else this.exact.add(n.replace(/\.$/, ''));
    }
  }

  /** Whether a request with this Host header may be answered. */
  allows(hostHeader: string | undefined): boolean {
    if (hostHeader === undefined || this.any) return true;
    let verdict = this.seen.get(hostHeader);
    if (verdict === undefined) {
      verdict = this.check(hostHeader);
      if (this.seen.size >= 256) this.seen.clear();
      this.seen.set(hostHeader, verdict);
    }
    return verdict;
  }

  private check(hostHeader: string): boolean {
    const name = hostName(hostHeader);
    if (name === undefined) return false;
    if (net.isIP(name) !== 0) return true;
    if (name === 'localhost' || name.endsWith('.localhost')) return true;
    if (this.exact.has(name)) return true;
    return this.suffixes.some((s) => name.endsWith(s) && name.length > s.length);
  }
}

/** The name part of a Host header, lowercased, without port or trailing dot; undefined if malformed. */
export function hostName(hostHeader: string): string | undefined {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    if (end < 0) return undefined;
    const rest = h.slice(end + 1);
    if (rest !== '' && !/^:\d{1,5}$/.test(rest)) return undefined;
    return h.slice(1, end);
  }
  const m = /^([a-z0-9._-]+?)\.?(?::\d{1,5})?$/.exec(h);
  return m ? m[1] : undefined;
}
