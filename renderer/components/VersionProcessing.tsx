import type { ProcessingSpec, TensorSpec, VersionProcessing as Processing } from '../api/types.js';
import { formatBytes, shortHash } from '../lib/format.js';
import { describeProcessing } from '../lib/processing.js';
import { Badge } from './Badge.js';

interface VersionProcessingProps {
  version: number;
  processing: Processing;
  onAttach: (key: string, file: File) => void;
  busy: boolean;
}

const names = (specs: readonly TensorSpec[]) => specs.map((s) => `${s.name} (${s.datatype})`).join(', ');

/** A version's pre- and post-processing in words, its assets, and a picker for each missing one. */
export function VersionProcessing({ version, processing: p, onAttach, busy }: VersionProcessingProps) {
  // The server stores only specs checked against ProcessingSpecSchema; the route types it as unknown.
  const summary = describeProcessing(p.spec as ProcessingSpec);
  return (
    <section className="processing" aria-label={`Processing of version ${version}`}>
      <h4>
        Processing <Badge tone="info">{summary.preset ?? 'custom'}</Badge>
        {p.missingAssets.length > 0 ? <Badge tone="warn">waiting for assets</Badge> : null}
      </h4>
      <dl className="facts facts-compact">
        <div><dt>Takes</dt><dd>{summary.input}</dd></div>
        <div><dt>Answers</dt><dd>{summary.output}</dd></div>
        <div><dt>Clients send</dt><dd><code>{names(p.inputs)}</code></dd></div>
        <div><dt>Clients get</dt><dd><code>{names(p.outputs)}</code></dd></div>
      </dl>
      {p.assets.length > 0 || p.missingAssets.length > 0 ? (
        <ul className="asset-list">
          {p.assets.map((a) => (
            <li key={a.key}>
              <Badge tone="ok">attached</Badge> <code>{a.key}</code> <span className="hint">{formatBytes(a.size)}, SHA-256 <span title={a.sha256}>{shortHash(a.sha256, 12)}</span></span>
            </li>
          ))}
          {p.missingAssets.map((key) => (
            <li key={key}>
              <Badge tone="warn">missing</Badge> <code>{key}</code> <span className="hint">the version answers 503 until it is attached</span>{' '}
              <label className="btn file-button">
                Attach a file…
                <input type="file" className="visually-hidden" disabled={busy} aria-label={`Attach asset “${key}” to version ${version}`}
                  onChange={(e) => { const f = e.target.files?.[0]; if (f) onAttach(key, f); }} />
              </label>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
