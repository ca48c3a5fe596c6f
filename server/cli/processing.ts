import { promises as fs } from 'node:fs';
import type { Command } from 'commander';
import type { VersionInfo } from '../http/routes/admin-schemas.js';
import { CliError, type AdminClient } from './client.js';

/** What `--processing` and `--asset` add to `hearth model add` and `hearth model set`. */
export interface ProcessingOptions { processing?: string; asset?: string[] }

const enc = encodeURIComponent;

export function addProcessingOptions(cmd: Command): Command {
  return cmd
    .option('--processing <spec>', 'pre- and post-processing: preset:NAME (ppocr-cls, ppocr-rec, imagenet, bert) or a JSON spec file')
    .option('--asset <key=file>', 'a file the processing reads, e.g. keys=ppocr_keys_v1.txt, labels=labels.txt, tokenizer=tokenizer.json (repeat for more)',
      (value: string, list: string[] = []) => [...list, value]);
}

/** The spec as the admin API takes it: `preset:NAME` as is, else the JSON text of the file named. */
export async function processingText(value: string): Promise<string> {
  if (value.startsWith('preset:')) return value;
  try {
    return await fs.readFile(value, 'utf8');
  } catch {
    throw new CliError(`Cannot read the processing spec ${value}; give preset:NAME or a JSON file.`);
  }
}

/** Checks every KEY=FILE before anything is sent, so a typo registers nothing. */
export async function readAssets(list: string[] = []): Promise<{ key: string; content: Buffer }[]> {
  return Promise.all(list.map(async (item) => {
    const at = item.indexOf('=');
    if (at <= 0) throw new CliError(`--asset takes KEY=FILE (e.g. keys=ppocr_keys_v1.txt), not "${item}".`);
    const file = item.slice(at + 1);
    const content = await fs.readFile(file).catch(() => { throw new CliError(`Cannot read ${file}.`); });
    return { key: item.slice(0, at), content };
  }));
}

export async function putAssets(client: AdminClient, name: string, version: number, assets: { key: string; content: Buffer }[]): Promise<void> {
  for (const a of assets) {
    await client.request('PUT', `/admin/v1/models/${enc(name)}/versions/${version}/assets/${enc(a.key)}`, a.content, { 'content-type': 'application/octet-stream' });
  }
}

/** `hearth model set NAME V --processing FILE [--asset K=F]`: sets a version's processing once, then its assets. */
export async function setProcessing(client: AdminClient, name: string, version: number, o: ProcessingOptions): Promise<string[]> {
  const assets = await readAssets(o.asset);
  const lines: string[] = [];
  if (o.processing) {
    const text = await processingText(o.processing);
    const body: unknown = text.startsWith('preset:') ? { preset: text.slice('preset:'.length) } : JSON.parse(text);
    await client.request('PUT', `/admin/v1/models/${enc(name)}/versions/${version}/processing`, body);
    lines.push(`${name} version ${version}: processing set.`);
  }
  await putAssets(client, name, version, assets);
  for (const a of assets) lines.push(`${name} version ${version}: asset ${a.key} attached (${a.content.length} bytes).`);
  return lines;
}

/** Lines for `hearth model show` about a version's processing. */
export function describeProcessing(v: Pick<VersionInfo, 'name' | 'version' | 'processing'>, indent = '    '): string[] {
  const p = v.processing;
  if (!p) return [];
  const spec = p.spec as { preset?: string };
  const sig = (list: typeof p.inputs) => list.map((t) => `${t.name} ${t.datatype}[${t.shape.join(',')}]`).join(', ');
  return [
    `${indent}processing: ${spec.preset ? `preset ${spec.preset}` : 'custom'}; clients send ${sig(p.inputs)} and get ${sig(p.outputs)}`,
    ...(p.assets.length ? [`${indent}assets: ${p.assets.map((a) => `${a.key} (${a.size} bytes, sha256 ${a.sha256.slice(0, 12)}…)`).join(', ')}`] : []),
    ...(p.missingAssets.length ? [`${indent}waiting for assets: ${p.missingAssets.join(', ')} (hearth model set ${v.name} ${v.version} --asset KEY=FILE)`] : []),
    `${indent}spec: ${JSON.stringify(p.spec)}`,
  ];
}
