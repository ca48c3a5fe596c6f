import { useId } from 'react';
import { choose, isProcessingChoice, PRESET_CHOICES, type AssetDraft, type ProcessingDraft } from '../lib/processing.js';

interface ProcessingFieldsProps {
  draft: ProcessingDraft;
  onChange: (draft: ProcessingDraft) => void;
  disabled?: boolean;
}

function AssetRow({ row, index, onChange, onRemove, disabled }: {
  row: AssetDraft; index: number; onChange: (row: AssetDraft) => void; onRemove: () => void; disabled: boolean;
}) {
  const name = row.key.trim() === '' ? `asset ${index + 1}` : `asset “${row.key.trim()}”`;
  return (
    <li className="asset-row">
      <input aria-label={`Key of asset ${index + 1}`} value={row.key} placeholder="e.g. labels" disabled={disabled}
        onChange={(e) => onChange({ ...row, key: e.target.value })} spellCheck={false} />
      <input type="file" aria-label={`File for ${name}`} disabled={disabled}
        onChange={(e) => onChange({ ...row, file: e.target.files?.[0] ?? null })} />
      <button type="button" className="btn btn-quiet" disabled={disabled} onClick={onRemove} aria-label={`Remove ${name}`}>Remove</button>
    </li>
  );
}

/** The processing part of the upload form: none, a preset or a JSON spec, and the files it reads. */
export function ProcessingFields({ draft, onChange, disabled = false }: ProcessingFieldsProps) {
  const ids = { choice: useId(), custom: useId(), help: useId(), assets: useId() };
  const setRow = (i: number, row: AssetDraft) => onChange({ ...draft, assets: draft.assets.map((r, j) => (j === i ? row : r)) });
  return (
    <div className="processing-fields">
      <div className="field">
        <label htmlFor={ids.choice}>Processing</label>
        <select id={ids.choice} value={draft.choice} disabled={disabled} aria-describedby={ids.help}
          onChange={(e) => { if (isProcessingChoice(e.target.value)) onChange(choose(draft, e.target.value)); }}>
          <option value="none">None: clients send the model&apos;s own tensors</option>
          {PRESET_CHOICES.map((p) => <option key={p.name} value={p.name}>{p.name}: {p.title}</option>)}
          <option value="custom">Custom spec (JSON)</option>
        </select>
        <p id={ids.help} className="hint">With processing, clients send an image or a text and get labels or text back. It is set once: other processing means a new version.</p>
      </div>
      {draft.choice === 'custom' ? (
        <div className="field">
          <label htmlFor={ids.custom}>Processing spec (JSON)</label>
          <textarea id={ids.custom} rows={3} value={draft.custom} disabled={disabled} spellCheck={false}
            placeholder='{"preset": "imagenet", "output": {"k": 3}}' onChange={(e) => onChange({ ...draft, custom: e.target.value })} />
        </div>
      ) : null}
      {draft.choice === 'none' ? null : (
        <fieldset className="fieldset" aria-describedby={ids.assets}>
          <legend>Assets (optional)</legend>
          <p id={ids.assets} className="hint">
            Files the processing reads (class labels, a character list, a tokenizer.json), attached right after the upload.
            Until each is attached the version answers 503; you can attach them later on the model&apos;s page.
          </p>
          {draft.assets.length > 0 ? (
            <ul className="asset-rows">
              {draft.assets.map((row, i) => (
                <AssetRow key={i} row={row} index={i} disabled={disabled} onChange={(r) => setRow(i, r)}
                  onRemove={() => onChange({ ...draft, assets: draft.assets.filter((_r, j) => j !== i) })} />
              ))}
            </ul>
          ) : null}
          <div>
            <button type="button" className="btn" disabled={disabled} onClick={() => onChange({ ...draft, assets: [...draft.assets, { key: '', file: null }] })}>
              Add an asset
            </button>
          </div>
        </fieldset>
      )}
    </div>
  );
}
