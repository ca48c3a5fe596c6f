import type { SystemInfo } from '../api/types.js';
import { useSystem } from '../api/queries.js';
import { Badge } from '../components/Badge.js';
import { Card } from '../components/Card.js';
import { GpuCard, ratio } from '../components/GpuCard.js';
import { Meter } from '../components/Meter.js';
import { EmptyState, QueryView } from '../components/StateViews.js';
import { formatBytes, formatDuration, formatTime } from '../lib/format.js';

function GpuSection({ s }: { s: SystemInfo }) {
  const hw = s.hardware;
  if (!hw) return <EmptyState title="Hardware details are not available yet">The server is still taking its first reading.</EmptyState>;
  return (
    <>
      {hw.gpus.length === 0 ? (
        <EmptyState title="No GPU found">
          Models run on the CPUs. A GPU shows here once its driver is installed and <code>nvidia-smi</code> or
          <code> rocm-smi</code> can see it.
        </EmptyState>
      ) : (
        <div className="grid-2">{hw.gpus.map((g, i) => <GpuCard key={g.uuid ?? g.busId ?? i} gpu={g} />)}</div>
      )}
      {hw.gpuErrors.length > 0 ? (
        <div className="state state-error" role="alert">
          <p className="state-title">A GPU tool failed</p>
          <ul>{hw.gpuErrors.map((e) => <li key={e}><code>{e}</code></li>)}</ul>
        </div>
      ) : null}
    </>
  );
}

function HostCard({ s }: { s: SystemInfo }) {
  const hw = s.hardware;
  if (!hw) return null;
  const { cpu, memory } = hw;
  return (
    <Card title="CPUs and memory">
      <dl className="facts">
        <div><dt>Processor</dt><dd>{cpu.manufacturer} {cpu.brand}</dd></div>
        <div><dt>Cores</dt><dd>{cpu.physicalCores} physical, {cpu.cores} logical{cpu.speedGHz ? ` at ${cpu.speedGHz} GHz` : ''}</dd></div>
        <div><dt>Machine</dt><dd>{hw.hostname} ({hw.platform}, {hw.arch}), up {formatDuration(hw.uptimeSeconds)}</dd></div>
        <div><dt>Inference workers</dt><dd>{s.server.workers}</dd></div>
      </dl>
      <Meter
        label="Memory in use"
        value={ratio(memory.totalBytes - memory.availableBytes, memory.totalBytes)}
        text={`${formatBytes(memory.totalBytes - memory.availableBytes)} of ${formatBytes(memory.totalBytes)}`}
      />
    </Card>
  );
}

function ProvidersCard({ s }: { s: SystemInfo }) {
  return (
    <Card title="Execution providers">
      {s.providers.length === 0 ? (
        <EmptyState title="Still checking">The server is probing which execution providers work; this takes a few seconds after start.</EmptyState>
      ) : (
        <table className="table">
          <thead><tr><th scope="col">Provider</th><th scope="col">Works</th><th scope="col">Why not</th></tr></thead>
          <tbody>
            {s.providers.map((p) => (
              <tr key={p.name}>
                <td><code>{p.name}</code></td>
                <td>{p.available ? <Badge tone="ok">yes</Badge> : <Badge tone="muted">no</Badge>}</td>
                <td className="reason">{p.available ? '' : p.reason ?? 'Not available on this machine.'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}

function DevicesCard({ s }: { s: SystemInfo }) {
  const devices = Object.entries(s.devices);
  if (devices.length === 0) return null;
  return (
    <Card title="Model memory per device">
      {devices.map(([name, d]) => (
        <Meter
          key={name}
          label={`${name}: ${d.count} version${d.count === 1 ? '' : 's'} loaded`}
          value={d.budget && d.budget.bytes > 0 ? d.bytes / d.budget.bytes : null}
          text={d.budget ? `${formatBytes(d.bytes)} of ${formatBytes(d.budget.bytes)} budget` : formatBytes(d.bytes)}
        />
      ))}
      <p className="hint">Estimated as twice each model file's size; versions beyond the budget wait or unload the least recently used.</p>
    </Card>
  );
}

export function HardwarePage() {
  const system = useSystem(5_000);
  return (
    <div className="page">
      <QueryView query={system} errorTitle="Could not read the hardware">
        {(s) => (
          <>
            <p className="hint live-note">
              Live: refreshed every 5 seconds{s.hardware ? `, last reading ${formatTime(Date.parse(s.hardware.sampledAt))}` : ''}.
            </p>
            <Card title="GPUs"><GpuSection s={s} /></Card>
            <div className="grid-2">
              <HostCard s={s} />
              <DevicesCard s={s} />
            </div>
            <ProvidersCard s={s} />
          </>
        )}
      </QueryView>
    </div>
  );
}
