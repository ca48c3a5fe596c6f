import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useMutation } from '@tanstack/react-query';
import { tryVersion } from '../api/processing.js';
import type { ModelVersion } from '../api/types.js';
import { useClient } from '../auth/session.js';
import type { TryInput } from '../lib/answer.js';
import { inputKind } from '../lib/processing.js';
import { AnswerView } from './AnswerView.js';
import { DropZone } from './DropZone.js';
import { errorText } from './StateViews.js';

interface TryItProps {
  model: string;
  versions: readonly ModelVersion[];
  /** The version picked first when it takes files or texts: production, as applications get it. */
  preferred?: number;
}

/** The picked image, shown from a blob: URL made and revoked with the file. */
function Preview({ file }: { file: Blob }) {
  const img = useRef<HTMLImageElement>(null);
  useEffect(() => {
    const url = URL.createObjectURL(file);
    if (img.current) img.current.src = url;
    return () => URL.revokeObjectURL(url);
  }, [file]);
  return <img ref={img} alt="The image to send" className="try-preview" />;
}

/** Sends one image or text to a version with processing, as an application would, and shows the answer. */
export function TryIt({ model, versions, preferred }: TryItProps) {
  const client = useClient();
  const ids = { version: useId(), text: useId() };
  const candidates = versions.filter((v) => inputKind(v.processing) !== null);
  const [chosen, setChosen] = useState<number | null>(null);
  const [file, setFile] = useState<File | null>(null);
  const [text, setText] = useState('');
  const send = useMutation({
    mutationFn: ({ version, input }: { version: number; input: TryInput }) => tryVersion(client, model, version, input),
  });
  const current = candidates.find((v) => v.version === chosen) ?? candidates.find((v) => v.version === preferred) ?? candidates[0];
  if (!current) return null;
  const kind = inputKind(current.processing);
  const missing = current.processing?.missingAssets ?? [];

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (kind === 'image') {
      if (file) send.mutate({ version: current.version, input: { kind: 'image', file } });
    } else {
      send.mutate({ version: current.version, input: { kind: 'text', text } });
    }
  };

  return (
    <form className="form try-it" onSubmit={submit} aria-label={`Try ${model}`}>
      {candidates.length > 1 ? (
        <div className="field field-inline">
          <label htmlFor={ids.version}>Version</label>
          <select id={ids.version} value={current.version} onChange={(e) => { setChosen(Number(e.target.value)); send.reset(); }}>
            {candidates.map((v) => <option key={v.version} value={v.version}>{v.version}{v.aliases.length > 0 ? ` (${v.aliases.join(', ')})` : ''}</option>)}
          </select>
        </div>
      ) : <p className="hint">Version {current.version}, through its processing, as an application calls it.</p>}
      {missing.length > 0 ? <p className="hint text-warn">Version {current.version} answers once {missing.map((k) => `“${k}”`).join(', ')} {missing.length === 1 ? 'is' : 'are'} attached (above).</p> : null}
      {kind === 'image' ? (
        <div className="try-image">
          <DropZone file={file} onFile={(f) => { setFile(f); send.reset(); }} accept="image/png,image/jpeg,image/webp,image/tiff"
            prompt="Drop an image here (PNG, JPEG, WebP or TIFF), or" label="Image to try" disabled={send.isPending} />
          {file ? <Preview file={file} /> : null}
        </div>
      ) : (
        <div className="field">
          <label htmlFor={ids.text}>Text to try</label>
          <textarea id={ids.text} rows={3} value={text} onChange={(e) => { setText(e.target.value); send.reset(); }} />
        </div>
      )}
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={send.isPending || (kind === 'image' && !file)}>
          {send.isPending ? 'Sending…' : 'Send'}
        </button>
      </div>
      {send.isError ? <p className="form-error" role="alert">{errorText(send.error)}</p> : null}
      <output aria-label="Answer" aria-live="polite">
        {send.data ? <AnswerView answer={send.data} /> : null}
      </output>
    </form>
  );
}
