import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { Config } from '../../base/config.js';
import type { Db } from '../../db/database.js';
import { badRequest } from '../errors.js';
import { CidrError, DEFAULT_ALLOWLIST, parseCidr } from './cidr.js';

export const RateLimitSchema = Type.Object({
  perSecond: Type.Union([Type.Null(), Type.Number({ exclusiveMinimum: 0, maximum: 1_000_000 })], {
    description: 'requests per second per API key (a token bucket holding one second of requests); null: no limit',
  }),
  concurrent: Type.Union([Type.Null(), Type.Integer({ minimum: 1, maximum: 100_000 })], {
    description: 'requests in flight per API key; null: no limit',
  }),
}, { additionalProperties: false });
export type RateLimit = Static<typeof RateLimitSchema>;

export const NetworkSettingsSchema = Type.Object({
  exposure: Type.String({
    minLength: 1, maxLength: 64,
    description: '"loopback" (127.0.0.1 only), "all" (every interface), or one interface: its name (eth0) or one of its addresses',
  }),
  allow: Type.Array(Type.String({ maxLength: 64 }), {
    maxItems: 1024, description: 'client address ranges (CIDR) that may connect; loopback always may',
  }),
  corsOrigins: Type.Array(Type.String({ maxLength: 256 }), {
    maxItems: 256, description: 'web origins (https://host:port) whose pages may call the API; empty: cross-origin calls are refused',
  }),
  rateLimit: RateLimitSchema,
}, { additionalProperties: false });
export type NetworkSettings = Static<typeof NetworkSettingsSchema>;

/** Any subset of the settings; a rate limit may change one of its two numbers alone. */
export const NetworkPatchSchema = Type.Object({
  exposure: Type.Optional(NetworkSettingsSchema.properties.exposure),
  allow: Type.Optional(NetworkSettingsSchema.properties.allow),
  corsOrigins: Type.Optional(NetworkSettingsSchema.properties.corsOrigins),
  rateLimit: Type.Optional(Type.Partial(RateLimitSchema, { additionalProperties: false })),
}, { additionalProperties: false });
export type NetworkPatch = Static<typeof NetworkPatchSchema>;

export const DEFAULT_NETWORK: NetworkSettings = {
  exposure: 'loopback',
  allow: [...DEFAULT_ALLOWLIST],
  corsOrigins: [],
  rateLimit: { perSecond: null, concurrent: null },
};

/** The exposure a bind address stands for; the two loopback spellings mean the default. */
export function exposureOfHost(host: string): string {
  return host === '127.0.0.1' || host === 'localhost' ? 'loopback' : host;
}

/** "https://app.example:8443" as browsers send it in Origin, or "*" for any origin. */
export function checkOrigin(origin: string): string {
  if (origin === '*') return origin;
  let url: URL | undefined;
  try { url = new URL(origin); } catch { url = undefined; }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== origin) {
    throw badRequest(`"${origin}" is not a web origin; write it as a browser sends it, e.g. https://app.example.org or http://10.0.0.5:3000.`);
  }
  return origin;
}

/** Checks every field a patch sets; returns the patch with ranges and origins in canonical form. */
export function validatePatch(patch: NetworkPatch): NetworkPatch {
  if (!Value.Check(NetworkPatchSchema, patch)) {
    const e = [...Value.Errors(NetworkPatchSchema, patch)][0];
    throw badRequest(`Invalid network setting ${e?.path || ''}: ${e?.message ?? 'bad value'}.`);
  }
  const out: NetworkPatch = { ...patch };
  if (patch.allow) {
    out.allow = [...new Set(patch.allow.map((r) => {
      try {
        const c = parseCidr(r);
        return `${c.address}/${c.prefix}`;
      } catch (err) {
        throw badRequest(err instanceof CidrError ? err.message : String(err));
      }
    }))];
  }
  if (patch.corsOrigins) out.corsOrigins = [...new Set(patch.corsOrigins.map(checkOrigin))];
  return out;
}

const SETTINGS_KEY = 'network';

/** What the admin changed at run time, kept in the `settings` table so that it outlives restarts. */
export class NetworkStore {
  constructor(private readonly db: Db) {}

  saved(): NetworkPatch {
    const row = this.db.prepare('SELECT value FROM settings WHERE key = ?').get(SETTINGS_KEY) as { value: string } | undefined;
    if (!row) return {};
    let value: unknown;
    try { value = JSON.parse(row.value); } catch { return {}; }
    // A value this code cannot read is ignored rather than stopping the server; the next change rewrites it.
    return Value.Check(NetworkPatchSchema, value) ? value : {};
  }

  save(patch: NetworkPatch): void {
    const next = { ...this.saved(), ...patch };
    this.db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value')
      .run(SETTINGS_KEY, JSON.stringify(next));
  }
}

/**
 * The settings a server starts with: a value given at start (flag, environment, config) wins,
 * then what the admin saved at run time, then the default.
 */
export function initialSettings(config: Config, saved: NetworkPatch): NetworkSettings {
  const given: NetworkPatch = {};
  if (config.hostGiven === true || saved.exposure === undefined) given.exposure = exposureOfHost(config.host);
  if (config.allow !== undefined) given.allow = config.allow;
  if (config.corsOrigins !== undefined) given.corsOrigins = config.corsOrigins;
  const rate = { ...DEFAULT_NETWORK.rateLimit, ...saved.rateLimit };
  if (config.ratePerSecond !== undefined) rate.perSecond = config.ratePerSecond;
  if (config.maxConcurrent !== undefined) rate.concurrent = config.maxConcurrent;
  return {
    ...DEFAULT_NETWORK,
    ...saved,
    ...validatePatch(given),
    rateLimit: rate,
  };
}
