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
  logLevel: Type.Union([Type.Literal('fatal'), Type.Literal('error'), Type.Literal('warn'), Type.Literal('info'),
    Type.Literal('debug'), Type.Literal('trace'), Type.Literal('silent')]),
  cacheBytes: Type.Integer({ minimum: 0 }),
  drainTimeoutMs: Type.Integer({ minimum: 0 }),
  keepAliveSeconds: Type.Integer({ minimum: 0, description: 'Idle non-production versions unload after this; 0 keeps them loaded.' }),
  cpuBudgetBytes: Type.Integer({ minimum: 0, description: 'Model memory allowed on the CPU (estimated 2× file size per version).' }),
  maxLoadedVersions: Type.Integer({ minimum: 1, description: 'Most versions loaded per device.' }),
  hardwarePollMs: Type.Integer({ minimum: 500, description: 'How often GPUs are polled.' }),
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
    logLevel: 'info',
    cacheBytes: 64 * 1024 * 1024,
    drainTimeoutMs: 10_000,
    keepAliveSeconds: 900,
    cpuBudgetBytes: Math.floor(os.totalmem() / 2),
    maxLoadedVersions: 32,
    hardwarePollMs: 5000,
  };
}

/** Merges overrides onto the defaults and checks the result; a bad value names itself. */
export function resolveConfig(overrides: Partial<Config> = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  const config = { ...defaultConfig(env), ...defined };
  const errors = [...Value.Errors(ConfigSchema, config)];
  if (errors.length > 0) {
    const e = errors[0];
    const name = e.path.replace(/^\//, '') || 'config';
    throw new ConfigError(`Invalid setting "${name}" (${JSON.stringify(e.value)}): ${e.message}.`);
  }
  return { ...config, dataDir: path.resolve(config.dataDir) };
}
