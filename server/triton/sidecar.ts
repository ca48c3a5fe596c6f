import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { VersionSettingsSchema } from '../registry/settings.js';
import { errorMessage } from '../base/message.js';

/**
 * What Triton's config cannot hold — aliases, per-version settings, descriptions, lineage, tags and
 * each file's SHA-256 — kept beside config.pbtxt in a file Triton does not read.
 */
export const SIDECAR_FILE = 'hearth.json';

export const SidecarSchema = Type.Object({
  format: Type.Literal('hearth-triton-sidecar'),
  formatVersion: Type.Literal(1),
  name: Type.String(),
  aliases: Type.Record(Type.String(), Type.Integer({ minimum: 1 })),
  /** What the export could not carry over to Triton (versions its config cannot describe). */
  notes: Type.Optional(Type.Array(Type.String())),
  versions: Type.Array(Type.Object({
    version: Type.Integer({ minimum: 1 }),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    size: Type.Integer({ minimum: 0 }),
    description: Type.String(),
    metadata: Type.Record(Type.String(), Type.Unknown()),
    tags: Type.Array(Type.String()),
    settings: VersionSettingsSchema,
    /** Pre- and post-processing (server/processing/spec.ts), and its files under `<version>/assets/KEY`. */
    processing: Type.Optional(Type.Unknown()),
    assets: Type.Optional(Type.Array(Type.Object({
      key: Type.String({ pattern: '^[A-Za-z0-9._-]{1,64}$' }), sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }), size: Type.Integer({ minimum: 0 }),
    }, { additionalProperties: false }))),
  }, { additionalProperties: false })),
}, { additionalProperties: false });
export type Sidecar = Static<typeof SidecarSchema>;
export type SidecarVersion = Sidecar['versions'][number];

export class SidecarError extends Error {}

/** Parses and checks a sidecar's text; `where` names the file in errors. */
export function parseSidecar(text: string, where: string): Sidecar {
  let value: unknown;
  try { value = JSON.parse(text); } catch (err) {
    throw new SidecarError(`${where} is not JSON: ${errorMessage(err)}`);
  }
  const first = [...Value.Errors(SidecarSchema, value)][0];
  if (first) throw new SidecarError(`${where}: ${first.path || 'the file'} ${first.message}.`);
  const sidecar = value as Sidecar;
  const numbers = new Set(sidecar.versions.map((v) => v.version));
  for (const [alias, v] of Object.entries(sidecar.aliases)) {
    if (!numbers.has(v)) throw new SidecarError(`${where}: alias "${alias}" points at version ${v}, which it does not list.`);
  }
  return sidecar;
}
