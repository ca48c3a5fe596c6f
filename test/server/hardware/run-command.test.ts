import { describe, expect, it } from 'vitest';
import { describeFailure, execFileRunner, rememberMissing, type CommandRunner } from '../../../server/hardware/run-command.js';

// Real child processes: node itself stands in for a GPU tool.
describe('execFileRunner', () => {
  it('returns stdout of a command that succeeds', async () => {
    expect(await execFileRunner(process.execPath, ['-e', 'console.log("0, GPU-1")'])).toEqual({
      kind: 'ok',
      stdout: '0, GPU-1\n',
      stderr: '',
    });
  });

  it('says "missing" for a program that is not installed', async () => {
    expect(await execFileRunner('hearth-no-such-tool', ['--version'])).toEqual({ kind: 'missing' });
  });

  it('returns a non-zero exit with its output instead of throwing', async () => {
    const result = await execFileRunner(process.execPath, ['-e', 'console.log("NVIDIA-SMI has failed"); process.exit(9)']);
    expect(result).toEqual({ kind: 'failed', exitCode: 9, signal: null, timedOut: false, stdout: 'NVIDIA-SMI has failed\n', stderr: '' });
    if (result.kind !== 'failed') throw new Error('expected a failure');
    expect(describeFailure('nvidia-smi', result, 10_000)).toBe('nvidia-smi: NVIDIA-SMI has failed (exit 9)');
  });

  it('kills a command that hangs and says so', async () => {
    const result = await execFileRunner(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { timeoutMs: 300 });
    expect(result).toMatchObject({ kind: 'failed', timedOut: true, signal: 'SIGTERM' });
    if (result.kind !== 'failed') throw new Error('expected a failure');
    expect(describeFailure('nvidia-smi', result, 300)).toBe('nvidia-smi: no answer within 0.3 s (killed)');
  });
});

describe('rememberMissing', () => {
  it('does not try a missing program again until the recheck time has passed, and forgets once it is found', async () => {
    let t = 0;
    const calls: string[] = [];
    let installed = false;
    const run: CommandRunner = async (file) => {
      calls.push(file);
      return installed ? { kind: 'ok', stdout: 'found', stderr: '' } : { kind: 'missing' };
    };
    const poll = rememberMissing(run, { recheckMs: 1000, now: () => t });
    expect(await poll('nvidia-smi', [])).toEqual({ kind: 'missing' });
    t = 999;
    expect(await poll('nvidia-smi', [])).toEqual({ kind: 'missing' });
    expect(await poll('rocm-smi', [])).toEqual({ kind: 'missing' });
    expect(calls).toEqual(['nvidia-smi', 'rocm-smi']);
    installed = true;
    t = 1000;
    expect(await poll('nvidia-smi', [])).toMatchObject({ kind: 'ok' });
    t = 1001;
    expect(await poll('nvidia-smi', [])).toMatchObject({ kind: 'ok' });
    expect(calls).toEqual(['nvidia-smi', 'rocm-smi', 'nvidia-smi', 'nvidia-smi']);
  });
});
