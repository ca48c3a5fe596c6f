import { useEffect, useState } from 'react';
import type { HearthDesktopApi, ServerStatus } from '../../main/api.js';
import { formatRelative } from '../lib/format.js';

const STATE_TEXT: Record<ServerStatus['state'], string> = {
  starting: 'Server starting…',
  running: 'Server running',
  restarting: 'Server restarting…',
  stopped: 'Server stopped',
};

/** The desktop app's view of its server process, and the desktop-only actions. */
export function DesktopStatus({ desktop }: { desktop: HearthDesktopApi }) {
  const [status, setStatus] = useState<ServerStatus | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => desktop.onServerStatus(setStatus), [desktop]);

  const restart = () => {
    setBusy(true);
    // The status line shows how the restart goes; the promise only ends the busy state.
    void desktop.restartServer().finally(() => setBusy(false));
  };

  return (
    <div className="desktop-status">
      {status ? (
        <p role="status" className={`server-state server-state-${status.state}`}>
          {STATE_TEXT[status.state]}
          {status.state === 'restarting' && status.nextStartAt ? ` (${formatRelative(status.nextStartAt)})` : ''}
          {status.restarts > 0 ? <span className="hint"> · restarted {status.restarts}×</span> : null}
        </p>
      ) : null}
      <button type="button" className="btn btn-quiet" onClick={() => void desktop.openDataFolder()}>Open data folder</button>
      <button type="button" className="btn btn-quiet" onClick={restart} disabled={busy}>{busy ? 'Restarting…' : 'Restart server'}</button>
    </div>
  );
}
