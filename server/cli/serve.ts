import { Option, type Command } from 'commander';
import { resolveConfig, type Config } from '../base/config.js';
import { instanceId } from '../follow/instance.js';
import { displayUrl } from '../follow/leader-client.js';
import { launchReporter } from '../launch-report.js';
import { startServer } from '../serve.js';
import { VERSION } from '../base/version.js';
import { int, type Out } from './common.js';
import { servingSummary } from './network.js';
import { errorMessage } from '../base/message.js';

/** `hearth serve`: runs the server in this process until SIGTERM or SIGINT, then drains. */
export function addServeCommand(program: Command, out: Out): void {
  program.command('serve')
    .description('Run the server (headless). Binds to 127.0.0.1 unless --host says otherwise.')
    .option('--host <host>', 'address to bind (env HEARTH_HOST; default 127.0.0.1, loopback only)')
    .option('--port <port>', 'port (env HEARTH_PORT; default 8600)', int('--port'))
    .option('--data-dir <dir>', 'data directory (env HEARTH_DATA_DIR; default ~/.local/share/hearth)')
    .option('--require-api-key', 'make every inference client present an API key, loopback included')
    .option('--workers <n>', 'inference worker threads (default: one per core)', int('--workers'))
    .option('--body-limit <bytes>', 'largest inference request body (default 64 MiB)', int('--body-limit'))
    .option('--no-demo-models', 'do not register the bundled demo model on an empty registry')
    .option('--no-usage-log', 'do not write the usage log (for benchmarks; the audit trail then has gaps)')
    .option('--inline-max-us <us>', 'run a CPU model on the HTTP thread when its median run takes at most this long, and its batches when predicted to (default 100; 0: always in worker threads)', int('--inline-max-us'))
    .option('--durability <level>', '"process-crash" (default): answered work survives a killed process; "power-loss": also a power cut, every commit synced to disk first (slower) (env HEARTH_DURABILITY)')
    .option('--usage-fsync', 'fdatasync each usage record before its response: survives a power loss, not only a crash (slower)')
    .addOption(new Option('--log-level <level>', 'log level').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']))
    .option('--tls', 'serve HTTPS with a self-signed certificate made on first start and kept in the data directory')
    .option('--tls-cert <file>', 'serve HTTPS with the site\'s own certificate (PEM; with --tls-key)')
    .option('--tls-key <file>', 'the private key of --tls-cert (PEM)')
    .option('--allow <cidrs>', 'client address ranges that may connect, comma-separated (default: loopback and private ranges)', (v: string) => v.split(',').map((x) => x.trim()).filter(Boolean))
    .option('--cors <origins>', 'web origins whose pages may call the API, comma-separated (default: none)', (v: string) => v.split(',').map((x) => x.trim()).filter(Boolean))
    .option('--rate-limit <n>', 'default requests per second per API key (default: none)', Number)
    .option('--max-concurrent <n>', 'default requests in flight per API key (default: none)', int('--max-concurrent'))
    .option('--rejected-rate <n>', 'refused requests (bad key, unknown model) a client address may cause per second before it gets 429; loopback not counted (default 10; 0: no limit)', Number)
    .option('--allowed-hosts <names>', 'host names clients may use besides the addresses, localhost and this machine\'s name, comma-separated; "*.example.org" for subdomains (env HEARTH_ALLOWED_HOSTS)', (v: string) => v.split(',').map((x) => x.trim()).filter(Boolean))
    .option('--upload-timeout <seconds>', 'time an admin has to send a model file (default 3600); other requests keep 120 s', int('--upload-timeout'))
    .option('--max-header-size <bytes>', 'largest request head (default 16 KiB)', int('--max-header-size'))
    .option('--trust-proxy <list>', 'comma-separated proxy addresses/CIDRs whose X-Forwarded-For names the client (env HEARTH_TRUST_PROXY)')
    .option('--follow <url>', 'follower mode: mirror the registry of the Hearth at this URL (env HEARTH_FOLLOW_URL)')
    .option('--follow-key <key>', 'a key of the leader with the follow scope (env HEARTH_FOLLOW_KEY, which keeps it out of the process list)')
    .option('--follow-fingerprint <sha256>', 'the SHA-256 fingerprint of an https leader\'s certificate, as it prints it (env HEARTH_FOLLOW_FINGERPRINT)')
    .option('--follow-insecure', 'allow following a plain http leader: the key and the models travel unprotected')
    .option('--follow-interval-ms <ms>', 'how often a follower polls its leader (default 2000)', int('--follow-interval-ms'))
    .option('--follow-max-removals <n>', 'versions and keys one sync may remove before it waits for "hearth follow confirm" (default 3)', int('--follow-max-removals'))
    .option('--follow-grace-days <days>', 'days a follower keeps the model files it removed, in blobs/removed (default 7)', int('--follow-grace-days'))
    .option('--keys-file <file>', 'API keys by their SHA-256 hash, a JSON list of { id, name, sha256, scopes, models?, expiresAt? } (a mounted Kubernetes Secret); re-read when it changes, read-only through the API (env HEARTH_KEYS_FILE)')
    .option('--model-repository <dir>', 'serve the models of this read-only folder: a Triton repository (NAME/config.pbtxt, NAME/<version>/model.onnx) or one model (model.onnx, or the one .onnx file in it); never written')
    .option('--model-name <name>', 'the name to serve a single-model repository under (KServe passes the InferenceService name)')
    .action(async (o: {
      modelRepository?: string; modelName?: string;
      host?: string; port?: number; dataDir?: string; requireApiKey?: boolean; workers?: number; bodyLimit?: number;
      demoModels: boolean; usageLog: boolean; usageFsync?: boolean; durability?: Config['durability']; inlineMaxUs?: number; logLevel?: Config['logLevel'];
      tls?: boolean; tlsCert?: string; tlsKey?: string; allow?: string[]; cors?: string[]; rateLimit?: number; maxConcurrent?: number; maxHeaderSize?: number; trustProxy?: string; allowedHosts?: string[]; rejectedRate?: number; uploadTimeout?: number;
      follow?: string; followKey?: string; followFingerprint?: string; followInsecure?: boolean; followIntervalMs?: number;
      followMaxRemovals?: number; followGraceDays?: number; keysFile?: string;
    }) => {
      const config = resolveConfig({
        host: o.host, port: o.port, dataDir: o.dataDir, requireApiKey: o.requireApiKey ?? false, workers: o.workers,
        bodyLimitBytes: o.bodyLimit, demoModels: o.demoModels, usageLog: o.usageLog, usageFsync: o.usageFsync ?? false, durability: o.durability, inlineMaxUs: o.inlineMaxUs, logLevel: o.logLevel ?? 'warn',
        tls: o.tls, tlsCert: o.tlsCert, tlsKey: o.tlsKey, allow: o.allow, corsOrigins: o.cors,
        ratePerSecond: o.rateLimit, maxConcurrent: o.maxConcurrent, maxHeaderBytes: o.maxHeaderSize, allowedHosts: o.allowedHosts, rejectedPerSecond: o.rejectedRate, uploadTimeoutMs: o.uploadTimeout === undefined ? undefined : o.uploadTimeout * 1000,
        trustProxy: o.trustProxy?.split(',').map((x) => x.trim()).filter(Boolean),
        followUrl: o.follow, followKey: o.followKey, followFingerprint: o.followFingerprint, followInsecure: o.followInsecure ?? false,
        followIntervalMs: o.followIntervalMs, followMaxRemovals: o.followMaxRemovals, followGraceDays: o.followGraceDays,
        keysFile: o.keysFile,
      });
      const repository = o.modelRepository === undefined ? undefined : { dir: o.modelRepository, modelName: o.modelName };
      const report = launchReporter();
      let server;
      try {
        server = await startServer(config, { repository, onListening: (launch) => report({ event: 'listening', ...launch }) });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        report({ event: 'error', code: typeof code === 'string' ? code : 'ESTART', message: errorMessage(err) });
        throw err;
      }
      // Handlers first: a SIGTERM that arrives while the banner prints still drains.
      const stopped = new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          out.log(`${signal}: draining in-flight requests…`);
          server.close().then(() => resolve(), (err: unknown) => { out.error(String(err)); resolve(); });
        };
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
      });
      out.log(`Hearth ${VERSION} is serving.`);
      out.log(`  Admin UI:    ${server.url}/ui/`);
      out.log(`  API:         ${server.url}/v2   (docs: ${server.url}/docs)`);
      out.log(`  Data:        ${config.dataDir}`);
      out.log(`  Admin token: ${server.services.adminTokenFile ?? 'from HEARTH_ADMIN_TOKEN'}`);
      out.log(`  Instance:    ${instanceId(server.services.db)} (a follower stops mirroring if this changes)`);
      for (const notice of server.services.startupNotices) out.log(`  ${notice}`);
      if (config.keysFile !== undefined) {
        const n = server.services.keys.list().filter((k) => k.fromFile).length;
        out.log(`  Keys file:   ${config.keysFile} (${n} key${n === 1 ? '' : 's'}; re-read when it changes)`);
      }
      if (repository) out.log(`  Models:      from ${repository.dir} (read-only): ${server.services.registry.listModels().map((m) => m.name).join(', ')}`);
      if (config.followUrl !== undefined) out.log(`  Following:   ${displayUrl(config.followUrl)} (registry changes are made there)`);
      for (const line of servingSummary(server.app)) out.log(line);
      await stopped;
    });
}
