import { main } from '../../server/cli.js';

/** Runs the hearth command in-process, as a user would type it, and captures what it prints. */
export async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['node', 'hearth', ...args], { log: (s) => out.push(s), error: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}
