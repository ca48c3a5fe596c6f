import { CommanderError, type Command } from 'commander';
import { runExtendsCommand, runVerifyCommand } from '../usage/index.js';
import { download, type Helpers, type Out } from './common.js';

/** `hearth audit verify | export | fingerprint`: verify needs no server, the others ask it. */
export function addAuditCommands(program: Command, out: Out, { clientOptions, clientFrom }: Helpers): void {
  const audit = program.command('audit').description('Export and verify the tamper-evident audit log');

  audit.command('verify')
    .description('Check an exported audit bundle offline: exit 0 when intact, else the first bad record')
    .argument('<bundle>', 'the .jsonl bundle from "hearth audit export" or GET /admin/v1/audit/export')
    .argument('[newer]', 'with --extends: the newer bundle, which must continue <bundle> with nothing removed or changed')
    .option('--extends', 'check that the second bundle continues the first (the first is the one kept from before)')
    .option('--pubkey <file>', 'PEM public key to pin (from GET /admin/v1/audit/key)')
    .option('--fingerprint <hex>', 'signing key fingerprint to pin (shown by "hearth system" and the admin UI)')
    .action(async (bundle: string, newer: string | undefined, o: { pubkey?: string; fingerprint?: string; extends?: boolean }) => {
      const { extends: isExtends, ...pins } = o;
      if ((isExtends === true) !== (newer !== undefined)) {
        out.error('usage: hearth audit verify FILE, or hearth audit verify --extends OLD NEW');
        throw new CommanderError(2, 'hearth.audit.usage', 'bad arguments');
      }
      const io = { ...pins, print: out.log, printError: out.error };
      const code = newer === undefined ? await runVerifyCommand(bundle, io) : await runExtendsCommand(bundle, newer, io);
      if (code !== 0) throw new CommanderError(code, 'hearth.audit.failed', 'verification failed');
    });

  clientOptions(audit.command('export'))
    .description('Download an audit bundle for a time range')
    .requiredOption('-o, --output <file>', 'where to write the bundle')
    .option('--from <time>', 'ISO date or ms since the epoch (inclusive)')
    .option('--to <time>', 'ISO date or ms since the epoch (exclusive)')
    .action(async (o: { output: string; from?: string; to?: string }, cmd: Command) => {
      const q = new URLSearchParams();
      if (o.from) q.set('from', o.from);
      if (o.to) q.set('to', o.to);
      await download(clientFrom(cmd), `/admin/v1/audit/export?${q}`, o.output);
      out.log(`Wrote ${o.output}. Check it with: hearth audit verify ${o.output} --fingerprint <fingerprint>`);
    });

  clientOptions(audit.command('fingerprint'))
    .description('Show the fingerprint of the key that signs audit checkpoints, for auditors to pin')
    .action(async (o: { json?: boolean }, cmd: Command) => {
      const k = await clientFrom(cmd).request<{ fingerprint: string; publicKeyPem: string }>('GET', '/admin/v1/audit/key');
      out.log(o.json ? JSON.stringify(k, null, 2) : k.fingerprint);
    });
}
