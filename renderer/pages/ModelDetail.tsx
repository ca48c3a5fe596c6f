import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { attachAsset } from '../api/processing.js';
import { keys, useModel, useRunPlaces } from '../api/queries.js';
import type { ModelDetail, ModelVersion } from '../api/types.js';
import { useClient } from '../auth/session.js';
import { Card } from '../components/Card.js';
import { useConfirm } from '../components/ConfirmDialog.js';
import { LatencyPanel } from '../components/LatencyPanel.js';
import { TryIt } from '../components/TryIt.js';
import { EmptyState, errorText, QueryView } from '../components/StateViews.js';
import { UploadForm } from '../components/UploadForm.js';
import { VersionItem, type VersionActions } from '../components/VersionItem.js';
import { VersionLatencyTable } from '../components/VersionLatencyTable.js';
import { describeChange, rollbackTarget } from '../lib/aliases.js';
import { formatTime } from '../lib/format.js';
import { inputKind } from '../lib/processing.js';
import { Link } from '../components/Link.js';

function Detail({ m }: { m: ModelDetail }) {
  const client = useClient();
  const queryClient = useQueryClient();
  const { ask, dialog } = useConfirm();
  const [notice, setNotice] = useState<string | null>(null);
  const base = `/admin/v1/models/${encodeURIComponent(m.name)}`;

  const refresh = async () => {
    await Promise.all([
      queryClient.invalidateQueries({ queryKey: keys.models }),
      queryClient.invalidateQueries({ queryKey: keys.system }),
      queryClient.invalidateQueries({ queryKey: keys.uptime }),
    ]);
  };
  // Quick actions run without a dialog; their errors show in the notice line.
  const quick = useMutation({
    mutationFn: async ({ run }: { run: () => Promise<unknown>; done: string }) => run(),
    onSuccess: async (_r, { done }) => { setNotice(done); await refresh(); },
    onError: () => setNotice(null),
  });
  const confirmed = (done: string, run: () => Promise<unknown>) => async () => {
    await run();
    setNotice(done);
    await refresh();
  };

  const production = m.aliases.production;
  const target = rollbackTarget(m.aliasHistory, m.versions.map((v) => v.version));
  const actions: VersionActions = {
    promote: (v) => ask({
      title: `Promote version ${v.version} to production?`,
      body: <p>Version {v.version} is loaded and warmed first, then applications that call <strong>{m.name}</strong> without a version get it
        {production ? <> instead of version {production}</> : null}. You can roll back afterwards.</p>,
      confirmLabel: `Promote version ${v.version}`,
      run: confirmed(`Version ${v.version} is now in production.`, () => client.send('PUT', `${base}/aliases/production`, { version: v.version })),
    }),
    setCanary: (v) => quick.mutate({ run: () => client.send('PUT', `${base}/aliases/canary`, { version: v.version }), done: `Version ${v.version} is now the canary.` }),
    clearCanary: () => quick.mutate({ run: () => client.send('DELETE', `${base}/aliases/canary`), done: 'The canary alias is removed.' }),
    load: (v) => quick.mutate({ run: () => client.send('POST', `${base}/versions/${v.version}/load`), done: `Version ${v.version} is loaded.` }),
    unload: (v) => quick.mutate({ run: () => client.send('POST', `${base}/versions/${v.version}/unload`), done: `Version ${v.version} is unloaded.` }),
    remove: (v) => ask({
      title: `Delete version ${v.version}?`,
      body: <p>The file of version {v.version} of <strong>{m.name}</strong> is removed from this machine. Its number is never reused. This cannot be undone.</p>,
      confirmLabel: `Delete version ${v.version}`,
      danger: true,
      run: confirmed(`Version ${v.version} is deleted.`, () => client.send('DELETE', `${base}/versions/${v.version}`)),
    }),
    attachAsset: (v, key, file) => quick.mutate({
      run: () => attachAsset(client, m.name, v.version, key, file), done: `“${key}” is attached to version ${v.version}.`,
    }),
  };

  const rollback = () => ask({
    title: 'Roll back production?',
    body: <p>Production moves from version {production} back to version {target}. Applications get version {target} from their next request.</p>,
    confirmLabel: `Roll back to version ${target}`,
    danger: true,
    run: confirmed(`Rolled back: version ${target} is in production again.`, () => client.send('POST', `${base}/rollback`)),
  });

  const versions = [...m.versions].sort((a, b) => b.version - a.version);
  const runPlaces = useRunPlaces(m.name, versions.filter((v) => v.state === 'READY').map((v) => v.version));
  const aliasEntries = Object.entries(m.aliases);
  return (
    <>
      {dialog}
      <Card
        title="Aliases"
        actions={target !== undefined && production !== undefined
          ? <button type="button" className="btn btn-danger" onClick={rollback}>Roll back to version {target}</button>
          : undefined}
      >
        {aliasEntries.length === 0
          ? <p>No alias yet: requests without a version get the newest version. Promote one to production to fix what is served.</p>
          : (
            <ul className="alias-list">
              {aliasEntries.map(([a, v]) => <li key={a}><strong>{a}</strong> → version {v}</li>)}
            </ul>
          )}
        <p role="status" className={quick.isError ? 'form-error' : 'form-ok'}>
          {quick.isError ? errorText(quick.error) : notice ?? ''}
        </p>
      </Card>

      <Card title={`Versions (${versions.length})`}>
        {versions.length === 0 ? <EmptyState title={`${m.name} has no versions`}>Upload one below.</EmptyState> : (
          <ul className="version-list">
            {versions.map((v: ModelVersion) => <VersionItem key={v.version} v={v} actions={actions} busy={quick.isPending} runPlace={runPlaces.get(v.version)} />)}
          </ul>
        )}
      </Card>

      {versions.some((v) => inputKind(v.processing) !== null) ? (
        <Card title="Try it">
          <TryIt model={m.name} versions={versions} preferred={production} />
        </Card>
      ) : null}

      <div className="grid-2">
        <Card title="Upload a new version">
          <UploadForm model={m.name} onUploaded={(v) => setNotice(v.existing ? null : `Version ${v.version} is registered. Promote it when it is ready.`)} />
        </Card>
        <Card title="Latency per version, last 24 hours">
          <VersionLatencyTable model={m.name} versions={versions.slice(0, 8).map((v) => v.version)} />
        </Card>
      </div>

      <Card title="Latency over time">
        <LatencyPanel models={[m.name]} model={m.name} versions={versions.map((v) => v.version)} />
      </Card>

      <Card title="Alias history">
        {m.aliasHistory.length === 0 ? <p className="hint">No alias has been set yet.</p> : (
          <table className="table">
            <thead><tr><th scope="col">When</th><th scope="col">Change</th></tr></thead>
            <tbody>
              {[...m.aliasHistory].reverse().slice(0, 15).map((c, i) => (
                <tr key={`${c.changedAt}-${i}`}><td>{formatTime(c.changedAt)}</td><td>{describeChange(c)}</td></tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </>
  );
}

export function ModelDetailView({ name }: { name: string }) {
  const model = useModel(name);
  return (
    <div className="page">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to={{ page: 'models' }}>All models</Link>
        <span aria-hidden="true"> / </span>
        <span aria-current="page">{name}</span>
      </nav>
      <QueryView query={model} errorTitle={`Could not load ${name}`}>
        {(m) => <Detail m={m} />}
      </QueryView>
    </div>
  );
}
