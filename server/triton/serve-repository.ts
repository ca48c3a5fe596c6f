import { promises as fs } from 'node:fs';
import path from 'node:path';
import { specFromOrtMetadata } from '../protocol/datatypes.js';
import type { BlobStore } from '../registry/blobs.js';
import { inspectInChild } from '../registry/inspect.js';
import type { Registry } from '../registry/registry.js';
import { readModelRepository, RepositoryError } from './model-repository.js';
import type { RepositoryModel } from './read-repository.js';
import { errorMessage } from '../base/message.js';

export interface RepositoryOptions { dir: string; modelName?: string }
interface Deps {
  registry: Registry; blobs: BlobStore;
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

async function registerModel(deps: Deps, m: RepositoryModel): Promise<number[]> {
  const { registry, blobs } = deps;
  const added: number[] = [];
  for (const v of m.versions) {
    const existing = registry.findBySha(m.name, v.sha256);
    if (existing) {
      if (existing.version !== v.version) throw new RepositoryError(`${m.name}: the data dir has version ${v.version}'s bytes as version ${existing.version}; start with an empty data dir.`);
      await linkBlob(blobs, v.sha256, v.file);
      continue;
    }
    let meta;
    try {
      // In a child process, as uploads are: a file that crashes onnxruntime must not take the server with it.
      meta = await inspectInChild(v.file);
    } catch (err) {
      throw new RepositoryError(`${m.name} version ${v.version} (${v.file}) is not an ONNX model onnxruntime can load: ${errorMessage(err)}`);
    }
    await linkBlob(blobs, v.sha256, v.file);
    registry.addVersion({
      name: m.name, version: v.version, sha256: v.sha256, size: v.size, description: v.description,
      signature: { inputs: meta.inputs.map(specFromOrtMetadata), outputs: meta.outputs.map(specFromOrtMetadata) },
      metadata: v.metadata, tags: v.tags, settings: v.settings,
    });
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
