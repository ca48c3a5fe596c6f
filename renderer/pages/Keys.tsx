import { useId, useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { keys as queryKeys, useApiKeys, useModels } from '../api/queries.js';
import { SCOPES, type ApiKeyRecord, type CreatedKey, type Scope } from '../api/types.js';
import { useClient } from '../auth/session.js';
import { Badge, type Tone } from '../components/Badge.js';
import { Card } from '../components/Card.js';
import { useConfirm } from '../components/ConfirmDialog.js';
import { CopyButton } from '../components/CopyButton.js';
import { EmptyState, errorText, QueryView } from '../components/StateViews.js';
import { formatRelative, formatTime } from '../lib/format.js';
import { EXPIRY_LABELS, keyRequest, keyStatus, type ExpiryChoice, type KeyStatus } from '../lib/keys.js';

const SCOPE_TEXT: Record<Scope, string> = {
  infer: 'Run inference (infer)',
  metadata: 'Read model metadata and readiness (metadata)',
  follow: 'Let a follower server mirror this one: read-only, no inference (follow)',
  metrics: 'Scrape /metrics, which covers every model (metrics; not for keys limited to some models)',
};
const STATUS_TONE: Record<KeyStatus, Tone> = { active: 'ok', revoked: 'muted', expired: 'warn' };

function NewKey({ created, onDone }: { created: CreatedKey; onDone: () => void }) {
  const id = useId();
  const origin = window.location.origin;
  return (
    <div className="new-key" role="region" aria-label="The new API key">
      <p className="new-key-warning"><strong>Copy this key now.</strong> Hearth keeps only a hash of it and cannot show it again.</p>
      <label htmlFor={id}>API key for “{created.record.name}”</label>
      <div className="copy-row">
        <input id={id} className="mono" readOnly value={created.key} onFocus={(e) => e.target.select()} />
        <CopyButton text={created.key} label="Copy key" />
      </div>
      <p className="hint">Applications send it as <code>Authorization: Bearer &lt;key&gt;</code>, for example (model metadata):</p>
      <pre className="code-block">{`curl -H "Authorization: Bearer ${created.key}" ${origin}/v2/models/${created.record.models?.[0] ?? '<model>'}`}</pre>
      <button type="button" className="btn" onClick={onDone}>I have stored it</button>
    </div>
  );
}

function CreateKeyForm({ onCreated }: { onCreated: (k: CreatedKey) => void }) {
  const client = useClient();
  const queryClient = useQueryClient();
  const models = useModels();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Scope[]>(['infer', 'metadata']);
  const [chosenModels, setChosenModels] = useState<string[]>([]);
  const [expiry, setExpiry] = useState<ExpiryChoice>('never');
  const [date, setDate] = useState('');
  const [formError, setFormError] = useState<string | null>(null);
  const ids = { name: useId(), expiry: useId(), date: useId() };

  const create = useMutation({
    mutationFn: (body: unknown) => client.send<CreatedKey>('POST', '/admin/v1/keys', body),
    onSuccess: async (created) => {
      setName('');
      setChosenModels([]);
      setExpiry('never');
      setDate('');
      onCreated(created);
      await queryClient.invalidateQueries({ queryKey: queryKeys.apiKeys });
    },
  });

  const toggle = <T,>(list: T[], item: T, on: boolean): T[] => (on ? [...list, item] : list.filter((x) => x !== item));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const request = keyRequest({ name, scopes, models: chosenModels, expiry, date });
    if (!request.ok) {
      setFormError(request.error);
      return;
    }
    setFormError(null);
    create.mutate(request.body);
  };

  const modelNames = models.data?.map((m) => m.name) ?? [];
  return (
    <form className="form" onSubmit={submit} aria-label="Create an API key">
      <div className="form-grid">
        <div className="field">
          <label htmlFor={ids.name}>Name</label>
          <input id={ids.name} value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. billing-app on host ws-12" maxLength={128} />
        </div>
        <div className="field">
          <label htmlFor={ids.expiry}>Expires</label>
          <select id={ids.expiry} value={expiry} onChange={(e) => setExpiry(e.target.value as ExpiryChoice)}>
            {(Object.keys(EXPIRY_LABELS) as ExpiryChoice[]).map((c) => <option key={c} value={c}>{EXPIRY_LABELS[c]}</option>)}
          </select>
        </div>
        {expiry === 'date' ? (
          <div className="field">
            <label htmlFor={ids.date}>Last day it works</label>
            <input id={ids.date} type="date" value={date} onChange={(e) => setDate(e.target.value)} />
          </div>
        ) : null}
      </div>
      <div className="form-grid">
        <fieldset className="fieldset">
          <legend>Scopes</legend>
          {SCOPES.map((s) => (
            <label key={s} className="check">
              <input type="checkbox" checked={scopes.includes(s)} onChange={(e) => setScopes(toggle(scopes, s, e.target.checked))} />
              {SCOPE_TEXT[s]}
            </label>
          ))}
        </fieldset>
        <fieldset className="fieldset">
          <legend>Models it may call</legend>
          {modelNames.length === 0 ? <p className="hint">No models yet: the key will be able to call any model.</p> : modelNames.map((m) => (
            <label key={m} className="check">
              <input type="checkbox" checked={chosenModels.includes(m)} onChange={(e) => setChosenModels(toggle(chosenModels, m, e.target.checked))} />
              {m}
            </label>
          ))}
          <p className="hint">None ticked: every model, including ones added later.</p>
        </fieldset>
      </div>
      {formError ? <p className="form-error" role="alert">{formError}</p> : null}
      {create.isError ? <p className="form-error" role="alert">{errorText(create.error)}</p> : null}
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={create.isPending}>{create.isPending ? 'Creating…' : 'Create key'}</button>
      </div>
    </form>
  );
}

