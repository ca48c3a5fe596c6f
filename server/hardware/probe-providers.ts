import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { withPrivateTmp } from '../base/private-tmp.js';
import { PROBE_CHILD_SOURCE, PROBE_MARKER } from './probe-child.js';
import { buildProbeModel, PROBE_INPUT, PROBE_OUTPUT } from './probe-model.js';
import type { ProviderStatus } from './types.js';

/** What to tell an admin whose machine lacks the optional GPU provider libraries. */
export const GPU_INSTALL_HINT =
  'run the GPU provider install step, "npm run gpu:install", on a networked machine (see the README, GPUs)';

/** The name onnxruntime's profiler gives each provider we can ask for. */
const PROFILE_NAMES: Record<string, string> = {
  cpu: 'CPUExecutionProvider',
  cuda: 'CUDAExecutionProvider',
  tensorrt: 'TensorrtExecutionProvider',
  webgpu: 'WebGpuExecutionProvider',
  dml: 'DmlExecutionProvider',
  coreml: 'CoreMLExecutionProvider',
  qnn: 'QNNExecutionProvider',
  nnapi: 'NnapiExecutionProvider',
  xnnpack: 'XnnpackExecutionProvider',
  openvino: 'OpenVINOExecutionProvider',
  migraphx: 'MIGraphXExecutionProvider',
  rocm: 'ROCMExecutionProvider',
};

/** Provider libraries that onnxruntime-node downloads on install instead of shipping. */
const SEPARATE_LIBRARIES: Record<string, string> = {
  cuda: 'onnxruntime_providers_cuda',
  tensorrt: 'onnxruntime_providers_tensorrt',
};

export type ChildReport = { ok: true; output: number[]; ranOn: string[] } | { ok: false; error: string };

/** How one probe process ended. */
export type ProbeOutcome =
  | { kind: 'reported'; report: ChildReport; stderr: string }
  | { kind: 'died'; exitCode: number | null; signal: string | null; stderr: string }
  | { kind: 'timeout'; timeoutMs: number };

const require = createRequire(import.meta.url);

function ortEntry(): string {
  return require.resolve('onnxruntime-node');
}

/** Where onnxruntime-node keeps its native libraries for this platform. */
export function ortLibraryDir(): string {
  return join(dirname(ortEntry()), '..', 'bin', 'napi-v6', process.platform, process.arch);
}

