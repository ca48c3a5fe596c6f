// GET /admin/v1/network as the UI uses it (server/http/routes/network.ts holds the schema).

export interface TlsInfo {
  fingerprint256: string;
  source: string;
  subject: string;
  validTo: string;
}

export interface NetworkInterface {
  name: string;
  address: string;
  family: string;
  internal: boolean;
}

export interface NetworkSettings {
  /** "loopback", "all", or one interface's name or address. */
  exposure: string;
  lan: boolean;
  /** Where the server listens now, "host:port" ("[::]:8600" for IPv6). */
  listening: string[];
  urls: string[];
  allow: string[];
  corsOrigins: string[];
  requireApiKey: boolean;
  tls: TlsInfo | null;
  interfaces: NetworkInterface[];
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const str = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : fallback);

/** Reads the answer without trusting it: a field the server does not send yet reads as empty. */
export function parseNetwork(body: unknown): NetworkSettings {
  const o = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const tls = typeof o.tls === 'object' && o.tls !== null ? (o.tls as Record<string, unknown>) : null;
  const exposure = str(o.exposure, 'loopback');
  return {
    exposure,
    lan: typeof o.lan === 'boolean' ? o.lan : exposure !== 'loopback',
    listening: Array.isArray(o.listening)
      ? o.listening.flatMap((l): string[] => {
        if (typeof l !== 'object' || l === null) return [];
        const { address, port } = l as Record<string, unknown>;
        if (typeof address !== 'string' || typeof port !== 'number') return [];
        return [address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`];
      })
      : [],
    urls: strings(o.urls),
    allow: strings(o.allow),
    corsOrigins: strings(o.corsOrigins),
    requireApiKey: o.requireApiKey === true,
    tls: tls === null ? null : {
      fingerprint256: str(tls.fingerprint256, str(tls.fingerprint)),
      source: str(tls.source),
      subject: str(tls.subject),
      validTo: str(tls.validTo),
    },
    interfaces: Array.isArray(o.interfaces)
      ? o.interfaces.flatMap((i): NetworkInterface[] => {
        if (typeof i !== 'object' || i === null) return [];
        const r = i as Record<string, unknown>;
        return [{ name: str(r.name), address: str(r.address), family: str(r.family), internal: r.internal === true }];
      })
      : [],
  };
}

/** One entry a line (commas work too), trimmed, empties and repeats dropped. */
export function parseList(text: string): string[] {
  return [...new Set(text.split(/[\n,]/).map((s) => s.trim()).filter((s) => s !== ''))];
}

export interface NetworkPatch {
  exposure?: string;
  allow?: string[];
  corsOrigins?: string[];
}

export const sameList = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** The exposure choices: loopback, every interface, or one of this machine's LAN interfaces. */
export function exposureOptions(interfaces: readonly NetworkInterface[], current: string): { value: string; label: string }[] {
  const options = [
    { value: 'loopback', label: 'Off: this computer only (127.0.0.1)' },
    { value: 'all', label: 'On: every network interface' },
  ];
  for (const i of interfaces) {
    if (i.internal) continue;
    options.push({ value: i.address, label: `On: ${i.name} only (${i.address})` });
  }
  if (!options.some((o) => o.value === current)) options.push({ value: current, label: `On: ${current}` });
  return options;
}
