import { promises as fs } from 'node:fs';
import path from 'node:path';
import { specFromOrtMetadata } from '../protocol/datatypes.js';
import type { BlobStore } from '../registry/blobs.js';
import { inspectInChild } from '../registry/inspect.js';
import type { Registry } from '../registry/registry.js';
import { readModelRepository, RepositoryError } from './model-repository.js';
import type { RepositoryModel, RepositoryVersion } from './read-repository.js';
import { errorMessage } from '../base/message.js';
import type { Db } from '../db/database.js';
import { fitToModel, parseProcessing } from '../processing/resolve.js';
import { ProcessingStore } from '../processing/store.js';
import type { ModelVersion } from '../registry/registry.js';

export interface RepositoryOptions { dir: string; modelName?: string }
interface Deps {
  db: Db; registry: Registry; blobs: BlobStore;
  recordAdmin(e: { action: string; actor: string; model: string; version: number; detail: Record<string, unknown> }): Promise<void>;
}

/**
 * The blob of a repository file is a symbolic link to it, not a copy: the repository is read-only
 * and lives as long as the server (KServe's /mnt/models), and a copy would double the disk a large
 * model takes in the data dir.
 */
async function linkBlob(blobs: BlobStore, sha256: string, file: string): Promise<void> {
  const dest = blobs.pathOf(sha256);
  await fs.mkdir(path.dirname(dest), { recursive: true });
  await fs.rm(dest, { force: true });
  await fs.symlink(path.resolve(file), dest);
}

/**
 * The processing the sidecar records for a version, and its assets (their SHA-256 already checked
 * by readTritonModel). Also on a version registered by an earlier start that had none.
 */
async function attachProcessing(store: ProcessingStore, registered: ModelVersion, v: RepositoryVersion): Promise<void> {
  if (v.processing === undefined) return;
  const version = registered.processing ? registered : store.setSpec(registered, parseProcessing(JSON.stringify(v.processing)));
  for (const a of v.assets ?? []) store.putAsset(version, a.key, await fs.readFile(a.file));
}

async function registerModel(deps: Deps, m: RepositoryModel): Promise<number[]> {
  const { registry, blobs } = deps;
  const store = new ProcessingStore(deps.db, registry);
  const added: number[] = [];
  for (const v of m.versions) {
    const existing = registry.findBySha(m.name, v.sha256);
    if (existing) {
      if (existing.version !== v.version) throw new RepositoryError(`${m.name}: the data dir has version ${v.version}'s bytes as version ${existing.version}; start with an empty data dir.`);
      await linkBlob(blobs, v.sha256, v.file);
      await attachProcessing(store, existing, v);
      continue;
    }
    let meta;
    try {
      // In a child process, as uploads are: a file that crashes onnxruntime must not take the server with it.
      meta = await inspectInChild(v.file);
    } catch (err) {
      throw new RepositoryError(`${m.name} version ${v.version} (${v.file}) is not an ONNX model onnxruntime can load: ${errorMessage(err)}`);
    }
    const signature = { inputs: meta.inputs.map(specFromOrtMetadata), outputs: meta.outputs.map(specFromOrtMetadata) };
    // Checked against the model before anything is written, as an upload's is.
    const processing = v.processing === undefined ? null : fitToModel(parseProcessing(JSON.stringify(v.processing)), signature);
    await linkBlob(blobs, v.sha256, v.file);
    const registered = registry.addVersion({
      name: m.name, version: v.version, sha256: v.sha256, size: v.size, description: v.description,
      signature, metadata: v.metadata, tags: v.tags, settings: v.settings, processing,
    });
    await attachProcessing(store, registered, v);
    added.push(v.version);
  }
  for (const [alias, version] of Object.entries(m.aliases)) {
    if (registry.aliasVersion(m.name, alias) !== version) registry.setAlias(m.name, alias, version, 'set', 'model repository');
  }
  return added;
}

/**
 * Registers what a read-only model repository holds (see readModelRepository) into the registry
 * of the data dir, before the server listens. A model that cannot be served stops the start with
 * the reason, so a Kubernetes pod fails visibly rather than serving less than it was given.
 */
export async function serveRepository(deps: Deps, opts: RepositoryOptions, log: (line: string) => void): Promise<string[]> {
  const repo = await readModelRepository(opts.dir, opts.modelName);
  if (repo.skipped.length > 0) {
    throw new RepositoryError(`The model repository ${opts.dir} has models Hearth cannot serve: ${repo.skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}.`);
  }
  for (const m of repo.models) {
    let added: number[];
    try {
      added = await registerModel(deps, m);
    } catch (err) {
      if (err instanceof RepositoryError) throw err;
      throw new RepositoryError(`${m.name}: ${errorMessage(err)}`);
    }
    for (const version of added) {
      await deps.recordAdmin({ action: 'register', actor: 'system', model: m.name, version, detail: { repository: opts.dir } });
    }
    log(`  Model:       ${m.name} versions ${m.versions.map((v) => v.version).join(', ')} from ${opts.dir}`);
  }
  return repo.models.map((m) => m.name);
}
