/**
 * What `hearth serve` tells the program that started it (the desktop app) about this start, as one
 * stdout line `hearth-launch {json}`, only when HEARTH_LAUNCH_REPORT=1 asks for it: where it is
 * bound and its nonce once listening, or why it could not listen. The launcher reads it from its
 * own child's stdout, so only the real server can say it; it then checks that whatever answers at
 * that address proves the same nonce (GET /admin/v1/identity). main/launch-report.ts parses it.
 */
import type { LaunchReport } from './serve.js';

export const LAUNCH_MARKER = 'hearth-launch ';

export type LaunchEvent =
  | ({ event: 'listening' } & LaunchReport)
  | { event: 'error'; code: string; message: string };

export function launchReporter(env: NodeJS.ProcessEnv = process.env, write: (line: string) => void = (l) => process.stdout.write(l)) {
  const enabled = env.HEARTH_LAUNCH_REPORT === '1';
  return (event: LaunchEvent): void => {
    // A leading newline: the line starts clean even after a partial line of someone else's output.
    if (enabled) write(`\n${LAUNCH_MARKER}${JSON.stringify(event)}\n`);
  };
}
