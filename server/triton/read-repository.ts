import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { DEFAULT_SETTINGS, type VersionSettings } from '../registry/settings.js';
import { ConfigTextError, parseConfigText, type TritonConfig } from './config-text.js';
import { settingsFrom } from './settings-map.js';
import { parseSidecar, SIDECAR_FILE, SidecarError, type Sidecar, type SidecarVersion } from './sidecar.js';

export const CONFIG_FILE = 'config.pbtxt';
const NAME_RE = /^[A-Za-z0-9._-]{1,128}$/;

/** One version found on disk, with what Hearth registers it with. */
export interface RepositoryVersion {
  version: number;
  file: string;
  sha256: string;
  size: number;
  description: string;
  metadata: Record<string, unknown>;
  tags: string[];
  settings: VersionSettings;
  /** Processing as the sidecar records it, and its files (`<version>/assets/KEY`). */
  processing?: unknown;
  assets?: { key: string; file: string }[];
}

export interface RepositoryModel { name: string; versions: RepositoryVersion[]; aliases: Record<string, number> }
export interface SkippedModel { name: string; reason: string }
export interface Repository { models: RepositoryModel[]; skipped: SkippedModel[] }

/** Why a model is not taken: said once, and nothing of that model is registered. */
export class SkipModel extends Error {}

const exists = (p: string) => fs.stat(p).then((s) => s, () => null);

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function unsupported(config: TritonConfig): string | null {
  if (config.platform === 'ensemble' || config.otherScheduler === 'ensemble_scheduling') {
    return 'it is an ensemble; Hearth serves single ONNX models (import the models it chains one by one)';
  }
  if (config.otherScheduler === 'sequence_batching') return 'it uses sequence batching (a stateful model); Hearth has no sequence scheduler';
  const platformOk = config.platform === '' || config.platform === 'onnxruntime_onnx';
  const backendOk = config.backend === '' || config.backend === 'onnxruntime';
  if (!platformOk || !backendOk) {
    const what = !platformOk ? `platform "${config.platform}"` : `backend "${config.backend}"`;
    const hint = config.platform === 'tensorrt_plan' || config.backend === 'tensorrt' ? ' (TensorRT plans run only on Triton)'
      : config.backend === 'python' ? ' (Python models run only on Triton)' : '';
    return `its ${what} is not onnxruntime_onnx${hint}; Hearth runs ONNX models only`;
  }
  return null;
}

/** A version's processing files (`<version>/assets/KEY`), each checked against the SHA-256 its sidecar records. */
async function readAssets(dir: string, recorded: SidecarVersion): Promise<{ key: string; file: string }[]> {
  const out: { key: string; file: string }[] = [];
  for (const a of recorded.assets ?? []) {
    const file = path.join(dir, String(recorded.version), 'assets', a.key);
    if (!(await exists(file))?.isFile()) throw new SkipModel(`version ${recorded.version}'s asset "${a.key}" is missing (${path.join(String(recorded.version), 'assets', a.key)})`);
    if (await sha256File(file) !== a.sha256) {
      throw new SkipModel(`version ${recorded.version}'s asset "${a.key}" does not match the SHA-256 its ${SIDECAR_FILE} records (${a.sha256.slice(0, 12)}…)`);
    }
    out.push({ key: a.key, file });
  }
  return out;
}

/**
 * Reads one Triton model directory (`config.pbtxt`, `<version>/model.onnx`, optional sidecar)
 * without writing to it. Throws SkipModel with the reason when any part cannot be taken.
 */
