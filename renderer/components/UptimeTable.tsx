import type { UptimeReportBody, WindowName, WindowReport } from '../api/types.js';
import { formatDuration, formatPercent } from '../lib/format.js';
import { MIN_OBSERVED_SECONDS, UPTIME_STATUS_TEXT, uptimeStatus, type UptimeStatus } from '../lib/uptime.js';
import { Badge, type Tone } from './Badge.js';

const WINDOWS: readonly WindowName[] = ['24h', '7d', '30d'];
const WINDOW_LABELS: Record<WindowName, string> = { '24h': '24 hours', '7d': '7 days', '30d': '30 days' };
const TONES: Record<UptimeStatus, Tone> = { met: 'ok', 'at-risk': 'warn', missed: 'bad', 'no-data': 'muted' };

function Cell({ w, target }: { w: WindowReport; target: number }) {
  const status = uptimeStatus(w, target);
  const detail = w.availability === null
    ? 'Nothing observed in this window yet.'
    : status === 'no-data'
      ? `Up ${formatPercent(w.availability)} of ${formatDuration(w.observedSeconds)} observed; judged against the target from ${formatDuration(MIN_OBSERVED_SECONDS)} on.`
      : `Down ${formatDuration(w.downSeconds)} of ${formatDuration(w.observedSeconds)} observed; ` +
      (w.budgetLeftSeconds >= 0 ? `${formatDuration(w.budgetLeftSeconds)} of error budget left.` : `budget overspent by ${formatDuration(-w.budgetLeftSeconds)}.`);
  return (
    <td>
      <div className="uptime-cell">
        <span className="uptime-value">{status === 'no-data' ? '—' : formatPercent(w.availability)}</span>
        <Badge tone={TONES[status]}>{UPTIME_STATUS_TEXT[status]}</Badge>
      </div>
      <div className="hint">{detail}</div>
    </td>
  );
}

/** Availability of the server and each model's production version against the target. */
export function UptimeTable({ report }: { report: UptimeReportBody }) {
  return (
    <table className="table uptime-table">
      <caption className="visually-hidden">Availability against the target of {formatPercent(report.target)}</caption>
      <thead>
        <tr>
          <th scope="col">What</th>
          {WINDOWS.map((w) => <th scope="col" key={w}>{WINDOW_LABELS[w]}</th>)}
        </tr>
      </thead>
      <tbody>
        <tr>
          <th scope="row">Server</th>
          {WINDOWS.map((w) => <Cell key={w} w={report.server[w]} target={report.target} />)}
        </tr>
        {report.models.map((m) => (
          <tr key={m.name}>
            <th scope="row">
              {m.name} <span className="hint">v{m.version}</span>
              {m.ready ? null : <> <Badge tone="bad">not ready</Badge></>}
            </th>
            {WINDOWS.map((w) => <Cell key={w} w={m[w]} target={report.target} />)}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
