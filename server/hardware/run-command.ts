import { execFile } from 'node:child_process';

/** The outcome of one external command; failures are values, never throws. */
export type CommandResult =
  | { kind: 'ok'; stdout: string; stderr: string }
  /** The program is not installed (ENOENT). */
  | { kind: 'missing' }
  | { kind: 'failed'; exitCode: number | null; signal: string | null; timedOut: boolean; stdout: string; stderr: string };

export interface RunOptions {
  timeoutMs?: number;
}

export type CommandRunner = (file: string, args: readonly string[], options?: RunOptions) => Promise<CommandResult>;

interface ExecFailure {
  code?: unknown;
  signal?: unknown;
  killed?: unknown;
}

/** Runs a program without a shell, asynchronously, killed after `timeoutMs`. */
export const execFileRunner: CommandRunner = (file, args, { timeoutMs = 10_000 } = {}) =>
  new Promise((resolve) => {
    execFile(
      file,
      [...args],
      { timeout: timeoutMs, windowsHide: true, maxBuffer: 8 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (!error) {
          resolve({ kind: 'ok', stdout, stderr });
          return;
        }
        const failure = error as ExecFailure;
        if (failure.code === 'ENOENT') {
          resolve({ kind: 'missing' });
          return;
        }
        resolve({
          kind: 'failed',
          exitCode: typeof failure.code === 'number' ? failure.code : null,
          signal: typeof failure.signal === 'string' ? failure.signal : null,
          timedOut: failure.killed === true && failure.signal === 'SIGTERM',
          stdout,
          stderr,
        });
      },
    );
  });

/** One line for a failed command, e.g. "nvidia-smi: NVIDIA-SMI has failed … (exit 9)". */
export function describeFailure(
  file: string,
  result: Extract<CommandResult, { kind: 'failed' }>,
  timeoutMs: number,
): string {
  if (result.timedOut) return `${file}: no answer within ${timeoutMs / 1000} s (killed)`;
  // nvidia-smi prints its errors on stdout; most other tools use stderr.
  const text = firstLines(result.stderr) || firstLines(result.stdout) || 'no output';
  const status = result.exitCode !== null ? `exit ${result.exitCode}` : `signal ${result.signal ?? 'unknown'}`;
  return `${file}: ${text} (${status})`;
}

function firstLines(text: string, max = 3): string {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .slice(0, max)
    .join(' ');
}

/**
 * A runner that remembers programs found missing and answers "missing" for them without trying
 * again until `recheckMs` has passed. Each try forks the server process, which takes milliseconds
 * of the HTTP thread on every poll (measured: 1–1.4% of its time serving one connection, and the
 * one-connection p99), for a GPU tool that a machine without it does not gain mid-run.
 */
export function rememberMissing(run: CommandRunner, { recheckMs = 300_000, now = Date.now }: { recheckMs?: number; now?: () => number } = {}): CommandRunner {
  const missingSince = new Map<string, number>();
  return async (file, args, options) => {
    const since = missingSince.get(file);
    if (since !== undefined && now() - since < recheckMs) return { kind: 'missing' };
    const result = await run(file, args, options);
    if (result.kind === 'missing') missingSince.set(file, now());
    else missingSince.delete(file);
    return result;
  };
}
