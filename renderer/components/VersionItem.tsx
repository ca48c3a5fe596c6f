import { useId, useState } from 'react';
import type { ModelVersion, TensorSpec } from '../api/types.js';
import { formatBytes, formatShape, formatTime, shortHash } from '../lib/format.js';
import { describeRunPlace, type RunPlace } from '../lib/run-place.js';
import { Badge, stateTone } from './Badge.js';
import { VersionProcessing } from './VersionProcessing.js';

export interface VersionActions {
  promote(v: ModelVersion): void;
  setCanary(v: ModelVersion): void;
  clearCanary(v: ModelVersion): void;
  load(v: ModelVersion): void;
  unload(v: ModelVersion): void;
  remove(v: ModelVersion): void;
  /** Attach a file the version's processing reads under `key`. */
  attachAsset(v: ModelVersion, key: string, file: File): void;
}

function Specs({ title, specs }: { title: string; specs: readonly TensorSpec[] }) {
  return (
    <div className="specs">
      <span className="specs-title">{title}</span>
      {specs.map((s) => (
        <code key={s.name} className="spec">{s.name}: {s.datatype} {formatShape(s.shape)}</code>
      ))}
    </div>
  );
}

/** A serving setting as text; the schema types settings as unknown, so anything but a scalar shows the default. */
const setting = (value: unknown, fallback: string): string =>
  typeof value === 'string' || typeof value === 'number' ? String(value) : fallback;

function MetadataValue({ value }: { value: unknown }) {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return <>{String(value)}</>;
  return <code>{JSON.stringify(value)}</code>;
}

interface VersionItemProps {
  v: ModelVersion;
  actions: VersionActions;
  busy: boolean;
  /** Where its requests run, once it is loaded and the server has said (see lib/run-place.ts). */
  runPlace?: RunPlace;
}

/** One version: its aliases, state, signature, processing and lineage, and what can be done with it. */
export function VersionItem({ v, actions, busy, runPlace }: VersionItemProps) {
  const [open, setOpen] = useState(false);
  const detailsId = useId();
  const isProduction = v.aliases.includes('production');
  const isCanary = v.aliases.includes('canary');
  const loaded = v.state === 'READY' || v.state === 'LOADING';
  const metadata = Object.entries(v.metadata);
  // Only a version serving now runs anywhere; a stale answer about an unloaded one is not shown.
  const place = runPlace && v.state === 'READY' ? describeRunPlace(runPlace) : null;
  return (
    <li className="version">
      <div className="version-head">
        <div className="version-title">
          <h3>Version {v.version}</h3>
          {v.aliases.map((a) => <Badge key={a} tone={a === 'production' ? 'ok' : a === 'canary' ? 'warn' : 'info'}>{a}</Badge>)}
          <Badge tone={stateTone(v.state)} title={v.stateReason || undefined}>{v.state === 'UNAVAILABLE' && v.stateReason === 'not loaded' ? 'not loaded' : v.state}</Badge>
          {v.provider ? <span className="hint">on {v.provider}</span> : null}
          {place ? <span className="hint run-place" title={place.title}>{place.text}</span> : null}
        </div>
        <div className="version-actions" role="group" aria-label={`Actions for version ${v.version}`}>
          {isProduction ? null : <button type="button" className="btn btn-primary" disabled={busy} onClick={() => actions.promote(v)}>Promote to production</button>}
          {isCanary
            ? <button type="button" className="btn" disabled={busy} onClick={() => actions.clearCanary(v)}>Remove canary</button>
            : isProduction ? null : <button type="button" className="btn" disabled={busy} onClick={() => actions.setCanary(v)}>Set as canary</button>}
          {loaded
            ? <button type="button" className="btn" disabled={busy || isProduction} title={isProduction ? 'Production stays loaded' : undefined} onClick={() => actions.unload(v)}>Unload</button>
            : <button type="button" className="btn" disabled={busy} onClick={() => actions.load(v)}>Load</button>}
        </div>
      </div>
      <p className="version-desc">
        {v.description || <span className="hint">No description.</span>}
        {v.tags.map((t) => <span key={t} className="tag">{t}</span>)}
      </p>
      <div className="version-sig">
        <Specs title="Inputs" specs={v.inputs} />
        <Specs title="Outputs" specs={v.outputs} />
      </div>
      {v.processing ? <VersionProcessing version={v.version} processing={v.processing} busy={busy} onAttach={(key, file) => actions.attachAsset(v, key, file)} /> : null}
      <button type="button" className="btn btn-link" aria-expanded={open} aria-controls={detailsId} onClick={() => setOpen(!open)}>
        {open ? 'Hide details' : `Details${metadata.length > 0 ? ` and lineage (${metadata.length})` : ''}`}
      </button>
      <div id={detailsId} hidden={!open} className="version-details">
        <dl className="facts facts-compact">
          <div><dt>Registered</dt><dd>{formatTime(v.createdAt)}</dd></div>
          <div><dt>Size</dt><dd>{formatBytes(v.size)}</dd></div>
          <div><dt>SHA-256</dt><dd><code title={v.sha256}>{shortHash(v.sha256, 16)}</code></dd></div>
          {metadata.map(([k, value]) => <div key={k}><dt>{k}</dt><dd><MetadataValue value={value} /></dd></div>)}
        </dl>
        <p className="hint">
          Serving: batching {v.settings.dynamicBatching ? 'on' : 'off'}, {setting(v.settings.instances, '1')} instance(s), placement {setting(v.settings.placement, 'auto')}.
        </p>
        {place ? <p className="hint">{place.text}: {place.title}</p> : null}
        {v.aliases.length === 0 ? (
          <button type="button" className="btn btn-danger-quiet" disabled={busy} onClick={() => actions.remove(v)}>Delete version {v.version}</button>
        ) : null}
      </div>
    </li>
  );
}
