import { Option, type Command } from 'commander';
import { download, type Helpers, type Out } from './common.js';

/** `hearth usage summary | export`: the per-request usage log, for chargeback and auditors. */
export function addUsageCommands(program: Command, out: Out, { clientOptions, clientFrom }: Helpers): void {
  const usage = program.command('usage').description('The per-request usage log');

  clientOptions(usage.command('summary'))
    .description('Requests, errors, compute seconds and bytes per API key or per model (chargeback)')
    .addOption(new Option('--by <what>', 'group by').choices(['key', 'model']).default('key'))
    .option('--from <time>', 'ISO date or ms since the epoch (inclusive)')
    .option('--to <time>', 'ISO date or ms since the epoch (exclusive)')
    .action(async (o: { by: string; from?: string; to?: string; json?: boolean }, cmd: Command) => {
      const q = new URLSearchParams({ by: o.by });
      if (o.from) q.set('from', o.from);
      if (o.to) q.set('to', o.to);
      const r = await clientFrom(cmd).request<{ rows: Record<string, string | number | null>[] }>('GET', `/admin/v1/usage/summary?${q}`);
      if (o.json) return out.log(JSON.stringify(r.rows, null, 2));
      if (r.rows.length === 0) return out.log('No requests in that period.');
      out.log([o.by, 'requests', 'errors', 'compute_s', 'bytes_in', 'bytes_out'].join('\t'));
      for (const row of r.rows) {
        out.log([row[o.by] ?? (o.by === 'key' ? '(no key: loopback)' : '-'), row.requests, row.errors,
          Number(row.computeSeconds).toFixed(3), row.bytesIn, row.bytesOut].join('\t'));
      }
    });

  clientOptions(usage.command('export'))
    .description('Download usage records as CSV or JSON Lines')
    .requiredOption('-o, --output <file>', 'where to write')
    .addOption(new Option('--format <f>', 'file format').choices(['csv', 'jsonl']).default('csv'))
    .option('--from <time>', 'ISO date or ms since the epoch (inclusive)')
    .option('--to <time>', 'ISO date or ms since the epoch (exclusive)')
    .option('--model <name>', 'only this model')
    .option('--key <id>', 'only this API key id')
    .action(async (o: { output: string; format: string; from?: string; to?: string; model?: string; key?: string }, cmd: Command) => {
      const q = new URLSearchParams({ format: o.format });
      for (const k of ['from', 'to', 'model', 'key'] as const) if (o[k]) q.set(k, o[k] as string);
      await download(clientFrom(cmd), `/admin/v1/usage?${q}`, o.output);
      out.log(`Wrote ${o.output}.`);
    });
}
