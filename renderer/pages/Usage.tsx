import { useId, useMemo, useState, type FormEvent } from 'react';
import { useMutation } from '@tanstack/react-query';
import type { ExportKind, ExportQuery } from '../../main/api.js';
import { useApiKeys, useModels, useSystem, useUsage, useUsageSummary } from '../api/queries.js';
import type { RecordFields } from '../api/types.js';
import { useClient, useSession } from '../auth/session.js';
import { Badge } from '../components/Badge.js';
import { Card } from '../components/Card.js';
import { CopyButton } from '../components/CopyButton.js';
import { EmptyState, ErrorState, errorText, Loading, QueryView } from '../components/StateViews.js';
import { EMPTY_FILTER, exportTarget, filterError, filterQuery, saveBlob, type UsageFilter } from '../lib/exports.js';
import { formatBytes, formatDuration, formatMs, formatNumber, formatTime, groupHex } from '../lib/format.js';
import { describeOutcome, latencyMs, outcomeTone, type UsageKind } from '../lib/usage.js';

const KIND_LABELS: Record<UsageKind, string> = { inference: 'Inference requests', admin: 'Admin actions', all: 'Everything' };
const EXPORT_LABELS: Record<ExportKind, string> = { 'usage-csv': 'Export CSV', 'usage-jsonl': 'Export JSON Lines', audit: 'Export audit bundle' };

function FilterForm({ applied, kind, onApply }: { applied: UsageFilter; kind: UsageKind; onApply: (f: UsageFilter, k: UsageKind) => void }) {
  const models = useModels();
  const apiKeys = useApiKeys();
  const [draft, setDraft] = useState(applied);
  const [draftKind, setDraftKind] = useState(kind);
  const [error, setError] = useState<string | null>(null);
  const ids = { from: useId(), to: useId(), model: useId(), key: useId(), kind: useId() };
  const set = (field: keyof UsageFilter) => (e: { target: { value: string } }) => setDraft({ ...draft, [field]: e.target.value });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const problem = filterError(draft);
    setError(problem);
    if (!problem) onApply(draft, draftKind);
  };
  return (
    <form className="filters" onSubmit={submit} aria-label="Filter the usage log">
      <div className="field field-time"><label htmlFor={ids.from}>From</label><input id={ids.from} type="datetime-local" value={draft.from} onChange={set('from')} /></div>
      <div className="field field-time"><label htmlFor={ids.to}>To</label><input id={ids.to} type="datetime-local" value={draft.to} onChange={set('to')} /></div>
      <div className="field">
        <label htmlFor={ids.model}>Model</label>
        <select id={ids.model} value={draft.model} onChange={set('model')}>
          <option value="">All models</option>
          {(models.data ?? []).map((m) => <option key={m.name} value={m.name}>{m.name}</option>)}
        </select>
      </div>
      <div className="field">
        <label htmlFor={ids.key}>API key</label>
        <select id={ids.key} value={draft.key} onChange={set('key')}>
          <option value="">All keys</option>
          {(apiKeys.data ?? []).map((k) => <option key={k.id} value={k.id}>{k.name}</option>)}
        </select>
      </div>
      <div className="field">
        <label htmlFor={ids.kind}>Records</label>
        <select id={ids.kind} value={draftKind} onChange={(e) => setDraftKind(e.target.value as UsageKind)}>
          {(Object.keys(KIND_LABELS) as UsageKind[]).map((k) => <option key={k} value={k}>{KIND_LABELS[k]}</option>)}
        </select>
      </div>
      <div className="filter-actions">
        <button type="submit" className="btn btn-primary">Apply</button>
        <button type="button" className="btn" onClick={() => { setDraft(EMPTY_FILTER); setDraftKind('inference'); setError(null); onApply(EMPTY_FILTER, 'inference'); }}>Reset</button>
      </div>
      {error ? <p className="form-error filters-error" role="alert">{error}</p> : null}
    </form>
  );
}

