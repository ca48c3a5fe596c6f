import { InvalidArgumentError, type Command } from 'commander';
import type { HearthApp } from '../app.js';
import type { NetworkView } from '../http/routes/network.js';
import { DEFAULT_ALLOWLIST } from '../http/net/cidr.js';
import { CliError } from './client.js';
import type { Helpers, Out } from './common.js';

const list = (value: string): string[] => value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);

/** A limit: a positive number, or "off" (also 0) for none. */
const limit = (name: string, integer: boolean) => (value: string): number | null => {
  if (value === 'off' || value === '0') return null;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new InvalidArgumentError(`${name} must be ${integer ? 'a whole number' : 'a number'} above 0, or "off".`);
  }
  return n;
};

const rate = (perSecond: number | null, concurrent: number | null) =>
  `${perSecond === null ? 'no rate limit' : `${perSecond}/s`}, ${concurrent === null ? 'no concurrency limit' : `${concurrent} at once`}`;

/** The lines `hearth serve` prints about where and how it can be reached. */
export function servingSummary(app: HearthApp): string[] {
  const n = app.network;
  const lines: string[] = [];
  if (n.lan) {
    lines.push(`  Exposed:     on the LAN (${n.settings.exposure}): ${n.urls().join(' ')}`);
    lines.push('               LAN clients need an API key (hearth key create NAME).');
  } else {
    lines.push('  Exposed:     loopback only; LAN clients cannot reach it (hearth network expose all, or --host).');
  }
  if (n.tls) {
    lines.push(`  TLS:         ${n.tls.source === 'generated' ? 'self-signed certificate' : 'site certificate'} ${n.tls.certFile}`);
    lines.push(`  Fingerprint: SHA-256 ${n.tls.fingerprint256}`);
  }
  return lines;
}

function printView(out: Out, v: NetworkView): void {
  out.log(`Exposure:    ${v.exposure}${v.lan ? ' (LAN)' : ' (this machine only)'}`);
  out.log(`Listening:   ${v.listening.map((l) => (l.address.includes(':') ? `[${l.address}]:${l.port}` : `${l.address}:${l.port}`)).join(', ') || '-'}`);
  out.log(`URLs:        ${v.urls.join(' ') || '-'}`);
  out.log(`API keys:    ${v.requireApiKey ? 'required from every client' : 'required from LAN clients; loopback may omit them'}`);
  out.log(`Allowed:     ${v.allow.join(', ')} (and loopback, always)`);
  out.log(`CORS:        ${v.corsOrigins.length ? v.corsOrigins.join(', ') : 'off'}`);
  out.log(`Rate limits: ${rate(v.rateLimit.perSecond, v.rateLimit.concurrent)} per key`);
  for (const k of v.keyLimits) out.log(`             ${k.id} "${k.name}": ${rate(k.ratePerSecond ?? v.rateLimit.perSecond, k.maxConcurrent ?? v.rateLimit.concurrent)}`);
  if (v.tls) {
    out.log(`TLS:         ${v.tls.source === 'generated' ? 'self-signed' : 'site'} certificate ${v.tls.certFile}`);
    out.log(`             SHA-256 fingerprint ${v.tls.fingerprint256}`);
    out.log(`             public key pin ${v.tls.publicKeyPin}`);
  } else {
    out.log('TLS:         off (start with --tls, or --tls-cert and --tls-key)');
  }
}

function updateList(current: string[], o: { add?: string[]; remove?: string[]; set?: string[] }): string[] {
  let next = o.set ?? [...current];
  if (o.add) next = [...next, ...o.add.filter((a) => !next.includes(a))];
  if (o.remove) {
    const missing = o.remove.filter((r) => !next.includes(r));
    if (missing.length) throw new CliError(`Not in the list: ${missing.join(', ')}. It holds: ${next.join(', ') || 'nothing'}.`);
    next = next.filter((x) => !o.remove?.includes(x));
  }
  return next;
}

