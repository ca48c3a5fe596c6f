// Replays recorded output of real GPU tools (test/fixtures/hardware) through the monitor's
// injectable command runner.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CommandResult, CommandRunner } from '../../../server/hardware/run-command.js';
import type { GraphicsResult } from '../../../server/hardware/system-info.js';
import { NVIDIA_QUERY_ARGS } from '../../../server/hardware/nvidia-smi.js';
import { ROCM_ARGS } from '../../../server/hardware/rocm-smi.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/hardware/', import.meta.url));

export function fixture(path: string): string {
  return readFileSync(FIXTURES + path, 'utf8');
}

export const QUERY = ['nvidia-smi', ...NVIDIA_QUERY_ARGS].join(' ');
export const HEADER = 'nvidia-smi';
export const DETAIL = 'nvidia-smi -q';
export const ROCM = ['rocm-smi', ...ROCM_ARGS].join(' ');

/** A recorded run: the fixture file on stdout and the exit code the tool returned. */
export interface Recording {
  stdout?: string;
  file?: string;
  exitCode?: number;
}

/** Commands not in `recordings` are not installed (ENOENT). `calls` lists every command run. */
export function recordedRunner(recordings: Record<string, Recording>) {
  const calls: string[] = [];
  const run: CommandRunner = async (file, args) => {
    const command = [file, ...args].join(' ');
    calls.push(command);
    const recording = recordings[command];
    if (!recording) return { kind: 'missing' };
    const stdout = recording.stdout ?? (recording.file ? fixture(recording.file) : '');
    const exitCode = recording.exitCode ?? 0;
    const result: CommandResult =
      exitCode === 0
        ? { kind: 'ok', stdout, stderr: '' }
        : { kind: 'failed', exitCode, signal: null, timedOut: false, stdout, stderr: '' };
    return result;
  };
  return { run, calls };
}

/** nvidia-smi recordings for one machine in test/fixtures/hardware/nvidia-smi. */
export function nvidiaMachine(name: string): Record<string, Recording> {
  return {
    [QUERY]: { file: `nvidia-smi/${name}.query.csv` },
    [HEADER]: { file: `nvidia-smi/${name}.header.txt` },
  };
}

export function graphicsFixture(name: string): () => Promise<GraphicsResult> {
  const parsed = JSON.parse(fixture(`systeminformation/graphics.${name}.json`)) as {
    controllers: Extract<GraphicsResult, { controllers: unknown }>['controllers'];
  };
  return async () => ({ controllers: parsed.controllers });
}