function ExportCard({ query }: { query: ExportQuery }) {
  const client = useClient();
  const { desktop } = useSession();
  const system = useSystem();
  const run = useMutation({
    mutationFn: async (kind: ExportKind): Promise<string> => {
      if (desktop) {
        const result = await desktop.saveExport(kind, query);
        return result.saved ? `Saved ${formatBytes(result.bytes)} to ${result.path}.` : 'Not saved.';
      }
      const target = exportTarget(kind, query);
      const blob = await client.blob(target.path, target.query);
      saveBlob(blob, target.fileName);
      return `Downloaded ${target.fileName} (${formatBytes(blob.size)}).`;
    },
  });
  const fingerprint = system.data?.auditKeyFingerprint;
  return (
    <Card title="Export">
      <div className="export-layout">
        <div>
          <p className="hint">
            Downloads use the filter above{query.model || query.key ? '; the audit bundle uses only its time range, since it must hold every record in between' : ''}.
          </p>
          <div className="toolbar">
            {(Object.keys(EXPORT_LABELS) as ExportKind[]).map((k) => (
              <button key={k} type="button" className={`btn${k === 'audit' ? '' : ' btn-primary'}`} disabled={run.isPending} onClick={() => run.mutate(k)}>
                {EXPORT_LABELS[k]}
              </button>
            ))}
          </div>
          <p role="status" className={run.isError ? 'form-error' : 'form-ok'}>
            {run.isPending ? 'Exporting…' : run.isError ? errorText(run.error) : run.data ?? ''}
          </p>
        </div>
        <div>
          <p className="label">Audit signing key fingerprint</p>
          <p className="fingerprint">
            {fingerprint ? <><code>{groupHex(fingerprint)}</code><br /><CopyButton text={fingerprint} label="Copy fingerprint" /></> : system.isError ? 'unavailable' : '…'}
          </p>
          <p className="hint">
            An auditor checks a bundle offline with <code>npx hearth audit verify &lt;file&gt; --fingerprint &lt;fingerprint&gt;</code>.
            Give them the fingerprint separately from the file.
          </p>
        </div>
      </div>
    </Card>
  );
}

