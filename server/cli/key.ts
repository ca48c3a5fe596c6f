import type { Command } from 'commander';
import { CliError } from './client.js';
import { readStdin, when, type Helpers, type Out } from './common.js';
import { generateKey, tokenHash, wellFormed } from '../auth/keys.js';

import type { KeyInfo } from '../http/routes/admin-schemas.js';

/** `hearth key create | list | revoke`: API keys for LAN clients; `generate | hash`: entries of a keys file, offline. */
export function addKeyCommands(program: Command, out: Out, { clientOptions, clientFrom }: Helpers): void {
  const key = program.command('key').description('Manage API keys for LAN clients');

  clientOptions(key.command('create'))
    .description('Create an API key; it is shown once')
    .argument('<name>', 'who or what the key is for')
    .option('--scopes <list>', 'comma-separated: infer, metadata', 'infer,metadata')
    .option('--models <list>', 'comma-separated models the key may call (default: all)')
    .option('--expires <iso-date>', 'expiry, e.g. 2027-01-31')
    .action(async (name: string, o: { scopes: string; models?: string; expires?: string; json?: boolean }, cmd: Command) => {
      let expiresAt: number | undefined;
      if (o.expires) {
        expiresAt = Date.parse(o.expires);
        if (Number.isNaN(expiresAt)) throw new CliError(`--expires: "${o.expires}" is not a date (use e.g. 2027-01-31).`);
      }
      const body = {
        name,
        scopes: o.scopes.split(',').map((s) => s.trim()).filter(Boolean),
        ...(o.models ? { models: o.models.split(',').map((s) => s.trim()).filter(Boolean) } : {}),
        ...(expiresAt !== undefined ? { expiresAt } : {}),
      };
      const r = await clientFrom(cmd).request<{ id: string; key: string }>('POST', '/admin/v1/keys', body);
      if (o.json) return out.log(JSON.stringify(r, null, 2));
      out.log(`Created key ${r.id} ("${name}"). Copy it now; it is not shown again:\n\n  ${r.key}\n`);
    });

  clientOptions(key.command('list'))
    .description('List API keys (never the keys themselves)')
    .action(async (o: { json?: boolean }, cmd: Command) => {
      const { keys } = await clientFrom(cmd).request<{ keys: KeyInfo[] }>('GET', '/admin/v1/keys');
      if (o.json) return out.log(JSON.stringify(keys, null, 2));
      if (keys.length === 0) return out.log('No API keys. Create one with: hearth key create NAME');
      for (const k of keys) {
        const state = k.revokedAt ? 'revoked' : k.expiresAt && k.expiresAt < Date.now() ? 'expired' : 'active';
        const status = k.fromFile ? `${state} (keys file)` : state;
        out.log(`${k.id}\t${k.name}\t${status}\tscopes ${k.scopes.join(',')}\tmodels ${k.models?.join(',') ?? 'all'}\tlast used ${when(k.lastUsedAt)}`);
      }
    });

  clientOptions(key.command('revoke'))
    .description('Revoke an API key by id')
    .argument('<id>')
    .action(async (id: string, o: { json?: boolean }, cmd: Command) => {
      const r = await clientFrom(cmd).request<KeyInfo>('DELETE', `/admin/v1/keys/${encodeURIComponent(id)}`);
      out.log(o.json ? JSON.stringify(r) : `Revoked ${r.id} ("${r.name}").`);
    });

  key.command('generate')
    .description('Print a new API key, made here without a server, for an entry of a keys file (--keys-file)')
    .action(() => out.log(generateKey()));

  key.command('hash')
    .description('Read an API key on standard input and print its SHA-256: the "sha256" of its keys file entry')
    .action(async () => {
      const key = (await (out.input ?? readStdin)()).trim();
      if (!wellFormed(key)) {
        throw new CliError('Standard input is not a Hearth API key (hearth_…, as "hearth key generate" or "hearth key create" prints it).');
      }
      out.log(tokenHash(key));
    });
}
