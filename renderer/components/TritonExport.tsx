import { useMutation } from '@tanstack/react-query';
import { useClient } from '../auth/session.js';
import { saveBlob } from '../lib/exports.js';
import { formatBytes } from '../lib/format.js';
import { errorText } from './StateViews.js';

/** Downloads the registry as a Triton model repository (a tar archive, recorded in the audit log). */
export function TritonExport() {
  const client = useClient();
  const run = useMutation({
    mutationFn: async (): Promise<string> => {
      const fileName = `hearth-triton-${new Date().toISOString().slice(0, 10)}.tar`;
      const blob = await client.blob('/admin/v1/export/triton');
      saveBlob(blob, fileName);
      return `Downloaded ${fileName} (${formatBytes(blob.size)}).`;
    },
  });
  return (
    <div>
      <p className="hint">
        Every model and version as a Triton model repository: <code>NAME/config.pbtxt</code>, <code>NAME/&lt;version&gt;/model.onnx</code>,
        and <code>NAME/hearth.json</code> with aliases and settings for <code>hearth import triton</code>. For large registries use{' '}
        <code>hearth export triton DIR</code>, which streams to disk.
      </p>
      <button type="button" className="btn" disabled={run.isPending} onClick={() => run.mutate()}>Download Triton repository (.tar)</button>
      <p role="status" className={run.isError ? 'form-error' : 'form-ok'}>
        {run.isPending ? 'Exporting…' : run.isError ? errorText(run.error) : run.data ?? ''}
      </p>
    </div>
  );
}
