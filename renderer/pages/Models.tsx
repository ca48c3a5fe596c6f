import { useModels } from '../api/queries.js';
import type { ModelSummary } from '../api/types.js';
import { Badge } from '../components/Badge.js';
import { Card } from '../components/Card.js';
import { EmptyState, QueryView } from '../components/StateViews.js';
import { TritonExport } from '../components/TritonExport.js';
import { UploadForm } from '../components/UploadForm.js';
import { formatTime } from '../lib/format.js';
import { navigate } from '../lib/use-route.js';
import { Link } from '../components/Link.js';
import { ModelDetailView } from './ModelDetail.js';

function ModelTable({ models }: { models: ModelSummary[] }) {
  return (
    <table className="table">
      <thead>
        <tr>
          <th scope="col">Model</th><th scope="col">Versions</th><th scope="col">Production</th>
          <th scope="col">Canary</th><th scope="col">Loaded</th><th scope="col">Created</th>
        </tr>
      </thead>
      <tbody>
        {models.map((m) => (
          <tr key={m.name}>
            <th scope="row">
              <Link to={{ page: 'models', model: m.name }}>{m.name}</Link>
            </th>
            <td>{m.versions.length}</td>
            <td>{m.aliases.production !== undefined ? <Badge tone="ok">v{m.aliases.production}</Badge> : <span className="hint">newest (v{Math.max(...m.versions)})</span>}</td>
            <td>{m.aliases.canary !== undefined ? <Badge tone="warn">v{m.aliases.canary}</Badge> : '—'}</td>
            <td>{m.loaded.length > 0 ? m.loaded.map((v) => `v${v}`).join(', ') : <span className="hint">none</span>}</td>
            <td>{formatTime(m.createdAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function ModelsPage({ model }: { model?: string }) {
  const models = useModels();
  if (model !== undefined) return <ModelDetailView name={model} />;
  return (
    <div className="page">
      <Card title="Models">
        <QueryView
          query={models}
          errorTitle="Could not load the models"
          isEmpty={(list) => list.length === 0}
          empty={<EmptyState title="No models yet">Upload an ONNX file below to register the first one.</EmptyState>}
        >
          {(list) => <ModelTable models={list} />}
        </QueryView>
      </Card>
      <Card title="Upload a model">
        <UploadForm
          existingModels={models.data?.map((m) => m.name) ?? []}
          onUploaded={(v) => navigate({ page: 'models', model: v.name })}
        />
      </Card>
      <Card title="Export for Triton">
        <TritonExport />
      </Card>
    </div>
  );
}
