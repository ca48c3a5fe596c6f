import type { GpuInfo } from '../api/types.js';
import { formatBytes } from '../lib/format.js';
import { Card } from './Card.js';
import { Meter } from './Meter.js';

/** used / total, or null when either is unknown. */
export const ratio = (used: number | null, total: number | null): number | null =>
  used === null || total === null || total <= 0 ? null : used / total;

/** One GPU's live readings; a reading the tools could not take shows as unknown, never as 0. */
export function GpuCard({ gpu }: { gpu: GpuInfo }) {
  const title = `${gpu.index !== null ? `GPU ${gpu.index}: ` : ''}${gpu.name}`;
  const temp = gpu.temperatureCelsius;
  const who = gpu.index !== null ? `GPU ${gpu.index}` : gpu.name;
  return (
    <Card title={title} className="gpu-card">
      <Meter
        label="Memory"
        name={`${who} memory`}
        value={ratio(gpu.memoryUsedBytes, gpu.memoryTotalBytes)}
        text={gpu.memoryTotalBytes === null ? 'unknown' : `${formatBytes(gpu.memoryUsedBytes)} of ${formatBytes(gpu.memoryTotalBytes)}`}
      />
      <Meter
        label="Utilization"
        name={`${who} utilization`}
        levels={false}
        value={gpu.utilizationPercent === null ? null : gpu.utilizationPercent / 100}
        text={gpu.utilizationPercent === null ? 'unknown' : `${Math.round(gpu.utilizationPercent)} %`}
      />
      <dl className="facts facts-compact">
        <div><dt>Temperature</dt><dd className={temp !== null && temp >= 85 ? 'text-bad' : undefined}>{temp === null ? '—' : `${Math.round(temp)} °C`}</dd></div>
        <div><dt>Power</dt><dd>{gpu.powerWatts === null ? '—' : `${Math.round(gpu.powerWatts)} W${gpu.powerLimitWatts ? ` of ${Math.round(gpu.powerLimitWatts)} W` : ''}`}</dd></div>
        <div><dt>Vendor</dt><dd>{gpu.vendor}</dd></div>
        <div><dt>Driver</dt><dd>{gpu.driverVersion ?? '—'}{gpu.cudaVersion ? ` (CUDA ${gpu.cudaVersion})` : ''}</dd></div>
        {gpu.busId ? <div><dt>PCI bus</dt><dd><code>{gpu.busId}</code></dd></div> : null}
      </dl>
    </Card>
  );
}

