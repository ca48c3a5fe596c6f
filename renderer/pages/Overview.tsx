import { useId, useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { keys, useFollow, useModels, useNetwork, useReady, useSystem, useUptime } from '../api/queries.js';
import { useClient } from '../auth/session.js';
import { serverAddress } from '../lib/address.js';
import { formatDuration, formatPercent, formatRelative, formatTime } from '../lib/format.js';
import { TARGET_CHOICES } from '../lib/uptime.js';
import { Link } from '../components/Link.js';
import { Badge, stateTone } from '../components/Badge.js';
import { Card } from '../components/Card.js';
import { CopyButton } from '../components/CopyButton.js';
import { LatencyPanel } from '../components/LatencyPanel.js';
import { EmptyState, errorText, QueryView } from '../components/StateViews.js';
import { FollowNotice } from '../components/FollowNotice.js';
import { UptimeTable } from '../components/UptimeTable.js';

function ServingCard() {
  const system = useSystem();
  const ready = useReady();
  const network = useNetwork();
  return (
    <Card title="Serving">
      <QueryView query={system} errorTitle="Cannot reach the server">
        {(s) => {
          const address = serverAddress(s.server, network.data, window.location.hostname);
          const serving = ready.data === true;
          return (
            <div className="serving">
              <p className={`serving-state ${serving ? 'serving-on' : 'serving-off'}`} role="status">
                <span className="dot" aria-hidden="true" />
                {ready.isPending ? 'Checking…' : serving ? 'Serving' : 'Not ready: a production version is not loaded'}
              </p>
              <dl className="facts">
                <div><dt>Listening on</dt><dd><code>{address.bind}</code></dd></div>
                <div>
                  <dt>URL for applications</dt>
                  <dd className="url-list">
                    {address.appUrls.map((u) => (
                      <span key={u} className="url-row"><code>{u}</code> <CopyButton text={u} label="Copy URL" /></span>
                    ))}
                  </dd>
                </div>
                <div><dt>Reachable from</dt><dd>{address.loopbackOnly
                  ? <>This computer only. <Link to={{ page: 'network' }}>Turn on LAN access</Link> for other machines.</>
                  : 'Other machines on the network (API key required)'}</dd></div>
                <div><dt>Up since</dt><dd>{formatTime(s.server.startedAt)} ({formatDuration(s.server.uptimeSeconds)})</dd></div>
                <div><dt>Version</dt><dd>Hearth {s.server.version}</dd></div>
              </dl>
            </div>
          );
        }}
      </QueryView>
    </Card>
  );
}

function LoadedCard() {
  const system = useSystem();
  return (
    <Card title="Models loaded">
      <QueryView
        query={system}
        isEmpty={(s) => s.loaded.length === 0}
        empty={<EmptyState title="No model is loaded">Versions load when promoted to production or on their first request.</EmptyState>}
      >
        {(s) => (
          <table className="table">
            <thead><tr><th scope="col">Model</th><th scope="col">Version</th><th scope="col">On</th><th scope="col">State</th><th scope="col">Queued</th><th scope="col">Last used</th></tr></thead>
            <tbody>
              {s.loaded.map((l) => (
                <tr key={`${l.name}/${l.version}`}>
                  <td><Link to={{ page: 'models', model: l.name }}>{l.name}</Link></td>
                  <td>v{l.version}</td>
                  <td>{l.provider}</td>
                  <td><Badge tone={stateTone(l.state)} title={l.reason || undefined}>{l.state}</Badge></td>
                  <td>{l.queued}</td>
                  <td>{l.lastUsed > 0 ? formatRelative(l.lastUsed) : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </QueryView>
    </Card>
  );
}

function TargetForm({ target }: { target: number }) {
  const client = useClient();
  const queryClient = useQueryClient();
  const [value, setValue] = useState(String(target));
  const id = useId();
  const save = useMutation({
    mutationFn: (t: number) => client.send('PUT', '/admin/v1/uptime/target', { target: t }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.uptime }),
  });
  const choices = TARGET_CHOICES.includes(target) ? TARGET_CHOICES : [...TARGET_CHOICES, target].sort();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate(Number(value));
  };
  return (
    <form className="toolbar" onSubmit={submit}>
      <div className="field-inline">
        <label htmlFor={id}>Target</label>
        <select id={id} value={value} onChange={(e) => setValue(e.target.value)}>
          {choices.map((c) => <option key={c} value={String(c)}>{formatPercent(c)}</option>)}
        </select>
      </div>
      <button type="submit" className="btn" disabled={save.isPending || Number(value) === target}>Save target</button>
      {save.isError ? <span className="form-error" role="alert">{errorText(save.error)}</span> : null}
    </form>
  );
}

function UptimeCard() {
  const uptime = useUptime();
  return (
    <Card title="Uptime" actions={uptime.data ? <TargetForm key={uptime.data.target} target={uptime.data.target} /> : undefined}>
      <QueryView query={uptime} errorTitle="Could not load uptime">
        {(report) => (
          <>
            <UptimeTable report={report} />
            <p className="hint">
              {report.since ? `Tracked since ${formatTime(report.since)}. ` : ''}
              A model counts as up while the server is and its production version is ready.
            </p>
          </>
        )}
      </QueryView>
    </Card>
  );
}

/** Shown only on a follower: its leader, and loudly, a hold that stopped mirroring. */
function FollowSection() {
  const follow = useFollow();
  const client = useClient();
  const queryClient = useQueryClient();
  const confirm = useMutation({
    mutationFn: (hold: string) => client.send('POST', '/admin/v1/follow/confirm', { hold }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.follow }),
  });
  if (!follow.data?.following) return null;
  return (
    <>
      <FollowNotice
        status={follow.data}
        onConfirm={(id) => { if (window.confirm(`Let mirroring go ahead (hold ${id})? What the leader removed is removed here too.`)) confirm.mutate(id); }}
      />
      {confirm.error ? <p className="text-warn" role="alert">{errorText(confirm.error)}</p> : null}
    </>
  );
}

export function OverviewPage() {
  const models = useModels();
  return (
    <div className="page">
      <FollowSection />
      <div className="grid-2">
        <ServingCard />
        <LoadedCard />
      </div>
      <UptimeCard />
      <Card title="Latency and throughput">
        <QueryView query={models} errorTitle="Could not load the models">
          {(list) => <LatencyPanel models={list.map((m) => m.name)} />}
        </QueryView>
      </Card>
    </div>
  );
}