/** `hearth network show|expose|allow|cors|limit`: the network policy, through the admin API. */
export function addNetworkCommands(program: Command, out: Out, { clientOptions, clientFrom }: Helpers): void {
  const network = program.command('network').description('LAN exposure, client allowlist, CORS and rate limits (takes effect at once)');

  const put = async (cmd: Command, json: boolean | undefined, body: Record<string, unknown>) => {
    const v = await clientFrom(cmd).request<NetworkView>('PUT', '/admin/v1/network', body);
    if (json) out.log(JSON.stringify(v, null, 2));
    else printView(out, v);
    return v;
  };
  const get = (cmd: Command) => clientFrom(cmd).request<NetworkView>('GET', '/admin/v1/network');

  clientOptions(network.command('show'))
    .description('Show the exposure, listening addresses, allowlist, CORS, rate limits and TLS fingerprint')
    .action(async (o: { json?: boolean }, cmd: Command) => {
      const v = await get(cmd);
      if (o.json) return out.log(JSON.stringify(v, null, 2));
      printView(out, v);
      const lan = v.interfaces.filter((i) => !i.internal);
      if (lan.length) out.log(`Interfaces:  ${lan.map((i) => `${i.name} ${i.address}`).join(', ')}`);
    });

  clientOptions(network.command('expose'))
    .description('Choose who can connect: "loopback" (this machine), "all" (every interface), or one interface by name or address')
    .argument('<where>', 'loopback, all, an interface name (eth0) or one of its addresses')
    .action(async (where: string, o: { json?: boolean }, cmd: Command) => {
      const v = await put(cmd, o.json, { exposure: where });
      if (!o.json && v.lan) out.log('\nLAN clients need an API key: hearth key create NAME');
    });

  clientOptions(network.command('allow'))
    .description('Change the client allowlist (CIDR ranges); loopback is always allowed')
    .option('--add <cidrs>', 'comma-separated ranges to add, e.g. 192.168.10.0/24', list)
    .option('--remove <cidrs>', 'comma-separated ranges to remove', list)
    .option('--set <cidrs>', 'replace the list', list)
    .option('--default', 'back to loopback and the private ranges')
    .action(async (o: { add?: string[]; remove?: string[]; set?: string[]; default?: boolean; json?: boolean }, cmd: Command) => {
      if (!o.add && !o.remove && !o.set && !o.default) throw new CliError('Give --add, --remove, --set or --default (see hearth network show).');
      const current = o.default ? [...DEFAULT_ALLOWLIST] : (await get(cmd)).allow;
      await put(cmd, o.json, { allow: updateList(current, o) });
    });

  clientOptions(network.command('cors'))
    .description('Change which web origins may call the API from a browser (off by default)')
    .option('--add <origins>', 'comma-separated origins, e.g. https://app.example.org', list)
    .option('--remove <origins>', 'comma-separated origins to remove', list)
    .option('--off', 'refuse every cross-origin request')
    .action(async (o: { add?: string[]; remove?: string[]; off?: boolean; json?: boolean }, cmd: Command) => {
      if (!o.add && !o.remove && !o.off) throw new CliError('Give --add, --remove or --off.');
      const current = o.off ? [] : (await get(cmd)).corsOrigins;
      await put(cmd, o.json, { corsOrigins: updateList(current, o) });
    });

  clientOptions(network.command('limit'))
    .description('Set rate limits: the default for every API key, or one key\'s own with --key')
    .option('--key <id>', 'the key to limit (default: the server-wide default)')
    .option('--per-second <n>', 'requests per second, or "off"', limit('--per-second', false))
    .option('--concurrent <n>', 'requests in flight at once, or "off"', limit('--concurrent', true))
    .action(async (o: { key?: string; perSecond?: number | null; concurrent?: number | null; json?: boolean }, cmd: Command) => {
      if (o.perSecond === undefined && o.concurrent === undefined) throw new CliError('Give --per-second and/or --concurrent.');
      if (o.key) {
        const body = {
          ...(o.perSecond !== undefined ? { ratePerSecond: o.perSecond } : {}),
          ...(o.concurrent !== undefined ? { maxConcurrent: o.concurrent } : {}),
        };
        const k = await clientFrom(cmd).request<{ id: string; name: string; ratePerSecond: number | null; maxConcurrent: number | null }>(
          'PUT', `/admin/v1/network/keys/${encodeURIComponent(o.key)}`, body);
        if (o.json) return out.log(JSON.stringify(k, null, 2));
        return out.log(`${k.id} "${k.name}": ${rate(k.ratePerSecond, k.maxConcurrent)} (unset limits follow the server default)`);
      }
      await put(cmd, o.json, {
        rateLimit: {
          ...(o.perSecond !== undefined ? { perSecond: o.perSecond } : {}),
          ...(o.concurrent !== undefined ? { concurrent: o.concurrent } : {}),
        },
      });
    });
}