function SummaryCard({ query, keyNames }: { query: ExportQuery; keyNames: Map<string, string> }) {
  const [by, setBy] = useState<'key' | 'model'>('key');
  const summary = useUsageSummary(by, query);
  const label = (row: { key?: string | null; model?: string | null }) => {
    if (by === 'model') return row.model ?? '(none)';
    if (row.key === null || row.key === undefined) return 'No key';
    return keyNames.get(row.key) ?? row.key;
  };
  return (
    <Card
      title="Totals"
      actions={(
        <div className="segmented" role="group" aria-label="Group totals by">
          <button type="button" className="btn" aria-pressed={by === 'key'} onClick={() => setBy('key')}>Per key</button>
          <button type="button" className="btn" aria-pressed={by === 'model'} onClick={() => setBy('model')}>Per model</button>
        </div>
      )}
    >
      <QueryView query={summary} errorTitle="Could not load the totals" isEmpty={(rows) => rows.length === 0} empty={<EmptyState title="No inference requests in this period" />}>
        {(rows) => (
          <table className="table">
            <thead><tr><th scope="col">{by === 'key' ? 'API key' : 'Model'}</th><th scope="col">Requests</th><th scope="col">Errors</th><th scope="col">Compute time</th><th scope="col">In</th><th scope="col">Out</th></tr></thead>
            <tbody>
              {rows.map((r, i) => (
                <tr key={`${label(r)}-${i}`}>
                  <th scope="row">{label(r)}</th>
                  <td>{formatNumber(r.requests)}</td>
                  <td className={r.errors > 0 ? 'text-bad' : undefined}>{formatNumber(r.errors)}</td>
                  <td>{formatDuration(r.computeSeconds)}</td>
                  <td>{formatBytes(r.bytesIn)}</td>
                  <td>{formatBytes(r.bytesOut)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </QueryView>
    </Card>
  );
}

function RecordRow({ r, keyNames }: { r: RecordFields; keyNames: Map<string, string> }) {
  const key = r.keyId === null ? (r.kind === 'admin' ? r.actor ?? '' : '—') : keyNames.get(r.keyId) ?? r.keyId;
  return (
    <tr>
      <td className="nowrap">{formatTime(r.time)}</td>
      <td>{r.model ?? '—'}{r.version !== null ? <span className="hint"> v{r.version}</span> : null}</td>
      <td>{key}</td>
      <td>{r.client ?? '—'}</td>
      <td><Badge tone={outcomeTone(r)}>{r.kind === 'admin' ? (r.action ?? 'admin') : r.status ?? '—'}</Badge> <span className="reason">{r.kind === 'admin' ? '' : describeOutcome(r)}</span></td>
      <td className="num">{formatMs(latencyMs(r))}</td>
      <td className="num">{r.batchSize ?? '—'}</td>
      <td className="num">{r.bytesIn === null ? '—' : formatBytes(r.bytesIn)}</td>
      <td className="num">{r.bytesOut === null ? '—' : formatBytes(r.bytesOut)}</td>
    </tr>
  );
}

function RecordsCard({ query, kind, keyNames }: { query: ExportQuery; kind: UsageKind; keyNames: Map<string, string> }) {
  const usage = useUsage(query, kind);
  let body;
  if (usage.isPending) body = <Loading label="Loading the usage log…" />;
  else if (usage.isError) body = <ErrorState error={usage.error} title="Could not load the usage log" onRetry={() => void usage.refetch()} />;
  else {
    const rows = usage.data.pages.flatMap((p) => p.rows);
    body = rows.length === 0 ? (
      <EmptyState title="No records match">Requests appear here as soon as applications call a model. Widen the filter to see more.</EmptyState>
    ) : (
      <>
        <div className="table-scroll">
          <table className="table table-dense">
            <caption className="visually-hidden">Usage records, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Time</th><th scope="col">Model</th><th scope="col">Key / actor</th><th scope="col">Client</th>
                <th scope="col">Outcome</th><th scope="col" className="num">Latency</th><th scope="col" className="num">Batch</th>
                <th scope="col" className="num">In</th><th scope="col" className="num">Out</th>
              </tr>
            </thead>
            <tbody>{rows.map((r) => <RecordRow key={r.seq} r={r} keyNames={keyNames} />)}</tbody>
          </table>
        </div>
        <div className="toolbar">
          <span className="hint">{rows.length} record{rows.length === 1 ? '' : 's'} shown, newest first.</span>
          {usage.hasNextPage ? (
            <button type="button" className="btn" disabled={usage.isFetchingNextPage} onClick={() => void usage.fetchNextPage()}>
              {usage.isFetchingNextPage ? 'Loading…' : 'Show older'}
            </button>
          ) : null}
        </div>
      </>
    );
  }
  return <Card title="Records" actions={<button type="button" className="btn btn-quiet" onClick={() => void usage.refetch()}>Refresh</button>}>{body}</Card>;
}

export function UsagePage() {
  const [filter, setFilter] = useState<UsageFilter>(EMPTY_FILTER);
  const [kind, setKind] = useState<UsageKind>('inference');
  const apiKeys = useApiKeys();
  const query = useMemo(() => filterQuery(filter), [filter]);
  const keyNames = useMemo(() => new Map((apiKeys.data ?? []).map((k) => [k.id, k.name])), [apiKeys.data]);
  return (
    <div className="page">
      <Card title="Filter">
        <FilterForm applied={filter} kind={kind} onApply={(f, k) => { setFilter(f); setKind(k); }} />
      </Card>
      <ExportCard query={query} />
      <RecordsCard query={query} kind={kind} keyNames={keyNames} />
      <SummaryCard query={query} keyNames={keyNames} />
    </div>
  );
}