export async function readTritonModel(dir: string, name: string): Promise<RepositoryModel> {
  if (!NAME_RE.test(name) || name === '.' || name === '..') throw new SkipModel('its name is not a valid Hearth model name (letters, digits, "-", "_", ".")');
  let config: TritonConfig | null = null;
  const configPath = path.join(dir, CONFIG_FILE);
  if (await exists(configPath)) {
    try {
      config = parseConfigText(await fs.readFile(configPath, 'utf8'), `${name}/${CONFIG_FILE}`);
    } catch (err) {
      if (err instanceof ConfigTextError) throw new SkipModel(`its config.pbtxt does not parse: ${err.message}`);
      throw err;
    }
    if (config.name !== '' && config.name !== name) throw new SkipModel(`its config.pbtxt names it "${config.name}", not "${name}"`);
    const why = unsupported(config);
    if (why) throw new SkipModel(why);
  }
  let sidecar: Sidecar | undefined;
  const sidecarPath = path.join(dir, SIDECAR_FILE);
  if (await exists(sidecarPath)) {
    try {
      sidecar = parseSidecar(await fs.readFile(sidecarPath, 'utf8'), `${name}/${SIDECAR_FILE}`);
    } catch (err) {
      if (err instanceof SidecarError) throw new SkipModel(err.message);
      throw err;
    }
    if (sidecar.name !== name) throw new SkipModel(`its ${SIDECAR_FILE} is for "${sidecar.name}"`);
  }
  const fileName = config?.defaultModelFilename || 'model.onnx';
  const numbers = (await fs.readdir(dir, { withFileTypes: true }))
    .filter((e) => e.isDirectory() && /^[0-9]+$/.test(e.name) && Number(e.name) >= 1 && Number.isSafeInteger(Number(e.name)))
    .map((e) => Number(e.name)).sort((a, b) => a - b);
  if (numbers.length === 0) throw new SkipModel('it has no version folders (1/, 2/, …)');
  const configured = config ? settingsFrom(config) : { ...DEFAULT_SETTINGS };
  const versions: RepositoryVersion[] = [];
  for (const version of numbers) {
    const file = path.join(dir, String(version), fileName);
    const stat = await exists(file);
    if (!stat) throw new SkipModel(`version ${version} has no ${fileName}`);
    if (!stat.isFile()) throw new SkipModel(`version ${version}'s ${fileName} is not a single file (ONNX with external data is not supported)`);
    const sha256 = await sha256File(file);
    const recorded = sidecar?.versions.find((v) => v.version === version);
    if (recorded && recorded.sha256 !== sha256) {
      throw new SkipModel(`version ${version}'s file does not match the SHA-256 its ${SIDECAR_FILE} records (${recorded.sha256.slice(0, 12)}…)`);
    }
    versions.push({
      version, file, sha256, size: stat.size,
      description: recorded?.description ?? '', metadata: recorded?.metadata ?? {}, tags: recorded?.tags ?? [],
      settings: recorded?.settings ?? configured,
      ...(recorded?.processing ? { processing: recorded.processing, assets: await readAssets(dir, recorded) } : {}),
    });
  }
  const missing = sidecar?.versions.filter((v) => !numbers.includes(v.version)) ?? [];
  if (missing.length > 0) throw new SkipModel(`its ${SIDECAR_FILE} lists version ${missing[0].version}, which has no folder`);
  return { name, versions, aliases: sidecar?.aliases ?? {} };
}

/** Is this folder a Triton model (a config.pbtxt, or a numbered version folder)? */
export async function looksLikeTritonModel(dir: string): Promise<boolean> {
  if (await exists(path.join(dir, CONFIG_FILE))) return true;
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.some((e) => e.isDirectory() && /^[0-9]+$/.test(e.name));
}

/** Reads every model folder of a Triton model repository; unsupported ones are listed with the reason. */
export async function readTritonRepository(root: string): Promise<Repository> {
  const models: RepositoryModel[] = [];
  const skipped: SkippedModel[] = [];
  const entries = (await fs.readdir(root, { withFileTypes: true })).filter((e) => e.isDirectory() && !e.name.startsWith('.'));
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    try {
      models.push(await readTritonModel(path.join(root, e.name), e.name));
    } catch (err) {
      if (err instanceof SkipModel) skipped.push({ name: e.name, reason: err.message });
      else throw err;
    }
  }
  return { models, skipped };
}
