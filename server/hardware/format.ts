import type { GpuInfo, SystemSnapshot } from './types.js';
import { formatBytes } from './units.js';

const UNKNOWN = '—';

function duration(seconds: number): string {
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  return days > 0 ? `${days}d ${hours}h ${minutes}m` : hours > 0 ? `${hours}h ${minutes}m` : `${minutes}m`;
}

function reading(value: number | null, unit: string, digits = 0): string {
  return value === null ? UNKNOWN : `${value.toFixed(digits)}${unit}`;
}

function memory(gpu: GpuInfo): string {
  const used = gpu.memoryUsedBytes === null ? UNKNOWN : formatBytes(gpu.memoryUsedBytes);
  const total = gpu.memoryTotalBytes === null ? UNKNOWN : formatBytes(gpu.memoryTotalBytes);
  return `${used} / ${total}`;
}

function power(gpu: GpuInfo): string {
  if (gpu.powerWatts === null && gpu.powerLimitWatts === null) return UNKNOWN;
  return `${reading(gpu.powerWatts, ' W')} / ${reading(gpu.powerLimitWatts, ' W')}`;
}

function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
  return rows.map((row) => `  ${row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ')}`.trimEnd());
}

/** The `hearth system` report: host, CPU, memory, GPUs, execution providers. */
export function formatSystem(snapshot: SystemSnapshot): string {
  const { cpu } = snapshot;
  const speed = cpu.speedGHz === null ? '' : ` @ ${cpu.speedGHz.toFixed(2)} GHz`;
  const lines = [
    `Host      ${snapshot.hostname} (${snapshot.platform} ${snapshot.arch}), up ${duration(snapshot.uptimeSeconds)}`,
    `CPU       ${`${cpu.manufacturer} ${cpu.brand}`.trim()}: ${cpu.physicalCores} cores, ${cpu.cores} threads${speed}`,
    `Memory    ${formatBytes(snapshot.memory.availableBytes)} available of ${formatBytes(snapshot.memory.totalBytes)}`,
    '',
  ];
  if (snapshot.gpus.length === 0) {
    lines.push('GPUs      none found');
  } else {
    lines.push('GPUs');
    const header = ['#', 'Name', 'Memory used / total', 'Util', 'Temp', 'Power / limit', 'Driver', 'CUDA', 'Bus', 'UUID'];
    const rows = snapshot.gpus.map((gpu) => [
      gpu.index === null ? UNKNOWN : String(gpu.index),
      gpu.vendor !== 'unknown' && !gpu.name.toLowerCase().includes(gpu.vendor.toLowerCase()) ? `${gpu.vendor} ${gpu.name}` : gpu.name,
      memory(gpu),
      reading(gpu.utilizationPercent, '%'),
      reading(gpu.temperatureCelsius, ' °C'),
      power(gpu),
      gpu.driverVersion ?? UNKNOWN,
      gpu.cudaVersion ?? UNKNOWN,
      gpu.busId ?? UNKNOWN,
      gpu.uuid ?? UNKNOWN,
    ]);
    lines.push(...table([header, ...rows]));
  }
  for (const error of snapshot.gpuErrors) lines.push(`  error: ${error}`);
  lines.push('', 'Execution providers');
  if (snapshot.providers.length === 0) lines.push('  not probed yet');
  lines.push(
    ...table(
      snapshot.providers.map((provider) => [
        provider.name,
        provider.available ? 'available' : 'unavailable',
        provider.reason ?? '',
      ]),
    ),
  );
  lines.push('', `Sampled   ${snapshot.sampledAt}`);
  return `${lines.join('\n')}\n`;
}
