import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InvalidArgumentError, type Command } from 'commander';
import { AdminClient, CliError, resolveToken, resolveUrl, type ClientOptions } from './client.js';

/** Where a command prints (the console for a user, a buffer in tests) and, for the few that read it, its standard input. */
export type Out = { log: (s: string) => void; error: (s: string) => void; input?: () => Promise<string> };

/** All of standard input, as text. */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** What every client command group needs: the shared connection options and a client built from them. */
export interface Helpers {
  clientOptions: (cmd: Command) => Command;
  clientFrom: (cmd: Command) => AdminClient;
}

/** A commander parser for a whole-number option or argument. */
export const int = (name: string) => (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`${name} must be a whole number.`);
  return n;
};

/** A time in ms as ISO text, or "-" for none. */
export const when = (ms: number | null): string => (ms === null ? '-' : new Date(ms).toISOString());

export function clientFrom(cmd: Command): AdminClient {
  const opts = cmd.optsWithGlobals<ClientOptions>();
  return new AdminClient(resolveUrl(opts), resolveToken(opts));
}

export function clientOptions(cmd: Command): Command {
  return cmd
    .option('--url <url>', 'Hearth server URL (default: HEARTH_URL, else http://127.0.0.1:8600)')
    .option('--token <token>', 'admin token (default: HEARTH_ADMIN_TOKEN, else the token file in the data directory)')
    .option('--data-dir <dir>', 'data directory whose admin-token file to read')
    .option('--json', 'print the server\'s JSON answer');
}

/** Streams an admin API answer into a file. */
export async function download(client: AdminClient, pathname: string, file: string): Promise<void> {
  const res = await client.stream(pathname);
  if (!res.body) throw new CliError('The server sent no body.');
  await pipeline(Readable.fromWeb(res.body as Parameters<typeof Readable.fromWeb>[0]), createWriteStream(file));
}
