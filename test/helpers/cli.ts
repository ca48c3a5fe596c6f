import { main } from '../../server/cli.js';

/** Runs the hearth command in-process, as a user would type it, and captures what it prints; `input` is its standard input. */
export async function cli(args: string[], input?: string): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const stdin = input === undefined ? undefined : () => Promise.resolve(input);
  const code = await main(['node', 'hearth', ...args], { log: (s) => out.push(s), error: (s) => err.push(s), input: stdin });
  return { code, out: out.join('\n'), err: err.join('\n') };
}
