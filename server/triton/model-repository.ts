import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DEFAULT_SETTINGS } from '../registry/settings.js';
import {
  looksLikeTritonModel, readTritonModel, readTritonRepository, sha256File, SkipModel, CONFIG_FILE, type Repository,
} from './read-repository.js';

export class RepositoryError extends Error {}

/** Every .onnx file under dir (hidden folders left out, as a storage initializer's own files are). */
async function onnxFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) found.push(...await onnxFiles(p));
    else if (e.isFile() && e.name.endsWith('.onnx')) found.push(p);
  }
  return found.sort();
}

/**
 * Reads a model repository to serve, in one of three layouts, without writing to it:
 * a Triton repository (`NAME/config.pbtxt`, `NAME/<version>/model.onnx`); one Triton model folder
 * (`config.pbtxt` at the top, named `modelName`); or KServe's single model (`model.onnx`, or the one
 * `.onnx` file anywhere below), served as `modelName`, version 1.
 */
export async function readModelRepository(dir: string, modelName?: string): Promise<Repository> {
  const stat = await fs.stat(dir).catch(() => null);
  if (!stat?.isDirectory()) throw new RepositoryError(`The model repository ${dir} is not a folder.`);
  if (await fs.stat(path.join(dir, CONFIG_FILE)).catch(() => null)) {
    const name = modelName ?? path.basename(path.resolve(dir));
    try {
      return { models: [await readTritonModel(dir, name)], skipped: [] };
    } catch (err) {
      if (err instanceof SkipModel) return { models: [], skipped: [{ name, reason: err.message }] };
      throw err;
    }
  }
  const subdirs = (await fs.readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory() && !e.name.startsWith('.'));
  for (const e of subdirs) {
    if (await looksLikeTritonModel(path.join(dir, e.name))) return readTritonRepository(dir);
  }
  const top = path.join(dir, 'model.onnx');
  const files = (await fs.stat(top).catch(() => null))?.isFile() ? [top] : await onnxFiles(dir);
  if (files.length === 0) throw new RepositoryError(`${dir} holds no Triton model folders and no .onnx file.`);
  if (files.length > 1) {
    throw new RepositoryError(`${dir} holds ${files.length} .onnx files (${files.map((f) => path.relative(dir, f)).join(', ')}) and no model.onnx at the top; ` +
      'use the Triton layout (NAME/1/model.onnx) to serve several models.');
  }
  if (modelName === undefined) throw new RepositoryError(`${dir} holds a single model: name it with --model-name.`);
  const file = files[0];
  const size = (await fs.stat(file)).size;
  return {
    models: [{
      name: modelName, aliases: {},
      versions: [{ version: 1, file, sha256: await sha256File(file), size, description: '', metadata: {}, tags: [], settings: { ...DEFAULT_SETTINGS } }],
    }],
    skipped: [],
  };
}
