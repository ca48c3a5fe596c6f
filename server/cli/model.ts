import { createReadStream, promises as fs } from 'node:fs';
import { Readable } from 'node:stream';
import { Option, type Command } from 'commander';
import { CliError } from './client.js';
import { int, when, type Helpers, type Out } from './common.js';
import { addProcessingOptions, describeProcessing, processingText, putAssets, readAssets, setProcessing, type ProcessingOptions } from './processing.js';

import type { VersionInfo } from '../http/routes/admin-schemas.js';
import type { ModelDetail, ModelListItem as ModelSummary } from '../http/routes/model-schemas.js';

const sig = (list: VersionInfo['inputs']) => list.map((t) => `${t.name} ${t.datatype}[${t.shape.join(',')}]`).join(', ');

/** `hearth model add | list | show | promote | rollback | remove | set`: the registry, through the admin API. */
export function addModelCommands(program: Command, out: Out, { clientOptions, clientFrom }: Helpers): void {
  const model = program.command('model').description('Manage models and versions through the admin API');

  addProcessingOptions(clientOptions(model.command('add')))
    .description('Register an ONNX file as the next version of a model')
    .argument('<name>', 'model name (letters, digits, - _ .)')
    .argument('<file>', 'path to the .onnx file')
    .option('-d, --description <text>', 'description of this version')
    .option('--metadata <json>', 'lineage as a JSON object (training data, parameters, metrics)')
    .option('--tags <list>', 'comma-separated tags')
    .option('--promote', 'point production at the new version')
    .action(async (name: string, file: string, o: { description?: string; metadata?: string; tags?: string; promote?: boolean; json?: boolean } & ProcessingOptions, cmd: Command) => {
      const client = clientFrom(cmd);
      await fs.access(file).catch(() => { throw new CliError(`Cannot read ${file}.`); });
      const assets = await readAssets(o.asset);
      const q = new URLSearchParams();
      if (o.processing) q.set('processing', await processingText(o.processing));
      if (o.description) q.set('description', o.description);
      if (o.metadata) q.set('metadata', o.metadata);
      if (o.tags) q.set('tags', o.tags);
      const v = await client.request<VersionInfo>('POST', `/admin/v1/models/${encodeURIComponent(name)}/versions?${q}`,
        Readable.toWeb(createReadStream(file)), { 'content-type': 'application/octet-stream' });
      if (!v.existing) await putAssets(client, name, v.version, assets);
      if (o.promote) await client.request('PUT', `/admin/v1/models/${encodeURIComponent(name)}/aliases/production`, { version: v.version });
      if (o.json) return out.log(JSON.stringify(v, null, 2));
      out.log(v.existing
        ? `${name} already has these bytes as version ${v.version} (sha256 ${v.sha256.slice(0, 12)}…); nothing added.`
        : `Registered ${name} version ${v.version} (sha256 ${v.sha256.slice(0, 12)}…, ${v.size} bytes).`);
      out.log(`  inputs:  ${sig(v.inputs)}\n  outputs: ${sig(v.outputs)}`);
      if (o.promote) out.log(`  production -> ${v.version}`);
    });

  clientOptions(model.command('list'))
    .description('List models, their versions and aliases')
    .action(async (o: { json?: boolean }, cmd: Command) => {
      const { models } = await clientFrom(cmd).request<{ models: ModelSummary[] }>('GET', '/admin/v1/models');
      if (o.json) return out.log(JSON.stringify(models, null, 2));
      if (models.length === 0) return out.log('No models yet. Add one with: hearth model add NAME FILE.onnx');
      for (const m of models) {
        const aliases = Object.entries(m.aliases).map(([a, v]) => `${a}=${v}`).join(' ') || '-';
        out.log(`${m.name}\tversions ${m.versions.join(',')}\taliases ${aliases}\tloaded ${m.loaded.join(',') || '-'}`);
      }
    });

  clientOptions(model.command('show'))
    .description('Show a model\'s versions, signatures and alias history')
    .argument('<name>')
    .action(async (name: string, o: { json?: boolean }, cmd: Command) => {
      const m = await clientFrom(cmd).request<ModelDetail>(
        'GET', `/admin/v1/models/${encodeURIComponent(name)}`);
      if (o.json) return out.log(JSON.stringify(m, null, 2));
      out.log(m.name);
      for (const v of m.versions) {
        out.log(`  version ${v.version}${v.aliases.length ? ` [${v.aliases.join(', ')}]` : ''}  ${v.state}${v.provider ? ` on ${v.provider}` : ''}  registered ${when(v.createdAt)}`);
        out.log(`    sha256 ${v.sha256}  ${v.size} bytes${v.description ? `  "${v.description}"` : ''}`);
        out.log(`    inputs:  ${sig(v.inputs)}\n    outputs: ${sig(v.outputs)}`);
        if (v.tags.length) out.log(`    tags: ${v.tags.join(', ')}`);
        if (Object.keys(v.metadata).length) out.log(`    metadata: ${JSON.stringify(v.metadata)}`);
        for (const line of describeProcessing(v)) out.log(line);
      }
      if (m.aliasHistory.length) {
        out.log('  alias history:');
        for (const h of m.aliasHistory) out.log(`    ${when(h.changedAt)}  ${h.alias} ${h.action} -> ${h.version ?? '-'}`);
      }
    });

  clientOptions(model.command('promote'))
    .description('Point an alias (default production) at a version; it is loaded and warmed first')
    .argument('<name>')
    .argument('<version>', 'version number', int('version'))
    .option('--alias <alias>', 'alias to move', 'production')
    .action(async (name: string, version: number, o: { alias: string; json?: boolean }, cmd: Command) => {
      const r = await clientFrom(cmd).request<{ previous: number | null }>('PUT',
        `/admin/v1/models/${encodeURIComponent(name)}/aliases/${encodeURIComponent(o.alias)}`, { version });
      if (o.json) return out.log(JSON.stringify(r, null, 2));
      out.log(`${name}: ${o.alias} -> ${version}${r.previous !== null ? ` (was ${r.previous})` : ''}`);
    });

  clientOptions(model.command('rollback'))
    .description('Move production back to the version it pointed at before')
    .argument('<name>')
    .action(async (name: string, o: { json?: boolean }, cmd: Command) => {
      const r = await clientFrom(cmd).request<{ version: number; previous: number | null }>('POST', `/admin/v1/models/${encodeURIComponent(name)}/rollback`);
      if (o.json) return out.log(JSON.stringify(r, null, 2));
      out.log(`${name}: production -> ${r.version} (rolled back from ${r.previous})`);
    });

  clientOptions(model.command('remove'))
    .description('Remove a model with all its versions, or only the version given')
    .argument('<name>')
    .argument('[version]', 'remove only this version', int('version'))
    .action(async (name: string, version: number | undefined, o: { json?: boolean }, cmd: Command) => {
      const path = version === undefined ? `/admin/v1/models/${encodeURIComponent(name)}` : `/admin/v1/models/${encodeURIComponent(name)}/versions/${version}`;
      const r = await clientFrom(cmd).request<{ removed: string }>('DELETE', path);
      out.log(o.json ? JSON.stringify(r) : `Removed ${r.removed}.`);
    });

  addProcessingOptions(clientOptions(model.command('set')))
    .description('Change a version\'s serving settings, e.g. --batch 32 --delay-us 500 --instances 2 --cache on; or set its processing once (--processing, --asset)')
    .argument('<name>')
    .argument('<version>', 'version number', int('version'))
    .option('--batch <n>', 'maximum batch size', int('--batch'))
    .option('--delay-us <n>', 'maximum queue delay in microseconds', int('--delay-us'))
    .option('--queue <n>', 'maximum queued requests', int('--queue'))
    .option('--instances <n>', 'concurrent sessions', int('--instances'))
    .option('--threads <n>', 'intra-op threads per session', int('--threads'))
    .addOption(new Option('--batching <onoff>', 'dynamic batching').choices(['on', 'off']))
    .addOption(new Option('--cache <onoff>', 'response cache').choices(['on', 'off']))
    .addOption(new Option('--pin <onoff>', 'keep loaded').choices(['on', 'off']))
    .option('--placement <p>', 'auto, cpu, cuda:N, webgpu, dml or coreml')
    .action(async (name: string, version: number, o: Record<string, string | number | boolean | undefined>, cmd: Command) => {
      const patch: Record<string, unknown> = {};
      if (o.batch !== undefined) patch.maxBatchSize = o.batch;
      if (o.delayUs !== undefined) patch.maxQueueDelayUs = o.delayUs;
      if (o.queue !== undefined) patch.maxQueueSize = o.queue;
      if (o.instances !== undefined) patch.instances = o.instances;
      if (o.threads !== undefined) patch.intraOpThreads = o.threads;
      if (o.batching !== undefined) patch.dynamicBatching = o.batching === 'on';
      if (o.cache !== undefined) patch.responseCache = o.cache === 'on';
      if (o.pin !== undefined) patch.pinned = o.pin === 'on';
      if (o.placement !== undefined) patch.placement = o.placement;
      if (o.processing !== undefined || o.asset !== undefined) {
        for (const line of await setProcessing(clientFrom(cmd), name, version, { processing: o.processing as string | undefined, asset: o.asset as string[] | undefined })) out.log(line);
        if (Object.keys(patch).length === 0) return;
      }
      if (Object.keys(patch).length === 0) throw new CliError('Nothing to change: give at least one setting (see --help).');
      const r = await clientFrom(cmd).request<{ settings: Record<string, unknown> }>('PATCH',
        `/admin/v1/models/${encodeURIComponent(name)}/versions/${version}/settings`, patch);
      out.log(JSON.stringify(r.settings, null, 2));
    });
}
