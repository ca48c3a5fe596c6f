import os from 'node:os';
import path from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

export const ConfigSchema = Type.Object({
  host: Type.String({ minLength: 1, description: 'Address to bind; 127.0.0.1 (loopback only) by default.' }),
  port: Type.Integer({ minimum: 0, maximum: 65535 }),
  dataDir: Type.String({ minLength: 1 }),
  adminToken: Type.Optional(Type.String({ minLength: 16 })),
  requireApiKey: Type.Boolean(),
  workers: Type.Integer({ minimum: 1, maximum: 256 }),
  bodyLimitBytes: Type.Integer({ minimum: 1024 }),
  uploadLimitBytes: Type.Integer({ minimum: 1024 }),
  demoModels: Type.Boolean(),
  usageLog: Type.Boolean(),
  durability: Type.Union([Type.Literal('process-crash'), Type.Literal('power-loss')], { description: 'process-crash (default): what was answered survives a killed process; the last second of commits can be lost to a power cut. power-loss: every commit and usage record is synced to disk before the answer (slower).' }),
  usageFsync: Type.Boolean({ description: 'fdatasync the usage journal before each response: records survive a power loss, not only a killed process.' }),
  logLevel: Type.Union([Type.Literal('fatal'), Type.Literal('error'), Type.Literal('warn'), Type.Literal('info'),
    Type.Literal('debug'), Type.Literal('trace'), Type.Literal('silent')]),
  cacheBytes: Type.Integer({ minimum: 0 }),
  inlineMaxUs: Type.Integer({ minimum: 0, maximum: 10_000, description: 'Run a CPU model on the HTTP thread when its median run takes at most this many µs (server/runtime/inline.ts); 0: always in worker threads.' }),
  drainTimeoutMs: Type.Integer({ minimum: 0 }),
  heartbeatMs: Type.Integer({ minimum: 100, description: 'How often uptime is recorded; a crash loses at most this much up time.' }),
  latencyRetentionDays: Type.Integer({ minimum: 1, maximum: 3650, description: 'Days of per-minute latency history kept.' }),
  keepAliveSeconds: Type.Integer({ minimum: 0, description: 'Idle non-production versions unload after this; 0 keeps them loaded.' }),
  cpuBudgetBytes: Type.Integer({ minimum: 0, description: 'Model memory allowed on the CPU (estimated 2× file size per version).' }),
  maxLoadedVersions: Type.Integer({ minimum: 1, description: 'Most versions loaded per device.' }),
  hardwarePollMs: Type.Integer({ minimum: 500, description: 'How often GPUs are polled.' }),
  hostGiven: Type.Optional(Type.Boolean({ description: 'Set by resolveConfig: host came from a flag or HEARTH_HOST, so it wins over an exposure saved at run time.' })),
  allow: Type.Optional(Type.Array(Type.String(), { description: 'Client address ranges (CIDR) that may connect; wins over the saved list. Default: loopback and private ranges.' })),
  corsOrigins: Type.Optional(Type.Array(Type.String(), { description: 'Web origins whose pages may call the API; wins over the saved list. Default: none.' })),
  ratePerSecond: Type.Optional(Type.Union([Type.Number({ exclusiveMinimum: 0 }), Type.Null()], { description: 'Default requests per second per API key.' })),
  maxConcurrent: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], { description: 'Default requests in flight per API key.' })),
  tls: Type.Boolean({ description: 'Serve HTTPS with a self-signed certificate kept in the data directory.' }),
  tlsCert: Type.Optional(Type.String({ minLength: 1, description: 'The site\'s own certificate (PEM); needs tlsKey.' })),
  tlsKey: Type.Optional(Type.String({ minLength: 1, description: 'The key of tlsCert (PEM).' })),
  trustProxy: Type.Array(Type.String({ minLength: 1 }), { description: 'Proxies (addresses or CIDR ranges) whose X-Forwarded-For names the real client.' }),
  rejectedPerSecond: Type.Number({ minimum: 0, description: 'Refused requests (401, 403, 404, 429) a client address may cause per second, in bursts of 10 s worth; past it the address gets 429. 0: no limit. Loopback clients are not counted.' }),
  allowedHosts: Type.Array(Type.String({ minLength: 1 }), { description: 'Host names the server answers to besides its addresses, localhost and its own host name (DNS rebinding defence); "*.example.org" for subdomains, "*" for any.' }),
  maxHeaderBytes: Type.Integer({ minimum: 1024, description: 'Largest request head; larger gets 431.' }),
  headersTimeoutMs: Type.Integer({ minimum: 100, description: 'Time a client has to send the request head.' }),
  requestTimeoutMs: Type.Integer({ minimum: 100, description: 'Time a client has to send the whole request, body included.' }),
  uploadTimeoutMs: Type.Integer({ minimum: 100, description: 'Time an admin has to send a model file to the upload route.' }),
  followUrl: Type.Optional(Type.String({ pattern: '^https?://[^\\s]+$', description: 'Follower mode: mirror the registry of the Hearth at this URL (the leader).' })),
  followKey: Type.Optional(Type.String({ minLength: 1, description: "A key of the leader with the follow scope (follower mode); never logged, so no length rule that would echo it." })),
  followFingerprint: Type.Optional(Type.String({ minLength: 1, description: "SHA-256 fingerprint of the leader's TLS certificate; needed for an https leader." })),
  followInsecure: Type.Boolean({ description: 'Allow following a plain http leader (the key and models travel unprotected).' }),
  followIntervalMs: Type.Integer({ minimum: 100, description: 'How often a follower polls its leader.' }),
  followMaxRemovals: Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'Versions and keys one sync may remove before mirroring stops for the operator to confirm.' }),
  keysFile: Type.Optional(Type.String({ minLength: 1, description: 'A JSON list of API keys by their SHA-256 hash (server/auth/keys-file.ts), read at start and whenever it changes; the keys are read-only here. For a Kubernetes Secret.' })),
  keysFilePollMs: Type.Integer({ minimum: 100, description: 'How often the keys file is checked for a change.' }),
  followGraceDays: Type.Integer({ minimum: 0, maximum: 3650, description: 'Days the model files a follower removes are kept in blobs/removed before they are unlinked.' }),
});
export type Config = Static<typeof ConfigSchema>;

