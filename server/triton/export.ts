import { createReadStream } from 'node:fs';
import type { BlobStore } from '../registry/blobs.js';
import type { Registry } from '../registry/registry.js';
import { writeConfigText } from './config-text.js';
import { configFor } from './settings-map.js';
import { SIDECAR_FILE, type Sidecar } from './sidecar.js';
import type { TarEntry } from './tar.js';

/** A version's processing files (labels, characters, tokenizer), exported beside its model.onnx. */
export type VersionAssets = (v: { name: string; version: number }) => { key: string; sha256: string; size: number; content: Buffer }[];


const text = (path: string, body: string): TarEntry => {
  const bytes = Buffer.from(body, 'utf8');
  return { path, size: bytes.length, open: () => bytes };
};

/**
 * The files of a Triton model repository for the named models: `NAME/config.pbtxt`,
 * `NAME/<version>/model.onnx` for every version, and the sidecar. The config describes the version
 * served by default (production, else the newest); its version_policy lists the versions with that
 * signature, since one Triton config cannot describe versions whose inputs or outputs differ.
 */
export function tritonExport(registry: Registry, blobs: BlobStore, names: string[], assets?: VersionAssets): TarEntry[] {
  const entries: TarEntry[] = [];
  for (const name of names) {
    const notes: string[] = [];
    const model = registry.getModel(name);
    const versions = registry.listVersions(name);
    if (versions.length === 0) continue;
    const reference = registry.getVersion(name, registry.resolveDefault(name));
    const same = JSON.stringify(reference.signature);
    const serving = versions.filter((v) => JSON.stringify(v.signature) === same).map((v) => v.version);
    for (const v of versions) {
      if (!serving.includes(v.version)) {
        notes.push(`Version ${v.version}: its inputs or outputs differ from version ${reference.version}'s; its file is exported, but Triton will not serve it.`);
      }
    }
    entries.push(text(`${name}/config.pbtxt`, writeConfigText(configFor(name, reference.signature, reference.settings, serving))));
    const sidecar: Sidecar = {
      format: 'hearth-triton-sidecar',
      formatVersion: 1,
      name,
      aliases: model.aliases,
      ...(notes.length > 0 ? { notes } : {}),
      versions: versions.map((v) => ({
        version: v.version, sha256: v.sha256, size: v.size, description: v.description,
        metadata: v.metadata, tags: v.tags, settings: v.settings,
        ...(v.processing ? { processing: v.processing, assets: (assets?.(v) ?? []).map(({ key, sha256, size }) => ({ key, sha256, size })) } : {}),
      })),
    };
    entries.push(text(`${name}/${SIDECAR_FILE}`, `${JSON.stringify(sidecar, null, 2)}\n`));
    for (const v of versions) {
      entries.push({ path: `${name}/${v.version}/model.onnx`, size: v.size, open: () => createReadStream(blobs.pathOf(v.sha256)) });
      if (v.processing) {
        for (const a of assets?.(v) ?? []) entries.push({ path: `${name}/${v.version}/assets/${a.key}`, size: a.size, open: () => a.content });
      }
    }
  }
  return entries;
}
