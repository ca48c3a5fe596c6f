import { normaliseBusId } from './bus-id.js';
import type { GpuReading } from './nvidia-smi.js';
import { parseReading, parseText } from './readings.js';
import { describeFailure, type CommandRunner } from './run-command.js';
import type { GpuInfo } from './types.js';

/**
 * The query plus bus, unique id, power and driver version: the bus id is what lets an
 * AMD GPU be matched with systeminformation's entry for it instead of being listed twice.
 */
export const ROCM_ARGS = [
  '--showproductname',
  '--showmeminfo',
  'vram',
  '--showuse',
  '--showtemp',
  '--showbus',
  '--showuniqueid',
  '--showpower',
  '--showdriverversion',
  '--json',
] as const;

type Card = Record<string, unknown>;

/** rocm-smi's key spelling changed between releases ("Card series" → "Card Series"). */
function field(card: Card, ...names: string[]): string | undefined {
  const wanted = names.map((name) => name.toLowerCase());
  for (const [key, value] of Object.entries(card)) {
    if (wanted.includes(key.toLowerCase()) && typeof value === 'string') return value;
  }
  return undefined;
}

function isCard(value: unknown): value is Card {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** "Aldebaran/MI200 [Instinct MI210]" → "AMD Instinct MI210"; marketing names pass through. */
function productName(series: string | null, model: string | null): string {
  const text = series ?? model ?? 'AMD GPU';
  const bracketed = /\[([^\]]+)\]\s*$/.exec(text)?.[1] ?? text;
  return /^amd\b/i.test(bracketed) ? bracketed : `AMD ${bracketed}`;
}

/** Parses `rocm-smi … --json` (ROCM_ARGS). Throws when there is no JSON document in it. */
export function parseRocmSmi(output: string): GpuInfo[] {
  // Some releases print a warning line before the JSON document.
  const json = output.slice(output.indexOf('{'), output.lastIndexOf('}') + 1);
  const parsed: unknown = JSON.parse(json);
  if (!isCard(parsed)) return [];
  const system = isCard(parsed.system) ? parsed.system : {};
  const driverVersion = parseText(field(system, 'Driver version'));
  const gpus: GpuInfo[] = [];
  for (const [key, card] of Object.entries(parsed)) {
    const index = /^card(\d+)$/.exec(key)?.[1];
    if (index === undefined || !isCard(card)) continue;
    const total = parseReading(field(card, 'VRAM Total Memory (B)'));
    const used = parseReading(field(card, 'VRAM Total Used Memory (B)'));
    gpus.push({
      index: Number(index),
      vendor: 'AMD',
      name: productName(parseText(field(card, 'Card Series')), parseText(field(card, 'Card Model'))),
      uuid: parseText(field(card, 'Unique ID')),
      busId: normaliseBusId(field(card, 'PCI Bus')),
      driverVersion,
      cudaVersion: null,
      memoryTotalBytes: total,
      memoryUsedBytes: used,
      memoryFreeBytes: total !== null && used !== null ? total - used : null,
      utilizationPercent: parseReading(field(card, 'GPU use (%)')),
      // Instinct MI300 parts report only the junction sensor.
      temperatureCelsius:
        parseReading(field(card, 'Temperature (Sensor edge) (C)')) ??
        parseReading(field(card, 'Temperature (Sensor junction) (C)')),
      powerWatts:
        parseReading(field(card, 'Average Graphics Package Power (W)')) ??
        parseReading(field(card, 'Current Socket Graphics Package Power (W)')),
      powerLimitWatts: parseReading(field(card, 'Max Graphics Package Power (W)')),
      sources: ['rocm-smi'],
    });
  }
  return gpus.sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
}

export function createRocmReader(run: CommandRunner, { timeoutMs = 10_000 } = {}) {
  return async function readRocm(): Promise<GpuReading> {
    const result = await run('rocm-smi', ROCM_ARGS, { timeoutMs });
    if (result.kind === 'missing') return { gpus: [], error: null };
    if (result.kind === 'failed') return { gpus: [], error: describeFailure('rocm-smi', result, timeoutMs) };
    try {
      return { gpus: parseRocmSmi(result.stdout), error: null };
    } catch {
      return { gpus: [], error: `rocm-smi: output is not JSON: ${result.stdout.trim().slice(0, 200)}` };
    }
  };
}