function libraryFile(base: string, platform: NodeJS.Platform = process.platform): string {
  return platform === 'win32' ? `${base}.dll` : `lib${base}.so`;
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function parseReport(stdout: string): ChildReport | null {
  const line = stdout.split(/\r?\n/).find((text) => text.startsWith(PROBE_MARKER));
  if (line === undefined) return null;
  let value: unknown;
  try {
    value = JSON.parse(line.slice(PROBE_MARKER.length));
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const record = value as Record<string, unknown>;
  if (record.ok === true && Array.isArray(record.output) && isStringArray(record.ranOn)) {
    return { ok: true, output: record.output.map(Number), ranOn: record.ranOn };
  }
  if (record.ok === false && typeof record.error === 'string') return { ok: false, error: record.error };
  return null;
}

/** Runs the probe for one provider in its own process, with a temp folder of its own that goes with it. */
export function runProbeChild(name: string, { timeoutMs = 60_000 } = {}): Promise<ProbeOutcome> {
  const model = Buffer.from(buildProbeModel()).toString('base64');
  const args = ['-e', PROBE_CHILD_SOURCE, ortEntry(), name, model, String(PROBE_INPUT)];
  return withPrivateTmp((env) => new Promise((resolve) => {
    execFile(
      process.execPath,
      args,
      // Under Electron, execPath is the Electron binary; this makes it behave as plain Node.
      { timeout: timeoutMs, env: { ...env, ELECTRON_RUN_AS_NODE: '1' }, windowsHide: true, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const report = parseReport(stdout);
        if (report) {
          resolve({ kind: 'reported', report, stderr });
          return;
        }
        const failure = (error ?? {}) as { code?: unknown; signal?: unknown; killed?: unknown };
        if (failure.killed === true) {
          resolve({ kind: 'timeout', timeoutMs });
          return;
        }
        resolve({
          kind: 'died',
          exitCode: typeof failure.code === 'number' ? failure.code : null,
          signal: typeof failure.signal === 'string' ? failure.signal : null,
          stderr,
        });
      },
    );
  }));
}

/** onnxruntime prefixes messages with its source location and the failed check. */
function cleanOrtMessage(message: string): string {
  const firstLine = message.split(/\r?\n/).find((line) => line.trim() !== '') ?? message;
  return firstLine
    .replace(/^\S+\.(?:cc|cpp|h):\d+\s+.*?\bwas false\.\s*/, '')
    .replace(/^\S+\.(?:cc|cpp|h):\d+\s+\S+\s+/, '')
    .trim();
}

function lastLine(text: string): string {
  const lines = text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '');
  return lines.at(-1) ?? '';
}

export interface JudgeContext {
  /** Whether a file exists in onnxruntime-node's native library folder. */
  hasLibrary?: (file: string) => boolean;
  platform?: NodeJS.Platform;
}

function explainError(name: string, error: string, stderr: string, context: Required<JudgeContext>): string {
  const text = `${error}\n${stderr}`;
  const separate = SEPARATE_LIBRARIES[name];
  if (separate && /Failed to load (shared )?library/i.test(text)) {
    const file = libraryFile(separate, context.platform);
    if (!context.hasLibrary(file)) return `${file} not found — ${GPU_INSTALL_HINT}`;
    const detail = /with error:\s*(.+)/.exec(stderr)?.[1]?.trim();
    return `the ${name} provider library did not load: ${detail ?? cleanOrtMessage(error)}`;
  }
  if (/no CUDA-capable device|cudaErrorNoDevice/i.test(text)) {
    return 'no CUDA-capable GPU is visible to onnxruntime (check the NVIDIA driver and CUDA_VISIBLE_DEVICES)';
  }
  if (/WebGPU adapter/i.test(text)) {
    const why = /adapter:\s*(.+)/i.exec(error)?.[1]?.trim() ?? cleanOrtMessage(error);
    // Dawn finds GPUs through Vulkan on Linux; a missing loader is the usual cause on servers.
    const vulkan = /Couldn't load Vulkan:\s*([^\n]+)/.exec(stderr)?.[1]?.trim();
    return `no adapter: ${why}${vulkan ? ` (Vulkan: ${vulkan})` : ''}`;
  }
  if (/backend not found/i.test(error)) return `${name} is not part of this onnxruntime-node build`;
  return cleanOrtMessage(error);
}

/** Turns how a probe process ended into the provider's status, with a reason a person can act on. */
export function judgeProbe(name: string, outcome: ProbeOutcome, context: JudgeContext = {}): ProviderStatus {
  const full: Required<JudgeContext> = {
    hasLibrary: context.hasLibrary ?? ((file) => existsSync(join(ortLibraryDir(), file))),
    platform: context.platform ?? process.platform,
  };
  if (outcome.kind === 'timeout') {
    return { name, available: false, reason: `the probe did not finish within ${outcome.timeoutMs / 1000} s` };
  }
  if (outcome.kind === 'died') {
    const how = outcome.signal ? `signal ${outcome.signal}` : `exit ${outcome.exitCode ?? 'unknown'}`;
    const said = lastLine(outcome.stderr);
    return { name, available: false, reason: `the probe process died (${how})${said ? `: ${said}` : ''}` };
  }
  const { report } = outcome;
  if (!report.ok) return { name, available: false, reason: explainError(name, report.error, outcome.stderr, full) };
  const expected = PROFILE_NAMES[name];
  const ranThere = expected
    ? report.ranOn.includes(expected)
    : report.ranOn.some((provider) => provider !== PROFILE_NAMES.cpu);
  if (!ranThere) {
    const where = report.ranOn.length > 0 ? report.ranOn.join(', ') : 'no provider the profiler named';
    return { name, available: false, reason: `onnxruntime accepted ${name} but ran the test model on ${where}` };
  }
  if (report.output[0] !== PROBE_OUTPUT || report.output.length !== 1) {
    return {
      name,
      available: false,
      reason: `wrong result: ${PROBE_INPUT} + ${PROBE_INPUT} gave ${report.output.join(', ')}`,
    };
  }
  return { name, available: true };
}

export async function probeProvider(name: string, { timeoutMs = 60_000 } = {}): Promise<ProviderStatus> {
  return judgeProbe(name, await runProbeChild(name, { timeoutMs }));
}

/** The providers this onnxruntime-node build knows, in its order (cpu first). */
export async function listProviders(): Promise<string[]> {
  const ort = await import('onnxruntime-node');
  return ort.listSupportedBackends().map((backend) => backend.name);
}

/** Probes every provider onnxruntime-node lists, each in its own process, all at once. */
export async function probeProviders({ timeoutMs = 60_000 } = {}): Promise<ProviderStatus[]> {
  const names = await listProviders();
  return Promise.all(names.map((name) => probeProvider(name, { timeoutMs })));
}
