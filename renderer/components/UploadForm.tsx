import { useId, useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { QueryParams } from '../api/client.js';
import { attachAssets, type AttachOutcome } from '../api/processing.js';
import { keys } from '../api/queries.js';
import type { ModelVersion } from '../api/types.js';
import { useClient } from '../auth/session.js';
import { emptyProcessing, processingRequest, type AssetUpload } from '../lib/processing.js';
import { looksLikeOnnx, uploadRequest } from '../lib/upload.js';
import { DropZone } from './DropZone.js';
import { ProcessingFields } from './ProcessingFields.js';
import { errorText } from './StateViews.js';

interface UploadFormProps {
  /** Upload a version of this model; without it the admin names the model (new or existing). */
  model?: string;
  existingModels?: readonly string[];
  onUploaded?: (version: ModelVersion) => void;
}

/** Registers a new version from a picked or dropped ONNX file, with its description, tags and lineage. */
export function UploadForm({ model: fixedModel, existingModels = [], onUploaded }: UploadFormProps) {
  const client = useClient();
  const queryClient = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const [model, setModel] = useState(fixedModel ?? '');
  const [description, setDescription] = useState('');
  const [tags, setTags] = useState('');
  const [metadata, setMetadata] = useState('');
  const [processing, setProcessing] = useState(emptyProcessing);
  const [formError, setFormError] = useState<string | null>(null);
  const ids = { model: useId(), description: useId(), tags: useId(), metadata: useId(), list: useId(), metaHelp: useId() };

  const upload = useMutation({
    mutationFn: async ({ path, query, body, assets }: { path: string; query: QueryParams; body: File; assets: AssetUpload[] }) => {
      const version = await client.upload<ModelVersion>(path, body, query);
      return { version, ...await attachAssets(client, version.name, version.version, assets) };
    },
    onSuccess: async ({ version, failed }) => {
      await queryClient.invalidateQueries({ queryKey: keys.models });
      setFile(null);
      setDescription('');
      setTags('');
      setMetadata('');
      setProcessing(emptyProcessing());
      // With an asset refused, stay here so the admin reads why; the version is registered all the same.
      if (failed.length === 0) onUploaded?.(version);
    },
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setFormError(null);
    if (!file) {
      setFormError('Choose the .onnx file to upload.');
      return;
    }
    const request = uploadRequest({ model: fixedModel ?? model, description, tags, metadata });
    if (!request.ok) {
      setFormError(request.error);
      return;
    }
    const withProcessing = processingRequest(processing);
    if (!withProcessing.ok) {
      setFormError(withProcessing.error);
      return;
    }
    upload.mutate({ path: request.path, query: { ...request.query, processing: withProcessing.processing }, body: file, assets: withProcessing.assets });
  };

  const result = upload.data;
  return (
    <form className="form upload-form" onSubmit={submit} aria-label={fixedModel ? `Upload a new version of ${fixedModel}` : 'Upload a model'}>
      <DropZone file={file} onFile={(f) => { setFile(f); upload.reset(); setFormError(null); }} disabled={upload.isPending} />
      {file && !looksLikeOnnx(file.name) ? <p className="hint text-warn">This file does not end in .onnx; the server will check whether it is a model.</p> : null}
      <div className="form-grid">
        {fixedModel === undefined ? (
          <div className="field">
            <label htmlFor={ids.model}>Model name</label>
            <input id={ids.model} value={model} onChange={(e) => setModel(e.target.value)} list={ids.list} placeholder="e.g. fraud-scorer" required />
            <datalist id={ids.list}>{existingModels.map((m) => <option key={m} value={m} />)}</datalist>
          </div>
        ) : null}
        <div className="field">
          <label htmlFor={ids.description}>Description</label>
          <input id={ids.description} value={description} onChange={(e) => setDescription(e.target.value)} placeholder="What changed in this version" />
        </div>
        <div className="field">
          <label htmlFor={ids.tags}>Tags</label>
          <input id={ids.tags} value={tags} onChange={(e) => setTags(e.target.value)} placeholder="comma-separated, e.g. retrained, q4" />
        </div>
      </div>
      <div className="field">
        <label htmlFor={ids.metadata}>Lineage metadata (JSON, optional)</label>
        <textarea
          id={ids.metadata}
          rows={3}
          value={metadata}
          onChange={(e) => setMetadata(e.target.value)}
          placeholder='{"dataset": "claims-2024-q4", "commit": "a1b2c3d", "accuracy": 0.962}'
          aria-describedby={ids.metaHelp}
          spellCheck={false}
        />
        <p id={ids.metaHelp} className="hint">Training data, code version, parameters and metrics: whatever an auditor should be able to trace.</p>
      </div>
      <ProcessingFields draft={processing} onChange={setProcessing} disabled={upload.isPending} />
      {formError ? <p className="form-error" role="alert">{formError}</p> : null}
      {upload.isError ? <p className="form-error" role="alert">{errorText(upload.error)}</p> : null}
      {result ? <UploadResult {...result} /> : null}
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={upload.isPending}>{upload.isPending ? 'Uploading and checking…' : 'Upload version'}</button>
      </div>
    </form>
  );
}

/** What the upload did: the version, the assets attached, and what the version still waits for. */
export function UploadResult({ version: v, attached, failed }: { version: ModelVersion } & AttachOutcome) {
  const missing = (v.processing?.missingAssets ?? []).filter((k) => !attached.includes(k));
  const quoted = (list: readonly string[]) => list.map((k) => `“${k}”`).join(', ');
  return (
    <>
      <p className="form-ok" role="status">
        {v.existing ? `That file is already version ${v.version} of ${v.name}; nothing new was registered.` : `Registered ${v.name} version ${v.version}.`}
        {attached.length > 0 ? ` Attached ${quoted(attached)}.` : ''}
        {missing.length > 0 ? ` It answers once ${quoted(missing)} ${missing.length === 1 ? 'is' : 'are'} attached, on the model's page.` : ''}
      </p>
      {failed.map((f) => <p key={f.key} className="form-error" role="alert">The asset “{f.key}” was not attached: {f.error}</p>)}
    </>
  );
}
