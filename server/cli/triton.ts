import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { Command } from 'commander';
import type { VersionSettings } from '../registry/settings.js';
import { readTritonRepository, type RepositoryModel } from '../triton/read-repository.js';
import { parseSidecar, SIDECAR_FILE } from '../triton/sidecar.js';
import { extractTar } from '../triton/untar.js';
import { CliError, type AdminClient } from './client.js';
import type { Helpers, Out } from './common.js';
import { errorMessage } from '../base/message.js';
import type { VersionInfo as Uploaded } from '../http/routes/admin-schemas.js';

const enc = encodeURIComponent;

async function emptyOrAbsent(dir: string): Promise<boolean> {
  const entries = await fs.readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw new CliError(`Cannot read ${dir}: ${err.message}`);
  });
  return entries.length === 0;
}

/** Downloads the export and unpacks it beside DIR first, so a failure leaves DIR as it was. */
async function exportTriton(client: AdminClient, dir: string, models: string[], out: Out): Promise<void> {
  if (!(await emptyOrAbsent(dir))) throw new CliError(`${dir} is not empty; export into a new or empty folder.`);
  const q = new URLSearchParams();
  for (const m of models) q.append('model', m);
  const res = await client.stream(`/admin/v1/export/triton?${q}`);
  if (!res.body) throw new CliError('The server sent no body.');
  const staging = `${path.resolve(dir)}.partial-${process.pid}`;
  await fs.mkdir(staging, { recursive: true });
  let files: string[];
  try {
    files = await extractTar(Readable.fromWeb(res.body as Parameters<typeof Readable.fromWeb>[0]), staging);
    await fs.rm(dir, { recursive: true, force: true });
    await fs.rename(staging, dir);
  } catch (err) {
    await fs.rm(staging, { recursive: true, force: true });
    throw err instanceof CliError ? err : new CliError(`The export failed and ${dir} was left as it was: ${errorMessage(err)}`);
  }
  const names = [...new Set(files.map((f) => f.split('/')[0]))];
  for (const name of names) {
    const versions = files.filter((f) => f.startsWith(`${name}/`) && f.endsWith('/model.onnx')).length;
    out.log(`${name}: config.pbtxt, ${versions} version${versions === 1 ? '' : 's'}, ${SIDECAR_FILE}`);
    const sidecar = parseSidecar(await fs.readFile(path.join(dir, name, SIDECAR_FILE), 'utf8'), `${name}/${SIDECAR_FILE}`);
    for (const note of sidecar.notes ?? []) out.log(`  note: ${note}`);
  }
  out.log(`Wrote a Triton model repository for ${names.length} model${names.length === 1 ? '' : 's'} to ${dir}.`);
}

/** Registers one model's versions (same numbers), settings and aliases; undoes its own changes on failure. */
async function importModel(client: AdminClient, m: RepositoryModel): Promise<string> {
  const before = await client.request<{ versions: { version: number }[]; aliases: Record<string, number> }>('GET', `/admin/v1/models/${enc(m.name)}`)
    .catch((err: unknown) => { if (err instanceof CliError && err.message.startsWith('404')) return null; throw err; });
  const added: number[] = [];
  try {
    for (const v of m.versions) {
      const q = new URLSearchParams({ version: String(v.version), description: v.description, metadata: JSON.stringify(v.metadata) });
      if (v.tags.length) q.set('tags', v.tags.join(','));
      if (v.processing) q.set('processing', JSON.stringify(v.processing));
      const r = await client.request<Uploaded>('POST', `/admin/v1/models/${enc(m.name)}/versions?${q}`,
        Readable.toWeb(createReadStream(v.file)), { 'content-type': 'application/octet-stream' });
      if (!r.existing) added.push(r.version);
      if (r.version !== v.version || r.sha256 !== v.sha256) {
        throw new CliError(`version ${v.version} was registered as version ${r.version} with SHA-256 ${r.sha256}, not ${v.sha256}`);
      }
      for (const a of v.assets ?? []) {
        await client.request('PUT', `/admin/v1/models/${enc(m.name)}/versions/${v.version}/assets/${enc(a.key)}`,
          await fs.readFile(a.file), { 'content-type': 'application/octet-stream' });
      }
      const settings: VersionSettings = v.settings;
      await client.request('PATCH', `/admin/v1/models/${enc(m.name)}/versions/${v.version}/settings`, settings);
    }
    for (const [alias, version] of Object.entries(m.aliases)) {
      await client.request('PUT', `/admin/v1/models/${enc(m.name)}/aliases/${enc(alias)}`, { version });
    }
  } catch (err) {
    if (before === null) {
      await client.request('DELETE', `/admin/v1/models/${enc(m.name)}`).catch(() => undefined);
    } else {
      const now = await client.request<{ aliases: Record<string, number> }>('GET', `/admin/v1/models/${enc(m.name)}`).catch(() => ({ aliases: {} }));
      for (const [alias, v] of Object.entries(now.aliases)) {
        if (added.includes(v) && before.aliases[alias] === undefined) await client.request('DELETE', `/admin/v1/models/${enc(m.name)}/aliases/${enc(alias)}`).catch(() => undefined);
      }
      for (const v of added) await client.request('DELETE', `/admin/v1/models/${enc(m.name)}/versions/${v}`).catch(() => undefined);
    }
    throw err;
  }
  const aliases = Object.entries(m.aliases).map(([a, v]) => `${a}=${v}`).join(' ');
  return `versions ${m.versions.map((v) => v.version).join(', ')}${aliases ? `, aliases ${aliases}` : ''}`;
}

/** `hearth export triton DIR` and `hearth import triton DIR`. */
export function addTritonCommands(program: Command, out: Out, { clientOptions, clientFrom }: Helpers): void {
  const exp = program.command('export').description('Write the registry in another serving system\'s layout');
  clientOptions(exp.command('triton'))
    .description('Write a Triton model repository: NAME/config.pbtxt, NAME/<version>/model.onnx, NAME/hearth.json (aliases, settings, lineage)')
    .argument('<dir>', 'a new or empty folder')
    .option('--model <names...>', 'only these models (default: all)')
    .action(async (dir: string, o: { model?: string[] }, cmd: Command) => {
      await exportTriton(clientFrom(cmd), dir, o.model ?? [], out);
    });

  const imp = program.command('import').description('Register models from another serving system\'s layout');
  clientOptions(imp.command('triton'))
    .description('Register the ONNX models of a Triton model repository with their version numbers, settings and (from hearth.json) aliases')
    .argument('<dir>', 'the model repository folder (read, never written)')
    .action(async (dir: string, _o: unknown, cmd: Command) => {
      const client = clientFrom(cmd);
      const stat = await fs.stat(dir).catch(() => null);
      if (!stat?.isDirectory()) throw new CliError(`${dir} is not a folder.`);
      const repo = await readTritonRepository(dir);
      let failed = 0;
      for (const m of repo.models) {
        try {
          out.log(`Imported ${m.name}: ${await importModel(client, m)}`);
        } catch (err) {
          failed += 1;
          out.error(`Not imported ${m.name} (nothing of it was kept): ${errorMessage(err)}`);
        }
      }
      for (const s of repo.skipped) out.log(`Skipped ${s.name}: ${s.reason}`);
      if (repo.models.length === 0 && repo.skipped.length === 0) throw new CliError(`${dir} holds no model folders.`);
      if (failed > 0) throw new CliError(`${failed} model${failed === 1 ? '' : 's'} could not be imported.`);
    });
}
