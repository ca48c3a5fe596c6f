import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { tritonExport } from '../../triton/export.js';
import { tarStream } from '../../triton/tar.js';
import { processingOf } from './processing.js';
import { Bytes, content, errors } from './schemas.js';

/** GET /admin/v1/export/triton: the registry as a Triton model repository, streamed as a tar archive. */
export async function exportTritonRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { registry, blobs } = app.hearth;
  r.addHook('onRoute', (route) => { route.config = { ...(route.config ?? {}), access: 'admin' }; });

  r.get('/export/triton', {
    schema: {
      tags: ['admin'], summary: 'Download the registry as a Triton model repository (tar)',
      description: 'NAME/config.pbtxt, NAME/<version>/model.onnx for every version, and NAME/hearth.json with aliases, ' +
        'per-version settings, descriptions, lineage and SHA-256 (Triton ignores it; "hearth import triton" reads it).',
      querystring: Type.Object({
        model: Type.Optional(Type.Array(Type.String(), { description: 'models to export (repeat the parameter); default: all' })),
      }),
      response: {
        200: content('The registry as a Triton model repository, in a tar archive', { 'application/x-tar': Bytes }),
        ...errors(400, 401, 404),
      },
    },
  }, async (req, reply) => {
    const names = req.query.model?.length ? [...new Set(req.query.model)] : registry.listModels().map((m) => m.name);
    // Unknown names are refused before a byte is sent.
    for (const name of names) registry.getModel(name);
    const { store } = processingOf(app);
    const entries = tritonExport(registry, blobs, names, (v) => store.list(v).map((a) => ({ ...a, content: store.read(v, a.key) ?? Buffer.alloc(0) })));
    await app.hearth.recordAdmin({ action: 'export', ip: req.ip, detail: { what: 'triton', models: names } });
    const stamp = new Date().toISOString().slice(0, 10);
    return reply
      .header('content-type', 'application/x-tar')
      .header('content-disposition', `attachment; filename="hearth-triton-${stamp}.tar"`)
      .send(Readable.from(tarStream(entries)));
  });
}