/** `asOf`: when the list was fetched; statuses and "last used" are as of then (render stays pure). */
function KeyTable({ list, asOf }: { list: ApiKeyRecord[]; asOf: number }) {
  const client = useClient();
  const queryClient = useQueryClient();
  const { ask, dialog } = useConfirm();
  const now = asOf;
  const revoke = (k: ApiKeyRecord) => ask({
    title: `Revoke “${k.name}”?`,
    body: <p>Applications using this key are refused from their next request. A revoked key cannot be turned back on; create a new one instead.</p>,
    confirmLabel: 'Revoke key',
    danger: true,
    run: async () => {
      await client.send('DELETE', `/admin/v1/keys/${encodeURIComponent(k.id)}`);
      await queryClient.invalidateQueries({ queryKey: queryKeys.apiKeys });
    },
  });
  const sorted = [...list].sort((a, b) => Number(a.revokedAt !== null) - Number(b.revokedAt !== null) || b.createdAt - a.createdAt);
  return (
    <>
      {dialog}
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Name</th><th scope="col">Status</th><th scope="col">Scopes</th><th scope="col">Models</th>
            <th scope="col">Created</th><th scope="col">Expires</th><th scope="col">Last used</th><th scope="col"><span className="visually-hidden">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {sorted.map((k) => {
            const status = keyStatus(k, now);
            return (
              <tr key={k.id} className={status === 'active' ? undefined : 'row-dim'}>
                <th scope="row">{k.name}<div className="hint mono">{k.id}</div></th>
                <td><Badge tone={STATUS_TONE[status]}>{status}</Badge></td>
                <td>{k.scopes.join(', ')}</td>
                <td>{k.models === null ? <span className="hint">all</span> : k.models.join(', ')}</td>
                <td>{formatTime(k.createdAt)}</td>
                <td>{k.expiresAt === null ? <span className="hint">never</span> : formatTime(k.expiresAt)}</td>
                <td>{k.lastUsedAt === null ? <span className="hint">never</span> : formatRelative(k.lastUsedAt, now)}</td>
                <td>{status === 'revoked' ? null : k.fromFile === true ? (
                  // Supplied by the server's keys file (--keys-file): revoked by editing that file.
                  <span className="hint">from the keys file</span>
                ) : (
                  <button type="button" className="btn btn-danger-quiet" onClick={() => revoke(k)} aria-label={`Revoke ${k.name}`}>Revoke</button>
                )}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </>
  );
}

export function KeysPage() {
  const list = useApiKeys();
  const [created, setCreated] = useState<CreatedKey | null>(null);
  return (
    <div className="page">
      <Card title="Create an API key">
        {created ? <NewKey created={created} onDone={() => setCreated(null)} /> : <CreateKeyForm onCreated={setCreated} />}
      </Card>
      <Card title="Keys">
        <QueryView
          query={list}
          errorTitle="Could not load the keys"
          isEmpty={(l) => l.length === 0}
          empty={<EmptyState title="No API keys yet">Applications on other machines need a key. Create one above for each application.</EmptyState>}
        >
          {(l) => <KeyTable list={l} asOf={list.dataUpdatedAt} />}
        </QueryView>
      </Card>
    </div>
  );
}