export class ConfigError extends Error {}

/** The platform's folder for application data, as the design names it. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HEARTH_DATA_DIR) return env.HEARTH_DATA_DIR;
  const home = os.homedir();
  if (process.platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Hearth');
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Hearth');
  return path.join(env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), 'hearth');
}

export function defaultConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    host: env.HEARTH_HOST ?? '127.0.0.1',
    port: env.HEARTH_PORT !== undefined ? Number(env.HEARTH_PORT) : 8600,
    dataDir: defaultDataDir(env),
    adminToken: env.HEARTH_ADMIN_TOKEN || undefined,
    requireApiKey: false,
    workers: os.availableParallelism(),
    bodyLimitBytes: 64 * 1024 * 1024,
    uploadLimitBytes: 2 * 1024 * 1024 * 1024,
    demoModels: true,
    usageLog: true,
    durability: (env.HEARTH_DURABILITY ?? 'process-crash') as Config['durability'],
    usageFsync: false,
    logLevel: 'info',
    cacheBytes: 64 * 1024 * 1024,
    inlineMaxUs: 100,
    drainTimeoutMs: 10_000,
    heartbeatMs: 10_000,
    latencyRetentionDays: 30,
    keepAliveSeconds: 900,
    cpuBudgetBytes: Math.floor(os.totalmem() / 2),
    maxLoadedVersions: 32,
    hardwarePollMs: 5000,
    tls: false,
    trustProxy: env.HEARTH_TRUST_PROXY ? env.HEARTH_TRUST_PROXY.split(',').map((x) => x.trim()).filter(Boolean) : [],
    rejectedPerSecond: 10,
    allowedHosts: env.HEARTH_ALLOWED_HOSTS ? env.HEARTH_ALLOWED_HOSTS.split(',').map((x) => x.trim()).filter(Boolean) : [],
    maxHeaderBytes: 16 * 1024,
    headersTimeoutMs: 20_000,
    requestTimeoutMs: 120_000,
    // An hour: 2 GiB at 0.6 MB/s.
    uploadTimeoutMs: 3_600_000,
    followUrl: env.HEARTH_FOLLOW_URL || undefined,
    followKey: env.HEARTH_FOLLOW_KEY || undefined,
    followFingerprint: env.HEARTH_FOLLOW_FINGERPRINT || undefined,
    followInsecure: false,
    followIntervalMs: 2000,
    followMaxRemovals: 3,
    followGraceDays: 7,
    keysFile: env.HEARTH_KEYS_FILE || undefined,
    keysFilePollMs: 10_000,
  };
}

/** Merges overrides onto the defaults and checks the result; a bad value names itself. */
export function resolveConfig(overrides: Partial<Config> = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  const config = { ...defaultConfig(env), hostGiven: overrides.host !== undefined || env.HEARTH_HOST !== undefined, ...defined };
  const errors = [...Value.Errors(ConfigSchema, config)];
  if (errors.length > 0) {
    const e = errors[0];
    const name = e.path.replace(/^\//, '') || 'config';
    throw new ConfigError(`Invalid setting "${name}" (${JSON.stringify(e.value)}): ${e.message}.`);
  }
  return { ...config, dataDir: path.resolve(config.dataDir) };
}
